"""The sample corpus in data/sample: deterministic, in sync with its generator, and valid jobs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "data" / "make_sample.py"
SAMPLE = ROOT / "data" / "sample"

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
ERROR_CODE = re.compile(r"[A-Z]+-[A-Z]+-\d+")
STATUSES = {"NEW", "RUNNING", "SUCCEED", "FAILED", "WARN"}


def generate(out: Path, *args: str) -> dict[str, bytes]:
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), *args], check=True,
                   capture_output=True)
    return read_corpus(out)


def read_corpus(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("job-*.json"))}


def parse_ts(text: str) -> datetime:
    assert TIMESTAMP.match(text), text
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> dict[str, bytes]:
    return generate(tmp_path_factory.mktemp("fresh"))


@pytest.fixture(scope="module")
def jobs() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(SAMPLE.glob("job-*.json"))]


def test_generator_is_deterministic(tmp_path, fresh):
    again = generate(tmp_path / "again")
    assert again.keys() == fresh.keys()
    assert again == fresh


def test_committed_sample_equals_fresh_generation(fresh):
    committed = read_corpus(SAMPLE)
    assert len(committed) >= 200
    assert committed.keys() == fresh.keys(), "data/sample is out of date: run data/make_sample.py"
    stale = [name for name in committed if committed[name] != fresh[name]]
    assert not stale, f"data/sample differs from a fresh run in {stale[:5]}"


def test_stale_job_files_are_removed(tmp_path):
    (tmp_path / "job-1.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("kept", encoding="utf-8")
    out = generate(tmp_path, "--jobs", "30")
    assert "job-1.json" not in out
    assert len(out) == 30
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "kept"


def test_every_file_is_a_valid_job(jobs):
    assert len(jobs) >= 200
    for job in jobs:
        where = f"job {job.get('jobId')}"
        assert isinstance(job["jobId"], int), where
        assert job["status"] in STATUSES, where
        assert job["operationId"] == job["serviceId"], where
        start = parse_ts(job["startDate"])
        messages = job.get("messages", [])
        times = [parse_ts(m["activityDate"]) for m in messages]
        assert all(isinstance(m["message"], str) and m["message"] for m in messages), where
        assert times == sorted(times), f"{where}: messages out of time order"
        if times:
            assert times[0] == start, where
        if job["status"] in ("NEW", "RUNNING"):
            assert "endDate" not in job, where
        else:
            end = parse_ts(job["endDate"])
            assert times, where
            assert end >= times[-1], where
            assert end >= start, where
        if job["initiatedBy"] == "SYSTEM":
            assert "authUser" not in job, where
        else:
            assert "@" in job["authUser"], where


def test_file_names_and_ids(jobs):
    names = sorted(p.name for p in SAMPLE.glob("job-*.json"))
    assert names == sorted(f"job-{job['jobId']}.json" for job in jobs)
    for family in (True, False):  # stack jobs, service jobs: ids increase with start time
        subset = sorted((j for j in jobs if (j["serviceType"] == "cloudstack") == family),
                        key=lambda j: parse_ts(j["startDate"]))
        ids = [j["jobId"] for j in subset]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert not {j["jobId"] for j in jobs} & {j["activityLogId"] for j in jobs}


def test_each_status_appears(jobs):
    seen = {job["status"] for job in jobs}
    assert seen == STATUSES
    assert any("messages" not in job for job in jobs if job["status"] == "NEW")
    assert any(len(job.get("messages", [])) >= 2 for job in jobs if job["status"] == "RUNNING")


def test_failed_jobs_end_with_an_error_code(jobs):
    failed = [job for job in jobs if job["status"] == "FAILED"]
    assert failed
    for job in failed:
        last = job["messages"][-1]
        assert ERROR_CODE.search(last["message"]), (job["jobId"], last["message"])
        assert last["activityDate"] == job["endDate"], job["jobId"]
