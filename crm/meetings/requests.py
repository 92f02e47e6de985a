"""Meeting requests: firm → counterpart, counterpart → firm or officer-proposed; priority,
expiry, quotas, answers by the firm (portal) or by officers. Check the rules, add/flush,
never commit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context, has_request_context, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from crm.errors import UserError
from crm.extensions import db
from crm.messaging import services as messaging
from crm.messaging.texts import _, vn_date
from crm.models import Counterpart, EventFirm, Firm, MeetingEvent, MeetingRequest, User
from crm.models.base import utcnow
from crm.models.meeting import REQUEST_PRIORITIES, REQUESTED_BY
from matching.text import fold

# A request nobody answers within a week expires (b2match's request expiry): the scheduler
# then plans with answers, not hopes. Never later than the event's first session.
EXPIRY_DAYS = 7
MAX_QUOTA = 200
# Requests the firm answers in the portal; the firm's own are answered for the counterpart.
TO_FIRM = ("counterpart", "officer")


def _tz() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh") \
        if has_app_context() else "Asia/Ho_Chi_Minh"
    return ZoneInfo(name)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC (SQLite hands back naive datetimes even for timezone=True columns)."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def is_expired(req: MeetingRequest, now: datetime | None = None) -> bool:
    """A request past its expiry that was never accepted: it can no longer be accepted."""
    if req.expires_at is None or req.status == "accepted":
        return False
    return as_utc(req.expires_at) <= (now or utcnow())


def request_state(req: MeetingRequest, now: datetime | None = None) -> str:
    """requested | accepted | declined, or expired for a pending request past its expiry."""
    if req.status == "requested" and is_expired(req, now):
        return "expired"
    return req.status


def event_start(event: MeetingEvent) -> datetime | None:
    """When the event's first session starts (session times are Vietnam local time)."""
    if not event.sessions:
        return None
    first = min(event.sessions, key=lambda s: (s.day, s.starts_at))
    return datetime.combine(first.day, first.starts_at, tzinfo=_tz()).astimezone(UTC)


def default_expiry(event: MeetingEvent, now: datetime | None = None) -> datetime | None:
    """A week from now, but no later than the first session; None once the event is on."""
    now = now or utcnow()
    start = event_start(event)
    if start is not None and start <= now:
        return None  # requests made on the day stay open: officers place them by hand
    week = now + timedelta(days=EXPIRY_DAYS)
    return min(week, start) if start is not None else week


def expiry_from_day(day: date | None, now: datetime | None = None) -> datetime | None:
    """The end of `day` in Vietnam as a moment; refused when already past."""
    if day is None:
        return None
    moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=_tz()).astimezone(UTC)
    if moment <= (now or utcnow()):
        raise UserError(_("Hạn trả lời phải từ hôm nay trở đi."), field="expires_on")
    return moment


def sent_count(event_id: int, *, event_firm_id: int | None = None,
               counterpart_id: int | None = None, now: datetime | None = None) -> int:
    """Requests a participant has sent that still count against the quota: accepted, or
    pending and not expired (a declined or lapsed request frees its place)."""
    now = now or utcnow()
    stmt = select(func.count()).select_from(MeetingRequest).where(
        MeetingRequest.event_id == event_id,
        or_(MeetingRequest.status == "accepted",
            (MeetingRequest.status == "requested")
            & or_(MeetingRequest.expires_at.is_(None), MeetingRequest.expires_at > now)))
    if event_firm_id is not None:
        stmt = stmt.where(MeetingRequest.event_firm_id == event_firm_id,
                          MeetingRequest.requested_by == "firm")
    else:
        stmt = stmt.where(MeetingRequest.counterpart_id == counterpart_id,
                          MeetingRequest.requested_by == "counterpart")
    return db.session.scalar(stmt) or 0


def quota_left(event: MeetingEvent, ef: EventFirm, now: datetime | None = None) -> int | None:
    """How many more requests the firm may send; None without a quota."""
    if event.request_quota is None:
        return None
    return max(0, event.request_quota - sent_count(event.id, event_firm_id=ef.id, now=now))


def set_quota(event: MeetingEvent, raw: str | int | None) -> None:
    """Set or clear (blank) the event's request quota per participant."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        event.request_quota = None
    else:
        if not text.isdigit() or not 1 <= int(text) <= MAX_QUOTA:
            raise UserError(_("Giới hạn đề nghị phải là số nguyên từ 1 đến %(n)d.", n=MAX_QUOTA),
                            field="request_quota")
        event.request_quota = int(text)
    db.session.flush()


def _check_quota(event: MeetingEvent, ef: EventFirm, cp: Counterpart, requested_by: str,
                 now: datetime) -> None:
    if event.request_quota is None or requested_by == "officer":
        return  # officers propose as many meetings as the programme needs
    if requested_by == "firm":
        used, who = sent_count(event.id, event_firm_id=ef.id, now=now), ef.firm.name
    else:
        used, who = sent_count(event.id, counterpart_id=cp.id, now=now), cp.name
    if used >= event.request_quota:
        raise UserError(_("%(who)s đã gửi đủ %(n)d đề nghị gặp, mức tối đa của sự kiện này.",
                          who=who, n=event.request_quota), field="counterpart_id")


def create_request(event: MeetingEvent, event_firm_id: int, counterpart_id: int,
                   requested_by: str, *, by: User | None, priority: str = "meet",
                   expires_at: datetime | None = None, notify: bool = True,
                   now: datetime | None = None) -> MeetingRequest:
    """A request between a firm and a counterpart of this event; one per pair.

    Priority "not" records that the requester does not want this meeting: it is saved as
    declined, so neither side can ask again. A request to the firm sends it a portal
    message (crm.messaging) when `notify`.
    """
    now = now or utcnow()
    ef = db.session.get(EventFirm, event_firm_id) if event_firm_id else None
    cp = db.session.get(Counterpart, counterpart_id) if counterpart_id else None
    if ef is None or cp is None or ef.event_id != event.id or cp.event_id != event.id:
        raise UserError(_("Doanh nghiệp hoặc đối tác không thuộc sự kiện này."),
                        field="counterpart_id")
    if requested_by not in REQUESTED_BY:
        raise UserError(_("Bên đề nghị không hợp lệ."), field="requested_by")
    if priority not in REQUEST_PRIORITIES:
        raise UserError(_("Mức ưu tiên không hợp lệ."), field="priority")
    if fold(ef.firm.name) == fold(cp.name):
        # The same organisation on both sides (a firm also listed as a buyer).
        raise UserError(_("Không thể đề nghị gặp chính mình: %(name)s là cùng một đơn vị.",
                          name=cp.name), field="counterpart_id")
    taken = db.session.scalar(select(MeetingRequest).where(
        MeetingRequest.event_firm_id == ef.id, MeetingRequest.counterpart_id == cp.id))
    if taken is not None:
        raise UserError(_("Đã có đề nghị gặp giữa %(firm)s và %(cp)s trong sự kiện này.",
                          firm=ef.firm.name, cp=cp.name), field="counterpart_id")
    if expires_at is not None and as_utc(expires_at) <= now:
        raise UserError(_("Hạn trả lời phải từ hôm nay trở đi."), field="expires_on")
    refused = priority == "not"
    if not refused:
        _check_quota(event, ef, cp, requested_by, now)
    req = MeetingRequest(
        event_id=event.id, event_firm_id=ef.id, counterpart_id=cp.id,
        requested_by=requested_by, priority=priority,
        status="declined" if refused else "requested",
        expires_at=None if refused else (expires_at or default_expiry(event, now)),
        answered_at=now if refused else None,
        answered_by_id=by.id if refused and by else None,
        created_by_id=by.id if by else None)
    try:
        with db.session.begin_nested():  # two clicks racing: one request, one clear message
            db.session.add(req)
            db.session.flush()
    except IntegrityError:
        raise UserError(_("Đã có đề nghị gặp giữa %(firm)s và %(cp)s trong sự kiện này.",
                          firm=ef.firm.name, cp=cp.name), field="counterpart_id") from None
    if notify and not refused and requested_by in TO_FIRM:
        notify_firm(req, by)
    return req


def answer_request(req: MeetingRequest, accept: bool, *, by: User | None,
                   firm: Firm | None = None, now: datetime | None = None) -> None:
    """Accept or decline. `firm` set = the firm answers in the portal: only requests made
    to it. An expired request cannot be accepted; declining drops a meeting not yet held."""
    now = now or utcnow()
    if firm is not None:
        if req.event_firm.firm_id != firm.id:
            raise UserError(_("Đề nghị này không gửi tới doanh nghiệp của bạn."))
        if req.requested_by not in TO_FIRM:
            raise UserError(_("Đây là đề nghị doanh nghiệp đã gửi: đối tác sẽ trả lời."))
    if req.meeting is not None and req.meeting.status in ("held", "no_show"):
        raise UserError(_("Cuộc gặp đã diễn ra, không thể đổi câu trả lời."))
    if accept and is_expired(req, now):
        raise UserError(_("Đề nghị đã hết hạn lúc %(when)s: không thể chấp nhận nữa.",
                          when=_local(req.expires_at)))
    req.status = "accepted" if accept else "declined"
    req.answered_at = now
    req.answered_by_id = by.id if by else None
    if not accept and req.meeting is not None:
        db.session.delete(req.meeting)
    db.session.flush()


def _local(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = as_utc(moment).astimezone(_tz())
    return f"{local:%H:%M} {vn_date(local.date())}"


def notify_firm(req: MeetingRequest, by: User | None) -> None:
    """A portal message (and e-mail through the outbox) telling the firm it has a request."""
    event = db.session.get(MeetingEvent, req.event_id)
    cp = req.counterpart
    link = (url_for("portal.meeting_event", event_id=req.event_id) if has_request_context()
            else f"/portal/meetings/{req.event_id}")
    deadline = (_("Hạn trả lời: %(when)s.", when=_local(req.expires_at))
                if req.expires_at else "")
    body = _("%(cp)s (%(country)s) đề nghị gặp doanh nghiệp tại %(event)s. "
             "Mở trang “Gặp gỡ B2B” của Cổng doanh nghiệp để chấp nhận hoặc từ chối.",
             cp=cp.name, country=cp.country_code, event=event.name if event else "")
    messaging.queue_message(
        req.event_firm.firm_id, kind="notice",
        subject=_("Đề nghị gặp B2B mới: %(cp)s", cp=cp.name),
        body=f"{body} {deadline}".strip(), link=link, source_type="meeting_request",
        source_id=req.id, by=by, dedupe_key=f"meeting_request:{req.id}", with_task=False)
