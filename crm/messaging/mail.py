"""Deliver the outbox over SMTP: each e-mail at most once per claim, retried with backoff.

Exactly-once, as far as SMTP allows. A worker first *claims* a row with one conditional
UPDATE (queued and due, or a claim whose lease ran out) and commits, so two workers never
send the same row; it sends, then marks the row sent in its own one-row UPDATE and commits
at once. A row marked sent is never sent again. The one window left is a crash after the
SMTP server accepted the e-mail and before that commit (a few milliseconds): the row is
claimed again when its lease runs out (MAIL_LEASE_SECONDS) and sent a second time, with the
same Message-ID (the row's idempotency key), which mail clients and many servers use to
drop the copy.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import and_, or_, select, update

from crm.extensions import db
from crm.messaging.texts import _
from crm.models import Message, OutboxEmail
from crm.models.base import utcnow

log = logging.getLogger("crm.mail")
MAX_ATTEMPTS = 12  # 1, 2, 4 ... 60 minutes apart: about 8 hours of trying
BACKOFF_BASE_S = 60
BACKOFF_MAX_S = 3600
DEFAULT_LEASE_S = 300
SMTP_TIMEOUT_S = 30
BATCH = 200


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: str | None = None  # why nothing was tried (no MAIL_SERVER)

    def __str__(self) -> str:
        if self.skipped:
            return f"not sent: {self.skipped}"
        return f"sent {len(self.sent)}, to retry {len(self.retry)}, failed {len(self.failed)}"


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed ones: 1, 2, 4 ... 60 minutes."""
    return timedelta(seconds=min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


def _due(now: datetime):
    return or_(
        and_(OutboxEmail.status == "queued", OutboxEmail.next_attempt_at <= now),
        and_(OutboxEmail.status == "sending", OutboxEmail.lease_until < now),
    )


def due_ids(now: datetime, limit: int = BATCH) -> list[int]:
    """Ids of e-mails due now, oldest first."""
    return list(db.session.scalars(
        select(OutboxEmail.id).where(_due(now))
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id).limit(limit)))


def claim(email_id: int, now: datetime, lease_s: int) -> bool:
    """Take the row for this worker (committed): True when nobody else has it."""
    result = db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id == email_id, _due(now))
        .values(status="sending", lease_until=now + timedelta(seconds=lease_s),
                attempts=OutboxEmail.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def build_email(row: OutboxEmail, message: Message) -> EmailMessage:
    """The e-mail of one outbox row: the message, the inbox link, a fixed Message-ID."""
    cfg = current_app.config
    sender = cfg["MAIL_FROM"]
    email = EmailMessage()
    email["From"] = sender
    email["To"] = row.to_address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(utcnow())
    domain = sender.rpartition("@")[2] or "localhost"
    email["Message-ID"] = f"<{row.idempotency_key}@{domain}>"
    email["X-CRM-Message"] = str(message.id)
    if message.firm_id is None and message.recipient_user_id is None:
        # A reader with no account (a meeting counterpart): no inbox or CRM link to offer,
        # and the body carries its own sign-off in the reader's language.
        email.set_content(message.body.strip() + "\n")
        return email
    lines = [message.body.strip(), ""]
    base = cfg.get("CRM_BASE_URL", "").rstrip("/")
    if base and message.firm_id is not None:
        lines.append(_("Xem và trả lời trong hộp thư doanh nghiệp: %(url)s",
                       url=f"{base}/portal/inbox/{message.id}"))
    elif base:
        lines.append(_("Mở CRM: %(url)s", url=f"{base}/support/tasks"))
    if message.link and message.link.startswith("http"):
        lines.append(_("Nguồn: %(url)s", url=message.link))
    lines += ["", _("Trung tâm Xúc tiến Thương mại (thư tự động, xin đừng trả lời thư này).")]
    email.set_content("\n".join(lines).strip() + "\n")
    return email


def _connect() -> smtplib.SMTP:
    cfg = current_app.config
    smtp = smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=SMTP_TIMEOUT_S)
    if cfg["MAIL_USE_TLS"]:
        smtp.starttls(context=ssl.create_default_context())
    if cfg["MAIL_USERNAME"]:
        smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
    return smtp


def _permanent(err: Exception) -> bool:
    """A 5xx refusal of this e-mail: trying again will not help."""
    if isinstance(err, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in err.recipients.values())
    code = getattr(err, "smtp_code", None)
    return isinstance(err, smtplib.SMTPResponseException) and code is not None and code >= 500 \
        and not isinstance(err, smtplib.SMTPServerDisconnected)


def _mark(email_id: int, **values: object) -> None:
    db.session.execute(
        update(OutboxEmail).where(OutboxEmail.id == email_id, OutboxEmail.status == "sending")
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def deliver_outbox(*, now: datetime | None = None, limit: int = BATCH) -> DeliveryReport:
    """Send the e-mails due now (commits per e-mail: this is the worker's job, not a service).

    A connection failure puts the e-mail back with backoff and ends the run: the server is
    down for the others too, and they were not claimed, so they wait untouched.
    """
    report = DeliveryReport()
    if not current_app.config.get("MAIL_SERVER"):
        report.skipped = "MAIL_SERVER is not set"
        return report
    lease_s = int(current_app.config.get("MAIL_LEASE_SECONDS", DEFAULT_LEASE_S))
    now = now or utcnow()
    ids = due_ids(now, limit)
    db.session.commit()  # end the read: each claim is its own short transaction
    smtp: smtplib.SMTP | None = None
    try:
        for email_id in ids:
            if not claim(email_id, now, lease_s):
                continue  # another worker has it, or it was sent meanwhile
            row = db.session.get(OutboxEmail, email_id)
            if row is None:
                continue
            try:
                email = build_email(row, row.message)
                if smtp is None:
                    smtp = _connect()
                smtp.send_message(email)
            except (OSError, smtplib.SMTPException) as err:
                error = f"{type(err).__name__}: {err}"[:1000]
                if _permanent(err) or row.attempts >= MAX_ATTEMPTS:
                    _mark(email_id, status="failed", last_error=error, lease_until=None)
                    report.failed.append(email_id)
                    log.warning("e-mail %s failed for good: %s", email_id, error)
                else:
                    _mark(email_id, status="queued", last_error=error, lease_until=None,
                          next_attempt_at=now + backoff(row.attempts))
                    report.retry.append(email_id)
                    log.info("e-mail %s to retry: %s", email_id, error)
                if not _permanent(err):
                    break  # the server is unreachable or broken: try later
                continue
            # Sent: record it before anything else can fail (the one crash window).
            _mark(email_id, status="sent", sent_at=utcnow(), lease_until=None, last_error=None)
            report.sent.append(email_id)
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return report

