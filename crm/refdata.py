"""Load reference tables (HS codes, certification schemes, markets, countries) from the files
shipped in matching/data, so the CRM and the ranking library read the same reference."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from importlib import resources

import pycountry
from sqlalchemy import delete

from crm.display import COUNTRY_VI, forget_reference_cache
from crm.extensions import db
from crm.models import (
    CertificationScheme,
    Country,
    HsCode,
    MarketGroupMember,
    MarketRequirement,
)


def _rows(name: str) -> Iterator[dict[str, str]]:
    with resources.files("matching").joinpath("data", name).open(encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def load_reference_data() -> dict[str, int]:
    """Replace the reference tables with the shipped files; idempotent. Returns row counts."""
    counts: dict[str, int] = {}
    countries = {c.alpha_2: c.name for c in pycountry.countries}
    existing = {c.code: c for c in db.session.scalars(db.select(Country))}
    for code, name in countries.items():
        row = existing.get(code) or Country(code=code)
        row.name_en = name
        row.name_vi = COUNTRY_VI.get(code)
        db.session.add(row)
    counts["countries"] = len(countries)

    existing_hs = {h.code: h for h in db.session.scalars(db.select(HsCode))}
    n = 0
    for r in _rows("hs_codes.csv"):
        row = existing_hs.get(r["code"]) or HsCode(code=r["code"])
        row.level = int(r["level"])
        row.parent = r["parent"] or None
        row.description_en = r["description_en"]
        row.description_vi = r["description_vi"] or None
        db.session.add(row)
        n += 1
    counts["hs_codes"] = n

    existing_cs = {c.code: c for c in db.session.scalars(db.select(CertificationScheme))}
    n = 0
    for r in _rows("certifications.csv"):
        row = existing_cs.get(r["code"]) or CertificationScheme(code=r["code"])
        row.name_en = r["name_en"]
        row.name_vi = r["name_vi"]
        row.scope = r["scope"]
        row.issuer_type = r["issuer_type"] or None
        years = r["typical_validity_years"]
        row.typical_validity_years = int(years) if years else None
        row.notes = r["notes"] or None
        db.session.add(row)
        n += 1
    counts["certification_schemes"] = n
    db.session.flush()

    # Memberships and requirements have no natural key worth updating: replace them.
    db.session.execute(delete(MarketGroupMember))
    db.session.execute(delete(MarketRequirement))
    members = list(_rows("markets.csv"))
    db.session.add_all(MarketGroupMember(group=r["group"], country_code=r["country"])
                       for r in members)
    reqs = list(_rows("market_requirements.csv"))
    db.session.add_all(
        MarketRequirement(
            market=r["market"], hs_prefix=r["hs_prefix"], requirement=r["requirement"],
            mandatory=r["mandatory"], applies_to=r["applies_to"] or None,
            source_note=r["source_note"] or None,
        )
        for r in reqs
    )
    counts["market_group_members"] = len(members)
    counts["market_requirements"] = len(reqs)
    db.session.flush()
    forget_reference_cache()
    return counts


def market_groups() -> dict[str, list[str]]:
    """Group name -> member country codes, from the database."""
    groups: dict[str, list[str]] = {}
    for m in db.session.scalars(db.select(MarketGroupMember).order_by(MarketGroupMember.group)):
        groups.setdefault(m.group, []).append(m.country_code)
    return groups
