"""Admin pages: the audit log and user management, for admins only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from crm.models import AuditEvent, User
from tests import factories
from tests.conftest import login

ADMIN_PAGES = ["/admin/audit", "/admin/users", "/admin/users/new"]


@pytest.mark.parametrize("role", ["manager", "officer", "viewer", "enterprise"])
def test_admin_pages_are_refused_to_other_roles(client, login_as, role):
    login_as(role)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url


def test_audit_log_lists_logins_and_filters_by_action(client, db, login_as):
    officer = factories.make_user("officer")
    db.session.commit()
    client.post("/login", data={"email": officer.email, "password": "wrong password"})
    login_as("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Đăng nhập thất bại" in page
    assert officer.email in page
    page = client.get("/admin/audit?action=login").get_data(as_text=True)
    assert officer.email not in page


def test_audit_log_shows_firm_changes_old_to_new_and_links_history(client, db, login_as):
    firm = factories.make_firm(name="Công ty Yến Sào Cũ")
    db.session.commit()
    officer = login_as("officer")
    client.post(f"/firms/{firm.id}/contacts/new", data={"name": "Phạm Văn Đức"})
    client.post("/logout")
    login_as("admin")
    page = client.get(f"/admin/audit?target_type=firm&target_id={firm.id}").get_data(
        as_text=True)
    assert officer.email in page
    assert "Phạm Văn Đức" in page  # the ChangeRecord's new value, next to the event
    assert f"/verification/firms/{firm.id}/history" in page


def test_admin_creates_a_user_who_sets_the_password_by_link(app, client, db, login_as):
    login_as("admin")
    resp = client.post("/admin/users/new", data={
        "name": "Võ Thị Mai", "email": "Mai.Vo@Example.vn", "role": "officer"})
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    link = resp.get_data(as_text=True).split("http://localhost", 1)[1].split("<", 1)[0].strip()
    user = db.session.scalar(select(User).where(User.email == "mai.vo@example.vn"))
    assert user.role == "officer"
    new = "hoa mai ngày tết 2026"
    other = app.test_client()
    assert other.post(link, data={"new_password": new, "confirm": new}).status_code == 302
    login(other, user, new)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user_create", "password_reset_link", "password_reset"} <= actions


def test_enterprise_user_needs_a_known_firm_tax_code(client, db, login_as):
    login_as("admin")
    resp = client.post("/admin/users/new", data={
        "name": "Chủ DN", "email": "chu@example.vn", "role": "enterprise"})
    assert "cần mã số thuế" in resp.get_data(as_text=True)
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post("/admin/users/new", data={
        "name": "Chủ DN", "email": "chu@example.vn", "role": "enterprise",
        "firm_tax_code": firm.tax_code})
    assert resp.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "chu@example.vn")).firm_id \
        == firm.id


def test_duplicate_email_is_refused(client, db, login_as):
    login_as("admin")
    existing = factories.make_user("officer")
    db.session.commit()
    resp = client.post("/admin/users/new", data={
        "name": "X", "email": existing.email.upper(), "role": "viewer"})
    assert "Đã có người dùng với email này" in resp.get_data(as_text=True)


def test_deactivated_user_is_logged_out_and_cannot_log_in(app, client, db, login_as):
    user = factories.make_user("officer")
    db.session.commit()
    theirs = app.test_client()
    login(theirs, user)
    login_as("admin")
    client.post(f"/admin/users/{user.id}/active", data={"active": "0"})
    assert theirs.get("/firms/").status_code == 302
    resp = theirs.post("/login", data={"email": user.email, "password": factories.PASSWORD})
    assert resp.status_code == 200
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "user_deactivate")).target_id == user.id


def test_role_change_is_recorded(client, db, login_as):
    user = factories.make_user("viewer")
    db.session.commit()
    login_as("admin")
    client.post(f"/admin/users/{user.id}/role", data={"role": "officer"})
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "officer"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_role"))
    assert event.detail == {"from": "viewer", "to": "officer"}


def test_admin_cannot_lock_themself_out(client, db, login_as):
    admin = login_as("admin")
    client.post(f"/admin/users/{admin.id}/active", data={"active": "0"})
    client.post(f"/admin/users/{admin.id}/role", data={"role": "viewer"})
    db.session.expire_all()
    me = db.session.get(User, admin.id)
    assert me.active
    assert me.role == "admin"
    assert client.get("/admin/users").status_code == 200


def test_user_list_filters_by_role(client, db, login_as):
    login_as("admin")
    viewer = factories.make_user("viewer")
    officer = factories.make_user("officer")
    db.session.commit()
    page = client.get("/admin/users?role=viewer").get_data(as_text=True)
    assert viewer.email in page
    assert officer.email not in page
