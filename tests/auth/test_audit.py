"""The audit trail: who, when, what, from where; never a password, token or secret."""

from __future__ import annotations

import json
import logging

from sqlalchemy import select

from crm import audit
from crm.models import AuditEvent, Opportunity, Programme
from tests import factories
from tests.conftest import login


def _events(db, action: str | None = None) -> list[AuditEvent]:
    db.session.expire_all()
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(db.session.scalars(stmt))


def _as_text(events: list[AuditEvent]) -> str:
    return json.dumps([audit.as_dict(e) for e in events], ensure_ascii=False)


def test_login_is_recorded_with_who_and_where(client, db):
    user = factories.make_user("officer")
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": factories.PASSWORD},
                headers={"User-Agent": "Firefox/" + "x" * 500, "X-Request-ID": "req-12345678"},
                environ_base={"REMOTE_ADDR": "192.0.2.7"})
    (event,) = _events(db, "login")
    assert (event.user_id, event.user_email) == (user.id, user.email)
    assert event.remote_addr == "192.0.2.7"
    assert event.user_agent.startswith("Firefox/")
    assert len(event.user_agent) == 200
    assert event.request_id == "req-12345678"
    assert event.at is not None
    assert factories.PASSWORD not in _as_text([event])


def test_failed_login_records_the_folded_email_and_never_the_password(client, db):
    client.post("/login", data={"email": " Trần.Bình@Example.VN ", "password": "s3cret-guess!"})
    (event,) = _events(db, "login_failed")
    assert event.user_email == "tran.binh@example.vn"
    assert event.user_id is None
    assert "s3cret-guess!" not in _as_text(_events(db))


def test_logout_is_recorded(client, db, officer):
    client.post("/logout")
    (event,) = _events(db, "logout")
    assert event.user_id == officer.id


def test_firm_archive_and_edit_are_recorded(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    client.post(f"/firms/{firm.id}/archive")
    client.post(f"/firms/{firm.id}/contacts/new", data={"name": "Lê Thị Hoa",
                                                         "email": "hoa@example.vn"})
    archive, = _events(db, "archive")
    assert (archive.target_type, archive.target_id, archive.user_id) == ("firm", firm.id,
                                                                         officer.id)
    update, = _events(db, "update")
    assert update.target_id == firm.id
    assert update.detail == {"part": "contacts"}


def test_refused_firm_edit_leaves_no_event(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    client.post(f"/firms/{firm.id}/contacts/new", data={"name": "", "email": "not-an-email"})
    assert _events(db, "update") == []


def test_exports_are_recorded(client, db, officer):
    opp = Opportunity(code="XT-TEST-1", kind="trade_mission", title="Đoàn UAE")
    programme = Programme(code="CT-TEST", name="Chương trình thử", start_year=2025,
                          end_year=2026)
    db.session.add_all([opp, programme])
    db.session.commit()
    assert client.get(f"/opportunities/{opp.id}/export.xlsx").status_code == 200
    assert client.get(f"/programmes/{programme.id}/report.xlsx").status_code == 200
    events = _events(db, "export")
    assert [(e.target_type, e.target_id) for e in events] == [
        ("opportunity", opp.id), ("programme", programme.id)]
    assert events[0].detail["format"] == "xlsx"
    assert events[0].detail["rows"] == 0  # the shortlist is empty


def test_reset_link_event_does_not_contain_the_token(client, db, login_as, caplog):
    caplog.set_level(logging.INFO, logger="crm.audit")
    login_as("admin")
    user = factories.make_user("officer")
    db.session.commit()
    page = client.post(f"/admin/users/{user.id}/reset-link").get_data(as_text=True)
    token = page.split("/reset/", 1)[1].split("<", 1)[0].strip()
    assert len(token) > 30
    (event,) = _events(db, "password_reset_link")
    assert event.target_id == user.id
    assert token not in _as_text(_events(db))
    assert token not in caplog.text


def test_password_change_event_has_no_password(client, db, officer):
    new = "một mật khẩu rất dài 2026"
    client.post("/account/password", data={"current_password": factories.PASSWORD,
                                           "new_password": new, "confirm": new})
    (event,) = _events(db, "password_change")
    assert event.user_id == officer.id
    text = _as_text(_events(db))
    assert new not in text
    assert factories.PASSWORD not in text


def test_secret_looking_detail_keys_are_redacted(db):
    event = audit.record("create", "firm", 1, {"password": "p", "reset_token": "t",
                                               "totp_secret": "s", "tax_code": "0101234567",
                                               "nested": {"code": "123456"}})
    assert event.detail == {"password": "[redacted]", "reset_token": "[redacted]",
                            "totp_secret": "[redacted]", "tax_code": "0101234567",
                            "nested": {"code": "[redacted]"}}


def test_each_committed_event_is_one_json_log_line(client, db, caplog):
    caplog.set_level(logging.INFO, logger="crm.audit")
    user = factories.make_user("officer")
    db.session.commit()
    login(client, user)
    lines = [r for r in caplog.records if r.name == "crm.audit" and hasattr(r, "audit")]
    assert len(lines) == 1
    payload = json.loads(audit.JsonFormatter().format(lines[0]))
    assert payload["event"] == "audit"
    assert payload["action"] == "login"
    assert payload["user_email"] == user.email
    assert payload["request_id"]
    assert json.loads(lines[0].getMessage())["event_id"] == payload["event_id"]


def test_rolled_back_event_is_not_logged(db, caplog):
    caplog.set_level(logging.INFO, logger="crm.audit")
    audit.record("export", "opportunity", 1)
    db.session.flush()
    db.session.rollback()
    assert not [r for r in caplog.records if hasattr(r, "audit")]
