"""Self-declared changes wait in the officers' queue; verifying or rejecting settles them."""

from __future__ import annotations

from sqlalchemy import select

from crm.models import ChangeRecord, Product
from tests import factories
from tests.conftest import login


def _pending(db, firm):
    return db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.firm_id == firm.id, ChangeRecord.review_status == "pending")).all()


def _self_add_product(client, db):
    """An enterprise user adds a product through the firm page; returns (user, firm)."""
    firm = factories.make_firm(verification_status="verified")
    user = factories.make_user("enterprise", firm=firm)
    db.session.commit()
    login(client, user)
    resp = client.post(f"/firms/{firm.id}/products/new",
                       data={"name": "Yến sào tinh chế xuất khẩu", "hs_code": "0410"})
    assert resp.status_code == 302
    client.post("/logout")
    return user, firm


def test_self_change_appears_in_queue_and_officer_verifies_it(client, db):
    user, firm = _self_add_product(client, db)
    db.session.refresh(firm)
    assert firm.verification_status == "self_declared"
    [change] = _pending(db, firm)
    assert change.source == "self"
    assert change.user_id == user.id
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    page = client.get("/verification/")
    assert "Yến sào tinh chế xuất khẩu".encode() in page.data
    resp = client.post(f"/verification/firms/{firm.id}/review", data={"decision": "verify"})
    assert resp.status_code == 302
    db.session.refresh(firm)
    db.session.refresh(change)
    assert firm.verification_status == "verified"
    assert change.review_status == "verified"
    assert change.reviewed_by_id == officer.id
    assert _pending(db, firm) == []


def test_queue_narrows_to_the_firms_the_officer_follows(client, db):
    _user, firm = _self_add_product(client, db)
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    assert firm.name.encode() in client.get("/verification/").data
    assert firm.name.encode() not in client.get("/verification/?mine=y").data
    firm.officer_id = officer.id
    db.session.commit()
    assert firm.name.encode() in client.get("/verification/?mine=y").data


def test_rejecting_a_self_added_product_removes_it(client, db):
    _user, firm = _self_add_product(client, db)
    [change] = _pending(db, firm)
    factories.make_user("officer")
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    client.post(f"/verification/firms/{firm.id}/review",
                data={"decision": "reject", "change_id": str(change.id)})
    db.session.refresh(change)
    assert change.review_status == "rejected"
    assert db.session.get(Product, change.entity_id) is None
    db.session.refresh(firm)
    assert firm.verification_status == "verified"


def test_staff_change_does_not_wait_for_verification(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    client.post(f"/firms/{firm.id}/products/new",
                data={"name": "Cà phê Robusta", "hs_code": "0901"})
    records = db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.firm_id == firm.id, ChangeRecord.entity == "product")).all()
    assert [r.source for r in records] == ["staff"]
    assert records[0].review_status is None
    assert records[0].user_id == officer.id


def test_history_page_shows_who_when_old_and_new_for_staff_and_self_edits(client, db):
    firm = factories.make_firm(name="Công ty Yến Việt", employees=20)
    user = factories.make_user("enterprise", firm=firm, name="Chủ Doanh Nghiệp")
    officer = factories.make_user("officer", name="Cán Bộ Xúc Tiến")
    db.session.commit()
    login(client, officer)
    resp = client.get(f"/firms/{firm.id}/edit")
    assert resp.status_code == 200
    client.post(f"/firms/{firm.id}/contacts/new",
                data={"name": "Nguyễn Thị Hoa", "phone": "0905 000 111"})
    client.post("/logout")
    login(client, user)
    client.post(f"/firms/{firm.id}/products/new", data={"name": "Nước yến", "hs_code": "0410"})
    client.post("/logout")
    login(client, officer)
    page = client.get(f"/verification/firms/{firm.id}/history").data.decode()
    assert "Cán Bộ Xúc Tiến" in page
    assert "Chủ Doanh Nghiệp" in page
    assert "Nguyễn Thị Hoa" in page
    assert "Nước yến" in page
    records = db.session.scalars(select(ChangeRecord).where(ChangeRecord.firm_id == firm.id)
                                 .order_by(ChangeRecord.id)).all()
    assert [(r.entity, r.source) for r in records][-2:] == [("contact", "staff"),
                                                            ("product", "self")]
    assert all(r.at is not None for r in records)
