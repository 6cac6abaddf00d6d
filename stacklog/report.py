"""CSV reports: ``jobs.csv``, ``steps.csv``, ``step_stats.csv`` (and ``problems.csv``).

Every file has a fixed column order. Timestamps are ISO 8601 UTC with milliseconds
(``2016-07-25T22:51:16.143Z``), durations are seconds (numbers, millisecond precision), ids
are integers, missing values are empty cells. Text cells that a spreadsheet would run as a
formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with
a single quote.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ._util import lookup
from .load import JobLog
from .timing import job_durations, step_durations, step_stats

__all__ = ["write_report", "report_frames", "write_frames", "JOBS_COLUMNS", "STEPS_COLUMNS",
           "STATS_COLUMNS"]

JOBS_COLUMNS = (
    "job_id", "service_name", "service_type", "operation_type", "status", "start_date",
    "end_date", "duration_s", "queue_time_s", "message_count", "first_message", "last_message",
    "span_s", "slowest_step", "slowest_step_s", "failed_step", "running", "activity_log_id",
    "service_id", "summary_message", "identity_domain", "initiated_by", "auth_user", "source",
)
STEPS_COLUMNS = (
    "job_id", "seq", "service_name", "service_type", "operation_type", "status", "started",
    "activity_date", "duration_s", "elapsed_s", "kind", "step", "message",
)
STATS_COLUMNS = ("count", "jobs", "mean_s", "median_s", "p90_s", "max_s", "total_s")
PROBLEMS_COLUMNS = ("source", "job_id", "field", "reason", "action")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_report(log: JobLog, directory: str | os.PathLike, *,
                 by: str | Sequence[str] | None = ("service_type", "operation_type"),
                 as_of: object = None, excel: bool = False) -> dict[str, Path]:
    """Write ``jobs.csv``, ``steps.csv`` and ``step_stats.csv`` into ``directory``.

    ``problems.csv`` is written too when ``log.problems`` is not empty.

    Parameters
    ----------
    log : JobLog
    directory : path
        Created if missing; existing report files are replaced.
    by : column name(s) or None
        Grouping of ``step_stats.csv`` (see :func:`stacklog.step_stats`).
    as_of : optional
        Passed to :func:`stacklog.job_durations`: unfinished jobs' durations up to then.
    excel : bool
        Write UTF-8 with a byte-order mark, so that spreadsheet programs detect the encoding.

    Returns
    -------
    dict
        ``{"jobs": path, "steps": path, "step_stats": path[, "problems": path]}``.
    """
    return write_frames(report_frames(log, by=by, as_of=as_of), directory, excel=excel)


def write_frames(frames: dict[str, pd.DataFrame], directory: str | os.PathLike, *,
                 excel: bool = False) -> dict[str, Path]:
    """Write :func:`report_frames` to CSV; a ``problems.csv`` left by an earlier run goes."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    encoding = "utf-8-sig" if excel else "utf-8"
    paths = {}
    for name, frame in frames.items():
        path = out / f"{name}.csv"
        # CRLF rows (RFC 4180): a bare CR or LF inside a text cell is then always quoted
        _csv_ready(frame).to_csv(path, index=False, encoding=encoding, lineterminator="\r\n")
        paths[name] = path
    stale = out / "problems.csv"
    if "problems" not in frames and stale.is_file():
        stale.unlink()
    return paths


def report_frames(log: JobLog, *, by: str | Sequence[str] | None = ("service_type",
                  "operation_type"), as_of: object = None, steps: pd.DataFrame | None = None,
                  jobs: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """The report tables, as written to CSV but before formatting (Timestamps, seconds).

    ``steps`` and ``jobs`` are ``step_durations(log, as_of)`` and ``job_durations(log,
    as_of)`` when already computed. With ``as_of``, ``steps.csv`` also holds each unfinished
    job's open step (kind ``open``) up to then.
    """
    if steps is None:
        steps = step_durations(log, as_of=as_of)
    if jobs is None:
        jobs = job_durations(log, as_of=as_of, steps=steps)
    jobs = jobs.copy()
    extra = log.jobs.set_index("job_id")
    for col in ("activity_log_id", "service_id", "summary_message", "identity_domain",
                "initiated_by", "auth_user", "source"):
        jobs[col] = lookup(jobs["job_id"], extra[col])
    for col in ("duration", "queue_time", "span", "slowest_step_duration"):
        name = "slowest_step_s" if col == "slowest_step_duration" else f"{col}_s"
        jobs[name] = _seconds(jobs[col])
    jobs = jobs[list(JOBS_COLUMNS)]

    stats = step_stats(steps, by=by)
    steps = steps.assign(duration_s=_seconds(steps["duration"]),
                         elapsed_s=_seconds(steps["elapsed"]))[list(STEPS_COLUMNS)]
    stats = stats.rename(columns={c: f"{c}_s" for c in ("mean", "median", "p90", "max",
                                                         "total")})
    for col in STATS_COLUMNS[2:]:
        stats[col] = stats[col].round(3)
    frames = {"jobs": jobs, "steps": steps, "step_stats": stats}
    if len(log.problems):
        frames["problems"] = log.problems[list(PROBLEMS_COLUMNS)]
    return frames


def _seconds(values: pd.Series) -> pd.Series:
    return values.dt.total_seconds().round(3)


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Format timestamps as ISO 8601 UTC with milliseconds and defuse formula-like text."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if isinstance(values.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(
                values.dtype):
            out[col] = _iso(values)
        elif isinstance(values.dtype, pd.CategoricalDtype):
            out[col] = _defuse(values.astype("str"))
        elif pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
            out[col] = _defuse(values)
        else:
            out[col] = values
    return pd.DataFrame(out, columns=frame.columns)


def _iso(values: pd.Series) -> pd.Series:
    if values.dt.tz is not None:
        values = values.dt.tz_convert("UTC")
    text = values.dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    return text.where(values.notna(), None)


def _defuse(values: pd.Series) -> pd.Series:
    text = values.astype("str")
    risky = text.str.startswith(_FORMULA_START).fillna(False).to_numpy(dtype=bool)
    if not risky.any():
        return text
    return pd.Series(np.where(risky, "'" + text, text), index=text.index,
                     dtype="str").where(text.notna(), None)
