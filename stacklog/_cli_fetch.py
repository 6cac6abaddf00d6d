"""The ``stacklog fetch`` and ``stacklog serve-fake`` subcommands.

:func:`register` adds both to an argparse subparsers object; each sets ``func(args) -> int``.
These functions print; the library functions they call never do.
"""

from __future__ import annotations

import argparse
import getpass
import os
import shlex
import signal
import sys
import threading
from datetime import timedelta
from typing import Any

from .errors import InputError, StacklogError

_PROG = "stacklog"


def _error(message: str) -> None:
    print(f"{_PROG}: error: {message}", file=sys.stderr)


def _job_id_arg(text: str) -> int:
    value = text.strip()
    if not value.isascii() or not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a job id (a non-negative integer)")
    return int(value)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return value


def _int_at_least(minimum: int):
    """An argparse type: an integer no smaller than ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} must be at least {minimum}")
        return value

    return parse


_positive_int = _int_at_least(1)
_non_negative_int = _int_at_least(0)


def register(subparsers: Any) -> None:
    """Add the ``fetch`` and ``serve-fake`` subcommands to an argparse subparsers object."""
    from .api import DEFAULT_WORKERS, REGIONS

    fetch = subparsers.add_parser(
        "fetch",
        help="download PSM activity-log jobs to a folder, one job-<id>.json per job",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Download PSM activity-log jobs to --out, one raw JSON file per job "
            "(job-<id>.json).\n\n"
            "Choose what to fetch with exactly one of: job ids, --filter, --stack NAME, or "
            "--watch JOB.\nRe-running resumes: jobs already saved in a final status (SUCCEED, "
            "FAILED, WARN) are not\nfetched again; unfinished ones are refreshed.\n\n"
            "Credentials: --user with the password from STACKLOG_PASSWORD, ~/.netrc (or the "
            "file named by\nNETRC) or a prompt on a terminal; or a bearer token from "
            "STACKLOG_TOKEN or --token-env VAR.\nThe password is never taken on the command "
            "line. STACKLOG_USER, STACKLOG_DOMAIN and\nSTACKLOG_BASE_URL stand in for --user, "
            "--domain and --base-url."),
        epilog=(
            "examples:\n"
            "  stacklog fetch 80045 80046 --out jobs/ --domain idcs-4f2a... --region us\n"
            "  stacklog fetch --filter --from 2026-08-01 --to 2026-08-31 --status FAILED "
            "--out jobs/\n"
            "  stacklog fetch --stack MyStack --out jobs/\n"
            "  stacklog fetch --watch 80045 --out jobs/\n\n"
            "exit status: 0 success, 1 a job or request failed, 2 bad usage or configuration"),
    )
    fetch.add_argument("job_ids", nargs="*", type=_job_id_arg, metavar="JOB_ID",
                       help="job ids to fetch (non-negative integers)")
    fetch.add_argument("--out", "-o", required=True, metavar="DIR",
                       help="folder for the job-<id>.json files (created if missing)")
    fetch.add_argument("--kind", choices=("stack", "service"), default="stack",
                       help="stack: Cloud Stack jobs (GET stack/job/{id}, the default); "
                            "service: service-instance jobs (GET job/{id})")

    conn = fetch.add_argument_group("connection")
    conn.add_argument("--domain", metavar="D",
                      help="identity domain (idcs-... or account name), also sent as the "
                           "X-ID-TENANT-NAME header (default: $STACKLOG_DOMAIN)")
    where = conn.add_mutually_exclusive_group()
    where.add_argument("--region", choices=sorted(REGIONS), metavar="R",
                       help=f"regional PSM host: {', '.join(REGIONS)} (default: "
                            "$STACKLOG_BASE_URL, else us)")
    where.add_argument("--base-url", metavar="URL",
                       help="any PSM base URL, e.g. https://psm-myacct.console.oraclecloud.com "
                            "(default: $STACKLOG_BASE_URL)")
    conn.add_argument("--user", "-u", metavar="U",
                      help="user name for HTTP Basic auth (default: $STACKLOG_USER or the "
                           "netrc login); the password comes from $STACKLOG_PASSWORD, netrc or "
                           "a prompt")
    conn.add_argument("--token-env", metavar="VAR",
                      help="read an OAuth bearer token from environment variable VAR instead "
                           "of using a password (STACKLOG_TOKEN is read without this option)")
    conn.add_argument("--no-prompt", action="store_true",
                      help="never prompt for a password, even on a terminal")
    conn.add_argument("--timeout", type=_positive_float, default=30.0, metavar="SECONDS",
                      help="read timeout of each request (connect timeout: 5 s; default: 30)")
    conn.add_argument("--retries", type=_non_negative_int, default=4, metavar="N",
                      help="retries on connection errors and HTTP 429/502/503/504, with "
                           "exponential backoff (default: 4)")
    conn.add_argument("--ca-bundle", metavar="PATH",
                      help="CA certificates to verify TLS with (verification is always on)")

    batch = fetch.add_argument_group("fetching job ids")
    batch.add_argument("--workers", "-j", type=_positive_int, default=DEFAULT_WORKERS,
                       metavar="N", help=f"concurrent requests (default: {DEFAULT_WORKERS})")
    batch.add_argument("--refresh", action="store_true",
                       help="fetch again jobs already saved in a final status")
    batch.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                       help="show a progress bar (default: on a terminal, for more than 20 "
                            "jobs)")

    listing = fetch.add_argument_group("listing jobs (every matching job is saved)")
    listing.add_argument("--filter", action="store_true",
                         help="list the identity domain's jobs (GET filter) with the options "
                              "below, paging through all of them")
    listing.add_argument("--from", dest="from_start", metavar="WHEN",
                         help="jobs started at or after WHEN (yyyy-mm-dd, or "
                              "yyyy-mm-ddTHH:MM:SS.sss+0000; UTC when no offset)")
    listing.add_argument("--to", dest="to_start", metavar="WHEN",
                         help="jobs started at or before WHEN (a bare date includes that whole "
                              "day)")
    listing.add_argument("--status", action="append", metavar="S",
                         help="only jobs in status S (NEW, RUNNING, SUCCEED, FAILED, WARN); "
                              "repeat for several")
    listing.add_argument("--operation-type", action="append", metavar="OP",
                         help="only operation OP (CREATE_SERVICE, BACKUP, ...); repeat for "
                              "several")
    listing.add_argument("--service-name", metavar="NAME", help="only jobs of service NAME")
    listing.add_argument("--order-by", metavar="FIELD:DIR",
                         help="server-side order, e.g. startDate:asc (default: newest first)")
    listing.add_argument("--page-size", type=_positive_int, default=50, metavar="N",
                         help="jobs asked per request when paging (default: 50)")
    listing.add_argument("--stack", metavar="NAME",
                         help="list every job of Cloud Stack NAME (GET stack/{name})")

    watch = fetch.add_argument_group("watching one job")
    watch.add_argument("--watch", type=_job_id_arg, metavar="JOB",
                       help="poll JOB until it reaches a final status, printing each new "
                            "message with the time its step took, then the final status and "
                            "total duration; the final body is saved to --out")
    watch.add_argument("--interval", type=_positive_float, default=2.0, metavar="SECONDS",
                       help="first wait between polls; doubles while nothing changes "
                            "(default: 2)")
    watch.add_argument("--max-interval", type=_positive_float, default=60.0, metavar="SECONDS",
                       help="longest wait between polls (default: 60)")
    fetch.set_defaults(func=cmd_fetch)

    fake = subparsers.add_parser(
        "serve-fake",
        help="serve a folder of jobs on 127.0.0.1 as a PSM-compatible API, for offline demos",
        description="Serve the jobs of FOLDER (*.json: single jobs, lists, or activityLogs "
                    "listings) on 127.0.0.1 with the PSM activity-log paths (stack/job/{id}, "
                    "job/{id}, message/{logId}, stack/{name}, filter), checking the demo "
                    "credentials and the X-ID-TENANT-NAME header. Prints the environment "
                    "variables to export so that 'stacklog fetch' talks to it. Runs until "
                    "Ctrl-C.",
    )
    fake.add_argument("folder", metavar="FOLDER", help="folder (or file) of job bodies")
    fake.add_argument("--port", type=_non_negative_int, default=0, metavar="N",
                      help="port on 127.0.0.1 (default: 0, any free port)")
    fake.add_argument("--domain", default="testdomain", metavar="D",
                      help="identity domain to accept (default: testdomain)")
    fake.add_argument("--user", default="user", metavar="U",
                      help="demo user name to accept (default: user)")
    fake.add_argument("--password", default="secret", metavar="P",
                      help="demo password to accept (default: secret); this is the fake "
                           "server's own credential, printed in the export lines")
    fake.add_argument("--token", metavar="T", help="also accept this bearer token")
    fake.add_argument("--page-mode", choices=("honour", "ignore"), default="honour",
                      help="honour: filter applies limit/offset; ignore: it ignores them and "
                           "returns at most --default-limit jobs (default: honour)")
    fake.add_argument("--default-limit", type=_positive_int, metavar="N",
                      help="rows of filter when no limit is asked (the cap in ignore mode)")
    fake.add_argument("--latency", type=float, default=0.0, metavar="SECONDS",
                      help="delay added to every answer (default: 0)")
    fake.set_defaults(func=cmd_serve_fake)


# --------------------------------------------------------------------------------------------
# fetch
# --------------------------------------------------------------------------------------------

def _make_client(args: argparse.Namespace) -> Any:
    from .api import PSMClient, _MissingCredentialsError

    token = None
    if args.token_env:
        token = os.environ.get(args.token_env)
        if not token:
            raise _UsageError(f"--token-env {args.token_env}: that environment variable is "
                              "not set or empty")
    options = dict(region=args.region, base_url=args.base_url, username=args.user, token=token,
                   timeout=(5.0, args.timeout), retries=args.retries,
                   verify=args.ca_bundle or True)
    try:
        return PSMClient(args.domain, **options)
    except _MissingCredentialsError as exc:
        no_domain = not (args.domain or os.environ.get("STACKLOG_DOMAIN"))
        if token or args.no_prompt or no_domain:
            raise _UsageError(str(exc)) from None
        if not (sys.stdin.isatty() and sys.stderr.isatty()):
            raise _UsageError(f"{exc} (no terminal to prompt for a password)") from None
    user = args.user or os.environ.get("STACKLOG_USER")
    if not user:
        user = input("PSM user name: ").strip()
    password = getpass.getpass(f"Password for {user}: ")
    if not user or not password:
        raise _UsageError("no user name or password given")
    options["username"] = user
    try:
        return PSMClient(args.domain, password=password, **options)
    except _MissingCredentialsError as exc:
        raise _UsageError(str(exc)) from None


class _UsageError(StacklogError):
    """Bad command-line usage or configuration (exit status 2)."""


def _check_modes(args: argparse.Namespace) -> str:
    modes = [name for name, on in (("job ids", bool(args.job_ids)), ("--filter", args.filter),
                                   ("--stack", args.stack is not None),
                                   ("--watch", args.watch is not None)) if on]
    if not modes:
        raise _UsageError("nothing to fetch: give job ids, --filter, --stack NAME or "
                          "--watch JOB (see stacklog fetch --help)")
    if len(modes) > 1:
        raise _UsageError(f"choose one of job ids, --filter, --stack, --watch (got "
                          f"{' and '.join(modes)})")
    filter_opts = [flag for flag, value in (
        ("--from", args.from_start), ("--to", args.to_start), ("--status", args.status),
        ("--operation-type", args.operation_type), ("--service-name", args.service_name),
        ("--order-by", args.order_by)) if value]
    if filter_opts and not args.filter:
        raise _UsageError(f"{', '.join(filter_opts)} only apply with --filter")
    if args.max_interval < args.interval:
        raise _UsageError("--max-interval must be at least --interval")
    return modes[0]


def cmd_fetch(args: argparse.Namespace) -> int:
    """Run ``stacklog fetch``; return the exit status."""
    try:
        mode = _check_modes(args)
        client = _make_client(args)
    except StacklogError as exc:  # bad usage or configuration (no domain, no credentials)
        _error(str(exc))
        return 2
    try:
        with client:
            if mode == "--watch":
                return _run_watch(client, args)
            if mode == "--filter":
                result = _run_filter(client, args)
            elif mode == "--stack":
                from .api import _save_listed_jobs

                jobs = client.list_stack_activity(args.stack)
                if not jobs:
                    print(f"no jobs listed for stack {args.stack!r}")
                result = _save_listed_jobs(jobs, args.out, refresh=args.refresh)
            else:
                from .api import fetch_jobs

                result = fetch_jobs(client, args.job_ids, args.out, kind=args.kind,
                                    workers=args.workers, progress=args.progress,
                                    refresh=args.refresh)
    except InputError as exc:
        option = _OPTION_OF_FIELD.get(exc.field)
        _error(f"{option}: {exc.reason}" if option else str(exc))
        return 2
    except StacklogError as exc:
        _error(str(exc))
        return 1
    except OSError as exc:
        _error(f"{exc}")
        return 1
    except KeyboardInterrupt:
        print(f"{_PROG}: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    for job_id, reason in result.failed.items():
        print(f"{_PROG}: job {job_id} failed: {reason}", file=sys.stderr)
    print(result.summary)
    return 1 if result.failed else 0


#: the command-line option behind each argument of the Python API, for error messages
_OPTION_OF_FIELD = {"from_start": "argument --from", "to_start": "argument --to",
                    "status": "argument --status", "operation_type": "argument --operation-type",
                    "service_name": "argument --service-name", "order_by": "argument --order-by",
                    "job_id": "argument JOB_ID"}


def _run_filter(client: Any, args: argparse.Namespace) -> Any:
    from .api import _save_listed_jobs

    jobs = client.list_activity(from_start=args.from_start, to_start=args.to_start,
                                status=args.status, operation_type=args.operation_type,
                                service_name=args.service_name, order_by=args.order_by,
                                page_size=args.page_size)
    return _save_listed_jobs(jobs, args.out, refresh=args.refresh)


def _seconds(delta: timedelta | None) -> str:
    if delta is None:
        return "?"
    return f"{delta.total_seconds():.3f} s"


def _when(moment: Any) -> str:
    if moment is None:
        return "(no time)".ljust(23)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def _run_watch(client: Any, args: argparse.Namespace) -> int:
    from pathlib import Path

    from .api import _write_job_file, watch_job

    last_status = None
    update = None
    for update in watch_job(client, args.watch, kind=args.kind, interval=args.interval,
                            max_interval=args.max_interval):
        job = update.job
        if update.poll == 1:
            what = " ".join(str(job.get(k)) for k in ("operationType", "serviceName")
                            if job.get(k))
            print(f"job {update.job_id}{' (' + what + ')' if what else ''}: "
                  f"{update.status}", flush=True)
        elif update.status != last_status:
            print(f"status: {update.status}", flush=True)
        last_status = update.status
        for step in update.new_messages:
            print(f"  {_when(step.activity_date)}  {_seconds(step.step):>12}  {step.message}",
                  flush=True)
    assert update is not None
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    path = _write_job_file(folder, update.job_id, update.job)
    print(f"job {update.job_id} {update.status}: total {_seconds(update.duration)} "
          f"-> {path}")
    return 0


# --------------------------------------------------------------------------------------------
# serve-fake
# --------------------------------------------------------------------------------------------

def cmd_serve_fake(args: argparse.Namespace) -> int:
    """Run ``stacklog serve-fake`` in the foreground until Ctrl-C; return the exit status."""
    from .testing import FakePSM

    try:
        psm = FakePSM(args.folder, identity_domain=args.domain, username=args.user,
                      password=args.password, token=args.token, page_mode=args.page_mode,
                      default_limit=args.default_limit, port=args.port)
    except StacklogError as exc:
        _error(str(exc))
        return 2
    if args.latency > 0:
        psm.latency(args.latency)
    stop = threading.Event()
    try:
        psm.start()
    except OSError as exc:
        _error(f"cannot listen on 127.0.0.1:{args.port}: {exc}")
        return 1
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        print(f"fake PSM serving {len(psm.jobs)} jobs from {args.folder} at {psm.base_url}")
        print("point stacklog at it with:")
        print(f"  export STACKLOG_BASE_URL={shlex.quote(psm.base_url)}")
        print(f"  export STACKLOG_DOMAIN={shlex.quote(args.domain)}")
        print(f"  export STACKLOG_USER={shlex.quote(args.user)}")
        print(f"  export STACKLOG_PASSWORD={shlex.quote(args.password)}")
        if args.token:
            print(f"  (or: export STACKLOG_TOKEN={shlex.quote(args.token)})")
        print("press Ctrl-C to stop", flush=True)
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        psm.stop()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    print("stopped", flush=True)
    return 0
