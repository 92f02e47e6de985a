"""B2B meetings on the day and after: check-in, "did it happen?", feedback, outcomes.

Writes only (add / flush, never commit). A held meeting becomes one "B2B meeting" entry of
the support log (crm/interactions); its follow-up task is a support-log task, and its
contract or new market an outcome there, so the programme KPIs (crm/kpi.py) count them
with everything else.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from crm import clock
from crm.errors import UserError
from crm.extensions import db
from crm.interactions import services as support
from crm.models import (
    Counterpart,
    EventFirm,
    Interaction,
    Meeting,
    MeetingCheckin,
    MeetingEvent,
    MeetingFeedback,
    Outcome,
    Task,
    User,
)
from crm.models.meeting import ATTENDANCE_ANSWERS, DEFAULT_EVENT_TIME_ZONE
from crm.models.meeting_day import NEXT_STEPS
from crm.models.user import STAFF_ROLES

SIDES = ("firm", "counterpart")
NEXT_STEP_LABELS = {
    "samples": _l("Gửi mẫu"),
    "quotation": _l("Gửi báo giá"),
    "visit": _l("Chuyến thăm"),
    "contract": _l("Hợp đồng"),
    "none": _l("Không có"),
}
FOLLOW_UP_DAYS = 7  # a next step is due a week after the meeting (or after today)
NOTE_MAX = 4000


def clean_time_zone(raw: Any) -> str:
    """An IANA time zone name ("Asia/Tokyo"); blank means Vietnam's."""
    name = (raw or "").strip()
    if not name:
        return DEFAULT_EVENT_TIME_ZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(_("Múi giờ “%(tz)s” không hợp lệ (vd. Asia/Ho_Chi_Minh, Asia/Tokyo).",
                          tz=name), field="time_zone") from None
    return name


def resolve_status(firm_answer: str | None, counterpart_answer: str | None) -> str:
    """The meeting's status from both sides' answers: one "no-show" from either side
    marks a no-show (Swapcard's rule), one "held" with no "no" marks it held."""
    answers = {firm_answer, counterpart_answer}
    if "no_show" in answers:
        return "no_show"
    if "held" in answers:
        return "held"
    return "scheduled"


def _staff(user: User | None) -> User | None:
    return user if user is not None and user.role in STAFF_ROLES else None


def _event(meeting: Meeting) -> MeetingEvent:
    return meeting.session.event


def _log_held(meeting: Meeting, by: User | None) -> None:
    """The support-log entry of a held meeting, once (idempotent through interaction_id)."""
    if meeting.interaction_id is not None:
        return
    event = _event(meeting)
    req = meeting.request
    firm = req.event_firm.firm
    cp = req.counterpart
    officer = (_staff(by) or firm.officer or
               (db.session.get(User, event.created_by_id) if event.created_by_id else None))
    interaction = support.log_interaction({
        "firm_id": firm.id, "kind": "b2b_meeting", "occurred_on": meeting.session.day,
        "officer_id": officer.id if officer else None,
        "opportunity_id": event.opportunity_id,
        "summary": _("Gặp gỡ B2B với %(cp)s (%(country)s) tại «%(event)s»",
                     cp=cp.name, country=cp.country_code, event=event.name),
        # Follow-ups come from the meeting's feedback; the opportunity has its own check.
        "outcome_check_months": 0,
    }, by=officer or by)  # type: ignore[arg-type]
    if interaction.officer is not None and interaction.officer.role not in STAFF_ROLES:
        interaction.officer = None  # a firm's own answer: no officer did this
    meeting.interaction_id = interaction.id


def _unlog_held(meeting: Meeting) -> None:
    """Undo the support-log entry of a meeting that turns out not to have been held."""
    if meeting.interaction_id is None:
        return
    has_feedback = db.session.scalar(select(MeetingFeedback.id).where(
        MeetingFeedback.meeting_id == meeting.id)) is not None
    has_outcome = db.session.scalar(select(Outcome.id).where(
        Outcome.interaction_id == meeting.interaction_id).limit(1)) is not None
    if has_feedback or has_outcome:
        raise UserError(_("Cuộc gặp đã có phản hồi hoặc kết quả: không thể đổi thành chưa "
                          "diễn ra."), field="status")
    interaction_id = meeting.interaction_id
    meeting.interaction_id = None
    db.session.flush()
    db.session.execute(delete(Task).where(Task.interaction_id == interaction_id))
    db.session.execute(delete(Interaction).where(Interaction.id == interaction_id))


def event_today(event: MeetingEvent) -> date:
    """Today at the venue (the event's time zone): a meeting can be held from its day on."""
    return clock.now().astimezone(ZoneInfo(event.time_zone or DEFAULT_EVENT_TIME_ZONE)).date()


def its_day_has_come(meeting: Meeting) -> bool:
    """Whether the meeting's day has come at the venue: from then on either side can say
    whether it happened and give feedback (never about a future meeting)."""
    return meeting.session.day <= event_today(_event(meeting))


def check_not_before_its_day(meeting: Meeting) -> None:
    """Refuse "held" / "no-show" for a meeting whose day has not come: it would log support
    on a future date that no report counts yet, and nobody can know it happened."""
    day = meeting.session.day
    if not its_day_has_come(meeting):
        raise UserError(_("Cuộc gặp diễn ra ngày %(day)s: chỉ ghi đã gặp / vắng mặt từ ngày "
                          "đó.", day=format_date(day, "short")), field="status")


def status_changed(meeting: Meeting, before: str, by: User | None) -> None:
    """Keep the support log in step with the meeting's status (called after each change)."""
    if meeting.status == "held":
        _log_held(meeting, by)
    elif before == "held":
        _unlog_held(meeting)
    db.session.flush()


def answer(meeting: Meeting, side: str, value: str, by: User | None) -> None:
    """One side's "did it happen?": held or no-show. Unless an officer set the status by
    hand, the status follows both answers (resolve_status)."""
    if side not in SIDES:
        raise UserError(_("Bên trả lời không hợp lệ."))
    if value not in ATTENDANCE_ANSWERS:
        raise UserError(_("Trạng thái không hợp lệ."), field="status")
    if meeting.status == "cancelled":
        raise UserError(_("Cuộc gặp đã hủy."))
    check_not_before_its_day(meeting)
    setattr(meeting, f"{side}_answer", value)
    if not meeting.status_overridden:
        before = meeting.status
        meeting.status = resolve_status(meeting.firm_answer, meeting.counterpart_answer)
        status_changed(meeting, before, by)
    db.session.flush()


def _event_days(event: MeetingEvent) -> set[date]:
    return {s.day for s in event.sessions}


def check_in(event: MeetingEvent, day: date, *, event_firm_id: int | None = None,
             counterpart_id: int | None = None, by: User | None = None,
             undo: bool = False) -> bool:
    """Record (or undo) a participant's arrival on a day; False when nothing changed."""
    if day not in _event_days(event):
        raise UserError(_("Sự kiện không có phiên gặp vào ngày này."))
    if (event_firm_id is None) == (counterpart_id is None):
        raise UserError(_("Chọn một doanh nghiệp hoặc một đối tác."))
    if event_firm_id is not None:
        party = db.session.get(EventFirm, event_firm_id)
        column = MeetingCheckin.event_firm_id
    else:
        party = db.session.get(Counterpart, counterpart_id)
        column = MeetingCheckin.counterpart_id
    if party is None or party.event_id != event.id:
        raise UserError(_("Doanh nghiệp hoặc đối tác không thuộc sự kiện này."))
    existing = db.session.scalar(select(MeetingCheckin).where(
        column == party.id, MeetingCheckin.day == day))
    if undo:
        if existing is None:
            return False
        db.session.delete(existing)
    else:
        if existing is not None:
            return False
        db.session.add(MeetingCheckin(event_id=event.id, day=day, event_firm_id=event_firm_id,
                                      counterpart_id=counterpart_id,
                                      by_id=by.id if by else None))
    db.session.flush()
    return True


def _interest(raw: Any) -> int:
    try:
        value = int(str(raw).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise UserError(_("Mức quan tâm từ 1 đến 5."), field="interest")
    return value


def next_step_title(step: str, counterpart: str) -> str:
    """The follow-up task's title for a next step, in the interface language."""
    titles = {
        "samples": _("Gửi mẫu cho %(cp)s", cp=counterpart),
        "quotation": _("Gửi báo giá cho %(cp)s", cp=counterpart),
        "visit": _("Sắp xếp chuyến thăm với %(cp)s", cp=counterpart),
        "contract": _("Theo dõi hợp đồng với %(cp)s", cp=counterpart),
    }
    return titles[step][:255]


def save_feedback(meeting: Meeting, data: dict[str, Any], *, given_by: str,
                  by: User | None) -> MeetingFeedback:
    """Feedback on a held meeting (created or replaced); a next step other than "none"
    becomes a follow-up task in the support log, due a week later."""
    if not its_day_has_come(meeting):
        raise UserError(_("Cuộc gặp diễn ra ngày %(day)s: chỉ ghi phản hồi từ ngày đó.",
                          day=format_date(meeting.session.day, "short")))
    if meeting.status != "held":
        raise UserError(_("Chỉ ghi phản hồi cho cuộc gặp đã diễn ra."))
    interest = _interest(data.get("interest"))
    step = data.get("next_step") or ""
    if step not in NEXT_STEPS:
        raise UserError(_("Chọn bước tiếp theo."), field="next_step")
    note = (data.get("note") or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise UserError(_("Tối đa %(n)d ký tự.", n=NOTE_MAX), field="note")
    fb = db.session.scalar(select(MeetingFeedback).where(
        MeetingFeedback.meeting_id == meeting.id))
    if fb is None:
        fb = MeetingFeedback(meeting_id=meeting.id)
        db.session.add(fb)
    fb.interest, fb.next_step, fb.note = interest, step, note
    fb.given_by, fb.by_id = given_by, by.id if by else None
    _follow_up(meeting, fb, by)
    db.session.flush()
    return fb


def _follow_up(meeting: Meeting, fb: MeetingFeedback, by: User | None) -> None:
    task = db.session.get(Task, fb.task_id) if fb.task_id else None
    if task is not None and task.done_at is not None:
        return  # done already: the record of what was done stays as it was
    if fb.next_step == "none":
        if task is not None:
            fb.task_id = None
            db.session.flush()
            db.session.delete(task)
        return
    event = _event(meeting)
    firm = meeting.request.event_firm.firm
    title = next_step_title(fb.next_step, meeting.request.counterpart.name)
    if task is None:
        assignee = (firm.officer or _staff(by) or
                    (db.session.get(User, event.created_by_id) if event.created_by_id
                     else None))
        task = Task(kind="follow_up", title=title, firm=firm, assignee=assignee,
                    due_on=max(meeting.session.day, clock.today())
                    + timedelta(days=FOLLOW_UP_DAYS),
                    interaction_id=meeting.interaction_id,
                    opportunity_id=event.opportunity_id)
        db.session.add(task)
        db.session.flush()
        fb.task_id = task.id
    else:
        task.title = title


def _usd(raw: Any) -> Decimal | None:
    text = str(raw or "").strip().replace(" ", "").replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise UserError(_("Nhập một số (USD)."), field="contract_value_usd") from None
    if not value.is_finite() or value <= 0:
        raise UserError(_("Giá trị hợp đồng phải lớn hơn 0."), field="contract_value_usd")
    return value


def meeting_outcomes(meeting: Meeting) -> list[Outcome]:
    """Outcomes recorded from this meeting (through its support-log entry)."""
    if meeting.interaction_id is None:
        return []
    return list(db.session.scalars(select(Outcome).where(
        Outcome.interaction_id == meeting.interaction_id).order_by(Outcome.id)))


def record_outcomes(meeting: Meeting, data: dict[str, Any], *, by: User) -> list[Outcome]:
    """A contract (value in USD) and / or the counterpart's country as a new market, as
    outcomes of the support log: the KPIs "contracts signed", "contract value" and "new
    markets" count them. The contract of a meeting is one outcome, its value updated."""
    if meeting.status != "held" or meeting.interaction_id is None:
        raise UserError(_("Chỉ ghi kết quả cho cuộc gặp đã diễn ra."))
    value = _usd(data.get("contract_value_usd"))
    new_market = bool(data.get("new_market"))
    if value is None and not new_market:
        raise UserError(_("Nhập giá trị hợp đồng hoặc chọn thị trường mới."),
                        field="contract_value_usd")
    firm = meeting.request.event_firm.firm
    cp = meeting.request.counterpart
    existing = meeting_outcomes(meeting)
    common = {"firm_id": firm.id, "occurred_on": clock.today(),
              "opportunity_id": _event(meeting).opportunity_id,
              "interaction_id": meeting.interaction_id, "partner_id": cp.partner_id,
              "partner_name": cp.name}
    done: list[Outcome] = []
    if value is not None:
        contract = next((o for o in existing if o.kind == "contract"), None)
        if contract is None:
            contract = support.record_outcome(
                {**common, "kind": "contract", "value_usd": value, "market": cp.country_code},
                by=by)
        else:
            contract.value_usd = value
        done.append(contract)
    if new_market and not any(o.kind == "new_market" for o in existing):
        done.append(support.record_outcome(
            {**common, "kind": "new_market", "market": cp.country_code}, by=by))
    db.session.flush()
    return done
