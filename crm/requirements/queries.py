"""Reads of market requirements for the admin pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, literal, or_, select

from crm.extensions import db
from crm.models import (
    CertificationScheme,
    MarketGroupMember,
    MarketRequirement,
    MarketRequirementChange,
    User,
)


def in_force_on(day: date) -> Any:
    """SQL condition: the rule applies on `day` (bounds inclusive, None open)."""
    return and_(
        or_(MarketRequirement.valid_from.is_(None), MarketRequirement.valid_from <= day),
        or_(MarketRequirement.valid_until.is_(None), MarketRequirement.valid_until >= day),
    )


def requirements(filters: dict[str, Any]) -> Select:
    """Rules matching the filters, by market, HS prefix, certification.

    `market`: the code itself, and for a country every group it belongs to (a rule for EU27
    applies to DE); `hs`: rules for that code, its chapter/heading or a line under it;
    `on`: rules in force on that day.
    """
    stmt = select(MarketRequirement)
    market = (filters.get("market") or "").strip().upper()
    if market:
        groups = select(MarketGroupMember.group).where(MarketGroupMember.country_code == market)
        stmt = stmt.where(or_(MarketRequirement.market == market,
                              MarketRequirement.market.in_(groups)))
    hs = (filters.get("hs") or "").strip()
    if hs:
        stmt = stmt.where(or_(MarketRequirement.hs_prefix.startswith(hs, autoescape=True),
                              literal(hs).startswith(MarketRequirement.hs_prefix)))
    if filters.get("on"):
        stmt = stmt.where(in_force_on(filters["on"]))
    return stmt.order_by(MarketRequirement.market, MarketRequirement.hs_prefix,
                         MarketRequirement.requirement, MarketRequirement.valid_from,
                         MarketRequirement.id)


def changes_of(row: MarketRequirement) -> list[tuple[MarketRequirementChange, str | None]]:
    """The rule's history, newest first, with the name of who made each change."""
    stmt = (select(MarketRequirementChange, User.name)
            .outerjoin(User, User.id == MarketRequirementChange.user_id)
            .where(MarketRequirementChange.requirement_id == row.id)
            .order_by(MarketRequirementChange.at.desc(), MarketRequirementChange.id.desc()))
    return [(change, name) for change, name in db.session.execute(stmt)]


def market_codes() -> list[str]:
    """Market groups that have rules or members, for the form's suggestions."""
    groups = select(MarketGroupMember.group).distinct()
    used = select(MarketRequirement.market).distinct()
    return sorted(set(db.session.scalars(groups)) | set(db.session.scalars(used)))


def scheme_codes() -> list[tuple[str, str]]:
    """(code, Vietnamese name) of every certification scheme, for suggestions."""
    stmt = select(CertificationScheme.code, CertificationScheme.name_vi)
    return [(code, name) for code, name in db.session.execute(
        stmt.order_by(CertificationScheme.code))]


def history_counts(ids: list[int]) -> dict[int, int]:
    """Rule id -> number of recorded changes."""
    if not ids:
        return {}
    stmt = (select(MarketRequirementChange.requirement_id, func.count())
            .where(MarketRequirementChange.requirement_id.in_(ids))
            .group_by(MarketRequirementChange.requirement_id))
    return {rid: n for rid, n in db.session.execute(stmt)}
