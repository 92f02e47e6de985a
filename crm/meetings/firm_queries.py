"""Reads for a firm's own B2B meetings page in the enterprise portal: its events, suggested
counterparts, requests both ways and its agenda."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.meetings import queries
from crm.meetings import requests as meeting_requests
from crm.meetings.attendance import its_day_has_come
from crm.meetings.rooms import room_name
from crm.models import (
    Counterpart,
    EventFirm,
    Interpreter,
    Meeting,
    MeetingEvent,
    MeetingRequest,
    MeetingSession,
)
from crm.models.base import utcnow


@dataclass
class EventSummary:
    """One event the firm takes part in, with what waits for it."""

    event: MeetingEvent
    event_firm: EventFirm
    to_answer: int  # pending requests made to the firm, not expired
    meetings: int  # meetings on its agenda


def firm_events(firm_id: int, now: datetime | None = None) -> list[EventSummary]:
    """The events the firm takes part in, newest first."""
    now = now or utcnow()
    rows = db.session.execute(
        select(EventFirm, MeetingEvent).join(MeetingEvent, EventFirm.event_id == MeetingEvent.id)
        .where(EventFirm.firm_id == firm_id).order_by(MeetingEvent.id.desc())
        .options(selectinload(MeetingEvent.opportunity), selectinload(MeetingEvent.sessions))
    ).all()
    ef_ids = [ef.id for ef, _ev in rows]
    pending = dict(db.session.execute(
        select(MeetingRequest.event_firm_id, func.count())
        .where(MeetingRequest.event_firm_id.in_(ef_ids),
               MeetingRequest.status == "requested",
               MeetingRequest.requested_by.in_(meeting_requests.TO_FIRM),
               (MeetingRequest.expires_at.is_(None)) | (MeetingRequest.expires_at > now))
        .group_by(MeetingRequest.event_firm_id)).all()) if ef_ids else {}
    booked = dict(db.session.execute(
        select(MeetingRequest.event_firm_id, func.count())
        .join(Meeting, Meeting.request_id == MeetingRequest.id)
        .where(MeetingRequest.event_firm_id.in_(ef_ids), Meeting.status != "cancelled")
        .group_by(MeetingRequest.event_firm_id)).all()) if ef_ids else {}
    return [EventSummary(ev, ef, pending.get(ef.id, 0), booked.get(ef.id, 0))
            for ef, ev in rows]


def event_firm_of(event_id: int, firm_id: int) -> EventFirm | None:
    """The firm's participation in the event, or None when it does not take part."""
    return db.session.scalar(select(EventFirm).where(EventFirm.event_id == event_id,
                                                     EventFirm.firm_id == firm_id))


@dataclass
class AgendaItem:
    """A meeting on the firm's agenda."""

    id: int  # the meeting's id (its page: "did it happen?", feedback)
    day: date
    starts_at: time
    ends_at: time
    table_no: int
    counterpart: Counterpart
    interpreter: Interpreter | None
    status: str
    room: str | None = None  # the table's room when the event has rooms
    # Its day has come at the venue: the firm may say whether it happened, give feedback.
    answerable: bool = False


@dataclass
class FirmEventPage:
    """Everything the firm's page of one event shows, read once."""

    suggestions: list[queries.Suggestion]
    incoming: list[MeetingRequest]  # made to the firm by a counterpart or an officer
    sent: list[MeetingRequest]  # the firm's own
    agenda: list[AgendaItem]
    quota_left: int | None


def firm_event_page(event: MeetingEvent, ef: EventFirm,
                    now: datetime | None = None) -> FirmEventPage:
    """The firm's suggestions, requests and agenda for the event."""
    reqs = list(db.session.scalars(
        select(MeetingRequest).where(MeetingRequest.event_firm_id == ef.id)
        .options(selectinload(MeetingRequest.counterpart),
                 selectinload(MeetingRequest.meeting).selectinload(Meeting.session),
                 selectinload(MeetingRequest.meeting).selectinload(Meeting.interpreter))
        .order_by(MeetingRequest.created_at.desc(), MeetingRequest.id.desc())))
    agenda = []
    for r in reqs:
        m = r.meeting
        if m is None or m.status == "cancelled":
            continue
        s: MeetingSession = m.session
        agenda.append(AgendaItem(m.id, s.day, s.slot_start(m.slot_index),
                                 s.slot_start(m.slot_index + 1), m.table_no, r.counterpart,
                                 m.interpreter, m.status, room_name(event, m.table_no),
                                 its_day_has_come(m)))
    agenda.sort(key=lambda a: (a.day, a.starts_at))
    return FirmEventPage(
        suggestions=[s for s in queries.suggestions(event, ef) if s.request is None],
        incoming=[r for r in reqs if r.requested_by in meeting_requests.TO_FIRM],
        sent=[r for r in reqs if r.requested_by == "firm"],
        agenda=agenda, quota_left=meeting_requests.quota_left(event, ef, now))
