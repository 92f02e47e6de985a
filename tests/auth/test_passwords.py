"""Password change rules, and a change ending the user's other sessions."""

from __future__ import annotations

import pytest

from crm.models import User
from tests import factories
from tests.conftest import login

NEW = "lúa gạo Khánh Hòa 2026"


def _change(client, current: str = factories.PASSWORD, new: str = NEW, confirm: str | None = None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "confirm": new if confirm is None else confirm})


def test_password_change_needs_the_current_password(client, db, officer):
    resp = _change(client, current="not my password")
    assert resp.status_code == 200
    assert "Mật khẩu hiện tại không đúng" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert officer.check_password(factories.PASSWORD)


@pytest.mark.parametrize(("new", "message"), [
    ("ngắn quá", "ít nhất 10 ký tự"),
    ("matkhau123", "quá phổ biến"),
    ("Password123", "quá phổ biến"),
    ("aaaaaaaaaaaa", "quá phổ biến"),
])
def test_weak_new_password_is_refused_with_a_reason(client, db, officer, new, message):
    resp = _change(client, new=new)
    assert message in resp.get_data(as_text=True)
    db.session.expire_all()
    assert officer.check_password(factories.PASSWORD)


def test_new_password_may_not_be_the_email(client, db, login_as):
    user = login_as("officer")
    resp = _change(client, new=user.email.upper())
    assert "không được trùng với email" in resp.get_data(as_text=True)


def test_mismatched_confirmation_is_refused(client, db, officer):
    resp = _change(client, confirm=NEW + "x")
    assert "Hai mật khẩu khác nhau" in resp.get_data(as_text=True)


def test_changed_password_is_the_one_that_logs_in(app, client, db, officer):
    resp = _change(client)
    assert resp.status_code == 302
    assert client.get("/firms/").status_code == 200  # this session goes on
    other = app.test_client()
    resp = other.post("/login", data={"email": officer.email, "password": factories.PASSWORD})
    assert resp.status_code == 200  # the old password no longer works
    login(other, officer, NEW)


def test_password_change_logs_out_the_users_other_sessions(app, client, db):
    user = factories.make_user("officer")
    db.session.commit()
    laptop, phone = client, app.test_client()
    login(laptop, user)
    login(phone, user)
    assert phone.get("/firms/").status_code == 200
    assert _change(laptop).status_code == 302
    resp = phone.get("/firms/")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]
    assert laptop.get("/firms/").status_code == 200
    assert db.session.get(User, user.id).session_version == 1


def test_passwords_are_stored_as_argon2id_never_in_clear(db):
    user = factories.make_user("officer")
    assert user.password_hash.startswith("$argon2id$")
    assert factories.PASSWORD not in user.password_hash
    assert user.check_password(factories.PASSWORD)
    assert not user.check_password(factories.PASSWORD + "x")


def test_an_older_scrypt_hash_logs_in_and_is_rehashed_with_argon2id(client, db):
    from werkzeug.security import generate_password_hash

    user = factories.make_user("officer")
    user.password_hash = generate_password_hash(factories.PASSWORD, method="scrypt")
    db.session.commit()
    resp = client.post("/login", data={"email": user.email, "password": "not the password"})
    assert resp.status_code == 200
    db.session.expire_all()
    assert user.password_hash.startswith("scrypt:")  # a wrong password changes nothing

    login(client, user)
    db.session.expire_all()
    assert user.password_hash.startswith("$argon2id$")
    assert user.check_password(factories.PASSWORD)
