"""API fixtures: a token per role, and a client that sends it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from crm.auth import tokens
from crm.auth.tokens import SCOPES
from tests import factories


@pytest.fixture
def make_token(db) -> Callable[..., str]:
    """make_token('officer') -> a live token of a new user with that role (all its scopes)."""

    def make(role: str = "officer", *, firm=None, scopes=None, days: int | None = 30,
             user=None) -> str:
        user = user or factories.make_user(role=role, firm=firm)
        wanted = scopes if scopes is not None else sorted(
            s for s in SCOPES if s in tokens.ROLE_SCOPES[user.role])
        made = tokens.create_token(user, "test", wanted, days)
        db.session.commit()
        return made.secret

    return make


@pytest.fixture
def api(client, make_token) -> Callable[..., object]:
    """api('get', '/api/v1/firms/', token=..., json=...) with the token in Authorization."""

    def call(method: str, url: str, *, token: str, **kw: object):
        headers = dict(kw.pop("headers", {}) or {})
        headers["Authorization"] = f"Bearer {token}"
        return client.open(url, method=method.upper(), headers=headers, **kw)

    return call
