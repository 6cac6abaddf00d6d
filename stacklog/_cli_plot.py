"""The ``stacklog timeline`` command: draw one job's timeline to a picture file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register"]

_DESCRIPTION = """\
Draw the timeline of one job: one bar per step, from the message before it to the message
that reports it, coloured by kind (queue, step, failed step, still running) and labelled
with its duration. The picture format follows the --out suffix (.png, .svg, .pdf).
"""

_EPILOG = """\
examples:
  stacklog timeline data/examples --job 3086199 --out timeline.png
  stacklog timeline dumps/*.json --job 80045 --as-of now --tz Europe/Berlin --out job.svg
"""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``timeline`` subcommand to ``subparsers``; its ``func(args)`` returns 0 or 1."""
    p = subparsers.add_parser(
        "timeline",
        help="draw one job's timeline to a PNG, SVG or PDF file",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sources", nargs="+", metavar="SOURCE",
                   help="job files (.json, .ndjson), folders (read recursively) or glob "
                        "patterns")
    p.add_argument("--job", "-j", required=True, type=int, metavar="ID",
                   help="the job id (jobId) to draw")
    p.add_argument("--out", "-o", metavar="FILE", default=None,
                   help="picture file to write; the suffix picks the format "
                        "(default: timeline-ID.png in the current folder)")
    p.add_argument("--tz", default="UTC", metavar="ZONE",
                   help="time zone of the tick labels, an IANA name such as Europe/Berlin "
                        "(default: UTC)")
    p.add_argument("--as-of", default=None, metavar="TIME",
                   help="for a job still running: draw its open step up to TIME (ISO 8601, "
                        "e.g. 2016-07-25T23:00:00Z, or 'now'); without it a running job "
                        "shows its messages only")
    p.add_argument("--label", choices=("step", "message"), default="step",
                   help="label each bar with the normalised step name, names and numbers "
                        "replaced by placeholders (default), or with the message as written")
    p.add_argument("--dpi", type=int, default=150, metavar="N",
                   help="resolution of raster pictures in dots per inch (default: 150)")
    p.add_argument("--errors", choices=("raise", "skip"), default="raise",
                   help="on a malformed input file: stop with an error (default) or skip it")
    p.set_defaults(func=run)
    return p


def _fail(message: str) -> int:
    text = " ".join(str(message).split())
    print(f"stacklog: error: {text}", file=sys.stderr)
    return 1


def run(args: argparse.Namespace) -> int:
    """Run ``stacklog timeline``; print one line and return 1 on any error."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from .errors import StacklogError
    from .load import read_jobs
    from .plotting import _tzinfo, plot_timeline

    if args.dpi <= 0 or args.dpi > 1200:
        return _fail(f"--dpi must be between 1 and 1200, not {args.dpi}")
    try:
        _tzinfo(args.tz)
    except ValueError as exc:
        return _fail(str(exc))
    as_of = args.as_of
    if as_of is not None and as_of.strip().lower() != "now":
        try:
            pd.Timestamp(as_of)
        except (ValueError, TypeError):
            return _fail(f"--as-of: not a time: {as_of!r} (use ISO 8601, e.g. "
                         "2016-07-25T23:00:00Z, or 'now')")
    out = Path(args.out) if args.out else Path(f"timeline-{args.job}.png")
    if not out.parent.exists():
        return _fail(f"--out: folder {str(out.parent)!r} does not exist")

    try:
        log = read_jobs(*args.sources, errors=args.errors)
    except StacklogError as exc:
        return _fail(str(exc))
    if not (log.jobs["job_id"] == args.job).any():
        ids = log.jobs.sort_values("start_date", ascending=False)["job_id"].tolist()
        if not ids:
            return _fail(f"no job {args.job}: no job found in {' '.join(args.sources)}")
        few = ", ".join(str(i) for i in ids[:8])
        more = f" (newest 8 of {len(ids)})" if len(ids) > 8 else ""
        return _fail(f"no job {args.job} in {' '.join(args.sources)}; known ids: {few}{more}")

    try:
        ax = plot_timeline(log, args.job, tz=args.tz, as_of=as_of, label=args.label)
    except (StacklogError, ValueError) as exc:
        return _fail(str(exc))
    fig = ax.figure
    try:
        fig.savefig(out, dpi=args.dpi)
    except (OSError, ValueError) as exc:
        return _fail(f"cannot write {out}: {exc}")
    finally:
        plt.close(fig)
    print(out)
    return 0
