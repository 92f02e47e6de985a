"""The ranking applies the database's market requirements, edited by an admin, without a
restart; the reference is cached per app and rebuilt when a rule changes in any process."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from crm.models import MarketRequirement, Opportunity
from crm.refdata import matching_reference
from matching import reference as ref
from tests import factories
from tests.conftest import login
from tests.opportunities.conftest import MISSION, make_nest_firm

TODAY = date.today()
START = TODAY + timedelta(days=90)
AMAZON_US = {
    **MISSION, "kind": "ecommerce_cohort", "title": "Bán yến sào trên Amazon Hoa Kỳ",
    "platform": "amazon", "markets": "US", "required_certifications": [],
    "preferred_certifications": ["HACCP"], "starts_on": START.isoformat(),
    "ends_on": (TODAY + timedelta(days=120)).isoformat(),
    "deadline": (TODAY + timedelta(days=30)).isoformat(),
}


def _sections(page: str) -> tuple[str, str]:
    cut = page.index("Chưa đủ điều kiện")
    return page[:cut], page[cut:]


@pytest.fixture
def amazon(client, db):
    """A bird's nest firm with FDA, one without; an officer, an admin; the Amazon US cohort
    (US,0410,FDA,yes applies)."""
    with_fda = make_nest_firm("Công ty Yến Sào Hòn Nội", markets=("US",))
    factories.make_certification(with_fda, scheme_code="FDA", issued_on=date(2025, 1, 1),
                                 expires_on=date(2030, 1, 1))
    without = make_nest_firm("Công ty Yến Cam Ranh", markets=("US",))
    officer = factories.make_user("officer")
    admin = factories.make_user("admin")
    db.session.commit()
    login(client, officer)
    resp = client.post("/opportunities/new", data=AMAZON_US)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    opp = db.session.get(Opportunity, int(resp.headers["Location"].rstrip("/").split("/")[-1]))
    client.post("/logout")
    return with_fda, without, officer, admin, opp


def _fda_rule(db) -> MarketRequirement:
    return db.session.scalars(select(MarketRequirement).filter_by(
        market="US", hs_prefix="0410", requirement="FDA")).one()


def _ranking(client, user, opp) -> tuple[str, str]:
    login(client, user)
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    client.post("/logout")
    return _sections(page)


def test_ending_a_rule_before_the_start_changes_the_ranking_at_once(client, db, amazon):
    with_fda, without, officer, admin, opp = amazon
    ranked, near = _ranking(client, officer, opp)
    assert without.name in near
    assert "khi có đăng ký cơ sở với FDA Hoa Kỳ còn hiệu lực" in near
    assert with_fda.name in ranked

    login(client, admin)
    rule = _fda_rule(db)
    resp = client.post(f"/admin/requirements/{rule.id}/end", data={
        "valid_until": (START - timedelta(days=1)).isoformat(),
        "why": "FDA bỏ yêu cầu cho yến sào"})
    assert resp.status_code == 302
    client.post("/logout")

    ranked, near = _ranking(client, officer, opp)  # same app, same cached index: no restart
    assert without.name in ranked
    assert without.name not in near


def test_rule_ending_on_the_start_day_still_applies(client, db, amazon):
    _with_fda, without, officer, admin, opp = amazon
    login(client, admin)
    client.post(f"/admin/requirements/{_fda_rule(db).id}/end",
                data={"valid_until": START.isoformat(), "why": "Hết hiệu lực sau ngày này"})
    client.post("/logout")
    _ranked, near = _ranking(client, officer, opp)
    assert without.name in near


def test_new_rule_applies_only_once_in_force_on_the_start_day(client, db, amazon):
    with_fda, without, officer, admin, opp = amazon
    login(client, admin)
    resp = client.post("/admin/requirements/new", data={
        "market": "US", "hs_prefix": "0410", "requirement": "KOSHER", "mandatory": "yes",
        "valid_from": (START + timedelta(days=1)).isoformat(),
        "why": "Nhà bán lẻ Hoa Kỳ yêu cầu Kosher"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    rule_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    client.post("/logout")
    ranked, _near = _ranking(client, officer, opp)
    assert with_fda.name in ranked  # the rule starts after the opportunity

    login(client, admin)
    row = db.session.get(MarketRequirement, rule_id)
    resp = client.post(f"/admin/requirements/{rule_id}/edit", data={
        "market": row.market, "hs_prefix": row.hs_prefix, "requirement": row.requirement,
        "mandatory": row.mandatory, "valid_from": START.isoformat(),
        "why": "Áp dụng sớm hơn"})
    assert resp.status_code == 302
    client.post("/logout")
    ranked, near = _ranking(client, officer, opp)
    assert with_fda.name in near
    assert without.name in near
    assert "Kosher" in near


def test_reference_is_kept_until_a_rule_changes_in_any_process(app, db):
    first = matching_reference()
    assert matching_reference() is first  # one cheap query, no rebuild
    assert len(first.requirements) == db.session.scalar(
        select(func.count()).select_from(MarketRequirement))
    assert first.cert_name("FDA") == "US FDA facility registration"
    assert first.hs_title("0410") == "edible animal products, incl. bird's nest"
    assert first.hs_titles["041090"] == ref.default().hs_titles["041090"]
    assert "DE" in first.market_groups["EU27"]

    # another worker ends the rule: this process sees it through the mark, not a signal
    rule = _fda_rule(db)
    db.session.execute(update(MarketRequirement).where(MarketRequirement.id == rule.id)
                       .values(valid_until=date(2026, 1, 31),
                               updated_at=rule.updated_at + timedelta(seconds=1)))
    second = matching_reference()
    assert second is not first
    [ended] = [r for r in second.requirements
               if (r.market, r.hs_prefix, r.requirement) == ("US", "0410", "FDA")]
    assert ended.valid_until == date(2026, 1, 31)
    assert second.hs_titles is first.hs_titles  # HS titles and names are not read again
