"""The agenda of an event: build it (preliminary), publish it (final), move a meeting by hand.

Writes: check the rules, add/flush, never commit. The solver itself (crm/meetings/solver.py)
knows nothing of the database; this module turns the event into its plain data and back.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, select

from crm.errors import UserError
from crm.extensions import db
from crm.meetings.rooms import room_name, table_rooms
from crm.meetings.scheduler import InterpreterSpec, Placement, Problem, Request
from crm.meetings.solver import DEFAULT_TIME_LIMIT, MEET, Layout, Solution, solve
from crm.models import Interpreter, Meeting, MeetingEvent, MeetingRequest, MeetingSession
from crm.models.base import utcnow

# Meetings a re-run never moves: already held or missed.
DONE = ("held", "no_show")


@dataclass
class BuildResult:
    """What "build agenda" did."""

    accepted: int
    kept: int  # meetings held / no-show, published or moved by hand: not moved
    agenda: Solution


def event_slots(event: MeetingEvent) -> list[tuple[MeetingSession, int]]:
    """The event's slots in time order: (session, index in the session)."""
    return [(s, i) for s in event.sessions for i in range(s.slot_count)]


def event_layout(event: MeetingEvent,
                 slots: list[tuple[MeetingSession, int]] | None = None) -> Layout:
    """The rooms of the event's tables and which of its slots follow each other: slots of one
    session follow each other; a new session starts after a break."""
    slots = event_slots(event) if slots is None else slots
    return Layout(table_rooms=table_rooms(event),
                  back_to_back=frozenset(n for n, (_s, i) in enumerate(slots) if i > 0))


def _kept(m: Meeting) -> bool:
    return m.status in DONE or m.published_at is not None or m.moved_by_hand


def build_agenda(event: MeetingEvent, time_limit: float | None = None) -> BuildResult:
    """Re-plan the accepted requests; meetings held, missed, published or moved by hand stay."""
    if not event.sessions:
        raise UserError(_("Hãy thêm ít nhất một phiên gặp trước khi xếp lịch."))
    slots = event_slots(event)
    slot_no = {(s.id, i): n for n, (s, i) in enumerate(slots)}
    by_session: dict[int, set[int]] = {}
    for n, (s, _i) in enumerate(slots):
        by_session.setdefault(s.id, set()).add(n)

    def attends(session_ids: list[int]) -> frozenset[int] | None:
        if not session_ids:
            return None
        return frozenset(n for sid in session_ids for n in by_session.get(sid, ()))

    accepted = list(db.session.scalars(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted")
        .order_by(MeetingRequest.id)))
    fixed: list[Placement] = []
    requests: list[Request] = []
    priorities: dict[int, str] = {}
    for r in accepted:
        m = r.meeting
        if m is not None and m.status == "cancelled":
            continue  # cancelled by hand: not planned again
        requests.append(Request(
            r.id, r.event_firm_id, r.counterpart_id, frozenset(r.event_firm.languages or []),
            frozenset(r.counterpart.languages or []), attends(r.event_firm.session_ids or []),
            attends(r.counterpart.session_ids or [])))
        # Priorities come with the portal's requests; before them every request is "meet".
        priorities[r.id] = getattr(r, "priority", None) or MEET
        if m is not None and _kept(m):
            fixed.append(Placement(r.id, slot_no[m.session_id, m.slot_index], m.table_no,
                                   m.interpreter_id))
    db.session.execute(delete(Meeting).where(
        Meeting.status == "scheduled", Meeting.published_at.is_(None),
        Meeting.moved_by_hand.is_(False),
        Meeting.request_id.in_(select(MeetingRequest.id)
                               .where(MeetingRequest.event_id == event.id))))
    db.session.expire_all()
    # A participant changing rooms between two slots that follow each other gets a free
    # slot between them (event rooms).
    layout = event_layout(event, slots)
    problem = Problem(len(slots), event.tables, requests,
                      [InterpreterSpec(i.id, frozenset(i.languages or []))
                       for i in event.interpreters], fixed)
    limit = time_limit if time_limit is not None else float(
        current_app.config.get("MEETING_SOLVER_SECONDS", DEFAULT_TIME_LIMIT))
    agenda = solve(problem, priorities, layout, time_limit=limit)
    for p in agenda.placements:
        session, index = slots[p.slot]
        db.session.add(Meeting(request_id=p.request_id, session_id=session.id,
                               slot_index=index, table_no=p.table,
                               interpreter_id=p.interpreter, status="scheduled"))
    db.session.flush()
    return BuildResult(len(requests), len(fixed), agenda)


def publish_agenda(event: MeetingEvent) -> int:
    """Make the agenda final: every scheduled meeting is published and never moved by a
    re-run (new requests are placed around them). How many were newly published."""
    meetings = _event_meetings(event)
    if not meetings:
        raise UserError(_("Chưa có cuộc gặp nào để công bố: hãy xếp lịch trước."))
    now = utcnow()
    fresh = [m for m in meetings if m.published_at is None and m.status != "cancelled"]
    for m in fresh:
        m.published_at = now
    event.agenda_published_at = now
    db.session.flush()
    return len(fresh)


def _event_meetings(event: MeetingEvent) -> list[Meeting]:
    return list(db.session.scalars(
        select(Meeting).join(MeetingSession).where(MeetingSession.event_id == event.id)))


def move_meeting(meeting: Meeting, session_id: int, slot_index: int, table_no: int) -> None:
    """Move a meeting by hand to another slot and/or table; refused on any conflict.

    The checks: the slot and table exist, the table is free, neither party has another meeting
    then, both attend that session, neither has to change rooms without a free slot (the
    solver's buffer), and an interpreter is free there if the pair needs one.
    """
    event = meeting.session.event
    if meeting.status in DONE:
        raise UserError(_("Cuộc gặp đã diễn ra, không thể dời."), field="slot")
    session = db.session.get(MeetingSession, session_id)
    if session is None or session.event_id != event.id or not (
            0 <= slot_index < session.slot_count):
        raise UserError(_("Lượt gặp không thuộc sự kiện này."), field="slot")
    if not 1 <= table_no <= event.tables:
        raise UserError(_("Bàn phải từ 1 đến %(n)d.", n=event.tables), field="table_no")
    req = meeting.request
    same_time = [m for m in db.session.scalars(select(Meeting).where(
        Meeting.session_id == session.id, Meeting.slot_index == slot_index,
        Meeting.status != "cancelled", Meeting.id != meeting.id))]
    when = session.slot_start(slot_index).strftime("%H:%M")
    taken = next((m for m in same_time if m.table_no == table_no), None)
    if taken is not None:
        raise UserError(_("Bàn %(table)d lúc %(time)s đã có cuộc gặp giữa %(firm)s và %(cp)s.",
                          table=table_no, time=when, firm=taken.request.event_firm.firm.name,
                          cp=taken.request.counterpart.name), field="table_no")
    for m in same_time:
        if m.request.event_firm_id == req.event_firm_id:
            raise UserError(_("%(name)s đã có cuộc gặp khác lúc %(time)s.",
                              name=req.event_firm.firm.name, time=when), field="slot")
        if m.request.counterpart_id == req.counterpart_id:
            raise UserError(_("%(name)s đã có cuộc gặp khác lúc %(time)s.",
                              name=req.counterpart.name, time=when), field="slot")
    for name, sessions in ((req.event_firm.firm.name, req.event_firm.session_ids),
                           (req.counterpart.name, req.counterpart.session_ids)):
        if sessions and session.id not in sessions:
            raise UserError(_("%(name)s không tham dự phiên này.", name=name), field="slot")
    _check_room_buffer(event, meeting, session, slot_index, table_no)
    meeting.interpreter_id = _interpreter_for(event, req, meeting, same_time)
    meeting.session_id = session.id
    meeting.slot_index = slot_index
    meeting.table_no = table_no
    meeting.moved_by_hand = True
    db.session.flush()


def _interpreter_for(event: MeetingEvent, req: MeetingRequest, meeting: Meeting,
                     same_time: list[Meeting]) -> int | None:
    """The interpreter the moved meeting takes: None if the pair shares a language, else one
    who speaks a language of each side and is free then (the current one first)."""
    firm_langs = set(req.event_firm.languages or [])
    cp_langs = set(req.counterpart.languages or [])
    if firm_langs & cp_langs:
        return None
    busy = {m.interpreter_id for m in same_time if m.interpreter_id is not None}
    fits = [i for i in event.interpreters
            if set(i.languages or []) & firm_langs and set(i.languages or []) & cp_langs]
    fits.sort(key=lambda i: i.id != meeting.interpreter_id)
    free: Interpreter | None = next((i for i in fits if i.id not in busy), None)
    if free is None:
        raise UserError(_("Không còn phiên dịch viên phù hợp rảnh vào lượt này."), field="slot")
    return free.id


def _check_room_buffer(event: MeetingEvent, meeting: Meeting, session: MeetingSession,
                       slot_index: int, table_no: int) -> None:
    """Refuse a move that leaves a party no free slot to change rooms (Layout.too_close)."""
    slots = event_slots(event)
    layout = event_layout(event, slots)
    if not layout.table_rooms:
        return  # one room: nobody changes rooms
    slot_no = {(s.id, i): n for n, (s, i) in enumerate(slots)}
    target = slot_no[session.id, slot_index]
    room = layout.room_of(table_no)
    req = meeting.request
    for name, column, party_id in (
            (req.event_firm.firm.name, MeetingRequest.event_firm_id, req.event_firm_id),
            (req.counterpart.name, MeetingRequest.counterpart_id, req.counterpart_id)):
        for other in db.session.scalars(
                select(Meeting).join(MeetingRequest).join(MeetingSession)
                .where(column == party_id, MeetingSession.event_id == event.id,
                       Meeting.status != "cancelled", Meeting.id != meeting.id)):
            n = slot_no.get((other.session_id, other.slot_index))
            if n is not None and layout.too_close(target, room, n,
                                                  layout.room_of(other.table_no)):
                raise UserError(_(
                    "%(name)s có cuộc gặp lúc %(time)s ở %(other)s, liền lượt này: cần một lượt "
                    "trống để sang %(room)s. Chọn bàn cùng phòng hoặc lượt khác.",
                    name=name, time=other.session.slot_start(other.slot_index).strftime("%H:%M"),
                    other=_place(event, other.table_no), room=_place(event, table_no)),
                    field="slot")


def _place(event: MeetingEvent, table_no: int) -> str:
    """Where a table is, for a message: its room, or the table itself outside every room."""
    return room_name(event, table_no) or _("bàn %(n)d", n=table_no)
