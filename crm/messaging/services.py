"""Writes of the messaging channel: queue a message to a firm (inbox item, e-mails in the
outbox, the officer's task), and what the firm does with it. Flush, never commit."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm import audit
from crm.errors import UserError
from crm.extensions import db
from crm.messaging.texts import _, vietnam_today
from crm.models import Contact, Firm, Interaction, Message, OutboxEmail, Task, User
from crm.models.base import utcnow
from crm.models.message import MESSAGE_KINDS
from crm.models.user import STAFF_ROLES

SUBJECT_MAX = 255
BODY_MAX = 20_000
NOTE_MAX = 2000
FOLLOW_UP_DAYS = 7  # the officer checks the firm took the alert in (the KPI's window too)
HELP_DUE_DAYS = 2  # a firm that asked for help hears from an officer within two days
# Session flag: this transaction queued e-mail; after its commit the worker is asked to
# send (crm.messaging.jobs.install).
OUTBOX_FLAG = "crm_outbox_queued"


def send_alert(firm_id: int, *, kind: str, subject: str, body: str, link: str | None,
               source_type: str, source_id: int, by: User | None,
               dedupe_key: str) -> Message:
    """Queue one message to a firm: a portal inbox item, an e-mail to the firm's contact
    address(es) through the outbox, and a follow-up task for the officer in charge.
    `kind`: "notice" | "reminder"; `source_type`/`source_id`: what it is about (e.g. "notice", 12);
    `dedupe_key`: the same key twice adds nothing (e.g. f"notice:{notice_id}:firm:{firm_id}").
    Flushes, never commits; the caller commits. Mail leaves only after commit, from the worker."""
    return queue_message(firm_id, kind=kind, subject=subject, body=body, link=link,
                         source_type=source_type, source_id=source_id, by=by,
                         dedupe_key=dedupe_key, with_task=True)


def queue_message(firm_id: int, *, kind: str, subject: str, body: str, link: str | None,
                  source_type: str, source_id: int, by: User | None, dedupe_key: str,
                  with_task: bool) -> Message:
    """send_alert, with the officer's task optional (a firm's own certificate reminder
    needs no officer)."""
    existing = message_by_key(dedupe_key)
    if existing is not None:
        return existing
    firm = db.session.get(Firm, firm_id)
    if firm is None:
        raise UserError(_("Không tìm thấy doanh nghiệp."))
    message = new_message(
        firm_id=firm.id, kind=kind, subject=subject, body=body, link=link,
        source_type=source_type, source_id=source_id, by=by, dedupe_key=dedupe_key)
    if with_task:
        officer = officer_in_charge(firm.id, by)
        message.task = Task(
            kind="follow_up",
            title=_("Theo dõi cảnh báo đã gửi: %(subject)s", subject=message.subject)[:255],
            due_on=vietnam_today() + timedelta(days=FOLLOW_UP_DAYS),
            assignee=officer, firm_id=firm.id,
        )
    addresses = firm_addresses([firm.id]).get(firm.id, [])
    # A savepoint: two requests racing on one key make one message; the other finds it.
    try:
        with db.session.begin_nested():
            db.session.add(message)
            db.session.flush()
    except IntegrityError:
        found = message_by_key(dedupe_key)
        if found is None:
            raise
        return found
    add_emails(message, addresses)
    db.session.flush()
    return message


def message_by_key(dedupe_key: str) -> Message | None:
    """The message already queued under `dedupe_key`, if any."""
    return db.session.scalar(select(Message).where(Message.dedupe_key == dedupe_key))


def new_message(*, firm_id: int | None, kind: str, subject: str, body: str, link: str | None,
                source_type: str, source_id: int, by: User | None, dedupe_key: str,
                recipient_user_id: int | None = None) -> Message:
    """A checked, unsaved Message (the reminders add thousands of them at once)."""
    if kind not in MESSAGE_KINDS:
        raise ValueError(f"unknown message kind {kind!r}")
    subject = " ".join((subject or "").split())[:SUBJECT_MAX]
    if not subject or not dedupe_key:
        raise ValueError("a message needs a subject and a dedupe_key")
    if link and not (link.startswith(("https://", "http://"))
                     or (link.startswith("/") and not link.startswith("//"))):
        raise ValueError(f"unsafe link {link!r}")  # never javascript: or another scheme
    return Message(
        firm_id=firm_id, recipient_user_id=recipient_user_id, kind=kind, subject=subject,
        body=(body or "")[:BODY_MAX], link=link or None, source_type=source_type,
        source_id=source_id, dedupe_key=dedupe_key[:200],
        created_by_id=by.id if by is not None else None, created_at=utcnow(),
    )


def add_emails(message: Message, addresses: Iterable[str]) -> list[OutboxEmail]:
    """One outbox row per address, keyed so the same message never goes twice to one."""
    rows = []
    for address in addresses:
        key = hashlib.sha256(f"{message.dedupe_key}\n{address}".encode()).hexdigest()
        rows.append(OutboxEmail(message=message, to_address=address, status="queued",
                                attempts=0, next_attempt_at=utcnow(), idempotency_key=key))
    if rows:
        db.session.add_all(rows)
        db.session.info[OUTBOX_FLAG] = True
    return rows


def clean_address(raw: str | None) -> str | None:
    """A usable e-mail address, lower-cased, or None (no header injection: one line, one @)."""
    address = (raw or "").strip().lower()
    if (address.count("@") != 1 or len(address) > 254 or any(c in address for c in "\r\n ,;<>")
            or address.startswith("@") or address.endswith("@")):
        return None
    return address


def firm_addresses(firm_ids: list[int]) -> dict[int, list[str]]:
    """Each firm's e-mail addresses: its contact persons', else its active portal users'."""
    found: dict[int, list[str]] = {}
    for start in range(0, len(firm_ids), 900):
        chunk = firm_ids[start:start + 900]
        contacts = db.session.execute(
            select(Contact.firm_id, Contact.email)
            .where(Contact.firm_id.in_(chunk), Contact.email.is_not(None))
            .order_by(Contact.firm_id, Contact.is_primary.desc(), Contact.id))
        users = db.session.execute(
            select(User.firm_id, User.email)
            .where(User.firm_id.in_(chunk), User.role == "enterprise", User.active.is_(True))
            .order_by(User.firm_id, User.id))
        portal: dict[int, list[str]] = {}
        for target, rows in ((found, contacts), (portal, users)):
            for firm_id, raw in rows:
                address = clean_address(raw)
                if address and address not in target.setdefault(firm_id, []):
                    target[firm_id].append(address)
        for firm_id, addresses in portal.items():
            if not found.get(firm_id):
                found[firm_id] = addresses
    return found


def officer_in_charge(firm_id: int, by: User | None) -> User | None:
    """Who follows the firm up. Firms have no assigned officer yet: the staff member who
    sent the alert, else the officer of the firm's latest support interaction."""
    if by is not None and by.role in STAFF_ROLES and by.active:
        return by
    return db.session.scalar(
        select(User).join(Interaction, Interaction.officer_id == User.id)
        .where(Interaction.firm_id == firm_id, User.active.is_(True),
               User.role.in_(STAFF_ROLES))
        .order_by(Interaction.occurred_on.desc(), Interaction.id.desc()).limit(1))


def _own(message: Message, by: User) -> None:
    if by.role != "enterprise" or message.firm_id is None or by.firm_id != message.firm_id:
        raise UserError(_("Bạn không có quyền với tin này."))


def mark_read(message: Message, *, by: User) -> None:
    """The firm opened the message (the first time counts)."""
    _own(message, by)
    if message.read_at is None:
        message.read_at = utcnow()
    db.session.flush()


def acknowledge(message: Message, *, by: User) -> None:
    """"Đã nắm": the firm has taken the message in (once; later clicks change nothing)."""
    _own(message, by)
    now = utcnow()
    message.read_at = message.read_at or now
    if message.acknowledged_at is None:
        message.acknowledged_at = now
        message.acknowledged_by_id = by.id
        audit.record("message_acknowledged", "message", message.id, user=by)
    db.session.flush()


def request_help(message: Message, *, by: User, note: str | None) -> Interaction:
    """"Cần hỗ trợ": open a support interaction for the firm and a task for the officer in
    charge (once per message: asking again returns the same interaction)."""
    _own(message, by)
    if message.help_interaction is not None:
        return message.help_interaction
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise UserError(_("Tối đa %(n)d ký tự.", n=NOTE_MAX), field="note")
    officer = message.task.assignee if message.task is not None else None
    officer = officer or officer_in_charge(message.firm_id, None)
    today = vietnam_today()
    summary = _("Doanh nghiệp cần hỗ trợ về tin «%(subject)s».", subject=message.subject)
    if note:
        summary += "\n" + _("Doanh nghiệp viết: %(note)s", note=note)
    interaction = Interaction(
        firm_id=message.firm_id,
        kind="market_information" if message.kind == "notice" else "consulting",
        occurred_on=today, officer=officer, summary=summary,
    )
    db.session.add(interaction)
    db.session.flush()
    db.session.add(Task(
        kind="follow_up",
        title=_("Doanh nghiệp cần hỗ trợ: %(subject)s", subject=message.subject)[:255],
        due_on=today + timedelta(days=HELP_DUE_DAYS), assignee=officer,
        firm_id=message.firm_id, interaction_id=interaction.id,
    ))
    now = utcnow()
    message.read_at = message.read_at or now
    message.help_requested_at = now
    message.help_note = note or None
    message.help_interaction = interaction
    audit.record("message_help_requested", "message", message.id,
                 {"interaction_id": interaction.id}, user=by)
    db.session.flush()
    return interaction



@event.listens_for(Session, "after_commit")
def _ask_worker_after_commit(session: Session) -> None:
    # Mail leaves only after commit: the worker reads committed rows.
    if (session.info.pop(OUTBOX_FLAG, False) and has_app_context()
            and current_app.config.get("MAIL_KICK_WORKER")):
        from crm.messaging import jobs  # the queue is opened only when there is mail

        jobs.kick()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(OUTBOX_FLAG, None)
