"""Reads for the partner directory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, and_, select

from crm import search
from crm.extensions import db
from crm.models import Country, Partner


@dataclass(frozen=True)
class PartnerFilters:
    """What the partner list was asked for; empty means 'any'."""

    q: str = ""
    country: str | None = None
    kind: str | None = None
    diaspora: bool = False
    archived: bool = False


def partner_select(f: PartnerFilters) -> Select[tuple[Partner]]:
    """Partners matching the filters; every folded query word starts a word of the name,
    city or wanted products ("ca phe" finds "Cà phê")."""
    stmt = select(Partner)
    if not f.archived:
        stmt = stmt.where(Partner.archived.is_(False))
    if f.country:
        stmt = stmt.where(Partner.country_code == f.country)
    if f.kind:
        stmt = stmt.where(Partner.kind == f.kind)
    if f.diaspora:
        stmt = stmt.where(Partner.diaspora_owned.is_(True))
    tokens = search.query_tokens(f.q)
    if tokens:
        stmt = stmt.where(and_(*(search.word_prefix(Partner.name_search, t) for t in tokens)))
    return stmt.order_by(Partner.name_search, Partner.id)


def partner_countries() -> list[str]:
    """Countries that have at least one partner, for the filter."""
    return list(db.session.scalars(select(Partner.country_code).distinct()
                                   .order_by(Partner.country_code)))


def country_choices() -> list[str]:
    """Every ISO country code."""
    return list(db.session.scalars(select(Country.code).order_by(Country.code)))


def active_partners() -> list[Partner]:
    """Partners not archived, by name (for the opportunity form)."""
    return list(db.session.scalars(select(Partner).where(Partner.archived.is_(False))
                                   .order_by(Partner.name_search)))
