"""Smoke runs of the benchmarks: they work and print their ratios. No timing assertions:
the machines are shared and noisy; the measured numbers are in benchmarks/README.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_load_benchmark_smoke():
    out = run("benchmarks.load", "--jobs", "300", "--repeat", "1")
    lines = out.strip().splitlines()
    assert lines[0].startswith("jobs | layout | baseline_s")
    rows = [line.split(" | ") for line in lines[1:]]
    assert [(r[0], r[1]) for r in rows] == [("300", "ndjson"), ("300", "folder")]
    for r in rows:
        numbers = [float(x) for x in r[2:]]
        assert all(x == x and x > 0 for x in numbers), r     # every time, ratio, memory


def test_load_benchmark_corpus_matches_stacklog_and_baseline():
    """The three variants see the same jobs and messages."""
    from benchmarks import load as bench
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        ndjson, folder = bench.write_corpus(40, Path(tmp))
        for source in (ndjson, folder):
            ours = bench.stacklog_variant(source)
            theirs = bench.baseline(source)
            assert len(ours) == len(theirs) == 40 * bench.MESSAGES_PER_JOB
            assert len(bench.floor(source)) == 40
            a = ours["duration"].dt.total_seconds().round(3).tolist()
            b = theirs.sort_values(["jobId", "activityDate"], kind="stable")[
                "duration"].dt.total_seconds().round(3).tolist()
            assert a == b


def test_fetch_benchmark_smoke():
    out = run("benchmarks.fetch", "--jobs", "40", "--latency", "0.02")
    assert "speed-up" in out.lower()


def test_load_benchmark_without_the_baseline():
    out = run("benchmarks.load", "--jobs", "200", "--repeat", "1", "--no-folder",
              "--no-baseline")
    header, row = out.strip().splitlines()
    values = dict(zip(header.split(" | "), row.split(" | ")))
    for skipped in ("baseline_s", "a/b", "a/b paired", "baseline_mib", "mem b/a"):
        assert values[skipped] == "nan"
    for kept in ("stacklog_s", "floor_s", "b/c", "stacklog_mib", "us/job", "KiB/job"):
        assert float(values[kept]) > 0
