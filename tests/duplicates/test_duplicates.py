"""Duplicate detection and merging without loss."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.duplicates import queries, services
from crm.models import ChangeRecord, Firm, Interaction, Opportunity, ShortlistEntry
from crm.validators import normalize_tax_code
from tests import factories


def _pair_ids(pairs, kind="name"):
    return {(p.first_id, p.second_id) for p in pairs if p.kind == kind}


def test_accent_and_legal_form_variants_in_the_same_province_are_found(db):
    a = factories.make_firm(name="Công ty TNHH Yến Sào Khánh Hòa", province_code=56)
    b = factories.make_firm(name="CONG TY CO PHAN YEN SAO KHANH HOA", province_code=56)
    pairs = queries.candidate_pairs(province=56)
    assert (a.id, b.id) in _pair_ids(pairs)


def test_same_name_in_different_provinces_is_not_a_duplicate(db):
    a = factories.make_firm(name="HTX Nông sản Thuận Phát", province_code=66)
    b = factories.make_firm(name="Hợp tác xã Nông sản Thuận Phát", province_code=52)
    pairs = queries.candidate_pairs()
    assert (a.id, b.id) not in _pair_ids(pairs)
    assert (b.id, a.id) not in _pair_ids(pairs)


def test_branch_tax_code_is_shown_as_related_not_duplicate(db):
    head = factories.make_firm(name="Công ty Hải sản Biển Đông", province_code=56)
    branch = factories.make_firm(name="Chi nhánh Hải Phòng Cty Hải sản Biển Đông",
                                 tax_code=normalize_tax_code(head.tax_code + "-001"),
                                 province_code=31)
    pairs = queries.candidate_pairs()
    assert (head.id, branch.id) in _pair_ids(pairs, "branch")
    assert (head.id, branch.id) not in _pair_ids(pairs, "name")


def _count(db, model, firm):
    return db.session.scalar(select(func.count()).select_from(model)
                             .where(model.firm_id == firm.id))


def test_merge_keeps_everything_of_both_firms_and_archives_the_other(app, db):
    keep = factories.make_firm(name="Công ty TNHH Yến Sào Nha Trang", website=None)
    drop = factories.make_firm(name="Yen Sao Nha Trang", website="https://yensao.vn",
                               employees=99)
    factories.make_product(keep, name="Tổ yến tinh chế")
    factories.make_product(drop, name="Nước yến")
    factories.make_certification(drop, scheme_code="HALAL")
    factories.make_contact(drop, name="Trần Thị B")
    factories.make_market(keep, "JP")
    factories.make_market(drop, "JP")  # the same market twice: kept once
    factories.make_market(drop, "CN")
    interaction = Interaction(firm=drop, kind="training", occurred_on=date(2025, 5, 1),
                              summary="Tập huấn TMĐT")
    db.session.add(interaction)
    opp = db.session.scalar(select(Opportunity).limit(1))
    if opp is not None:
        db.session.add_all([ShortlistEntry(opportunity=opp, firm=keep),
                            ShortlistEntry(opportunity=opp, firm=drop)])
    db.session.flush()
    from crm.models import Certification, Contact, FirmMarket, Product

    before = {m: _count(db, m, keep) + _count(db, m, drop)
              for m in (Product, Certification, Contact, Interaction)}
    with app.test_request_context():  # messages are translated: they need a locale
        counts = services.merge_firms(keep, drop, {"employees": "drop"})
    db.session.flush()
    db.session.expire_all()
    after = {m: _count(db, m, keep) for m in before}
    assert after == before
    assert {m.country_code for m in keep.markets} == {"JP", "CN"}
    assert _count(db, FirmMarket, drop) == 0
    assert keep.website == "https://yensao.vn"  # empty field filled from the other firm
    assert keep.employees == 99  # chosen by the officer
    assert drop.archived
    assert "Đã gộp vào" in drop.description
    assert queries.merged_into(drop.id) == keep.id
    assert counts["products"] == 1
    record = db.session.scalar(select(ChangeRecord).where(
        ChangeRecord.firm_id == keep.id, ChangeRecord.field == "merged_from"))
    assert record.source == "merge"
    assert db.session.get(Firm, drop.id) is not None  # never hard-deleted


def test_merge_screen_shows_both_firms_and_merges(client, officer, db):
    keep = factories.make_firm(name="Công ty TNHH Cà phê Ban Mê", employees=10)
    drop = factories.make_firm(name="Ca phe Ban Me", employees=30)
    factories.make_product(drop, name="Cà phê rang xay")
    db.session.commit()
    page = client.get(f"/duplicates/merge/{keep.id}/{drop.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Công ty TNHH Cà phê Ban Mê" in html
    assert "Ca phe Ban Me" in html
    assert 'name="choice_employees"' in html
    resp = client.post(f"/duplicates/merge/{keep.id}/{drop.id}",
                       data={"choice_employees": "drop"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert keep.employees == 30
    assert [p.name for p in keep.products] == ["Cà phê rang xay"]
    assert drop.archived
