"""The ``stacklog`` command: ``stacklog report | timeline | fetch | serve-fake | dashboard``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import pandas as pd

from ._util import format_duration
from .errors import StacklogError

_SUBCOMMAND_MODULES = ("_cli_plot", "_cli_fetch", "_cli_dashboard")  # each has register(subparsers)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stacklog",
        description="Where Oracle Cloud provisioning time goes: read PSM activity-log jobs, "
                    "time every step, write CSV reports and timelines.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    report = sub.add_parser(
        "report",
        help="write jobs.csv, steps.csv and step_stats.csv and print a summary",
        description="Read PSM jobs from files, folders or globs and write jobs.csv (one row "
                    "per job: durations, queue time, slowest and failed step), steps.csv (one "
                    "row per message with the step's duration) and step_stats.csv (count, "
                    "mean, median, p90, max seconds per step and group) into --out. Prints a "
                    "summary: jobs by status and operation, the slowest jobs and steps, and "
                    "failed jobs by the step they failed at.",
    )
    report.add_argument("sources", nargs="+", metavar="SOURCE",
                        help="JSON file (a job, a list, an activityLogs listing, or NDJSON), "
                             "folder (read recursively) or glob pattern")
    report.add_argument("--out", "-o", default="reports", metavar="DIR",
                        help="folder for the CSV files (created if missing; default: reports)")
    report.add_argument("--errors", choices=("raise", "skip"), default="raise",
                        help="raise: stop at the first malformed file or job (default); "
                             "skip: load the rest, list what was set aside in problems.csv")
    report.add_argument("--by", default="service_type,operation_type", metavar="COLS",
                        help="comma-separated columns grouping step_stats.csv "
                             "(default: service_type,operation_type; '' for one group)")
    report.add_argument("--as-of", metavar="TIME",
                        help="count unfinished jobs' durations up to TIME (ISO 8601, or 'now')")
    report.add_argument("--excel", action="store_true",
                        help="write UTF-8 with a byte-order mark, for spreadsheet programs")
    report.add_argument("--top", type=int, default=5, metavar="N",
                        help="how many slowest jobs and steps the summary lists (default: 5)")
    report.add_argument("--quiet", "-q", action="store_true", help="print no summary")
    report.set_defaults(func=_cmd_report)

    for module in _subcommand_modules():
        module.register(sub)
    return parser


def _subcommand_modules():
    import importlib

    return [importlib.import_module(f"stacklog.{name}") for name in _SUBCOMMAND_MODULES]


def _version() -> str:
    from . import __version__

    return __version__


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``stacklog`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except StacklogError as exc:
        print(f"stacklog: error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # `stacklog report ... | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:  # an unwritable output folder, a full disk, ...
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        print(f"stacklog: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stacklog: interrupted", file=sys.stderr)
        return 130


def _cmd_report(args: argparse.Namespace) -> int:
    from .load import read_jobs
    from .report import report_frames, write_frames
    from .timing import job_durations, step_durations

    by = [c.strip() for c in args.by.split(",") if c.strip()] or None
    log = read_jobs(*args.sources, errors=args.errors)
    steps = step_durations(log, as_of=args.as_of)          # computed once, used three ways
    jobs = job_durations(log, as_of=args.as_of, steps=steps)
    frames = report_frames(log, by=by, as_of=args.as_of, steps=steps, jobs=jobs)
    paths = write_frames(frames, args.out, excel=args.excel)
    if not args.quiet:
        print(summary(log, top=args.top, as_of=args.as_of, steps=steps, jobs=jobs))
        print()
    for name, path in paths.items():
        print(f"wrote {path}")
    return 0


def summary(log, *, top: int = 5, as_of: object = None, steps=None, jobs=None) -> str:
    """A short plain-text summary: jobs by status and operation, the slowest jobs and steps,
    and failed jobs by the step they failed at."""
    from .timing import job_durations, step_durations

    if steps is None:
        steps = step_durations(log, as_of=as_of)
    if jobs is None:
        jobs = job_durations(log, as_of=as_of, steps=steps)
    lines = [f"{len(jobs)} jobs, {len(log.messages)} messages"
             + (f", {len(log.problems)} problem{'s' if len(log.problems) != 1 else ''} "
               "(see problems.csv)" if len(log.problems) else "")]
    if jobs.empty:
        return lines[0]
    counts = jobs["status"].value_counts()
    lines.append("by status: " + ", ".join(f"{s} {n}" for s, n in counts.items()))
    lines.append("")
    lines.append("job durations by operation (of the finished jobs, failures included):")
    table = jobs.groupby("operation_type", dropna=False).agg(
        jobs=("job_id", "size"),
        finished=("duration", "count"),
        failed=("status", lambda s: int((s == "FAILED").sum())),
        median=("duration", "median"),
        p90=("duration", lambda d: d.quantile(0.9)),
        max=("duration", "max"),
    ).sort_values("jobs", ascending=False)
    lines.append(_table(
        ["operation", "jobs", "finished", "failed", "median", "p90", "max"],
        [[op, n, d, f, _dur(m), _dur(p), _dur(x)]
         for op, (n, d, f, m, p, x) in table.iterrows()]))
    lines.append("")
    slow = jobs.dropna(subset=["duration"]).nlargest(top, "duration")
    lines.append("slowest jobs:")
    lines.append(_table(
        ["job", "service", "operation", "status", "duration", "slowest step"],
        [[r.job_id, r.service_name, r.operation_type, r.status, _dur(r.duration),
          _short(r.slowest_step)] for r in slow.itertuples()]))
    lines.append("")
    all_steps = steps
    steps = all_steps.dropna(subset=["duration"]).nlargest(top, "duration")
    lines.append("slowest steps:")
    lines.append(_table(
        ["job", "operation", "duration", "step"],
        [[r.job_id, r.operation_type, _dur(r.duration), _short(r.message)]
         for r in steps.itertuples()]))
    failed = jobs[jobs["status"] == "FAILED"]
    if len(failed):
        failed_steps = all_steps[all_steps["kind"] == "failed"]
        lines.append("")
        lines.append(f"failed jobs ({len(failed)}), by failed step:")
        top_fail = failed_steps.groupby("step")["job_id"].nunique().sort_values(
            ascending=False, kind="stable")
        lines.extend(f"  {n:>4}  {_short(step, 80)}" for step, n in top_fail.head(top).items())
        rest = top_fail.iloc[top:]
        if len(rest):
            lines.append(f"  {int(rest.sum()):>4}  ... in {len(rest)} more failed steps "
                         "(see steps.csv, kind 'failed')")
        silent = len(failed) - int(top_fail.sum())
        if silent:
            lines.append(f"  {silent:>4}  (no message)")
    return "\n".join(lines)


def _dur(value) -> str:
    return "-" if value is None or pd.isna(value) else format_duration(value)


def _short(text, width: int = 60) -> str:
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return "-"
    # one line, no terminal control characters from the data
    text = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(header: list[str], rows: list[list]) -> str:
    cells = [[str(c) for c in header]] + [[_short(c, 80) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    return "\n".join("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                     for r in cells)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
