"""Messages to firms (alerts, reminders) and the e-mail outbox that delivers them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import db, utcnow

if TYPE_CHECKING:
    from crm.models.firm import Firm
    from crm.models.support import Interaction, Task
    from crm.models.user import User

MESSAGE_KINDS = ("notice", "reminder")
# queued → sending (claimed by one worker, until lease_until) → sent | queued again | failed
OUTBOX_STATUSES = ("queued", "sending", "sent", "failed")


class Message(db.Model):
    """One item of a firm's portal inbox (or, for officers' reminders, of a user), with what
    the firm did about it: read, acknowledged ("Đã nắm"), asked for help ("Cần hỗ trợ")."""

    __tablename__ = "messages"
    __table_args__ = (
        # The inbox page and the menu's unread count read straight off this.
        Index("ix_messages_firm_created", "firm_id", "created_at"),
        Index("ix_messages_firm_read", "firm_id", "read_at"),
        Index("ix_messages_source", "source_type", "source_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # The firm it is for; None for a reminder to an officer (recipient_user_id).
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    # What it is about, e.g. ("notice", 12), ("certification", 7), ("task", 3).
    source_type: Mapped[str] = mapped_column(String(30))
    source_id: Mapped[int] = mapped_column(Integer)
    # The same key twice adds nothing: each alert or reminder reaches a firm once.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    help_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    help_note: Mapped[str | None] = mapped_column(Text)
    # The support interaction "Cần hỗ trợ" opened, and the officer's follow-up task.
    help_interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))

    firm: Mapped[Firm | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    help_interaction: Mapped[Interaction | None] = relationship()
    task: Mapped[Task | None] = relationship()
    emails: Mapped[list[OutboxEmail]] = relationship(
        back_populates="message", order_by="OutboxEmail.id")


class OutboxEmail(db.Model):
    """One e-mail to one address, written in the same transaction as its message and sent
    by the worker after commit; `idempotency_key` is also the e-mail's Message-ID."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        # The worker's "what is due" query.
        Index("ix_outbox_emails_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A worker that claimed the row owns it until then; after, another may take it over.
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)

    message: Mapped[Message] = relationship(back_populates="emails")
