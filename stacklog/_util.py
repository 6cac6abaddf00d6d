"""Small DataFrame helpers shared by the modules."""

from __future__ import annotations

import math
import os

import pandas as pd


def lookup(keys: pd.Series, mapper: pd.Series) -> pd.Series:
    """``keys.map(mapper)`` keeping ``mapper``'s dtype, also when either is empty.

    ``mapper`` must have a unique index; keys not in it give NA.
    """
    positions = mapper.index.get_indexer(keys.to_numpy())
    values = mapper.array.take(positions, allow_fill=True)
    return pd.Series(values, index=keys.index, name=mapper.name)


#: Rows from which the compiled loops (stacklog._compiled) are used: loading numba costs
#: about 0.4 s and 110 MB once per process, more than they save on fewer rows.
COMPILED_FROM = 50_000


def threads() -> int:
    """Threads for work split across cores: the processors this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:                        # not on Linux
        return os.cpu_count() or 1


def format_duration(seconds: float | pd.Timedelta | None) -> str:
    """A duration in human units, as a person would say it.

    Parameters
    ----------
    seconds : float, int, Timedelta or None
        The duration in seconds (or a :class:`pandas.Timedelta`).

    Returns
    -------
    str
        ``"4 ms"`` below one second, ``"5.5 s"`` below a minute, ``"1 min 35 s"`` below an
        hour, ``"2 h 05 min"`` below a day, ``"3 d 04 h"`` beyond; ``"n/a"`` for a missing
        value. Negative durations get a leading ``"-"``.

    Examples
    --------
    >>> format_duration(0.004), format_duration(5.465), format_duration(95.042)
    ('4 ms', '5.5 s', '1 min 35 s')
    >>> format_duration(7500)
    '2 h 05 min'
    """
    if seconds is None or seconds is pd.NaT:
        return "n/a"
    if isinstance(seconds, pd.Timedelta):
        seconds = seconds.total_seconds()
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return "n/a"
    if math.isnan(s):
        return "n/a"
    if math.isinf(s):
        return "-inf" if s < 0 else "inf"
    if s < 0:
        return "-" + format_duration(-s)
    ms = round(s * 1000)
    if ms < 1000:
        return f"{ms} ms"
    if round(s, 1) < 60:
        return f"{s:.1f} s"
    whole = round(s)
    if whole < 3600:
        m, sec = divmod(whole, 60)
        return f"{m} min {sec:02d} s"
    minutes = round(s / 60)
    if minutes < 24 * 60:
        h, m = divmod(minutes, 60)
        return f"{h} h {m:02d} min"
    hours = round(s / 3600)
    d, h = divmod(hours, 24)
    return f"{d} d {h:02d} h"
