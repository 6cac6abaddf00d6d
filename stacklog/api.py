"""Fetch PSM activity-log jobs over HTTP: :class:`PSMClient`, :func:`fetch_jobs`, :func:`watch_job`.

This is the only stacklog module that talks to the network. Everything downstream reads the
raw JSON files that :func:`fetch_jobs` writes (one ``job-<id>.json`` per job).

Every request has a connect and read timeout; idempotent GETs are retried with exponential
backoff and jitter on connection errors and on HTTP 429, 502, 503 and 504 (honouring
``Retry-After``), never on 400, 401, 403 or 404. Failures raise the
:class:`~stacklog.errors.APIError` family with the HTTP status, the URL without credentials and
the server's message. Passwords, tokens and ``Authorization`` header values never appear in a
repr, a log record, an exception or a saved file.
"""

from __future__ import annotations

import base64
import email.utils
import logging
import math
import netrc
import numbers
import os
import random
import re
import secrets
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
import requests
from requests.adapters import HTTPAdapter

from ._schema import FINAL_STATUSES, canonical_status
from .errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    InputError,
    NotFoundError,
    ServerError,
    StacklogError,
    TransportError,
    UnexpectedResponseError,
)

__all__ = [
    "DEFAULT_WORKERS",
    "REGIONS",
    "FetchResult",
    "MessageStep",
    "PSMClient",
    "WatchUpdate",
    "fetch_jobs",
    "watch_job",
]

log = logging.getLogger(__name__)

#: Region names (as the vendor CLI spells them) -> PSM base URL.
REGIONS: dict[str, str] = {
    "us": "https://psm.us.oraclecloud.com",
    "emea": "https://psm.europe.oraclecloud.com",
    "europe": "https://psm.europe.oraclecloud.com",
    "aucom": "https://psm.aucom.oraclecloud.com",
    "brcom-central-1": "https://psm.brcom-central-1.oraclecloud.com",
}
DEFAULT_REGION = "us"

#: Every activity-log path starts with this, then the identity domain.
API_ROOT = "/paas/api/v1.1/activitylog"

#: Default number of concurrent requests in :func:`fetch_jobs`. Fetching is bound by network
#: latency, not CPU: 16 requests in flight give a >10x speed-up over one at a time at 50 ms per
#: request while staying a modest load for a shared regional endpoint.
DEFAULT_WORKERS = 16

#: HTTP statuses that are retried (GET only): throttling and gateway/unavailable errors.
RETRY_STATUSES = frozenset({429, 502, 503, 504})

#: Environment variables read by :class:`PSMClient` when an argument is not given.
ENV_USER = "STACKLOG_USER"
ENV_PASSWORD = "STACKLOG_PASSWORD"
ENV_TOKEN = "STACKLOG_TOKEN"
ENV_DOMAIN = "STACKLOG_DOMAIN"
ENV_BASE_URL = "STACKLOG_BASE_URL"

_DOMAIN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_DIGITS_RE = re.compile(r"[0-9]{1,30}")
_EXCERPT = 200
_UTC = timezone.utc


# --------------------------------------------------------------------------------------------
# utilities
# --------------------------------------------------------------------------------------------

def _short_repr(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_id(value: object, name: str = "job_id") -> int:
    """Return ``value`` as a non-negative int; accept ints and strings of ASCII digits only."""
    if isinstance(value, bool):
        pass
    elif isinstance(value, numbers.Integral):
        if int(value) >= 0:
            return int(value)
    elif isinstance(value, str) and _DIGITS_RE.fullmatch(value.strip()):
        return int(value.strip())
    raise InputError("argument", name, f"{_short_repr(value)} is not a non-negative integer")


def _job_file_name(job_id: int) -> str:
    return f"job-{job_id}.json"


def _strip_userinfo(url: str) -> str:
    """The URL without ``user:password@`` (the query string is kept)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _excerpt(text: str, limit: int = _EXCERPT) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_TAG_RE = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.DOTALL | re.IGNORECASE)
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.DOTALL | re.IGNORECASE)


def _body_excerpt(body: bytes, content_type: str = "") -> str:
    """A short, single-line excerpt of a body: HTML tags removed, whitespace collapsed."""
    text = body[:20_000].decode("utf-8", "replace")
    if "html" in content_type.lower() or text.lstrip()[:1] == "<":
        title = _TITLE_RE.search(text)
        stripped = _TAG_RE.sub(" ", text)
        if title:
            head = " ".join(title.group(1).split())
            stripped = stripped.replace(title.group(1), " ", 1)
            text = f"{head}: {stripped}" if head else stripped
        else:
            text = stripped
    return _excerpt(text)


_MESSAGE_KEYS = ("message", "detail", "details", "title", "error", "errorMessage",
                 "error_description", "o:errorDetails", "errorDetails")


def _server_message(body: bytes, content_type: str = "") -> str:
    """The server's message: the JSON body's message/detail fields, or a short text excerpt."""
    if not body:
        return ""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _body_excerpt(body, content_type)
    found: list[str] = []

    def collect(obj: Any, depth: int = 0) -> None:
        if depth > 2:
            return
        if isinstance(obj, dict):
            for key in _MESSAGE_KEYS:
                value = obj.get(key)
                if isinstance(value, str) and value.strip():
                    if value.strip() not in found:
                        found.append(value.strip())
                elif isinstance(value, (dict, list)):
                    collect(value, depth + 1)
        elif isinstance(obj, list):
            for item in obj[:3]:
                collect(item, depth + 1)

    collect(data)
    if found:
        return _excerpt(" - ".join(found))
    return _excerpt(body[:2000].decode("utf-8", "replace"))


def _loads(body: bytes) -> Any:
    return orjson.loads(body)


def _dumps_job(body: Any) -> bytes:
    try:
        return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # e.g. an integer beyond 64 bits: fall back to the standard library
        import json

        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------------------------
# timestamps
# --------------------------------------------------------------------------------------------

_TS_FIX_RE = re.compile(r"([+-]\d\d):?(\d\d)$")


def _parse_ts(value: object) -> datetime | None:
    """Parse a PSM timestamp (``2016-07-25T22:51:16.143+0000``, ``Z``, ``+00:00``, no
    fraction, ``yyyy-MM-dd HH:mm:ss``, ``yyyy-MM-dd``) to an aware UTC datetime, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    text = _TS_FIX_RE.sub(r"\1:\2", text) if re.search(r"[T ]\d", text) else text
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_UTC)
    return parsed.astimezone(_UTC)


def _to_datetime(value: object, name: str) -> datetime | None:
    """date / datetime / str -> aware UTC datetime. Naive values are taken as UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=_UTC)).astimezone(_UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=_UTC)
    if isinstance(value, str):
        parsed = _parse_ts(value)
        if parsed is not None:
            return parsed
    raise InputError("argument", name, f"{_short_repr(value)} is not a date, datetime or "
                     "timestamp like 2026-08-01T00:00:00.000+0000")


_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)


def _is_bare_date(value: object) -> bool:
    if isinstance(value, datetime):
        return False
    if isinstance(value, date):
        return True
    return isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()) is not None


def _to_ms(moment: datetime, *, ceil: bool = False) -> int:
    delta = moment - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return -(-micros // 1000) if ceil else micros // 1000


def _format_ms(ms: int) -> str:
    """Epoch milliseconds -> ``yyyy-MM-dd'T'HH:mm:ss.SSSZ`` (``+0000``)."""
    moment = _EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _format_ts(moment: datetime) -> str:
    """An aware datetime -> ``2026-08-01T00:00:00.000+0000`` (UTC, milliseconds)."""
    return _format_ms(_to_ms(moment))


def _job_start_ms(job: dict) -> int | None:
    parsed = _parse_ts(job.get("startDate"))
    return None if parsed is None else _to_ms(parsed)


def _job_key(job: dict) -> object:
    """De-duplication key: the numeric jobId, else the whole body."""
    raw = job.get("jobId", job.get("job_id"))
    if isinstance(raw, bool):
        raw = None
    if isinstance(raw, numbers.Integral):
        return int(raw)
    if isinstance(raw, str) and _DIGITS_RE.fullmatch(raw.strip()):
        return int(raw.strip())
    return orjson.dumps(job, option=orjson.OPT_SORT_KEYS)


# --------------------------------------------------------------------------------------------
# credentials
# --------------------------------------------------------------------------------------------

class _MissingCredentialsError(StacklogError):
    """No identity domain or no credentials could be found (arguments, environment, netrc)."""


class _Auth(requests.auth.AuthBase):
    """Sets the ``Authorization`` header; its repr never shows the secret."""

    __slots__ = ("_value", "kind")

    def __init__(self, kind: str, value: str):
        self.kind = kind
        self._value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._value
        return request

    def __repr__(self) -> str:
        return f"<{self.kind} auth>"


def _netrc_credentials(host: str | None) -> tuple[str | None, str | None] | None:
    """``(login, password)`` for ``host`` from the netrc file (``$NETRC``, else ``~/.netrc``,
    else ``~/_netrc``), like requests does; None when there is no file or no entry."""
    if not host:
        return None
    env_path = os.environ.get("NETRC")
    candidates = [env_path] if env_path else ["~/.netrc", "~/_netrc"]
    for candidate in candidates:
        try:
            path = os.path.expanduser(candidate)
        except KeyError:  # no home directory
            return None
        if os.path.exists(path):
            break
    else:
        return None
    try:
        entry = netrc.netrc(path).authenticators(host)
    except (netrc.NetrcParseError, OSError, UnicodeDecodeError):
        # The parser's message may quote the file's content: do not log it.
        log.warning("could not read the netrc file %s; ignoring it", path)
        return None
    if not entry:
        return None
    login, _account, password = entry
    return (login or None, password or None)


@dataclass(frozen=True, repr=False)
class _Credentials:
    kind: str  # "basic" or "bearer"
    source: str  # "arguments", "environment", "netrc"
    username: str | None
    secret: str = field(repr=False)

    def __repr__(self) -> str:
        return f"<{self.kind} credentials from {self.source}>"

    def auth(self) -> _Auth:
        if self.kind == "bearer":
            return _Auth("bearer", f"Bearer {self.secret}")
        raw = f"{self.username}:{self.secret}".encode()
        return _Auth("basic", "Basic " + base64.b64encode(raw).decode("ascii"))

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never be shown."""
        if self.kind == "bearer":
            return (self.secret,)
        raw = f"{self.username}:{self.secret}".encode()
        return (self.secret, base64.b64encode(raw).decode("ascii"))


def _resolve_credentials(host: str | None, username: str | None, password: str | None,
                         token: str | None) -> _Credentials | None:
    """Explicit arguments win over the environment, the environment over netrc."""
    username = username or None
    password = password or None
    token = token or None
    if token and password:
        raise StacklogError("give either a token or a username and password, not both")
    if token:
        return _Credentials("bearer", "arguments", None, token)
    if username and password:
        return _Credentials("basic", "arguments", username, password)
    env_user = os.environ.get(ENV_USER) or None
    env_password = os.environ.get(ENV_PASSWORD) or None
    env_token = os.environ.get(ENV_TOKEN) or None
    if username is None and password is None and env_token:
        return _Credentials("bearer", "environment", None, env_token)
    user = username or env_user
    secret = password or env_password
    if user and secret:
        source = "arguments" if (username or password) else "environment"
        return _Credentials("basic", source, user, secret)
    entry = _netrc_credentials(host)
    if entry:
        login, netrc_password = entry
        if netrc_password and login and (user is None or user == login):
            return _Credentials("basic", "netrc", login, secret or netrc_password)
    return None


def _check_base_url(url: str) -> str:
    if not isinstance(url, str) or not url.strip():
        raise StacklogError("base_url must be a URL such as https://psm.us.oraclecloud.com")
    text = url.strip()
    if "://" not in text:
        text = "https://" + text
    parts = urllib.parse.urlsplit(text)
    if "@" in parts.netloc:
        raise StacklogError(
            f"base_url {_strip_userinfo(text)} must not carry credentials: pass username= and "
            f"password= or token=, or set {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StacklogError(f"base_url {text!r} is not an http(s) URL with a host")
    path = parts.path.rstrip("/")
    root = path.find(API_ROOT)
    if root >= 0:  # tolerate a URL copied with the API path on it
        path = path[:root]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", "")).rstrip("/")


def _check_timeout(timeout: object) -> tuple[float, float]:
    if isinstance(timeout, (int, float)) and not isinstance(timeout, bool):
        pair = (float(timeout), float(timeout))
    elif isinstance(timeout, Sequence) and len(timeout) == 2:
        pair = (float(timeout[0]), float(timeout[1]))
    else:
        raise StacklogError("timeout must be seconds or a (connect, read) pair of seconds; "
                            "every request needs a timeout")
    if not all(math.isfinite(t) and t > 0 for t in pair):
        raise StacklogError(f"timeout must be positive seconds, got {timeout!r}")
    return pair


def _parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds from delta-seconds or an HTTP date; None for junk."""
    if value is None:
        return None
    text = value.strip()
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        seconds = float(text)
        return seconds if math.isfinite(seconds) else None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_UTC)
    now = now or datetime.now(_UTC)
    return max(0.0, (moment - now).total_seconds())


def _user_agent() -> str:
    try:
        from importlib.metadata import version

        mine = version("stacklog")
    except Exception:  # not installed: running from a checkout
        mine = "dev"
    return f"stacklog/{mine} python-requests/{requests.__version__}"


# --------------------------------------------------------------------------------------------
# the client
# --------------------------------------------------------------------------------------------

class PSMClient:
    """A client for the PSM activity-log REST API of one identity domain.

    Parameters
    ----------
    identity_domain : str, optional
        The identity domain (``idcs-<hex>`` on newer accounts), sent in every path and as the
        ``X-ID-TENANT-NAME`` header. Default: ``$STACKLOG_DOMAIN``.
    region : {"us", "emea", "europe", "aucom", "brcom-central-1"}, optional
        The regional PSM host. Give ``region`` or ``base_url``, not both.
    base_url : str, optional
        Any PSM base URL, e.g. ``https://psm-myacct.console.oraclecloud.com``. Default:
        ``$STACKLOG_BASE_URL``, else the ``us`` region.
    username, password : str, optional
        HTTP Basic credentials.
    token : str, optional
        An OAuth bearer token (valid 24 h), instead of a username and password.
    session : requests.Session, optional
        The session to use; by default the client makes its own with a connection pool sized
        for :data:`DEFAULT_WORKERS` concurrent requests.
    timeout : float or (float, float)
        Connect and read timeouts in seconds, on every request.
    retries : int
        Retries after the first attempt, on connection errors and HTTP 429/502/503/504.
    backoff : float
        Seconds before the first retry; doubled each retry, with jitter (each delay is drawn
        between half and all of ``backoff * 2**n``), capped by ``max_retry_after``.
    max_retry_after : float
        Upper bound in seconds on any wait, including a server's ``Retry-After``.
    verify : bool or str
        TLS certificate verification (on by default), or a CA bundle path.

    Credentials are looked up in order: explicit arguments, then ``$STACKLOG_TOKEN`` or
    ``$STACKLOG_USER``/``$STACKLOG_PASSWORD``, then the netrc file (``$NETRC`` or
    ``~/.netrc``) entry for the host. :class:`~stacklog.errors.StacklogError` is raised when
    no identity domain or no credentials are found.

    Attributes
    ----------
    sleep : callable
        ``sleep(seconds)`` used between retries (``time.sleep``); replace it to record delays.
    """

    def __init__(self, identity_domain: str | None = None, *, region: str | None = None,
                 base_url: str | None = None, username: str | None = None,
                 password: str | None = None, token: str | None = None,
                 session: requests.Session | None = None,
                 timeout: float | tuple[float, float] = (5, 30), retries: int = 4,
                 backoff: float = 0.5, max_retry_after: float = 60, verify: bool | str = True):
        domain = identity_domain or os.environ.get(ENV_DOMAIN) or None
        if not domain:
            raise _MissingCredentialsError(
                "no identity domain: give --domain (identity_domain= in Python) or set "
                f"{ENV_DOMAIN}; it is the idcs-... name or account name of your tenancy")
        if not isinstance(domain, str) or not _DOMAIN_RE.fullmatch(domain.strip()):
            raise StacklogError(f"identity domain {_short_repr(domain)} is not a valid name "
                                "(letters, digits, '.', '_' and '-')")
        self.identity_domain: str = domain.strip()

        if region and base_url:
            raise StacklogError("give region= or base_url=, not both")
        if base_url:
            url = base_url
        elif region:
            key = str(region).strip().lower()
            if key not in REGIONS:
                raise StacklogError(f"unknown region {_short_repr(region)}; known regions: "
                                    f"{', '.join(REGIONS)} (or pass base_url=)")
            url = REGIONS[key]
        else:
            url = os.environ.get(ENV_BASE_URL) or REGIONS[DEFAULT_REGION]
        self.base_url: str = _check_base_url(url)

        host = urllib.parse.urlsplit(self.base_url).hostname
        creds = _resolve_credentials(host, username, password, token)
        if creds is None:
            raise _MissingCredentialsError(
                f"no credentials for {self.base_url}: pass username= and password= or token=, "
                f"set {ENV_USER} and {ENV_PASSWORD} (or {ENV_TOKEN}), or add a "
                f"'machine {host}' entry to ~/.netrc")
        self.auth_kind: str = creds.kind
        self._auth = creds.auth()
        self._secrets = tuple(s for s in creds.secrets() if s)

        self.timeout = _check_timeout(timeout)
        if int(retries) < 0 or float(backoff) < 0 or float(max_retry_after) < 0:
            raise StacklogError("retries, backoff and max_retry_after must not be negative")
        self.retries = int(retries)
        self.backoff = float(backoff)
        self.max_retry_after = float(max_retry_after)
        self.verify = verify
        self.sleep: Callable[[float], None] = time.sleep
        self._rng = random.Random()
        self._headers = {
            "X-ID-TENANT-NAME": self.identity_domain,
            "Accept": "application/json",
            "User-Agent": _user_agent(),
        }
        self._owns_session = session is None
        self.session: requests.Session = session if session is not None else requests.Session()
        self._pool_lock = threading.Lock()
        self._pool_size = 0
        if self._owns_session:
            self._read_environment_once()
            self._ensure_pool(DEFAULT_WORKERS)

    # -- plumbing ----------------------------------------------------------------------------

    def __repr__(self) -> str:
        return (f"PSMClient(identity_domain={self.identity_domain!r}, "
                f"base_url={self.base_url!r}, auth={self.auth_kind!r})")

    def __enter__(self) -> PSMClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the session's pooled connections, if the client made the session."""
        if self._owns_session:
            self.session.close()

    def _read_environment_once(self) -> None:
        """Proxy and CA-bundle settings from the environment, read now rather than on every
        request (requests scans the whole environment per request when ``trust_env`` is on,
        which costs about a millisecond each). ``HTTPS_PROXY``/``NO_PROXY`` and
        ``REQUESTS_CA_BUNDLE`` keep working; netrc is read by the client itself, and is not
        re-applied by requests to the hosts of redirects."""
        proxies = requests.utils.get_environ_proxies(self.base_url)
        self.session.trust_env = False
        self.session.proxies.update({k: v for k, v in proxies.items() if k != "no"})
        if self.verify is True:
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle:
                self.verify = bundle

    def _ensure_pool(self, size: int) -> None:
        """Mount an adapter whose pool holds at least ``size`` connections to the PSM host."""
        with self._pool_lock:
            if size <= self._pool_size:
                return
            parts = urllib.parse.urlsplit(self.base_url)
            prefix = f"{parts.scheme}://{parts.netloc}/"
            pool = max(int(size), 10)
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool, max_retries=0,
                                  pool_block=True)
            self.session.mount(prefix, adapter)
            self._pool_size = pool
            log.debug("connection pool for %s holds up to %d connections", prefix, pool)

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if len(secret) >= 3:
                text = text.replace(secret, "***")
        return text

    def _url(self, *segments: str) -> str:
        quoted = "/".join(urllib.parse.quote(str(s), safe="") for s in segments)
        domain = urllib.parse.quote(self.identity_domain, safe="")
        return f"{self.base_url}{API_ROOT}/{domain}/{quoted}"

    def _backoff_delay(self, attempt: int) -> float:
        base = min(self.backoff * (2 ** attempt), self.max_retry_after)
        return base / 2 + self._rng.uniform(0, base / 2)

    def _get(self, segments: Sequence[str], params: Sequence[tuple[str, object]] | None = None
             ) -> Any:
        """GET a path under the domain's activity-log root and return the parsed JSON."""
        url = self._url(*segments)
        query = urllib.parse.urlencode(list(params or ()), doseq=True)
        shown = _strip_userinfo(f"{url}?{query}" if query else url)
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                response = self.session.get(f"{url}?{query}" if query else url,
                                            headers=self._headers, auth=self._auth,
                                            timeout=self.timeout, verify=self.verify)
            except requests.exceptions.SSLError as exc:
                raise TransportError(
                    self._redact(f"GET {shown}: TLS error: {_excerpt(str(exc))} (certificate "
                                 "verification is on; pass verify= a CA bundle path if your "
                                 "network inspects TLS)"), url=shown) from None
            except (requests.ConnectionError, requests.Timeout,
                    requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ContentDecodingError) as exc:
                reason = self._redact(_transport_reason(exc))
                if attempt < self.retries:
                    delay = self._backoff_delay(attempt)
                    log.info("GET %s: %s; retry %d of %d in %.2f s", shown, reason,
                             attempt + 1, self.retries, delay)
                    self.sleep(delay)
                    attempt += 1
                    continue
                raise TransportError(
                    f"GET {shown} failed after {attempt + 1} attempt(s): {reason}",
                    url=shown, server_message="") from None
            except requests.RequestException as exc:
                raise TransportError(self._redact(f"GET {shown} failed: {_transport_reason(exc)}"),
                                     url=shown) from None
            status = response.status_code
            final_url = _strip_userinfo(response.url or shown)
            log.debug("GET %s -> HTTP %d, %d bytes in %.3f s", final_url, status,
                      len(response.content), time.monotonic() - started)
            if status in RETRY_STATUSES and attempt < self.retries:
                header = response.headers.get("Retry-After")
                wait_for = _parse_retry_after(header)
                if wait_for is None:
                    if header is not None:
                        log.info("GET %s: ignoring unusable Retry-After %r", final_url,
                                 _excerpt(header, 40))
                    wait_for = self._backoff_delay(attempt)
                delay = min(wait_for, self.max_retry_after)
                log.info("GET %s: HTTP %d; retry %d of %d in %.2f s", final_url, status,
                         attempt + 1, self.retries, delay)
                response.close()
                self.sleep(delay)
                attempt += 1
                continue
            return self._decode(response, final_url, attempts=attempt + 1)

    def _decode(self, response: requests.Response, url: str, *, attempts: int) -> Any:
        status = response.status_code
        body = response.content or b""
        content_type = response.headers.get("Content-Type", "")
        if 200 <= status < 300:
            if not body.strip():
                raise UnexpectedResponseError(
                    f"HTTP {status} from GET {url} has an empty body (expected JSON)",
                    status=status, url=url, server_message="")
            try:
                return _loads(body)
            except orjson.JSONDecodeError as exc:
                excerpt = self._redact(_body_excerpt(body, content_type))
                kind = content_type or "no content type"
                if "json" in content_type.lower() or body.lstrip()[:1] in (b"{", b"["):
                    what = f"invalid JSON, the body looks truncated or corrupt ({exc})"
                else:
                    what = ("not JSON (a login or error page? check the base URL, the identity "
                            "domain and the credentials)")
                raise UnexpectedResponseError(
                    f"HTTP {status} from GET {url}: {what}; content type {kind}, "
                    f"{len(body)} bytes: {excerpt}",
                    status=status, url=url, server_message=excerpt) from None
        message = self._redact(_server_message(body, content_type))
        reason = response.reason or ""
        head = f"HTTP {status}{' ' + reason if reason else ''} for GET {url}"
        if attempts > 1:
            head += f" (after {attempts} attempts)"
        text = f"{head}: {message}" if message else head
        if status in (401, 403):
            cls: type[APIError] = AuthenticationError
            text += (f" -- check the identity domain {self.identity_domain!r} (it is sent in "
                     "the URL and as the X-ID-TENANT-NAME header), the base URL or region, "
                     f"and the credentials ({self.auth_kind})")
        elif status == 404:
            cls = NotFoundError
        elif status == 400:
            cls = BadRequestError
        else:
            cls = ServerError
        raise cls(self._redact(text), status=status, url=url, server_message=message)

    # -- endpoints ---------------------------------------------------------------------------

    def _get_object(self, segments: Sequence[str], what: str) -> dict:
        data = self._get(segments)
        if not isinstance(data, dict):
            url = self._url(*segments)
            raise UnexpectedResponseError(
                f"GET {url}: expected {what} (a JSON object), got a JSON "
                f"{type(data).__name__}", status=200, url=url)
        return data

    def get_stack_job(self, job_id: int | str) -> dict:
        """GET ``stack/job/{jobId}``: one Cloud Stack job, as parsed JSON.

        Raises :class:`~stacklog.errors.NotFoundError` for an unknown id and
        :class:`~stacklog.errors.InputError` for an id that is not a non-negative integer.
        """
        return self._get_object(("stack", "job", str(_check_id(job_id))), "a job")

    def get_job(self, job_id: int | str) -> dict:
        """GET ``job/{jobId}``: one service job (Java Cloud, SOA, MySQL, ...), as parsed JSON."""
        return self._get_object(("job", str(_check_id(job_id))), "a job")

    def get_activity_log(self, log_id: int | str) -> dict:
        """GET ``message/{logId}``: the job whose ``activityLogId`` is ``log_id``."""
        return self._get_object(("message", str(_check_id(log_id, "log_id"))), "a job")

    def list_stack_activity(self, stack_name: str) -> list[dict]:
        """GET ``stack/{stackName}``: every job of one stack (the name is URL-quoted)."""
        if not isinstance(stack_name, str) or not stack_name.strip():
            raise InputError("argument", "stack_name", "must be a non-empty string")
        url = self._url("stack", stack_name)
        return _job_list(self._get(("stack", stack_name)), url)

    def list_activity(self, from_start: date | datetime | str | None = None,
                      to_start: date | datetime | str | None = None,
                      status: str | Iterable[str] | None = None,
                      operation_type: str | Iterable[str] | None = None,
                      service_name: str | None = None, order_by: str | None = None,
                      page_size: int = 50) -> Iterator[dict]:
        """Every job of the identity domain matching the filters (GET ``filter``).

        Parameters
        ----------
        from_start, to_start : date, datetime or str, optional
            Bounds (inclusive) on the job's start date, sent as ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``
            in UTC. Naive datetimes are taken as UTC. A bare date (``date`` or ``"2026-08-31"``)
            means midnight UTC for ``from_start`` and the whole day for ``to_start``.
        status, operation_type : str or iterable of str, optional
            Repeatable filters (``status=["RUNNING", "FAILED"]``).
        service_name : str, optional
        order_by : str, optional
            ``field:asc`` or ``field:desc``; the server's default is newest first.
        page_size : int
            Rows asked per request (``limit``).

        Returns
        -------
        iterator of dict
            Each job once (de-duplicated on ``jobId``). Pages with ``limit``/``offset``; if the
            server ignores them (the same page twice, or a page longer than the limit) it
            falls back to date windows, halving each window that comes back full. Arguments
            are checked at once; requests are made as the iterator is consumed.
        """
        lo = _to_datetime(from_start, "from_start")
        hi = _to_datetime(to_start, "to_start")
        if hi is not None and _is_bare_date(to_start):  # a whole day: up to 23:59:59.999
            hi = hi + timedelta(days=1, milliseconds=-1)
        if lo is not None and hi is not None and lo > hi:
            raise InputError("argument", "from_start", "is after to_start")
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise InputError("argument", "page_size", "must be a positive integer")
        params: list[tuple[str, object]] = []
        for value in _as_list(status, "status"):
            word = canonical_status(value)
            params.append(("status", word.upper() if isinstance(word, str) else word))
        for value in _as_list(operation_type, "operation_type"):
            params.append(("operationType", value))
        if service_name:
            params.append(("serviceName", service_name))
        if order_by:
            params.append(("orderBy", order_by))
        return _ActivityLister(self, params, lo, hi, page_size).run()

    def _filter_page(self, params: list[tuple[str, object]]) -> list[dict]:
        return _job_list(self._get(("filter",), params), self._url("filter"))


def _as_list(value: str | Iterable[str] | None, name: str) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value)
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise InputError("argument", name, f"{_short_repr(item)} is not a non-empty string")
    return [item.strip() for item in items]


def _job_list(data: Any, url: str) -> list[dict]:
    if isinstance(data, dict) and isinstance(data.get("activityLogs"), list):
        items = data["activityLogs"]
    elif isinstance(data, list):
        items = data
    elif isinstance(data, dict) and "jobId" in data:
        items = [data]
    else:
        raise UnexpectedResponseError(
            f"GET {url}: expected {{\"activityLogs\": [...]}}, got a JSON "
            f"{type(data).__name__}" + (f" with keys {sorted(data)[:8]}"
                                        if isinstance(data, dict) else ""),
            status=200, url=url)
    jobs = [item for item in items if isinstance(item, dict)]
    if len(jobs) != len(items):
        log.warning("GET %s: ignored %d list item(s) that are not job objects", url,
                    len(items) - len(jobs))
    return jobs


def _transport_reason(exc: BaseException) -> str:
    """A short reason for a requests exception (no URL repetition, no credentials)."""
    if isinstance(exc, requests.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, requests.ReadTimeout):
        return "read timed out (no answer within the read timeout)"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "connection broken while reading the body (incomplete response)"
    text = str(exc)
    for marker in ("Remote end closed connection without response", "Connection refused",
                   "Connection reset by peer", "Name or service not known",
                   "Temporary failure in name resolution", "IncompleteRead"):
        if marker in text:
            return f"{type(exc).__name__}: {marker}"
    return f"{type(exc).__name__}: {_excerpt(text, 160)}"


# --------------------------------------------------------------------------------------------
# paging the filter endpoint
# --------------------------------------------------------------------------------------------

class _ActivityLister:
    """Pages ``filter`` with limit/offset, falling back to date windows if those are ignored.

    Phase 1 asks ``limit=page_size&offset=k``. The server is taken to ignore paging when it
    returns a page longer than the limit, the same page twice, or a full page with no new
    job. Phase 2 then relies on date windows only: ``cap`` is the longest answer seen (never
    more than the server's real cap), so an answer shorter than ``cap`` proves its window
    complete. Open ends are closed first by walking from the newest (oldest) start date seen
    until an answer is short; then ``[lo, hi]`` is halved recursively while a half comes back
    full. Windows overlap by one millisecond at their joins, so it does not matter whether the
    server's bounds are inclusive; jobs are de-duplicated on ``jobId``.
    """

    def __init__(self, client: PSMClient, params: list[tuple[str, object]],
                 lo: datetime | None, hi: datetime | None, page_size: int):
        self.client = client
        self.params = params
        self.lo = None if lo is None else _to_ms(lo)
        self.hi = None if hi is None else _to_ms(hi, ceil=True)
        self.page_size = page_size
        self.seen: set[object] = set()
        self.starts: list[int] = []
        self.cap = 0
        self.requests = 0
        self.incomplete = 0

    def _window(self, lo: int | None, hi: int | None) -> list[tuple[str, object]]:
        params = list(self.params)
        if lo is not None:
            params.append(("fromStartDate", _format_ms(lo)))
        if hi is not None:
            params.append(("toStartDate", _format_ms(hi)))
        return params

    def _ask(self, params: list[tuple[str, object]]) -> list[dict]:
        self.requests += 1
        page = self.client._filter_page(params)
        self.cap = max(self.cap, len(page))
        return page

    def _new(self, page: list[dict]) -> list[dict]:
        fresh = []
        for job in page:
            key = _job_key(job)
            if key in self.seen:
                continue
            self.seen.add(key)
            start = _job_start_ms(job)
            if start is not None:
                self.starts.append(start)
            fresh.append(job)
        return fresh

    def run(self) -> Iterator[dict]:
        offset = 0
        previous: list[object] | None = None
        offset_works = False
        while True:
            page = self._ask(self._window(self.lo, self.hi)
                             + [("limit", self.page_size), ("offset", offset)])
            keys = [_job_key(job) for job in page]
            fresh = self._new(page)
            yield from fresh
            if len(page) > self.page_size or (previous is not None and keys and keys == previous):
                break
            if not page:
                return
            if previous is not None:
                if not fresh:  # a full page of known jobs: offset is not doing anything
                    break
                offset_works = True
            if len(page) < self.page_size and offset_works:
                return
            previous = keys
            offset += len(page)
        log.info("the server ignores limit/offset (longest answer %d jobs); narrowing date "
                 "windows instead", self.cap)
        yield from self._windows()

    def _windows(self) -> Iterator[dict]:
        if not self.starts and (self.lo is None or self.hi is None):
            log.warning("cannot narrow date windows: no job with a readable startDate; the "
                        "listing may be incomplete")
            return
        lo, hi = self.lo, self.hi
        if hi is None:  # walk up until [top, +inf) is complete
            top = max(self.starts)
            while True:
                page = self._ask(self._window(top, None))
                yield from self._new(page)
                newest = max((s for s in map(_job_start_ms, page) if s is not None),
                             default=top)
                if len(page) < self.cap or newest <= top:
                    break
                top = newest
            hi = top
        if lo is None:  # walk down until (-inf, bottom] is complete
            bottom = min(self.starts)
            while True:
                page = self._ask(self._window(None, bottom))
                yield from self._new(page)
                oldest = min((s for s in map(_job_start_ms, page) if s is not None),
                             default=bottom)
                if len(page) < self.cap or oldest >= bottom:
                    break
                bottom = oldest
            lo = bottom
        # [lo, hi] is not proven complete: halve it until every piece comes back short.
        stack = [(lo, hi)]
        first = True
        while stack:
            a, b = stack.pop()
            if not first:
                page = self._ask(self._window(a, b))
                yield from self._new(page)
                if len(page) < self.cap:
                    continue
            first = False
            if b - a <= 1:
                self.incomplete += 1
                continue
            middle = (a + b) // 2
            stack.append((middle, b))
            stack.append((a, middle))
        if self.incomplete:
            log.warning("%d date window(s) of 1 ms still came back full (%d jobs): more jobs "
                        "start in the same millisecond than the server returns; the listing "
                        "may be incomplete", self.incomplete, self.cap)
        log.debug("listed %d jobs in %d requests", len(self.seen), self.requests)


# --------------------------------------------------------------------------------------------
# fetching jobs to a folder
# --------------------------------------------------------------------------------------------

@dataclass
class FetchResult:
    """What :func:`fetch_jobs` did.

    Attributes
    ----------
    fetched : list of int
        Jobs fetched and written, in the order asked.
    skipped : list of int
        Jobs not fetched because a file in a final status (SUCCEED, FAILED, WARN) was there.
    failed : dict
        Job id -> reason, for jobs that could not be fetched or written.
    unfinished : list of int
        Fetched jobs not yet in a final status (run again later to refresh them).
    directory : pathlib.Path
        Where the ``job-<id>.json`` files are.
    elapsed : float
        Wall time in seconds.
    """

    fetched: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[Any, str] = field(default_factory=dict)
    unfinished: list[int] = field(default_factory=list)
    directory: Path = field(default_factory=Path)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no job failed."""
        return not self.failed

    @property
    def summary(self) -> str:
        """One line: counts of fetched, skipped and failed jobs, and the folder."""
        fetched = f"fetched {len(self.fetched)}"
        if self.unfinished:
            fetched += f" ({len(self.unfinished)} not finished yet)"
        return (f"{fetched}, skipped {len(self.skipped)} already final, failed "
                f"{len(self.failed)} in {self.elapsed:.1f} s -> {self.directory}")

    def __str__(self) -> str:
        return self.summary


def _read_final_status(path: Path, job_id: int) -> str | None:
    """The canonical status of a job file on disk if it is final, else None (missing,
    unreadable, another job, or not finished)."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        log.info("%s is unreadable (%s); fetching it again", path, type(exc).__name__)
        return None
    if not isinstance(data, dict):
        return None
    if "jobId" in data and _job_key(data) != job_id:
        log.info("%s holds job %s, not %d; fetching it again", path,
                 _short_repr(data.get("jobId")), job_id)
        return None
    status = canonical_status(data.get("status"))
    return status if status in FINAL_STATUSES else None


def _write_job_file(directory: Path, job_id: int, body: Any) -> Path:
    """Write ``job-<id>.json`` atomically: a temporary file in the same folder, then
    ``os.replace``. A reader never sees a half-written file."""
    target = directory / _job_file_name(job_id)
    data = _dumps_job(body)
    tmp = directory / f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


def _check_body(body: Any, job_id: int) -> None:
    if not isinstance(body, dict):
        raise UnexpectedResponseError(f"job {job_id}: expected a job object, got a JSON "
                                      f"{type(body).__name__}", status=200)
    if "jobId" in body and _job_key(body) != job_id:
        raise UnexpectedResponseError(
            f"job {job_id}: the server returned job {_short_repr(body.get('jobId'))}",
            status=200)


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def _progress_bar(total: int, progress: bool | None, desc: str) -> Any:
    enabled = progress if progress is not None else (
        total > 20 and (_in_notebook() or bool(getattr(sys.stderr, "isatty", lambda: False)())))
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="job")


def fetch_jobs(client: PSMClient, job_ids: Iterable[int | str], directory: str | os.PathLike,
               *, kind: str = "stack", workers: int = DEFAULT_WORKERS,
               progress: bool | None = None, refresh: bool = False) -> FetchResult:
    """Fetch jobs concurrently and write each to ``directory/job-<id>.json``.

    Parameters
    ----------
    client : PSMClient
    job_ids : iterable of int or str
        Job ids (non-negative integers or strings of digits); duplicates are fetched once.
    directory : path
        Created if missing. Files are written atomically and named from the numeric id only.
    kind : {"stack", "service"}
        ``stack`` fetches ``stack/job/{id}``; ``service`` fetches ``job/{id}``.
    workers : int
        Concurrent requests (the session's connection pool is sized to match).
    progress : bool, optional
        Show a tqdm progress bar (notebook-aware). Default: only on a terminal or in a
        notebook, and only for more than 20 jobs.
    refresh : bool
        Fetch every job, even those already on disk in a final status.

    Returns
    -------
    FetchResult
        A failed job does not stop the batch; it is listed in ``failed`` with the reason.
        Jobs already on disk in a final status (SUCCEED, FAILED, WARN) are ``skipped``;
        unfinished or unreadable files are fetched again, so re-running resumes a batch.
    """
    if kind not in ("stack", "service"):
        raise InputError("argument", "kind", f"{_short_repr(kind)} is not 'stack' or 'service'")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError("argument", "workers", "must be a positive integer")
    if isinstance(job_ids, (str, bytes, int)):
        job_ids = [job_ids]  # type: ignore[list-item]
    ids = list(dict.fromkeys(_check_id(value) for value in job_ids))
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = FetchResult(directory=folder)
    todo: list[int] = []
    for job_id in ids:
        if not refresh and _read_final_status(folder / _job_file_name(job_id), job_id):
            result.skipped.append(job_id)
        else:
            todo.append(job_id)
    get = client.get_stack_job if kind == "stack" else client.get_job
    client._ensure_pool(workers)
    statuses: dict[int, object] = {}

    def one(job_id: int) -> object:
        body = get(job_id)
        _check_body(body, job_id)
        _write_job_file(folder, job_id, body)
        return canonical_status(body.get("status"))

    bar = _progress_bar(len(todo), progress, "fetch")
    if todo:
        pool = ThreadPoolExecutor(max_workers=min(workers, len(todo)),
                                  thread_name_prefix="stacklog-fetch")
        try:
            futures: dict[Future, int] = {pool.submit(one, job_id): job_id for job_id in todo}
            # as_completed waits on every future once: O(n), where repeated wait() calls
            # over the pending set would be O(n^2) for a large batch
            for future in as_completed(futures):
                job_id = futures[future]
                try:
                    statuses[job_id] = future.result()
                except StacklogError as exc:
                    result.failed[job_id] = str(exc)
                    log.info("job %d failed: %s", job_id, exc)
                except OSError as exc:
                    result.failed[job_id] = f"cannot write {_job_file_name(job_id)}: {exc}"
                if bar is not None:
                    bar.update(1)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True)
            if bar is not None:
                bar.close()
    result.fetched = [job_id for job_id in todo if job_id in statuses]
    result.unfinished = [job_id for job_id in result.fetched
                         if statuses[job_id] not in FINAL_STATUSES]
    result.elapsed = time.monotonic() - started
    log.info("%s", result.summary)
    return result


def _save_listed_jobs(jobs: Iterable[dict], directory: str | os.PathLike, *,
                      refresh: bool = False) -> FetchResult:
    """Write jobs obtained from a listing (``filter``, ``stack/{name}``) one file per job.

    A job already on disk in a final status is left alone unless ``refresh``; a job without a
    numeric ``jobId`` is listed in ``failed``.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = FetchResult(directory=folder)
    for job in jobs:
        raw = job.get("jobId")
        try:
            job_id = _check_id(raw, "jobId")
        except InputError:
            result.failed[str(raw)] = "the listed job has no numeric jobId"
            continue
        if job_id in result.fetched or job_id in result.skipped:
            continue
        if not refresh and _read_final_status(folder / _job_file_name(job_id), job_id):
            result.skipped.append(job_id)
            continue
        try:
            _write_job_file(folder, job_id, job)
        except OSError as exc:
            result.failed[job_id] = f"cannot write {_job_file_name(job_id)}: {exc}"
            continue
        result.fetched.append(job_id)
        if canonical_status(job.get("status")) not in FINAL_STATUSES:
            result.unfinished.append(job_id)
    result.elapsed = time.monotonic() - started
    return result


# --------------------------------------------------------------------------------------------
# watching one job
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MessageStep:
    """One message of a watched job, with the time its step took.

    Attributes
    ----------
    index : int
        Position in the job's ``messages`` array.
    activity_date : datetime or None
        The message time (tz-aware UTC), None if unreadable.
    message : str
    step : timedelta or None
        Time since the previous message (in time order), or since ``startDate`` for the
        first; None when a time is missing.
    """

    index: int
    activity_date: datetime | None
    message: str
    step: timedelta | None


@dataclass(frozen=True)
class WatchUpdate:
    """One poll of :func:`watch_job`.

    Attributes
    ----------
    job_id : int
    poll : int
        1 for the first poll.
    job : dict
        The job body as returned by the server.
    status : str or None
        Canonical status word.
    new_messages : tuple of MessageStep
        Messages not seen on earlier polls, in time order.
    final : bool
        True when the status is SUCCEED, FAILED or WARN: the last update.
    duration : timedelta or None
        ``endDate - startDate`` once final; before that, time from ``startDate`` to the last
        message so far.
    next_poll : float or None
        Seconds until the next poll (None when final).
    """

    job_id: int
    poll: int
    job: dict
    status: Any
    new_messages: tuple[MessageStep, ...]
    final: bool
    duration: timedelta | None
    next_poll: float | None


def _message_steps(job: dict) -> list[MessageStep]:
    messages = job.get("messages") or []
    if not isinstance(messages, list):
        return []
    rows = []
    for index, item in enumerate(messages):
        if not isinstance(item, dict):
            continue
        text = item.get("message")
        rows.append((index, _parse_ts(item.get("activityDate")),
                     "" if text is None else str(text)))
    far = datetime.max.replace(tzinfo=_UTC)
    rows.sort(key=lambda row: row[1] or far)  # stable: equal times keep their order
    previous = _parse_ts(job.get("startDate"))
    steps = []
    for index, moment, text in rows:
        step = (moment - previous) if (moment is not None and previous is not None) else None
        steps.append(MessageStep(index, moment, text, step))
        if moment is not None:
            previous = moment
    return steps


def _job_duration(job: dict, steps: list[MessageStep]) -> timedelta | None:
    start = _parse_ts(job.get("startDate"))
    end = _parse_ts(job.get("endDate"))
    if start is None:
        return None
    if end is not None:
        return end - start
    times = [s.activity_date for s in steps if s.activity_date is not None]
    return (max(times) - start) if times else None


def watch_job(client: PSMClient, job_id: int | str, *, kind: str = "stack",
              interval: float = 2.0, max_interval: float = 60.0, timeout: float | None = None,
              sleep: Callable[[float], None] | None = None) -> Iterator[WatchUpdate]:
    """Poll one job until its status is final, yielding one :class:`WatchUpdate` per poll.

    The wait between polls starts at ``interval`` seconds and doubles up to ``max_interval``
    while nothing changes; it drops back to ``interval`` when new messages appear. Each
    message is reported once (by its time and text, so a server that re-orders messages does
    not cause repeats).

    Raises
    ------
    StacklogError
        When ``timeout`` seconds pass without a final status, or any API error.
    """
    if kind not in ("stack", "service"):
        raise InputError("argument", "kind", f"{_short_repr(kind)} is not 'stack' or 'service'")
    job_id = _check_id(job_id)
    if not (interval > 0 and max_interval >= interval):
        raise InputError("argument", "interval", "must be positive and at most max_interval")
    return _watch(client, job_id, kind, float(interval), float(max_interval), timeout,
                  sleep or time.sleep)


def _watch(client: PSMClient, job_id: int, kind: str, interval: float, max_interval: float,
           timeout: float | None, sleep: Callable[[float], None]) -> Iterator[WatchUpdate]:
    get = client.get_stack_job if kind == "stack" else client.get_job
    seen: Counter = Counter()
    delay = interval
    started = time.monotonic()
    poll = 0
    while True:
        poll += 1
        job = get(job_id)
        _check_body(job, job_id)
        steps = _message_steps(job)
        current: Counter = Counter()
        fresh = []
        for step in steps:
            key = (step.activity_date, step.message)
            current[key] += 1
            if current[key] > seen[key]:
                fresh.append(step)
        seen = current | seen
        status = canonical_status(job.get("status"))
        final = status in FINAL_STATUSES
        if fresh:
            delay = interval
        next_poll = None if final else delay
        yield WatchUpdate(job_id, poll, job, status, tuple(fresh), final,
                          _job_duration(job, steps), next_poll)
        if final:
            return
        if timeout is not None and time.monotonic() - started + delay > timeout:
            raise StacklogError(f"job {job_id} is still {status} after {poll} polls; gave up "
                                f"after the {timeout:g} s timeout")
        sleep(delay)
        delay = min(delay * 2, max_interval)
