"""Field-level history of firm data: who changed what, when, old → new, from where.

Every flush that touches a Firm or one of its sub-entities (Product, Certification, Contact,
FirmMarket, EcommerceStore, Trademark, Document) writes ChangeRecord rows, whoever made the
change and through whichever service: a SQLAlchemy session event is the one place, so the
firm services need no history code of their own.

Who and from where:
- in a request, the logged-in user; an enterprise user's changes are source "self" (they wait
  for an officer in the verification queue and mark the firm "self_declared"), staff changes
  are "staff"; outside a request the source is "system" and the user None;
- `recording(source, by=..., note=...)` overrides both, e.g. for an import or a merge.

Bulk work (a 100k-row import) should wrap its flushes in `paused()` and write its own rows
in batches with `record_changes` / `record_bulk`, which issue one multi-row INSERT each.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import has_request_context
from flask_login import current_user
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, attributes

from crm.models import (
    Certification,
    ChangeRecord,
    Contact,
    Document,
    EcommerceStore,
    Firm,
    FirmMarket,
    Product,
    Trademark,
    User,
)
from crm.models.base import utcnow
from crm.models.portal import CHANGE_SOURCES, FIELD_CREATED, FIELD_DELETED

# Tracked classes and the entity name stored in ChangeRecord.entity.
ENTITIES: dict[type, str] = {
    Firm: "firm",
    Product: "product",
    Certification: "certification",
    Contact: "contact",
    FirmMarket: "market",
    EcommerceStore: "store",
    Trademark: "trademark",
    Document: "document",
}
# Firm collections whose removed members are deleted as orphans (not in session.deleted).
FIRM_COLLECTIONS = {"products", "certifications", "contacts", "markets", "stores", "trademarks"}
# Derived or bookkeeping columns: recording them would bury the real changes.
SKIPPED_FIELDS = frozenset({
    "id", "firm_id", "version", "created_at", "updated_at", "search_text", "name_search",
    "size_class", "confirmed_at", "stored_name",
})

# (entity, entity_id, field, old, new)
Change = tuple[str, "int | None", str, Any, Any]

_source: ContextVar[str | None] = ContextVar("history_source", default=None)
_user_id: ContextVar[int | None] = ContextVar("history_user_id", default=None)
_user_set: ContextVar[bool] = ContextVar("history_user_set", default=False)
_note: ContextVar[str | None] = ContextVar("history_note", default=None)
_enabled: ContextVar[bool] = ContextVar("history_enabled", default=True)

_PENDING_KEY = "crm_history_pending"


@contextmanager
def recording(source: str, by: User | None = None, note: str | None = None) -> Iterator[None]:
    """Record the changes flushed inside this block with `source`, user `by` and `note`."""
    if source not in CHANGE_SOURCES:
        raise ValueError(f"unknown history source {source!r}")
    tokens = (
        _source.set(source),
        _user_id.set(by.id if by is not None else None),
        _user_set.set(True),
        _note.set(note),
    )
    try:
        yield
    finally:
        for var, token in zip((_source, _user_id, _user_set, _note), tokens, strict=True):
            var.reset(token)


@contextmanager
def paused() -> Iterator[None]:
    """Flushes inside this block write no history (bulk import records its own, in batches)."""
    token = _enabled.set(False)
    try:
        yield
    finally:
        _enabled.reset(token)


def jsonable(value: Any) -> Any:
    """A value as stored in ChangeRecord.old_value/new_value (dates ISO, decimals as text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        text = format(value, "f")  # never "2E+1"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def review_status_for(source: str) -> str | None:
    """Self-declared changes wait for an officer; the others need no review."""
    return "pending" if source == "self" else None


def _row(firm_id: int, entity: str, entity_id: int | None, field: str, old: Any, new: Any,
         user_id: int | None, source: str, note: str | None, at: datetime) -> dict[str, Any]:
    return {
        "firm_id": firm_id, "entity": entity, "entity_id": entity_id, "field": field,
        "old_value": jsonable(old), "new_value": jsonable(new), "user_id": user_id, "at": at,
        "source": source, "note": note, "review_status": review_status_for(source),
        "reviewed_by_id": None, "reviewed_at": None,
    }


def record_changes(firm: Firm | int, changes: Iterable[Change], by: User | None = None,
                   source: str = "staff", note: str | None = None,
                   at: datetime | None = None) -> int:
    """Write one ChangeRecord per (entity, entity_id, field, old, new) of one firm.

    For imports and merges whose flushes ran inside `paused()`. Use FIELD_CREATED /
    FIELD_DELETED as `field` for a whole entity (new/old = a dict of its values). One INSERT
    for all rows; returns how many were written. Does not commit.
    """
    firm_id = firm if isinstance(firm, int) else firm.id
    return record_bulk(((firm_id, *change) for change in changes), by=by, source=source,
                       note=note, at=at)


def record_bulk(changes: Iterable[tuple[int, str, int | None, str, Any, Any]],
                by: User | None = None, source: str = "import", note: str | None = None,
                at: datetime | None = None, batch_size: int = 5000) -> int:
    """Like record_changes for many firms: (firm_id, entity, entity_id, field, old, new) rows.

    Rows go out in multi-row INSERTs of `batch_size`; returns how many were written.
    """
    from crm.extensions import db

    if source not in CHANGE_SOURCES:
        raise ValueError(f"unknown history source {source!r}")
    at = at or utcnow()
    user_id = by.id if by is not None else None
    table = ChangeRecord.__table__
    batch: list[dict[str, Any]] = []
    written = 0
    for firm_id, entity, entity_id, field, old, new in changes:
        batch.append(_row(firm_id, entity, entity_id, field, old, new, user_id, source, note,
                          at))
        if len(batch) >= batch_size:
            db.session.execute(table.insert(), batch)
            written += len(batch)
            batch = []
    if batch:
        db.session.execute(table.insert(), batch)
        written += len(batch)
    return written


# --- the session event ------------------------------------------------------------------

@dataclass
class _Pending:
    """A change seen before the flush; ids are only known after it."""

    obj: Any
    firm: Any  # Firm object or firm id
    entity: str
    field: str
    old: Any
    new: Any


def _current_actor() -> tuple[int | None, str]:
    """(user id, source) for the changes being flushed."""
    source = _source.get()
    if _user_set.get():
        return _user_id.get(), source or "staff"
    user_id = None
    role = None
    if has_request_context() and current_user and current_user.is_authenticated:
        user_id, role = current_user.id, current_user.role
    if source is None:
        if role == "enterprise":
            source = "self"
        elif has_request_context() and user_id is not None:
            source = "staff"
        else:
            source = "system"
    return user_id, source


def _values(obj: Any) -> dict[str, Any]:
    """The entity's own column values, for a created or deleted record."""
    mapper = inspect(obj).mapper
    out = {}
    for attr in mapper.column_attrs:
        if attr.key in SKIPPED_FIELDS:
            continue
        value = getattr(obj, attr.key)
        if value not in (None, "", []):
            out[attr.key] = jsonable(value)
    return out


def _firm_of(obj: Any) -> Any:
    if isinstance(obj, Firm):
        return obj
    return obj.firm if obj.firm is not None else obj.firm_id


def _dirty_changes(obj: Any, entity: str, source: str) -> list[_Pending]:
    out = []
    state = inspect(obj)
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in SKIPPED_FIELDS or (key == "verification_status" and source == "self"):
            continue
        hist = state.attrs[key].history
        if not hist.added and not hist.deleted:
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if jsonable(old) == jsonable(new):
            continue
        out.append(_Pending(obj, _firm_of(obj), entity, key, old, new))
    return out


def _before_flush(session: Session, _ctx: Any, _instances: Any) -> None:
    if not _enabled.get():
        session.info.pop(_PENDING_KEY, None)
        return
    user_id, source = _current_actor()
    pending: list[_Pending] = []
    deleted_seen: set[int] = set()
    for obj in session.new:
        entity = ENTITIES.get(type(obj))
        if entity:
            pending.append(_Pending(obj, _firm_of(obj), entity, FIELD_CREATED, None,
                                    _values(obj)))
    for obj in session.dirty:
        entity = ENTITIES.get(type(obj))
        if not entity:
            continue
        if not isinstance(obj, Firm) and not session.is_modified(obj, include_collections=False):
            continue
        pending.extend(_dirty_changes(obj, entity, source))
        if isinstance(obj, Firm):
            for key in FIRM_COLLECTIONS:
                for child in attributes.get_history(obj, key).deleted or ():
                    if id(child) not in deleted_seen and child not in session.new:
                        deleted_seen.add(id(child))
                        pending.append(_Pending(child, obj, ENTITIES[type(child)],
                                                FIELD_DELETED, _values(child), None))
    for obj in session.deleted:
        entity = ENTITIES.get(type(obj))
        if entity and id(obj) not in deleted_seen:
            deleted_seen.add(id(obj))
            pending.append(_Pending(obj, _firm_of(obj), entity, FIELD_DELETED, _values(obj),
                                    None))
    if source == "self":
        # The firm's own word is "self-declared" until an officer checks it.
        for item in pending:
            if isinstance(item.firm, Firm) and item.firm.verification_status != "self_declared":
                item.firm.verification_status = "self_declared"
    session.info[_PENDING_KEY] = (pending, user_id, source, _note.get())


def _after_flush(session: Session, _ctx: Any) -> None:
    stash = session.info.pop(_PENDING_KEY, None)
    if not stash:
        return
    pending, user_id, source, note = stash
    if not pending:
        return
    at = utcnow()
    rows = []
    for item in pending:
        firm_id = item.firm.id if isinstance(item.firm, Firm) else item.firm
        if firm_id is None:
            continue  # an entity without a firm is not firm data
        rows.append(_row(firm_id, item.entity, item.obj.id, item.field, item.old, item.new,
                         user_id, source, note, at))
    if rows:
        session.connection().execute(ChangeRecord.__table__.insert(), rows)


def install() -> None:
    """Listen to every Flask-SQLAlchemy session's flushes (idempotent)."""
    if not event.contains(FlaskSession, "before_flush", _before_flush):
        event.listen(FlaskSession, "before_flush", _before_flush)
        event.listen(FlaskSession, "after_flush", _after_flush)


def display_value(value: Any) -> str:
    """A stored old/new value as one line of text for the history pages."""
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {display_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


install()
