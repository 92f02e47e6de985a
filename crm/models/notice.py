"""Regulatory and market notices (WTO ePing, EU RASFF, US FDA, China GACC, MOIT trade
remedies, hand-entered) and the firms each one was matched to (crm/notices)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import db, utcnow

NOTICE_SOURCES = ("eping", "rasff", "fda_refusal", "fda_import_alert", "gacc",
                  "moit_trade_remedy", "manual")
MEASURE_TYPES = ("sps", "tbt", "anti_dumping", "countervailing", "safeguard",
                 "border_rejection", "import_alert", "registration_rule", "market_news")
SEVERITIES = ("high", "medium", "low")
NOTICE_STATUSES = ("new", "sent")
MATCH_TIERS = ("exact", "direct", "broad", "text", "manual")


class Notice(db.Model):
    """One notice as received from its source, with what the targeting reads from it.

    `markets` are ISO country codes or group names ("EU27": the EU as a whole); `hs_codes`
    are 2-, 4- or 6-digit HS codes (their level is their length); `identifiers` are facility
    numbers the notice names (FDA FEI, GACC registration numbers); `raw` is the record as it
    came (JSON), kept so that nothing the source said is lost.
    """

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("source", "external_id"),
        Index("ix_notices_status_published", "status", "published_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(30))
    external_id: Mapped[str] = mapped_column(String(120))
    measure: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(500))
    markets: Mapped[list[str]] = mapped_column(JSON, default=list)
    hs_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    product_text: Mapped[str | None] = mapped_column(Text)
    identifiers: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Firm names the notice gives (FDA LGL_NAME), shown to the officer beside the number.
    named_firms: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    published_on: Mapped[date | None] = mapped_column(Date)
    comment_deadline: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    link: Mapped[str | None] = mapped_column(String(1000))
    summary_vi: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="new")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    targets: Mapped[list[NoticeTarget]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", order_by="NoticeTarget.id")

    @property
    def reference(self) -> str:
        """How the notice is cited: source and its id (e.g. "eping G/SPS/N/JPN/1234")."""
        return f"{self.source} {self.external_id}"


class NoticeTarget(db.Model):
    """A firm a notice concerns: how it matched (tier, reasons), whether the officer keeps
    it, and when it was sent."""

    __tablename__ = "notice_targets"
    __table_args__ = (UniqueConstraint("notice_id", "firm_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    tier: Mapped[str] = mapped_column(String(10))
    # [{"code": "hs", "params": {...}}, ...]: rendered by crm/notices/reasons.py.
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    kept: Mapped[bool] = mapped_column(Boolean, default=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notice: Mapped[Notice] = relationship(back_populates="targets")
    firm = relationship("Firm")
