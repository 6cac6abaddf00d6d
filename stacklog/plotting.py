"""Pictures of jobs: one job's timeline, several jobs side by side, step statistics, trends.

Every function follows the seaborn convention: data first, keyword-only options, ``ax=None``
(a new figure sized to the content is made when no Axes is given), and the Axes is returned.
Nothing here calls ``plt.show()`` or ``savefig`` and no backend is selected: that is the
caller's business.

What was drawn is kept on the returned Axes as a DataFrame, so that numbers can be read back
without decoding artists:

* :func:`plot_timeline` sets ``ax.stacklog_steps`` (one row per bar) and ``ax.stacklog_bars``
  (the :class:`~matplotlib.container.BarContainer`, its patches in the same order);
* :func:`plot_jobs` sets ``ax.stacklog_jobs`` and ``ax.stacklog_bars``;
* :func:`plot_step_stats` sets ``ax.stacklog_stats``;
* :func:`plot_durations` sets ``ax.stacklog_durations``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import tzinfo
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from ._util import format_duration
from .errors import InputError
from .load import JobLog
from .timing import OPEN_STEP, job_durations, step_durations, step_stats

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "plot_timeline",
    "plot_jobs",
    "plot_step_stats",
    "plot_durations",
    "format_duration",
    "KIND_COLORS",
    "STATUS_COLORS",
]

#: Bar colours of :func:`plot_timeline`, by step kind (see :func:`stacklog.step_durations`).
KIND_COLORS: dict[str, str] = {
    "queue": "#a3acb9",   # waiting before "Activity Started": grey
    "work": "#4c78a8",    # ordinary step: blue
    "failed": "#d62728",  # the last message of a FAILED job: red, hatched, marked with X
    "open": "#dce9f5",    # still running up to as_of: pale, hatched, dashed edge
}
_KIND_LABELS = {
    "queue": "queue (waiting to start)",
    "work": "step",
    "failed": "failed step",
    "open": "running (up to as-of)",
}
#: Lane colours of :func:`plot_jobs`, by job status; other status words are purple.
STATUS_COLORS: dict[str, str] = {
    "SUCCEED": "#2ca02c",
    "FAILED": "#d62728",
    "WARN": "#ff7f0e",
    "RUNNING": "#1f77b4",
    "NEW": "#7f7f7f",
}
_OTHER_STATUS_COLOR = "#9467bd"

#: Bars shorter than this fraction of the job's span are drawn this wide (labels stay true).
MIN_WIDTH_FRACTION = 0.004
#: Text longer than this is shortened with an ellipsis in tick labels.
LABEL_CHARS = 50
_SECONDS_PER_DAY = 86400.0
_FIG_WIDTH = 10.0
_MAX_FIG_HEIGHT = 12.0


# --------------------------------------------------------------------------- formatting and axes


def _tick_duration(seconds: float) -> str:
    """Compact tick text for round durations: ``0``, ``10 ms``, ``30 s``, ``1 min 30 s``."""
    s = float(seconds)
    if s == 0:
        return "0"
    if abs(s) < 1:
        return f"{s * 1000:g} ms"
    if abs(s) < 60:
        return f"{s:g} s"
    if abs(s) < 3600:
        m, sec = divmod(round(s), 60)
        return f"{m} min" if sec == 0 else f"{m} min {sec} s"
    h, m = divmod(round(s / 60), 60)
    return f"{h} h" if m == 0 else f"{h} h {m} min"


# round steps for a linear duration axis, in seconds
_HUMAN_STEPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30,
                60, 120, 300, 600, 900, 1800, 3600, 7200, 3 * 3600, 6 * 3600, 12 * 3600, 86400)
# decades (and friends) for a log duration axis, in seconds
_HUMAN_LOG_TICKS = (0.001, 0.01, 0.1, 1, 10, 60, 600, 3600, 36000, 86400)


def _set_duration_axis(axis, lo: float, hi: float, *, log: bool) -> None:
    """Ticks at round human durations (seconds data) on ``axis``, labelled ``10 ms``, ``1 min``."""
    if log:
        ticks = [t for t in _HUMAN_LOG_TICKS if lo <= t <= hi]
        if len(ticks) < 2:
            ticks = [t for t in _HUMAN_STEPS if lo <= t <= hi]
        axis.set_major_locator(FixedLocator(ticks))
        axis.set_minor_locator(NullLocator())
    else:
        span = max(hi - lo, 1e-3)
        step = next((s for s in _HUMAN_STEPS if span / s <= 7), _HUMAN_STEPS[-1])
        first = math.ceil(lo / step) * step
        ticks = np.arange(first, hi + step * 1e-9, step)
        axis.set_major_locator(FixedLocator(ticks))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: _tick_duration(v)))


def _shorten(text: object, width: int = LABEL_CHARS, *, middle: bool = False) -> str:
    """One line of at most ``width`` characters, with an ellipsis where it was cut.

    ``middle=True`` cuts in the middle and keeps the end, which tells apart step names that
    differ only there (``... on host [*]`` / ``... on service [*]``).
    """
    if not isinstance(text, str):
        return "" if text is None or text is pd.NA else str(text)
    one = " ".join(text.split())
    if len(one) <= width:
        return one
    if middle:
        tail = max(8, (width - 1) // 3)
        head = width - 1 - tail
        return one[:head].rstrip() + "\u2026" + one[-tail:].lstrip()
    return one[: width - 1].rstrip() + "\u2026"


def _tzinfo(tz: str | tzinfo | None) -> tzinfo:
    """A tzinfo from an IANA name (``"Europe/Berlin"``), ``"UTC"``, a tzinfo, or None (UTC)."""
    if tz is None:
        return ZoneInfo("UTC")
    if isinstance(tz, tzinfo):
        return tz
    if isinstance(tz, str):
        name = tz.strip()
        if name.upper() in ("UTC", "Z", "GMT"):
            return ZoneInfo("UTC")
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    raise ValueError(
        f"unknown time zone {tz!r}: give an IANA name such as 'UTC', 'Europe/Berlin' or "
        "'Asia/Kolkata'"
    )


def _tz_name(tz: tzinfo) -> str:
    return getattr(tz, "key", None) or tz.tzname(None) or str(tz)


def _date_num(values: pd.Series | Iterable) -> np.ndarray:
    """Matplotlib date numbers (days, UTC) from tz-aware or naive-UTC timestamps."""
    s = pd.Series(pd.to_datetime(pd.Series(values), utc=True))
    naive = s.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
    return np.asarray(mdates.date2num(naive), dtype=float)


def _set_date_axis(axis, tz: tzinfo) -> None:
    """Date ticks in ``tz``: concise labels (``15:01``, ``15:01:30``) and the date as offset."""
    locator = mdates.AutoDateLocator(tz=tz, minticks=4, maxticks=10)
    locator.intervald[mdates.MINUTELY] = [1, 2, 5, 10, 15, 30]
    locator.intervald[mdates.SECONDLY] = [1, 2, 5, 10, 15, 30]
    formatter = mdates.ConciseDateFormatter(locator, tz=tz)
    # levels: years, months, days, hours, minutes, seconds, sub-seconds
    formatter.formats = ["%Y", "%b", "%d", "%H:%M", "%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
    formatter.zero_formats = ["", "%Y", "%b", "%b-%d", "%H:%M", "%H:%M", "%H:%M:%S"]
    formatter.offset_formats = ["", "%Y", "%Y-%b", "%Y-%m-%d", "%Y-%m-%d", "%Y-%m-%d %H:%M",
                                "%Y-%m-%d %H:%M"]
    axis.set_major_locator(locator)
    axis.set_major_formatter(formatter)


def _new_axes(height: float, width: float = _FIG_WIDTH) -> Axes:
    """A new pyplot figure (so it shows inline in notebooks) with one Axes."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(width, height), layout="constrained")
    return fig.add_subplot()


def _rows_height(n: int, *, per_row: float = 0.3, base: float = 1.6,
                 minimum: float = 2.6) -> float:
    """Figure height (inches) for ``n`` horizontal rows, capped at 12 inches."""
    return float(min(max(base + per_row * n, minimum), _MAX_FIG_HEIGHT))


def _axes_height_points(ax: Axes) -> float:
    fig = ax.figure
    return float(ax.get_position().height * fig.get_figheight() * 72.0)


def _label_rows(n: int, priority: Sequence[int], max_labels: int) -> list[int]:
    """Which of ``n`` rows get a label, at most ``max_labels`` spread so none overlap.

    Rows in ``priority`` are considered first (the failed or open step, the slowest
    steps), then the first and last row, then every k-th row. A row is accepted when it is
    at least ``n / max_labels`` rows away from every row accepted before it.
    """
    if n <= max_labels:
        return list(range(n))
    gap = n / max(max_labels, 1)
    k = max(1, math.ceil(gap))
    order = list(priority) + [0, n - 1] + list(range(0, n, k))
    chosen: list[int] = []
    for row in order:
        i = bisect.bisect_left(chosen, row)
        if i < len(chosen) and chosen[i] == row:
            continue
        if i > 0 and row - chosen[i - 1] < gap:
            continue
        if i < len(chosen) and chosen[i] - row < gap:
            continue
        chosen.insert(i, row)
        if len(chosen) >= max_labels:
            break
    return chosen


def _as_utc(value: object) -> pd.Timestamp | None:
    if value is None:
        return None
    if isinstance(value, str) and value.strip().lower() == "now":
        return pd.Timestamp.now(tz="UTC")
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _job_row(log: JobLog, job_id: int) -> pd.Series:
    jobs = log.jobs
    hit = jobs[jobs["job_id"] == job_id]
    if hit.empty:
        raise InputError("log", "job_id", _unknown_job_reason(log, job_id), None)
    return hit.iloc[0]


def _unknown_job_reason(log: JobLog, job_id: object) -> str:
    ids = log.jobs["job_id"].dropna().astype("int64").tolist()
    if not ids:
        return f"no job {job_id}: the log holds no jobs"
    few = ", ".join(str(i) for i in ids[:5])
    more = f", ... ({len(ids)} jobs)" if len(ids) > 5 else ""
    return f"no job {job_id} in the log; known ids: {few}{more}"


def _filter_jobs(log: JobLog, **equal: object) -> JobLog:
    """The jobs whose columns equal (or are in, for lists) the given values; None = any."""
    jobs = log.jobs
    keep = pd.Series(True, index=jobs.index)
    for col, want in equal.items():
        if want is None:
            continue
        values = [want] if isinstance(want, str) else list(want)
        if col == "service_type":
            values = [str(v).lower() for v in values]
        keep &= jobs[col].isin(values).fillna(False).astype(bool)
    return log.subset(jobs.loc[keep, "job_id"].tolist())


def _legend_above(ax: Axes, handles: list, reserved: float = 0.0) -> int:
    """A legend between the title and the plot, in as many rows as the Axes' width needs.

    ``reserved`` is the width (points) the y tick labels will take from the Axes once the
    layout engine runs. Returns the number of legend rows (the title's padding grows with it).
    """
    if not handles:
        return 0
    fontsize = 8
    fig = ax.figure
    width_pt = ax.get_position().width * fig.get_figwidth() * 72.0
    if fig.get_layout_engine() is not None:
        # the engine will widen the Axes to the figure's edge, less the tick labels
        width_pt = width_pt / 0.775 - reserved - 20
    # handle + gap + text (about 0.6 em per character)
    entries = [24 + 0.6 * fontsize * len(h.get_label()) + 14 for h in handles]
    ncol = len(handles)
    while ncol > 1 and max(sum(entries[i:i + ncol]) for i in range(0, len(entries), ncol)) \
            > width_pt:
        ncol -= 1
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=ncol,
              frameon=False, fontsize=fontsize, borderaxespad=0.2, handlelength=1.6,
              columnspacing=1.2)
    return math.ceil(len(handles) / ncol)


def _title_above_legend(ax: Axes, title: str, legend_rows: int) -> None:
    ax.set_title(title, fontsize=10, loc="left", pad=6 + 13 * legend_rows)


# --------------------------------------------------------------------------- plot_timeline


_MIN_AXIS_SECONDS = 10.0


def _plain_frame(ax: Axes, *, hide: Sequence[str]) -> None:
    """Light vertical grid lines behind the data, and no frame on the ``hide`` sides."""
    ax.grid(axis="x", color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in hide:
        ax.spines[side].set_visible(False)


def plot_timeline(
    log: JobLog,
    job_id: int,
    *,
    ax: Axes | None = None,
    tz: str | tzinfo = "UTC",
    as_of: object = None,
    label: Literal["step", "message"] = "step",
) -> Axes:
    """Gantt chart of one job: one horizontal bar per message, on a date axis.

    Each bar is the step that a message reports: from the previous message (the step's
    ``started``) to the message itself. The first step is at the top. Bars are coloured by
    kind (queue, step, failed step, running) and annotated with their true duration.

    Parameters
    ----------
    log : JobLog
    job_id : int
    ax : matplotlib Axes, optional
        Draw here. Without it a new figure is made, 10 inches wide and as tall as the
        number of steps needs (at most 12 inches).
    tz : str or tzinfo, default "UTC"
        Time zone of the tick labels (an IANA name such as ``"Europe/Berlin"``); the x label
        names it. Data stay in UTC.
    as_of : timestamp, ISO string or "now", optional
        For an unfinished job (no ``end_date``), draw the step still running as an open,
        hatched bar from its last message up to ``as_of``. Without it an unfinished job
        shows its messages and the note "running, no end date".
    label : {"step", "message"}
        Label the bars with the normalised step name (``"Scaling job for service [*] ..."``)
        or with the message as written.

    Returns
    -------
    matplotlib.axes.Axes
        With two extra attributes:

        ``ax.stacklog_steps`` : pandas.DataFrame
            One row per bar, top to bottom: ``y``, ``seq``, ``step``, ``message``, ``text``
            (the full label text), ``tick_label`` (what the y axis shows, shortened to about
            50 characters, ``""`` when thinned out), ``kind``, ``started`` and ``ended`` (UTC),
            ``seconds`` (true duration), ``drawn_seconds`` (the bar's width: the true
            duration, or the minimum width ``0.4 %`` of the job's span when shorter),
            ``annotation`` (the duration text written beside the bar, ``""`` when thinned
            out).
        ``ax.stacklog_bars`` : matplotlib.container.BarContainer
            The bars, in the same order. Each bar's width (days) is ``drawn_seconds / 86400``.

    Notes
    -----
    With more steps than fit the Axes' height, only some rows are labelled (and
    annotated): the failed or open step, the slowest steps, the first and last, then every
    k-th, never two closer than the label height. Every bar is drawn.
    """
    if label not in ("step", "message"):
        raise ValueError(f"label must be 'step' or 'message', not {label!r}")
    tzi = _tzinfo(tz)
    job = _job_row(log, job_id)
    as_of_ts = _as_utc(as_of)
    # as_of only matters to an unfinished job
    running = pd.isna(job["end_date"])
    steps = step_durations(log.subset([job_id]), as_of=as_of_ts if running else None)
    steps = steps[steps["started"].notna() & steps["activity_date"].notna()]
    # an as_of before the last message gives no open step
    steps = steps[~((steps["kind"] == "open") & (steps["duration"] < pd.Timedelta(0)))]
    steps = steps.reset_index(drop=True)
    n = len(steps)

    if ax is None:
        ax = _new_axes(_rows_height(n))

    start = job["start_date"]
    ends = [t for t in (start, job["end_date"]) if pd.notna(t)]
    if n:
        ends += [steps["activity_date"].max(), steps["started"].min()]
    t0 = min(ends) if ends else pd.Timestamp(0, tz="UTC")
    t1 = max(ends) if ends else t0
    # a job of a few milliseconds (or one message) still gets a readable 10-second axis
    span = max((t1 - t0).total_seconds(), _MIN_AXIS_SECONDS)
    min_seconds = MIN_WIDTH_FRACTION * span

    seconds = steps["duration"].dt.total_seconds().to_numpy(dtype=float)
    drawn = np.maximum(np.abs(seconds), min_seconds)
    left_ts = steps["started"].where(seconds >= 0, steps["activity_date"])
    left = _date_num(left_ts) if n else np.empty(0)
    kinds = steps["kind"].astype(str).to_numpy()
    y = np.arange(n)

    bars = ax.barh(y, drawn / _SECONDS_PER_DAY, left=left, height=0.7,
                   color=[KIND_COLORS.get(k, KIND_COLORS["work"]) for k in kinds],
                   edgecolor="none", align="center", label="_steps", zorder=2)
    for patch, kind in zip(bars.patches, kinds):
        if kind == "failed":
            patch.set_hatch("xx")
            patch.set_edgecolor("#7f1010")
            patch.set_linewidth(0.8)
        elif kind == "open":
            patch.set_hatch("//")
            patch.set_edgecolor(KIND_COLORS["work"])
            patch.set_linestyle("--")
            patch.set_linewidth(1.0)

    right = left + drawn / _SECONDS_PER_DAY
    failed_rows = np.flatnonzero(kinds == "failed")
    if failed_rows.size:
        ax.plot(right[failed_rows], y[failed_rows], linestyle="none", marker="X",
                markersize=9, color="black", markeredgecolor="white", zorder=4,
                gid="stacklog-failed-marker")

    # labels: full text, shortened tick label, thinned when the rows do not fit
    source = steps["message"] if label == "message" else steps["step"]
    text = [OPEN_STEP if kind == "open" else ("(no message)" if pd.isna(t) else str(t))
            for t, kind in zip(source, kinds)]
    fontsize = 9 if n <= 25 else 8
    max_labels = max(1, int(_axes_height_points(ax) / (fontsize * 1.45)))
    special = list(np.flatnonzero((kinds == "failed") | (kinds == "open")))
    slowest = list(np.argsort(-np.nan_to_num(np.abs(seconds), nan=-1), kind="stable"))
    keep_slow = slowest[: max(1, max_labels // 3)]
    labelled = _label_rows(n, special + keep_slow, max_labels)
    tick_labels = [""] * n
    annotations = [""] * n
    for row in labelled:
        tick_labels[row] = _shorten(text[row])
        annotations[row] = format_duration(seconds[row])
    ax.set_yticks(labelled, [tick_labels[r] for r in labelled], fontsize=fontsize)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(n - 0.5, -0.5) if n else ax.set_ylim(0.5, -0.5)

    # x range: the job plus room on the right for the duration texts
    x0 = _date_num([t0])[0]
    x1 = _date_num([t1])[0]
    span_days = span / _SECONDS_PER_DAY
    x1 = max(x1, x0 + span_days)
    ax.set_xlim(x0 - 0.01 * span_days, x1 + 0.16 * span_days)
    slowest_row = slowest[0] if n else -1
    for row in labelled:
        weight = "bold" if row == slowest_row else "normal"
        inside = drawn[row] > 0.55 * span
        xy = (right[row], y[row])
        if inside:
            ax.annotate(annotations[row], xy, xytext=(-4, 0), textcoords="offset points",
                        ha="right", va="center", fontsize=fontsize - 1,
                        color="#1f3b5c" if kinds[row] == "open" else "white",
                        fontweight="bold", zorder=5,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white",
                              "edgecolor": "none"} if kinds[row] == "open" else None)
        else:
            pad = 9 if kinds[row] == "failed" else 3
            ax.annotate(annotations[row], xy, xytext=(pad, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=fontsize - 1, color="#333333",
                        fontweight=weight, zorder=5)

    _set_date_axis(ax.xaxis, tzi)
    ax.set_xlabel(f"time ({_tz_name(tzi)})")
    _plain_frame(ax, hide=("top", "right", "left"))

    handles = [Patch(facecolor=KIND_COLORS[k], label=_KIND_LABELS[k],
                     hatch={"failed": "xx", "open": "//"}.get(k),
                     edgecolor={"failed": "#7f1010", "open": KIND_COLORS["work"]}.get(k, "none"),
                     linestyle="--" if k == "open" else "-")
               for k in ("queue", "work", "failed", "open") if k in set(kinds)]
    reserved = 0.6 * fontsize * max((len(t) for t in tick_labels), default=0)
    legend_rows = _legend_above(ax, handles, reserved)
    ax._stacklog_handles = handles
    ax._stacklog_reserved = reserved

    end = job["end_date"]
    if pd.notna(end):
        total = f"took {format_duration((end - start).total_seconds())}"
    elif as_of_ts is not None:
        total = (f"running for {format_duration((as_of_ts - start).total_seconds())} as of "
                 f"{as_of_ts.tz_convert(tzi):%Y-%m-%d %H:%M} {_tz_name(tzi)}")
    else:
        total = "running, no end date"
        ax.text(0.99, 0.99, "running, no end date", transform=ax.transAxes, ha="right",
                va="top", fontsize=9, style="italic", color="#555555")
    title = (f"{_text(job['service_name'])} \u00b7 {_text(job['operation_type'])} \u00b7 "
             f"{_text(job['status'])}\njob {job_id} \u00b7 {_text(job['service_type'])} \u00b7 "
             f"{n} step{'s' if n != 1 else ''} \u00b7 {total}")
    _title_above_legend(ax, title, legend_rows)

    ax.stacklog_steps = pd.DataFrame(
        {
            "y": y,
            "seq": steps["seq"].to_numpy(),
            "step": steps["step"].to_numpy(),
            "message": steps["message"].to_numpy(),
            "text": text,
            "tick_label": tick_labels,
            "kind": kinds,
            "started": steps["started"],
            "ended": steps["activity_date"],
            "seconds": seconds,
            "drawn_seconds": drawn,
            "annotation": annotations,
        }
    )
    ax.stacklog_bars = bars
    return ax


def _text(value: object) -> str:
    return "?" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _overlay_medians(ax: Axes, medians: Mapping[str, float]) -> list:
    """Mark on a :func:`plot_timeline` Axes how long each step takes in other jobs.

    ``medians`` maps step names to seconds. Under each bar whose step has a median, a thin
    dark line from the step's start spans the median duration and a diamond marks its end,
    so a bar reaching far past its diamond took longer than usual. Returns the artists
    added (each with ``gid == "stacklog-median"``); the numbers are in
    ``ax.stacklog_medians`` (``y``, ``step``, ``seconds``, ``median_seconds``).
    """
    table = getattr(ax, "stacklog_steps", None)
    if table is None or table.empty:
        return []
    lo = float(_date_num(table["started"]).min())
    hi = float(_date_num(table["ended"]).max())
    span_s = max((hi - lo) * _SECONDS_PER_DAY, 1e-3)
    rows = table[table["step"].isin(list(medians))]
    if rows.empty:
        ax.stacklog_medians = rows.assign(median_seconds=[])[
            ["y", "step", "seconds", "median_seconds"]].reset_index(drop=True)
        return []
    med = np.array([float(medians[s]) for s in rows["step"]])
    width = np.maximum(med, MIN_WIDTH_FRACTION * span_s) / _SECONDS_PER_DAY
    left = _date_num(rows["started"])
    y = rows["y"].to_numpy(dtype=float) + 0.41
    bars = ax.barh(y, width, left=left, height=0.07, color="#222222", zorder=3,
                   label="_median")
    for patch in bars.patches:
        patch.set_gid("stacklog-median")
    marks = ax.plot(left + width, y, linestyle="none", marker="D", markersize=3.5,
                    color="#222222", zorder=4, gid="stacklog-median")
    x0, x1 = ax.get_xlim()
    reach = float(np.max(left + width))
    if reach > x1 - 0.02 * (x1 - x0):  # a median longer than the job ran: widen the view
        ax.set_xlim(x0, reach + 0.05 * (reach - x0))
    ax.stacklog_medians = rows.assign(median_seconds=med)[
        ["y", "step", "seconds", "median_seconds"]].reset_index(drop=True)
    handles = list(getattr(ax, "_stacklog_handles", []))
    handles.append(Line2D([], [], color="#222222", marker="D", markersize=3.5, linewidth=1.5,
                          label="median of other jobs"))
    rows_needed = _legend_above(ax, handles, getattr(ax, "_stacklog_reserved", 0.0))
    _title_above_legend(ax, ax.get_title(loc="left"), rows_needed)
    return [*bars.patches, *marks]


# --------------------------------------------------------------------------- plot_jobs


def plot_jobs(
    log: JobLog,
    job_ids: Iterable[int] | None = None,
    *,
    align: Literal["start", "clock"] = "start",
    ax: Axes | None = None,
    tz: str | tzinfo = "UTC",
    max_jobs: int = 40,
    as_of: object = None,
) -> Axes:
    """Several jobs as swim lanes, one lane per job, coloured by status.

    Each lane is one bar from the job's start to its end (to its last message, or to
    ``as_of``, while it runs: then hatched with a dashed edge); thin white ticks inside mark
    each message, so the steps show as segments.

    Parameters
    ----------
    log : JobLog
    job_ids : iterable of int, optional
        The jobs to draw, top to bottom in this order. Default: every job, oldest at the top;
        when there are more than ``max_jobs``, the newest ``max_jobs``.
    align : {"start", "clock"}
        ``"start"``: every lane starts at x = 0, x in minutes since the job started, to
        compare durations. ``"clock"``: lanes on the wall clock (dates in ``tz``).
    ax : matplotlib Axes, optional
    tz : str or tzinfo, default "UTC"
        Time zone of the date ticks with ``align="clock"``.
    max_jobs : int, default 40
        At most this many lanes; the title says when jobs were left out.
    as_of : timestamp, ISO string or "now", optional
        End of the lanes of unfinished jobs.

    Returns
    -------
    matplotlib.axes.Axes
        With ``ax.stacklog_jobs`` (one row per lane, top to bottom: ``job_id``, ``status``,
        ``y``, ``left`` and ``width`` in x units, ``seconds`` drawn, ``running``, ``color``)
        and ``ax.stacklog_bars`` (the lanes' BarContainer, same order).
    """
    if align not in ("start", "clock"):
        raise ValueError(f"align must be 'start' or 'clock', not {align!r}")
    if max_jobs < 1:
        raise ValueError("max_jobs must be at least 1")
    tzi = _tzinfo(tz)
    as_of_ts = _as_utc(as_of)
    jobs = log.jobs
    total_jobs = len(jobs)
    if job_ids is None:
        chosen = jobs.sort_values(["start_date", "job_id"], kind="stable")
        left_out = max(0, len(chosen) - max_jobs)
        chosen = chosen.tail(max_jobs)
        note = f"newest {max_jobs} of {total_jobs} jobs" if left_out else ""
    else:
        ids = list(dict.fromkeys(int(i) for i in job_ids))
        known = set(jobs["job_id"].dropna().astype("int64"))
        missing = [i for i in ids if i not in known]
        if missing:
            raise InputError("log", "job_ids", _unknown_job_reason(log, missing[0]), None)
        left_out = max(0, len(ids) - max_jobs)
        ids = ids[:max_jobs]
        chosen = jobs.set_index("job_id").loc[ids].reset_index()
        note = f"first {max_jobs} of {len(ids) + left_out} jobs" if left_out else ""
    chosen = chosen.reset_index(drop=True)
    n = len(chosen)
    if ax is None:
        ax = _new_axes(_rows_height(n, per_row=0.32))

    sub = log.subset(chosen["job_id"].tolist())
    messages = sub.messages
    last_msg = messages.groupby("job_id")["activity_date"].max()
    starts = chosen["start_date"]
    ends = chosen["end_date"].copy()
    running = ends.isna().to_numpy()
    if as_of_ts is not None:
        fallback = pd.Series([as_of_ts] * n, index=chosen.index, dtype=ends.dtype)
    else:
        fallback = chosen["job_id"].map(last_msg).astype(ends.dtype)
    ends = ends.where(~running, fallback)
    ends = ends.where(ends.notna(), starts)
    seconds = (ends - starts).dt.total_seconds().to_numpy(dtype=float)

    if align == "start":
        left = np.zeros(n)
        widths = seconds / 60.0
        unit_per_second = 1 / 60.0
    else:
        left = _date_num(starts) if n else np.empty(0)
        widths = seconds / _SECONDS_PER_DAY
        unit_per_second = 1 / _SECONDS_PER_DAY
    if n:
        lo = float(np.nanmin(left))
        hi = float(np.nanmax(left + widths))
    else:
        lo, hi = 0.0, 1.0
    axis_span = max(hi - lo, 1e-3 * unit_per_second * 60)
    drawn = np.maximum(np.nan_to_num(widths), MIN_WIDTH_FRACTION * axis_span)
    statuses = [_text(s) for s in chosen["status"]]
    colors = [STATUS_COLORS.get(s, _OTHER_STATUS_COLOR) for s in statuses]
    y = np.arange(n)
    bars = ax.barh(y, drawn, left=left, height=0.66, color=colors, edgecolor="none",
                   label="_lanes", zorder=2)
    for patch, run in zip(bars.patches, running):
        if run:
            patch.set_hatch("//")
            patch.set_edgecolor("#333333")
            patch.set_linestyle("--")
            patch.set_linewidth(0.8)

    # step boundaries: a thin white tick at each message
    if n and len(messages):
        row_of = pd.Series(y, index=chosen["job_id"].to_numpy())
        msg_rows = messages["job_id"].map(row_of).to_numpy(dtype=float)
        msg_sec = (messages["activity_date"]
                   - messages["job_id"].map(pd.Series(starts.to_numpy(),
                                                      index=chosen["job_id"].to_numpy()))
                   ).dt.total_seconds().to_numpy(dtype=float)
        xs = left[msg_rows.astype(int)] + msg_sec * unit_per_second
        ax.vlines(xs, msg_rows - 0.33, msg_rows + 0.33, colors="white", linewidth=0.7,
                  alpha=0.9, zorder=3, gid="stacklog-step-ticks")

    fontsize = 8
    for row in range(n):
        txt = format_duration(seconds[row]) if not np.isnan(seconds[row]) else "n/a"
        if running[row]:
            txt += " so far" if as_of_ts is not None else " (running)"
        ax.annotate(txt, (left[row] + drawn[row], row), xytext=(3, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=fontsize - 1,
                    color="#333333")
    labels = [_shorten(f"{jid}  {_text(name)} {_text(op)}", 42) for jid, name, op in
              zip(chosen["job_id"], chosen["service_name"], chosen["operation_type"])]
    ax.set_yticks(y, labels, fontsize=fontsize)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(n - 0.5, -0.5) if n else ax.set_ylim(0.5, -0.5)
    ax.set_xlim(lo - 0.01 * axis_span, hi + 0.14 * axis_span)
    if align == "start":
        ax.set_xlabel("minutes since the job started")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 2.5, 5, 10]))
    else:
        _set_date_axis(ax.xaxis, tzi)
        ax.set_xlabel(f"time ({_tz_name(tzi)})")
    _plain_frame(ax, hide=("top", "right", "left"))
    present = list(dict.fromkeys(statuses))
    order = [s for s in STATUS_COLORS if s in present] + [s for s in present
                                                          if s not in STATUS_COLORS]
    handles = [Patch(facecolor=STATUS_COLORS.get(s, _OTHER_STATUS_COLOR), label=s)
               for s in order]
    if running.any():
        handles.append(Patch(facecolor="white", edgecolor="#333333", hatch="//",
                             linestyle="--", label="no end date yet"))
    reserved = 0.6 * fontsize * max((len(t) for t in labels), default=0)
    legend_rows = _legend_above(ax, handles, reserved)
    how = "aligned at their start" if align == "start" else "on the wall clock"
    title = f"{n} job{'s' if n != 1 else ''}, {how}"
    if note:
        title += f" ({note})"
    _title_above_legend(ax, title, legend_rows)

    ax.stacklog_jobs = pd.DataFrame(
        {
            "job_id": chosen["job_id"].to_numpy(),
            "status": statuses,
            "y": y,
            "left": left,
            "width": drawn,
            "seconds": seconds,
            "running": running,
            "color": colors,
        }
    )
    ax.stacklog_bars = bars
    return ax


# --------------------------------------------------------------------------- plot_step_stats


def plot_step_stats(
    log: JobLog,
    *,
    operation_type: str | Sequence[str] | None = None,
    service_type: str | Sequence[str] | None = None,
    ax: Axes | None = None,
    top: int = 15,
) -> Axes:
    """How long each step takes across jobs: one horizontal box per step.

    The ``top`` steps by total time are drawn, the most expensive at the top. Boxes span
    the quartiles, whiskers 1.5 IQR, dots are outliers; a black diamond marks the median
    and a red bar the 90th percentile. The x axis (seconds, labelled in human units) is
    logarithmic when the largest duration is more than 100 times the smallest.

    Parameters
    ----------
    log : JobLog
    operation_type, service_type : str or list of str, optional
        Only jobs of these operation types / service types (case-insensitive for service
        types). Steps of different operations are otherwise pooled by step name.
    ax : matplotlib Axes, optional
    top : int, default 15

    Returns
    -------
    matplotlib.axes.Axes
        With ``ax.stacklog_stats``: the drawn rows of :func:`stacklog.step_stats` over the
        filtered jobs (``by=None``), top to bottom, plus ``y``; and ``ax.stacklog_log_scale``.
    """
    if top < 1:
        raise ValueError("top must be at least 1")
    sub = _filter_jobs(log, operation_type=operation_type, service_type=service_type)
    stats = step_stats(sub, by=None).head(top).reset_index(drop=True)
    n = len(stats)
    if ax is None:
        ax = _new_axes(_rows_height(n, per_row=0.42, base=1.8, minimum=3.0))
    steps = step_durations(sub)
    steps = steps[steps["kind"] != "open"]
    seconds = steps["duration"].dt.total_seconds()
    data = [seconds[(steps["step"] == s).to_numpy()].dropna().to_numpy(dtype=float)
            for s in stats["step"]]

    what = []
    if operation_type is not None:
        what.append(operation_type if isinstance(operation_type, str)
                    else ", ".join(operation_type))
    if service_type is not None:
        what.append(service_type if isinstance(service_type, str) else ", ".join(service_type))
    scope = " ".join(what) if what else "all operations"
    title = (f"Step durations across {len(sub)} jobs ({scope})\n"
             f"top {n} steps by total time")
    _title_above_legend(ax, title, 1)
    ax.stacklog_stats = stats.assign(y=np.arange(n))
    ax.stacklog_log_scale = False
    if n == 0:
        ax.text(0.5, 0.5, "no steps match", transform=ax.transAxes, ha="center",
                va="center", color="#555555")
        ax.set_yticks([])
        ax.set_xticks([])
        return ax

    allv = np.concatenate(data) if data else np.empty(0)
    positive = allv[allv > 0]
    vmax = float(allv.max()) if allv.size else 1.0
    vmin_pos = float(positive.min()) if positive.size else vmax
    use_log = positive.size > 0 and vmax / vmin_pos > 100
    floor = max(vmin_pos / 2, 1e-3) if use_log else 0.0
    if use_log:
        data = [np.maximum(d, floor) for d in data]

    y = np.arange(n)
    box = ax.boxplot(data, positions=y, orientation="horizontal", widths=0.55,
                     patch_artist=True, manage_ticks=False, showfliers=True,
                     boxprops={"facecolor": "#cfe0f1", "edgecolor": "#4c78a8"},
                     whiskerprops={"color": "#4c78a8"}, capprops={"color": "#4c78a8"},
                     medianprops={"color": "#4c78a8", "linewidth": 1},
                     flierprops={"marker": "o", "markersize": 3, "markerfacecolor": "#888888",
                                 "markeredgecolor": "none", "alpha": 0.6})
    med = stats["median"].to_numpy(dtype=float)
    p90 = stats["p90"].to_numpy(dtype=float)
    if use_log:
        med, p90 = np.maximum(med, floor), np.maximum(p90, floor)
    ax.plot(med, y, linestyle="none", marker="D", markersize=5, color="black", zorder=4,
            gid="stacklog-median", label="median")
    ax.plot(p90, y, linestyle="none", marker="|", markersize=13, markeredgewidth=2.2,
            color="#d62728", zorder=4, gid="stacklog-p90", label="p90")
    for row in range(n):
        ax.annotate(f"median {format_duration(stats['median'][row])} \u00b7 "
                    f"p90 {format_duration(stats['p90'][row])}",
                    (1.0, row), xycoords=("axes fraction", "data"), xytext=(4, 0),
                    textcoords="offset points", ha="left", va="center", fontsize=7.5,
                    color="#333333")
    labels = [f"{_shorten(s, 50, middle=True)}  (n={c})"
              for s, c in zip(stats["step"], stats["count"])]
    ax.set_yticks(y, labels, fontsize=8)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(n - 0.5, -0.5)
    hi = max(vmax, 1e-3) * (1.6 if use_log else 1.05)
    if use_log:
        ax.set_xscale("log")
        lo = floor / 1.3
    else:
        lo = 0.0
    ax.set_xlim(lo, hi)
    _set_duration_axis(ax.xaxis, lo, hi, log=use_log)
    ax.set_xlabel("step duration" + (" (log scale)" if use_log else ""))
    _plain_frame(ax, hide=("top", "right"))
    handles = [Patch(facecolor="#cfe0f1", edgecolor="#4c78a8", label="middle half of jobs"),
               Line2D([], [], linestyle="none", marker="D", markersize=5, color="black",
                      label="median"),
               Line2D([], [], linestyle="none", marker="|", markersize=11, markeredgewidth=2,
                      color="#d62728", label="p90")]
    reserved = 0.6 * 8 * max((len(t) for t in labels), default=0)
    _title_above_legend(ax, title, _legend_above(ax, handles, reserved))
    ax.stacklog_log_scale = bool(use_log)
    ax.stacklog_boxes = box
    return ax


# --------------------------------------------------------------------------- plot_durations


def plot_durations(
    log: JobLog,
    *,
    by: str | None = "operation_type",
    ax: Axes | None = None,
    tz: str | tzinfo = "UTC",
) -> Axes:
    """Job duration over time: one series of points per group, failures marked with a red x.

    Parameters
    ----------
    log : JobLog
    by : str or None, default "operation_type"
        Column of :func:`stacklog.job_durations` to group by (``"service_type"``,
        ``"status"``, ...); None for one series.
    ax : matplotlib Axes, optional
    tz : str or tzinfo, default "UTC"
        Time zone of the date ticks.

    Returns
    -------
    matplotlib.axes.Axes
        x is the job's ``start_date``, y its duration in minutes (log scale when the longest
        is more than 100 times the shortest). Unfinished jobs are left out. With
        ``ax.stacklog_durations``: ``job_id``, ``group``, ``start_date``, ``minutes``,
        ``failed``, one row per drawn job.
    """
    tzi = _tzinfo(tz)
    jd = job_durations(log)
    if by is not None and by not in jd.columns:
        raise ValueError(f"by must be a column of job_durations(), not {by!r}")
    jd = jd[jd["duration"].notna()].sort_values(["start_date", "job_id"], kind="stable")
    groups = (jd[by].astype(object).where(jd[by].notna(), "(none)") if by is not None
              else pd.Series("all jobs", index=jd.index))
    minutes = jd["duration"].dt.total_seconds() / 60.0
    failed = (jd["status"] == "FAILED").fillna(False).to_numpy(dtype=bool)
    table = pd.DataFrame(
        {
            "job_id": jd["job_id"].to_numpy(),
            "group": groups.astype(str).to_numpy(),
            "start_date": jd["start_date"].to_numpy(),
            "minutes": minutes.to_numpy(dtype=float),
            "failed": failed,
        }
    )
    n_groups = table["group"].nunique()
    if ax is None:
        ax = _new_axes(4.8 if n_groups <= 12 else 6.0, width=11.0)
    x = _date_num(table["start_date"]) if len(table) else np.empty(0)
    table["x"] = x
    cmap = "tab10" if n_groups <= 10 else "tab20"
    import matplotlib

    palette = matplotlib.colormaps[cmap]
    for i, (name, part) in enumerate(table.groupby("group", sort=True)):
        ax.plot(part["x"], part["minutes"], linestyle="none", marker="o", markersize=5,
                alpha=0.8, color=palette(i % palette.N), label=f"{name} ({len(part)})",
                gid=f"stacklog-series-{name}")
    if failed.any():
        ax.plot(table.loc[failed, "x"], table.loc[failed, "minutes"], linestyle="none",
                marker="x", markersize=8, markeredgewidth=2, color="#d62728", zorder=5,
                label=f"FAILED ({int(failed.sum())})", gid="stacklog-failed")
    positive = table["minutes"][table["minutes"] > 0]
    if len(positive) and positive.max() / positive.min() > 100:
        ax.set_yscale("log")
        # the axis holds minutes: ticks at round human durations
        ticks = [t / 60 for t in _HUMAN_LOG_TICKS
                 if positive.min() / 1.5 <= t / 60 <= positive.max() * 1.5]
        ax.yaxis.set_major_locator(FixedLocator(ticks))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: _tick_duration(v * 60)))
        ax.set_ylabel("job duration (log scale)")
    else:
        ax.set_ylim(bottom=0)
        ax.set_ylabel("job duration (min)")
    if len(table):
        _set_date_axis(ax.xaxis, tzi)
    ax.set_xlabel(f"job start ({_tz_name(tzi)})")
    ax.grid(color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if len(table):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=8,
                  title=by or None, title_fontsize=8)
    else:
        ax.text(0.5, 0.5, "no finished jobs", transform=ax.transAxes, ha="center",
                va="center", color="#555555")
    ax.set_title(f"Job duration over time, {len(table)} finished jobs", fontsize=10,
                 loc="left")
    ax.stacklog_durations = table.drop(columns="x")
    return ax
