"""A PSM-compatible HTTP server over a folder of jobs, with fault injection.

:class:`FakePSM` serves job bodies on the five activity-log paths of the PSM REST API on
127.0.0.1 (a random free port by default), checks HTTP Basic or bearer credentials and the
``X-ID-TENANT-NAME`` header, and can inject latency, throttling, error bursts, dropped
connections, HTML login pages, truncated bodies, redirects and jobs that progress from
RUNNING to SUCCEED over successive polls. It uses only the standard library.

>>> with FakePSM("data/sample") as psm:                       # doctest: +SKIP
...     client = PSMClient(psm.identity_domain, base_url=psm.base_url,
...                        username=psm.username, password=psm.password)
...     client.get_stack_job(80045)

:func:`make_jobs` builds synthetic job bodies for tests and benchmarks.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import hmac
import logging
import os
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

import orjson

from ._schema import canonical_status
from .errors import InputError, StacklogError

__all__ = [
    "API_ROOT",
    "FAULT_KINDS",
    "FakePSM",
    "Fault",
    "RequestRecord",
    "http_date",
    "make_jobs",
]

log = logging.getLogger(__name__)

API_ROOT = "/paas/api/v1.1/activitylog"
FAULT_KINDS = ("latency", "status", "drop", "html", "truncate", "redirect")
_UTC = timezone.utc
_DIGITS = re.compile(r"[0-9]{1,30}")

LOGIN_PAGE = b"""<!DOCTYPE html>
<html><head><title>Oracle Cloud Account Sign In</title></head>
<body><form action="/oam/server/auth_cred_submit" method="post">
<h1>Sign In</h1><p>Enter your cloud account details.</p>
<input name="username"><input name="password" type="password"></form></body></html>
"""


# --------------------------------------------------------------------------------------------
# faults and request records
# --------------------------------------------------------------------------------------------

@dataclass
class Fault:
    """One programmed misbehaviour of :class:`FakePSM`.

    Parameters
    ----------
    kind : {"latency", "status", "drop", "html", "truncate", "redirect"}
        ``latency`` delays the answer by ``seconds``; ``status`` answers ``status`` (with
        ``retry_after`` as the ``Retry-After`` header and ``body`` if given); ``drop`` closes the
        connection without an answer; ``html`` answers 200 with an HTML login page; ``truncate``
        answers 200 with the first half of the JSON body (``cut=False``: Content-Length matches
        the half; ``cut=True``: Content-Length announces the whole body and the connection is
        closed mid-body); ``redirect`` answers 302 to ``location`` + the request path and query.
    path : str
        A glob matched against the path after ``/paas/api/v1.1/activitylog/<domain>/``, e.g.
        ``"stack/job/*"``, ``"filter"``; ``"*"`` (default) matches every request.
    job_ids : iterable of int, optional
        Only requests whose last path segment is one of these ids.
    count : int, optional
        Fire for this many matching requests, then stop; None fires forever.

    Attributes
    ----------
    hits : int
        How many requests this fault has affected (counted by the server).
    """

    kind: str
    path: str = "*"
    job_ids: frozenset[int] | None = None
    count: int | None = None
    seconds: float = 0.0
    status: int = 503
    retry_after: str | None = None
    body: Any = None
    content_type: str | None = None
    location: str | None = None
    cut: bool = False
    hits: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise StacklogError(f"unknown fault kind {self.kind!r}; known: {FAULT_KINDS}")
        if self.job_ids is not None:
            self.job_ids = frozenset(int(i) for i in self.job_ids)
        if self.kind == "redirect" and not self.location:
            raise StacklogError("a redirect fault needs location=")
        if self.retry_after is not None:
            self.retry_after = str(self.retry_after)

    def matches(self, rel_path: str) -> bool:
        if self.count is not None and self.hits >= self.count:
            return False
        if not fnmatch.fnmatchcase(rel_path, self.path):
            return False
        if self.job_ids is not None:
            last = rel_path.rsplit("/", 1)[-1]
            return bool(_DIGITS.fullmatch(last)) and int(last) in self.job_ids
        return True


class RequestRecord(NamedTuple):
    """One request received by :class:`FakePSM` (credentials are not recorded)."""

    method: str
    path: str
    query: dict[str, list[str]]
    auth_scheme: str | None  # "Basic", "Bearer", another word, or None when absent
    tenant: str | None  # the X-ID-TENANT-NAME header
    status: int | None  # the status answered; None for a dropped connection


class _Advance:
    __slots__ = ("polls", "steps")

    def __init__(self, steps: list[int]):
        self.steps = steps
        self.polls = 0


# --------------------------------------------------------------------------------------------
# loading jobs
# --------------------------------------------------------------------------------------------

def _jobs_in(obj: Any, source: str) -> list[dict]:
    if isinstance(obj, dict) and isinstance(obj.get("activityLogs"), list):
        obj = obj["activityLogs"]
    if isinstance(obj, dict):
        obj = [obj]
    if not isinstance(obj, list):
        raise InputError(source, "json", "expected a job, a list of jobs or "
                         "{\"activityLogs\": [...]}")
    jobs = []
    for item in obj:
        if not isinstance(item, dict):
            raise InputError(source, "json", "a list item is not a job object")
        jobs.append(item)
    return jobs


def _job_id(job: Mapping, source: str) -> int:
    raw = job.get("jobId")
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0:
        return raw
    if isinstance(raw, str) and _DIGITS.fullmatch(raw.strip()):
        return int(raw.strip())
    raise InputError(source, "jobId", f"{raw!r} is not a non-negative integer")


def _parse_ts(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[-1:] in "Zz":
        text = text[:-1] + "+00:00"
    if re.search(r"[T ]\d", text):
        text = re.sub(r"([+-]\d\d):?(\d\d)$", r"\1:\2", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=_UTC)).astimezone(_UTC)


def _format_ts(moment: datetime) -> str:
    moment = moment.astimezone(_UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


# --------------------------------------------------------------------------------------------
# the HTTP side
# --------------------------------------------------------------------------------------------

class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    psm: FakePSM

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("FakePSM: error while handling a request from %s", client_address,
                  exc_info=True)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakePSM/1.0"
    timeout = 30  # seconds an idle keep-alive connection stays open
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.psm._opened(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.psm._closed(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("FakePSM %s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self.server.psm._handle(self)

    def _not_allowed(self) -> None:
        self.server.psm._handle(self)

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed


# --------------------------------------------------------------------------------------------
# the fake service
# --------------------------------------------------------------------------------------------

class FakePSM:
    """A PSM activity-log server on 127.0.0.1, serving job bodies from a folder or a list.

    Parameters
    ----------
    folder_or_jobs : path or iterable of dict
        A folder (every ``*.json`` below it), a single JSON file, or job dicts. Files may hold a
        single job, a list of jobs, or ``{"activityLogs": [...]}``.
    identity_domain : str
        The only identity domain accepted in paths and in ``X-ID-TENANT-NAME``.
    username, password : str
        Accepted HTTP Basic credentials (``password=None`` disables Basic auth).
    token : str, optional
        Accepted bearer token.
    page_mode : {"honour", "ignore"}
        ``honour``: ``filter`` applies ``limit``/``offset`` (``default_limit`` when no limit is
        given). ``ignore``: both are ignored and at most ``default_limit`` jobs (the first in
        the requested order: newest first by default) are returned, so a client must narrow
        date windows to see everything.
    default_limit : int, optional
    faults : iterable of Fault or dict, optional
        Faults active from the start (see :meth:`add_fault`).
    port : int
        0 (default) picks a free port.

    Attributes
    ----------
    base_url : str
        ``http://127.0.0.1:<port>`` once started.
    request_count : int
        Requests received, faults included.
    max_concurrent_connections : int
        Peak number of simultaneously open client connections.
    max_concurrent_requests : int
        Peak number of requests being handled at the same time.
    """

    def __init__(self, folder_or_jobs: str | os.PathLike | Iterable[Mapping] = (), *,
                 identity_domain: str = "testdomain", username: str = "user",
                 password: str | None = "secret", token: str | None = None,
                 page_mode: str = "honour", default_limit: int | None = None,
                 faults: Iterable[Fault | Mapping] | None = None, port: int = 0):
        if page_mode not in ("honour", "ignore"):
            raise StacklogError(f"page_mode must be 'honour' or 'ignore', not {page_mode!r}")
        if default_limit is not None and default_limit < 1:
            raise StacklogError("default_limit must be a positive integer")
        self.identity_domain = identity_domain
        self.username = username
        self.password = password
        self.token = token
        self.page_mode = page_mode
        self.default_limit = default_limit
        self.port = port
        self._lock = threading.RLock()
        self._idle = threading.Condition(self._lock)
        self.jobs: dict[int, dict] = {}
        self._starts: dict[int, datetime | None] = {}
        self._advancing: dict[int, _Advance] = {}
        self._faults: list[Fault] = []
        self._records: list[RequestRecord] = []
        self._open: set[socket.socket] = set()
        self.request_count = 0
        self.connection_count = 0
        self.max_concurrent_connections = 0
        self.max_concurrent_requests = 0
        self._in_flight = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if isinstance(folder_or_jobs, (str, os.PathLike)):
            self.load(folder_or_jobs)
        else:
            self.add_jobs(folder_or_jobs)
        for spec in faults or ():
            self.add_fault(spec)

    # -- jobs --------------------------------------------------------------------------------

    def load(self, path: str | os.PathLike) -> int:
        """Add the jobs of a JSON file, or of every ``*.json`` file below a folder; return
        how many were added. A later copy of a job id replaces an earlier one."""
        root = Path(path)
        if root.is_dir():
            files = sorted(p for p in root.rglob("*.json") if p.is_file())
        elif root.is_file():
            files = [root]
        else:
            raise InputError(str(root), "file", "no such file or folder")
        added = 0
        for file in files:
            try:
                data = orjson.loads(file.read_bytes())
            except (OSError, orjson.JSONDecodeError) as exc:
                raise InputError(str(file), "json", f"cannot read: {exc}") from None
            added += self.add_jobs(_jobs_in(data, str(file)), source=str(file))
        return added

    def add_jobs(self, jobs: Iterable[Mapping], *, source: str = "inline") -> int:
        """Add job bodies (dicts); return how many."""
        count = 0
        with self._lock:
            for job in jobs:
                job = dict(job)
                job_id = _job_id(job, source)
                self.jobs[job_id] = job
                self._starts[job_id] = _parse_ts(job.get("startDate"))
                count += 1
        return count

    def advance(self, job_id: int, steps: Iterable[int] | None = None) -> None:
        """Make a job progress over successive polls of ``stack/job``, ``job`` or ``message``.

        Poll *k* (1-based) serves the first ``steps[k-1]`` messages with status RUNNING (NEW
        when no message) and no ``endDate``; every poll after the last step serves the full
        body with its own (final) status. The default, ``range(1, n)`` for *n* messages, adds
        one message per poll. Listings (``filter``, ``stack/{name}``) show the current state
        without counting as a poll.
        """
        job_id = int(job_id)
        with self._lock:
            job = self.jobs[job_id]
            total = len(job.get("messages") or [])
            plan = list(range(1, total)) if steps is None else [int(k) for k in steps]
            if any(k < 0 or k > total for k in plan):
                raise StacklogError(f"steps must be between 0 and {total} messages")
            self._advancing[job_id] = _Advance(plan)

    def polls(self, job_id: int) -> int:
        """How many times an advancing job has been polled."""
        with self._lock:
            state = self._advancing.get(int(job_id))
            return 0 if state is None else state.polls

    def _view(self, job_id: int, *, poll: bool) -> dict:
        job = self.jobs[job_id]
        state = self._advancing.get(job_id)
        if state is None:
            return job
        if poll:
            state.polls += 1
            number = state.polls
        else:
            number = max(state.polls, 1)
        if number > len(state.steps):
            return job
        shown = state.steps[number - 1]
        partial = {k: v for k, v in job.items() if k != "endDate"}
        partial["messages"] = list((job.get("messages") or [])[:shown])
        partial["status"] = "RUNNING" if shown else "NEW"
        return partial

    # -- faults ------------------------------------------------------------------------------

    def add_fault(self, fault: Fault | Mapping | str, **options: Any) -> Fault:
        """Add a fault: a :class:`Fault`, a dict of its fields, or a kind plus keywords.
        Faults are checked in the order added; latencies add up, and the first other matching
        fault answers the request. Returns the fault (its ``hits`` count the requests hit)."""
        if isinstance(fault, str):
            fault = Fault(fault, **options)
        elif isinstance(fault, Mapping):
            fault = Fault(**{**fault, **options})
        with self._lock:
            self._faults.append(fault)
        return fault

    def latency(self, seconds: float, **match: Any) -> Fault:
        """Delay every matching answer by ``seconds``."""
        return self.add_fault("latency", seconds=seconds, **match)

    def error(self, status: int = 503, count: int | None = 1, *, retry_after: Any = None,
              body: Any = None, **match: Any) -> Fault:
        """Answer the next ``count`` matching requests with ``status`` (a burst of 503s)."""
        return self.add_fault("status", status=status, count=count, retry_after=retry_after,
                              body=body, **match)

    def throttle(self, retry_after: Any = "1", count: int | None = 1, **match: Any) -> Fault:
        """Answer 429 with ``Retry-After: retry_after`` (seconds, an HTTP date, or junk)."""
        return self.error(429, count, retry_after=retry_after, **match)

    def drop(self, count: int | None = 1, **match: Any) -> Fault:
        """Close the connection without an answer."""
        return self.add_fault("drop", count=count, **match)

    def html(self, count: int | None = 1, **match: Any) -> Fault:
        """Answer 200 with an HTML sign-in page."""
        return self.add_fault("html", count=count, **match)

    def truncate(self, count: int | None = 1, *, cut: bool = False, **match: Any) -> Fault:
        """Answer 200 with half of the JSON body (``cut=True``: close the connection mid-body)."""
        return self.add_fault("truncate", count=count, cut=cut, **match)

    def redirect(self, location: str, count: int | None = None, **match: Any) -> Fault:
        """Answer 302 to ``location`` followed by the request's own path and query."""
        return self.add_fault("redirect", location=location, count=count, **match)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise StacklogError("the FakePSM server is not running; use start() or 'with'")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, *segments: str) -> str:
        """The full URL of an activity-log path, e.g. ``psm.url("stack", "job", "80045")``."""
        tail = "/".join(urllib.parse.quote(str(s), safe="") for s in segments)
        return f"{self.base_url}{API_ROOT}/{self.identity_domain}/{tail}"

    def start(self) -> FakePSM:
        """Start serving in a daemon thread; return self."""
        if self._server is not None:
            return self
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.psm = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"FakePSM:{server.server_address[1]}", daemon=True)
        self._thread.start()
        log.debug("FakePSM serving %d jobs at %s", len(self.jobs), self.base_url)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close open connections and wait for handlers to finish."""
        server = self._server
        if server is None:
            return
        server.shutdown()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout)
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._open and time.monotonic() < deadline:
                self._idle.wait(0.05)
        self._server = None
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread's lifetime until KeyboardInterrupt (for demos)."""
        self.start()
        try:
            while True:
                time.sleep(3600)
        finally:
            self.stop()

    def __enter__(self) -> FakePSM:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.base_url if self._server is not None else "not running"
        return (f"FakePSM({where}, identity_domain={self.identity_domain!r}, "
                f"jobs={len(self.jobs)}, page_mode={self.page_mode!r})")

    # -- statistics --------------------------------------------------------------------------

    @property
    def records(self) -> list[RequestRecord]:
        """Every request received, in arrival order (a copy)."""
        with self._lock:
            return list(self._records)

    @property
    def requests(self) -> list[tuple[str, str, dict[str, list[str]]]]:
        """``(method, path, query)`` of every request received, in arrival order."""
        with self._lock:
            return [(r.method, r.path, r.query) for r in self._records]

    def count(self, pattern: str = "*") -> int:
        """Requests whose path after the domain matches the glob ``pattern``."""
        prefix = f"{API_ROOT}/{self.identity_domain}/"
        with self._lock:
            paths = [r.path for r in self._records]
        return sum(fnmatch.fnmatchcase(p.removeprefix(prefix), pattern)
                   for p in paths)

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def reset_stats(self) -> None:
        """Forget recorded requests and reset the counters (peaks restart from now)."""
        with self._lock:
            self._records.clear()
            self.request_count = 0
            self.connection_count = 0
            self.max_concurrent_connections = len(self._open)
            self.max_concurrent_requests = self._in_flight

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no client connection is open; return whether that happened."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._open and time.monotonic() < deadline:
                self._idle.wait(0.02)
            return not self._open

    def _opened(self, sock: socket.socket) -> None:
        with self._lock:
            self._open.add(sock)
            self.connection_count += 1
            self.max_concurrent_connections = max(self.max_concurrent_connections,
                                                  len(self._open))

    def _closed(self, sock: socket.socket) -> None:
        with self._idle:
            self._open.discard(sock)
            self._idle.notify_all()

    # -- request handling --------------------------------------------------------------------

    def _handle(self, h: _Handler) -> None:
        split = urllib.parse.urlsplit(h.path)
        path = split.path
        query = urllib.parse.parse_qs(split.query, keep_blank_values=True)
        auth = h.headers.get("Authorization")
        scheme = auth.split(None, 1)[0] if auth and auth.strip() else None
        tenant = h.headers.get("X-ID-TENANT-NAME")
        prefix = f"{API_ROOT}/{self.identity_domain}/"
        rel = path[len(prefix):] if path.startswith(prefix) else path.lstrip("/")
        h._stacklog_pending = RequestRecord(h.command, path, query, scheme, tenant, None)
        with self._lock:
            self.request_count += 1
            self._in_flight += 1
            self.max_concurrent_requests = max(self.max_concurrent_requests, self._in_flight)
            delay = 0.0
            action: Fault | None = None
            for fault in self._faults:
                if not fault.matches(rel):
                    continue
                if fault.kind == "latency":
                    fault.hits += 1
                    delay += fault.seconds
                elif action is None:
                    fault.hits += 1
                    action = fault
        status: int | None = None
        try:
            if delay > 0:
                time.sleep(delay)
            if action is not None and action.kind in ("drop", "status", "html", "redirect"):
                status = self._fault_answer(h, action)
            else:
                status, payload = self._route(h.command, path, rel, query, auth, tenant)
                if action is not None and action.kind == "truncate" and status == 200:
                    status = self._truncated(h, payload, cut=action.cut)
                elif isinstance(payload, bytes):
                    self._send(h, status, payload, "text/plain; charset=utf-8")
                else:
                    extra = {"WWW-Authenticate": 'Basic realm="PSM"'} if status == 401 else None
                    self._send(h, status, orjson.dumps(payload), "application/json", extra)
        except (BrokenPipeError, ConnectionResetError):
            h.close_connection = True
        except Exception:  # a bug here must still answer the client
            log.exception("FakePSM: error handling %s", path)
            status = 500
            try:
                self._send(h, 500, b'{"message": "internal error in FakePSM"}',
                           "application/json")
            except OSError:
                h.close_connection = True
        finally:
            self._commit(h, status)
            with self._lock:
                self._in_flight -= 1

    def _commit(self, h: _Handler, status: int | None) -> None:
        """Record the request once, before its answer leaves (so a client that has its answer
        always finds the request in :attr:`records`)."""
        pending = getattr(h, "_stacklog_pending", None)
        if pending is None:
            return
        h._stacklog_pending = None
        with self._lock:
            self._records.append(pending._replace(status=status))

    def _send(self, h: _Handler, status: int, body: bytes, content_type: str,
              headers: Mapping[str, str] | None = None) -> None:
        self._commit(h, status)
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()

    def _fault_answer(self, h: _Handler, fault: Fault) -> int | None:
        if fault.kind == "drop":
            self._commit(h, None)
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return None
        if fault.kind == "html":
            self._send(h, 200, LOGIN_PAGE, "text/html; charset=utf-8")
            return 200
        if fault.kind == "redirect":
            target = fault.location.rstrip("/") + h.path  # type: ignore[union-attr]
            self._send(h, 302, b"", "text/plain", {"Location": target})
            return 302
        body = fault.body
        if body is None:
            body = {"status": str(fault.status), "message": _REASONS.get(fault.status, "Error"),
                    "detail": f"injected fault: HTTP {fault.status}"}
        headers = {}
        if fault.retry_after is not None:
            headers["Retry-After"] = fault.retry_after
        if isinstance(body, (bytes, str)):
            data = body.encode("utf-8") if isinstance(body, str) else body
            self._send(h, fault.status, data, fault.content_type or "text/plain; charset=utf-8",
                       headers)
        else:
            self._send(h, fault.status, orjson.dumps(body),
                       fault.content_type or "application/json", headers)
        return fault.status

    def _truncated(self, h: _Handler, payload: Any, *, cut: bool) -> int:
        data = orjson.dumps(payload)
        half = data[: max(1, len(data) // 2)]
        self._commit(h, 200)
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data) if cut else len(half)))
        if cut:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(half)
        h.wfile.flush()
        if cut:
            h.close_connection = True
            try:
                h.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return 200

    def _check_auth(self, auth: str | None, tenant: str | None, domain: str
                    ) -> tuple[int, Any] | None:
        ok = False
        if auth:
            scheme, _, value = auth.strip().partition(" ")
            value = value.strip()
            if scheme.lower() == "basic" and self.password is not None:
                try:
                    decoded = base64.b64decode(value, validate=True).decode("utf-8")
                    user, _, pw = decoded.partition(":")
                except (binascii.Error, UnicodeDecodeError):
                    user, pw = "", ""
                ok = (hmac.compare_digest(user.encode(), self.username.encode())
                      and hmac.compare_digest(pw.encode(), self.password.encode()))
            elif scheme.lower() == "bearer" and self.token:
                ok = hmac.compare_digest(value.encode(), self.token.encode())
        if not ok:
            return 401, {"status": "401", "message": "Unauthorized",
                         "detail": "Authentication failed: missing or invalid credentials"}
        if tenant is None:
            return 403, b"Forbidden: the X-ID-TENANT-NAME header is missing"
        if tenant != self.identity_domain or domain != self.identity_domain:
            return 403, (f"Forbidden: identity domain {tenant!r} in X-ID-TENANT-NAME and "
                         f"{domain!r} in the path do not match this account").encode()
        return None

    def _route(self, method: str, path: str, rel: str, query: dict[str, list[str]],
               auth: str | None, tenant: str | None) -> tuple[int, Any]:
        if not path.startswith(API_ROOT + "/"):
            return 404, {"message": "Not Found", "detail": f"no resource at {path}"}
        raw = path[len(API_ROOT) + 1:].split("/")
        segments = [urllib.parse.unquote(s) for s in raw]
        domain, rest = segments[0], segments[1:]
        denied = self._check_auth(auth, tenant, domain)
        if denied is not None:
            return denied
        if method != "GET":
            return 405, {"message": "Method Not Allowed", "detail": f"{method} is not supported"}
        with self._lock:
            if (len(rest) == 3 and rest[:2] == ["stack", "job"]) or (
                    len(rest) == 2 and rest[0] in ("job", "message")):
                key = rest[-1]
                if not _DIGITS.fullmatch(key):
                    return 400, {"message": "Bad Request",
                                 "detail": f"invalid id {key!r}: expected a number"}
                number = int(key)
                if rest[0] == "message":
                    matches = [jid for jid, job in self.jobs.items()
                               if str(job.get("activityLogId")) == str(number)]
                    if not matches:
                        return 404, {"message": "Not Found",
                                     "detail": f"activity log {number} does not exist"}
                    return 200, self._view(matches[0], poll=True)
                if number not in self.jobs:
                    return 404, {"message": "Not Found",
                                 "detail": f"activity log for job {number} does not exist"}
                return 200, self._view(number, poll=True)
            if len(rest) == 2 and rest[0] == "stack" and rest[1]:
                jobs = [jid for jid, job in self.jobs.items() if job.get("serviceName") == rest[1]]
                jobs.sort(key=self._newest_first)
                return 200, {"activityLogs": [self._view(jid, poll=False) for jid in jobs]}
            if rest == ["filter"]:
                return self._filter(query)
        return 404, {"message": "Not Found", "detail": f"no resource at {path}"}

    def _newest_first(self, job_id: int) -> tuple:
        start = self._starts.get(job_id)
        return (start is None, -(start.timestamp() if start else 0), -job_id)

    def _filter(self, query: dict[str, list[str]]) -> tuple[int, Any]:
        def one(name: str) -> str | None:
            values = query.get(name)
            return values[-1] if values else None

        bounds = {}
        for name in ("fromStartDate", "toStartDate"):
            text = one(name)
            if text is None or text == "":
                bounds[name] = None
                continue
            moment = _parse_ts(text)
            if moment is None:
                return 400, {"message": "Bad Request",
                             "detail": f"invalid {name} {text!r}: use yyyy-MM-dd, "
                                       "yyyy-MM-dd'T'HH:mm:ss.SSSZ or yyyy-MM-dd HH:mm:ss"}
            bounds[name] = moment
        statuses = {canonical_status(s.strip()) for v in query.get("status", [])
                    for s in v.split(",") if s.strip()}
        operations = {s.strip().upper() for v in query.get("operationType", [])
                      for s in v.split(",") if s.strip()}
        service = one("serviceName")
        ids = []
        for job_id in self.jobs:
            view = self._view(job_id, poll=False)
            start = self._starts.get(job_id)
            if bounds["fromStartDate"] and (start is None or start < bounds["fromStartDate"]):
                continue
            if bounds["toStartDate"] and (start is None or start > bounds["toStartDate"]):
                continue
            if statuses and canonical_status(view.get("status")) not in statuses:
                continue
            if operations and str(view.get("operationType", "")).upper() not in operations:
                continue
            if service is not None and view.get("serviceName") != service:
                continue
            ids.append(job_id)
        order = one("orderBy")
        if order:
            name, _, direction = order.partition(":")
            direction = (direction or "asc").lower()
            if not name or direction not in ("asc", "desc"):
                return 400, {"message": "Bad Request",
                             "detail": f"invalid orderBy {order!r}: use field:asc or field:desc"}
            ids = self._sorted(ids, name, descending=direction == "desc")
        else:
            ids.sort(key=self._newest_first)
        if self.page_mode == "honour":
            try:
                limit = int(one("limit")) if one("limit") else self.default_limit
                offset = int(one("offset") or 0)
                if (limit is not None and limit < 0) or offset < 0:
                    raise ValueError
            except ValueError:
                return 400, {"message": "Bad Request",
                             "detail": "limit and offset must be non-negative integers"}
            ids = ids[offset:] if limit is None else ids[offset:offset + limit]
        elif self.default_limit is not None:
            ids = ids[: self.default_limit]
        return 200, {"activityLogs": [self._view(jid, poll=False) for jid in ids]}

    def _sorted(self, ids: list[int], name: str, *, descending: bool) -> list[int]:
        def key(job_id: int) -> tuple:
            if name in ("startDate", "endDate"):
                value: Any = _parse_ts(self.jobs[job_id].get(name))
                value = None if value is None else value.timestamp()
            else:
                value = self.jobs[job_id].get(name)
            if isinstance(value, bool) or value is None:
                return (1, 0, "")
            if isinstance(value, (int, float)):
                return (0, value, "")
            return (0, 0, str(value))

        present = [i for i in ids if key(i)[0] == 0]
        missing = [i for i in ids if key(i)[0] == 1]
        present.sort(key=lambda i: (key(i)[1:], i), reverse=descending)
        return present + missing


_REASONS = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
            429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
            503: "Service Unavailable", 504: "Gateway Timeout"}


def http_date(moment: datetime) -> str:
    """An aware datetime as an HTTP date (for ``Retry-After``)."""
    return format_datetime(moment.astimezone(_UTC), usegmt=True)


# --------------------------------------------------------------------------------------------
# synthetic jobs
# --------------------------------------------------------------------------------------------

_STEPS = ("Stack provisioning request accepted", "Initializing stack {name}",
          "Preparing to create service {name}", "Successfully created ACCS Service {name}-App",
          "Completed configuring stack {name}")


def make_jobs(n: int, *, first_id: int = 100_000, start: datetime | None = None,
              spacing: timedelta = timedelta(minutes=7), status: str = "SUCCEED",
              identity_domain: str = "testdomain", messages: int = 5) -> list[dict]:
    """``n`` synthetic Cloud Stack job bodies shaped like the real ones.

    Job ``i`` has ``jobId = first_id + i``, ``activityLogId = 50_000 + first_id + i``, stack name
    ``stack<i>``, and starts ``i * spacing`` after ``start`` (default 2026-08-01 00:00 UTC).
    Messages are ``messages`` steps, the gap before step ``k`` being ``k`` seconds plus
    ``i % 1000`` milliseconds; final jobs (SUCCEED, FAILED, WARN) get an ``endDate`` equal to the
    last message.
    """
    base = start or datetime(2026, 8, 1, tzinfo=_UTC)
    if base.tzinfo is None:
        base = base.replace(tzinfo=_UTC)
    final = canonical_status(status) in ("SUCCEED", "FAILED", "WARN")
    jobs = []
    for i in range(n):
        job_id = first_id + i
        name = f"stack{i}"
        begin = base + i * spacing
        moment = begin
        items = []
        for k in range(messages):
            moment = moment + timedelta(seconds=k, milliseconds=i % 1000)
            items.append({"activityDate": _format_ts(moment),
                          "message": _STEPS[k % len(_STEPS)].format(name=name)})
        job = {
            "activityLogId": 50_000 + job_id,
            "serviceName": name,
            "serviceType": "cloudstack",
            "identityDomain": identity_domain,
            "serviceId": 7000 + i,
            "jobId": job_id,
            "startDate": _format_ts(begin),
            "status": status,
            "operationId": 7000 + i,
            "operationType": "CREATE_SERVICE",
            "summaryMessage": "CREATE_SERVICE",
            "authDomain": identity_domain,
            "authUser": "demo.user",
            "initiatedBy": "USER",
            "messages": items,
        }
        if final:
            job["endDate"] = _format_ts(moment)
        jobs.append(job)
    return jobs
