"""Duplicate firms: "not a duplicate" decisions and merges that can be undone."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import db, utcnow

if TYPE_CHECKING:
    from crm.models.firm import Firm
    from crm.models.user import User


class DuplicateDecision(db.Model):
    """Staff said two firms are not the same ("Không trùng"): the pair is never proposed again."""

    __tablename__ = "duplicate_decisions"
    # One decision per pair, stored with the smaller firm id first.
    __table_args__ = (UniqueConstraint("first_firm_id", "second_firm_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    first_firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    second_firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)

    first_firm: Mapped[Firm] = relationship(foreign_keys=[first_firm_id])
    second_firm: Mapped[Firm] = relationship(foreign_keys=[second_firm_id])
    decided_by: Mapped[User | None] = relationship()


class FirmMerge(db.Model):
    """One firm merged into another, with what is needed to undo it (crm/duplicates/services)."""

    __tablename__ = "firm_merges"
    __table_args__ = (Index("ix_firm_merges_merged_at", "merged_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kept_firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    merged_firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # What moved and what was folded into a twin, per table: shown on the merge page.
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Rows moved, rows removed (their values), references re-pointed, values changed.
    undo: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Values that were not put back because somebody changed them after the merge.
    undo_note: Mapped[str | None] = mapped_column(Text)

    kept_firm: Mapped[Firm] = relationship(foreign_keys=[kept_firm_id])
    merged_firm: Mapped[Firm] = relationship(foreign_keys=[merged_firm_id])
    merged_by: Mapped[User | None] = relationship(foreign_keys=[merged_by_id])
    undone_by: Mapped[User | None] = relationship(foreign_keys=[undone_by_id])
