"""Plain factory functions for tests: valid objects with overridable fields."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from crm.extensions import db
from crm.models import Certification, Contact, Firm, FirmMarket, Product, User
from crm.validators import synthetic_tax_codes

PASSWORD = "correct horse battery"
_tax_codes = synthetic_tax_codes(10**6, prefix="56")
_seq = itertools.count(1)


def make_firm(**kw: Any) -> Firm:
    """A valid firm in Khánh Hòa (province 56), flushed."""
    n = next(_seq)
    values: dict[str, Any] = {
        "tax_code": next(_tax_codes),
        "name": f"Công ty TNHH Thử Nghiệm {n}",
        "legal_form": "llc",
        "province_code": 56,
        "employees": 20,
        "size_class": "small",
        "sectors": [],
        "languages": ["vi"],
    }
    values.update(kw)
    firm = Firm(**values)
    if not firm.search_text:
        firm.search_text = firm.name_search
    db.session.add(firm)
    db.session.flush()
    return firm


def make_product(firm: Firm, **kw: Any) -> Product:
    """A product of `firm`, flushed."""
    values: dict[str, Any] = {"name": "Tổ yến tinh chế", "hs_code": "041090"}
    values.update(kw)
    product = Product(firm=firm, **values)
    db.session.add(product)
    db.session.flush()
    return product


def make_certification(firm: Firm, **kw: Any) -> Certification:
    """A HACCP certificate valid 2025-01-01 .. 2028-01-01, flushed."""
    values: dict[str, Any] = {
        "scheme_code": "HACCP",
        "issued_on": date(2025, 1, 1),
        "expires_on": date(2028, 1, 1),
    }
    values.update(kw)
    cert = Certification(firm=firm, **values)
    db.session.add(cert)
    db.session.flush()
    return cert


def make_contact(firm: Firm, **kw: Any) -> Contact:
    """A contact person of `firm`, flushed."""
    values: dict[str, Any] = {"name": "Nguyễn Văn An", "phone": "0258 3822 123"}
    values.update(kw)
    contact = Contact(firm=firm, **values)
    db.session.add(contact)
    db.session.flush()
    return contact


def make_market(firm: Firm, country_code: str, kind: str = "target", **kw: Any) -> FirmMarket:
    """A current or target market of `firm`, flushed."""
    market = FirmMarket(firm=firm, country_code=country_code, kind=kind, **kw)
    db.session.add(market)
    db.session.flush()
    return market


def make_user(role: str = "officer", firm: Firm | None = None, **kw: Any) -> User:
    """A user with password PASSWORD; an enterprise user gets a firm if none is given."""
    n = next(_seq)
    if role == "enterprise" and firm is None:
        firm = make_firm()
    user = User(
        email=kw.pop("email", f"{role}{n}@example.vn"),
        name=kw.pop("name", f"{role.title()} {n}"),
        role=role,
        firm_id=firm.id if firm else None,
        **kw,
    )
    user.set_password(PASSWORD)
    db.session.add(user)
    db.session.flush()
    return user
