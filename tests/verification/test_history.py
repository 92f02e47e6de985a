"""Field-level history: every change to firm data is recorded with who, when, old → new."""

from __future__ import annotations

from sqlalchemy import select

from crm import history
from crm.firms import services
from crm.models import ChangeRecord
from crm.models.portal import FIELD_CREATED, FIELD_DELETED
from tests import factories


def _records(db, firm):
    return db.session.scalars(
        select(ChangeRecord).where(ChangeRecord.firm_id == firm.id).order_by(ChangeRecord.id)
    ).all()


def test_service_edit_records_field_old_and_new_with_user_and_source(db):
    firm = factories.make_firm(name="Công ty Yến Sào Cũ", employees=20)
    officer = factories.make_user("officer")
    with history.recording("staff", by=officer):
        services.update_firm(firm, {"name": "Công ty Yến Sào Mới", "employees": "35"})
    changes = {r.field: r for r in _records(db, firm) if r.field != FIELD_CREATED}
    assert changes["name"].old_value == "Công ty Yến Sào Cũ"
    assert changes["name"].new_value == "Công ty Yến Sào Mới"
    assert changes["employees"].old_value == 20
    assert changes["employees"].new_value == 35
    assert changes["name"].user_id == officer.id
    assert changes["name"].source == "staff"
    assert changes["name"].review_status is None
    assert changes["name"].at is not None
    # derived columns are not history noise
    assert "name_search" not in changes
    assert "size_class" not in changes


def test_added_and_removed_product_are_recorded_with_their_values(db):
    firm = factories.make_firm()
    with history.recording("self"):
        product = services.add_product(firm, {"name": "Nước yến", "hs_code": "0410"})
        product_id = product.id
        services.remove_product(firm, product)
    records = [r for r in _records(db, firm) if r.entity == "product"]
    assert [r.field for r in records] == [FIELD_CREATED, FIELD_DELETED]
    assert all(r.entity_id == product_id for r in records)
    assert records[0].new_value["name"] == "Nước yến"
    assert records[1].old_value["hs_code"] == "0410"


def test_self_change_marks_the_firm_self_declared_and_waits_for_review(db):
    firm = factories.make_firm(verification_status="verified")
    with history.recording("self"):
        services.update_firm(firm, {"website": "yensao.vn"})
    assert firm.verification_status == "self_declared"
    record = next(r for r in _records(db, firm) if r.field == "website")
    assert record.review_status == "pending"
    assert record.new_value == "https://yensao.vn"


def test_paused_flushes_write_nothing_and_record_changes_writes_in_one_go(db):
    firm = factories.make_firm()
    before = len(_records(db, firm))
    with history.paused():
        services.update_firm(firm, {"employees": "99"})
    assert len(_records(db, firm)) == before
    written = history.record_changes(
        firm, [("firm", firm.id, "employees", 20, 99), ("firm", firm.id, "name", "A", "B")],
        source="import", note="ds_doanh_nghiep.xlsx",
    )
    records = _records(db, firm)[before:]
    assert written == 2
    assert [(r.field, r.old_value, r.new_value, r.source) for r in records] == [
        ("employees", 20, 99, "import"), ("name", "A", "B", "import")
    ]
