"""stacklog.testing.FakePSM spoken to with the standard library's http.client only."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest

from stacklog.errors import InputError, StacklogError
from stacklog.testing import FakePSM, Fault, make_jobs

DATA = Path(__file__).parent / "data" / "api"
ROOT = "/paas/api/v1.1/activitylog/testdomain/"
AUTH = "Basic " + base64.b64encode(b"user:secret").decode()
GOOD = {"Authorization": AUTH, "X-ID-TENANT-NAME": "testdomain"}


def get(psm, path, headers=GOOD, params=None, conn=None, raw=False):
    """GET ``ROOT + path``; return (status, headers, parsed body or text)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection("127.0.0.1", psm._server.server_address[1], timeout=5)
    query = ("?" + urllib.parse.urlencode(params, doseq=True)) if params else ""
    try:
        conn.request("GET", (path if path.startswith("/") else ROOT + path) + query,
                     headers=headers)
        response = conn.getresponse()
        data = response.read()
        json_type = "json" in response.getheader("Content-Type", "")
        body = json.loads(data) if json_type and not raw else data.decode()
        return response.status, dict(response.getheaders()), body
    finally:
        if own:
            conn.close()


@pytest.fixture
def psm():
    with FakePSM(DATA) as server:
        yield server


def test_serves_the_five_paths(psm):
    example = json.loads((DATA / "stack-job-80045-create-new.json").read_text())
    assert get(psm, "stack/job/80045")[::2] == (200, example)
    assert get(psm, "job/80045")[2] == example
    assert get(psm, "message/36004")[2] == example
    assert get(psm, "stack/MyStack")[2] == {"activityLogs": [example]}
    status, headers, body = get(psm, "filter")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert [job["jobId"] for job in body["activityLogs"]] == [3086199, 80045]  # newest first


def test_loads_single_jobs_lists_and_activity_logs_files(tmp_path):
    jobs = make_jobs(5)
    (tmp_path / "one.json").write_text(json.dumps(jobs[0]))
    (tmp_path / "list.json").write_text(json.dumps(jobs[1:3]))
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "listing.json").write_text(json.dumps({"activityLogs": jobs[3:]}))
    (tmp_path / "notes.txt").write_text("not json, not read")
    server = FakePSM(tmp_path)
    assert sorted(server.jobs) == [job["jobId"] for job in jobs]
    (tmp_path / "bad.json").write_text("{oops")
    with pytest.raises(InputError, match="bad.json"):
        FakePSM(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        FakePSM(tmp_path / "missing")
    with pytest.raises(InputError, match="jobId"):
        FakePSM([{"jobId": "No Job Submitted"}])


def test_authentication_and_tenant_checks(psm):
    status, headers, body = get(psm, "job/80045", headers={"X-ID-TENANT-NAME": "testdomain"})
    assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
    assert body["message"] == "Unauthorized"
    wrong = "Basic " + base64.b64encode(b"user:nope").decode()
    assert get(psm, "job/80045", headers={**GOOD, "Authorization": wrong})[0] == 401
    assert get(psm, "job/80045", headers={**GOOD, "Authorization": "Basic !!!"})[0] == 401
    assert get(psm, "job/80045", headers={**GOOD, "Authorization": "Bearer x"})[0] == 401
    status, headers, text = get(psm, "job/80045", headers={"Authorization": AUTH})
    assert status == 403 and headers["Content-Type"].startswith("text/plain")
    assert "X-ID-TENANT-NAME" in text
    status, _, text = get(psm, "/paas/api/v1.1/activitylog/other/job/80045",
                          headers={**GOOD, "X-ID-TENANT-NAME": "other"})
    assert status == 403 and "'other'" in text
    assert [r.auth_scheme for r in psm.records][:2] == [None, "Basic"]


def test_bearer_token(tmp_path):
    with FakePSM(DATA, token="tok123", password=None) as server:
        assert get(server, "job/80045", headers={**GOOD, "Authorization": "Bearer tok123"})[0] \
            == 200
        assert get(server, "job/80045")[0] == 401  # Basic is off without a password


def test_not_found_and_bad_ids(psm):
    status, _, body = get(psm, "job/1")
    assert status == 404 and "job 1 does not exist" in body["detail"]
    assert get(psm, "stack/job/abc")[0] == 400
    assert get(psm, "message/999")[0] == 404
    assert get(psm, "nothing/here")[0] == 404
    assert get(psm, "/elsewhere")[0] == 404
    assert get(psm, "stack/NoSuchStack")[2] == {"activityLogs": []}


def test_filter_parameters():
    jobs = make_jobs(10, spacing=timedelta(hours=1))
    for i, job in enumerate(jobs):
        job["status"] = ("SUCCEED", "FAILED")[i % 2]
    with FakePSM(jobs) as server:
        def ids(**params):
            status, _, body = get(server, "filter", params=params)
            assert status == 200, body
            return [job["jobId"] for job in body["activityLogs"]]

        assert ids() == list(range(100_009, 99_999, -1))
        assert ids(orderBy="startDate:asc") == list(range(100_000, 100_010))
        assert ids(orderBy="jobId:desc")[:2] == [100_009, 100_008]
        assert ids(fromStartDate="2026-08-01T02:00:00.000+0000",
                   toStartDate="2026-08-01 04:00:00") == [100_004, 100_003, 100_002]
        assert ids(toStartDate="2026-08-01") == [100_000]
        assert ids(status=["FAILED"], orderBy="startDate:asc")[:2] == [100_001, 100_003]
        assert len(ids(status=["FAILED", "SUCCEED"])) == 10
        assert ids(status="Failed,succeeded") == ids()
        assert ids(serviceName="stack3") == [100_003]
        assert ids(operationType="BACKUP") == []
        assert ids(limit=3, offset=2) == [100_007, 100_006, 100_005]
        assert get(server, "filter", params={"fromStartDate": "last week"})[0] == 400
        assert get(server, "filter", params={"orderBy": "startDate:up"})[0] == 400
        assert get(server, "filter", params={"limit": "-1"})[0] == 400


def test_page_modes_and_default_limit():
    jobs = make_jobs(30)
    with FakePSM(jobs, default_limit=10) as honour:
        assert len(get(honour, "filter")[2]["activityLogs"]) == 10
        assert len(get(honour, "filter", params={"limit": 25})[2]["activityLogs"]) == 25
    with FakePSM(jobs, page_mode="ignore", default_limit=7) as ignore:
        first = get(ignore, "filter", params={"limit": 3, "offset": 5})[2]["activityLogs"]
        assert [job["jobId"] for job in first] == list(range(100_029, 100_022, -1))
        asc = get(ignore, "filter", params={"orderBy": "startDate:asc"})[2]["activityLogs"]
        assert [job["jobId"] for job in asc] == list(range(100_000, 100_007))
    with pytest.raises(StacklogError):
        FakePSM(jobs, page_mode="sometimes")


def test_advance_serves_a_running_job_until_final(psm):
    psm.advance(3086199, steps=[0, 2, 2])
    seen = []
    for _ in range(5):
        body = get(psm, "job/3086199")[2]
        seen.append((body["status"], len(body["messages"]), "endDate" in body))
    assert seen == [("NEW", 0, False), ("RUNNING", 2, False), ("RUNNING", 2, False),
                    ("SUCCEED", 14, True), ("SUCCEED", 14, True)]
    assert psm.polls(3086199) == 5
    # listings show the current state without counting as a poll
    listing = get(psm, "filter")[2]["activityLogs"]
    assert listing[0]["status"] == "SUCCEED" and psm.polls(3086199) == 5


def test_advance_default_adds_one_message_per_poll(psm):
    psm.advance(80045)
    counts = [len(get(psm, "stack/job/80045")[2]["messages"]) for _ in range(6)]
    assert counts == [1, 2, 3, 4, 5, 5]
    with pytest.raises(StacklogError):
        psm.advance(80045, steps=[9])


def test_fault_counting_and_matching(psm):
    burst = psm.error(503, count=2, path="job/*", retry_after="7")
    slow = psm.latency(0.001, job_ids=[80045])
    statuses = [get(psm, "job/80045")[0] for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert burst.hits == 2 and slow.hits == 3
    psm.error(429, retry_after="Wed, 21 Oct 2015 07:28:00 GMT")
    status, headers, _ = get(psm, "stack/job/3086199")
    assert status == 429 and headers["Retry-After"] == "Wed, 21 Oct 2015 07:28:00 GMT"
    psm.html(count=1)
    status, headers, text = get(psm, "job/80045")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "Sign In" in text
    psm.truncate(count=1)
    status, headers, text = get(psm, "job/80045", raw=True)
    assert status == 200 and int(headers["Content-Length"]) == len(text)
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)
    psm.add_fault({"kind": "status", "status": 500, "body": "plain words", "count": 1})
    assert get(psm, "job/80045")[::2] == (500, "plain words")
    psm.clear_faults()
    assert get(psm, "job/80045")[0] == 200
    with pytest.raises(StacklogError):
        Fault("explode")
    with pytest.raises(StacklogError):
        Fault("redirect")


def test_drop_and_cut_connections(psm):
    psm.drop(count=1)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        get(psm, "job/80045")
    psm.truncate(count=1, cut=True)
    with pytest.raises(http.client.IncompleteRead):
        get(psm, "job/80045")
    assert get(psm, "job/80045")[0] == 200
    assert [r.status for r in psm.records] == [None, 200, 200]


def test_redirect_fault(psm):
    psm.redirect("http://127.0.0.1:9", count=1)
    status, headers, _ = get(psm, "job/80045", params={"a": 1})
    assert status == 302
    assert headers["Location"] == f"http://127.0.0.1:9{ROOT}job/80045?a=1"


def test_keep_alive_and_statistics(psm):
    conn = http.client.HTTPConnection("127.0.0.1", psm._server.server_address[1], timeout=5)
    for _ in range(3):
        assert get(psm, "job/80045", conn=conn)[0] == 200
    conn.close()
    assert psm.connection_count == 1 and psm.request_count == 3
    assert psm.requests[0] == ("GET", ROOT + "job/80045", {})
    assert psm.count("job/*") == 3 and psm.count("stack/*") == 0
    psm.reset_stats()
    assert psm.request_count == 0 and psm.requests == []


def test_concurrent_requests_are_all_recorded():
    with FakePSM(make_jobs(40)) as server:
        server.latency(0.05)
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(lambda i: get(server, f"job/{100_000 + i}")[0], range(40)))
        assert statuses == [200] * 40
        assert server.request_count == 40 == len(server.records)
        assert sorted(r.path for r in server.records) == sorted(
            f"{ROOT}job/{100_000 + i}" for i in range(40))
        # one new connection per request here: the server notices each close a little later,
        # so its peaks may briefly exceed the 10 client threads (keep-alive pools do not)
        assert 2 <= server.max_concurrent_requests <= 40
        assert 2 <= server.max_concurrent_connections <= 40


def test_stop_closes_idle_keep_alive_connections_and_the_port():
    server = FakePSM(DATA).start()
    port = server._server.server_address[1]
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    assert get(server, "job/80045", conn=conn)[0] == 200
    assert server.open_connections == 1
    before = threading.active_count()
    server.stop()
    assert server.open_connections == 0
    assert threading.active_count() < before
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    with pytest.raises(StacklogError, match="not running"):
        _ = server.base_url
    server.stop()  # idempotent
    conn.close()


def test_make_jobs_shape():
    jobs = make_jobs(3, first_id=10, status="RUNNING")
    assert [job["jobId"] for job in jobs] == [10, 11, 12]
    assert all("endDate" not in job for job in jobs)
    final = make_jobs(2, messages=3)[1]
    assert final["endDate"] == final["messages"][-1]["activityDate"]
    assert final["startDate"] == "2026-08-01T00:07:00.000+0000"
    assert [m["activityDate"] for m in final["messages"]] == [
        "2026-08-01T00:07:00.001+0000", "2026-08-01T00:07:01.002+0000",
        "2026-08-01T00:07:03.003+0000"]


def test_serve_fake_command_runs_in_the_foreground(tmp_path):
    script = ("import argparse, sys\n"
              "from stacklog._cli_fetch import register\n"
              "parser = argparse.ArgumentParser(prog='stacklog')\n"
              "register(parser.add_subparsers())\n"
              "args = parser.parse_args(sys.argv[1:])\n"
              "sys.exit(args.func(args))\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", script, "serve-fake", str(DATA),
                             "--domain", "demo", "--user", "alice", "--password", "wonder"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines = []
        while not lines or not lines[-1].startswith("press Ctrl-C"):
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            lines.append(line.strip())
        url = re.search(r"at (http://127\.0\.0\.1:\d+)$", lines[0]).group(1)
        assert "export STACKLOG_BASE_URL=" + url in lines
        assert "export STACKLOG_DOMAIN=demo" in lines
        assert "export STACKLOG_USER=alice" in lines
        assert "export STACKLOG_PASSWORD=wonder" in lines
        port = int(url.rsplit(":", 1)[1])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/paas/api/v1.1/activitylog/demo/job/80045", headers={
            "Authorization": "Basic " + base64.b64encode(b"alice:wonder").decode(),
            "X-ID-TENANT-NAME": "demo"})
        assert conn.getresponse().status == 200
        conn.close()
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "stopped" in out
