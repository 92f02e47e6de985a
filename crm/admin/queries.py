"""Reads for the admin pages: audit events, users, the firm changes next to an event."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, or_, select

from crm.extensions import db
from crm.models import AuditEvent, ChangeRecord, User

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# How far apart an audit event and the ChangeRecords of the same flush may be.
CHANGE_WINDOW = timedelta(seconds=5)


def _local_day_start(day: date) -> datetime:
    """Midnight in Vietnam, in UTC (the filters speak local dates, the rows UTC)."""
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


def audit_events(filters: dict[str, Any]) -> Select:
    """Audit events matching the filters, newest first."""
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if filters.get("action"):
        stmt = stmt.where(AuditEvent.action == filters["action"])
    if filters.get("user"):
        stmt = stmt.where(func.lower(AuditEvent.user_email).contains(
            filters["user"].strip().lower(), autoescape=True))
    if filters.get("target_type"):
        stmt = stmt.where(AuditEvent.target_type == filters["target_type"])
    if filters.get("target_id"):
        stmt = stmt.where(AuditEvent.target_id == filters["target_id"])
    if filters.get("date_from"):
        stmt = stmt.where(AuditEvent.at >= _local_day_start(filters["date_from"]))
    if filters.get("date_to"):
        stmt = stmt.where(
            AuditEvent.at < _local_day_start(filters["date_to"] + timedelta(days=1)))
    return stmt


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def firm_changes_for(events: list[AuditEvent]) -> dict[int, list[ChangeRecord]]:
    """The ChangeRecords written with each firm event (same firm, user and moment).

    Field-level old → new values live in ChangeRecord (crm/history.py); this pairs them
    with the events shown on one page, in one query.
    """
    firm_events = [e for e in events if e.target_type == "firm" and e.target_id
                   and e.action in ("create", "update", "archive", "unarchive", "merge")]
    if not firm_events:
        return {}
    moments = [_aware(e.at) for e in firm_events]
    rows = db.session.scalars(
        select(ChangeRecord)
        .where(ChangeRecord.firm_id.in_({e.target_id for e in firm_events}),
               ChangeRecord.at >= min(moments) - CHANGE_WINDOW,
               ChangeRecord.at <= max(moments) + CHANGE_WINDOW)
        .order_by(ChangeRecord.id)
    ).all()
    # Each record goes to the nearest event of the same firm and user: quick successive
    # edits (create, then add a contact, then archive) each keep their own changes.
    candidates: dict[tuple[int, int | None], list[AuditEvent]] = defaultdict(list)
    for event in firm_events:
        candidates[(event.target_id, event.user_id)].append(event)
    out: dict[int, list[ChangeRecord]] = {e.id: [] for e in firm_events}
    for row in rows:
        near = [(abs(_aware(row.at) - _aware(e.at)), e.id)
                for e in candidates.get((row.firm_id, row.user_id), ())]
        if near and min(near)[0] <= CHANGE_WINDOW:
            out[min(near)[1]].append(row)
    return out


def users(filters: dict[str, Any]) -> Select:
    """Users matching the filters, by name."""
    stmt = select(User).order_by(User.active.desc(), User.name, User.id)
    if filters.get("q"):
        needle = filters["q"].strip().lower()
        stmt = stmt.where(or_(func.lower(User.name).contains(needle, autoescape=True),
                              func.lower(User.email).contains(needle, autoescape=True)))
    if filters.get("role"):
        stmt = stmt.where(User.role == filters["role"])
    if filters.get("status") == "active":
        stmt = stmt.where(User.active.is_(True))
    elif filters.get("status") == "inactive":
        stmt = stmt.where(User.active.is_(False))
    return stmt


def recent_events_of(user: User, limit: int = 20) -> list[AuditEvent]:
    """The latest events done by or to a user."""
    return list(db.session.scalars(
        select(AuditEvent)
        .where(or_(AuditEvent.user_id == user.id,
                   (AuditEvent.target_type == "user") & (AuditEvent.target_id == user.id)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ))
