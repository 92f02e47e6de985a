"""Reference tables (HS codes, certification schemes, markets, countries, market requirements):
loaded from the files shipped in matching/data, and handed to the ranking as one
`matching.reference.Reference` built from the database (`matching_reference`)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from importlib import resources
from typing import Any

import pycountry
from flask import current_app
from sqlalchemy import delete, func, select

from crm.display import (
    COUNTRY_VI,
    REFERENCE_PREFIX,
    forget_reference_cache,
    reference_table,
)
from crm.extensions import db
from crm.models import (
    CertificationScheme,
    Country,
    HsCode,
    MarketGroupMember,
    MarketRequirement,
)
from matching.reference import Reference


def _rows(name: str) -> Iterator[dict[str, str]]:
    with resources.files("matching").joinpath("data", name).open(encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_reference_data() -> dict[str, int]:
    """Load the shipped files into the reference tables; idempotent. Returns row counts
    (market_requirements: rows seeded, 0 when the table already had rules)."""
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

    # Memberships have no natural key worth updating: replace them.
    db.session.execute(delete(MarketGroupMember))
    members = list(_rows("markets.csv"))
    db.session.add_all(MarketGroupMember(group=r["group"], country_code=r["country"])
                       for r in members)
    # Requirements are the database's once seeded (admins edit them, with a history): the
    # shipped file only fills an empty table.
    if db.session.scalar(select(func.count()).select_from(MarketRequirement)):
        reqs = []
    else:
        reqs = list(_rows("market_requirements.csv"))
        db.session.add_all(
            MarketRequirement(
                market=r["market"], hs_prefix=r["hs_prefix"], requirement=r["requirement"],
                mandatory=r["mandatory"], applies_to=r["applies_to"] or None,
                source_note=r["source_note"] or None,
                valid_from=_day(r.get("valid_from")), valid_until=_day(r.get("valid_until")),
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


# --- the reference the ranking receives ---------------------------------------------------

# Under the prefix of crm.display's reference tables: `forget_reference_cache` drops it too.
_REFERENCE_KEY = REFERENCE_PREFIX + "matching_reference"


def _static_reference() -> Reference:
    """Certification schemes, HS titles and market groups from their tables, no requirements.

    They change only when `crm refdata` reloads them (then `forget_reference_cache`, as for
    the other reference tables: restart the workers).
    """

    def load() -> Reference:
        certs = [
            {"code": c.code, "name_en": c.name_en, "name_vi": c.name_vi, "scope": c.scope,
             "typical_validity_years": c.typical_validity_years}
            for c in db.session.scalars(select(CertificationScheme))
        ]
        hs = db.session.execute(select(HsCode.code, HsCode.description_en, HsCode.description_vi))
        members = db.session.execute(select(MarketGroupMember.group,
                                            MarketGroupMember.country_code))
        return Reference.from_rows((), certs, ((c, en, vi) for c, en, vi in hs),
                                   ((g, c) for g, c in members))

    return reference_table("matching_static", load, lambda ref: bool(ref.hs_titles))


def requirements_mark() -> tuple[int, Any]:
    """(number of rules, newest updated_at): moves with every change, whichever process made it."""
    count, newest = db.session.execute(
        select(func.count(MarketRequirement.id), func.max(MarketRequirement.updated_at))
    ).one()
    return count, newest


def requirement_rows() -> list[dict[str, Any]]:
    """Every rule (ended ones too: the ranking picks those in force on the opportunity's day)."""
    rows = db.session.scalars(select(MarketRequirement).order_by(MarketRequirement.id))
    return [
        {"market": r.market, "hs_prefix": r.hs_prefix, "requirement": r.requirement,
         "mandatory": r.mandatory, "applies_to": r.applies_to, "source_note": r.source_note,
         "valid_from": r.valid_from, "valid_until": r.valid_until}
        for r in rows
    ]


def matching_reference() -> Reference:
    """The Reference the ranking uses, built from the database and kept per app.

    Each call asks one cheap question (`requirements_mark`); when an admin changed a rule, in
    this process or another worker, the mark moved and the rules are read again (~100 rows).
    """
    mark = requirements_mark()
    cached = current_app.extensions.get(_REFERENCE_KEY)
    if cached is not None and cached[0] == mark:
        return cached[1]
    rules = Reference.from_rows(requirement_rows(), (), (), ()).requirements
    reference = replace(_static_reference(), requirements=rules)
    current_app.extensions[_REFERENCE_KEY] = (mark, reference)
    return reference
