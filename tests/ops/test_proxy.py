"""Behind a reverse proxy (CRM_PROXY_COUNT=1) the client's address and scheme are the proxy's
X-Forwarded-* values: the per-address login throttle then counts each client, not the proxy."""

from __future__ import annotations

from flask import request

from crm import create_app
from crm.config import TestConfig


def _seen_by_app(proxies: int) -> tuple[str | None, str]:
    class ProxyConfig(TestConfig):
        PROXY_COUNT = proxies

    app = create_app(ProxyConfig)
    seen: list[tuple[str | None, str]] = []
    app.before_request(lambda: seen.append((request.remote_addr, request.scheme)))
    resp = app.test_client().get("/health", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                 headers={"X-Forwarded-For": "203.0.113.9",
                                          "X-Forwarded-Proto": "https"})
    assert resp.status_code == 200
    return seen[0]


def test_behind_one_proxy_the_client_address_and_scheme_are_the_forwarded_ones():
    assert _seen_by_app(1) == ("203.0.113.9", "https")


def test_without_a_proxy_setting_forwarded_headers_are_not_believed():
    assert _seen_by_app(0) == ("127.0.0.1", "http")
