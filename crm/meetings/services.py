"""Writes of the B2B meetings: check the rules, add/flush, never commit."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm.errors import UserError
from crm.extensions import db
from crm.meetings import requests as meeting_requests
from crm.meetings.attendance import check_not_before_its_day, clean_time_zone, status_changed
from crm.models import (
    Counterpart,
    Country,
    EventFirm,
    Interpreter,
    Meeting,
    MeetingEvent,
    MeetingRequest,
    MeetingSession,
    Opportunity,
    Partner,
    ShortlistEntry,
    User,
)
from crm.models.meeting import COUNTERPART_KINDS, MEETING_STATUSES
from crm.partners.services import clean_certifications, clean_hs_prefixes, split_list
from crm.refdata import market_groups

# Firms that take part: confirmed on the shortlist, or already marked as participating.
# Firms that confirmed, went, or went and reported an outcome: all of them meet buyers.
PARTICIPATING = ("confirmed", "participated", "outcome")
MAX_TABLES = 500


def clean_languages(raw: Any, field: str = "languages") -> list[str]:
    """ISO 639-1 codes ("vi, en"), lower case, without repeats."""
    out: list[str] = []
    for item in split_list(raw):
        code = item.strip().lower()
        if not re.fullmatch(r"[a-z]{2}", code):
            raise UserError(_("Mã ngôn ngữ “%(code)s” không hợp lệ: cần 2 chữ cái (vd. vi, en).",
                              code=item), field=field)
        if code not in out:
            out.append(code)
    return out


def clean_markets(raw: Any, field: str = "markets") -> list[str]:
    """Countries a counterpart buys for: ISO codes or groups such as EU27, without repeats."""
    items = split_list(raw)
    groups = market_groups() if items else {}
    out: list[str] = []
    for item in items:
        code = item.strip().upper()
        codes = sorted(groups[code]) if code in groups else [code]
        for c in codes:
            if db.session.get(Country, c) is None:
                raise UserError(_("Thị trường “%(value)s” không nhận ra (dùng mã ISO như JP, "
                                  "US hoặc nhóm như EU27).", value=item), field=field)
            if c not in out:
                out.append(c)
    return out


def _name(raw: Any, field: str = "name") -> str:
    text = (raw or "").strip()
    if not text:
        raise UserError(_("Vui lòng nhập tên."), field=field)
    return text[:255]


def create_event(opportunity: Opportunity, data: dict, by: User | None) -> MeetingEvent:
    """A meeting event under an opportunity."""
    tables = data.get("tables") or 0
    if not 1 <= tables <= MAX_TABLES:
        raise UserError(_("Số bàn phải từ 1 đến %(n)d.", n=MAX_TABLES), field="tables")
    event = MeetingEvent(opportunity_id=opportunity.id, name=_name(data.get("name")),
                         location=(data.get("location") or "").strip() or None, tables=tables,
                         time_zone=clean_time_zone(data.get("time_zone")),
                         created_by_id=by.id if by else None)
    db.session.add(event)
    db.session.flush()
    return event


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def add_session(event: MeetingEvent, day: date, starts_at: time, ends_at: time,
                slot_minutes: int) -> MeetingSession:
    """A session; refused if empty, not cut evenly into slots, or overlapping another."""
    length = _minutes(ends_at) - _minutes(starts_at)
    if length <= 0:
        raise UserError(_("Giờ kết thúc phải sau giờ bắt đầu."), field="ends_at")
    if not slot_minutes or slot_minutes < 5:
        raise UserError(_("Mỗi lượt gặp dài ít nhất 5 phút."), field="slot_minutes")
    if length % slot_minutes:
        raise UserError(_("Phiên dài %(length)d phút không chia hết cho lượt %(slot)d phút.",
                          length=length, slot=slot_minutes), field="slot_minutes")
    for other in event.sessions:
        if (other.day == day and _minutes(other.starts_at) < _minutes(ends_at)
                and _minutes(starts_at) < _minutes(other.ends_at)):
            raise UserError(_("Phiên trùng giờ với phiên %(start)s-%(end)s cùng ngày.",
                              start=other.starts_at.strftime("%H:%M"),
                              end=other.ends_at.strftime("%H:%M")), field="starts_at")
    session = MeetingSession(event=event, day=day, starts_at=starts_at, ends_at=ends_at,
                             slot_minutes=slot_minutes)
    db.session.add(session)
    db.session.flush()
    return session


def add_interpreter(event: MeetingEvent, data: dict) -> Interpreter:
    """An interpreter; they must speak at least two languages to bridge anyone."""
    languages = clean_languages(data.get("languages"))
    if len(languages) < 2:
        raise UserError(_("Phiên dịch viên cần ít nhất hai ngôn ngữ."), field="languages")
    interpreter = Interpreter(event=event, name=_name(data.get("name")), languages=languages)
    db.session.add(interpreter)
    db.session.flush()
    return interpreter


def add_confirmed_firms(event: MeetingEvent) -> int:
    """Add the opportunity's confirmed firms not yet in the event; how many were added."""
    have = {ef.firm_id for ef in event.firms}
    entries = db.session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.opportunity_id == event.opportunity_id,
                                     ShortlistEntry.status.in_(PARTICIPATING))
        .order_by(ShortlistEntry.id))
    added = 0
    for entry in entries:
        if entry.firm_id in have:
            continue
        # Vietnamese firms speak Vietnamese even when the profile does not say so.
        languages = list(dict.fromkeys(["vi", *(entry.firm.languages or [])]))
        db.session.add(EventFirm(event=event, firm_id=entry.firm_id, languages=languages))
        have.add(entry.firm_id)
        added += 1
    db.session.flush()
    return added


def add_counterpart(event: MeetingEvent, data: dict) -> Counterpart:
    """A counterpart, typed in or taken from the partner directory (blanks filled from it)."""
    partner = None
    if data.get("partner_id"):
        partner = db.session.get(Partner, data["partner_id"])
        if partner is None:
            raise UserError(_("Không tìm thấy đối tác."), field="partner_id")
    name = (data.get("name") or "").strip() or (partner.name if partner else "")
    country = (data.get("country_code") or "").strip().upper() or (
        partner.country_code if partner else "")
    if not country or db.session.get(Country, country) is None:
        raise UserError(_("Vui lòng chọn quốc gia."), field="country_code")
    kind = data.get("kind") or ""
    if kind not in COUNTERPART_KINDS:
        raise UserError(_("Loại đối tác không hợp lệ."), field="kind")
    hs = clean_hs_prefixes(data.get("hs_prefixes")) or list(partner.hs_prefixes if partner
                                                            else [])
    sought = (data.get("products_sought") or "").strip() or (
        partner.keywords if partner else None)
    languages = clean_languages(data.get("languages"))
    if not languages:
        raise UserError(_("Vui lòng nhập ít nhất một ngôn ngữ."), field="languages")
    certs = clean_certifications(data.get("required_certifications"),
                                 "required_certifications") or list(
        partner.required_certifications or [] if partner else [])
    cp = Counterpart(event=event, name=_name(name), kind=kind, country_code=country,
                     languages=languages, products_sought=sought, hs_prefixes=hs,
                     partner_id=partner.id if partner else None,
                     markets=clean_markets(data.get("markets")),
                     required_certifications=certs)
    db.session.add(cp)
    db.session.flush()
    return cp


def request_meeting(event: MeetingEvent, event_firm_id: int, counterpart_id: int,
                    requested_by: str, by: User | None, priority: str = "meet",
                    expires_at: datetime | None = None, notify: bool = True) -> MeetingRequest:
    """A meeting request between a firm and a counterpart of this event; one per pair
    (the rules live in crm.meetings.requests; bulk callers pass notify=False)."""
    return meeting_requests.create_request(event, event_firm_id, counterpart_id, requested_by,
                                           by=by, priority=priority, expires_at=expires_at,
                                           notify=notify)


def answer_request(req: MeetingRequest, accept: bool, by: User | None = None) -> None:
    """Accept or decline on either side's behalf (see crm.meetings.requests.answer_request)."""
    meeting_requests.answer_request(req, accept, by=by)


# The agenda (build, publish, move by hand) lives in crm/meetings/agenda.py.
from crm.meetings.agenda import BuildResult, build_agenda  # noqa: E402, F401


def mark_meeting(meeting: Meeting, status: str, note: str | None,
                 by: User | None = None) -> None:
    """Held, no-show or cancelled, with a note on the outcome: an officer's word, which
    overrides the two sides' answers (crm/meetings/attendance.py)."""
    if status not in MEETING_STATUSES:
        raise UserError(_("Trạng thái không hợp lệ."), field="status")
    if status in ("held", "no_show"):
        check_not_before_its_day(meeting)
    before = meeting.status
    meeting.status = status
    meeting.status_overridden = True
    meeting.outcome_note = (note or "").strip() or None
    status_changed(meeting, before, by)
    db.session.flush()
