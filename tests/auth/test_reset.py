"""One-time reset links made by an admin: valid once, for an hour."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.auth import services
from crm.models import PasswordReset
from crm.models.base import utcnow
from tests import factories
from tests.conftest import login

NEW = "cà phê Buôn Ma Thuột 2026"


def _link(db, user) -> str:
    admin = factories.make_user("admin")
    token = services.create_reset_link(user, by=admin)
    db.session.commit()
    return f"/reset/{token}"


def _set(client, url: str, new: str = NEW):
    return client.post(url, data={"new_password": new, "confirm": new})


def test_reset_link_sets_a_new_password(client, db):
    user = factories.make_user("officer")
    url = _link(db, user)
    assert client.get(url).status_code == 200
    resp = _set(client, url)
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]
    login(client, user, NEW)


def test_reset_link_works_only_once(client, db):
    user = factories.make_user("officer")
    url = _link(db, user)
    assert _set(client, url).status_code == 302
    resp = _set(client, url, "một mật khẩu khác nữa")
    assert resp.status_code == 404
    assert "không còn hiệu lực" in resp.get_data(as_text=True)


def test_expired_reset_link_is_refused(client, db):
    user = factories.make_user("officer")
    url = _link(db, user)
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    reset.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.get(url).status_code == 404
    assert _set(client, url).status_code == 404
    db.session.expire_all()
    assert user.check_password(factories.PASSWORD)


def test_a_new_link_cancels_the_previous_one(client, db):
    user = factories.make_user("officer")
    first = _link(db, user)
    second = _link(db, user)
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_reset_link_expires_after_one_hour(db):
    user = factories.make_user("officer")
    _link(db, user)
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    lifetime = services._aware(reset.expires_at) - services._aware(reset.created_at)
    assert lifetime == timedelta(hours=1)


def test_only_the_token_hash_is_stored(db):
    user = factories.make_user("officer")
    token = _link(db, user).rsplit("/", 1)[1]
    reset = db.session.scalar(select(PasswordReset).where(PasswordReset.user_id == user.id))
    assert token not in reset.token_hash
    assert len(reset.token_hash) == 64


def test_reset_applies_the_password_rules(client, db):
    user = factories.make_user("officer")
    url = _link(db, user)
    resp = _set(client, url, "123456789a")
    assert "quá phổ biến" in resp.get_data(as_text=True)
    assert client.get(url).status_code == 200  # still usable after a refused attempt


def test_reset_logs_out_existing_sessions(app, client, db):
    user = factories.make_user("officer")
    db.session.commit()
    login(client, user)
    url = _link(db, user)
    assert _set(app.test_client(), url).status_code == 302
    assert client.get("/firms/").status_code == 302
