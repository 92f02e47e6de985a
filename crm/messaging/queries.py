"""Reads of the messaging channel: a firm's inbox, its unread count, the outbox state."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from crm.extensions import db
from crm.models import Message, OutboxEmail


def inbox(firm_id: int) -> Select:
    """The firm's messages, newest first."""
    return (select(Message).where(Message.firm_id == firm_id)
            .order_by(Message.created_at.desc(), Message.id.desc()))


def unread_count(firm_id: int) -> int:
    """How many of the firm's messages it has not opened (one indexed count)."""
    return db.session.scalar(
        select(func.count()).select_from(Message)
        .where(Message.firm_id == firm_id, Message.read_at.is_(None))) or 0


def outbox_counts() -> dict[str, int]:
    """E-mails per outbox status."""
    rows = db.session.execute(
        select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status))
    return {status: n for status, n in rows}
