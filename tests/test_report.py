"""CSV reports: column order, formats, round trips, formula defusing, the report command."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from stacklog import parse_jobs, read_jobs, write_report
from stacklog.cli import main
from stacklog.report import JOBS_COLUMNS, STATS_COLUMNS, STEPS_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "data" / "examples"
SAMPLE = ROOT / "data" / "sample"

TRICKY = [
    'Error: "disk full", retrying',
    "line one\nline two, with comma",
    "=HYPERLINK(\"http://x\")",
    "+1 retry",
    "-- retry 2 of 3 --",
    "@SUM(A1)",
    "\tindented",
    "plain, but ünïcödé ✓",
]


def tricky_job():
    times = [f"2026-02-01T08:00:{i:02d}.{i * 7:03d}+0000" for i in range(len(TRICKY))]
    return {
        "jobId": 4242, "activityLogId": None, "serviceId": "77", "serviceName": "=cmd|calc",
        "serviceType": "JaaS", "operationType": "BACKUP", "status": "Failed",
        "startDate": times[0], "endDate": times[-1],
        "messages": [{"activityDate": t, "message": m} for t, m in zip(times, TRICKY)],
    }


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""], dtype=str)


def test_report_files_and_fixed_columns(tmp_path):
    paths = write_report(read_jobs(EXAMPLES), tmp_path)
    assert set(paths) == {"jobs", "steps", "step_stats"}
    assert not (tmp_path / "problems.csv").exists()
    with open(paths["jobs"], newline="") as f:
        assert next(csv.reader(f)) == list(JOBS_COLUMNS)
    with open(paths["steps"], newline="") as f:
        assert next(csv.reader(f)) == list(STEPS_COLUMNS)
    with open(paths["step_stats"], newline="") as f:
        assert next(csv.reader(f)) == ["service_type", "operation_type", "step",
                                       *STATS_COLUMNS]


def test_report_values_timestamps_ids_durations_and_empty_cells(tmp_path):
    write_report(read_jobs(EXAMPLES), tmp_path)
    jobs = read(tmp_path / "jobs.csv").set_index("job_id")
    seed, jcs = jobs.loc["80045"], jobs.loc["3086199"]
    assert seed["start_date"] == "2016-07-25T22:51:16.143Z"
    assert pd.isna(seed["end_date"]) and pd.isna(seed["duration_s"])   # empty cells
    assert seed["span_s"] == "95.571"
    assert seed["slowest_step_s"] == "95.042"
    assert seed["running"] == "True"
    assert seed["activity_log_id"] == "36004" and seed["service_id"] == "1701"
    assert jcs["end_date"] == "2016-12-05T15:05:26.674Z"
    assert jcs["duration_s"] == "353.736"
    assert jcs["queue_time_s"] == "5.465"
    assert jcs["slowest_step"] == "Stopped Virtual Machine wls/vm-2..."
    steps = read(tmp_path / "steps.csv")
    seed_steps = steps[steps["job_id"] == "80045"]
    assert list(seed_steps["duration_s"]) == ["0.0", "0.004", "0.028", "95.042", "0.497"]
    assert list(seed_steps["seq"]) == ["0", "1", "2", "3", "4"]
    assert seed_steps["activity_date"].iloc[3] == "2016-07-25T22:52:51.217Z"
    jcs_steps = steps[steps["job_id"] == "3086199"]
    assert [float(x) for x in jcs_steps["duration_s"]] == [
        0, 5.465, 0.125, 3.937, 81.626, 0.292, 1.393, 61.336, 129.296, 6.205, 0.121, 1.356,
        62.548, 0.036]
    stats = read(tmp_path / "step_stats.csv")
    top = stats[stats["operation_type"] == "SCALE_IN"].iloc[0]
    assert top["step"] == "Stopped Virtual Machine wls/vm-N"
    assert top["median_s"] == "129.296" and top["count"] == "1"


def test_ids_are_integers_without_decimal_point_even_with_missing_values(tmp_path):
    body = tricky_job()
    other = dict(tricky_job(), jobId=2**53 + 1, activityLogId=5, messages=[])
    write_report(parse_jobs([body, other]), tmp_path)
    text = (tmp_path / "jobs.csv").read_text()
    assert "4242," in text and "9007199254740993," in text and ".0," not in text.split("\n")[1]
    jobs = read(tmp_path / "jobs.csv").set_index("job_id")
    assert pd.isna(jobs.loc["4242", "activity_log_id"])
    assert jobs.loc["9007199254740993", "activity_log_id"] == "5"


def test_tricky_messages_round_trip_and_formulas_are_defused(tmp_path):
    write_report(parse_jobs(tricky_job()), tmp_path)
    steps = read(tmp_path / "steps.csv")
    expected = [("'" + m if m[0] in "=+-@\t" else m) for m in TRICKY]
    assert list(steps["message"]) == expected
    assert steps["service_name"].iloc[0] == "'=cmd|calc"
    jobs = read(tmp_path / "jobs.csv")
    assert jobs["status"].iloc[0] == "FAILED"
    assert jobs["failed_step"].iloc[0] == "plain, but ünïcödé ✓"
    # numbers are not text: a negative duration would stay a number (none here)
    assert steps["duration_s"].iloc[1] == "1.007"


def test_excel_flag_writes_a_bom(tmp_path):
    write_report(parse_jobs(tricky_job()), tmp_path / "plain")
    write_report(parse_jobs(tricky_job()), tmp_path / "excel", excel=True)
    assert not (tmp_path / "plain" / "jobs.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    for name in ("jobs", "steps", "step_stats"):
        data = (tmp_path / "excel" / f"{name}.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(tmp_path / "excel" / "steps.csv", encoding="utf-8-sig")
    assert back.columns[0] == "job_id"


def test_problems_csv_when_jobs_were_set_aside(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ok.json").write_text(json.dumps(tricky_job()))
    (tmp_path / "in" / "bad.json").write_text("<html>")
    log = read_jobs(tmp_path / "in", errors="skip")
    paths = write_report(log, tmp_path / "out")
    problems = read(paths["problems"])
    assert list(problems.columns) == ["source", "job_id", "field", "reason", "action"]
    assert problems["source"].iloc[0] == str(tmp_path / "in" / "bad.json")


# --------------------------------------------------------------------------- the command


def test_cli_report_on_examples(tmp_path, capsys):
    code = main(["report", str(EXAMPLES), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "2 jobs, 19 messages" in out
    assert "NEW 1, SUCCEED 1" in out
    assert "5 min 54 s" in out                         # the scale-in job's 353.736 s
    assert "Stopped Virtual Machine wls/vm-2" in out   # slowest step
    for name in ("jobs", "steps", "step_stats"):
        assert (tmp_path / f"{name}.csv").exists()
        assert f"wrote {tmp_path / name}.csv" in out


def test_cli_bad_input_one_line_error_and_exit_code(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"jobId": 1, "messages": "nope"}')
    code = main(["report", str(bad), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith("stacklog: error: ")
    assert str(bad) in err and "'messages'" in err
    # --errors skip loads the rest
    good = tmp_path / "good.json"
    good.write_text(json.dumps(tricky_job()))
    code = main(["report", str(bad), str(good), "--errors", "skip", "--out",
                 str(tmp_path / "out")])
    assert code == 0
    assert "1 problem (see problems.csv)" in capsys.readouterr().out


def test_cli_unwritable_output_is_a_one_line_error(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["report", str(EXAMPLES), "--out", str(blocker / "reports"), "-q"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("stacklog: error: ")
    assert str(blocker / "reports") in err


def test_cli_help_explains_every_option():
    proc = subprocess.run([sys.executable, "-m", "stacklog", "report", "--help"],
                          capture_output=True, text=True, check=True)
    for option in ("--out", "--errors", "--by", "--as-of", "--excel", "--top", "--quiet"):
        assert option in proc.stdout
    top = subprocess.run([sys.executable, "-m", "stacklog", "--help"], capture_output=True,
                         text=True, check=True)
    assert "report" in top.stdout


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample corpus not generated")
def test_cli_report_on_the_sample_corpus(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "stacklog", "report", str(SAMPLE), "--out",
                           str(tmp_path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    jobs = pd.read_csv(tmp_path / "jobs.csv")
    n_files = len(list(SAMPLE.glob("*.json")))
    assert len(jobs) == n_files >= 200
    assert set(jobs["status"]) >= {"SUCCEED", "FAILED", "RUNNING", "NEW"}
    finished = jobs[~jobs["running"]]
    assert finished["duration_s"].notna().all()
    assert (finished["duration_s"] > 0).all()
    assert jobs[jobs["running"]]["duration_s"].isna().all()
    assert jobs[jobs["status"] == "FAILED"]["failed_step"].str.match(r"[A-Z]+-[A-Z]+-\d+").all()
    steps = pd.read_csv(tmp_path / "steps.csv")
    assert len(steps) == jobs["message_count"].sum()
    # durations add up: each finished job's steps sum to its last message minus its start
    per_job = steps.groupby("job_id")["duration_s"].sum()
    span = jobs.set_index("job_id")["span_s"] + (
        pd.to_datetime(jobs.set_index("job_id")["first_message"])
        - pd.to_datetime(jobs.set_index("job_id")["start_date"])).dt.total_seconds()
    common = per_job.index.intersection(span.dropna().index)
    assert (per_job[common] - span[common]).abs().max() < 0.01


def test_carriage_returns_in_text_stay_inside_their_cell(tmp_path):
    body = tricky_job()
    body["serviceName"] = "a\rb"
    body["messages"][0]["message"] = "x\ry"
    write_report(parse_jobs(body), tmp_path)
    steps = read(tmp_path / "steps.csv")
    assert len(steps) == len(TRICKY)
    assert steps["message"].iloc[0] == "x\ry"
    assert read(tmp_path / "jobs.csv")["service_name"].iloc[0] == "a\rb"


def test_stale_problems_csv_is_removed(tmp_path):
    (tmp_path / "problems.csv").write_text("old")
    write_report(read_jobs(EXAMPLES), tmp_path)
    assert not (tmp_path / "problems.csv").exists()


def test_summary_strips_terminal_control_characters(tmp_path, capsys):
    body = tricky_job()
    body["serviceName"] = "\x1b]0;pwned\x07evil"
    body["status"] = "SUCCEED"
    (tmp_path / "j.json").write_text(json.dumps(body))
    assert main(["report", str(tmp_path / "j.json"), "--out", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "pwned" in out


def test_cli_bad_as_of_and_by_are_one_line_errors(tmp_path, capsys):
    for extra in (["--as-of", "garbage"], ["--by", "nosuch"]):
        code = main(["report", str(EXAMPLES), "--out", str(tmp_path), *extra])
        err = capsys.readouterr().err
        assert code == 1 and err.count("\n") == 1 and err.startswith("stacklog: error: ")


def test_cli_report_as_of_writes_open_steps(tmp_path):
    assert main(["report", str(EXAMPLES), "--out", str(tmp_path), "-q",
                 "--as-of", "2016-07-25T22:53:16.143Z"]) == 0
    jobs = read(tmp_path / "jobs.csv").set_index("job_id")
    assert jobs.loc["80045", "duration_s"] == "120.0"
    steps = read(tmp_path / "steps.csv")
    open_steps = steps[steps["kind"] == "open"]
    assert list(open_steps["job_id"]) == ["80045"]
    assert open_steps["duration_s"].iloc[0] == "24.429"


def test_summary_lists_failed_steps_with_equal_counts_in_text_order():
    from stacklog.cli import summary
    from stacklog.testing import make_jobs

    jobs = make_jobs(3, status="FAILED", messages=2)
    for job, text in zip(jobs, ["Zeta step failed", "Alpha step failed", "Mid step failed"]):
        job["messages"][-1]["message"] = text
    out = summary(parse_jobs(jobs))
    tail = out[out.index("failed jobs"):]
    assert tail.index("Alpha step failed") < tail.index("Mid step failed") \
        < tail.index("Zeta step failed")


def test_summary_counts_all_jobs_and_times_the_finished_ones():
    from stacklog.cli import summary
    from stacklog.testing import make_jobs

    # finished in 0+1+2 = 3 s and 0+1+2+3+4 = 10 s; a job still running has no duration
    jobs = (make_jobs(1, messages=3) + make_jobs(1, first_id=200_000, messages=5)
            + make_jobs(1, first_id=300_000, status="RUNNING", messages=6))
    out = summary(parse_jobs(jobs))
    header, row = out.split("job durations by operation")[1].splitlines()[1:3]
    assert header.split() == ["operation", "jobs", "finished", "failed", "median", "p90", "max"]
    # median of 3 s and 10 s: 6.5 s; 90th percentile: 3 + 0.9 * 7 = 9.3 s
    assert row.split() == ["CREATE_SERVICE", "3", "2", "0", "6.5", "s", "9.3", "s", "10.0", "s"]
