"""The completeness score lists the missing items that matter for matching."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crm.portal.queries import completeness
from tests import factories

TODAY = date(2026, 6, 1)


def _missing(firm):
    return {item.key for item in completeness(firm, TODAY)[1] if not item.ok}


def test_bare_firm_lists_what_matching_needs(db):
    firm = factories.make_firm(languages=[], employees=None)
    score, _items = completeness(firm, TODAY)
    assert score == 0
    assert {"products", "hs_codes", "capacity", "certificate", "target_markets",
            "export_experience", "languages", "contact", "size"} <= _missing(firm)


def test_complete_profile_scores_100(db):
    firm = factories.make_firm(export_experience_years=5, description="Yến sào Khánh Hòa")
    factories.make_product(firm, annual_capacity=Decimal("12"), capacity_unit="tonnes")
    factories.make_certification(firm)
    factories.make_market(firm, "CN")
    factories.make_contact(firm)
    db.session.refresh(firm)
    assert completeness(firm, TODAY)[0] == 100
    assert _missing(firm) == set()


def test_product_without_hs_code_and_expired_certificate_are_missing(db):
    firm = factories.make_firm()
    factories.make_product(firm, hs_code=None)
    factories.make_certification(firm, issued_on=date(2020, 1, 1), expires_on=date(2023, 1, 1))
    db.session.refresh(firm)
    missing = _missing(firm)
    assert "hs_codes" in missing
    assert "certificate" in missing
    assert "products" not in missing
