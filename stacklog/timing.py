"""Time every step of every job: step names, step durations, job durations, step statistics.

A message reports that something finished or began, so the time *before* a message is the
step that message reports: ``duration`` = the message's ``activity_date`` minus the previous
message's (for the first message: minus the job's ``start_date``). All timestamps are
tz-aware UTC; durations are :class:`pandas.Timedelta` in frames and seconds (float) in
statistics.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

import numpy as np
import pandas as pd

from . import _schema as S
from . import _util
from ._steps import _buffers, arrow_text, step_name, step_names
from ._util import lookup, threads
from .errors import InputError
from .load import JobLog

__all__ = ["step_name", "step_durations", "job_durations", "step_stats"]

#: Job attributes carried onto each step row, for grouping and filtering.
JOB_ATTRS = ("service_name", "service_type", "operation_type", "status")
#: Step kinds: the queue before "Activity Started", ordinary work, the last message of a
#: FAILED job, and the open step of an unfinished job up to ``as_of``.
KINDS = ("queue", "work", "failed", "open")
OPEN_STEP = "(in progress)"

def _as_of(as_of: object) -> pd.Timestamp | None:
    """Parse ``as_of`` (timestamp, datetime, date, ISO string or ``"now"``) to UTC.

    Naive values are UTC. Numbers are refused: seconds or nanoseconds would be a guess.
    """
    if as_of is None:
        return None
    if isinstance(as_of, str) and as_of.strip().lower() == "now":
        return pd.Timestamp.now(tz="UTC")
    if not isinstance(as_of, (str, datetime, date, np.datetime64)):
        raise InputError("as_of", "as_of", f"expected a time like 2026-10-30T16:45:00Z or "
                         f"'now', got {type(as_of).__name__}")
    try:
        ts = pd.Timestamp(as_of)
    except (ValueError, TypeError) as exc:
        raise InputError("as_of", "as_of", f"not a time: {str(as_of)[:80]!r} ({exc})") from None
    if pd.isna(ts):
        raise InputError("as_of", "as_of", f"not a time: {str(as_of)[:80]!r}")
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _unfinished(jobs: pd.DataFrame) -> pd.Series:
    """Jobs still going: no end date and no final status (a FAILED job without one is over)."""
    return jobs["end_date"].isna() & ~jobs["status"].isin(S.FINAL_STATUSES)


def step_durations(log: JobLog, as_of: object = None) -> pd.DataFrame:
    """One row per message with the step it reports and how long that step took.

    Parameters
    ----------
    log : JobLog
    as_of : timestamp, datetime, ISO string or "now", optional
        When given, each unfinished job (no ``end_date``) gets one more row, ``kind ==
        "open"``, for the step still running from its last message up to ``as_of`` (naive
        values are taken as UTC).

    Returns
    -------
    pandas.DataFrame
        The columns of ``log.messages`` plus ``service_name``, ``service_type``,
        ``operation_type``, ``status`` (of the job, categorical), ``step`` (normalised
        message, see :func:`step_name`; categorical, its categories in text order: a few
        hundred names over millions of rows; ``.astype("str")`` before filling in new
        values), ``started`` (UTC time the step began: the previous message, or the job's
        ``start_date`` for the first), ``duration`` (Timedelta: ``activity_date -
        started``), ``elapsed`` (Timedelta since ``start_date``) and ``kind`` (categorical:
        ``"queue"`` for the wait until "Activity Started", ``"work"``, ``"failed"`` for the
        last message of a FAILED job, or ``"open"``).
    """
    as_of = _as_of(as_of)
    steps = log.messages.copy(deep=False)      # copy on write: new columns stay here
    row = _job_rows(log)
    for col in JOB_ATTRS:
        # categorical: a few distinct values repeated on every step of a job
        codes, uniques = pd.factorize(log.jobs[col], use_na_sentinel=True)
        # the smallest integer that holds the codes and -1 (NA): taken for every message
        codes = codes.astype(np.min_scalar_type(-len(uniques) or -1))
        steps[col] = pd.Categorical.from_codes(codes[row], validate=False,
                                               categories=pd.Index(uniques, dtype="str"))
    with ThreadPoolExecutor(1) as pool:
        # named in the background (the compiled loop lets go of the GIL) while the times
        # are worked out here
        naming = pool.submit(step_names, steps["message"], steps["service_name"])
        if as_of is not None and _unfinished(log.jobs).any():
            steps["step"] = naming.result()
            steps = _with_open_rows(log, steps, as_of)
            start = lookup(steps["job_id"], log.jobs.set_index("job_id")["start_date"])
            steps = _timed(steps, start.astype(S.TIMESTAMP_DTYPE))
        else:
            steps = _timed(steps, _job_start(log.jobs["start_date"], row, steps.index))
            steps.insert(steps.columns.get_loc("started"), "step", naming.result())
    if isinstance(steps["step"].dtype, pd.StringDtype):     # not text Arrow cannot hold
        # a few hundred names over millions of rows; categories sorted, as text sorts
        steps["step"] = steps["step"].astype("category")
    return steps.reset_index(drop=True)


def _with_open_rows(log: JobLog, steps: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """``steps`` (with ``step``) and a row for each unfinished job's open step up to
    ``as_of``, after its job's messages."""
    extra = _open_rows(log, as_of)
    extra["step"] = pd.Series([OPEN_STEP] * len(extra), dtype="str")
    steps = pd.concat([steps, extra], ignore_index=True)
    steps = steps.sort_values("job_id", kind="stable").reset_index(drop=True)
    for col in JOB_ATTRS:
        steps[col] = steps[col].astype("str").astype("category")
    return steps


def _job_start(begun: pd.Series, row: np.ndarray, index: pd.Index) -> pd.Series:
    """The job's ``start_date`` on each message's row (``row``: the job of each)."""
    if begun.dtype == S.TIMESTAMP_DTYPE:        # the microseconds, taken by numpy
        return pd.Series(begun.array.asi8[row].view("M8[us]"), index=index,
                         dtype=S.TIMESTAMP_DTYPE, copy=False)
    # a JobLog made by hand
    return pd.Series(begun.array.take(row), index=index, copy=False).astype(S.TIMESTAMP_DTYPE)


def _timed(steps: pd.DataFrame, start: pd.Series) -> pd.DataFrame:
    """``steps`` with ``started``, ``duration``, ``elapsed`` and ``kind`` (see
    :func:`step_durations`); ``start``: each row's job start."""
    ids = steps["job_id"].to_numpy(dtype=np.int64)
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    last = np.ones(len(ids), dtype=bool)
    last[:-1] = first[1:]
    at = steps["activity_date"]
    if at.dtype == S.TIMESTAMP_DTYPE:
        started = np.empty(len(ids), dtype=np.int64)    # the previous message's time ...
        started[1:] = at.array.asi8[:-1]
        started[first] = start.array.asi8[first]        # ... or the job's start
        steps["started"] = pd.Series(started.view("M8[us]"), index=steps.index,
                                     dtype=S.TIMESTAMP_DTYPE, copy=False)
    else:                                               # a JobLog made by hand
        steps["started"] = at.shift(1).where(~first, start).astype(S.TIMESTAMP_DTYPE)
    steps["duration"] = _minus(at, steps["started"])
    steps["elapsed"] = _minus(at, start)

    kind = np.full(len(steps), KINDS.index("work"), dtype=np.int8)
    queue = _activity_started(steps["message"])
    kind[queue] = KINDS.index("queue")
    is_open = steps["seq"].isna().to_numpy()
    kind[last & (steps["status"] == "FAILED").to_numpy() & ~is_open] = KINDS.index("failed")
    kind[is_open] = KINDS.index("open")
    steps["kind"] = pd.Categorical.from_codes(kind, categories=KINDS)
    return steps


_NAT = np.iinfo(np.int64).min


def _minus(a: pd.Series, b: pd.Series) -> pd.Series:
    """``a - b`` for two datetime64[us, UTC] series: timedelta64[us], NaT where either is.

    Done on the int64 microseconds (pandas' overflow-checked subtraction is about ten times
    slower); when the values are so far apart that the difference could overflow, pandas
    does it (and raises).
    """
    if a.dtype != S.TIMESTAMP_DTYPE or b.dtype != S.TIMESTAMP_DTYPE:
        return a - b
    x, y = a.array.asi8, b.array.asi8
    bad = (x == _NAT) | (y == _NAT)
    anybad = bool(bad.any())
    if len(x):
        xs, ys = (x[~bad], y[~bad]) if anybad else (x, y)
        if len(xs) and (int(xs.max()) - int(ys.min()) > -(_NAT + 1)
                        or int(xs.min()) - int(ys.max()) < _NAT + 1):
            return a - b
    out = x - y
    if anybad:
        out[bad] = _NAT
    return pd.Series(out.view("m8[us]"), index=a.index, copy=False)


def _activity_started(text: pd.Series) -> np.ndarray:
    """Rows whose message is "Activity Started" (any case, with whitespace around, under 40
    characters).

    On Arrow strings the bytes narrow it down cheaply: such a message is 16 to 159 bytes long
    and starts with an "a", whitespace or a non-ASCII byte; after an "a" come the other 15
    letters, unless a non-ASCII byte comes first (Arrow lowers "\u0130" to "i"). The few
    rows left are checked exactly.
    """
    maybe = _maybe_activity_started(text)
    if maybe is None:
        maybe = np.ones(len(text), dtype=bool)
    sub = text[maybe]
    hit = ((sub.str.len() < 40) & (sub.str.strip().str.lower() == "activity started"))
    queue = np.zeros(len(text), dtype=bool)
    queue[maybe] = hit.to_numpy(dtype=bool, na_value=False)
    return queue


_ASCII_LOWER = np.arange(256, dtype=np.uint8)
_ASCII_LOWER[0x41:0x5B] += 0x20
_ACTIVITY_STARTED = np.frombuffer(b"activity started", dtype=np.uint8)


def _maybe_activity_started(text: pd.Series) -> np.ndarray | None:
    """The rows :func:`_activity_started` must check; None when the text is not Arrow
    strings."""
    arr = arrow_text(text)
    if arr is None:
        return None
    parts = []
    for chunk in arr.chunks:
        data, offsets = _buffers(chunk)
        size = np.diff(offsets)
        begin = offsets[:-1]
        rows = np.flatnonzero((size >= 16) & (size < 160))
        first = data[begin[rows]]
        out = np.zeros(len(chunk), dtype=bool)
        out[rows[(first <= 0x20) | (first >= 0x80)]] = True
        letter = rows[_ASCII_LOWER[first] == 0x61]
        for k in range(1, 16):
            byte = data[begin[letter] + k]
            out[letter[byte >= 0x80]] = True     # a non-ASCII letter may lower to ASCII
            letter = letter[_ASCII_LOWER[byte] == _ACTIVITY_STARTED[k]]
        out[letter] = True
        parts.append(out)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _factorize(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """``pd.factorize(values, use_na_sentinel=False)``; a long Arrow string column is encoded
    chunk by chunk on one thread per core, then the chunks' dictionaries are unified."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arrow_text(values) if len(values) >= 1 << 18 else None
    if arr is None or arr.num_chunks < 2 or threads() < 2:
        return pd.factorize(values, use_na_sentinel=False)
    with ThreadPoolExecutor(threads()) as pool:
        parts = list(pool.map(pc.dictionary_encode, arr.chunks))
    unified = pa.chunked_array(parts).unify_dictionaries()
    uniques = pd.Series(unified.chunk(0).dictionary, dtype="str")
    codes = pa.chunked_array([chunk.indices for chunk in unified.chunks])
    if codes.null_count:                            # NA: a value too, the last one
        codes = pc.fill_null(codes, len(uniques))
        uniques = pd.concat([uniques, pd.Series([None], dtype="str")], ignore_index=True)
    return codes.to_numpy(), pd.Index(uniques)


def _group_stats(group: np.ndarray, span: int, seconds: np.ndarray, ids: np.ndarray,
                 ids_in_order: bool) -> tuple[np.ndarray, ...]:
    """:func:`stacklog._compiled.group_stats` with numpy, for fewer rows than are worth
    loading numba for: the same figures, to the last bit."""
    order = np.argsort(group, kind="stable")
    count = np.bincount(group, minlength=span)
    codes = np.flatnonzero(count)
    count = count[codes]
    starts = np.zeros(len(codes) + 1, dtype=np.int64)
    np.cumsum(count, out=starts[1:])
    total = np.bincount(group, weights=seconds, minlength=span)[codes].astype(np.float64)
    values, job = seconds[order], ids[order]
    out = np.empty((3, len(codes)))
    jobs = np.empty(len(codes), dtype=np.int64)
    for s, (a, b) in enumerate(zip(starts[:-1].tolist(), starts[1:].tolist())):
        v = np.sort(values[a:b])
        for q, p in enumerate(((b - a - 1) * 0.5, (b - a - 1) * 0.9)):
            x, y = int(np.floor(p)), int(np.ceil(p))
            out[q, s] = v[x] + (v[y] - v[x]) * (p - x)
        out[2, s] = v[-1]
        these = job[a:b] if ids_in_order else np.sort(job[a:b])
        jobs[s] = 1 + np.count_nonzero(these[1:] != these[:-1])
    return codes, count, order[starts[:-1]], jobs, total, out[0], out[1], out[2]


def _job_rows(log: JobLog) -> np.ndarray:
    """For each message, the position of its job in ``log.jobs``."""
    msg_ids = log.messages["job_id"].to_numpy(dtype=np.int64)
    counts = log.jobs["message_count"].to_numpy(dtype=np.int64)
    if counts.sum() == len(msg_ids):
        rows = np.repeat(np.arange(len(counts)), counts)
        if np.array_equal(log.jobs["job_id"].to_numpy(dtype=np.int64)[rows], msg_ids):
            return rows                   # the usual layout: messages in the order of jobs
    positions = pd.Index(log.jobs["job_id"]).get_indexer(log.messages["job_id"])
    if (positions < 0).any():
        raise InputError("JobLog", "messages.job_id", "messages of a job not in log.jobs")
    return positions


def _open_rows(log: JobLog, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per unfinished job, from its last message to ``as_of``.

    A job whose last message (or start) is after ``as_of`` has no open step then.
    """
    jobs = log.jobs
    last = log.messages.groupby("job_id", sort=False)["activity_date"].max()
    latest = lookup(jobs["job_id"], last).astype(S.TIMESTAMP_DTYPE)
    latest = latest.where(latest.notna(), jobs["start_date"])
    open_jobs = jobs[_unfinished(jobs) & ~(latest > as_of)]
    rows = pd.DataFrame(
        {
            "job_id": open_jobs["job_id"].to_numpy(),
            "seq": pd.array([pd.NA] * len(open_jobs), dtype="Int64"),
            "activity_date": pd.Series([as_of] * len(open_jobs),
                                       dtype=S.TIMESTAMP_DTYPE).array,
            "message": pd.Series([None] * len(open_jobs), dtype="str").array,
        }
    )
    rows["job_id"] = rows["job_id"].astype(S.ID_DTYPE)
    for col in JOB_ATTRS:
        rows[col] = pd.Categorical(open_jobs[col].to_numpy())
    return rows


def job_durations(log: JobLog, as_of: object = None, *,
                  steps: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per job: how long it took, how long it queued, where the time went.

    Parameters
    ----------
    log : JobLog
    as_of : timestamp, datetime, ISO string or "now", optional
        Unfinished jobs (no ``end_date``) have ``duration`` NA unless ``as_of`` is given; then
        their duration is ``as_of - start_date`` (NA if ``as_of`` is before the start) and
        their open step counts toward the slowest step.
    steps : DataFrame, optional
        ``step_durations(log, as_of=as_of)`` if already computed, to save computing it again.

    Returns
    -------
    pandas.DataFrame
        ``job_id``, ``service_name``, ``service_type``, ``operation_type``, ``status``,
        ``start_date``, ``end_date``, ``duration`` (Timedelta), ``queue_time`` (from
        ``start_date`` to the first "Activity Started", where there is one), ``message_count``,
        ``first_message`` and ``last_message`` (UTC times), ``span`` (last - first message),
        ``slowest_step`` (message text) and ``slowest_step_duration``, ``failed_step`` (last
        message of a FAILED job), ``running`` (no ``end_date`` and no final status).
    """
    as_of = _as_of(as_of)
    jobs = log.jobs
    if steps is None:
        steps = step_durations(log, as_of=as_of)
    out = jobs[["job_id", "service_name", "service_type", "operation_type", "status",
                "start_date", "end_date"]].copy()
    running = _unfinished(jobs)
    end = jobs["end_date"]
    if as_of is not None:
        end = end.where(~running | (jobs["start_date"] > as_of), as_of)
    out["duration"] = end - jobs["start_date"]

    real = steps[steps["kind"] != "open"]
    by_job = real.groupby("job_id", sort=False)["activity_date"]
    queue = real[real["kind"] == "queue"].drop_duplicates("job_id").set_index("job_id")
    out["queue_time"] = lookup(jobs["job_id"], queue["elapsed"])
    out["message_count"] = jobs["message_count"]
    out["first_message"] = lookup(jobs["job_id"], by_job.min()).astype(S.TIMESTAMP_DTYPE)
    out["last_message"] = lookup(jobs["job_id"], by_job.max()).astype(S.TIMESTAMP_DTYPE)
    out["span"] = out["last_message"] - out["first_message"]

    timed = steps[steps["duration"].notna()]
    slowest = (timed.sort_values("duration", kind="stable")
               .drop_duplicates("job_id", keep="last").set_index("job_id"))
    label = slowest["message"].where(slowest["kind"] != "open", OPEN_STEP)
    out["slowest_step"] = lookup(jobs["job_id"], label).astype("str")
    out["slowest_step_duration"] = lookup(jobs["job_id"], slowest["duration"])
    failed = real[real["kind"] == "failed"].set_index("job_id")["message"]
    out["failed_step"] = lookup(jobs["job_id"], failed).astype("str")
    out["running"] = running.to_numpy()
    return out.reset_index(drop=True)


def step_stats(log: JobLog | pd.DataFrame,
               by: str | Sequence[str] | None = ("service_type", "operation_type"),
               as_of: object = None) -> pd.DataFrame:
    """Statistics of each step's duration across jobs, per group.

    Parameters
    ----------
    log : JobLog or pandas.DataFrame
        Jobs, or the steps :func:`step_durations` already computed for them (then ``as_of``
        is not used), so that several statistics share one computation of the steps.
    by : column name or sequence of names, or None
        Job attributes to group by (any column of :func:`step_durations`); ``None`` or ``()``
        for one group of all jobs.
    as_of : optional
        As in :func:`step_durations` (open steps then count as the step ``"(in progress)"``).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``step``, ``count`` (steps with a known duration), ``jobs``
        (distinct jobs that had the step), and ``mean``, ``median``, ``p90``, ``max``,
        ``total`` in seconds; sorted by group, then total time, longest first.
    """
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    keys = list(dict.fromkeys(k for k in keys if k != "step"))    # step is always a key
    steps = log if isinstance(log, pd.DataFrame) else step_durations(log, as_of=as_of)
    unknown = [k for k in keys if k not in steps.columns]
    if unknown:
        raise InputError("step_stats", "by", f"no column {unknown[0]!r}; group by any of "
                         + ", ".join(c for c in steps.columns if c not in ("step", "seq")))
    seconds = steps["duration"].dt.total_seconds().to_numpy()
    timed = ~np.isnan(seconds)
    steps = steps[list(dict.fromkeys(keys + ["step", "job_id"]))]
    if not timed.all():
        steps = steps[timed]
        seconds = seconds[timed]
    # group codes from the keys, each key factorised once (string hashing is the costly part)
    group = None
    span = 1                                        # codes are below span
    factors = []
    for col in keys + ["step"]:
        values = steps[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            codes, uniques = values.cat.codes.to_numpy(), values.dtype
            size = len(values.cat.categories)
        else:
            codes, uniques = _factorize(values)
            size = len(uniques)
        factors.append((col, codes, uniques))
        span *= size + 1
        if group is None:                           # in place: no temporaries of 2M rows
            group = codes.astype(np.int64)
        else:
            group *= size + 1
            group += codes
        group += 1                                  # NA (-1) is a value too
    if group is None:
        group = np.zeros(len(steps), dtype=np.int64)
    if span > max(1 << 16, 4 * len(group)):         # sparse: number the codes that occur
        group, _ = pd.factorize(group)
        span = int(group.max()) + 1 if len(group) else 0
    ids = steps["job_id"].to_numpy(dtype=np.int64, na_value=-1)
    in_order = not (ids[1:] < ids[:-1]).any()
    if len(group) >= _util.COMPILED_FROM:
        from . import _compiled
        stats = _compiled.group_stats(group, span, seconds, ids, in_order, threads())
    else:
        stats = _group_stats(group, span, seconds, ids, in_order)
    _, count, first, jobs, total, median, p90, longest = stats
    # each group's key values, from the factors (taking rows of a long column of many
    # Arrow chunks would join them all first)
    labels = {col: pd.Categorical.from_codes(codes[first], dtype=uniques)
              if isinstance(uniques, pd.CategoricalDtype) else uniques.take(codes[first])
              for col, codes, uniques in factors}
    if isinstance(labels["step"], pd.Categorical):
        labels["step"] = pd.Series(labels["step"]).astype("str").array    # sorted as text
    stats = pd.DataFrame(
        {
            **{col: labels[col] for col in keys + ["step"]},
            "count": count,
            "jobs": jobs,
            "mean": total / np.maximum(count, 1),
            "median": median,
            "p90": p90,
            "max": longest,
            "total": total,
        }
    )
    order = keys + ["total", "step"]
    ascending = [True] * len(keys) + [False, True]
    stats = stats.sort_values(order, ascending=ascending, kind="stable", na_position="last")
    return stats.reset_index(drop=True)
