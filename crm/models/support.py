"""The support log: interactions with firms, follow-up tasks, outcomes and yearly indicators."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import TimestampMixin, db

if TYPE_CHECKING:
    from crm.models.firm import Firm
    from crm.models.opportunity import Opportunity, Partner, Programme
    from crm.models.user import User

INTERACTION_KINDS = (
    "training",
    "consulting",
    "export_plan",
    "trade_mission",
    "trade_fair",
    "b2b_meeting",
    "ecommerce_onboarding",
    "certification_support",
    "trademark_support",
    "market_information",
    "investment_abroad",
    "value_chain",
    "other",
)
TASK_KINDS = ("follow_up", "outcome_check")
OUTCOME_KINDS = ("contract", "new_market", "ecommerce_store", "follow_up_result")
OUTCOME_RESULTS = ("no_result", "negotiating", "agreement_signed", "orders_shipped")


class Interaction(TimestampMixin, db.Model):
    """One support interaction with a firm (training, consulting, fair, onboarding...)."""

    __tablename__ = "interactions"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    summary: Mapped[str] = mapped_column(Text)
    cost_vnd: Mapped[Decimal | None] = mapped_column(Numeric(16, 0))
    firm_contribution_vnd: Mapped[Decimal | None] = mapped_column(Numeric(16, 0))
    firm: Mapped[Firm] = relationship()
    officer: Mapped[User | None] = relationship()
    programme: Mapped[Programme | None] = relationship()
    opportunity: Mapped[Opportunity | None] = relationship()
    # Optimistic locking, as on firms and partners: the API's ETag/If-Match.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1,
                                         server_default="1")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Task(TimestampMixin, db.Model):
    """A follow-up to do by a due date; outcome checks are created after activities."""

    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="follow_up")
    title: Mapped[str] = mapped_column(String(255))
    due_on: Mapped[date] = mapped_column(Date, index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    firm: Mapped[Firm | None] = relationship()
    assignee: Mapped[User | None] = relationship()


class Outcome(TimestampMixin, db.Model):
    """What came of support: a contract, a new market, a store launched, a follow-up result."""

    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    result: Mapped[str | None] = mapped_column(String(30))
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    opportunity_id: Mapped[int | None] = mapped_column(ForeignKey("opportunities.id"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    # A partner not (yet) in the directory, typed by the officer.
    partner_name: Mapped[str | None] = mapped_column(String(255))
    # The programme the result counts for; None = attributed through its opportunity/interaction.
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id"), index=True)
    value_usd: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    market: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    platform: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    firm: Mapped[Firm] = relationship()
    partner: Mapped[Partner | None] = relationship()


class FirmIndicator(db.Model):
    """A firm's yearly figures, to compare results before and after support."""

    __tablename__ = "firm_indicators"
    __table_args__ = (UniqueConstraint("firm_id", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    export_revenue_usd: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    export_markets: Mapped[int | None] = mapped_column(Integer)
    ecommerce_revenue_usd: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    employees: Mapped[int | None] = mapped_column(Integer)
