"""Plots render on Agg; the tests read back what was drawn: bars, widths, labels, colours."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

import stacklog  # noqa: E402
from stacklog import _cli_plot  # noqa: E402
from stacklog.plotting import (  # noqa: E402
    KIND_COLORS,
    MIN_WIDTH_FRACTION,
    STATUS_COLORS,
    _label_rows,
    _shorten,
    format_duration,
    plot_durations,
    plot_jobs,
    plot_step_stats,
    plot_timeline,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"
SEED_GAPS = [0, 0.004, 0.028, 95.042, 0.497]
JCS_GAPS = [0, 5.465, 0.125, 3.937, 81.626, 0.292, 1.393, 61.336, 129.296, 6.205, 0.121,
            1.356, 62.548, 0.036]
DAY = 86400.0


# --------------------------------------------------------------------------- test jobs


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def examples():
    return stacklog.read_jobs(EXAMPLES)


def psm_time(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def make_job(job_id, gaps, *, start="2024-03-01T10:00:00", status="SUCCEED",
             operation="CREATE_SERVICE", service_type="jaas", name=None, messages=None,
             finished=True):
    """A job whose i-th message comes gaps[i] seconds after the previous one."""
    t0 = pd.Timestamp(start, tz="UTC")
    t = t0
    msgs = []
    for i, gap in enumerate(gaps):
        t = t + pd.Timedelta(seconds=gap)
        text = messages[i] if messages else f"Step {chr(65 + i % 26)} done"
        msgs.append({"activityDate": psm_time(t), "message": text})
    job = {"jobId": job_id, "serviceName": name or f"svc{job_id}",
           "serviceType": service_type, "operationType": operation, "status": status,
           "startDate": psm_time(t0), "messages": msgs}
    if finished:
        job["endDate"] = psm_time(t)
    return job


def bar_seconds(ax):
    return np.array([p.get_width() * DAY for p in ax.stacklog_bars.patches])


def texts(ax):
    return [t.get_text() for t in ax.texts]


# --------------------------------------------------------------------------- format_duration


@pytest.mark.parametrize(
    "seconds, text",
    [
        (0, "0 ms"),
        (0.004, "4 ms"),
        (0.028, "28 ms"),
        (0.497, "497 ms"),
        (0.9994, "999 ms"),
        (0.9996, "1.0 s"),
        (5.465, "5.5 s"),
        (59.94, "59.9 s"),
        (59.96, "1 min 00 s"),
        (95.042, "1 min 35 s"),
        (129.296, "2 min 09 s"),
        (3599.4, "59 min 59 s"),
        (3600, "1 h 00 min"),
        (7500, "2 h 05 min"),
        (90000, "1 d 01 h"),
        (-5.5, "-5.5 s"),
        (pd.Timedelta(seconds=95.042), "1 min 35 s"),
        (None, "n/a"),
        (float("nan"), "n/a"),
        (pd.NaT, "n/a"),
    ],
)
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


def test_shorten_keeps_short_text_and_cuts_long_text():
    assert _shorten("Activity Started") == "Activity Started"
    long = "Completed submitting OTD script for remote execution on service [techco]"
    cut = _shorten(long)
    assert len(cut) == 50 and cut.endswith("\u2026") and long.startswith(cut[:-1])
    mid = _shorten(long, 40, middle=True)
    assert len(mid) <= 40 and mid.endswith("[techco]") and "\u2026" in mid


def test_label_rows_spreads_labels_and_keeps_priority_rows():
    assert _label_rows(5, [3], 10) == [0, 1, 2, 3, 4]
    rows = _label_rows(500, [250, 7], 40)
    assert len(rows) <= 40
    assert 250 in rows and 7 in rows  # priority rows first
    assert min(np.diff(rows)) >= 500 / 40


# --------------------------------------------------------------------------- plot_timeline


def test_seed_job_bars_are_the_true_step_durations(examples):
    ax = plot_timeline(examples, 80045)
    table = ax.stacklog_steps
    assert len(ax.stacklog_bars.patches) == 5
    np.testing.assert_allclose(table["seconds"], SEED_GAPS, atol=1e-6)
    widths = bar_seconds(ax)
    span = 95.571
    minimum = MIN_WIDTH_FRACTION * span
    # the true width where it is above the minimum, the minimum otherwise
    np.testing.assert_allclose(widths, np.maximum(SEED_GAPS, minimum), rtol=1e-6)
    np.testing.assert_allclose(widths, table["drawn_seconds"], rtol=1e-6)  # date precision
    assert widths.argmax() == 3
    assert widths[0] > 0 and widths[1] > 0
    assert widths[0] == pytest.approx(minimum)
    # each bar starts at the previous message (the first at startDate)
    starts = [p.get_x() for p in ax.stacklog_bars.patches]
    expected = mdates.date2num(pd.to_datetime(table["started"]).dt.tz_localize(None))
    np.testing.assert_allclose(starts, expected)
    shown = texts(ax)
    for label in ("0 ms", "4 ms", "28 ms", "1 min 35 s", "497 ms"):
        assert label in shown
    assert list(table["annotation"]) == ["0 ms", "4 ms", "28 ms", "1 min 35 s", "497 ms"]
    # no end date, no as_of: the note, and no open bar
    assert "running, no end date" in shown
    assert "running, no end date" in ax.get_title(loc="left")
    assert set(table["kind"]) == {"work"}


def test_seed_job_labels_follow_time_order_top_down(examples):
    ax = plot_timeline(examples, 80045)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Stack provisioning request accepted", "Initializing stack <name>",
                      "Preparing to create service <name>",
                      "Successfully created ACCS Service <name>-App",
                      "Completed configuring stack <name>"]
    bottom, top = ax.get_ylim()
    assert bottom > top  # inverted: the first step (y = 0) is at the top
    assert [t.get_position()[1] for t in ax.get_yticklabels()] == [0, 1, 2, 3, 4]


def test_jcs_job_queue_bar_and_longest_step(examples):
    ax = plot_timeline(examples, 3086199, label="message")
    table = ax.stacklog_steps
    np.testing.assert_allclose(table["seconds"], JCS_GAPS, atol=1e-6)
    bars = ax.stacklog_bars.patches
    assert len(bars) == 14
    queue = table.index[table["kind"] == "queue"].tolist()
    assert queue == [1]
    assert table.loc[1, "text"] == "Activity Started"
    assert bars[1].get_facecolor() == to_rgba(KIND_COLORS["queue"])
    assert bars[2].get_facecolor() == to_rgba(KIND_COLORS["work"])
    assert table.loc[1, "seconds"] == pytest.approx(5.465)
    longest = int(bar_seconds(ax).argmax())
    assert table.loc[longest, "text"].startswith("Stopped Virtual Machine")
    assert table.loc[longest, "annotation"] == "2 min 09 s"
    title = ax.get_title(loc="left")
    for word in ("techco", "SCALE_IN", "SUCCEED", "3086199", "5 min 54 s"):
        assert word in title
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["queue (waiting to start)", "step"]


def test_labels_are_shortened_and_full_text_is_kept(examples):
    ax = plot_timeline(examples, 3086199, label="message")
    table = ax.stacklog_steps
    full = "Completed submitting OTD script for remote execution on service [techco]"
    row = table.index[table["text"] == full][0]
    assert table.loc[row, "tick_label"].endswith("\u2026")
    assert len(table.loc[row, "tick_label"]) <= 50
    assert table.loc[row, "message"] == full
    steps = plot_timeline(examples, 3086199, label="step").stacklog_steps
    assert steps.loc[row, "text"] == "Completed submitting OTD script for remote execution " \
                                     "on service [*]"


def test_failed_job_last_bar_is_red_hatched_and_marked():
    job = make_job(901, [0, 2.5, 40, 3.2], status="FAILED", messages=[
        "Activity Submitted", "Activity Started", "Creating compute resources",
        "PSM-CRT-1042: Provisioning of service [x] failed: compute quota exceeded"])
    log = stacklog.parse_jobs(job)
    ax = plot_timeline(log, 901)
    bars = ax.stacklog_bars.patches
    assert list(ax.stacklog_steps["kind"]) == ["work", "queue", "work", "failed"]
    assert bars[-1].get_facecolor() == to_rgba(KIND_COLORS["failed"])
    assert bars[-1].get_hatch() == "xx"
    assert all(b.get_hatch() is None for b in bars[:-1])
    markers = [ln for ln in ax.lines if ln.get_gid() == "stacklog-failed-marker"]
    assert len(markers) == 1
    x, y = markers[0].get_data()
    assert y[0] == 3
    assert x[0] == pytest.approx(bars[-1].get_x() + bars[-1].get_width())
    assert "failed step" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert ax.stacklog_steps["annotation"].iloc[-1] == "3.2 s"


def test_tick_labels_follow_the_time_zone(examples):
    labels = {}
    for tz in ("UTC", "Asia/Kolkata"):
        ax = plot_timeline(examples, 3086199, tz=tz)
        ax.figure.canvas.draw()
        labels[tz] = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
        assert tz in ax.get_xlabel()
    assert labels["UTC"][0] == "15:00"
    assert labels["Asia/Kolkata"][0] == "20:30"  # +05:30
    assert len(labels["UTC"]) == len(labels["Asia/Kolkata"])
    # the data do not move: same bars in both
    a = plot_timeline(examples, 3086199, tz="UTC")
    b = plot_timeline(examples, 3086199, tz="Asia/Kolkata")
    assert [p.get_x() for p in a.stacklog_bars.patches] == \
        [p.get_x() for p in b.stacklog_bars.patches]


def test_bad_time_zone_and_unknown_job(examples):
    with pytest.raises(ValueError, match="unknown time zone"):
        plot_timeline(examples, 80045, tz="Mars/Olympus")
    with pytest.raises(stacklog.InputError, match="80045"):
        plot_timeline(examples, 12345)
    with pytest.raises(ValueError, match="label"):
        plot_timeline(examples, 80045, label="text")


def test_millisecond_step_beside_an_hour_is_still_drawn():
    log = stacklog.parse_jobs(make_job(902, [0, 3600, 0.001, 1800]))
    ax = plot_timeline(log, 902)
    widths = bar_seconds(ax)
    span = 5400.001
    assert widths[2] > 0
    assert widths[2] == pytest.approx(MIN_WIDTH_FRACTION * span)  # the minimum
    assert widths[1] == pytest.approx(3600)
    assert ax.stacklog_steps["seconds"].iloc[2] == pytest.approx(0.001)
    assert ax.stacklog_steps["annotation"].iloc[2] == "1 ms"
    assert ax.stacklog_steps["annotation"].iloc[1] == "1 h 00 min"
    # drawn on screen: at least a pixel wide
    ax.figure.canvas.draw()
    bbox = ax.stacklog_bars.patches[2].get_window_extent()
    assert bbox.width >= 1


def test_unfinished_job_with_as_of_gets_an_open_bar_to_as_of(examples):
    as_of = pd.Timestamp("2016-07-25T23:00:00Z")
    ax = plot_timeline(examples, 80045, as_of=as_of)
    table = ax.stacklog_steps
    bars = ax.stacklog_bars.patches
    assert len(bars) == 6
    assert table["kind"].iloc[-1] == "open"
    last = bars[-1]
    assert last.get_x() + last.get_width() == pytest.approx(
        mdates.date2num(as_of.tz_localize(None)))
    assert last.get_hatch() == "//"
    assert last.get_linestyle() == "--"
    assert table["seconds"].iloc[-1] == pytest.approx(
        (as_of - pd.Timestamp("2016-07-25T22:52:51.714Z")).total_seconds())
    assert "running for" in ax.get_title(loc="left")
    assert "running, no end date" not in texts(ax)


def test_one_message_job_renders_small():
    log = stacklog.parse_jobs(make_job(903, [0.5]))
    ax = plot_timeline(log, 903)
    ax.figure.canvas.draw()
    assert len(ax.stacklog_bars.patches) == 1
    assert ax.stacklog_bars.patches[0].get_width() > 0
    assert ax.figure.get_figheight() < 3.5


def test_five_hundred_messages_render_with_thinned_labels():
    rng = np.random.default_rng(7)
    gaps = rng.exponential(3.0, 500)
    gaps[321] = 900.0  # one slow step
    log = stacklog.parse_jobs(make_job(904, gaps.tolist()))
    ax = plot_timeline(log, 904)
    fig = ax.figure
    fig.canvas.draw()
    assert len(ax.stacklog_bars.patches) == 500
    assert fig.get_figheight() == pytest.approx(12.0)  # capped
    shown = [t for t in ax.get_yticklabels() if t.get_text()]
    assert 10 <= len(shown) < 100
    assert ax.stacklog_steps.loc[321, "tick_label"] != ""  # the slowest is labelled
    assert ax.stacklog_steps.loc[321, "annotation"] == "15 min 00 s"
    # labelled rows never overlap on screen
    boxes = sorted((t.get_window_extent() for t in shown), key=lambda b: b.y0)
    for lower, upper in zip(boxes, boxes[1:]):
        assert lower.y1 <= upper.y0 + 0.5
    assert (ax.stacklog_steps["annotation"] != "").sum() == len(shown)


def test_given_axes_is_used_and_no_figure_is_created(examples):
    fig, ax = plt.subplots()
    before = len(plt.get_fignums())
    assert plot_timeline(examples, 3086199, ax=ax) is ax
    assert len(plt.get_fignums()) == before


def test_importing_plotting_selects_no_backend_and_skips_pyplot():
    code = ("import sys, stacklog.plotting; "
            "print('matplotlib.pyplot' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"


# --------------------------------------------------------------------------- plot_jobs


@pytest.fixture(scope="module")
def small_log():
    jobs = [
        make_job(11, [0, 4, 60, 20], start="2024-03-01T10:00:00", operation="CREATE_SERVICE"),
        make_job(12, [0, 6, 100, 30], start="2024-03-02T10:00:00", operation="CREATE_SERVICE"),
        make_job(13, [0, 5, 80, 2], start="2024-03-03T10:00:00", operation="CREATE_SERVICE",
                 status="FAILED"),
        make_job(14, [0, 3, 10], start="2024-03-04T10:00:00", operation="DELETE_SERVICE",
                 status="WARN", service_type="soa"),
        make_job(15, [0, 2], start="2024-03-05T10:00:00", operation="DELETE_SERVICE",
                 status="RUNNING", service_type="soa", finished=False),
        make_job(16, [0], start="2024-03-06T10:00:00", operation="BACKUP", status="NEW",
                 service_type="soa", finished=False),
    ]
    return stacklog.parse_jobs(jobs)


def test_plot_jobs_one_lane_per_job_coloured_by_status(small_log):
    ax = plot_jobs(small_log)
    lanes = ax.stacklog_jobs
    bars = ax.stacklog_bars.patches
    assert len(bars) == len(lanes) == 6
    assert list(lanes["job_id"]) == [11, 12, 13, 14, 15, 16]  # oldest at the top
    for bar, status in zip(bars, lanes["status"]):
        assert bar.get_facecolor() == to_rgba(STATUS_COLORS[status])
    assert lanes.set_index("job_id").loc[13, "color"] == STATUS_COLORS["FAILED"]
    # aligned at their start: every lane at x = 0, widths in minutes
    assert all(b.get_x() == 0 for b in bars)
    assert bars[0].get_width() == pytest.approx(84 / 60)
    assert bars[1].get_width() == pytest.approx(136 / 60)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["SUCCEED", "FAILED", "WARN", "RUNNING", "NEW", "no end date yet"]
    assert ax.get_xlabel() == "minutes since the job started"
    ticks = [c for c in ax.collections if c.get_gid() == "stacklog-step-ticks"]
    assert len(ticks) == 1 and len(ticks[0].get_segments()) == 4 + 4 + 4 + 3 + 2 + 1


def test_plot_jobs_on_the_wall_clock_and_selection(small_log):
    ax = plot_jobs(small_log, [13, 11], align="clock", tz="Europe/Berlin")
    lanes = ax.stacklog_jobs
    assert list(lanes["job_id"]) == [13, 11]
    starts = pd.to_datetime(["2024-03-03T10:00:00", "2024-03-01T10:00:00"])
    np.testing.assert_allclose(lanes["left"], mdates.date2num(starts))
    assert "Europe/Berlin" in ax.get_xlabel()
    with pytest.raises(stacklog.InputError):
        plot_jobs(small_log, [11, 999])
    ax = plot_jobs(small_log, [15, 16, 11], as_of="2024-03-06T10:01:00Z")
    lanes = ax.stacklog_jobs.set_index("job_id")
    assert lanes.loc[15, "running"] and not lanes.loc[11, "running"]
    assert lanes.loc[15, "seconds"] == pytest.approx(86400 + 60)  # start to as_of
    assert lanes.loc[16, "seconds"] == pytest.approx(60)
    assert ax.stacklog_bars.patches[0].get_hatch() == "//"
    assert any(t.endswith("so far") for t in texts(ax))
    ax = plot_jobs(small_log, max_jobs=2)
    assert list(ax.stacklog_jobs["job_id"]) == [15, 16]
    assert "newest 2 of 6" in ax.get_title(loc="left")


# --------------------------------------------------------------------------- plot_step_stats


def test_plot_step_stats_matches_step_stats(small_log):
    ax = plot_step_stats(small_log, operation_type="CREATE_SERVICE", top=3)
    sub = small_log.subset([11, 12, 13])
    expected = stacklog.step_stats(sub, by=None).head(3)
    drawn = ax.stacklog_stats
    assert list(drawn["step"]) == list(expected["step"])
    np.testing.assert_allclose(drawn["median"], expected["median"])
    # by hand: "Step C done" took 60, 100, 80 s; "Step D done" 20, 30, 2 s
    assert list(drawn["step"][:2]) == ["Step C done", "Step D done"]
    assert drawn["median"].iloc[0] == pytest.approx(80)
    assert drawn["p90"].iloc[0] == pytest.approx(96)
    median = next(ln for ln in ax.lines if ln.get_gid() == "stacklog-median")
    p90 = next(ln for ln in ax.lines if ln.get_gid() == "stacklog-p90")
    np.testing.assert_allclose(median.get_xdata(), drawn["median"])
    np.testing.assert_allclose(p90.get_xdata(), drawn["p90"])
    np.testing.assert_allclose(median.get_ydata(), [0, 1, 2])
    assert len(ax.stacklog_boxes["boxes"]) == 3
    # from 2 s to 100 s: narrower than 100x -> linear
    assert ax.get_xscale() == "linear" and not ax.stacklog_log_scale
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Step C done  (n=3)"


def test_plot_step_stats_log_scale_when_spans_are_wide():
    log = stacklog.parse_jobs([make_job(20 + i, [1, 0.05 * (i + 1), 300 + i])
                               for i in range(4)])
    ax = plot_step_stats(log)
    assert ax.get_xscale() == "log" and ax.stacklog_log_scale  # 0.05 s to 303 s
    assert len(ax.stacklog_stats) == 3
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "1 s" in ticks and "1 min" in ticks
    ax = plot_step_stats(log, operation_type="NO_SUCH_OPERATION")
    assert ax.stacklog_stats.empty
    assert "no steps match" in texts(ax)


# --------------------------------------------------------------------------- plot_durations


def test_plot_durations_matches_job_durations(small_log):
    ax = plot_durations(small_log)
    table = ax.stacklog_durations
    # unfinished jobs 15 and 16 are left out
    assert sorted(table["job_id"]) == [11, 12, 13, 14]
    minutes = table.set_index("job_id")["minutes"]
    assert minutes[11] == pytest.approx(84 / 60)
    assert minutes[14] == pytest.approx(13 / 60)
    series = [ln for ln in ax.lines if (ln.get_gid() or "").startswith("stacklog-series-")]
    assert sorted(ln.get_label() for ln in series) == ["CREATE_SERVICE (3)",
                                                      "DELETE_SERVICE (1)"]
    failed = next(ln for ln in ax.lines if ln.get_gid() == "stacklog-failed")
    assert failed.get_marker() == "x"
    assert to_rgba(failed.get_color()) == to_rgba("#d62728")
    np.testing.assert_allclose(failed.get_ydata(), [87 / 60])
    jd = stacklog.job_durations(small_log).set_index("job_id")
    assert minutes[12] == pytest.approx(jd.loc[12, "duration"].total_seconds() / 60)


def test_plot_durations_without_groups(small_log):
    ax = plot_durations(small_log, by=None)
    series = [ln for ln in ax.lines if (ln.get_gid() or "").startswith("stacklog-series-")]
    assert [ln.get_label() for ln in series] == ["all jobs (4)"]
    with pytest.raises(ValueError):
        plot_durations(small_log, by="colour")


# --------------------------------------------------------------------------- CLI


def run_cli(*argv):
    parser = argparse.ArgumentParser(prog="stacklog")
    sub = parser.add_subparsers(dest="command", required=True)
    _cli_plot.register(sub)
    args = parser.parse_args(["timeline", *argv])
    return args.func(args)


def test_cli_writes_a_png(tmp_path, capsys):
    out = tmp_path / "t.png"
    code = run_cli(str(EXAMPLES), "--job", "3086199", "--out", str(out), "--dpi", "80",
                   "--tz", "Europe/Berlin", "--label", "message")
    assert code == 0
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    assert width == 800 and 300 <= height <= 960
    assert capsys.readouterr().out.strip() == str(out)
    assert plt.get_fignums() == []


def test_cli_as_of_now_on_a_running_job(tmp_path):
    out = tmp_path / "running.png"
    assert run_cli(str(EXAMPLES), "--job", "80045", "--as-of", "now", "--out", str(out),
                   "--dpi", "50") == 0
    assert out.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--job", "999"], ["no job 999", "known ids", "3086199", "80045"]),
        (["--job", "80045", "--tz", "Mars/Olympus"], ["unknown time zone"]),
        (["--job", "80045", "--as-of", "yesterday"], ["--as-of"]),
    ],
)
def test_cli_errors_are_one_line_and_exit_1(tmp_path, capsys, argv, words):
    code = run_cli(str(EXAMPLES), *argv, "--out", str(tmp_path / "x.png"))
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("stacklog: error: ") and err.count("\n") == 1
    for word in words:
        assert word in err
    assert not (tmp_path / "x.png").exists()


def test_cli_help_explains_every_option(capsys):
    with pytest.raises(SystemExit):
        run_cli("--help")
    text = capsys.readouterr().out
    for option in ("--job", "--out", "--tz", "--as-of", "--label", "--dpi", "--errors"):
        assert option in text



def test_edge_jobs_draw_without_error():
    empty = {"jobId": 1, "status": "NEW", "serviceName": "e",
             "startDate": "2024-01-01T00:00:00.000+0000", "messages": []}
    instant = make_job(2, [0], status="FAILED")
    log = stacklog.parse_jobs([empty, instant])
    ax = plot_timeline(log, 1)
    assert len(ax.stacklog_steps) == 0
    ax = plot_timeline(log, 1, as_of="2024-01-01T00:05:00Z")
    assert list(ax.stacklog_steps["kind"]) == ["open"]
    assert ax.stacklog_steps["seconds"].iloc[0] == pytest.approx(300)
    # as_of is ignored for a finished job
    ax = plot_timeline(log, 2, as_of="2030-01-01T00:00:00Z")
    assert list(ax.stacklog_steps["kind"]) == ["failed"]
    assert ax.stacklog_bars.patches[0].get_width() > 0
    for ax in (plot_jobs(log), plot_step_stats(log), plot_durations(log)):
        ax.figure.canvas.draw()
