"""Timing: step names, step durations, job durations and step statistics, figures by hand."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from stacklog import job_durations, parse_jobs, read_jobs, step_durations, step_name, step_stats

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "examples"
SEED = EXAMPLES / "stack-job-80045-create-new.json"
JCS = EXAMPLES / "jcs-job-3086199-scale-in-succeed.json"

# the gap before each message of the scale-in example (shared/examples/README.md)
JCS_GAPS = [0, 5.465, 0.125, 3.937, 81.626, 0.292, 1.393, 61.336, 129.296, 6.205, 0.121,
            1.356, 62.548, 0.036]


def seconds(values) -> list[float]:
    return [round(v, 3) for v in pd.Series(values).dt.total_seconds()]


def test_seed_job_step_durations():
    steps = step_durations(read_jobs(SEED))
    assert seconds(steps["duration"]) == [0, 0.004, 0.028, 95.042, 0.497]
    assert seconds(steps["elapsed"]) == [0, 0.004, 0.032, 95.074, 95.571]
    assert steps["started"].iloc[0] == pd.Timestamp("2016-07-25T22:51:16.143Z")
    assert steps["started"].iloc[3] == pd.Timestamp("2016-07-25T22:51:16.175Z")
    assert list(steps["kind"]) == ["work"] * 5
    assert str(steps["started"].dtype) == "datetime64[us, UTC]"


def test_seed_job_durations():
    jobs = job_durations(read_jobs(SEED))
    row = jobs.iloc[0]
    assert pd.isna(row["duration"])                 # NEW, no endDate: unknown
    assert row["running"]
    assert row["span"].total_seconds() == pytest.approx(95.571)
    assert row["slowest_step"] == "Successfully created ACCS Service MyStack-App"
    assert row["slowest_step_duration"].total_seconds() == pytest.approx(95.042)
    assert pd.isna(row["queue_time"])               # stack jobs have no "Activity Started"
    assert pd.isna(row["failed_step"])
    assert row["first_message"] == pd.Timestamp("2016-07-25T22:51:16.143Z")
    assert row["last_message"] == pd.Timestamp("2016-07-25T22:52:51.714Z")


def test_seed_job_as_of_gives_time_so_far_and_an_open_step():
    log = read_jobs(SEED)
    as_of = "2016-07-25T22:53:16.143Z"              # 2 minutes after start
    jobs = job_durations(log, as_of=as_of)
    assert jobs["duration"].iloc[0].total_seconds() == 120.0
    steps = step_durations(log, as_of=as_of)
    assert len(steps) == 6
    open_row = steps.iloc[-1]
    assert open_row["kind"] == "open"
    assert open_row["started"] == pd.Timestamp("2016-07-25T22:52:51.714Z")
    assert open_row["duration"].total_seconds() == pytest.approx(24.429)
    assert pd.isna(open_row["seq"]) and pd.isna(open_row["message"])
    assert open_row["step"] == "(in progress)" and steps["step"].dtype == "category"
    # a naive as_of is UTC; a finished job gets no open row
    both = read_jobs(EXAMPLES)
    assert (step_durations(both, as_of="2016-07-25 22:53:16.143")["kind"] == "open").sum() == 1


def test_as_of_without_unfinished_jobs_changes_nothing():
    log = read_jobs(JCS)
    pd.testing.assert_frame_equal(step_durations(log, as_of="now"), step_durations(log))
    mixed = step_durations(read_jobs(EXAMPLES), as_of="2017-01-01")
    assert str(mixed["activity_date"].dtype) == "datetime64[us, UTC]"
    assert str(mixed["duration"].dtype).startswith("timedelta64")


def test_scale_in_example_gaps_and_total():
    log = read_jobs(JCS)
    steps = step_durations(log)
    assert seconds(steps["duration"]) == JCS_GAPS
    assert sum(JCS_GAPS) == pytest.approx(353.736)
    jobs = job_durations(log)
    row = jobs.iloc[0]
    assert row["duration"].total_seconds() == pytest.approx(353.736)
    assert row["queue_time"].total_seconds() == pytest.approx(5.465)
    assert row["slowest_step"] == "Stopped Virtual Machine wls/vm-2..."
    assert row["slowest_step_duration"].total_seconds() == pytest.approx(129.296)
    assert not row["running"]
    assert list(steps["kind"][:3]) == ["work", "queue", "work"]


@pytest.mark.parametrize("a,b", [
    (("Initializing stack MyStack", "MyStack"),
     ("Initializing stack AnotherDevStack", "AnotherDevStack")),
    (("Successfully created ACCS Service MyStack-App", "MyStack"),
     ("Successfully created ACCS Service OrdersStack-App", "OrdersStack")),
    (("Scale in host [techco-wls-2] is permitted, proceeding to next action", "techco"),
     ("Scale in host [acme-wls-11] is permitted, proceeding to next action", "acme")),
    (("Child job [3086205] completed removing all compute resources for host [techco-wls-2].",
      "techco"),
     ("Child job [17] completed removing all compute resources for host [x-wls-1]", "x")),
    (("Stopped Virtual Machine wls/vm-2...", None), ("Stopped Virtual Machine wls/vm-13", None)),
    (("Backed up 1024 MB in 3 files", None), ("Backed up 77 MB in 12 files", None)),
    (("Reset key ssh-rsa AAAAB3NzaC1yc2E user@host for [opc]", None),
     ("Reset key ssh-rsa AAAAC9Zzz other@box for [oracle]", None)),
])
def test_step_names_group_variable_parts(a, b):
    assert step_name(*a) == step_name(*b)


def test_step_name_examples():
    assert step_name("Initializing stack MyStack", "MyStack") == "Initializing stack <name>"
    assert step_name("Stopped Virtual Machine wls/vm-2...") == "Stopped Virtual Machine wls/vm-N"
    # error codes are kept: different failures stay different steps
    assert step_name("SM-BKP-5127: Backup failed on [db1]") == "SM-BKP-5127: Backup failed on [*]"
    assert step_name("SM-BKP-5127: x") != step_name("PSM-CRT-1042: x")
    # the service name inside a longer word is not replaced
    assert step_name("Deleting stack MyStackOld", "MyStack") == "Deleting stack MyStackOld"
    assert step_name("Activity   Ended  ") == "Activity Ended"
    assert pd.isna(step_name(None))


def test_step_name_column_and_stats_group_steps_of_many_jobs():
    def stack(job_id, name, gap):
        return {
            "jobId": job_id, "serviceName": name, "serviceType": "cloudstack",
            "operationType": "CREATE_SERVICE", "status": "SUCCEED",
            "startDate": "2026-01-01T00:00:00.000+0000",
            "endDate": f"2026-01-01T00:00:{gap:02d}.000+0000",
            "messages": [
                {"activityDate": "2026-01-01T00:00:00.000+0000",
                 "message": f"Initializing stack {name}"},
                {"activityDate": f"2026-01-01T00:00:{gap:02d}.000+0000",
                 "message": f"Successfully created ACCS Service {name}-App"},
            ],
        }

    log = parse_jobs([stack(1, "MyStack", 10), stack(2, "AnotherDevStack", 20),
                      stack(3, "Third", 30), stack(4, "Fourth", 40)])
    steps = step_durations(log)
    assert steps["step"].nunique() == 2
    stats = step_stats(log)
    assert list(stats.columns) == ["service_type", "operation_type", "step", "count", "jobs",
                                   "mean", "median", "p90", "max", "total"]
    app = stats[stats["step"] == "Successfully created ACCS Service <name>-App"].iloc[0]
    assert app["count"] == 4 and app["jobs"] == 4
    assert app["mean"] == 25.0
    assert app["median"] == 25.0
    # p90 by linear interpolation of 10, 20, 30, 40: 30 + 0.7 * 10
    assert app["p90"] == pytest.approx(37.0)
    assert app["max"] == 40.0
    assert app["total"] == 100.0
    init = stats[stats["step"] == "Initializing stack <name>"].iloc[0]
    assert (init["count"], init["mean"], init["max"]) == (4, 0.0, 0.0)
    assert stats["step"].iloc[0] == "Successfully created ACCS Service <name>-App"  # by total


def test_step_stats_grouping_options():
    log = read_jobs(EXAMPLES)
    all_in_one = step_stats(log, by=None)
    assert "service_type" not in all_in_one.columns
    assert all_in_one["count"].sum() == 19
    per_status = step_stats(log, by="status")
    assert set(per_status["status"]) == {"NEW", "SUCCEED"}
    assert per_status["jobs"].max() == 1


def step_job(job_id, status, times, texts, end=None, op="BACKUP", name="db1"):
    body = {
        "jobId": job_id, "serviceName": name, "serviceType": "dbaas", "operationType": op,
        "status": status, "startDate": times[0],
        "messages": [{"activityDate": t, "message": m} for t, m in zip(times, texts)],
    }
    if end:
        body["endDate"] = end
    return body


def test_failed_job_failed_step_and_queue_time():
    t = ["2026-03-01T10:00:00.000+0000", "2026-03-01T10:02:30.000+0000",
         "2026-03-01T10:03:00.500+0000", "2026-03-01T10:43:00.500+0000"]
    texts = ["Activity Submitted", "Activity Started", "Backup started for [db1]",
             "SM-BKP-5127: Backup failed: insufficient space in [bucket]"]
    log = parse_jobs(step_job(10, "FAILED", t, texts, end=t[-1]))
    steps = step_durations(log)
    assert seconds(steps["duration"]) == [0, 150, 30.5, 2400]
    assert list(steps["kind"]) == ["work", "queue", "work", "failed"]
    row = job_durations(log).iloc[0]
    assert row["queue_time"].total_seconds() == 150
    assert row["duration"].total_seconds() == 2580.5
    assert row["failed_step"] == texts[-1]
    assert row["slowest_step"] == texts[-1]
    assert not row["running"]


def test_duplicate_consecutive_messages_and_first_message_before_start():
    t = ["2026-03-01T10:00:00.000+0000", "2026-03-01T10:00:10.000+0000",
         "2026-03-01T10:00:10.016+0000"]
    log = parse_jobs(step_job(11, "SUCCEED", t, ["Activity Submitted", "Activity Ended",
                                                  "Activity Ended"], end=t[-1]))
    assert seconds(step_durations(log)["duration"]) == [0, 10, 0.016]
    assert step_durations(log)["step"].iloc[1] == step_durations(log)["step"].iloc[2]


def test_job_without_messages_and_job_without_start():
    a = {"jobId": 1, "status": "NEW", "startDate": "2026-01-01T00:00:00.000+0000"}
    b = {"jobId": 2, "status": "SUCCEED", "messages": [
        {"activityDate": "2026-01-01T00:00:00.000+0000", "message": "x"},
        {"activityDate": "2026-01-01T00:00:03.000+0000", "message": "y"}]}
    log = parse_jobs([a, b])
    steps = step_durations(log)
    assert len(steps) == 2
    assert pd.isna(steps["duration"].iloc[0])     # no start date: first step unknown
    assert steps["duration"].iloc[1].total_seconds() == 3
    jobs = job_durations(log).set_index("job_id")
    assert pd.isna(jobs.loc[1, "first_message"]) and pd.isna(jobs.loc[1, "slowest_step"])
    assert jobs.loc[2, "slowest_step"] == "y"
    assert job_durations(log, as_of="2026-01-01T01:00:00Z").set_index("job_id").loc[
        1, "duration"].total_seconds() == 3600
    # with as_of the NEW job without messages has one open step from its start
    open_steps = step_durations(log, as_of="2026-01-01T01:00:00Z")
    assert open_steps[open_steps["job_id"] == 1]["duration"].iloc[0].total_seconds() == 3600


def test_timing_empty_log():
    log = parse_jobs([])
    assert step_durations(log).empty
    assert job_durations(log).empty
    assert step_stats(log).empty


def test_step_column_equals_the_reference_step_name_on_the_sample():
    log = read_jobs(EXAMPLES.parent / "sample")
    steps = step_durations(log)
    expected = [step_name(m, n) for m, n in zip(steps["message"], steps["service_name"])]
    assert steps["step"].tolist() == expected
    assert 50 < steps["step"].nunique() < len(steps) / 3      # steps of many jobs group


def test_step_durations_vectorised_on_many_jobs_matches_a_loop():
    rng = np.random.default_rng(0)
    bodies = []
    for j in range(50):
        start = pd.Timestamp("2026-01-01T00:00:00Z") + pd.Timedelta(hours=j)
        gaps = rng.integers(0, 100_000, size=rng.integers(1, 8))
        times = start + pd.to_timedelta(np.cumsum(gaps), unit="ms")
        bodies.append({
            "jobId": 1000 - j, "status": "SUCCEED", "serviceName": f"s{j}",
            "startDate": start.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
            "messages": [{"activityDate": t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000",
                          "message": f"m{i}"} for i, t in enumerate(times)],
        })
    steps = step_durations(parse_jobs(json.dumps(bodies)))
    expected = []
    for body in sorted(bodies, key=lambda b: b["jobId"]):
        prev = pd.Timestamp(body["startDate"])
        for m in body["messages"]:
            now = pd.Timestamp(m["activityDate"])
            expected.append((now - prev).total_seconds())
            prev = now
    assert seconds(steps["duration"]) == [round(e, 3) for e in expected]


def test_as_of_edge_cases():
    log = read_jobs(EXAMPLES)
    # before the start of the running job: no duration, no open step
    early = job_durations(log, as_of="2016-07-25T22:00:00Z").set_index("job_id")
    assert pd.isna(early.loc[80045, "duration"])
    assert (step_durations(log, as_of="2016-07-25T22:00:00Z")["kind"] == "open").sum() == 0
    # numbers are refused rather than guessed as seconds or nanoseconds
    from stacklog import InputError

    with pytest.raises(InputError, match="as_of"):
        job_durations(log, as_of=1.5e9)
    with pytest.raises(InputError, match="not a time"):
        job_durations(log, as_of="garbage")


def test_failed_job_without_end_date_is_over_and_keeps_its_failed_step():
    t = ["2026-03-01T10:00:00.000+0000", "2026-03-01T10:00:05.000+0000"]
    log = parse_jobs(step_job(20, "FAILED", t, ["Activity Submitted", "SM-BKP-5127: boom"]))
    for as_of in (None, "2026-03-02T00:00:00Z"):
        row = job_durations(log, as_of=as_of).iloc[0]
        assert row["failed_step"] == "SM-BKP-5127: boom"
        assert not row["running"]
        assert pd.isna(row["duration"])             # no end date: unknown, even with as_of
        assert "open" not in set(step_durations(log, as_of=as_of)["kind"])


@pytest.mark.parametrize("name", ["Activity", "Started", "is"])
def test_queue_time_does_not_depend_on_the_service_name(name):
    body = json.loads(JCS.read_text())
    body["serviceName"] = name
    row = job_durations(parse_jobs(body)).iloc[0]
    assert row["queue_time"].total_seconds() == pytest.approx(5.465)


def test_step_stats_by_checks_its_columns():
    from stacklog import InputError

    log = read_jobs(EXAMPLES)
    with pytest.raises(InputError, match="no column 'nosuch'"):
        step_stats(log, by="nosuch")
    by_job = step_stats(log, by=["job_id", "step"])
    assert set(by_job["job_id"]) == {80045, 3086199} and by_job["count"].sum() == 19


@pytest.mark.parametrize("n,groups,span,in_order", [
    (0, 1, 1, True), (1, 1, 1, True), (50, 50, 60, False), (1000, 7, 7, True),
    (10_000, 300, 70_000, False), (6000, 5000, 5000, True), (300_000, 40, 50, False)])
def test_group_stats_equal_pandas(n, groups, span, in_order):
    from stacklog._compiled import group_stats
    from stacklog.timing import _group_stats

    rng = np.random.default_rng(n)
    group = rng.choice(rng.choice(span, groups, replace=False), n).astype(np.int64)
    seconds = rng.exponential(10, n).round(3)
    ids = rng.integers(0, n // 3 + 1, n)
    if in_order:
        ids = np.sort(ids)
    out = group_stats(group, span, seconds, ids, in_order, threads=2)   # two threads from 2^18
    # numpy does the same for fewer rows: the very same figures
    for mine, theirs in zip(_group_stats(group, span, seconds, ids, in_order), out,
                            strict=True):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
    codes, count, first, jobs, total, median, p90, longest = out
    frame = pd.DataFrame({"g": group, "s": seconds, "id": ids, "row": np.arange(n)})
    by = frame.groupby("g", sort=True)
    assert np.array_equal(codes, by.size().index.to_numpy())
    assert np.array_equal(count, by.size().to_numpy())
    assert np.array_equal(first, by["row"].min().to_numpy())
    assert np.array_equal(jobs, by["id"].nunique().to_numpy())
    # added in row order, as np.bincount does: the very same floats
    assert np.array_equal(total, np.bincount(group, weights=seconds, minlength=span)[codes])
    assert np.allclose(median, by["s"].median().to_numpy(), rtol=1e-12, atol=0)
    assert np.allclose(p90, by["s"].quantile(0.9).to_numpy(), rtol=1e-12, atol=0)
    assert np.array_equal(longest, by["s"].max().to_numpy())


def test_step_stats_the_same_with_and_without_the_compiled_loops(monkeypatch):
    from stacklog import _util

    steps = step_durations(read_jobs(EXAMPLES.parent / "sample"), as_of="2026-10-30T17:00:00Z")
    numpy_stats = step_stats(steps, by=["service_type", "status"])
    monkeypatch.setattr(_util, "COMPILED_FROM", 0)
    pd.testing.assert_frame_equal(step_stats(steps, by=["service_type", "status"]),
                                  numpy_stats, check_exact=True)


def test_group_stats_by_hand():
    from stacklog._compiled import group_stats

    # group 2: 4, 1, 3 s of jobs 7, 7, 9 -> sorted 1, 3, 4: median 3, p90 at 1.8 -> 3.8
    # group 0: 10 s of job 9
    group = np.array([2, 2, 0, 2])
    out = group_stats(group, 3, np.array([4.0, 1.0, 10.0, 3.0]), np.array([7, 7, 9, 9]), True)
    codes, count, first, jobs, total, median, p90, longest = out
    assert codes.tolist() == [0, 2] and count.tolist() == [1, 3] and first.tolist() == [2, 0]
    assert jobs.tolist() == [1, 2] and total.tolist() == [10.0, 8.0]
    assert median.tolist() == [10.0, 3.0] and longest.tolist() == [10.0, 4.0]
    assert p90 == pytest.approx([10.0, 3.8])


def test_factorize_of_a_long_chunked_column_with_missing_values():
    from stacklog.timing import _factorize

    rng = np.random.default_rng(5)
    words = np.array(["Creating <name>", "Started VM N", "[*] done", "é ✓"], dtype=object)
    parts = []
    for size in (200_000, 150_000):                  # two Arrow chunks, 350,000 rows
        values = words[rng.integers(0, 4, size)]
        values[rng.random(size) < 0.01] = None
        parts.append(pd.Series(values, dtype="str"))
    column = pd.concat(parts, ignore_index=True)
    codes, uniques = _factorize(column)
    expected_codes, expected_uniques = pd.factorize(column, use_na_sentinel=False)
    assert len(uniques) == len(expected_uniques) == 5          # four words and NA
    got = pd.Series(uniques.take(codes), dtype="str")
    assert got.equals(pd.Series(expected_uniques.take(expected_codes), dtype="str"))
    assert got.isna().sum() == column.isna().sum() > 0


def test_step_stats_of_many_rows_equal_a_pandas_groupby():
    """At 300,000 steps (chunked step names, two threads) as on a handful."""
    rng = np.random.default_rng(9)
    n = 300_000
    job = np.sort(rng.integers(1, 20_000, n))
    step = np.array(["Provisioning VM", "Started VM N", "Creating <name>"], dtype=object)[
        rng.integers(0, 3, n)]
    seconds = rng.exponential(30, n).round(3)
    seconds[rng.random(n) < 0.02] = np.nan                     # no duration: not counted
    steps = pd.DataFrame({
        "job_id": pd.array(job, dtype="Int64"),
        "service_type": pd.Categorical(np.where(job % 3 == 0, "jaas", "dbaas")),
        "step": pd.concat([pd.Series(step[:170_000], dtype="str"),
                           pd.Series(step[170_000:], dtype="str")], ignore_index=True),
        "duration": pd.to_timedelta(seconds, unit="s"),
    })
    stats = step_stats(steps, by="service_type")
    timed = steps[~np.isnan(seconds)].assign(seconds=seconds[~np.isnan(seconds)])
    by = timed.groupby(["service_type", "step"], observed=True)
    expected = pd.DataFrame({"count": by.size(), "jobs": by["job_id"].nunique(),
                             "median": by["seconds"].median(),
                             "p90": by["seconds"].quantile(0.9),
                             "max": by["seconds"].max(), "total": by["seconds"].sum()})
    got = stats.set_index(["service_type", "step"])
    assert len(got) == 6
    for (kind, name), row in expected.iterrows():
        mine = got.loc[(kind, name)]
        assert mine["count"] == row["count"] and mine["jobs"] == row["jobs"]
        for col in ("median", "p90", "max", "total"):
            assert mine[col] == pytest.approx(row[col], rel=1e-9), col


def test_activity_started_is_found_whatever_its_case_and_whitespace():
    from stacklog.timing import _activity_started

    texts = ["Activity Started", " activity started ", "ACTIVITY STARTED",
             "\u00a0Activity Started", "\u3000activity started", "\tActivity Started\n",
             "Activity Started.", None, "", "x", "activity started" + " " * 30,
             "Activity  Started", "Activity Submitted", "aCTIVITY sTARTED"]
    expected = [True, True, True, True, True, True, False, False, False, False, False, False,
                False, True]
    for dtype in ("str", object):
        assert _activity_started(pd.Series(texts, dtype=dtype)).tolist() == expected


def test_activity_started_on_arrow_strings_equals_the_plain_check():
    """The byte filter in front of the check must not drop a row the check would find:
    random near misses, case, ASCII and Unicode whitespace, non-ASCII letters that Arrow
    lowers to ASCII, lengths around 16, 40 and 160 bytes, several chunks."""
    import pyarrow as pa

    from stacklog.timing import _activity_started

    rng = np.random.default_rng(7)
    pads = ["", " ", "\t", "\n", "\u00a0", "\u3000", "  " * 10, " " * 23, " " * 24, "\u3000" * 8]
    swaps = {"i": "\u0130", "k": "\u212a", "a": "\u00e1"}
    texts = []
    for _ in range(6000):
        word = "".join(c.upper() if rng.random() < 0.3 else c for c in "activity started")
        if rng.random() < 0.2:
            at = int(rng.integers(len(word)))
            word = word[:at] + swaps.get(word[at].lower(), "x") + word[at + 1:]
        if rng.random() < 0.2:
            word = word[: int(rng.integers(len(word)))]
        text = pads[rng.integers(len(pads))] + word + pads[rng.integers(len(pads))]
        if rng.random() < 0.05:
            text += "." * int(rng.integers(1, 140))
        texts.append(text if rng.random() > 0.02 else None)
    chunks = [texts[:2500], texts[2500:2501], texts[2501:]]
    values = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, pa.large_string())),
                       dtype="str")
    expected = ((values.str.len() < 40) & (values.str.strip().str.lower() == "activity started"))
    got = _activity_started(values)
    assert got.tolist() == expected.fillna(False).tolist()
    assert 300 < got.sum() < 3000                       # the test holds hits and misses
    assert got[[i for i, t in enumerate(texts) if t and "\u0130" in t]].any()


def test_time_differences_equal_pandas_and_overflow_like_it():
    from stacklog.timing import _minus

    us = np.array([0, 1_700_000_000_000_000, -5, np.iinfo(np.int64).min, 253_402_300_799_000_000])
    a = pd.Series(us.view("M8[us]"), dtype="datetime64[us, UTC]")
    b = pd.Series(us[[1, 0, 3, 2, 0]].view("M8[us]"), dtype="datetime64[us, UTC]")
    got = _minus(a, b)
    assert got.dtype == "timedelta64[us]"
    assert got.tolist()[:2] == [pd.Timedelta(microseconds=-1_700_000_000_000_000),
                                pd.Timedelta(microseconds=1_700_000_000_000_000)]
    assert got.isna().tolist() == [False, False, True, True, False]
    assert got.iloc[4] == pd.Timedelta(microseconds=253_402_300_799_000_000)
    pd.testing.assert_series_equal(got, a - b)
    far = pd.Series(np.array([2**62], dtype="M8[us]"), dtype="datetime64[us, UTC]")
    with pytest.raises(OverflowError):
        _minus(far, pd.Series(np.array([-2**62], dtype="M8[us]"), dtype="datetime64[us, UTC]"))


def test_the_step_column_is_categorical_and_step_stats_sorts_steps_as_text():
    log = read_jobs(EXAMPLES.parent / "sample")
    steps = step_durations(log)
    assert isinstance(steps["step"].dtype, pd.CategoricalDtype)
    assert steps["step"].cat.categories.dtype == "str"
    assert list(steps["step"].cat.categories) == sorted(set(steps["step"].dropna()))
    assert steps["step"].astype("str").tolist() == [
        step_name(m, n) for m, n in zip(steps["message"], steps["service_name"])]
    stats = step_stats(steps, by=None)
    assert stats["step"].dtype == "str"
    # equal totals are ordered by step name, as text
    same = stats.groupby("total").filter(lambda g: len(g) > 1)
    assert len(same) >= 2
    for _, g in same.groupby("total"):
        assert g["step"].tolist() == sorted(g["step"])


def test_a_hand_made_log_in_nanoseconds_keeps_them_in_durations():
    log = read_jobs(SEED)
    messages = log.messages.copy()
    messages["activity_date"] = (messages["activity_date"].astype("datetime64[ns, UTC]")
                                 + pd.Timedelta(1, "ns"))
    steps = step_durations(type(log)(log.jobs, messages, log.problems))
    assert steps["duration"].dtype == "timedelta64[ns]"
    assert steps["elapsed"].iloc[0] == (log.messages["activity_date"].iloc[0]
                                        - log.jobs["start_date"].iloc[0] + pd.Timedelta(1, "ns"))
    # "started" is kept in microseconds, as always: each step gains the nanosecond
    assert (steps["duration"] - pd.Timedelta(1, "ns")).tolist() == \
        step_durations(log)["duration"].tolist()
