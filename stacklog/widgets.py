"""The notebook explorer: filter jobs, pick one, see its timeline and steps, export CSV.

``stacklog.explore(log)`` returns the widget to display. Its state lives in an
:class:`Explorer`, whose callbacks are plain methods (``on_filter_change``, ``on_select``,
``on_toggle``, ``on_export``) so that they can be called, and tested, without a browser.

The timeline is drawn on one :class:`matplotlib.figure.Figure` that the explorer owns (it is
not registered with pyplot, so no figure piles up whatever the backend), rendered to PNG and
put into an :class:`ipywidgets.Output` as its single output, replacing the previous one.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
from pathlib import Path
from typing import Any

import ipywidgets as W
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .errors import StacklogError
from .load import JobLog
from .plotting import (
    _overlay_medians,
    _rows_height,
    _shorten,
    _text,
    _tz_name,
    _tzinfo,
    format_duration,
    plot_timeline,
)
from .report import write_report
from .timing import job_durations, step_durations

__all__ = ["explore", "Explorer"]

ALL = "(all)"
_FIG_WIDTH = 8.0
_FIG_MAX_HEIGHT = 9.0
_DPI = 100


def explore(log: JobLog, *, tz: str = "UTC", as_of: object = None,
            out_dir: str | os.PathLike = "reports/") -> W.VBox:
    """An interactive explorer of ``log`` for Jupyter.

    Filters (operation type, service type, status, service name or job id, start-date
    range) narrow a list of jobs; picking one shows its timeline and a table of its steps;
    "compare with median" marks how long the same steps took in other jobs of the same
    operation; "Export CSV" writes the report of the filtered jobs
    (:func:`stacklog.write_report`) into a folder.

    Parameters
    ----------
    log : JobLog
    tz : str, default "UTC"
        Time zone of the timeline's ticks and of the times listed.
    as_of : timestamp, ISO string or "now", optional
        Passed to :func:`stacklog.plot_timeline`: draws the running step of unfinished jobs.
    out_dir : path, default "reports/"
        Initial export folder (relative to the notebook's working directory).

    Returns
    -------
    ipywidgets.VBox
        The widget; its ``explorer`` attribute is the :class:`Explorer` behind it.
    """
    return Explorer(log, tz=tz, as_of=as_of, out_dir=out_dir).layout


class Explorer:
    """State and widgets of :func:`explore`.

    Attributes a caller (or a test) can read:

    ``layout`` : ipywidgets.VBox
        The widget to display (``Explorer`` itself also displays as it).
    ``job_ids`` : list of int
        The jobs the filters let through, as listed in the picker (newest first).
    ``job_id`` : int or None
        The selected job.
    ``figure``, ``ax`` : the timeline's Figure and its current Axes (see
        :func:`stacklog.plot_timeline` for ``ax.stacklog_steps``).
    ``table`` : ipywidgets.HTML
        The selected job's step table (``table.value`` is the HTML).
    ``out`` : ipywidgets.Output
        Holds exactly one output: the timeline as PNG.
    ``render_count`` : int
        How many times the timeline was drawn.
    ``last_export`` : pathlib.Path or None
        Folder of the last successful export; ``last_export_files`` its files.
    ``message`` : ipywidgets.HTML
        The status line (export result or error).
    """

    def __init__(self, log: JobLog, *, tz: str = "UTC", as_of: object = None,
                 out_dir: str | os.PathLike = "reports/"):
        self.log = log
        self.tz = _tzinfo(tz)
        self.as_of = as_of
        self.label = "message"
        jobs = job_durations(log)
        self._jobs = jobs.sort_values(["start_date", "job_id"], ascending=[False, False],
                                      kind="stable", na_position="last").reset_index(drop=True)
        steps = step_durations(log)
        self._steps = steps.assign(seconds=steps["duration"].dt.total_seconds())
        self.job_ids: list[int] = []
        self.job_id: int | None = None
        self.ax = None
        self.render_count = 0
        self.last_export: Path | None = None
        self.last_export_files: dict[str, Path] = {}
        self._rendered_key: Any = object()
        self._busy = False

        style = {"description_width": "initial"}
        self.operation = W.Dropdown(options=_choices(jobs["operation_type"]),
                                    description="operation", style=style,
                                    layout=W.Layout(width="260px"))
        self.service_type = W.Dropdown(options=_choices(jobs["service_type"]),
                                       description="service type", style=style,
                                       layout=W.Layout(width="220px"))
        self.status = W.Dropdown(options=_choices(jobs["status"]), description="status",
                                 style=style, layout=W.Layout(width="190px"))
        self.search = W.Text(value="", placeholder="service name or job id",
                             description="search", style=style, continuous_update=False,
                             layout=W.Layout(width="260px"))
        self.date_from = W.DatePicker(description="started from", style=style,
                                      layout=W.Layout(width="260px"))
        self.date_to = W.DatePicker(description="to", style=style,
                                    layout=W.Layout(width="200px"))
        self.count = W.HTML()
        self.picker = W.Select(options=[], rows=10,
                               layout=W.Layout(width="calc(100% - 8px)"))
        self.compare = W.Checkbox(value=False, description="compare with median",
                                  indent=False)
        self.out = W.Output(layout=W.Layout(width="62%"))
        self.table = W.HTML(layout=W.Layout(width="38%"))
        self.folder = W.Text(value=str(out_dir), description="folder", style=style,
                             layout=W.Layout(width="300px"))
        self.export_button = W.Button(description="Export CSV", icon="download",
                                      tooltip="Write jobs.csv, steps.csv and step_stats.csv "
                                              "for the listed jobs")
        self.message = W.HTML()

        self.figure = Figure(figsize=(_FIG_WIDTH, 5.0), dpi=_DPI, layout="constrained")
        FigureCanvasAgg(self.figure)

        for w in (self.operation, self.service_type, self.status, self.search,
                  self.date_from, self.date_to):
            w.observe(self.on_filter_change, names="value")
        self.picker.observe(self.on_select, names="value")
        self.compare.observe(self.on_toggle, names="value")
        self.export_button.on_click(self.on_export)

        self.layout = W.VBox(
            [
                W.HBox([self.operation, self.service_type, self.status]),
                W.HBox([self.search, self.date_from, self.date_to]),
                self.count,
                self.picker,
                self.compare,
                W.HBox([self.out, self.table], layout=W.Layout(align_items="flex-start")),
                W.HBox([self.folder, self.export_button, self.message],
                       layout=W.Layout(align_items="center")),
            ]
        )
        self.layout.explorer = self
        # stable class names for styling and for end-to-end tests
        for widget, name in ((self.layout, "explorer"), (self.picker, "picker"),
                             (self.out, "timeline"), (self.table, "steps"),
                             (self.count, "count"), (self.operation, "operation"),
                             (self.service_type, "service-type"), (self.status, "status"),
                             (self.search, "search"), (self.compare, "compare"),
                             (self.folder, "folder"), (self.export_button, "export"),
                             (self.message, "message")):
            widget.add_class(f"stacklog-{name}")
        self.on_filter_change()

    # -- display

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.layout._repr_mimebundle_(**kwargs)

    # -- callbacks

    def on_filter_change(self, change: Any = None) -> None:
        """Re-list the jobs that pass the filters; keep the selection if it still passes."""
        jobs = self._filtered()
        self.job_ids = [int(i) for i in jobs["job_id"]]
        options = [(_job_label(row, self.tz), int(row.job_id))
                   for row in jobs.itertuples(index=False)]
        keep = self.job_id if self.job_id in self.job_ids else (
            self.job_ids[0] if self.job_ids else None)
        self._busy = True
        try:
            self.picker.options = options
            self.picker.value = keep
        finally:
            self._busy = False
        total = len(self._jobs)
        self.count.value = (f"<b>{len(self.job_ids)}</b> of {total} jobs"
                            if self.job_ids else
                            f"<b>no job</b> of {total} matches the filters")
        self._show(keep)

    def on_select(self, change: Any = None) -> None:
        """Draw the picked job's timeline and step table."""
        if self._busy:
            return
        self._show(self.picker.value)

    def on_toggle(self, change: Any = None) -> None:
        """Add or remove the median overlay."""
        self._show(self.job_id)

    def on_export(self, button: Any = None) -> None:
        """Write the report of the listed jobs into the folder given in ``folder``."""
        if not self.job_ids:
            self.message.value = _note("nothing to export: no job matches the filters",
                                       error=True)
            return
        folder = Path(os.path.expanduser(self.folder.value.strip() or "reports"))
        try:
            files = write_report(self.log.subset(self.job_ids), folder)
        except (OSError, StacklogError, ValueError) as exc:
            self.message.value = _note(f"export failed: {exc}", error=True)
            return
        self.last_export = folder.resolve()
        self.last_export_files = dict(files) if isinstance(files, dict) else {}
        names = ", ".join(sorted(Path(p).name for p in self.last_export_files.values())) or \
            "the report"
        self.message.value = _note(f"wrote {names} for {len(self.job_ids)} jobs to "
                                   f"<code>{html.escape(str(self.last_export))}</code>")

    # -- state

    def _filtered(self) -> pd.DataFrame:
        jobs = self._jobs
        keep = np.ones(len(jobs), dtype=bool)
        for widget, col in ((self.operation, "operation_type"),
                            (self.service_type, "service_type"), (self.status, "status")):
            if widget.value != ALL:
                keep &= (jobs[col] == widget.value).fillna(False).to_numpy(dtype=bool)
        text = self.search.value.strip().lower()
        if text:
            names = jobs["service_name"].astype("str").str.lower()
            hit = names.str.contains(text, regex=False).fillna(False).to_numpy(dtype=bool)
            hit = hit | jobs["job_id"].astype("str").str.contains(text, regex=False).to_numpy(
                dtype=bool)
            keep &= hit
        local = jobs["start_date"].dt.tz_convert(self.tz).dt.date
        if self.date_from.value is not None:
            keep &= (local >= _as_date(self.date_from.value)).fillna(False).to_numpy(bool)
        if self.date_to.value is not None:
            keep &= (local <= _as_date(self.date_to.value)).fillna(False).to_numpy(bool)
        return jobs[keep]

    def medians(self, job_id: int) -> pd.Series:
        """Median seconds of each step in the other jobs of ``job_id``'s operation type."""
        steps = self._steps
        op = steps.loc[steps["job_id"] == job_id, "operation_type"]
        if op.empty:
            return pd.Series(dtype=float)
        others = steps[(steps["operation_type"] == op.iloc[0]) & (steps["job_id"] != job_id)
                       & (steps["kind"] != "open")]
        return others.groupby("step")["seconds"].median().dropna()

    def _show(self, job_id: int | None) -> None:
        """Draw ``job_id`` (once: nothing happens when it is already shown as asked)."""
        key = (job_id, bool(self.compare.value))
        if key == self._rendered_key:
            return
        self.job_id = job_id
        fig = self.figure
        fig.clear()
        if job_id is None:
            fig.set_size_inches(_FIG_WIDTH, 2.0)
            ax = fig.add_subplot()
            ax.set_axis_off()
            ax.text(0.5, 0.5, "no job matches the filters", ha="center", va="center",
                    color="#555555", transform=ax.transAxes)
            self.table.value = ""
        else:
            n = int((self._steps["job_id"] == job_id).sum())
            fig.set_size_inches(_FIG_WIDTH, min(_rows_height(n), _FIG_MAX_HEIGHT))
            ax = fig.add_subplot()
            plot_timeline(self.log, job_id, ax=ax, tz=self.tz, as_of=self.as_of,
                          label=self.label)
            medians = self.medians(job_id) if self.compare.value else None
            if medians is not None:
                _overlay_medians(ax, medians.to_dict())
            self.table.value = self._table_html(ax, medians)
        self.ax = ax
        png = self._png()
        self.out.outputs = (
            {
                "output_type": "display_data",
                "data": {
                    "image/png": base64.b64encode(png).decode("ascii"),
                    "text/plain": f"<timeline of job {job_id}>",
                },
                "metadata": {},
            },
        )
        self._rendered_key = key
        self.render_count += 1

    def _png(self) -> bytes:
        """The figure as PNG bytes (Agg, whatever backend pyplot uses)."""
        buf = io.BytesIO()
        self.figure.canvas.print_png(buf, pil_kwargs={"compress_level": 3})
        return buf.getvalue()

    def _table_html(self, ax: Any, medians: pd.Series | None) -> str:
        table = ax.stacklog_steps
        job = self._jobs[self._jobs["job_id"] == self.job_id].iloc[0]
        seconds = table["seconds"].to_numpy(dtype=float)
        slowest = int(np.nanargmax(seconds)) if np.isfinite(seconds).any() else -1
        head = ["#", "step", "started", "duration"]
        if medians is not None:
            head.append("median")
        right = "text-align:right;"
        th = "".join(f'<th style="{_CELL}{right if h in ("#", "duration", "median") else ""}">'
                     f"{h}</th>" for h in head)
        rows = []
        for i, r in enumerate(table.itertuples(index=False)):
            started = pd.Timestamp(r.started).tz_convert(self.tz)
            style = ""
            if i == slowest:
                style = "background:#fff3cd;"
            if r.kind == "failed":
                style += "color:#b00020;"
            cells = [
                f'<td style="{_CELL}text-align:right;color:#888">{i + 1}</td>',
                f'<td style="{_CELL}" title="{html.escape(str(r.text))}">'
                # the failed step's message is the reason: never cut it
                f"{html.escape(str(r.text) if r.kind == 'failed' else _shorten(r.text, 70))}"
                "</td>",
                f'<td style="{_CELL}white-space:nowrap">'
                f"{started:%H:%M:%S}.{started.microsecond // 1000:03d}</td>",
                f'<td style="{_CELL}text-align:right;white-space:nowrap">'
                f"{format_duration(r.seconds)}</td>",
            ]
            if medians is not None:
                med = medians.get(r.step)
                slow = med is not None and r.seconds > 3 * med and r.seconds > 1
                cells.append(
                    f'<td style="{_CELL}text-align:right;white-space:nowrap;'
                    f'{"color:#b00020;font-weight:bold" if slow else "color:#555"}">'
                    f"{format_duration(med) if med is not None else ''}</td>")
            rows.append(f'<tr style="{style}">{"".join(cells)}</tr>')
        end = job["duration"]
        took = format_duration(end) if pd.notna(end) else "running, no end date"
        summary = (f"<b>job {self.job_id}</b> &middot; {html.escape(_text(job['service_name']))}"
                   f" &middot; {html.escape(_text(job['operation_type']))} &middot; "
                   f"{html.escape(_text(job['status']))} &middot; {took}<br>"
                   f'<span style="color:#666">times in {html.escape(_tz_name(self.tz))}; '
                   "slowest step highlighted"
                   + ("; red median: this step took over 3&times; the median" if
                      medians is not None else "") + "</span>")
        return (f'<div style="font-size:12px;line-height:1.3">{summary}'
                f'<div style="max-height:440px;overflow-y:auto;margin-top:4px">'
                f'<table style="border-collapse:collapse;width:100%">'
                f"<thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
                f"</div></div>")


_CELL = "padding:2px 6px;border-bottom:1px solid #eee;text-align:left;vertical-align:top;"


def _choices(values: pd.Series) -> list[str]:
    return [ALL] + sorted({str(v) for v in values.dropna()})


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def _job_label(row: Any, tz: Any) -> str:
    """``80045  NEW  running  2016-07-25 22:51  MyStack CREATE_SERVICE``."""
    duration = "running" if pd.isna(row.duration) else format_duration(row.duration)
    start = (f"{row.start_date.tz_convert(tz):%Y-%m-%d %H:%M}" if pd.notna(row.start_date)
             else "no start date")
    return (f"{row.job_id}  {_text(row.status)}  {duration}  {start}  "
            f"{_text(row.service_name)} {_text(row.operation_type)}")


def _note(text: str, *, error: bool = False) -> str:
    color = "#b00020" if error else "#1b5e20"
    return f'<span style="color:{color}">{text if not error else html.escape(text)}</span>'
