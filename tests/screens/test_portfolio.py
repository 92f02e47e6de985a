"""Portfolios: who follows a firm, assigned on its page or in bulk, filtered in the list."""

from __future__ import annotations

from sqlalchemy import select

from crm.extensions import db as _db
from crm.models import ChangeRecord
from tests import factories


def test_officer_assigns_a_firm_and_the_firm_page_shows_it(client, db, officer):
    colleague = factories.make_user(role="officer", name="Lê Văn Phụ Trách")
    firm = factories.make_firm(name="Công ty Hải Sản Nha Trang")
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/officer", data={"officer_id": colleague.id})
    assert resp.status_code == 302
    db.session.refresh(firm)
    assert firm.officer_id == colleague.id
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    officer_block = page.split('id="firm-officer"')[1].split("</form>")[0]
    assert f'<option selected value="{colleague.id}">' in officer_block \
        or f'value="{colleague.id}" selected' in officer_block


def test_reassignment_is_kept_in_the_firm_history_with_both_names(client, db, officer):
    first = factories.make_user(role="officer", name="Nguyễn Thị Trước")
    second = factories.make_user(role="officer", name="Phạm Văn Sau")
    firm = factories.make_firm(officer_id=first.id)
    db.session.commit()
    client.post(f"/firms/{firm.id}/officer", data={"officer_id": second.id})
    record = _db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.firm_id == firm.id, ChangeRecord.field == "officer_id")).one()
    assert (record.old_value, record.new_value) == (first.id, second.id)
    assert record.note == "Nguyễn Thị Trước → Phạm Văn Sau"
    assert record.user_id == officer.id
    history = client.get(f"/verification/firms/{firm.id}/history").get_data(as_text=True)
    assert "Cán bộ phụ trách" in history
    assert "Nguyễn Thị Trước → Phạm Văn Sau" in history


def test_only_active_staff_can_be_made_responsible(client, db, officer):
    enterprise = factories.make_user(role="enterprise", firm=factories.make_firm())
    firm = factories.make_firm()
    db.session.commit()
    client.post(f"/firms/{firm.id}/officer", data={"officer_id": enterprise.id})
    db.session.refresh(firm)
    assert firm.officer_id is None


def test_bulk_assignment_from_the_list_and_my_firms_filter(client, db, officer):
    picked = [factories.make_firm(name=f"Công ty Chọn {i}") for i in range(3)]
    left = factories.make_firm(name="Công ty Không Chọn")
    db.session.commit()
    resp = client.post("/firms/assign", data={
        "officer_id": officer.id, "firm_ids": [f.id for f in picked],
        "next": "/firms/?officer=me"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/firms/?officer=me")
    mine = client.get("/firms/?officer=me").get_data(as_text=True)
    for firm in picked:
        assert firm.name in mine
    assert left.name not in mine
    unassigned = client.get("/firms/?officer=none").get_data(as_text=True)
    assert left.name in unassigned
    assert picked[0].name not in unassigned


def test_officer_filter_keeps_the_text_search_working(client, db, officer):
    factories.make_firm(name="Công ty Yến Sào Khánh Hòa", officer_id=officer.id)
    factories.make_firm(name="Công ty Yến Sào Cam Ranh")
    db.session.commit()
    page = client.get(f"/firms/?q=yen+sao&officer={officer.id}").get_data(as_text=True)
    assert "Yến Sào Khánh Hòa" in page or "<mark>Yến</mark> <mark>Sào</mark> Khánh Hòa" in page
    assert "Cam Ranh" not in page
    both = client.get("/firms/?q=yen+sao").get_data(as_text=True)
    assert "Cam Ranh" in both


def test_viewer_cannot_assign(client, db, login_as):
    login_as("viewer")
    firm = factories.make_firm()
    db.session.commit()
    assert client.post(f"/firms/{firm.id}/officer", data={"officer_id": 0}).status_code == 403
    assert client.post("/firms/assign", data={"firm_ids": [firm.id]}).status_code == 403
