"""Reads of the B2B meetings' agendas, day and results: what the exports and pages show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.meetings.rooms import room_name
from crm.models import (
    Counterpart,
    EventFirm,
    Meeting,
    MeetingCheckin,
    MeetingEvent,
    MeetingFeedback,
    MeetingRequest,
    MeetingSession,
    Outcome,
)


@dataclass(frozen=True)
class AgendaItem:
    """One meeting of an agenda, flattened for pages, workbooks and calendars."""

    meeting: Meeting
    day: date
    starts_at: time
    ends_at: time
    table_no: int
    firm_name: str
    firm_tax_code: str
    counterpart_name: str
    counterpart_country: str
    interpreter: str | None
    status: str
    room: str | None = None  # the table's room when the event has rooms

    @property
    def starts(self) -> datetime:
        """Start as a naive wall-clock time of the venue."""
        return datetime.combine(self.day, self.starts_at)

    @property
    def ends(self) -> datetime:
        """End as a naive wall-clock time of the venue."""
        return datetime.combine(self.day, self.ends_at)


def agenda_items(event: MeetingEvent, *, event_firm: EventFirm | None = None,
                 counterpart: Counterpart | None = None,
                 with_cancelled: bool = False) -> list[AgendaItem]:
    """The event's meetings (of one firm or counterpart when given) by day, time, table."""
    stmt = (select(Meeting).join(MeetingSession).join(MeetingRequest)
            .where(MeetingSession.event_id == event.id)
            .options(selectinload(Meeting.session),
                     selectinload(Meeting.request).selectinload(MeetingRequest.event_firm)
                     .selectinload(EventFirm.firm),
                     selectinload(Meeting.request).selectinload(MeetingRequest.counterpart),
                     selectinload(Meeting.interpreter)))
    if event_firm is not None:
        stmt = stmt.where(MeetingRequest.event_firm_id == event_firm.id)
    if counterpart is not None:
        stmt = stmt.where(MeetingRequest.counterpart_id == counterpart.id)
    if not with_cancelled:
        stmt = stmt.where(Meeting.status != "cancelled")
    items = []
    for m in db.session.scalars(stmt):
        s = m.session
        start = s.slot_start(m.slot_index)
        end = (datetime.combine(s.day, start) + timedelta(minutes=s.slot_minutes)).time()
        items.append(AgendaItem(
            m, s.day, start, end, m.table_no, m.request.event_firm.firm.name,
            m.request.event_firm.firm.tax_code, m.request.counterpart.name,
            m.request.counterpart.country_code,
            m.interpreter.name if m.interpreter else None, m.status,
            room_name(event, m.table_no)))
    items.sort(key=lambda i: (i.day, i.starts_at, i.table_no))
    return items


def event_firm_of(event: MeetingEvent, firm_id: int | None) -> EventFirm | None:
    """The firm's participation in the event, if any (the portal's ownership check)."""
    if firm_id is None:
        return None
    return db.session.scalar(select(EventFirm).where(EventFirm.event_id == event.id,
                                                     EventFirm.firm_id == firm_id))


def event_days(event: MeetingEvent) -> list[date]:
    """The days the event has sessions on, in order."""
    return sorted({s.day for s in event.sessions})


def checked_in(event: MeetingEvent, day: date) -> tuple[set[int], set[int]]:
    """Ids of the event firms and of the counterparts checked in on `day`."""
    firms: set[int] = set()
    cps: set[int] = set()
    for ef_id, cp_id in db.session.execute(
            select(MeetingCheckin.event_firm_id, MeetingCheckin.counterpart_id)
            .where(MeetingCheckin.event_id == event.id, MeetingCheckin.day == day)):
        if ef_id is not None:
            firms.add(ef_id)
        if cp_id is not None:
            cps.add(cp_id)
    return firms, cps


def feedback_by_meeting(meeting_ids: list[int]) -> dict[int, MeetingFeedback]:
    """Feedback of these meetings, by meeting id."""
    if not meeting_ids:
        return {}
    return {fb.meeting_id: fb for fb in db.session.scalars(
        select(MeetingFeedback).where(MeetingFeedback.meeting_id.in_(meeting_ids)))}


def feedback_of(meeting: Meeting) -> MeetingFeedback | None:
    """The meeting's feedback, if given."""
    return db.session.scalar(select(MeetingFeedback).where(
        MeetingFeedback.meeting_id == meeting.id))


@dataclass(frozen=True)
class EventFigures:
    """What came of an event's meetings."""

    scheduled: int  # meetings not cancelled
    held: int
    no_show: int
    follow_ups: int  # feedback with a next step (each one a task)
    contracts: int
    contract_value_usd: Decimal
    new_markets: int
    checked_in: int  # participant-days

    @property
    def no_show_rate(self) -> float | None:
        """No-shows among the meetings whose fate is known (held or no-show), 0..1."""
        known = self.held + self.no_show
        return self.no_show / known if known else None


def event_figures(event: MeetingEvent) -> EventFigures:
    """Meetings held, no-shows, follow-ups and deals of one event."""
    in_event = (select(Meeting.id).join(MeetingSession)
                .where(MeetingSession.event_id == event.id))
    counts = dict(db.session.execute(
        select(Meeting.status, func.count()).where(Meeting.id.in_(in_event))
        .group_by(Meeting.status)).all())
    follow_ups = db.session.scalar(select(func.count()).select_from(MeetingFeedback).where(
        MeetingFeedback.meeting_id.in_(in_event), MeetingFeedback.next_step != "none")) or 0
    interactions = (select(Meeting.interaction_id).where(Meeting.id.in_(in_event),
                                                         Meeting.interaction_id.is_not(None)))
    contracts, value = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Outcome.value_usd), 0))
        .where(Outcome.interaction_id.in_(interactions), Outcome.kind == "contract")).one()
    # One firm entering one market counts once, as in crm/kpi.py.
    markets = len(set(db.session.execute(
        select(Outcome.firm_id, Outcome.market)
        .where(Outcome.interaction_id.in_(interactions), Outcome.kind == "new_market")).all()))
    checkins = db.session.scalar(select(func.count()).select_from(MeetingCheckin).where(
        MeetingCheckin.event_id == event.id)) or 0
    return EventFigures(
        scheduled=sum(n for s, n in counts.items() if s != "cancelled"),
        held=counts.get("held", 0), no_show=counts.get("no_show", 0), follow_ups=follow_ups,
        contracts=contracts or 0, contract_value_usd=Decimal(str(value or 0)),
        new_markets=markets, checked_in=checkins)
