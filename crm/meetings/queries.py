"""Reads of the B2B meetings: suggestions, requests, the agenda."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.extensions import db
from crm.meetings.fit import Fit, counterpart_fit, rank_counterparts
from crm.models import (
    Certification,
    Counterpart,
    EventFirm,
    FirmMarket,
    Meeting,
    MeetingEvent,
    MeetingRequest,
    MeetingSession,
    Partner,
    Product,
)
from crm.verification.queries import unverified_certifications


def events_of(opportunity_id: int) -> list[MeetingEvent]:
    """The meeting events of an opportunity."""
    return list(db.session.scalars(select(MeetingEvent)
                                   .where(MeetingEvent.opportunity_id == opportunity_id)
                                   .order_by(MeetingEvent.id)))


@dataclass
class Suggestion:
    """A counterpart suggested to a firm, with its fit and any request already made."""

    counterpart: Counterpart
    fit: Fit
    request: MeetingRequest | None


def firm_certificates(firm_id: int, day: date) -> tuple[set[str], set[str]]:
    """The scheme codes the firm holds valid on `day`: (verified, only self-declared), by
    the ranking's rule (crm.verification.queries.unverified_certifications)."""
    certs = list(db.session.scalars(select(Certification)
                                    .where(Certification.firm_id == firm_id)))
    declared = unverified_certifications([firm_id]) if certs else {}
    verified = {c.scheme_code for c in certs if c.valid_on(day) and c.id not in declared}
    waiting = {c.scheme_code for c in certs if c.valid_on(day) and c.id in declared}
    return verified, waiting - verified


def suggestions(event: MeetingEvent, ef: EventFirm) -> list[Suggestion]:
    """The event's counterparts ranked for the firm, best first (computed once)."""
    firm_hs = [c for c in db.session.scalars(
        select(Product.hs_code).where(Product.firm_id == ef.firm_id,
                                      Product.hs_code.is_not(None))) if c]
    markets: dict[str, set[str]] = {"current": set(), "target": set()}
    for code, kind in db.session.execute(select(FirmMarket.country_code, FirmMarket.kind)
                                         .where(FirmMarket.firm_id == ef.firm_id)):
        markets["current" if kind == "current" else "target"].add(code)
    # Certificates must be valid when the firm meets the buyer: the event's first day.
    day = min((s.day for s in event.sessions), default=None) or clock.today()
    held, declared = firm_certificates(ef.firm_id, day)
    asked = {r.counterpart_id: r for r in db.session.scalars(
        select(MeetingRequest).where(MeetingRequest.event_firm_id == ef.id))}
    by_id = {cp.id: cp for cp in event.counterparts}
    fits = [counterpart_fit(counterpart_id=cp.id, firm_hs=firm_hs,
                            firm_markets=markets["current"], firm_targets=markets["target"],
                            firm_languages=set(ef.languages or []),
                            sought_hs=list(cp.hs_prefixes or []), country=cp.country_code,
                            languages=set(cp.languages or []), buys_for=list(cp.markets or []),
                            required_certs=list(cp.required_certifications or []),
                            certs_held=held, certs_declared=declared)
            for cp in by_id.values()]
    return [Suggestion(by_id[f.counterpart_id], f, asked.get(f.counterpart_id))
            for f in rank_counterparts(fits)]


def event_requests(event: MeetingEvent) -> list[MeetingRequest]:
    """All requests of the event, with their parties and meetings."""
    return list(db.session.scalars(
        select(MeetingRequest).where(MeetingRequest.event_id == event.id)
        .options(selectinload(MeetingRequest.event_firm).selectinload(EventFirm.firm),
                 selectinload(MeetingRequest.counterpart),
                 selectinload(MeetingRequest.meeting))
        .order_by(MeetingRequest.id)))


@dataclass
class AgendaRow:
    """One slot of a day: its time and the meeting at each table (None = free)."""

    starts_at: time
    tables: list[Meeting | None]


def agenda(event: MeetingEvent) -> dict[date, list[AgendaRow]]:
    """The agenda per day: one row per slot, one column per table."""
    meetings = db.session.scalars(
        select(Meeting).join(MeetingSession).where(MeetingSession.event_id == event.id)
        .options(selectinload(Meeting.request).selectinload(MeetingRequest.event_firm)
                 .selectinload(EventFirm.firm),
                 selectinload(Meeting.request).selectinload(MeetingRequest.counterpart),
                 selectinload(Meeting.interpreter)))
    at = {(m.session_id, m.slot_index, m.table_no): m for m in meetings}
    days: dict[date, list[AgendaRow]] = defaultdict(list)
    for s in event.sessions:
        for i in range(s.slot_count):
            days[s.day].append(AgendaRow(s.slot_start(i), [
                at.get((s.id, i, t)) for t in range(1, event.tables + 1)]))
    return dict(days)


def active_partners() -> list[Partner]:
    """Partners not archived, by name, for the "from the directory" choice."""
    return list(db.session.scalars(select(Partner).where(Partner.archived.is_(False))
                                   .order_by(Partner.name)))
