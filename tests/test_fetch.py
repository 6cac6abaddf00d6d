"""fetch_jobs, watch_job and the ``stacklog fetch`` command against FakePSM on 127.0.0.1."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from stacklog._cli_fetch import register
from stacklog.api import PSMClient, fetch_jobs, watch_job
from stacklog.errors import InputError, StacklogError
from stacklog.testing import FakePSM, make_jobs

DATA = Path(__file__).parent / "data" / "api"
EXAMPLES = {80045: DATA / "stack-job-80045-create-new.json",
            3086199: DATA / "jcs-job-3086199-scale-in-succeed.json"}
# the gap before each message of job 3086199, in seconds (tests/data/api, worked by hand)
GAPS_3086199 = [0.0, 5.465, 0.125, 3.937, 81.626, 0.292, 1.393, 61.336, 129.296, 6.205, 0.121,
                1.356, 62.548, 0.036]


@pytest.fixture(autouse=True)
def _clean(clean_env):
    """Every test here runs without the machine's credentials, netrc or proxies."""


@pytest.fixture
def psm():
    with FakePSM(DATA, token="tok-abc") as server:
        yield server


def make_client(psm, **options) -> PSMClient:
    options.setdefault("username", psm.username)
    options.setdefault("password", psm.password)
    client = PSMClient(psm.identity_domain, base_url=psm.base_url, **options)
    client.sleep = lambda seconds: None
    return client


def example(job_id: int) -> dict:
    return json.loads(EXAMPLES[job_id].read_text())


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --------------------------------------------------------------------------------------------
# fetch_jobs
# --------------------------------------------------------------------------------------------

def test_fetch_writes_one_raw_file_per_job(psm, tmp_path):
    client = make_client(psm)
    result = fetch_jobs(client, [80045, "3086199"], tmp_path / "out", progress=False)
    assert result.fetched == [80045, 3086199] and result.skipped == [] and result.ok
    assert result.unfinished == [80045]
    assert files_in(tmp_path / "out") == ["job-3086199.json", "job-80045.json"]
    for job_id in EXAMPLES:
        text = (tmp_path / "out" / f"job-{job_id}.json").read_text()
        assert json.loads(text) == example(job_id)
        assert text.startswith('{\n  "activityLogId"')  # key order kept, two-space indent
    assert result.summary.startswith("fetched 2 (1 not finished yet), skipped 0 already final, "
                                     "failed 0 in ")
    assert result.summary.endswith(f"-> {tmp_path / 'out'}")
    assert sorted(r.path.rsplit("/", 3)[-3] for r in psm.records) == ["stack", "stack"]


def test_kind_service_uses_the_job_path(psm, tmp_path):
    fetch_jobs(make_client(psm), [3086199], tmp_path, kind="service", progress=False)
    assert psm.records[0].path.endswith("/activitylog/testdomain/job/3086199")


def test_arguments_are_checked_before_any_request(psm, tmp_path):
    client = make_client(psm)
    with pytest.raises(InputError, match="non-negative integer"):
        fetch_jobs(client, [80045, "80045; rm -rf /"], tmp_path)
    with pytest.raises(InputError, match="non-negative integer"):
        fetch_jobs(client, ["../../etc/passwd"], tmp_path)
    with pytest.raises(InputError, match="kind"):
        fetch_jobs(client, [80045], tmp_path, kind="database")
    with pytest.raises(InputError, match="workers"):
        fetch_jobs(client, [80045], tmp_path, workers=0)
    assert psm.request_count == 0


def test_duplicates_are_fetched_once(psm, tmp_path):
    result = fetch_jobs(make_client(psm), [3086199, "3086199", 3086199], tmp_path,
                        progress=False)
    assert result.fetched == [3086199] and psm.request_count == 1


def test_resume_skips_final_jobs_and_refreshes_unfinished_ones(psm, tmp_path):
    client = make_client(psm)
    fetch_jobs(client, [80045, 3086199], tmp_path, progress=False)
    psm.reset_stats()
    again = fetch_jobs(client, [80045, 3086199], tmp_path, progress=False)
    assert again.skipped == [3086199] and again.fetched == [80045]  # 80045 is NEW
    assert psm.count("stack/job/*") == 1 and psm.count("stack/job/80045") == 1
    psm.reset_stats()
    forced = fetch_jobs(client, [80045, 3086199], tmp_path, progress=False, refresh=True)
    assert forced.fetched == [80045, 3086199] and psm.request_count == 2


def test_unreadable_or_foreign_files_are_fetched_again(psm, tmp_path):
    (tmp_path / "job-3086199.json").write_text('{"jobId": 3086199, "status": "SUCC')
    foreign = dict(example(3086199), jobId=1)
    (tmp_path / "job-80045.json").write_text(json.dumps(dict(foreign, status="SUCCEED")))
    result = fetch_jobs(make_client(psm), [80045, 3086199], tmp_path, progress=False)
    assert result.fetched == [80045, 3086199] and result.skipped == []
    assert json.loads((tmp_path / "job-3086199.json").read_text()) == example(3086199)
    assert json.loads((tmp_path / "job-80045.json").read_text()) == example(80045)


def test_statuses_in_other_spellings_count_as_final(psm, tmp_path):
    for word in ("Succeeded", "failed", "WARN"):
        (tmp_path / "job-3086199.json").write_text(json.dumps(
            dict(example(3086199), status=word)))
        result = fetch_jobs(make_client(psm), [3086199], tmp_path, progress=False)
        assert result.skipped == [3086199]
    assert psm.request_count == 0


def test_a_failed_job_does_not_stop_the_batch(psm, tmp_path):
    psm.error(503, count=None, job_ids=[3086199])
    client = make_client(psm, retries=2)
    result = fetch_jobs(client, [999, 3086199, 80045], tmp_path, progress=False)
    assert result.fetched == [80045] and not result.ok
    assert set(result.failed) == {999, 3086199}
    assert "HTTP 404" in result.failed[999] and "/stack/job/999" in result.failed[999]
    assert "HTTP 503" in result.failed[3086199] and "after 3 attempts" in result.failed[3086199]
    assert "failed 2" in result.summary
    assert files_in(tmp_path) == ["job-80045.json"]
    assert psm.count("stack/job/999") == 1 and psm.count("stack/job/3086199") == 3


def test_bad_bodies_are_failures_not_files(psm, tmp_path):
    psm.html(count=None, job_ids=[80045])
    psm.add_fault("status", status=200, body=dict(example(3086199), jobId=5), count=None,
                  job_ids=[3086199])
    result = fetch_jobs(make_client(psm), [80045, 3086199], tmp_path, progress=False)
    assert result.fetched == [] and "not JSON" in result.failed[80045]
    assert "returned job 5" in result.failed[3086199]
    assert files_in(tmp_path) == []


def test_interrupted_run_resumes_without_duplicates_or_gaps(tmp_path):
    jobs = make_jobs(60)
    ids = [job["jobId"] for job in jobs]
    broken = ids[::2]  # every other job: its connections drop
    with FakePSM(jobs) as server:
        server.drop(count=None, job_ids=broken)
        client = make_client(server, retries=1)
        first = fetch_jobs(client, ids, tmp_path, workers=8, progress=False)
        assert sorted(first.fetched) == sorted(set(ids) - set(broken))
        assert sorted(first.failed) == sorted(broken)
        assert all("closed connection without response" in reason
                   for reason in first.failed.values())
        assert server.request_count == 30 + 30 * 2  # broken ones: first try and one retry
        assert len(list(tmp_path.iterdir())) == 30  # no half-written or temporary files

        server.clear_faults()
        server.reset_stats()
        second = fetch_jobs(client, ids, tmp_path, workers=8, progress=False)
        assert sorted(second.fetched) == sorted(broken) and second.ok
        assert sorted(second.skipped) == sorted(set(ids) - set(broken))
        assert server.request_count == 30
        assert sorted(p.path.rsplit("/", 1)[1] for p in server.records) == sorted(
            str(i) for i in broken)  # finals were not fetched again, nothing twice

        server.reset_stats()
        third = fetch_jobs(client, ids, tmp_path, progress=False)
        assert third.fetched == [] and len(third.skipped) == 60
        assert server.request_count == 0
    assert files_in(tmp_path) == sorted(f"job-{i}.json" for i in ids)
    for job in jobs:
        assert json.loads((tmp_path / f"job-{job['jobId']}.json").read_text()) == job


def test_requests_run_concurrently_over_a_bounded_pool(tmp_path):
    with FakePSM(make_jobs(48)) as server:
        server.latency(0.02)
        client = make_client(server)
        result = fetch_jobs(client, range(100_000, 100_048), tmp_path, workers=6,
                            progress=False)
        assert len(result.fetched) == 48
        assert 2 <= server.max_concurrent_requests <= 6
        assert 2 <= server.max_concurrent_connections <= 6
        assert server.connection_count <= 6  # connections are reused, not reopened


def test_pool_is_sized_for_the_workers_on_an_injected_session(tmp_path):
    with FakePSM(make_jobs(40)) as server:
        owner = make_client(server)
        shared = owner.session
        client = make_client(server, session=shared)
        server.latency(0.02)
        fetch_jobs(client, range(100_000, 100_040), tmp_path, workers=32, progress=False)
        adapter = shared.get_adapter(server.base_url + "/")
        assert adapter._pool_maxsize >= 32
        assert server.max_concurrent_connections <= 32
        client.close()  # the client did not make the session: it stays open
        assert shared.adapters


def test_progress_bar_only_when_asked_or_on_a_terminal(psm, tmp_path, capsys):
    with FakePSM(make_jobs(30)) as server:
        fetch_jobs(make_client(server), range(100_000, 100_030), tmp_path / "a")
        assert capsys.readouterr().err == ""  # not a terminal: no bar by default
        fetch_jobs(make_client(server), range(100_000, 100_030), tmp_path / "b", progress=True)
        assert "30/30" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# watch_job
# --------------------------------------------------------------------------------------------

def test_watch_job_reports_each_message_once_with_its_step(psm):
    psm.advance(3086199, steps=[0, 2, 2, 5])
    waits: list[float] = []
    updates = list(watch_job(make_client(psm), 3086199, kind="service", interval=1,
                             max_interval=60, sleep=waits.append))
    assert [u.status for u in updates] == ["NEW", "RUNNING", "RUNNING", "RUNNING", "SUCCEED"]
    assert [len(u.new_messages) for u in updates] == [0, 2, 0, 3, 9]
    assert [u.final for u in updates] == [False] * 4 + [True]
    assert waits == [1, 1, 2, 1]  # doubles while nothing changes, back to 1 on news
    steps = [step for u in updates for step in u.new_messages]
    assert [step.message for step in steps] == [m["message"] for m in example(3086199)["messages"]]
    assert [round(step.step.total_seconds(), 3) for step in steps] == GAPS_3086199
    assert updates[-1].duration == timedelta(seconds=353.736)
    assert updates[-1].job == example(3086199)
    assert psm.polls(3086199) == 5


def test_watch_job_times_out_on_a_job_that_never_ends(psm):
    with pytest.raises(StacklogError, match="still NEW"):
        list(watch_job(make_client(psm), 80045, interval=0.001, max_interval=0.004,
                       timeout=0.01, sleep=lambda s: None))


def test_watch_job_checks_its_arguments(psm):
    with pytest.raises(InputError):
        watch_job(make_client(psm), "x")
    with pytest.raises(InputError):
        watch_job(make_client(psm), 1, interval=5, max_interval=1)
    assert psm.request_count == 0


# --------------------------------------------------------------------------------------------
# the command line
# --------------------------------------------------------------------------------------------

def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="stacklog")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args([str(a) for a in argv])
    return args.func(args)


@pytest.fixture
def env(psm, monkeypatch):
    monkeypatch.setenv("STACKLOG_BASE_URL", psm.base_url)
    monkeypatch.setenv("STACKLOG_DOMAIN", psm.identity_domain)
    monkeypatch.setenv("STACKLOG_USER", psm.username)
    monkeypatch.setenv("STACKLOG_PASSWORD", psm.password)
    return psm


def test_cli_fetch_ids(env, tmp_path, capsys):
    assert run_cli("fetch", "80045", "3086199", "--out", tmp_path) == 0
    out, err = capsys.readouterr()
    assert out.startswith("fetched 2 (1 not finished yet), skipped 0 already final, failed 0")
    assert err == ""
    assert files_in(tmp_path) == ["job-3086199.json", "job-80045.json"]
    assert run_cli("fetch", "80045", "3086199", "--out", tmp_path, "--kind", "service") == 0
    assert capsys.readouterr().out.startswith("fetched 1 (1 not finished yet), skipped 1 ")
    assert env.records[-1].path.endswith("/job/80045")


def test_cli_fetch_failure_exits_1(env, tmp_path, capsys):
    assert run_cli("fetch", "80045", "999", "--out", tmp_path) == 1
    out, err = capsys.readouterr()
    assert "failed 1" in out
    assert err.startswith("stacklog: job 999 failed: HTTP 404 Not Found for GET http://127.0.0.1:")


@pytest.mark.parametrize("argv, message", [
    (["--out", "x"], "nothing to fetch"),
    (["1", "--filter", "--out", "x"], "choose one of job ids, --filter"),
    (["--stack", "S", "--watch", "1", "--out", "x"], "choose one of"),
    (["1", "--from", "2026-08-01", "--out", "x"], "--from only apply with --filter"),
    (["--watch", "1", "--interval", "5", "--max-interval", "1", "--out", "x"],
     "--max-interval"),
    (["1", "--token-env", "NOT_SET_ANYWHERE", "--out", "x"], "NOT_SET_ANYWHERE"),
    (["--filter", "--from", "last tuesday", "--out", "x"], "argument --from"),
])
def test_cli_usage_errors_exit_2_with_one_line(env, tmp_path, capsys, monkeypatch, argv,
                                               message):
    monkeypatch.chdir(tmp_path)
    assert run_cli("fetch", *argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("stacklog: error: ") and message in err
    assert env.request_count == 0


def test_cli_configuration_errors_exit_2(psm, tmp_path, capsys, monkeypatch):
    assert run_cli("fetch", "1", "--out", tmp_path, "--base-url", psm.base_url) == 2
    assert "no identity domain" in capsys.readouterr().err
    assert run_cli("fetch", "1", "--out", tmp_path, "--base-url", psm.base_url, "--domain",
                   "testdomain") == 2
    err = capsys.readouterr().err
    assert err.startswith("stacklog: error: no credentials") and "no terminal" in err
    assert run_cli("fetch", "1", "--out", tmp_path, "--region", "us", "--domain", "d",
                   "--no-prompt") == 2
    assert "STACKLOG_PASSWORD" in capsys.readouterr().err
    assert psm.request_count == 0


def test_cli_rejects_bad_ids_and_password_arguments(env, tmp_path, capsys):
    for argv in (["fetch", "12a", "--out", tmp_path], ["fetch", "1", "--out", tmp_path,
                                                      "--password", "x"]):
        with pytest.raises(SystemExit) as info:
            run_cli(*argv)
        assert info.value.code == 2
    assert "x" not in capsys.readouterr().out


def test_cli_prompts_for_the_password_on_a_terminal(psm, tmp_path, capsys, monkeypatch):
    import getpass

    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    prompts = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or "secret")
    code = run_cli("fetch", "3086199", "--out", tmp_path, "--base-url", psm.base_url,
                   "--domain", "testdomain", "--user", "user", "--progress")
    assert code == 0 and prompts == ["Password for user: "]
    out = capsys.readouterr().out
    assert "secret" not in out and out.startswith("fetched 1")


def test_cli_bearer_token_from_a_named_variable(env, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("STACKLOG_USER")
    monkeypatch.delenv("STACKLOG_PASSWORD")
    monkeypatch.setenv("MY_PSM_TOKEN", "tok-abc")
    assert run_cli("fetch", "3086199", "--out", tmp_path, "--token-env", "MY_PSM_TOKEN") == 0
    assert env.records[-1].auth_scheme == "Bearer"
    assert "tok-abc" not in capsys.readouterr().out


def test_cli_filter_writes_every_listed_job(tmp_path, monkeypatch, capsys):
    jobs = make_jobs(120, spacing=timedelta(minutes=11))
    jobs[7]["status"] = "FAILED"
    with FakePSM(jobs, page_mode="ignore", default_limit=25) as server:
        monkeypatch.setenv("STACKLOG_PASSWORD", "secret")
        common = ["--base-url", server.base_url, "--domain", "testdomain", "--user", "user"]
        assert run_cli("fetch", "--filter", "--out", tmp_path / "all", *common) == 0
        assert capsys.readouterr().out.startswith("fetched 120, skipped 0 already final")
        assert len(files_in(tmp_path / "all")) == 120
        assert run_cli("fetch", "--filter", "--out", tmp_path / "all", *common) == 0
        assert capsys.readouterr().out.startswith("fetched 0, skipped 120 already final")
        server.reset_stats()
        assert run_cli("fetch", "--filter", "--status", "FAILED", "--status", "WARN",
                       "--from", "2026-08-01", "--to", "2026-08-01T02:00:00Z",
                       "--out", tmp_path / "failed", *common) == 0
        assert files_in(tmp_path / "failed") == ["job-100007.json"]
        query = server.records[0].query
        assert query["status"] == ["FAILED", "WARN"]
        assert query["fromStartDate"] == ["2026-08-01T00:00:00.000+0000"]
        assert query["toStartDate"] == ["2026-08-01T02:00:00.000+0000"]


def test_cli_stack_writes_each_job_of_the_stack(env, tmp_path, capsys):
    assert run_cli("fetch", "--stack", "MyStack", "--out", tmp_path) == 0
    assert files_in(tmp_path) == ["job-80045.json"]
    assert json.loads((tmp_path / "job-80045.json").read_text()) == example(80045)
    assert run_cli("fetch", "--stack", "Nothing", "--out", tmp_path / "none") == 0
    assert "no jobs listed for stack 'Nothing'" in capsys.readouterr().out


def test_cli_watch_prints_each_message_once_with_its_step(env, tmp_path, capsys):
    env.advance(3086199)  # one more message per poll, the full body on poll 14
    code = run_cli("fetch", "--watch", "3086199", "--kind", "service", "--out", tmp_path,
                   "--interval", "0.001", "--max-interval", "0.002")
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "job 3086199 (SCALE_IN techco): RUNNING"
    pattern = re.compile(r"^  (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3})\s+([\d.]+) s  (.*)$")
    rows = [pattern.match(line).groups() for line in lines if pattern.match(line)]
    messages = example(3086199)["messages"]
    assert [row[2] for row in rows] == [m["message"] for m in messages]  # each exactly once
    assert [float(row[1]) for row in rows] == GAPS_3086199
    assert rows[8] == ("2016-12-05 15:04:16.408", "129.296",
                       "Stopped Virtual Machine wls/vm-2...")
    assert "status: SUCCEED" in lines
    assert lines[-1] == (f"job 3086199 SUCCEED: total 353.736 s -> "
                         f"{tmp_path / 'job-3086199.json'}")
    assert json.loads((tmp_path / "job-3086199.json").read_text()) == example(3086199)
    assert env.polls(3086199) == 14 == env.request_count


def test_cli_watch_of_a_missing_job_exits_1(env, tmp_path, capsys):
    assert run_cli("fetch", "--watch", "5", "--out", tmp_path) == 1
    assert capsys.readouterr().err.startswith("stacklog: error: HTTP 404")


def test_fetch_help_explains_every_option(capsys):
    with pytest.raises(SystemExit):
        run_cli("fetch", "--help")
    text = capsys.readouterr().out
    for option in ("--out", "--kind", "--domain", "--region", "--base-url", "--user",
                   "--token-env", "--no-prompt", "--timeout", "--retries", "--ca-bundle",
                   "--workers", "--refresh", "--progress", "--filter", "--from", "--to",
                   "--status", "--operation-type", "--service-name", "--order-by",
                   "--page-size", "--stack", "--watch", "--interval", "--max-interval"):
        assert re.search(rf"^\s+{re.escape(option)}\b.*\S", text, re.MULTILINE), option
    assert "STACKLOG_PASSWORD" in text and "never taken on the command line" in text


def test_the_stacklog_command_runs_fetch(env, tmp_path):
    cli = pytest.importorskip("stacklog.cli")
    if "fetch" not in cli.build_parser().format_help():
        pytest.skip("stacklog.cli does not register the fetch subcommand yet")
    proc = subprocess.run([sys.executable, "-m", "stacklog", "fetch", "3086199", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("fetched 1, skipped 0 already final, failed 0")


# --------------------------------------------------------------------------------------------
# what fetch writes is exactly what read_jobs reads
# --------------------------------------------------------------------------------------------

def test_read_jobs_reads_the_fetched_folder_like_the_originals(psm, tmp_path):
    stacklog = pytest.importorskip("stacklog")
    if not hasattr(stacklog, "read_jobs"):
        pytest.skip("stacklog.read_jobs is not available yet")
    fetch_jobs(make_client(psm), list(EXAMPLES), tmp_path, progress=False)
    fetched = stacklog.read_jobs(tmp_path)
    original = stacklog.read_jobs(DATA)
    key = ["job_id"]
    left = fetched.jobs.drop(columns="source").sort_values(key).reset_index(drop=True)
    right = original.jobs.drop(columns="source").sort_values(key).reset_index(drop=True)
    import pandas.testing

    pandas.testing.assert_frame_equal(left, right)
    pandas.testing.assert_frame_equal(
        fetched.messages.reset_index(drop=True), original.messages.reset_index(drop=True))
    steps = stacklog.step_durations(fetched)
    gaps = steps[steps["job_id"] == 3086199]["duration"].dt.total_seconds().round(3).tolist()
    assert gaps == GAPS_3086199


def test_read_jobs_reads_every_generated_job_fetched(tmp_path, monkeypatch):
    stacklog = pytest.importorskip("stacklog")
    if not hasattr(stacklog, "read_jobs"):
        pytest.skip("stacklog.read_jobs is not available yet")
    jobs = make_jobs(50, messages=4)
    listed = tmp_path / "listed"
    with FakePSM(jobs) as server:
        fetch_jobs(make_client(server), [job["jobId"] for job in jobs], tmp_path / "fetched",
                   progress=False)
        monkeypatch.setenv("STACKLOG_PASSWORD", server.password)
        assert run_cli("fetch", "--filter", "--out", listed, "--base-url", server.base_url,
                       "--domain", server.identity_domain, "--user", server.username) == 0
    for folder in (tmp_path / "fetched", listed):
        log = stacklog.read_jobs(folder, errors="raise")
        assert sorted(log.jobs["job_id"].tolist()) == [job["jobId"] for job in jobs]
        assert (log.jobs["message_count"] == 4).all()
        assert len(log.messages) == 200 and len(log.problems) == 0
