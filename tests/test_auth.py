"""Login, logout, language and the login requirement."""

from tests import factories
from tests.conftest import login


def test_every_page_but_login_needs_a_user(client):
    resp = client.get("/firms/")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]


def test_login_with_wrong_password_gives_generic_message(client, db):
    user = factories.make_user("officer")
    db.session.commit()
    resp = client.post("/login", data={"email": user.email, "password": "wrong password"})
    assert resp.status_code == 200
    assert "Email hoặc mật khẩu không đúng" in resp.get_data(as_text=True)


def test_officer_logs_in_and_sees_firm_list(client, db):
    user = factories.make_user("officer")
    db.session.commit()
    login(client, user)
    assert client.get("/firms/").status_code == 200


def test_logout_ends_the_session(client, officer):
    client.post("/logout")
    assert client.get("/firms/").status_code == 302


def test_enterprise_user_cannot_open_another_firm(client, db, login_as):
    other = factories.make_firm()
    user = login_as("enterprise")
    assert client.get(f"/firms/{user.firm_id}").status_code == 200
    assert client.get(f"/firms/{other.id}").status_code == 404


def test_enterprise_user_cannot_list_firms(client, login_as):
    login_as("enterprise")
    assert client.get("/firms/").status_code == 403


def test_interface_switches_to_english(client, officer):
    client.post("/lang/en", data={"next": "/firms/"})
    page = client.get("/firms/").get_data(as_text=True)
    assert "Firms" in page


def test_pages_forbid_inline_script_and_framing(client, officer):
    resp = client.get("/firms/")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly_and_samesite_lax(client, db):
    user = factories.make_user("officer")
    db.session.commit()
    resp = client.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_refuses_open_redirect(client, db):
    user = factories.make_user("officer")
    db.session.commit()
    resp = client.post(
        "/login?next=https://evil.example/x",
        data={"email": user.email, "password": factories.PASSWORD},
    )
    assert resp.headers["Location"] == "/"


def test_production_refuses_the_default_secret_key(monkeypatch):
    import pytest

    from crm import create_app
    from crm.config import Config

    monkeypatch.setenv("CRM_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Config)
