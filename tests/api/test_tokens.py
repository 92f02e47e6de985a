"""API tokens: made once, stored as a hash, scoped, expiring, revocable, audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from crm.auth import tokens
from crm.cli import cli
from crm.errors import UserError
from crm.models import ApiToken, AuditEvent
from crm.models.base import utcnow
from tests import factories


def test_only_the_hash_of_a_token_is_stored(db):
    user = factories.make_user("officer")
    made = tokens.create_token(user, "sync", "firms:read", 30)
    row = db.session.get(ApiToken, made.token.id)
    assert made.secret.startswith(f"ggc_{row.prefix}_")
    assert row.token_hash == tokens.token_hash(made.secret)
    assert made.secret not in (row.token_hash, row.prefix, row.name)


@pytest.mark.parametrize("days", [None, 0, 366])
def test_a_non_admin_token_needs_an_expiry_of_at_most_365_days(db, days):
    user = factories.make_user("officer")
    with pytest.raises(UserError) as err:
        tokens.create_token(user, "sync", "firms:read", days)
    assert err.value.field == "days"


def test_an_admin_token_may_have_no_expiry(db):
    made = tokens.create_token(factories.make_user("admin"), "nightly", "firms:read", None)
    assert made.token.expires_at is None


def test_a_viewer_cannot_get_a_write_scope(db):
    with pytest.raises(UserError) as err:
        tokens.create_token(factories.make_user("viewer"), "x", "firms:write", 30)
    assert err.value.field == "scopes"


def test_expired_and_revoked_tokens_get_401(api, make_token, db):
    token = make_token("officer")
    assert api("get", "/api/v1/firms/", token=token).status_code == 200
    row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == token.split("_")[1]))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = api("get", "/api/v1/firms/", token=token)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    row.expires_at = utcnow() + timedelta(days=1)
    tokens.revoke_token(row, by=row.user)
    db.session.commit()
    assert api("get", "/api/v1/firms/", token=token).status_code == 401


def test_a_session_cookie_does_not_authenticate_the_api(client, officer):
    resp = client.get("/api/v1/firms/")
    assert resp.status_code == 401
    assert resp.content_type == "application/problem+json"


def test_last_use_time_and_address_are_remembered(api, make_token, db):
    token = make_token("officer")
    api("get", "/api/v1/firms/", token=token, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == token.split("_")[1]))
    db.session.refresh(row)
    assert row.last_used_addr == "10.1.2.3"
    assert row.last_used_at is not None


def test_cli_prints_a_token_that_works(app, db, api):
    user = factories.make_user("officer", email="api-cli@example.vn")
    db.session.commit()
    result = app.test_cli_runner().invoke(cli, ["token", "create", "api-cli@example.vn",
                                                "--name", "portal", "--scopes",
                                                "firms:read", "--days", "30"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert api("get", "/api/v1/firms/", token=token).status_code == 200
    assert user.id is not None


def test_cli_bad_input_is_one_line_on_stderr_and_exit_2(app, db):
    factories.make_user("officer", email="api-cli2@example.vn")
    db.session.commit()
    result = app.test_cli_runner().invoke(cli, ["token", "create", "api-cli2@example.vn",
                                                "--name", "x", "--scopes", "firms:read"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "days" in result.stderr


def test_token_page_shows_a_new_token_once_and_revokes_it(client, officer, db, api):
    resp = client.post("/account/tokens", data={"name": "cổng TMĐT", "scopes": ["firms:read"],
                                                 "days": "30"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert api("get", "/api/v1/firms/", token=secret).status_code == 200
    assert secret not in client.get("/account/tokens").get_data(as_text=True)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == officer.id))
    client.post(f"/account/tokens/{row.id}/revoke")
    assert api("get", "/api/v1/firms/", token=secret).status_code == 401
    actions = set(db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.user_id == officer.id)))
    assert {"token_create", "token_revoke"} <= actions


def test_writes_through_the_api_name_the_token_in_the_audit_trail(api, make_token, db):
    firm = factories.make_firm()
    db.session.commit()
    token = make_token("officer")
    etag = api("get", f"/api/v1/firms/{firm.id}", token=token).headers["ETag"]
    api("patch", f"/api/v1/firms/{firm.id}", token=token, json={"name": "Tên mới"},
        headers={"If-Match": etag})
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "update", AuditEvent.target_id == firm.id))
    assert event.detail["via"] == "api"
    assert event.detail["api_key"] == token.split("_")[1]


def test_requests_are_throttled_per_token(app, api, make_token):
    from crm.api import core
    from crm.extensions import limiter

    token, other = make_token("officer"), make_token("officer")
    limiter.enabled = True
    old = core.API_LIMITS
    try:
        limiter.reset()
        codes = [api("get", "/api/v1/opportunities/", token=token).status_code
                 for _ in range(125)]
        assert codes[0] == 200
        assert codes[-1] == 429
        assert api("get", "/api/v1/opportunities/", token=other).status_code == 200
    finally:
        limiter.enabled = False
        limiter.reset()
        core.API_LIMITS = old
