"""Optional second factor (TOTP) for admins and managers."""

from __future__ import annotations

import time

import pyotp
import pytest

from crm.models import User
from tests import factories


def _enrol(client) -> pyotp.TOTP:
    """Enrol the logged-in user; returns their authenticator (the step `now` is used up)."""
    assert client.get("/account/totp").status_code == 200
    with client.session_transaction() as sess:
        secret = sess["totp_enrol_secret"]
    totp = pyotp.TOTP(secret)
    resp = client.post("/account/totp", data={"code": totp.now()})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-1500:]
    return totp


def _next_code(totp: pyotp.TOTP) -> str:
    """The code of the next 30-second step (accepted for clock drift, not yet used)."""
    return totp.at(time.time() + 30)


def _password_step(client, user):
    return client.post("/login", data={"email": user.email, "password": factories.PASSWORD})


def test_enrolment_page_shows_the_secret_and_otpauth_uri(client, login_as):
    login_as("manager")
    page = client.get("/account/totp").get_data(as_text=True)
    with client.session_transaction() as sess:
        secret = sess["totp_enrol_secret"]
    assert secret[:4] in page
    assert "otpauth://totp/" in page


def test_wrong_code_does_not_enrol(client, db, login_as):
    user = login_as("admin")
    client.get("/account/totp")
    resp = client.post("/account/totp", data={"code": "000000"})
    assert "Mã không đúng" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None


def test_enrolled_admin_logs_in_with_password_then_code(client, db, login_as):
    user = login_as("admin")
    totp = _enrol(client)
    client.post("/logout")
    resp = _password_step(client, user)
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/login/code")
    assert client.get("/firms/").status_code == 302  # not logged in yet
    resp = client.post("/login/code", data={"code": _next_code(totp)})
    assert resp.status_code == 302
    assert client.get("/firms/").status_code == 200


def test_wrong_code_is_refused_at_login(client, db, login_as):
    user = login_as("manager")
    _enrol(client)
    client.post("/logout")
    _password_step(client, user)
    resp = client.post("/login/code", data={"code": "123456"})
    assert resp.status_code == 200
    assert "Mã xác thực không đúng" in resp.get_data(as_text=True)
    assert client.get("/firms/").status_code == 302


def test_a_code_cannot_be_used_twice(client, db, login_as):
    user = login_as("admin")
    totp = _enrol(client)
    code = _next_code(totp)
    client.post("/logout")
    _password_step(client, user)
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    _password_step(client, user)
    assert client.post("/login/code", data={"code": code}).status_code == 200


def test_code_step_without_the_password_step_goes_back_to_login(client, db):
    resp = client.post("/login/code", data={"code": "123456"})
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_disabling_needs_password_and_code(client, db, login_as):
    user = login_as("admin")
    totp = _enrol(client)
    resp = client.post("/account/totp/disable",
                       data={"password": "wrong password", "code": _next_code(totp)})
    assert "Mật khẩu không đúng" in resp.get_data(as_text=True)
    resp = client.post("/account/totp/disable",
                       data={"password": factories.PASSWORD, "code": _next_code(totp)})
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None


@pytest.mark.parametrize("role", ["officer", "viewer", "enterprise"])
def test_second_factor_is_offered_to_admins_and_managers_only(client, login_as, role):
    login_as(role)
    assert client.get("/account/totp").status_code == 403
