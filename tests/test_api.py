"""PSMClient against a real HTTP server on 127.0.0.1 (stacklog.testing.FakePSM), faults included."""

from __future__ import annotations

import base64
import logging
import socket
import traceback
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from stacklog.api import REGIONS, PSMClient, _parse_retry_after, fetch_jobs
from stacklog.errors import (
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
from stacklog.testing import FakePSM, http_date, make_jobs

DATA = Path(__file__).parent / "data" / "api"
USER = "user"
PASSWORD = "s3cr3t-Pa55word!"
TOKEN = "tok-9f8e7d6c5b4a39281706-bearer"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
SECRETS = (PASSWORD, BASIC, TOKEN)
UTC = timezone.utc


@pytest.fixture(autouse=True)
def _clean(clean_env):
    """Every test here runs without the machine's credentials, netrc or proxies."""


@pytest.fixture
def psm():
    with FakePSM(DATA, password=PASSWORD, token=TOKEN) as server:
        yield server


def make_client(psm, **options) -> PSMClient:
    options.setdefault("username", USER)
    options.setdefault("password", PASSWORD)
    options.setdefault("backoff", 0.01)
    client = PSMClient(psm.identity_domain, base_url=psm.base_url, **options)
    client.delays = []
    client.sleep = client.delays.append  # record the waits instead of sleeping
    return client


@pytest.fixture
def client(psm):
    with make_client(psm) as c:
        yield c


# --------------------------------------------------------------------------------------------
# construction
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("region, url", [
    ("us", "https://psm.us.oraclecloud.com"),
    ("emea", "https://psm.europe.oraclecloud.com"),
    ("europe", "https://psm.europe.oraclecloud.com"),
    ("aucom", "https://psm.aucom.oraclecloud.com"),
    ("brcom-central-1", "https://psm.brcom-central-1.oraclecloud.com"),
    ("EMEA", "https://psm.europe.oraclecloud.com"),
])
def test_regions_map_to_hosts(region, url):
    client = PSMClient("idcs-abc", region=region, username="u", password="pw")
    assert client.base_url == url
    assert REGIONS[region.lower()] == url


def test_base_url_default_env_and_precedence(monkeypatch):
    assert PSMClient("d", username="u", password="pw").base_url == REGIONS["us"]
    monkeypatch.setenv("STACKLOG_BASE_URL", "https://psm-acct.console.oraclecloud.com/")
    assert PSMClient("d", username="u", password="pw").base_url == \
        "https://psm-acct.console.oraclecloud.com"
    assert PSMClient("d", region="aucom", username="u", password="pw").base_url == \
        REGIONS["aucom"]
    client = PSMClient("d", base_url="http://127.0.0.1:9/paas/api/v1.1/activitylog/d",
                       username="u", password="pw")
    assert client.base_url == "http://127.0.0.1:9"
    assert client._url("job", "1") == "http://127.0.0.1:9/paas/api/v1.1/activitylog/d/job/1"


def test_bad_configuration_is_a_clear_error():
    with pytest.raises(StacklogError, match="region= or base_url="):
        PSMClient("d", region="us", base_url="https://x", username="u", password="pw")
    with pytest.raises(StacklogError, match="unknown region 'mars'.*aucom"):
        PSMClient("d", region="mars", username="u", password="pw")
    with pytest.raises(StacklogError, match="STACKLOG_DOMAIN"):
        PSMClient(username="u", password="pw")
    with pytest.raises(StacklogError, match="not a valid name"):
        PSMClient("a/b", username="u", password="pw")
    with pytest.raises(StacklogError, match="no credentials.*STACKLOG_USER.*netrc"):
        PSMClient("d")
    with pytest.raises(StacklogError, match="not both"):
        PSMClient("d", username="u", password="pw", token="t")
    with pytest.raises(StacklogError, match="timeout"):
        PSMClient("d", username="u", password="pw", timeout=None)
    with pytest.raises(StacklogError) as info:
        PSMClient("d", base_url=f"https://u:{PASSWORD}@psm.example.com", username="u",
                  password="pw")
    assert PASSWORD not in str(info.value) and "psm.example.com" in str(info.value)


def test_domain_from_environment(monkeypatch):
    monkeypatch.setenv("STACKLOG_DOMAIN", "idcs-123")
    assert PSMClient(username="u", password="pw").identity_domain == "idcs-123"
    assert PSMClient("other", username="u", password="pw").identity_domain == "other"


def test_repr_shows_domain_url_and_auth_kind_only(psm):
    client = make_client(psm)
    text = repr(client)
    assert text == (f"PSMClient(identity_domain='testdomain', base_url='{psm.base_url}', "
                    "auth='basic')")
    assert repr(make_client(psm, username=None, password=None, token=TOKEN)).endswith(
        "auth='bearer')")
    for secret in SECRETS:
        assert secret not in text
        assert secret not in repr(client._auth)


def _write_netrc(tmp_path, monkeypatch, host, login, password):
    path = tmp_path / "netrc"
    path.write_text(f"machine {host}\n  login {login}\n  password {password}\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))


def test_credentials_precedence_arguments_env_netrc(psm, monkeypatch, tmp_path):
    # netrc alone (keyed by the host, found through $NETRC)
    _write_netrc(tmp_path, monkeypatch, "127.0.0.1", USER, PASSWORD)
    netrc_client = PSMClient(psm.identity_domain, base_url=psm.base_url)
    assert netrc_client.get_stack_job(80045)["jobId"] == 80045
    # environment beats netrc: wrong env password -> 401 even though netrc is right
    monkeypatch.setenv("STACKLOG_USER", USER)
    monkeypatch.setenv("STACKLOG_PASSWORD", "wrong-env-password")
    with pytest.raises(AuthenticationError):
        PSMClient(psm.identity_domain, base_url=psm.base_url, retries=0).get_stack_job(80045)
    # explicit arguments beat the environment
    explicit = PSMClient(psm.identity_domain, base_url=psm.base_url, username=USER,
                         password=PASSWORD)
    assert explicit.get_stack_job(80045)["jobId"] == 80045
    # an explicit token beats environment user/password, and is sent as a bearer token
    bearer = PSMClient(psm.identity_domain, base_url=psm.base_url, token=TOKEN)
    assert bearer.auth_kind == "bearer"
    bearer.get_stack_job(80045)
    assert psm.records[-1].auth_scheme == "Bearer"
    # an environment token is used when no user/password is given anywhere
    monkeypatch.delenv("STACKLOG_USER")
    monkeypatch.delenv("STACKLOG_PASSWORD")
    monkeypatch.setenv("STACKLOG_TOKEN", TOKEN)
    assert PSMClient(psm.identity_domain, base_url=psm.base_url).auth_kind == "bearer"


def test_netrc_entry_of_another_host_is_not_used(monkeypatch, tmp_path):
    _write_netrc(tmp_path, monkeypatch, "psm.europe.oraclecloud.com", USER, PASSWORD)
    with pytest.raises(StacklogError, match="no credentials"):
        PSMClient("d", region="us")
    assert PSMClient("d", region="emea").auth_kind == "basic"


def test_tenant_header_and_paths_on_every_request(client, psm):
    client.get_stack_job(80045)
    client.get_job("3086199")
    assert client.get_activity_log(36004)["jobId"] == 80045
    assert [job["jobId"] for job in client.list_stack_activity("MyStack")] == [80045]
    list(client.list_activity())
    root = "/paas/api/v1.1/activitylog/testdomain/"
    paths = [r.path for r in psm.records]
    assert paths[:4] == [root + "stack/job/80045", root + "job/3086199", root + "message/36004",
                         root + "stack/MyStack"]
    assert paths[4] == root + "filter"
    assert {r.tenant for r in psm.records} == {"testdomain"}
    assert {r.auth_scheme for r in psm.records} == {"Basic"}


def test_stack_name_is_url_quoted(client, psm):
    psm.add_jobs(make_jobs(1, first_id=5), source="test")
    psm.jobs[5]["serviceName"] = "odd name/with?chars&more"
    jobs = client.list_stack_activity("odd name/with?chars&more")
    assert [job["jobId"] for job in jobs] == [5]
    assert psm.records[-1].path.endswith("/stack/odd%20name%2Fwith%3Fchars%26more")
    assert client.list_stack_activity("nothing-like-this") == []


@pytest.mark.parametrize("bad", ["12a", "-1", -1, 1.5, True, "", " ", "²", "1e3", None,
                                 "1/../2", "0x10"])
def test_ids_are_validated_before_any_request(client, psm, bad):
    for method in (client.get_job, client.get_stack_job, client.get_activity_log):
        with pytest.raises(InputError, match="non-negative integer"):
            method(bad)
    assert psm.request_count == 0


def test_numeric_string_ids_are_accepted(client):
    assert client.get_job(" 3086199 ")["jobId"] == 3086199
    assert client.get_job(0 + 80045)["jobId"] == 80045


# --------------------------------------------------------------------------------------------
# errors: class, message, request count
# --------------------------------------------------------------------------------------------

def test_404_not_found_no_retry(client, psm):
    with pytest.raises(NotFoundError) as info:
        client.get_stack_job(424242)
    exc = info.value
    assert exc.status == 404
    assert exc.url == f"{psm.base_url}/paas/api/v1.1/activitylog/testdomain/stack/job/424242"
    assert "activity log for job 424242 does not exist" in exc.server_message
    assert "HTTP 404" in str(exc) and exc.url in str(exc) and exc.server_message in str(exc)
    assert psm.request_count == 1 and client.delays == []


def test_400_bad_request_no_retry(client, psm):
    with pytest.raises(BadRequestError) as info:
        list(client.list_activity(order_by="startDate:sideways"))
    assert info.value.status == 400
    assert "invalid orderBy" in info.value.server_message
    assert "orderBy=startDate%3Asideways" in info.value.url
    assert psm.request_count == 1


def test_401_has_a_hint_and_no_retry(psm):
    client = make_client(psm, password="wrong-password")
    with pytest.raises(AuthenticationError) as info:
        client.get_job(80045)
    exc = info.value
    text = str(exc)
    assert exc.status == 401 and "Authentication failed" in exc.server_message
    assert "identity domain 'testdomain'" in text and "X-ID-TENANT-NAME" in text
    assert "credentials" in text and exc.url in text
    assert psm.request_count == 1


def test_403_text_body_and_hint(psm):
    client = PSMClient("otherdomain", base_url=psm.base_url, username=USER, password=PASSWORD)
    with pytest.raises(AuthenticationError) as info:
        client.get_job(80045)
    assert info.value.status == 403
    assert info.value.server_message.startswith("Forbidden: identity domain 'otherdomain'")
    assert "X-ID-TENANT-NAME" in str(info.value)
    assert psm.request_count == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500, 501])
def test_statuses_that_are_never_retried(client, psm, status):
    psm.error(status, count=None, body={"message": f"injected {status}"})
    with pytest.raises(APIError) as info:
        client.get_job(80045)
    expected = {400: BadRequestError, 401: AuthenticationError, 403: AuthenticationError,
                404: NotFoundError, 500: ServerError, 501: ServerError}[status]
    assert type(info.value) is expected
    assert info.value.status == status and info.value.server_message == f"injected {status}"
    assert psm.request_count == 1 and client.delays == []


@pytest.mark.parametrize("status", [502, 503, 504, 429])
def test_burst_then_success_is_retried(client, psm, status):
    fault = psm.error(status, count=2)
    assert client.get_job(80045)["jobId"] == 80045
    assert psm.request_count == 3 and fault.hits == 2
    assert len(client.delays) == 2


def test_retries_exhausted_raise_server_error(client, psm):
    psm.error(503, count=None)
    with pytest.raises(ServerError) as info:
        client.get_job(80045)
    assert info.value.status == 503
    assert "after 5 attempts" in str(info.value)
    assert "injected fault: HTTP 503" in info.value.server_message
    assert psm.request_count == 5 == client.retries + 1


def test_backoff_doubles_with_jitter(psm):
    client = make_client(psm, backoff=0.5)
    psm.error(503, count=None)
    with pytest.raises(ServerError):
        client.get_job(80045)
    assert len(client.delays) == 4
    for n, delay in enumerate(client.delays):
        assert 0.5 * 2 ** n / 2 <= delay <= 0.5 * 2 ** n


def test_backoff_is_capped_by_max_retry_after(psm):
    client = make_client(psm, backoff=10, max_retry_after=3, retries=3)
    psm.error(502, count=None)
    with pytest.raises(ServerError):
        client.get_job(80045)
    assert all(delay <= 3 for delay in client.delays) and len(client.delays) == 3


def test_retry_after_seconds(client, psm):
    psm.throttle(retry_after="3", count=1)
    assert client.get_job(80045)["jobId"] == 80045
    assert client.delays == [3.0] and psm.request_count == 2


def test_retry_after_http_date(client, psm):
    psm.throttle(retry_after=http_date(datetime.now(UTC) + timedelta(seconds=10)), count=1)
    client.get_job(80045)
    assert len(client.delays) == 1 and 8.0 <= client.delays[0] <= 10.0


def test_retry_after_junk_falls_back_to_backoff(client, psm, caplog):
    caplog.set_level(logging.INFO, logger="stacklog")
    psm.throttle(retry_after="soon-ish, maybe", count=1)
    client.get_job(80045)
    assert len(client.delays) == 1 and 0.005 <= client.delays[0] <= 0.01
    assert "ignoring unusable Retry-After" in caplog.text


def test_retry_after_is_capped(psm):
    client = make_client(psm, max_retry_after=60)
    psm.throttle(retry_after="3600", count=1)
    psm.throttle(retry_after=http_date(datetime.now(UTC) + timedelta(hours=2)), count=1)
    client.get_job(80045)
    assert client.delays == [60.0, 60.0] and psm.request_count == 3


def test_retry_after_parser():
    now = datetime(2026, 8, 1, 12, 0, 0, tzinfo=UTC)
    assert _parse_retry_after("120", now) == 120.0
    assert _parse_retry_after(" 1.5 ", now) == 1.5
    assert _parse_retry_after("Sat, 01 Aug 2026 12:00:30 GMT", now) == 30.0
    assert _parse_retry_after("Sat, 01 Aug 2026 11:00:00 GMT", now) == 0.0
    for junk in ("", "-5", "soon", "12 seconds", "Sat, 99 Foo 2026"):
        assert _parse_retry_after(junk, now) is None


def test_dropped_connection_is_retried(client, psm):
    psm.drop(count=2)
    assert client.get_job(80045)["jobId"] == 80045
    assert psm.request_count == 3 and len(client.delays) == 2


def test_dropped_connections_exhaust_into_transport_error(psm):
    client = make_client(psm, retries=2)
    psm.drop(count=None)
    with pytest.raises(TransportError) as info:
        client.get_job(80045)
    exc = info.value
    assert exc.status is None and exc.url.endswith("/job/80045")
    assert "failed after 3 attempt(s)" in str(exc)
    assert "closed connection without response" in str(exc)
    assert psm.request_count == 3


def test_connection_refused_is_a_transport_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = PSMClient("d", base_url=f"http://127.0.0.1:{port}", username="u", password="pw",
                       retries=1)
    client.sleep = lambda s: None
    with pytest.raises(TransportError, match="after 2 attempt"):
        client.get_job(1)


def test_read_timeout_is_retried_then_a_transport_error(psm):
    client = make_client(psm, timeout=(2, 0.1), retries=1)
    psm.latency(0.4)
    with pytest.raises(TransportError, match="read timed out"):
        client.get_job(80045)
    assert psm.request_count == 2


def test_html_login_page_with_200(client, psm):
    psm.html(count=1)
    with pytest.raises(UnexpectedResponseError) as info:
        client.get_job(80045)
    exc = info.value
    assert exc.status == 200
    assert "text/html" in str(exc) and "not JSON" in str(exc)
    assert "Oracle Cloud Account Sign In" in exc.server_message
    assert len(exc.server_message) <= 200
    assert psm.request_count == 1


def test_truncated_json_body(client, psm):
    psm.truncate(count=1)
    with pytest.raises(UnexpectedResponseError) as info:
        client.get_stack_job(80045)
    assert info.value.status == 200
    assert "truncated" in str(info.value) and "application/json" in str(info.value)
    assert psm.request_count == 1


def test_connection_cut_mid_body_is_retried(client, psm):
    psm.truncate(count=1, cut=True)
    assert client.get_stack_job(80045)["jobId"] == 80045
    assert psm.request_count == 2


def test_connection_cut_mid_body_every_time(psm):
    client = make_client(psm, retries=1)
    psm.truncate(count=None, cut=True)
    with pytest.raises(TransportError, match="incomplete"):
        client.get_stack_job(80045)
    assert psm.request_count == 2


def test_json_that_is_not_a_job(client, psm):
    psm.add_fault("status", status=200, body=[1, 2, 3], count=1)
    with pytest.raises(UnexpectedResponseError, match="expected a job"):
        client.get_job(80045)
    psm.add_fault("status", status=200, body={"items": []}, count=1, path="filter")
    with pytest.raises(UnexpectedResponseError, match="activityLogs"):
        list(client.list_activity())


def test_faults_can_target_paths_and_job_ids(client, psm):
    psm.error(503, count=None, path="stack/job/*", job_ids=[3086199])
    assert client.get_stack_job(80045)["jobId"] == 80045
    assert client.get_job(3086199)["jobId"] == 3086199
    with pytest.raises(ServerError):
        client.get_stack_job(3086199)


# --------------------------------------------------------------------------------------------
# credentials never leak
# --------------------------------------------------------------------------------------------

def _texts_of(exc: BaseException) -> list[str]:
    return [str(exc), repr(exc), "".join(traceback.format_exception(exc)),
            *(str(v) for v in vars(exc).values())]


def test_credentials_never_appear_in_errors_logs_reprs_or_files(psm, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    texts: list[str] = []
    basic = make_client(psm, retries=1)
    bearer = make_client(psm, username=None, password=None, token=TOKEN, retries=1)
    wrong = make_client(psm, password=PASSWORD + "x", retries=0)
    texts += [repr(basic), repr(bearer), repr(wrong), repr(basic._auth), repr(bearer._auth)]
    # a server that echoes the caller's credentials back in its error body (first call:
    # the Basic client, second call: the bearer client)
    psm.error(500, count=1, body={"message": f"bad header: Basic {BASIC}",
                                  "detail": f"password {PASSWORD}"})
    psm.error(400, count=1, body=f"<html><title>echo {TOKEN}</title>Bearer {TOKEN}</html>",
              content_type="text/html")
    psm.html(count=1, path="job/*")
    psm.drop(count=2, path="message/*")
    psm.error(503, count=2, path="stack/job/*")
    calls = [lambda: basic.get_job(80045), lambda: bearer.get_job(80045),
             lambda: basic.get_job(80045), lambda: bearer.get_activity_log(36004),
             lambda: basic.get_stack_job(80045), lambda: wrong.get_job(80045),
             lambda: basic.get_job(1), lambda: bearer.get_job(1)]
    for call in calls:
        try:
            call()
        except StacklogError as exc:
            texts += _texts_of(exc)
    result = fetch_jobs(basic, [80045, 3086199, 999], tmp_path / "out", progress=False)
    assert result.fetched == [80045, 3086199] and list(result.failed) == [999]
    texts += [result.summary, *result.failed.values()]
    texts += [path.read_text() for path in (tmp_path / "out").iterdir()]
    texts += [record.getMessage() for record in caplog.records]
    texts += [str(record.args) for record in caplog.records]
    assert any("urllib3" in record.name for record in caplog.records)
    assert any("***" in text for text in texts)  # the echoed secrets were redacted
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


# --------------------------------------------------------------------------------------------
# redirects
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("other_host", ["127.0.0.1", "localhost"])
def test_redirect_to_another_origin_drops_authorization(psm, other_host):
    with FakePSM(DATA, password=PASSWORD) as other:
        target = other.base_url.replace("127.0.0.1", other_host)
        psm.redirect(target)
        client = make_client(psm)
        with pytest.raises(AuthenticationError) as info:
            client.get_job(80045)
        assert info.value.status == 401
        assert info.value.url.startswith(target)  # the error names where it happened
        assert [r.status for r in psm.records] == [302]
        assert psm.records[0].auth_scheme == "Basic"
        (seen,) = other.records
        assert seen.path.endswith("/job/80045")
        assert seen.auth_scheme is None  # no Authorization header reached the other server
        assert seen.tenant == "testdomain"  # the tenant name is not a secret


def test_redirect_within_the_same_origin_keeps_authorization(client, psm):
    psm.redirect(psm.base_url, count=1)
    assert client.get_job(80045)["jobId"] == 80045
    assert [(r.status, r.auth_scheme) for r in psm.records] == [(302, "Basic"), (200, "Basic")]


# --------------------------------------------------------------------------------------------
# list_activity: paging with and without server support
# --------------------------------------------------------------------------------------------

def _listing_server(n=120, **options):
    return FakePSM(make_jobs(n, spacing=timedelta(minutes=37, seconds=11)), password=PASSWORD,
                   **options)


def _filter_queries(server):
    return [r.query for r in server.records if r.path.endswith("/filter")]


def test_paging_honoured(caplog):
    with _listing_server(120) as server:
        client = make_client(server)
        jobs = list(client.list_activity(page_size=50))
        ids = [job["jobId"] for job in jobs]
        assert len(ids) == 120 and len(set(ids)) == 120
        assert ids == sorted(ids, reverse=True)  # newest first, as served
        queries = _filter_queries(server)
        assert [(q["limit"], q["offset"]) for q in queries] == [
            (["50"], ["0"]), (["50"], ["50"]), (["50"], ["100"])]


def test_paging_honoured_short_first_page_is_confirmed():
    with _listing_server(30) as server:
        ids = [job["jobId"] for job in make_client(server).list_activity(page_size=50)]
        assert sorted(ids) == list(range(100_000, 100_030))
        assert [q["offset"] for q in _filter_queries(server)] == [["0"], ["30"]]


@pytest.mark.parametrize("order_by", [None, "startDate:asc", "startDate:desc"])
def test_paging_ignored_with_a_cap_narrows_date_windows(order_by, caplog):
    caplog.set_level(logging.INFO, logger="stacklog")
    with _listing_server(120, page_mode="ignore", default_limit=25) as server:
        jobs = list(make_client(server).list_activity(page_size=50, order_by=order_by))
        ids = [job["jobId"] for job in jobs]
        assert len(ids) == 120
        assert sorted(ids) == list(range(100_000, 100_120))  # every job exactly once
        assert server.request_count < 60
        assert "ignores limit/offset" in caplog.text
        assert "may be incomplete" not in caplog.text
        windows = [q for q in _filter_queries(server) if "limit" not in q]
        assert windows and all(
            "fromStartDate" in q or "toStartDate" in q for q in windows)


def test_paging_ignored_without_a_cap():
    with _listing_server(30, page_mode="ignore") as server:
        ids = [job["jobId"] for job in make_client(server).list_activity(page_size=10)]
        assert sorted(ids) == list(range(100_000, 100_030))


def test_paging_ignored_with_given_bounds_returns_exactly_that_range():
    with _listing_server(120, page_mode="ignore", default_limit=10) as server:
        start = datetime(2026, 8, 1, tzinfo=UTC)
        spacing = timedelta(minutes=37, seconds=11)
        lo, hi = start + 20 * spacing, start + 79 * spacing
        ids = [job["jobId"] for job in make_client(server).list_activity(lo, hi)]
        assert sorted(ids) == list(range(100_020, 100_080))


def test_limit_honoured_but_offset_ignored():
    with _listing_server(70) as server:
        # a server that applies limit but always starts at the top
        server.page_mode = "honour"
        original = server._filter

        def no_offset(query):
            query = {k: v for k, v in query.items() if k != "offset"}
            return original(query)

        server._filter = no_offset
        ids = [job["jobId"] for job in make_client(server).list_activity(page_size=20)]
        assert sorted(ids) == list(range(100_000, 100_070))


def test_more_jobs_in_one_millisecond_than_the_cap_terminates_with_a_warning(caplog):
    jobs = make_jobs(40, spacing=timedelta(0))
    with FakePSM(jobs, password=PASSWORD, page_mode="ignore", default_limit=25) as server:
        ids = [job["jobId"] for job in make_client(server).list_activity()]
        assert len(ids) == len(set(ids)) == 25
        assert "may be incomplete" in caplog.text
        assert server.request_count < 10


def test_filter_parameters_are_sent_and_applied():
    jobs = make_jobs(12)
    for i, job in enumerate(jobs):
        job["status"] = ("SUCCEED", "FAILED", "WARN", "RUNNING")[i % 4]
        job["operationType"] = ("CREATE_SERVICE", "DELETE_SERVICE", "BACKUP")[i % 3]
    jobs[5]["serviceName"] = "orders"
    with FakePSM(jobs, password=PASSWORD) as server:
        client = make_client(server)
        got = list(client.list_activity(status=["FAILED", "warn"]))
        assert {job["status"] for job in got} == {"FAILED", "WARN"} and len(got) == 6
        query = server.records[-1].query
        assert query["status"] == ["FAILED", "WARN"]
        got = list(client.list_activity(operation_type=["BACKUP", "DELETE_SERVICE"],
                                        status="SUCCEED"))
        assert {job["jobId"] for job in got} == {100_004, 100_008}
        got = list(client.list_activity(service_name="orders"))
        assert [job["jobId"] for job in got] == [100_005]
        assert server.records[-1].query["serviceName"] == ["orders"]
        got = list(client.list_activity(order_by="startDate:asc"))
        assert [job["jobId"] for job in got] == sorted(job["jobId"] for job in jobs)
        assert server.records[-1].query["orderBy"] == ["startDate:asc"]


@pytest.mark.parametrize("lo, hi, sent_lo, sent_hi", [
    (date(2026, 8, 1), date(2026, 8, 1),
     "2026-08-01T00:00:00.000+0000", "2026-08-01T23:59:59.999+0000"),
    ("2026-08-01T00:00:00.000+0000", "2026-08-01T01:00:00Z",
     "2026-08-01T00:00:00.000+0000", "2026-08-01T01:00:00.000+0000"),
    (datetime(2026, 8, 1, 2, 0), datetime(2026, 8, 1, 4, 0, tzinfo=timezone(timedelta(hours=2))),
     "2026-08-01T02:00:00.000+0000", "2026-08-01T02:00:00.000+0000"),
    ("2026-08-01 00:00:00", None, "2026-08-01T00:00:00.000+0000", None),
])
def test_date_bounds_are_formatted_in_utc(client, psm, lo, hi, sent_lo, sent_hi):
    list(client.list_activity(lo, hi))
    query = psm.records[-1].query
    assert query.get("fromStartDate") == ([sent_lo] if sent_lo else None)
    assert query.get("toStartDate") == ([sent_hi] if sent_hi else None)


def test_bad_listing_arguments_fail_before_any_request(client, psm):
    with pytest.raises(InputError, match="from_start"):
        client.list_activity("yesterday")
    with pytest.raises(InputError, match="after to_start"):
        client.list_activity("2026-08-02", "2026-08-01T00:00:00Z")
    with pytest.raises(InputError, match="page_size"):
        client.list_activity(page_size=0)
    with pytest.raises(InputError, match="status"):
        client.list_activity(status=[""])
    assert psm.request_count == 0


def test_urls_in_errors_never_carry_userinfo(psm):
    with FakePSM(DATA, password=PASSWORD) as other:
        port = other.base_url.rsplit(":", 1)[1]
        psm.redirect(f"http://someone:hunter2-{PASSWORD}@127.0.0.1:{port}")
        with pytest.raises(APIError) as info:
            make_client(psm).get_job(80045)
        assert info.value.url.startswith(f"http://127.0.0.1:{port}/paas/")
        for text in _texts_of(info.value):
            assert "hunter2" not in text and PASSWORD not in text
