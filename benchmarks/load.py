"""Loading at scale: stacklog versus a hand-written pandas baseline and a parse-only floor.

Usage::

    python -m benchmarks.load                      # 10,000 and 100,000 jobs
    python -m benchmarks.load --jobs 2000          # the smoke size CI runs
    python -m benchmarks.load --jobs 1000000 --no-folder --repeat 1

For each size N it writes N jobs of 20 messages (message texts, names, ids and timestamps
shaped like ``data/sample``) both as one NDJSON file and as a folder of one pretty-printed
file per job, then on the same bytes and in the same process times:

(a) baseline: what a pandas user writes by hand: ``json.load`` per record,
    ``pandas.json_normalize(records, record_path="messages", meta=[...])``,
    ``pandas.to_datetime`` with the explicit format, a groupby diff;
(b) stacklog: ``read_jobs`` followed by ``step_durations``;
(c) floor: reading the bytes and parsing them with orjson, nothing else;
and ``step_stats`` on the steps of (b), as a fraction of (b) (``stats/b``).

Times are the best of ``--repeat`` runs, the three variants interleaved so that machine noise
hits them alike. Peak memory is the growth of the peak resident set size (VmHWM, reset through
/proc/self/clear_refs) of a fresh interpreter running one variant once, on the same files.
Ratios (a/b: how much faster than the baseline; b/c: how far from the floor) are the result;
absolute times depend on the machine.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MESSAGES_PER_JOB = 20
FMT = "%Y-%m-%dT%H:%M:%S.%f%z"

_STACK_STEPS = [
    "Stack provisioning request accepted",
    "Initializing stack {name}",
    "Preparing to create service {name}",
    "Validating template parameters for stack {name}",
    "Creating Database Cloud Service {name}-DB",
    "Provisioning compute node for [{name}-DB] in availability domain [AD-{n}]",
    "Database [{name}-DB] is reachable on port [1521]",
    "Successfully created Database Cloud Service {name}-DB",
    "Creating Java Cloud Service {name}-JCS",
    "Provisioning VM wls/vm-{n} for service [{name}-JCS]...",
    "Completed submitting domain config script on service [{name}-JCS]",
    "Successfully created Java Cloud Service {name}-JCS",
    "Creating ACCS Service {name}-App",
    "Uploading application archive ({n} MB) for [{name}-App]",
    "Application [{name}-App] deployed to {n} instances",
    "Successfully created ACCS Service {name}-App",
    "Configuring load balancer rules for stack {name}",
    "Registering stack outputs for {name}",
    "Verifying health of stack {name} resources...",
    "Completed configuring stack {name}",
]
_SERVICE_STEPS = [
    "Activity Submitted",
    "Activity Started",
    "Scaling job for service [{name}] in cluster [{name}_cluster] with factor [{n}] is prepared.",
    "Completed submitting config lock script on service [{name}]",
    "Scale out host [{name}-wls-{n}] is permitted, proceeding to next action",
    "Provisioning Virtual Machine wls/vm-{n}...",
    "Created IAAS resource creation child job [{job}] for service [{name}]",
    "Child job [{job}] completed creating compute resources for host [{name}-wls-{n}].",
    "Completed submitting OTD script for remote execution on service [{name}]",
    "Attached block storage volume [{name}-vol-{n}] ({n} GB)",
    "Started Virtual Machine wls/vm-{n}...",
    "Completed submitting startup script for remote execution on service [{name}]",
    "Managed server [{name}_server_{n}] is RUNNING",
    "Completed submitting domain config verify script for remote execution on service [{name}]",
    "Updated load balancer pool for service [{name}]",
    "Backed up configuration of service [{name}] to container [{name}-backup]",
    "Released config lock on service [{name}]",
    "Successfully scaled out host [{name}-wls-{n}]",
    "Activity Ended",
    "Activity Ended",
]
_NAMES = ["Orders", "HRPortal", "Billing", "Claims", "Ledger", "Payroll", "Search", "Gateway"]


def make_jobs(n: int, seed: int = 7):
    """Yield ``n`` job bodies of 20 messages each, deterministic for a seed."""
    rng = random.Random(seed)
    t0 = 1_785_000_000_000  # ms since the epoch, mid-2026
    for i in range(n):
        stack = rng.random() < 0.3
        name = f"{rng.choice(_NAMES)}{'Stack' if stack else ''}{i % 997}"
        start = t0 + i * 37_000 + rng.randrange(30_000)
        steps = _STACK_STEPS if stack else _SERVICE_STEPS
        times, t = [], start
        for k in range(MESSAGES_PER_JOB):
            if k:
                kind = rng.random()
                t += (rng.randrange(1, 50) if kind < 0.3 else rng.randrange(100, 9_000)
                      if kind < 0.8 else rng.randrange(30_000, 1_500_000))
            times.append(t)
        status = "FAILED" if rng.random() < 0.08 else "SUCCEED"
        messages = [{"activityDate": _iso(ts), "message": s.format(
            name=name, n=rng.randrange(1, 40), job=3_000_000 + i * 7 + k)}
            for k, (ts, s) in enumerate(zip(times, steps))]
        if status == "FAILED":
            messages[-1]["message"] = f"PSM-CRT-{1000 + rng.randrange(60)}: Operation failed " \
                                      f"for service [{name}]"
        body = {
            "activityLogId": 1_000_000 + i, "serviceName": name,
            "serviceType": "cloudstack" if stack else rng.choice(["jaas", "JaaS", "dbaas"]),
            "identityDomain": "idcs-4f2a9c0e5b7d4e1a", "serviceId": 80_000 + i % 5000,
            "jobId": 3_000_000 + i, "startDate": _iso(start), "endDate": _iso(times[-1]),
            "status": status, "operationId": 80_000 + i % 5000,
            "operationType": "CREATE_SERVICE" if stack else "SCALE_OUT",
            "summaryMessage": "CREATE_SERVICE" if stack else "SCALE_OUT",
            "authDomain": "idcs-4f2a9c0e5b7d4e1a", "authUser": "ops@example.com",
            "initiatedBy": "USER", "messages": messages,
        }
        yield body


def _iso(ms: int) -> str:
    s, frac = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + f".{frac:03d}+0000"


def write_corpus(n: int, root: Path, folder: bool = True) -> tuple[Path, Path | None]:
    """Write ``n`` jobs as ``root/jobs.ndjson`` and (optionally) ``root/jobs/job-<id>.json``.

    A corpus already complete in ``root`` (its ``done`` marker) is reused.
    """
    root.mkdir(parents=True, exist_ok=True)
    ndjson = root / "jobs.ndjson"
    folder_path = root / "jobs" if folder else None
    marker = root / ("done-folder" if folder else "done")
    if marker.exists():
        return ndjson, folder_path
    if folder_path:
        folder_path.mkdir(exist_ok=True)
    with open(ndjson, "w") as out:
        for body in make_jobs(n):
            out.write(json.dumps(body, separators=(",", ":")) + "\n")
            if folder_path:
                (folder_path / f"job-{body['jobId']}.json").write_text(json.dumps(body, indent=2))
    marker.touch()
    return ndjson, folder_path


# --------------------------------------------------------------------------- the variants


def _records(source: Path):
    if source.is_dir():
        records = []
        for p in sorted(source.glob("*.json")):
            with open(p) as f:
                records.append(json.load(f))
        return records
    with open(source) as f:
        return [json.loads(line) for line in f if line.strip()]


def baseline(source: Path):
    """What a pandas user writes by hand."""
    import pandas as pd

    records = _records(source)
    meta = ["jobId", "serviceName", "serviceType", "operationType", "status", "startDate",
            "endDate"]
    df = pd.json_normalize(records, record_path="messages", meta=meta)
    df["activityDate"] = pd.to_datetime(df["activityDate"], format=FMT, utc=True)
    df["startDate"] = pd.to_datetime(df["startDate"], format=FMT, utc=True)
    df = df.sort_values(["jobId", "activityDate"], kind="stable")
    df["duration"] = df.groupby("jobId")["activityDate"].diff()
    first = df["duration"].isna()
    df.loc[first, "duration"] = df.loc[first, "activityDate"] - df.loc[first, "startDate"]
    return df


def stacklog_variant(source: Path):
    import stacklog

    return stacklog.step_durations(stacklog.read_jobs(source))


def floor(source: Path):
    """Read the bytes and parse them with orjson: nothing else."""
    import orjson

    if source.is_dir():
        return [orjson.loads(p.read_bytes()) for p in sorted(source.glob("*.json"))]
    with open(source, "rb") as f:
        return [orjson.loads(line) for line in f if line.strip()]


VARIANTS = {"baseline": baseline, "stacklog": stacklog_variant, "floor": floor}


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def measure_memory(variant: str, source: Path) -> float:
    """Peak resident memory growth (MiB) of one run in a fresh interpreter."""
    code = (
        "import gc, sys\n"
        "from pathlib import Path\n"
        "from benchmarks import load as b\n"
        "import pandas, orjson, stacklog, stacklog.timing\n"  # imports are not the workload
        "gc.collect()\n"
        "open('/proc/self/clear_refs', 'w').write('5')\n"
        "base = b._rss_kib('VmRSS')\n"
        f"result = b.VARIANTS[{variant!r}](Path({str(source)!r}))\n"
        "print((b._rss_kib('VmHWM') - base) / 1024)\n"
    )
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=root, check=True)
    return float(proc.stdout.strip().splitlines()[-1])


def time_variants(source: Path, repeat: int, variants=tuple(VARIANTS)) -> dict[str, float]:
    """Best time of each variant, of ``step_stats`` on stacklog's steps ("stats"), and the
    median over rounds of the baseline/stacklog ratio of the same round ("paired")."""
    import stacklog

    best = {name: float("inf") for name in (*VARIANTS, "stats")}
    ratios = []
    for _ in range(repeat):
        this = {}
        for name in variants:
            gc.collect()
            t = time.perf_counter()
            result = VARIANTS[name](source)
            this[name] = time.perf_counter() - t
            best[name] = min(best[name], this[name])
            if name == "stacklog":
                t = time.perf_counter()
                stacklog.step_stats(result)
                best["stats"] = min(best["stats"], time.perf_counter() - t)
            del result
        if "baseline" in this:
            ratios.append(this["baseline"] / this["stacklog"])
    for name in VARIANTS:
        if name not in variants:
            best[name] = float("nan")
    best["paired"] = statistics.median(ratios) if ratios else float("nan")
    return best


def run(sizes: list[int], repeat: int, folder: bool, memory: bool, keep: Path | None = None,
        baseline: bool = True):
    rows = []
    tmp = Path(tempfile.mkdtemp(prefix="stacklog-bench-")) if keep is None else keep
    try:
        for n in sizes:
            ndjson, folder_path = write_corpus(n, tmp / str(n), folder=folder)
            for label, source in (("ndjson", ndjson), ("folder", folder_path)):
                if source is None:
                    continue
                variants = tuple(k for k in VARIANTS if baseline or k != "baseline")
                times = time_variants(source, repeat, variants)
                mem = dict.fromkeys(VARIANTS, float("nan"))
                if memory:
                    mem.update({k: measure_memory(k, source) for k in variants})
                row = dict(jobs=n, messages=n * MESSAGES_PER_JOB, layout=label,
                           **{f"{k}_s": v for k, v in times.items()},
                           **{"stats/b": times["stats"] / times["stacklog"]},
                           **{f"{k}_mib": v for k, v in mem.items()})
                row["a/b"] = times["baseline"] / times["stacklog"]
                row["a/b paired"] = times["paired"]
                row["b/c"] = times["stacklog"] / times["floor"]
                row["mem b/a"] = mem["stacklog"] / mem["baseline"]
                row["us/job"] = times["stacklog"] / n * 1e6
                row["KiB/job"] = mem["stacklog"] * 1024 / n
                rows.append(row)
                print(_fmt(row), flush=True)
    finally:
        if keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return rows


HEADER = ("jobs", "layout", "baseline_s", "stacklog_s", "floor_s", "a/b", "a/b paired", "b/c",
          "baseline_mib", "stacklog_mib", "floor_mib", "mem b/a", "us/job", "KiB/job", "stats_s",
          "stats/b")


def _fmt(row: dict) -> str:
    return " | ".join(f"{row[h]:.3g}" if isinstance(row[h], float) else str(row[h])
                      for h in HEADER)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, nargs="+", default=[10_000, 100_000],
                        help="corpus sizes (default: 10000 100000)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per variant")
    parser.add_argument("--no-folder", action="store_true",
                        help="NDJSON only (a folder of 10^6 files is slow to write)")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the baseline (at 10^6 jobs it needs about 20 GB)")
    parser.add_argument("--corpus", type=Path, metavar="DIR",
                        help="keep the generated corpora in DIR and reuse them on later runs "
                             "(default: a temporary folder, removed afterwards)")
    args = parser.parse_args(argv)
    print(" | ".join(HEADER))
    run(args.jobs, args.repeat, folder=not args.no_folder, memory=not args.no_memory,
        keep=args.corpus, baseline=not args.no_baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
