"""Overseas partners, programmes with targets, opportunities and their shortlists."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm.models.base import TimestampMixin, db, utcnow
from matching.text import fold

if TYPE_CHECKING:
    from crm.models.firm import Firm
    from crm.models.user import User

PARTNER_KINDS = (
    "importer",
    "distributor",
    "retail_chain",
    "supermarket_chain",
    "business_association",
    "ecommerce_platform",
    "other",
)
# The four kinds of the matching contract (shared/spec/matching-io.md).
OPPORTUNITY_KINDS = ("trade_mission", "trade_fair", "ecommerce_cohort", "distribution_partner")
OPPORTUNITY_STATUSES = ("draft", "open", "closed", "done")
# suggested → shortlisted → invited → confirmed | declined → participated → outcome
SHORTLIST_STATUSES = (
    "suggested",
    "shortlisted",
    "invited",
    "confirmed",
    "declined",
    "participated",
    "outcome",
    "passed_over",
)


class Partner(TimestampMixin, db.Model):
    """An overseas importer, distributor, retail chain, association or platform."""

    __tablename__ = "partners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    name_search: Mapped[str] = mapped_column(String(255), index=True, default="")
    kind: Mapped[str] = mapped_column(String(30))
    diaspora_owned: Mapped[bool] = mapped_column(Boolean, default=False)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(255))
    hs_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[str | None] = mapped_column(Text)
    required_certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    annual_volume: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    volume_unit: Mapped[str | None] = mapped_column(String(20))
    contact_name: Mapped[str | None] = mapped_column(String(255))
    contact_email: Mapped[str | None] = mapped_column(String(255))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @validates("name")
    def _fold_name(self, _key: str, value: str) -> str:
        self.name_search = fold(value)
        return value


class Programme(db.Model):
    """A support programme (e.g. Khánh Hòa Local Go Global 2026-2030) with KPI targets."""

    __tablename__ = "programmes"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    province_code: Mapped[int | None] = mapped_column(Integer)
    start_year: Mapped[int] = mapped_column(Integer)
    end_year: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    targets: Mapped[list[ProgrammeTarget]] = relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="ProgrammeTarget.id"
    )


class ProgrammeTarget(db.Model):
    """A KPI target of a programme, for the whole period (year None) or one year.

    The KPI's value is always computed from records (crm KPI catalogue), never typed in.
    """

    __tablename__ = "programme_targets"
    __table_args__ = (UniqueConstraint("programme_id", "kpi_code", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id"), index=True)
    kpi_code: Mapped[str] = mapped_column(String(60))
    year: Mapped[int | None] = mapped_column(Integer)
    target_value: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    note: Mapped[str | None] = mapped_column(Text)
    programme: Mapped[Programme] = relationship(back_populates="targets")


class Opportunity(TimestampMixin, db.Model):
    """A trade mission, trade fair, e-commerce cohort or distribution partner's request."""

    __tablename__ = "opportunities"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    markets: Mapped[list[str]] = mapped_column(JSON, default=list)
    hs_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    preferred_certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_size: Mapped[str | None] = mapped_column(String(10))
    min_annual_capacity_tonnes: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    platform: Mapped[str | None] = mapped_column(String(40))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    location: Mapped[str | None] = mapped_column(String(255))
    slots: Mapped[int | None] = mapped_column(Integer)
    budget_vnd: Mapped[Decimal | None] = mapped_column(Numeric(16, 0))
    cofunding_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # firm's %, 0-100
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    # {"province": 3, "hs_chapter": 4}: at most N confirmed firms per group; None = no quota.
    quotas: Mapped[dict] = mapped_column(JSON, default=dict)
    # Per-opportunity overrides of matching's default weights; {} = defaults.
    weights: Mapped[dict] = mapped_column(JSON, default=dict)
    diversity: Mapped[bool] = mapped_column(Boolean, default=False)
    exposure_decay: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    partner: Mapped[Partner | None] = relationship()
    programme: Mapped[Programme | None] = relationship()
    entries: Mapped[list[ShortlistEntry]] = relationship(
        back_populates="opportunity", cascade="all, delete-orphan", order_by="ShortlistEntry.id"
    )


class ShortlistEntry(TimestampMixin, db.Model):
    """A firm on an opportunity's shortlist, with the score and reasons when it was added."""

    __tablename__ = "shortlist_entries"
    __table_args__ = (UniqueConstraint("opportunity_id", "firm_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="shortlisted", index=True)
    suggested: Mapped[bool] = mapped_column(Boolean, default=True)
    rank_at_shortlist: Mapped[int | None] = mapped_column(Integer)
    score_at_shortlist: Mapped[float | None] = mapped_column(Numeric(6, 4))
    reasons_at_shortlist: Mapped[list] = mapped_column(JSON, default=list)
    # Why a firm not suggested was added, or a higher-ranked one passed over.
    justification: Mapped[str | None] = mapped_column(Text)
    firm_response: Mapped[str | None] = mapped_column(String(20))  # interested / declined
    # Version of the learned model of the opportunity's kind that ranked the firm when it was
    # added (crm.learning); None = the hand-set weights.
    model_version: Mapped[int | None] = mapped_column(Integer)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    opportunity: Mapped[Opportunity] = relationship(back_populates="entries")
    firm: Mapped[Firm] = relationship()
    added_by: Mapped[User | None] = relationship()
    events: Mapped[list[ShortlistEvent]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="ShortlistEvent.id"
    )


class ShortlistEvent(db.Model):
    """One status change of a shortlist entry: who, when, from → to, why."""

    __tablename__ = "shortlist_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("shortlist_entries.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
    entry: Mapped[ShortlistEntry] = relationship(back_populates="events")
