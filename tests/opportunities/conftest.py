"""Opportunity fixtures: firms that fit a Halal mission to the UAE (each test starts with a
fresh ranking index: tests/conftest.py)."""

from __future__ import annotations

from datetime import date

import pytest

from crm.models import Firm
from tests import factories


def make_nest_firm(name: str, *, province: int = 56, halal: bool = True, employees: int = 60,
                   markets: tuple[str, ...] = ("AE",), hs: str = "041090") -> Firm:
    """A bird's nest firm, optionally Halal-certified, targeting `markets`."""
    firm = factories.make_firm(name=name, province_code=province, employees=employees,
                               size_class="small", export_experience_years=3,
                               languages=["vi", "en"])
    factories.make_product(firm, name="Tổ yến tinh chế", hs_code=hs, annual_capacity=5,
                           capacity_unit="tonnes")
    factories.make_certification(firm)
    if halal:
        factories.make_certification(firm, scheme_code="HALAL", issued_on=date(2025, 1, 1),
                                     expires_on=date(2030, 1, 1))
    for m in markets:
        factories.make_market(firm, m, "target", priority=1)
    factories.make_contact(firm, email=f"lienhe{firm.id}@example.vn")
    return firm


MISSION = {
    "kind": "trade_mission", "title": "Đoàn xúc tiến yến sào Halal tại UAE",
    "status": "open", "markets": "AE", "hs_prefixes": "0410", "keywords": "yến sào",
    "required_certifications": ["HALAL"], "preferred_certifications": ["HACCP"],
    "starts_on": "2027-03-10", "ends_on": "2027-03-15", "deadline": "2027-02-01",
    "slots": "2", "budget_vnd": "500000000", "cofunding_share": "30",
}


@pytest.fixture
def nest_firms(db):
    """Three Halal bird's nest firms (two in Khánh Hòa, one in Đắk Lắk) and one without Halal."""
    firms = {
        "a": make_nest_firm("Công ty Yến Sào Hòn Nội", employees=80,
                            markets=("AE", "SA")),
        "b": make_nest_firm("Công ty Yến Nha Trang"),
        "c": make_nest_firm("Hợp tác xã Yến Đắk Lắk", province=66, employees=30),
        "d": make_nest_firm("Công ty Yến Cam Ranh", halal=False),
    }
    db.session.commit()
    return firms
