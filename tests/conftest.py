"""Fixtures shared by the test modules."""

from __future__ import annotations

import pytest

#: credentials, netrc and proxy settings of the machine running the tests
ENV_VARS = ("STACKLOG_USER", "STACKLOG_PASSWORD", "STACKLOG_TOKEN", "STACKLOG_DOMAIN",
            "STACKLOG_BASE_URL", "NETRC", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
            "http_proxy", "https_proxy", "all_proxy", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No credentials, netrc or proxies from the machine running the tests."""
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NETRC", str(tmp_path / "no-such-netrc"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
