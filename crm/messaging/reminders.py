"""Reminders through the messaging channel, each sent once (its dedupe_key).

- certificates (other than GACC) 90, 30 and 7 days before they expire;
- GACC registrations (Decree 248, valid 5 years; renewal is filed 3 to 6 months before the
  end) 6 and 3 months before their end (expires_on, else issued_on + 5 years);
- opportunity deadlines, 7 days and 1 day before, to firms invited that have not answered;
- follow-up tasks due today or tomorrow (or overdue up to a week), to their officer;
- B2B meetings: firms without meetings before an event, and the published agenda to firms
  and to counterparts with an e-mail address (crm/meetings/reminders.py).

A day missed (worker down) is caught up: the reminder of the latest threshold reached is
sent, not the ones before it. A renewed certificate (new expiry) is reminded again. Reads
are set-based (date ranges on indexed columns); the keys already sent are read in chunks.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, or_, select

from crm.extensions import db
from crm.interactions.services import add_months
from crm.messaging.services import add_emails, clean_address, firm_addresses, new_message
from crm.messaging.texts import _, vn_date
from crm.models import Certification, Firm, Message, Opportunity, ShortlistEntry, Task, User

CERT_DAYS = (7, 30, 90)  # ascending: the smallest threshold reached is the one to send
GACC_MONTHS = (3, 6)
GACC_YEARS = 5
DEADLINE_DAYS = (1, 7)
TASK_OVERDUE_DAYS = 7
CHUNK = 900  # ids per IN (...): under SQLite's old 999-parameter limit
FLUSH_EVERY = 2000


@dataclass
class Reminder:
    """One reminder to queue: to a firm (firm_id), to an officer (user_id), or to the
    e-mail address of a reader with no account (address: a meeting counterpart)."""

    key: str
    # certificate | gacc | opportunity | task | meeting_nudge | meeting_agenda(_cp)
    kind: str
    subject: str
    body: str
    link: str | None
    source_type: str
    source_id: int
    firm_id: int | None = None
    user_id: int | None = None
    address: str | None = None


@dataclass
class ReminderReport:
    """What a run found and queued."""

    today: date
    due: Counter = field(default_factory=Counter)  # per kind, before dedupe
    queued: Counter = field(default_factory=Counter)  # per kind, new messages
    emails: int = 0
    seconds: float = 0.0
    dry_run: bool = False

    def __str__(self) -> str:
        kinds = ", ".join(f"{k} {self.queued[k]}/{self.due[k]}" for k in
                          ("certificate", "gacc", "opportunity", "task", "meeting_nudge",
                           "meeting_agenda", "meeting_agenda_cp"))
        verb = "would queue" if self.dry_run else "queued"
        return (f"{self.today}: {verb} {sum(self.queued.values())} reminders "
                f"(new/due: {kinds}), {self.emails} e-mails, {self.seconds:.1f} s")


def _threshold(left: int, thresholds: tuple[int, ...]) -> int | None:
    return next((t for t in thresholds if left <= t), None)


def certificate_reminders(today: date) -> Iterator[Reminder]:
    """Certificates expiring within 90 days (GACC apart)."""
    rows = db.session.execute(
        select(Certification.id, Certification.firm_id, Certification.scheme_code,
               Certification.number, Certification.expires_on)
        .join(Firm, Firm.id == Certification.firm_id)
        .where(Certification.expires_on >= today,
               Certification.expires_on <= today + timedelta(days=max(CERT_DAYS)),
               Certification.scheme_code != "GACC", Firm.archived.is_(False)))
    for cert_id, firm_id, scheme, number, expires in rows:
        left = (expires - today).days
        days = _threshold(left, CERT_DAYS)
        if days is None:
            continue
        values = {"scheme": scheme, "number": number or "", "date": vn_date(expires),
                  "days": left}
        yield Reminder(
            key=f"cert:{cert_id}:{expires.isoformat()}:{days}d", kind="certificate",
            subject=_("Chứng nhận %(scheme)s %(number)s hết hạn ngày %(date)s "
                      "(còn %(days)d ngày)", **values),
            body=_("Chứng nhận %(scheme)s %(number)s của doanh nghiệp hết hạn ngày %(date)s "
                   "(còn %(days)d ngày). Xin gia hạn và tải giấy chứng nhận mới lên cổng "
                   "doanh nghiệp: các cơ hội yêu cầu chứng nhận này chỉ tính chứng nhận còn "
                   "hiệu lực.", **values),
            link=f"/firms/{firm_id}#certifications", source_type="certification",
            source_id=cert_id, firm_id=firm_id)


def gacc_end(issued_on: date, expires_on: date | None) -> date:
    """When a GACC registration ends: its expiry, else 5 years after issue."""
    return expires_on or add_months(issued_on, 12 * GACC_YEARS)


def gacc_reminders(today: date) -> Iterator[Reminder]:
    """GACC registrations within 6 months of their 5-year end."""
    horizon = add_months(today, max(GACC_MONTHS))
    issued_from = add_months(today, -12 * GACC_YEARS)
    rows = db.session.execute(
        select(Certification.id, Certification.firm_id, Certification.number,
               Certification.issued_on, Certification.expires_on)
        .join(Firm, Firm.id == Certification.firm_id)
        .where(Certification.scheme_code == "GACC", Firm.archived.is_(False), or_(
            and_(Certification.expires_on >= today, Certification.expires_on <= horizon),
            and_(Certification.expires_on.is_(None),
                 Certification.issued_on >= issued_from,
                 Certification.issued_on <= add_months(horizon, -12 * GACC_YEARS)))))
    for cert_id, firm_id, number, issued, expires in rows:
        end = gacc_end(issued, expires)
        if not today < end:
            continue
        months = next((m for m in GACC_MONTHS if today >= add_months(end, -m)), None)
        if months is None:
            continue
        values = {"number": number or "", "date": vn_date(end), "months": months}
        yield Reminder(
            key=f"gacc:{cert_id}:{end.isoformat()}:{months}m", kind="gacc",
            subject=_("Đăng ký GACC %(number)s hết hạn ngày %(date)s: nộp hồ sơ gia hạn",
                      **values),
            body=_("Đăng ký doanh nghiệp với Tổng cục Hải quan Trung Quốc (GACC, Lệnh 248) "
                   "%(number)s hết hạn 5 năm vào ngày %(date)s, còn chưa đến %(months)d "
                   "tháng. Hồ sơ gia hạn phải nộp từ 3 đến 6 tháng trước ngày hết hạn; quá "
                   "hạn, hàng của doanh nghiệp không được nhập vào Trung Quốc.", **values),
            link=f"/firms/{firm_id}#certifications", source_type="certification",
            source_id=cert_id, firm_id=firm_id)


def deadline_reminders(today: date) -> Iterator[Reminder]:
    """Open opportunities whose answer deadline is near, to the firms invited that have
    not answered."""
    rows = db.session.execute(
        select(Opportunity.id, Opportunity.title, Opportunity.deadline, ShortlistEntry.firm_id)
        .join(ShortlistEntry, ShortlistEntry.opportunity_id == Opportunity.id)
        .where(Opportunity.status == "open", Opportunity.deadline >= today,
               Opportunity.deadline <= today + timedelta(days=max(DEADLINE_DAYS)),
               ShortlistEntry.status == "invited", ShortlistEntry.firm_response.is_(None)))
    for opp_id, title, deadline, firm_id in rows:
        left = (deadline - today).days
        days = _threshold(left, DEADLINE_DAYS)
        if days is None:
            continue
        values = {"title": title, "date": vn_date(deadline), "days": left}
        yield Reminder(
            key=f"opportunity:{opp_id}:firm:{firm_id}:{deadline.isoformat()}:{days}d",
            kind="opportunity",
            subject=_("Hạn trả lời lời mời «%(title)s»: %(date)s", **values),
            body=_("Doanh nghiệp được mời tham gia «%(title)s». Hạn trả lời là ngày %(date)s "
                   "(còn %(days)d ngày). Vào mục Cơ hội trên cổng doanh nghiệp để nhận lời "
                   "hoặc từ chối.", **values),
            link="/portal/opportunities", source_type="opportunity", source_id=opp_id,
            firm_id=firm_id)


def task_reminders(today: date) -> Iterator[Reminder]:
    """Open tasks due today or tomorrow, or overdue by up to a week, to their officer."""
    rows = db.session.execute(
        select(Task.id, Task.title, Task.due_on, Task.assignee_id, Firm.name)
        .join(User, User.id == Task.assignee_id)
        .outerjoin(Firm, Firm.id == Task.firm_id)
        .where(Task.done_at.is_(None), User.active.is_(True),
               Task.due_on >= today - timedelta(days=TASK_OVERDUE_DAYS),
               Task.due_on <= today + timedelta(days=1)))
    for task_id, title, due_on, user_id, firm_name in rows:
        values = {"title": title, "date": vn_date(due_on), "firm": firm_name or "—"}
        yield Reminder(
            key=f"task:{task_id}:due:{due_on.isoformat()}", kind="task",
            subject=_("Việc đến hạn %(date)s: %(title)s", **values),
            body=_("Việc «%(title)s» (doanh nghiệp: %(firm)s) đến hạn ngày %(date)s.",
                   **values),
            link="/support/tasks", source_type="task", source_id=task_id, user_id=user_id)


def due_reminders(today: date) -> Iterator[Reminder]:
    """Every reminder due on `today`, sent before or not."""
    yield from certificate_reminders(today)
    yield from gacc_reminders(today)
    yield from deadline_reminders(today)
    yield from task_reminders(today)
    # The B2B meetings' reminders live with the meetings (imported here: they use Reminder).
    from crm.meetings.reminders import meeting_reminders

    yield from meeting_reminders(today)


def _already_sent(keys: list[str]) -> set[str]:
    sent: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        sent.update(db.session.scalars(
            select(Message.dedupe_key).where(Message.dedupe_key.in_(keys[start:start + CHUNK]))))
    return sent


def _user_addresses(user_ids: list[int]) -> dict[int, str]:
    found = {}
    for start in range(0, len(user_ids), CHUNK):
        for uid, email in db.session.execute(
                select(User.id, User.email).where(User.id.in_(user_ids[start:start + CHUNK]))):
            address = clean_address(email)
            if address:
                found[uid] = address
    return found


def run_reminders(today: date, *, dry_run: bool = False) -> ReminderReport:
    """Queue the reminders due on `today` that were not sent before. Flushes; the caller
    commits (a dry run writes nothing)."""
    started = time.perf_counter()
    report = ReminderReport(today=today, dry_run=dry_run)
    due = list(due_reminders(today))
    report.due.update(r.kind for r in due)
    sent = _already_sent([r.key for r in due])
    new = list({r.key: r for r in due if r.key not in sent}.values())
    report.queued.update(r.kind for r in new)
    firm_mail = firm_addresses(sorted({r.firm_id for r in new if r.firm_id is not None}))
    user_mail = _user_addresses(sorted({r.user_id for r in new if r.user_id is not None}))
    pending = 0
    for r in new:
        addresses = (firm_mail.get(r.firm_id, []) if r.firm_id is not None
                     else [user_mail[r.user_id]] if r.user_id in user_mail
                     else [r.address] if r.address else [])
        report.emails += len(addresses)
        if dry_run:
            continue
        message = new_message(
            firm_id=r.firm_id, recipient_user_id=r.user_id, kind="reminder",
            subject=r.subject, body=r.body, link=r.link, source_type=r.source_type,
            source_id=r.source_id, by=None, dedupe_key=r.key)
        db.session.add(message)
        add_emails(message, addresses)
        pending += 1
        if pending >= FLUSH_EVERY:
            db.session.flush()
            db.session.expunge_all()  # thousands of rows: keep the session small
            pending = 0
    if not dry_run:
        db.session.flush()
    report.seconds = time.perf_counter() - started
    return report
