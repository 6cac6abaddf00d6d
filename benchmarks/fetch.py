"""Concurrent fetching versus one request at a time, on a PSM-compatible server with latency.

Usage::

    python -m benchmarks.fetch                          # 1,000 jobs, 50 ms per request
    python -m benchmarks.fetch --jobs 100               # smoke size: a few seconds
    python -m benchmarks.fetch --also 8 32 64           # more worker counts in the same run

``stacklog.testing.FakePSM`` serves N synthetic jobs on 127.0.0.1 and sleeps ``--latency``
seconds before each answer, standing in for the round trip to a regional PSM endpoint. The
server runs in a child process (a real PSM is another machine: its CPU time should not be
charged to the client; ``--same-process`` runs it in a thread of this process instead). On the
same server, ``fetch_jobs`` downloads every job into a fresh folder with the default number of
workers, then with ``--workers-baseline`` (1: one request at a time), then with each ``--also``
count. Each run uses its own client (its own connection pool), and the server's counters are
reset in between, so the peak number of simultaneously open connections and of requests in
flight is that run's own.

The result is the speed-up of each run over the baseline. Fetching is bound by latency, not
CPU, so the ideal speed-up is the number of workers; how close a run gets shows the overhead of
the client, the server and the thread pool on this machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from stacklog.api import DEFAULT_WORKERS, PSMClient, fetch_jobs
from stacklog.testing import FakePSM, make_jobs


def _stats(psm: FakePSM) -> dict:
    return {"requests": psm.request_count, "connections": psm.max_concurrent_connections,
            "in_flight": psm.max_concurrent_requests}


def _serve(jobs: int, latency: float, pipe: Any) -> None:
    """Child process: serve ``jobs`` synthetic jobs and answer reset/stats/stop commands."""
    with FakePSM(make_jobs(jobs)) as psm:
        psm.latency(latency)
        pipe.send((psm.base_url, psm.identity_domain, psm.username, psm.password))
        while True:
            command = pipe.recv()
            if command == "reset":
                psm.wait_idle()
                psm.reset_stats()
                pipe.send(None)
            elif command == "stats":
                pipe.send(_stats(psm))
            else:
                break


class _LocalServer:
    """The same commands as the child process, on a FakePSM in this process."""

    def __init__(self, jobs: int, latency: float):
        self.psm = FakePSM(make_jobs(jobs)).start()
        self.psm.latency(latency)
        self.address = (self.psm.base_url, self.psm.identity_domain, self.psm.username,
                        self.psm.password)

    def reset(self) -> None:
        self.psm.wait_idle()
        self.psm.reset_stats()

    def stats(self) -> dict:
        return _stats(self.psm)

    def close(self) -> None:
        self.psm.stop()


class _ChildServer:
    def __init__(self, jobs: int, latency: float):
        # fork: no re-import in the child (no thread exists yet when the server starts)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.pipe, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(jobs, latency, child), daemon=True)
        self.process.start()
        self.address = self.pipe.recv()

    def reset(self) -> None:
        self.pipe.send("reset")
        self.pipe.recv()

    def stats(self) -> dict:
        self.pipe.send("stats")
        return self.pipe.recv()

    def close(self) -> None:
        self.pipe.send("stop")
        self.process.join(10)


def run(server: Any, ids: list[int], workers: int, folder: Path) -> dict:
    """Fetch ``ids`` into ``folder`` with ``workers``; return timings and server counters."""
    server.reset()
    base_url, domain, user, password = server.address
    with PSMClient(domain, base_url=base_url, username=user, password=password) as client:
        started = time.perf_counter()
        result = fetch_jobs(client, ids, folder, workers=workers, progress=False)
        elapsed = time.perf_counter() - started
    if result.failed or len(result.fetched) != len(ids):
        raise SystemExit(f"run with {workers} workers failed: {result.summary}")
    written = sum(1 for _ in folder.glob("job-*.json"))
    return {"workers": workers, "seconds": elapsed, "jobs": len(result.fetched),
            "files": written, **server.stats()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fetch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=1000, help="jobs served (default: 1000)")
    parser.add_argument("--latency", type=float, default=0.05,
                        help="seconds added to every answer (default: 0.05)")
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS,
                        help=f"workers of the concurrent run (default: the library default, "
                             f"{DEFAULT_WORKERS})")
    parser.add_argument("--workers-baseline", type=int, default=1,
                        help="workers of the baseline run (default: 1, one at a time)")
    parser.add_argument("--also", type=int, nargs="*", default=[], metavar="N",
                        help="more worker counts to time in the same run")
    parser.add_argument("--same-process", action="store_true",
                        help="run the server in a thread of this process (client and server "
                             "then share one interpreter lock)")
    args = parser.parse_args(argv)
    if args.jobs < 1 or args.workers < 1 or args.workers_baseline < 1 or args.latency < 0:
        parser.error("--jobs and the worker counts must be positive, --latency not negative")

    ids = [job["jobId"] for job in make_jobs(args.jobs)]
    counts = [args.workers, args.workers_baseline, *args.also]
    where = "this process" if args.same_process else "a child process"
    print(f"fetching {args.jobs} jobs from FakePSM on 127.0.0.1 ({where}), "
          f"{args.latency * 1000:.0f} ms added per request; Python {sys.version.split()[0]}",
          flush=True)
    rows = []
    server = (_LocalServer if args.same_process else _ChildServer)(args.jobs, args.latency)
    try:
        with tempfile.TemporaryDirectory(prefix="stacklog-bench-") as tmp:
            for n, workers in enumerate(counts):
                row = run(server, ids, workers, Path(tmp) / f"run{n}-w{workers}")
                rows.append(row)
                print(f"  {workers:>3} workers: {row['seconds']:7.2f} s", flush=True)
    finally:
        server.close()
    baseline = rows[1]["seconds"]
    print()
    header = ("workers", "seconds", "jobs/s", "speed-up", "ideal", "peak open conns",
              "peak in flight", "requests")
    table = [header]
    for row in rows:
        ideal = min(row["workers"], args.jobs) / min(args.workers_baseline, args.jobs)
        table.append((str(row["workers"]), f"{row['seconds']:.2f}",
                      f"{row['jobs'] / row['seconds']:.0f}",
                      f"{baseline / row['seconds']:.1f}x", f"{ideal:.0f}x",
                      str(row["connections"]), str(row["in_flight"]), str(row["requests"])))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        print("  " + "  ".join(cell.rjust(w) for cell, w in zip(line, widths)))
    default = rows[0]
    print(f"\ndefault ({default['workers']} workers) versus {args.workers_baseline} at a time: "
          f"{baseline / default['seconds']:.1f}x faster, peak {default['connections']} open "
          f"connections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
