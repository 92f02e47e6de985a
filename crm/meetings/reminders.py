"""Reminders of the B2B meetings, through the messaging channel (crm/messaging):

- b2match's "participants without meetings": a firm of an event with no accepted request
  (so nothing on the agenda, nothing waiting to be placed) is invited to request meetings a
  week and two days before the first session (a missed day is caught up: the latest
  threshold reached is sent, once), and whenever an officer presses the button, at most once
  a day per firm;
- the firm's published agenda, once, in the two days before the event;
- the same to each counterpart with an e-mail address (foreign buyers have no account: the
  mail goes to that address only), in its language when the interface speaks it, else in
  English.

Collected by the daily reminders (`crm reminders run`, crm/messaging/reminders.py); the
button sends through crm.messaging.services. Flush, never commit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.meetings.rooms import seat
from crm.messaging import services as messaging
from crm.messaging.reminders import Reminder
from crm.messaging.texts import _, in_language, local_date, reader_language, vn_date
from crm.models import (
    Counterpart,
    EventFirm,
    Firm,
    Meeting,
    MeetingEvent,
    MeetingRequest,
    MeetingSession,
    Message,
    User,
)

NUDGE_DAYS = (2, 7)  # ascending, days before the first session: the smallest reached is sent
AGENDA_DAYS = 2  # the published agenda goes out in the last two days before the event
NUDGE = "meeting_nudge"
AGENDA = "meeting_agenda"
AGENDA_CP = "meeting_agenda_cp"


def _first_days(today: date, horizon: int) -> dict[int, date]:
    """Events whose first session is after `today` and at most `horizon` days away."""
    first = func.min(MeetingSession.day)
    rows = db.session.execute(
        select(MeetingSession.event_id, first).group_by(MeetingSession.event_id)
        .having(first > today, first <= today + timedelta(days=horizon)))
    return dict(rows.all())


def _without_meetings(event_ids: list[int]) -> list[tuple[int, int, str]]:
    """(event id, firm id, event name) of the firms of these events with no accepted
    request; archived firms left out."""
    if not event_ids:
        return []
    accepted = exists().where(MeetingRequest.event_firm_id == EventFirm.id,
                              MeetingRequest.status == "accepted")
    return [tuple(r) for r in db.session.execute(
        select(EventFirm.event_id, EventFirm.firm_id, MeetingEvent.name)
        .join(MeetingEvent, MeetingEvent.id == EventFirm.event_id)
        .join(Firm, Firm.id == EventFirm.firm_id)
        .where(EventFirm.event_id.in_(event_ids), Firm.archived.is_(False), ~accepted)
        .order_by(EventFirm.event_id, EventFirm.id))]


def nudge_key(event_id: int, firm_id: int, day: date) -> str:
    """One invitation per event, firm and day."""
    return f"{NUDGE}:{event_id}:firm:{firm_id}:{day.isoformat()}"


def _last_nudged(event_ids: list[int]) -> dict[tuple[int, int], date]:
    """The day each firm of these events was last invited (from the keys already sent)."""
    last: dict[tuple[int, int], date] = {}
    for key in db.session.scalars(select(Message.dedupe_key).where(
            Message.source_type == NUDGE, Message.source_id.in_(event_ids))):
        _kind, event_id, _firm, firm_id, day = key.split(":")
        pair, sent = (int(event_id), int(firm_id)), date.fromisoformat(day)
        if sent > last.get(pair, date.min):
            last[pair] = sent
    return last


def _nudge(event_id: int, firm_id: int, name: str, first: date, today: date) -> Reminder:
    values = {"event": name, "date": vn_date(first)}
    return Reminder(
        key=nudge_key(event_id, firm_id, today), kind=NUDGE,
        subject=_("Chưa có cuộc gặp nào: %(event)s", **values),
        body=_("Doanh nghiệp chưa có cuộc gặp nào được chấp nhận tại %(event)s (bắt đầu "
               "ngày %(date)s). Mở trang “Gặp gỡ B2B” của Cổng doanh nghiệp: xem các đối tác "
               "được gợi ý và đề nghị gặp, hoặc trả lời các đề nghị đang chờ, để có chỗ trong "
               "lịch gặp.", **values),
        link=f"/portal/meetings/{event_id}", source_type=NUDGE, source_id=event_id,
        firm_id=firm_id)


def nudge_reminders(today: date) -> Iterator[Reminder]:
    """Firms without meetings of events starting within a week, once per threshold."""
    firsts = _first_days(today, max(NUDGE_DAYS))
    ids = sorted(firsts)
    last = _last_nudged(ids) if ids else {}
    for event_id, firm_id, name in _without_meetings(ids):
        first = firsts[event_id]
        days = next(t for t in NUDGE_DAYS if (first - today).days <= t)
        # Already invited since this threshold opened (by a run or by an officer): enough.
        if last.get((event_id, firm_id), date.min) >= first - timedelta(days=days):
            continue
        yield _nudge(event_id, firm_id, name, first, today)


def agenda_key(event_id: int, firm_id: int, first: date) -> str:
    """One agenda reminder per event and firm (a moved event is reminded again)."""
    return f"{AGENDA}:{event_id}:firm:{firm_id}:{first.isoformat()}"


def counterpart_agenda_key(event_id: int, counterpart_id: int, first: date) -> str:
    """One agenda reminder per event and counterpart (a moved event is reminded again)."""
    return f"{AGENDA_CP}:{event_id}:counterpart:{counterpart_id}:{first.isoformat()}"


def _published(firsts: dict[int, date]) -> list[Meeting]:
    """The published, still scheduled meetings of these events' published agendas."""
    return list(db.session.scalars(
        select(Meeting).join(MeetingSession)
        .join(MeetingEvent, MeetingEvent.id == MeetingSession.event_id)
        .where(MeetingSession.event_id.in_(sorted(firsts)),
               MeetingEvent.agenda_published_at.is_not(None),
               Meeting.published_at.is_not(None), Meeting.status == "scheduled")
        .options(selectinload(Meeting.session).selectinload(MeetingSession.event),
                 selectinload(Meeting.request).selectinload(MeetingRequest.counterpart),
                 selectinload(Meeting.request).selectinload(MeetingRequest.event_firm)
                 .selectinload(EventFirm.firm),
                 selectinload(Meeting.interpreter))))


def _lines(meetings: list[Meeting], other: str) -> list[str]:
    """One line per meeting, in time order: when, where, whom (`other`: "firm" or
    "counterpart", the side met), in the current text language."""
    meetings.sort(key=lambda m: (m.session.day, m.session.slot_start(m.slot_index)))
    lines = []
    for m in meetings:
        who = (m.request.event_firm.firm.name if other == "firm"
               else m.request.counterpart.name)
        line = _("%(day)s %(time)s, %(place)s: %(who)s",
                 day=local_date(m.session.day),
                 time=m.session.slot_start(m.slot_index).strftime("%H:%M"),
                 place=seat(m.session.event, m.table_no), who=who)
        if m.interpreter is not None:
            line += " " + _("(phiên dịch: %(name)s)", name=m.interpreter.name)
        lines.append("- " + line)
    return lines


def agenda_reminders(today: date) -> Iterator[Reminder]:
    """Each firm's and each reachable counterpart's published meetings, once, in the last
    days before the event."""
    firsts = _first_days(today, AGENDA_DAYS)
    if not firsts:
        return
    per_firm: dict[tuple[int, int], list[Meeting]] = defaultdict(list)
    per_cp: dict[tuple[int, int], list[Meeting]] = defaultdict(list)
    for m in _published(firsts):
        per_firm[(m.session.event_id, m.request.event_firm.firm_id)].append(m)
        per_cp[(m.session.event_id, m.request.counterpart_id)].append(m)
    for (event_id, firm_id), mine in sorted(per_firm.items()):
        event = mine[0].session.event
        values = {"event": event.name, "date": vn_date(firsts[event_id]), "n": len(mine)}
        yield Reminder(
            key=agenda_key(event_id, firm_id, firsts[event_id]), kind=AGENDA,
            subject=_("Lịch gặp từ ngày %(date)s, %(n)d cuộc gặp: %(event)s", **values),
            body=_("Lịch gặp chính thức của doanh nghiệp tại %(event)s (giờ địa phương nơi "
                   "gặp):", **values) + "\n" + "\n".join(_lines(mine, "counterpart")) + "\n"
            + _("Bản in và tệp lịch (.ics) có trên trang “Gặp gỡ B2B” của Cổng doanh "
                "nghiệp."),
            link=f"/portal/meetings/{event_id}", source_type=AGENDA, source_id=event_id,
            firm_id=firm_id)
    for (event_id, _cp_id), mine in sorted(per_cp.items()):
        reminder = _counterpart_agenda(mine[0].request.counterpart, mine, firsts[event_id])
        if reminder is not None:
            yield reminder


def _counterpart_agenda(cp: Counterpart, mine: list[Meeting], first: date) -> Reminder | None:
    """A counterpart's agenda, to its e-mail address, in its language (None: no address)."""
    address = messaging.clean_address(cp.contact_email)
    if address is None:
        return None
    event = mine[0].session.event
    language = reader_language(cp.languages or [])
    with in_language(language):
        values = {"event": event.name, "date": local_date(first, language), "n": len(mine),
                  "name": cp.name}
        body = [_("Kính gửi %(name)s,", **values), "",
                _("Lịch gặp B2B chính thức của quý đối tác tại %(event)s (giờ địa phương nơi "
                  "gặp):", **values), *_lines(mine, "firm")]
        if event.location:
            body.append(_("Địa điểm: %(place)s", place=event.location))
        body += ["", _("Trung tâm Xúc tiến Thương mại (thư tự động, xin đừng trả lời thư "
                       "này).")]
        return Reminder(
            key=counterpart_agenda_key(event.id, cp.id, first), kind=AGENDA_CP,
            subject=_("Lịch gặp B2B từ ngày %(date)s, %(n)d cuộc gặp: %(event)s", **values),
            body="\n".join(body), link=None, source_type=AGENDA_CP, source_id=event.id,
            address=address)


def meeting_reminders(today: date) -> Iterator[Reminder]:
    """The meetings' reminders due on `today` (read by crm.messaging.reminders)."""
    yield from nudge_reminders(today)
    yield from agenda_reminders(today)


def firms_without_meetings(event: MeetingEvent) -> set[int]:
    """Ids of the event's firms with no accepted request (marked on the participants page)."""
    return {firm_id for _e, firm_id, _n in _without_meetings([event.id])}


def nudge_event(event: MeetingEvent, *, by: User | None, today: date) -> int:
    """The officer's button: invite every firm of the event without meetings now; a firm
    already invited today gets nothing new. Returns how many messages were queued."""
    first = min((s.day for s in event.sessions), default=today)
    sent = 0
    for event_id, firm_id, name in _without_meetings([event.id]):
        r = _nudge(event_id, firm_id, name, first, today)
        if messaging.message_by_key(r.key) is not None:
            continue
        messaging.queue_message(
            firm_id, kind="reminder", subject=r.subject, body=r.body, link=r.link,
            source_type=r.source_type, source_id=r.source_id, by=by, dedupe_key=r.key,
            with_task=False)
        sent += 1
    return sent
