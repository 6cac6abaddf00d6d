"""The explorer's callbacks, called directly as a browser would trigger them."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import ipywidgets as W  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import stacklog  # noqa: E402
from stacklog.widgets import ALL, Explorer, explore  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"


def psm_time(t: pd.Timestamp) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}+0000"


def make_job(job_id, gaps, *, start, status="SUCCEED", operation="CREATE_SERVICE",
             service_type="jaas", name=None, finished=True):
    t0 = pd.Timestamp(start, tz="UTC")
    t = t0
    texts = ["Activity Submitted", "Activity Started", "Created VM", "Configured domain",
             "Started servers", "Activity Ended"]
    msgs = []
    for i, gap in enumerate(gaps):
        t = t + pd.Timedelta(seconds=gap)
        msgs.append({"activityDate": psm_time(t), "message": texts[i]})
    job = {"jobId": job_id, "serviceName": name or f"svc{job_id}", "serviceType": service_type,
           "operationType": operation, "status": status, "startDate": psm_time(t0),
           "messages": msgs}
    if finished:
        job["endDate"] = psm_time(t)
    return job


@pytest.fixture
def log():
    jobs = [
        make_job(101, [0, 5, 100, 20, 10, 1], start="2024-03-01T08:00:00", name="orders"),
        make_job(102, [0, 6, 120, 30, 12, 1], start="2024-03-02T08:00:00", name="orders"),
        make_job(103, [0, 4, 400, 25, 11, 1], start="2024-03-03T08:00:00", name="billing",
                 status="FAILED"),
        make_job(104, [0, 3, 50, 1], start="2024-03-04T08:00:00", name="billing",
                 operation="DELETE_SERVICE", service_type="soa"),
        make_job(105, [0, 2, 30], start="2024-03-05T08:00:00", name="hr",
                 operation="DELETE_SERVICE", service_type="soa", status="RUNNING",
                 finished=False),
    ]
    return stacklog.parse_jobs(jobs)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def real_png():
    """Marks a test that needs the explorer's real PNG rendering."""


@pytest.fixture(autouse=True)
def _fast_png(request, monkeypatch):
    # Rasterising the figure is the slow part of an update and touches no explorer state;
    # tests that do not look at the picture skip it.
    if "real_png" not in request.fixturenames:
        monkeypatch.setattr(Explorer, "_png", lambda self: b"\x89PNG\r\n\x1a\nstub")


def test_explore_returns_a_widget_holding_its_explorer(log):
    widget = explore(log)
    assert isinstance(widget, W.VBox)
    assert isinstance(widget.explorer, Explorer)
    assert widget.explorer.layout is widget
    assert "application/vnd.jupyter.widget-view+json" in \
        widget.explorer._repr_mimebundle_()


def test_lists_every_job_newest_first_with_status_duration_and_start(log):
    ex = Explorer(log)
    assert ex.job_ids == [105, 104, 103, 102, 101]
    labels = [label for label, _ in ex.picker.options]
    assert labels[0] == "105  RUNNING  running  2024-03-05 08:00  hr DELETE_SERVICE"
    assert labels[-1] == "101  SUCCEED  2 min 16 s  2024-03-01 08:00  orders CREATE_SERVICE"
    assert ex.job_id == 105 and ex.picker.value == 105
    assert ex.operation.options == (ALL, "CREATE_SERVICE", "DELETE_SERVICE")
    assert ex.service_type.options == (ALL, "jaas", "soa")
    assert "5</b> of 5 jobs" in ex.count.value


def test_the_seed_job_label_reads_like_the_listing():
    ex = Explorer(stacklog.read_jobs(EXAMPLES))
    labels = [label for label, _ in ex.picker.options]
    assert "80045  NEW  running  2016-07-25 22:51  MyStack CREATE_SERVICE" in labels


def test_filters_shrink_the_list(log):
    ex = Explorer(log)
    ex.operation.value = "CREATE_SERVICE"
    assert ex.job_ids == [103, 102, 101]
    ex.status.value = "SUCCEED"
    assert ex.job_ids == [102, 101]
    ex.status.value = ALL
    ex.search.value = "BILL"
    assert ex.job_ids == [103]
    ex.search.value = ""
    ex.operation.value = ALL
    ex.service_type.value = "soa"
    assert ex.job_ids == [105, 104]
    ex.service_type.value = ALL
    ex.date_from.value = dt.date(2024, 3, 2)
    ex.date_to.value = dt.date(2024, 3, 4)
    assert ex.job_ids == [104, 103, 102]
    assert [v for _, v in ex.picker.options] == [104, 103, 102]
    ex.search.value = "10"  # job ids match too
    assert ex.job_ids == [104, 103, 102]


def test_selection_survives_a_filter_that_keeps_it(log):
    ex = Explorer(log)
    ex.picker.value = 102
    ex.operation.value = "CREATE_SERVICE"
    assert ex.job_id == 102 and ex.picker.value == 102
    ex.status.value = "FAILED"  # 102 is filtered out: the first listed is shown
    assert ex.job_ids == [103] and ex.job_id == 103


def test_no_match_shows_an_empty_state(log):
    ex = Explorer(log)
    ex.search.value = "nothing-like-this"
    assert ex.job_ids == [] and ex.job_id is None
    assert ex.picker.options == ()
    assert "no job" in ex.count.value
    assert ex.table.value == ""
    assert len(ex.out.outputs) == 1
    ex.on_export()
    assert "nothing to export" in ex.message.value


def test_selecting_a_job_draws_its_timeline_once(log, real_png):
    ex = Explorer(log)
    count = ex.render_count
    ex.picker.value = 101
    assert ex.render_count == count + 1
    assert ex.job_id == 101
    assert len(ex.ax.stacklog_bars.patches) == 6
    assert list(ex.ax.stacklog_steps["seconds"]) == [0, 5, 100, 20, 10, 1]
    assert ex.ax.figure is ex.figure and ex.figure.axes == [ex.ax]
    # exactly one output: the PNG of the current figure
    assert len(ex.out.outputs) == 1
    png = base64.b64decode(ex.out.outputs[0]["data"]["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert "job 101" in ex.out.outputs[0]["data"]["text/plain"]
    # the step table
    html = ex.table.value
    assert html.count("<tr") == 7  # header + 6 steps
    assert "Created VM" in html and "1 min 40 s" in html and "08:01:45.000" in html
    # selecting the shown job again draws nothing
    ex.on_select()
    assert ex.render_count == count + 1


def test_table_escapes_html():
    job = make_job(7, [0, 1], start="2024-01-01T00:00:00")
    job["messages"][1]["message"] = "<script>alert(1)</script> & more"
    ex = Explorer(stacklog.parse_jobs(job))
    assert "<script>" not in ex.table.value
    assert "&lt;script&gt;" in ex.table.value


def test_compare_with_median_overlays_the_other_jobs_medians(log):
    ex = Explorer(log)
    ex.picker.value = 103
    assert not [p for p in ex.ax.patches if p.get_gid() == "stacklog-median"]
    ex.compare.value = True
    overlay = [p for p in ex.ax.patches if p.get_gid() == "stacklog-median"]
    marks = [ln for ln in ex.ax.lines if ln.get_gid() == "stacklog-median"]
    assert len(overlay) == 6 and len(marks) == 1
    medians = ex.ax.stacklog_medians.set_index("step")["median_seconds"]
    # other CREATE_SERVICE jobs: 101 and 102; "Created VM" took 100 and 120 s there
    assert medians["Created VM"] == pytest.approx(110)
    assert medians["Configured domain"] == pytest.approx(25)
    # the overlay's bars span the medians
    widths = sorted(p.get_width() * 86400 for p in overlay)
    assert widths[-1] == pytest.approx(110, rel=1e-6)
    assert "median" in ex.table.value and "1 min 50 s" in ex.table.value
    assert "median of other jobs" in [t.get_text() for t in ex.ax.get_legend().get_texts()]
    ex.compare.value = False
    assert not [p for p in ex.ax.patches if p.get_gid() == "stacklog-median"]


def test_export_writes_the_report_of_the_filtered_jobs(log, tmp_path):
    ex = Explorer(log)
    ex.operation.value = "CREATE_SERVICE"
    ex.status.value = "SUCCEED"
    ex.folder.value = str(tmp_path / "out")
    ex.export_button.click()
    folder = tmp_path / "out"
    assert ex.last_export == folder.resolve()
    for name in ("jobs.csv", "steps.csv", "step_stats.csv"):
        assert (folder / name).is_file()
    jobs = pd.read_csv(folder / "jobs.csv")
    assert sorted(jobs["job_id"]) == [101, 102]
    steps = pd.read_csv(folder / "steps.csv")
    assert set(steps["job_id"]) == {101, 102}
    assert str(folder.resolve()) in ex.message.value
    assert "2 jobs" in ex.message.value


def test_export_failure_is_reported_not_raised(log, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    ex = Explorer(log)
    ex.folder.value = str(blocker / "sub")
    ex.on_export()
    assert "export failed" in ex.message.value
    assert ex.last_export is None


def test_open_figures_do_not_grow_across_50_updates(log, monkeypatch):
    before = len(plt.get_fignums())
    ex = Explorer(log)
    # rasterising is the slow part and touches no pyplot state: see the next test
    rasterised = []
    monkeypatch.setattr(ex, "_png", lambda: rasterised.append(1) or b"\x89PNG")
    start = ex.render_count
    ids = ex.job_ids
    for i in range(25):
        ex.picker.value = ids[(i + 1) % len(ids)]
        ex.compare.value = not ex.compare.value
    assert ex.render_count - start == 50
    assert len(rasterised) == 50
    assert len(plt.get_fignums()) == before
    assert len(ex.out.outputs) == 1
    assert len(ex.figure.axes) == 1


def test_open_figures_do_not_grow_across_real_renders(log, real_png):
    before = len(plt.get_fignums())
    ex = Explorer(log)
    sizes = set()
    for job_id in (101, 102, 103, 101):
        ex.picker.value = job_id
        sizes.add(len(ex.out.outputs[0]["data"]["image/png"]))
    assert len(sizes) >= 3  # a new picture each time
    assert len(plt.get_fignums()) == before
    assert len(ex.out.outputs) == 1


def test_a_running_job_draws_without_error(log):
    ex = Explorer(log, as_of="2024-03-05T08:10:00Z")
    ex.picker.value = 105
    assert list(ex.ax.stacklog_steps["kind"])[-1] == "open"
    assert "running" in ex.table.value
