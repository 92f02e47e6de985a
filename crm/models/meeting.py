"""B2B meetings at a fair or mission: the event, its participants, requests and meetings."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from crm.models.base import TimestampMixin, db, utcnow

if TYPE_CHECKING:
    from crm.models.firm import Firm
    from crm.models.opportunity import Opportunity, Partner

COUNTERPART_KINDS = ("importer", "distributor", "retail_chain", "diaspora_association")
REQUEST_STATUSES = ("requested", "accepted", "declined")
REQUESTED_BY = ("firm", "counterpart", "officer")
# Grip's preferences: must-meet, meet, or "no" (recorded so the pair is never proposed again).
REQUEST_PRIORITIES = ("must", "meet", "not")
MEETING_STATUSES = ("scheduled", "held", "no_show", "cancelled")
ATTENDANCE_ANSWERS = ("held", "no_show")  # what each side says after the slot
DEFAULT_EVENT_TIME_ZONE = "Asia/Ho_Chi_Minh"


class MeetingEvent(TimestampMixin, db.Model):
    """A B2B meeting day or programme of an opportunity (fair stand, mission, partner day)."""

    __tablename__ = "meeting_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(ForeignKey("opportunities.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    location: Mapped[str | None] = mapped_column(String(255))
    tables: Mapped[int] = mapped_column(Integer, default=1)
    # IANA zone of the venue: session times are wall-clock times there (calendar files).
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_EVENT_TIME_ZONE,
                                           server_default=DEFAULT_EVENT_TIME_ZONE)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # None: the agenda is preliminary (re-run at will); set: final, published meetings stay.
    agenda_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Most requests one participant may send (Brella's quota); None = no limit.
    request_quota: Mapped[int | None] = mapped_column(Integer)
    # Tables grouped in rooms: [{"name": "Hall A", "first": 1, "last": 20}, ...]; [] = one
    # room. The scheduler leaves a free slot to a participant who changes rooms.
    rooms: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")

    opportunity: Mapped[Opportunity] = relationship()
    sessions: Mapped[list[MeetingSession]] = relationship(
        back_populates="event", cascade="all, delete-orphan",
        order_by="(MeetingSession.day, MeetingSession.starts_at)")
    interpreters: Mapped[list[Interpreter]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Interpreter.id")
    firms: Mapped[list[EventFirm]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="EventFirm.id")
    counterparts: Mapped[list[Counterpart]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="Counterpart.id")


class MeetingSession(db.Model):
    """A time window of one day, cut into slots of `slot_minutes`."""

    __tablename__ = "meeting_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("meeting_events.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer)
    event: Mapped[MeetingEvent] = relationship(back_populates="sessions")

    @property
    def slot_count(self) -> int:
        """How many slots the window holds (validated to divide exactly)."""
        minutes = (self.ends_at.hour * 60 + self.ends_at.minute
                   - self.starts_at.hour * 60 - self.starts_at.minute)
        return max(0, minutes // self.slot_minutes)

    def slot_start(self, index: int) -> time:
        """Start time of slot `index`."""
        total = self.starts_at.hour * 60 + self.starts_at.minute + index * self.slot_minutes
        return time(total // 60, total % 60)


class Interpreter(db.Model):
    """An interpreter of the event, with the languages (ISO 639-1) they speak."""

    __tablename__ = "meeting_interpreters"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("meeting_events.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    event: Mapped[MeetingEvent] = relationship(back_populates="interpreters")


class EventFirm(db.Model):
    """A confirmed firm of the opportunity taking part in the event's meetings."""

    __tablename__ = "meeting_firms"
    __table_args__ = (UniqueConstraint("event_id", "firm_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("meeting_events.id"), index=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Sessions the firm attends; [] = all of them.
    session_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    event: Mapped[MeetingEvent] = relationship(back_populates="firms")
    firm: Mapped[Firm] = relationship()


class Counterpart(db.Model):
    """A buyer met at the event: importer, distributor, retail chain or diaspora association."""

    __tablename__ = "meeting_counterparts"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("meeting_events.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(30))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    products_sought: Mapped[str | None] = mapped_column(Text)
    hs_prefixes: Mapped[list[str]] = mapped_column(JSON, default=list)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"), index=True)
    # Countries the counterpart buys for (ISO codes), scheme codes it requires, its e-mail.
    markets: Mapped[list[str]] = mapped_column(JSON, default=list)
    required_certifications: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_email: Mapped[str | None] = mapped_column(String(255))
    # Sessions the counterpart attends; [] = all of them.
    session_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    event: Mapped[MeetingEvent] = relationship(back_populates="counterparts")
    partner: Mapped[Partner | None] = relationship()


class MeetingRequest(TimestampMixin, db.Model):
    """A request to meet between a firm and a counterpart of the same event."""

    __tablename__ = "meeting_requests"
    __table_args__ = (UniqueConstraint("event_firm_id", "counterpart_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("meeting_events.id"), index=True)
    event_firm_id: Mapped[int] = mapped_column(ForeignKey("meeting_firms.id"), index=True)
    counterpart_id: Mapped[int] = mapped_column(ForeignKey("meeting_counterparts.id"),
                                                index=True)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    requested_by: Mapped[str] = mapped_column(String(20), default="officer")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    priority: Mapped[str] = mapped_column(String(10), default="meet")
    # After this moment a pending request can no longer be accepted; None = never expires.
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    event_firm: Mapped[EventFirm] = relationship()
    counterpart: Mapped[Counterpart] = relationship()
    meeting: Mapped[Meeting | None] = relationship(back_populates="request", uselist=False)


class Meeting(db.Model):
    """An accepted request placed in a slot, at a table, with an interpreter if needed."""

    __tablename__ = "meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("meeting_requests.id"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("meeting_sessions.id"), index=True)
    slot_index: Mapped[int] = mapped_column(Integer)
    table_no: Mapped[int] = mapped_column(Integer)
    interpreter_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_interpreters.id"))
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    outcome_note: Mapped[str | None] = mapped_column(Text)
    # Each side's "did it happen?" (crm/meetings/attendance.py); an officer's status wins.
    firm_answer: Mapped[str | None] = mapped_column(String(10))
    counterpart_answer: Mapped[str | None] = mapped_column(String(10))
    status_overridden: Mapped[bool] = mapped_column(Boolean, default=False,
                                                    server_default=false())
    # The support-log entry of a held meeting (logged once).
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    # Published on a final agenda, or placed by an officer's hand: a re-run never moves it.
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    moved_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)
    request: Mapped[MeetingRequest] = relationship(back_populates="meeting")
    session: Mapped[MeetingSession] = relationship()
    interpreter: Mapped[Interpreter | None] = relationship()
