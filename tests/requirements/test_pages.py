"""Admin pages of market requirements: list, create, edit, end, history; admins only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from crm.models import AuditEvent, MarketRequirement, MarketRequirementChange
from tests import factories

NEW_RULE = {
    "market": "jp", "hs_prefix": "0306", "requirement": "haccp", "mandatory": "yes",
    "applies_to": "tôm đông lạnh", "source_note": "MHLW notice 2027",
    "valid_from": "2027-04-01", "valid_until": "", "why": "Nhật yêu cầu HACCP từ 4/2027",
}


def _rule(db, market: str, hs: str, code: str) -> MarketRequirement:
    return db.session.scalars(select(MarketRequirement).filter_by(
        market=market, hs_prefix=hs, requirement=code)).one()


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _form(row: MarketRequirement, **kw: str) -> dict[str, str]:
    data = {"market": row.market, "hs_prefix": row.hs_prefix, "requirement": row.requirement,
            "mandatory": row.mandatory, "applies_to": row.applies_to or "",
            "source_note": row.source_note or "",
            "valid_from": row.valid_from.isoformat() if row.valid_from else "",
            "valid_until": row.valid_until.isoformat() if row.valid_until else "", "why": ""}
    data.update(kw)
    return data


@pytest.mark.parametrize("role", ["manager", "officer", "viewer", "enterprise"])
def test_requirement_pages_are_refused_to_other_roles(client, db, login_as, role):
    row = _rule(db, "US", "0410", "FDA")
    login_as(role)
    for url in ("/admin/requirements/", "/admin/requirements/new",
                f"/admin/requirements/{row.id}", f"/admin/requirements/{row.id}/edit"):
        assert client.get(url).status_code == 403, url
    resp = client.post(f"/admin/requirements/{row.id}/end",
                       data={"valid_until": "2027-01-01", "why": "x"})
    assert resp.status_code == 403
    assert _rule(db, "US", "0410", "FDA").valid_until is None


def test_list_filters_by_country_with_its_groups_hs_prefix_and_date(client, db, login_as):
    login_as("admin")
    page = client.get("/admin/requirements/?market=de&hs=030617").get_data(as_text=True)
    assert "EU_APPROVED" in page  # EU27,03: a German shrimp line falls under the EU rule
    assert "IUU_CATCH" in page
    assert "FDA" not in page  # US rules are not German ones
    assert "GACC" not in page
    page = client.get("/admin/requirements/?market=US&hs=09").get_data(as_text=True)
    assert "0901" in page  # headings under chapter 09
    assert "0904" in page
    assert "030617" not in page

    row = _rule(db, "US", "0901", "FDA")
    row.valid_until = date(2026, 6, 30)
    db.session.commit()
    in_force = client.get("/admin/requirements/?market=US&hs=0901&on=2027-01-01")
    assert f'href="/admin/requirements/{row.id}"' not in in_force.get_data(as_text=True)
    before = client.get("/admin/requirements/?market=US&hs=0901&on=2026-06-30")
    assert f'href="/admin/requirements/{row.id}"' in before.get_data(as_text=True)


def test_admin_creates_a_rule_with_history_and_audit_event(client, db, login_as):
    admin = login_as("admin")
    resp = client.post("/admin/requirements/new", data=NEW_RULE)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    row = _rule(db, "JP", "0306", "HACCP")
    assert (row.mandatory, row.valid_from, row.valid_until) == ("yes", date(2027, 4, 1), None)
    [change] = db.session.scalars(select(MarketRequirementChange).filter_by(
        requirement_id=row.id)).all()
    assert (change.action, change.user_id, change.reason) == (
        "create", admin.id, "Nhật yêu cầu HACCP từ 4/2027")
    assert change.old_values is None
    assert change.new_values["valid_from"] == "2027-04-01"
    event = db.session.scalars(select(AuditEvent).filter_by(
        target_type="market_requirement", target_id=row.id)).one()
    assert event.action == "create"
    assert event.user_id == admin.id
    assert event.detail["why"] == "Nhật yêu cầu HACCP từ 4/2027"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Nhật yêu cầu HACCP từ 4/2027" in page
    assert admin.name in page


@pytest.mark.parametrize(("field", "value", "message"), [
    ("market", "XX", "Không có thị trường XX"),
    ("requirement", "NOPE", "Không có chứng nhận mã NOPE"),
    ("hs_prefix", "030", "Mã HS phải có 2, 4 hoặc 6 chữ số."),
    ("hs_prefix", "03061", "Mã HS phải có 2, 4 hoặc 6 chữ số."),
    ("hs_prefix", "ab", "Mã HS phải có 2, 4 hoặc 6 chữ số."),
    ("hs_prefix", "9999", "Mã HS 9999 không có trong danh mục HS."),
    ("valid_until", "2027-03-31", "Ngày hết hiệu lực phải từ ngày bắt đầu hiệu lực trở đi."),
    ("why", "  ", "Hãy ghi lý do thay đổi."),
])
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
        client, db, login_as, field, value, message):
    login_as("admin")
    rules, changes, events = (_count(db, MarketRequirement),
                              _count(db, MarketRequirementChange), _count(db, AuditEvent))
    resp = client.post("/admin/requirements/new", data={**NEW_RULE, field: value})
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert message in page
    # next to the field: in the invalid-feedback block following that input
    tail = page[page.index(f'name="{field}"'):]
    assert message in tail[:tail.index("</div>") + 600]
    assert (_count(db, MarketRequirement), _count(db, MarketRequirementChange)) == (
        rules, changes)
    assert _count(db, AuditEvent) == events


def test_several_bad_fields_get_their_messages_at_once(client, db, login_as):
    login_as("admin")
    page = client.post("/admin/requirements/new", data={
        **NEW_RULE, "market": "ZZ", "requirement": "NOPE", "why": ""}).get_data(as_text=True)
    assert "Không có thị trường ZZ" in page
    assert "Không có chứng nhận mã NOPE" in page
    assert "Hãy ghi lý do thay đổi." in page


def test_a_second_rule_overlapping_the_same_dates_is_refused(client, db, login_as):
    login_as("admin")
    row = _rule(db, "US", "0410", "FDA")
    resp = client.post("/admin/requirements/new", data={
        **NEW_RULE, "market": "US", "hs_prefix": "0410", "requirement": "FDA"})
    assert f"Quy định #{row.id}" in resp.get_data(as_text=True)
    row.valid_until = date(2027, 3, 31)
    db.session.commit()
    resp = client.post("/admin/requirements/new", data={
        **NEW_RULE, "market": "US", "hs_prefix": "0410", "requirement": "FDA"})
    assert resp.status_code == 302  # follows on from 2027-04-01


def test_edit_records_old_and_new_values_and_why(client, db, login_as):
    admin = login_as("admin")
    row = _rule(db, "US", "0306", "BAP")
    resp = client.post(f"/admin/requirements/{row.id}/edit", data=_form(
        row, mandatory="yes", valid_from="2027-01-01", why="Nhà nhập khẩu lớn nay bắt buộc"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    db.session.refresh(row)
    assert (row.mandatory, row.valid_from) == ("yes", date(2027, 1, 1))
    [change] = db.session.scalars(select(MarketRequirementChange).filter_by(
        requirement_id=row.id)).all()
    assert change.action == "update"
    assert change.user_id == admin.id
    assert change.old_values == {"mandatory": "no", "valid_from": None}
    assert change.new_values == {"mandatory": "yes", "valid_from": "2027-01-01"}
    assert change.reason == "Nhà nhập khẩu lớn nay bắt buộc"
    assert db.session.scalars(select(AuditEvent.action).filter_by(
        target_type="market_requirement", target_id=row.id)).all() == ["update"]
    page = client.get(f"/admin/requirements/{row.id}").get_data(as_text=True)
    assert "Ưu tiên (không bắt buộc)</span> → Bắt buộc" in page


def test_edit_without_why_saves_nothing(client, db, login_as):
    login_as("admin")
    row = _rule(db, "US", "0306", "BAP")
    page = client.post(f"/admin/requirements/{row.id}/edit",
                       data=_form(row, mandatory="yes")).get_data(as_text=True)
    assert "Hãy ghi lý do thay đổi." in page
    db.session.expire_all()
    assert _rule(db, "US", "0306", "BAP").mandatory == "no"
    assert _count(db, MarketRequirementChange) == 0


def test_ending_a_rule_keeps_it_with_its_history(client, db, login_as):
    login_as("admin")
    row = _rule(db, "US", "0904", "FDA")
    resp = client.post(f"/admin/requirements/{row.id}/end",
                       data={"valid_until": "2027-06-30", "why": "Quy định mới thay thế"})
    assert resp.status_code == 302
    db.session.expire_all()
    row = db.session.get(MarketRequirement, row.id)  # still there
    assert row.valid_until == date(2027, 6, 30)
    [change] = db.session.scalars(select(MarketRequirementChange).filter_by(
        requirement_id=row.id)).all()
    assert (change.action, change.old_values, change.new_values) == (
        "end", {"valid_until": None}, {"valid_until": "2027-06-30"})
    assert db.session.scalars(select(AuditEvent.action).filter_by(
        target_type="market_requirement", target_id=row.id)).all() == ["requirement_end"]
    audit_page = client.get("/admin/audit?target_type=market_requirement").get_data(
        as_text=True)
    assert "Kết thúc hiệu lực quy định" in audit_page
    assert f'href="/admin/requirements/{row.id}"' in audit_page


def test_ending_needs_a_day_and_why(client, db, login_as):
    login_as("admin")
    row = _rule(db, "US", "0904", "FDA")
    page = client.post(f"/admin/requirements/{row.id}/end",
                       data={"valid_until": "", "why": ""}).get_data(as_text=True)
    assert "Hãy chọn ngày cuối cùng quy định còn hiệu lực." in page
    assert "Hãy ghi lý do thay đổi." in page
    db.session.expire_all()
    assert db.session.get(MarketRequirement, row.id).valid_until is None


def test_seed_load_keeps_the_rules_admins_edited(client, db, login_as):
    from crm.refdata import load_reference_data

    login_as("admin")
    row = _rule(db, "US", "0904", "FDA")
    client.post(f"/admin/requirements/{row.id}/end",
                data={"valid_until": "2027-06-30", "why": "Quy định mới thay thế"})
    before = _count(db, MarketRequirement)
    counts = load_reference_data()
    assert counts["market_requirements"] == 0
    assert _count(db, MarketRequirement) == before
    db.session.expire_all()
    assert db.session.get(MarketRequirement, row.id).valid_until == date(2027, 6, 30)


def test_admin_nav_links_the_requirement_pages(client, db, login_as):
    login_as("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    assert 'href="/admin/requirements/"' in page
    assert factories  # the factories module stays importable for the page fixtures
