"""B2B meetings on the day and after: check-in of participants, feedback on held meetings."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import TimestampMixin, db, utcnow

if TYPE_CHECKING:
    from crm.models.meeting import Meeting
    from crm.models.support import Task

NEXT_STEPS = ("samples", "quotation", "visit", "contract", "none")
FEEDBACK_FROM = ("firm", "officer")


class MeetingCheckin(db.Model):
    """A participant (firm or counterpart) arrived at the event on a day."""

    __tablename__ = "meeting_checkins"
    __table_args__ = (UniqueConstraint("event_firm_id", "day"),
                      UniqueConstraint("counterpart_id", "day"))
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("meeting_events.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    # Exactly one of the two is set.
    event_firm_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_firms.id"))
    counterpart_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_counterparts.id"))
    checked_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class MeetingFeedback(TimestampMixin, db.Model):
    """The firm's view of a held meeting: interest 1-5, the next step, a note."""

    __tablename__ = "meeting_feedback"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), unique=True)
    interest: Mapped[int] = mapped_column(Integer)
    next_step: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    given_by: Mapped[str] = mapped_column(String(20))  # "firm" (portal) or "officer"
    by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The follow-up task of the next step, in the support log's tasks.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    meeting: Mapped[Meeting] = relationship()
    task: Mapped[Task | None] = relationship()
