"""Merging two records of one firm: nothing lost, nothing doubled, undoable for 30 days."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from crm.duplicates import queries, services
from crm.errors import UserError
from crm.models import (
    AuditEvent,
    Certification,
    ChangeRecord,
    Contact,
    EcommerceStore,
    Firm,
    FirmIndicator,
    FirmMarket,
    FirmMerge,
    Interaction,
    Product,
    Trademark,
)
from tests import factories


@pytest.fixture
def ctx(app):
    """A request context: messages are translated and need a locale."""
    with app.test_request_context():
        yield


def _state(db, firm: Firm) -> dict[str, list[dict]]:
    """Every row of every table pointing at the firm, as plain values (ids included; not
    updated_at, which says when a row last moved)."""
    out = {}
    for table, column in services.firm_references():
        rows = db.session.execute(select(table).where(table.c[column] == firm.id)
                                  .order_by(*table.primary_key.columns)).mappings()
        out[table.name] = [{k: v for k, v in r.items() if k != "updated_at"} for r in rows]
    return out


def _pair(db):
    keep = factories.make_firm(name="Công ty TNHH Yến Sào Nha Trang", website=None,
                               employees=20)
    drop = factories.make_firm(name="Yen Sao Nha Trang", website="https://yensao.vn",
                               employees=99)
    return keep, drop


def _rich_pair(db):
    """Two records of one firm, with the same things typed on both and some only on one."""
    keep, drop = _pair(db)
    nest = factories.make_product(keep, name="Tổ yến tinh chế", hs_code="041090",
                                  description=None)
    factories.make_product(drop, name="TO YEN TINH CHE", hs_code="041090",
                           description="OCOP 4 sao")
    factories.make_product(drop, name="Nước yến", hs_code="220299")
    factories.make_product(drop, name="Tổ yến tinh chế", hs_code=None)  # code not yet known
    factories.make_certification(keep, scheme_code="HACCP", number="HC-2025/01")
    dup_product = db.session.scalar(select(Product).where(Product.firm_id == drop.id,
                                                          Product.hs_code == "041090"))
    factories.make_certification(drop, scheme_code="HACCP", number="hc 2025 01",
                                 product=dup_product)
    factories.make_certification(drop, scheme_code="HALAL", number="H-9")
    factories.make_contact(keep, name="Trần Thị B", phone="0905 123 456", is_primary=True)
    factories.make_contact(drop, name="Trần Thị B", phone="0905123456", is_primary=True,
                           email="b@yensao.vn")
    factories.make_contact(drop, name="Lê Văn C", phone=None, email="INFO@yensao.vn",
                           is_primary=False)
    factories.make_contact(keep, name="Lê Văn C", phone="0258 111 222", email="info@yensao.vn")
    factories.make_contact(drop, name="Phạm D", phone="0911 000 111", is_primary=False)
    factories.make_market(keep, "JP")
    factories.make_market(drop, "JP")
    factories.make_market(drop, "CN")
    db.session.add_all([
        EcommerceStore(firm=keep, platform="shopee", market="VN",
                       url="https://shopee.vn/yensao"),
        EcommerceStore(firm=drop, platform="shopee", market="VN",
                       url="http://www.shopee.vn/yensao/"),
        EcommerceStore(firm=drop, platform="amazon", market="US", url=None),
        Trademark(firm=keep, country_code="VN", mark="YẾN SÀO NT",
                  registration_number="4-0412345-000"),
        Trademark(firm=drop, country_code="VN", mark="Yen Sao NT",
                  registration_number="4 0412345 000"),
        FirmIndicator(firm_id=keep.id, year=2024, employees=20),
        FirmIndicator(firm_id=drop.id, year=2024, employees=None, export_markets=3),
        Interaction(firm=drop, kind="training", occurred_on=date(2025, 5, 1),
                    summary="Tập huấn TMĐT"),
    ])
    db.session.flush()
    return keep, drop, nest


def _rows(db, model, firm):
    return list(db.session.scalars(select(model).where(model.firm_id == firm.id)
                                   .order_by(model.id)))


def test_merge_keeps_one_of_each_product_certificate_contact_market_store_and_trademark(
        db, ctx):
    keep, drop, nest = _rich_pair(db)
    services.merge_firms(keep, drop, {"employees": "drop"})
    db.session.expire_all()
    products = _rows(db, Product, keep)
    assert sorted((p.name, p.hs_code) for p in products) == [
        ("Nước yến", "220299"), ("Tổ yến tinh chế", "041090")]
    assert nest.description == "OCOP 4 sao"  # filled from its twin, not lost
    certs = _rows(db, Certification, keep)
    assert sorted(c.scheme_code for c in certs) == ["HACCP", "HALAL"]
    contacts = _rows(db, Contact, keep)
    assert sorted(c.name for c in contacts) == ["Lê Văn C", "Phạm D", "Trần Thị B"]
    assert [c.name for c in contacts if c.is_primary] == ["Trần Thị B"]
    assert next(c for c in contacts if c.name == "Trần Thị B").email == "b@yensao.vn"
    assert sorted(m.country_code for m in _rows(db, FirmMarket, keep)) == ["CN", "JP"]
    assert sorted(s.platform for s in _rows(db, EcommerceStore, keep)) == ["amazon", "shopee"]
    assert len(_rows(db, Trademark, keep)) == 1
    [indicator] = _rows(db, FirmIndicator, keep)
    assert (indicator.employees, indicator.export_markets) == (20, 3)
    assert len(_rows(db, Interaction, keep)) == 1
    assert all(not rows for rows in _state(db, drop).values())  # nothing left behind


def test_merge_archives_the_other_firm_with_a_merged_into_link(client, officer, db):
    keep, drop = _pair(db)
    db.session.commit()
    resp = client.post(f"/duplicates/merge/{keep.id}/{drop.id}", data={})
    assert resp.status_code == 302
    db.session.expire_all()
    assert drop.archived
    assert drop.merged_into_id == keep.id
    assert queries.merged_into(drop.id) == keep.id
    page = client.get(f"/firms/{drop.id}").get_data(as_text=True)
    assert "Đã gộp vào" in page
    assert f'href="/firms/{keep.id}"' in page


def test_merge_fills_empty_fields_and_takes_the_chosen_values(db, ctx):
    keep, drop = _pair(db)
    services.merge_firms(keep, drop, {"employees": "drop"})
    assert keep.website == "https://yensao.vn"
    assert keep.employees == 99


def test_merge_is_in_the_history_of_both_firms_and_the_audit_trail(db, ctx):
    keep, drop, _nest = _rich_pair(db)
    user = factories.make_user("officer")
    merge = services.merge_firms(keep, drop, by=user)
    db.session.flush()
    kept = db.session.scalar(select(ChangeRecord).where(
        ChangeRecord.firm_id == keep.id, ChangeRecord.field == "merged_from"))
    assert kept.source == "merge"
    assert kept.user_id == user.id
    assert kept.new_value["folded"]["products"] == 2
    dropped = db.session.scalar(select(ChangeRecord).where(
        ChangeRecord.firm_id == drop.id, ChangeRecord.field == "merged_into"))
    assert dropped.new_value == keep.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "merge"))
    assert event.target_id == keep.id
    assert event.detail["merge_id"] == merge.id
    assert event.user_id == user.id


def test_merge_rebuilds_the_kept_firms_search_document(db, ctx):
    keep, drop = _pair(db)
    factories.make_product(drop, name="Nước yến sào", hs_code="220299")
    services.merge_firms(keep, drop)
    assert "nuoc yen sao" in keep.search_text


def test_merging_an_archived_or_the_same_firm_is_refused(db, ctx):
    keep, drop = _pair(db)
    with pytest.raises(UserError):
        services.merge_firms(keep, keep)
    services.merge_firms(keep, drop)
    with pytest.raises(UserError):
        services.merge_firms(keep, drop)


def test_undo_restores_both_firms_exactly(db, ctx):
    keep, drop, _nest = _rich_pair(db)
    before = {"keep": _state(db, keep), "drop": _state(db, drop)}
    fields = {f: getattr(keep, f) for f in services.MERGE_FIELDS}
    merge = services.merge_firms(keep, drop, {"employees": "drop"})
    db.session.flush()
    left = services.undo_merge(merge)
    db.session.flush()
    db.session.expire_all()
    assert left == []
    assert {"keep": _state(db, keep), "drop": _state(db, drop)} == before
    assert {f: getattr(keep, f) for f in services.MERGE_FIELDS} == fields
    assert not drop.archived
    assert drop.merged_into_id is None
    assert merge.undone_at is not None
    assert "tinh che" in drop.search_text


def test_undo_leaves_values_changed_after_the_merge_and_says_which(db, ctx):
    keep, drop = _pair(db)
    merge = services.merge_firms(keep, drop, {"employees": "drop"})
    keep.employees = 150  # edited again after the merge
    db.session.flush()
    assert services.undo_merge(merge) == ["employees"]
    assert keep.employees == 150
    assert keep.website is None  # unchanged since the merge: put back
    assert merge.undo_note == "employees"


def test_undo_is_recorded_in_history_and_audit(db, ctx):
    keep, drop = _pair(db)
    manager = factories.make_user("manager")
    merge = services.merge_firms(keep, drop)
    services.undo_merge(merge, by=manager)
    db.session.flush()
    assert db.session.scalar(select(ChangeRecord).where(
        ChangeRecord.firm_id == keep.id, ChangeRecord.field == "merge_undone")) is not None
    links = db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.firm_id == drop.id, ChangeRecord.field == "merged_into")
        .order_by(ChangeRecord.id)).all()
    assert [(r.old_value, r.new_value) for r in links] == [(None, keep.id), (keep.id, None)]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "merge_undo"))
    assert event.user_id == manager.id


def test_undo_after_30_days_or_twice_is_refused(db, ctx):
    keep, drop = _pair(db)
    merge = services.merge_firms(keep, drop)
    db.session.flush()
    late = queries.undo_deadline(merge) + timedelta(minutes=1)
    with pytest.raises(UserError):
        services.undo_merge(merge, now=late)
    services.undo_merge(merge)
    with pytest.raises(UserError):
        services.undo_merge(merge)


def test_only_a_manager_can_undo_a_merge(client, login_as, db):
    keep, drop = _pair(db)
    with client.application.test_request_context():
        merge = services.merge_firms(keep, drop)
    db.session.commit()
    login_as("officer")
    assert client.post(f"/duplicates/merges/{merge.id}/undo").status_code == 403
    listing = client.get("/duplicates/merges").get_data(as_text=True)
    assert "Hủy gộp</button>" not in listing
    client.get("/logout")
    login_as("manager")
    assert "Hủy gộp</button>" in client.get("/duplicates/merges").get_data(as_text=True)
    resp = client.post(f"/duplicates/merges/{merge.id}/undo")
    assert resp.status_code == 302
    db.session.expire_all()
    assert not db.session.get(Firm, drop.id).archived
    assert db.session.get(FirmMerge, merge.id).undone_by_id is not None


def test_merge_screen_shows_both_firms_their_comparison_and_merges(client, officer, db):
    keep = factories.make_firm(name="Công ty TNHH Cà phê Ban Mê", employees=10)
    drop = factories.make_firm(name="Ca phe Ban Me", employees=30,
                               revenue_bn_vnd=Decimal("2.5"))
    factories.make_product(drop, name="Cà phê rang xay")
    db.session.commit()
    page = client.get(f"/duplicates/merge/{keep.id}/{drop.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Công ty TNHH Cà phê Ban Mê" in html
    assert "Ca phe Ban Me" in html
    assert 'name="choice_employees"' in html
    assert "hai pháp nhân" in html  # two valid tax codes: the screen warns
    resp = client.post(f"/duplicates/merge/{keep.id}/{drop.id}",
                       data={"choice_employees": "drop"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert keep.employees == 30
    assert [p.name for p in keep.products] == ["Cà phê rang xay"]
    assert drop.archived



def test_undo_brings_back_a_removed_row_whose_id_was_reused(db, ctx):
    keep, drop = _pair(db)
    factories.make_product(keep, name="Tổ yến thô", hs_code="041090")
    twin = factories.make_product(drop, name="To yen tho", hs_code="041090",
                                  description="Hàng loại 1")
    cert = factories.make_certification(drop, scheme_code="GACC", number="G-1", product=twin)
    merge = services.merge_firms(keep, drop)
    db.session.flush()
    # A new product; SQLite gives it the removed twin's id (the highest id was freed).
    factories.make_product(keep, name="Yến chưng", hs_code="210690")
    services.undo_merge(merge)
    db.session.flush()
    db.session.expire_all()
    [back] = _rows(db, Product, drop)
    assert (back.name, back.description) == ("To yen tho", "Hàng loại 1")
    assert db.session.get(Certification, cert.id).product_id == back.id
    assert db.session.get(Certification, cert.id).firm_id == drop.id
    assert sorted(p.name for p in _rows(db, Product, keep)) == ["Tổ yến thô", "Yến chưng"]
