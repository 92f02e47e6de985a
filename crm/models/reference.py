"""Reference tables loaded from the files shipped in matching/data (see `crm refdata`).

Market requirements are seeded from the files once (when the table is empty) and from then on
owned by the database: an admin edits them (crm/requirements), every change keeps a
MarketRequirementChange row, and the ranking reads them (crm.refdata.matching_reference).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.models.base import db, utcnow


class HsCode(db.Model):
    """A Harmonized System code (HS 2022): chapter (2), heading (4) or subheading (6)."""

    __tablename__ = "hs_codes"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    parent: Mapped[str | None] = mapped_column(String(6), index=True)
    description_en: Mapped[str] = mapped_column(Text)
    description_vi: Mapped[str | None] = mapped_column(Text)


class CertificationScheme(db.Model):
    """A certification or market-access registration (HACCP, HALAL, EU_APPROVED, ...)."""

    __tablename__ = "certification_schemes"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(255))
    name_vi: Mapped[str] = mapped_column(String(255))
    scope: Mapped[str] = mapped_column(String(40))
    issuer_type: Mapped[str | None] = mapped_column(String(80))
    typical_validity_years: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text)


class Country(db.Model):
    """An ISO 3166-1 country (from pycountry)."""

    __tablename__ = "countries"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_vi: Mapped[str | None] = mapped_column(String(120))


class MarketGroupMember(db.Model):
    """Membership of a country in a trade bloc (ASEAN, EU27, CPTPP, RCEP, GCC, ...)."""

    __tablename__ = "market_group_members"
    group: Mapped[str] = mapped_column(String(20), primary_key=True)
    country_code: Mapped[str] = mapped_column(
        ForeignKey("countries.code"), primary_key=True, index=True
    )


class MarketRequirement(db.Model):
    """A certification a market (country or group) requires or prefers for an HS prefix.

    In force from `valid_from` to `valid_until`, both inclusive; None is open. A rule is ended
    by setting `valid_until`, never deleted: the history and past rankings refer to it.
    """

    __tablename__ = "market_requirements"
    id: Mapped[int] = mapped_column(primary_key=True)
    market: Mapped[str] = mapped_column(String(20), index=True)
    hs_prefix: Mapped[str] = mapped_column(String(6))
    requirement: Mapped[str] = mapped_column(ForeignKey("certification_schemes.code"))
    mandatory: Mapped[str] = mapped_column(String(20))  # "yes" | "per_shipment" | "no"
    applies_to: Mapped[str | None] = mapped_column(Text)
    source_note: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    # The ranking's cached reference is rebuilt when count or max(updated_at) moves.
    updated_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class MarketRequirementChange(db.Model):
    """One change of a market requirement: who, when, why, old -> new values."""

    __tablename__ = "market_requirement_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(
        ForeignKey("market_requirements.id"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(10))  # "create" | "update" | "end"
    reason: Mapped[str] = mapped_column(Text)
    # Changed fields only (all fields on create), JSON-able (dates as ISO text).
    old_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    new_values: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
