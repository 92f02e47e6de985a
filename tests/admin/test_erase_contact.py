"""Erasing a contact person on request (Decree 13/2023): admins only, after a confirmation;
the contact is anonymised, its old values leave the firm's history, the audit event stays."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from crm import history
from crm.firms import services as firm_services
from crm.models import AuditEvent, ChangeRecord, Contact, FirmMerge
from tests import factories

ERASED = "Đã xóa theo yêu cầu"
OLD = {"name": "Nguyễn Văn An", "position": "Giám đốc", "phone": "0905 111 222",
       "email": "an.nguyen@yensao.example.vn", "notes": "Gọi buổi sáng"}


@pytest.fixture
def contact(db) -> Contact:
    """A contact person added and changed by an officer, so the history holds its values."""
    firm = factories.make_firm()
    officer = factories.make_user("officer")
    with history.recording("staff", by=officer):
        person = firm_services.add_contact(firm, {**OLD, "phone": "0905 000 000"})
        firm_services.update_contact(firm, person, OLD)
    db.session.commit()
    return person


def _history_text(db, firm_id: int) -> str:
    rows = db.session.scalars(select(ChangeRecord).where(ChangeRecord.firm_id == firm_id))
    return json.dumps([[r.old_value, r.new_value] for r in rows], ensure_ascii=False)


def _erase(client, contact: Contact, **data):
    return client.post(f"/admin/contacts/{contact.id}/erase", data={"confirm": "y", **data})


def test_admin_sees_a_confirmation_page_before_erasing(client, login_as, contact):
    login_as("admin")
    page = client.get(f"/admin/contacts/{contact.id}/erase").get_data(as_text=True)
    assert OLD["phone"] in page  # the admin checks it is the right person
    assert 'name="confirm"' in page
    assert contact.name == OLD["name"]


def test_erasing_without_ticking_the_confirmation_changes_nothing(client, db, login_as,
                                                                  contact):
    login_as("admin")
    resp = client.post(f"/admin/contacts/{contact.id}/erase", data={})
    assert resp.status_code == 200
    assert "Hãy đánh dấu xác nhận" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert contact.phone == OLD["phone"]


def test_erasing_without_a_csrf_token_is_refused(app, client, db, login_as, contact,
                                                 monkeypatch):
    login_as("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    resp = _erase(client, contact)
    assert resp.status_code == 400
    db.session.expire_all()
    assert contact.email == OLD["email"]


def test_admin_erase_anonymises_the_contact(client, db, login_as, contact):
    login_as("admin")
    resp = _erase(client, contact)
    assert resp.status_code == 302
    db.session.expire_all()
    assert contact.name == ERASED
    assert (contact.position, contact.phone, contact.email, contact.notes) == (
        None, None, None, None)
    assert db.session.get(Contact, contact.id) is not None  # anonymised, not deleted


def test_erase_removes_the_old_values_from_the_firms_history(client, db, login_as, contact):
    assert OLD["phone"] in _history_text(db, contact.firm_id)
    login_as("admin")
    _erase(client, contact)
    text = _history_text(db, contact.firm_id)
    for value in (*OLD.values(), "0905 000 000"):
        assert value not in text
    assert ERASED in text  # the rows stay, saying what happened
    page = client.get(f"/verification/firms/{contact.firm_id}/history").get_data(as_text=True)
    assert OLD["email"] not in page


def test_erase_records_who_and_which_contact_but_not_the_values(client, db, login_as,
                                                                contact):
    admin = login_as("admin")
    _erase(client, contact)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "erase"))
    assert event is not None
    assert (event.user_id, event.target_type, event.target_id) == (admin.id, "contact",
                                                                   contact.id)
    assert event.at is not None
    assert event.detail["firm_id"] == contact.firm_id
    assert event.detail["history_rows"] == 2  # the contact's "added" row and its phone change
    stored = json.dumps(event.detail, ensure_ascii=False)
    for value in OLD.values():
        assert value not in stored


def test_erase_cleans_an_imported_firms_summary_also_after_a_merge(db):
    from crm.admin.services import erase_contact

    imported = factories.make_firm()
    with history.paused():  # as an import adds a new firm's contacts: no row of their own
        person = factories.make_contact(imported, name=OLD["name"], phone=OLD["phone"])
    history.record_changes(imported, [("firm", imported.id, "+", None, {
        "name": imported.name, "contacts": [OLD["name"], "Văn phòng"]})], source="import")
    keep = factories.make_firm()
    # A merge moves the contact to the kept firm and leaves a pointer on it.
    person.firm_id = keep.id
    history.record_changes(keep, [("firm", keep.id, "merged_from", None,
                                   {"id": imported.id, "name": imported.name})],
                           source="merge")
    db.session.flush()
    admin = factories.make_user("admin")
    assert erase_contact(person, by=admin) == 1
    summary = db.session.scalar(select(ChangeRecord.new_value).where(
        ChangeRecord.firm_id == imported.id, ChangeRecord.field == "+",
        ChangeRecord.source == "import"))
    assert summary["contacts"] == [ERASED, "Văn phòng"]


def test_erase_cleans_the_undo_record_of_a_merge_that_folded_a_twin(db):
    from crm.admin.services import erase_contact

    keep, drop = factories.make_firm(), factories.make_firm()
    person = factories.make_contact(keep, name=OLD["name"], phone=OLD["phone"],
                                    email=OLD["email"])
    # The merge folded drop's copy of the person (same phone) into `person`, giving it the
    # copy's e-mail; another person's folded row must stay as it was.
    merge = FirmMerge(kept_firm_id=keep.id, merged_firm_id=drop.id, summary={}, undo={
        "fields": {}, "moved": [], "repointed": [],
        "removed": [["contacts", {"id": 10**6, "firm_id": drop.id, "name": OLD["name"],
                                  "phone": OLD["phone"], "email": OLD["email"]}],
                    ["contacts", {"id": 10**6 + 1, "firm_id": drop.id, "name": "Lê Thị Cúc",
                                  "phone": "0258 999 888"}]],
        "updated": [["contacts", person.id, "email", None, OLD["email"]]]})
    db.session.add(merge)
    db.session.flush()
    erase_contact(person, by=factories.make_user("admin"))
    db.session.expire_all()
    text = json.dumps(db.session.get(FirmMerge, merge.id).undo, ensure_ascii=False)
    for value in (OLD["name"], OLD["phone"], OLD["email"]):
        assert value not in text
    assert "Lê Thị Cúc" in text
    assert "0258 999 888" in text


def test_erasing_twice_says_it_is_already_done(client, db, login_as, contact):
    login_as("admin")
    _erase(client, contact)
    resp = _erase(client, contact)
    assert resp.status_code == 302
    assert "đã được xóa theo yêu cầu" in client.get(resp.headers["Location"]).get_data(
        as_text=True)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "erase")).all()
    assert len(events) == 1


@pytest.mark.parametrize("role", ["manager", "officer", "viewer", "enterprise"])
def test_only_an_admin_can_erase_a_contact(client, db, login_as, contact, role):
    login_as(role, firm=contact.firm if role == "enterprise" else None)
    assert client.get(f"/admin/contacts/{contact.id}/erase").status_code == 403
    assert _erase(client, contact).status_code == 403
    db.session.expire_all()
    assert contact.name == OLD["name"]
    assert contact.phone == OLD["phone"]


def test_admin_finds_the_erase_action_next_to_the_contact(client, login_as, contact):
    login_as("admin")
    page = client.get(f"/firms/{contact.firm_id}").get_data(as_text=True)
    assert f"/admin/contacts/{contact.id}/erase" in page


def test_officer_has_no_erase_action_on_the_firm_page(client, login_as, contact):
    login_as("officer")
    page = client.get(f"/firms/{contact.firm_id}").get_data(as_text=True)
    assert f"/admin/contacts/{contact.id}/erase" not in page
