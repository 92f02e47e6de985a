"""Portfolios: the officer responsible for each firm (assign, bulk-assign, choices).

A reassignment is firm data like any other: crm/history.py records `officer_id` old → new
on the flush, and the note written here names both officers, so the firm's history reads
"Cán bộ phụ trách · A → B" without looking ids up. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from sqlalchemy import select

from crm import audit, history
from crm.errors import UserError
from crm.extensions import db
from crm.models import Firm, User
from crm.models.user import STAFF_ROLES

MAX_BULK = 500  # firms per bulk assignment (a page of the list holds 50)


def staff_choices() -> list[tuple[int, str]]:
    """(id, name) of active staff who can follow firms, by name."""
    rows = db.session.execute(
        select(User.id, User.name).where(User.role.in_(STAFF_ROLES), User.active.is_(True))
        .order_by(User.name, User.id))
    return [(uid, name) for uid, name in rows]


def _officer(officer_id: int | None) -> User | None:
    """The active staff member with this id, None for "nobody"; anything else is refused."""
    if not officer_id:
        return None
    user = db.session.get(User, officer_id)
    if user is None or not user.active or user.role not in STAFF_ROLES:
        raise UserError(_("Chỉ giao cho cán bộ đang hoạt động."), field="officer_id")
    return user


def assign_officer(firms: Iterable[Firm], officer_id: int | None, *, by: User) -> int:
    """Make `officer_id` (None: nobody) responsible for the firms; returns how many changed."""
    officer = _officer(officer_id)
    changed = 0
    for firm in firms:
        if firm.officer_id == (officer.id if officer else None):
            continue
        before = firm.officer.name if firm.officer else "—"
        after = officer.name if officer else "—"
        note = f"{before} → {after}"  # names, in no language: the field label says what
        with history.recording("staff", by=by, note=note):
            # The column, not the relationship: history reads column changes before the
            # flush, when a relationship has not yet set the foreign key.
            firm.officer_id = officer.id if officer else None
            db.session.flush()
        db.session.expire(firm, ["officer"])
        audit.record("assign_officer", "firm", firm.id,
                     {"officer_id": officer.id if officer else None})
        changed += 1
    return changed


def firms_by_ids(ids: Iterable[int]) -> list[Firm]:
    """The firms with these ids (at most MAX_BULK), in id order."""
    wanted = sorted(set(ids))
    if len(wanted) > MAX_BULK:
        raise UserError(_("Chọn tối đa %(n)d doanh nghiệp mỗi lần.", n=MAX_BULK))
    if not wanted:
        raise UserError(_("Chưa chọn doanh nghiệp nào."))
    return list(db.session.scalars(select(Firm).where(Firm.id.in_(wanted)).order_by(Firm.id)))
