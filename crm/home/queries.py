"""Reads of the home page: each block is one query (two for activity), bounded by LIMIT.

"Scope" is the officers whose work the page shows: the signed-in officer alone, or for a
manager or admin every active staff member (the app has no team table: a centre's
managers answer for all its officers).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, false, func, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import (
    Certification,
    ChangeRecord,
    Firm,
    Interaction,
    Notice,
    Opportunity,
    Outcome,
    Task,
    User,
)
from crm.models.user import STAFF_ROLES
from crm.opportunities.queries import entry_counts

MANAGER_ROLES = frozenset({"admin", "manager"})
UPCOMING_DAYS = 14
EXPIRY_WARN_DAYS = 90
EXPIRY_SOON_DAYS = 30
ACTIVITY_DAYS = 30
LIMIT = 12


@dataclass
class Scope:
    """Whose work: user ids (None = every staff member) and how the page names it."""

    user_ids: list[int] | None
    team: bool

    def tasks(self) -> Any:
        """Condition on Task: assigned within the scope."""
        return Task.assignee_id.in_(self.user_ids) if self.user_ids is not None \
            else Task.assignee_id.in_(select(User.id).where(User.role.in_(STAFF_ROLES)))

    def firms(self) -> Any:
        """Condition on Firm: in the scope's portfolios (any portfolio for a team)."""
        if self.user_ids is None:
            return Firm.officer_id.is_not(None)
        return Firm.officer_id.in_(self.user_ids)


def scope_for(user: User) -> Scope:
    """An officer sees their own work; managers and admins their whole team's."""
    if user.role in MANAGER_ROLES:
        return Scope(None, team=True)
    return Scope([user.id], team=False)


@dataclass
class Block:
    """Rows of one block and the total they were cut from."""

    rows: list[Any] = field(default_factory=list)
    total: int = 0


def _block(stmt: Any, count_stmt: Any, limit: int = LIMIT) -> Block:
    rows = list(db.session.scalars(stmt.limit(limit)))
    total = len(rows) if len(rows) < limit else db.session.scalar(count_stmt) or 0
    return Block(rows, total)


def overdue_tasks(scope: Scope, today: date) -> Block:
    """Open tasks past their due date, oldest first."""
    where = (scope.tasks(), Task.done_at.is_(None), Task.due_on < today)
    return _block(
        select(Task).where(*where).order_by(Task.due_on, Task.id)
        .options(selectinload(Task.firm), selectinload(Task.assignee)),
        select(func.count()).select_from(Task).where(*where))


def upcoming_tasks(scope: Scope, today: date) -> Block:
    """Open tasks due from today to UPCOMING_DAYS ahead."""
    where = (scope.tasks(), Task.done_at.is_(None), Task.due_on >= today,
             Task.due_on <= today + timedelta(days=UPCOMING_DAYS))
    return _block(
        select(Task).where(*where).order_by(Task.due_on, Task.id)
        .options(selectinload(Task.firm), selectinload(Task.assignee)),
        select(func.count()).select_from(Task).where(*where))


def expiring_certificates(scope: Scope, today: date) -> Block:
    """Certificates of the portfolio's firms expiring within 90 days, soonest first."""
    where = (scope.firms(), Firm.archived == false(), Certification.expires_on >= today,
             Certification.expires_on <= today + timedelta(days=EXPIRY_WARN_DAYS))
    return _block(
        select(Certification).join(Firm, Firm.id == Certification.firm_id).where(*where)
        .order_by(Certification.expires_on, Certification.id)
        .options(selectinload(Certification.firm)),
        select(func.count()).select_from(Certification)
        .join(Firm, Firm.id == Certification.firm_id).where(*where))


@dataclass
class PendingFirm:
    """A firm of the portfolio with self-declared changes waiting for an officer."""

    firm: Firm
    changes: int
    since: Any  # when the oldest waiting change was made


def pending_verifications(scope: Scope) -> tuple[list[PendingFirm], int]:
    """Portfolio firms with changes to verify (oldest wait first) and how many such firms."""
    base = (select(ChangeRecord.firm_id, func.count().label("n"),
                   func.min(ChangeRecord.at).label("since"))
            .join(Firm, Firm.id == ChangeRecord.firm_id)
            .where(ChangeRecord.review_status == "pending", scope.firms())
            .group_by(ChangeRecord.firm_id))
    rows = db.session.execute(base.order_by("since").limit(LIMIT)).all()
    total = len(rows) if len(rows) < LIMIT else db.session.scalar(
        select(func.count()).select_from(base.subquery())) or 0
    firms = {f.id: f for f in db.session.scalars(
        select(Firm).where(Firm.id.in_([r.firm_id for r in rows])))}
    return [PendingFirm(firms[r.firm_id], r.n, r.since) for r in rows], total


@dataclass
class DeadlineRow:
    """An opportunity closing this month with its pipeline counts per status."""

    opportunity: Opportunity
    counts: dict[str, int]

    @property
    def in_pipeline(self) -> int:
        """Firms past the suggestion stage and still in (not passed over or declined)."""
        return sum(n for status, n in self.counts.items()
                   if status not in ("suggested", "passed_over", "declined"))


def month_bounds(today: date) -> tuple[date, date]:
    """First and last day of today's month."""
    last = calendar.monthrange(today.year, today.month)[1]
    return today.replace(day=1), today.replace(day=last)


def deadlines_this_month(today: date) -> list[DeadlineRow]:
    """Draft and open opportunities whose deadline falls in this month, soonest first."""
    first, last = month_bounds(today)
    opps = list(db.session.scalars(
        select(Opportunity).where(Opportunity.status.in_(("draft", "open")),
                                  Opportunity.deadline >= first, Opportunity.deadline <= last)
        .order_by(Opportunity.deadline, Opportunity.id).limit(LIMIT)))
    counts = entry_counts([o.id for o in opps])
    return [DeadlineRow(o, counts.get(o.id, {})) for o in opps]


def new_notices() -> Block:
    """Notices not reviewed yet (status "new"), most severe then newest first."""
    where = (Notice.status == "new",)
    severity = case({"high": 0, "medium": 1}, value=Notice.severity, else_=2)
    return _block(
        select(Notice).where(*where).order_by(severity, Notice.published_on.desc().nulls_last(),
                                              Notice.id.desc()),
        select(func.count()).select_from(Notice).where(*where), limit=6)


@dataclass
class Activity:
    """One recent event on a portfolio firm: support logged or a result recorded."""

    on: date
    kind: str  # "interaction" | "outcome"
    record: Any


def recent_activity(scope: Scope, today: date) -> list[Activity]:
    """Support and results of the portfolio's firms in the last 30 days, newest first."""
    since = today - timedelta(days=ACTIVITY_DAYS)
    in_scope = select(Firm.id).where(scope.firms())
    interactions = db.session.scalars(
        select(Interaction).where(Interaction.firm_id.in_(in_scope),
                                  Interaction.occurred_on >= since)
        .order_by(Interaction.occurred_on.desc(), Interaction.id.desc()).limit(LIMIT)
        .options(selectinload(Interaction.firm), selectinload(Interaction.officer)))
    outcomes = db.session.scalars(
        select(Outcome).where(Outcome.firm_id.in_(in_scope), Outcome.occurred_on >= since)
        .order_by(Outcome.occurred_on.desc(), Outcome.id.desc()).limit(LIMIT)
        .options(selectinload(Outcome.firm)))
    items = [Activity(i.occurred_on, "interaction", i) for i in interactions]
    items += [Activity(o.occurred_on, "outcome", o) for o in outcomes]
    items.sort(key=lambda a: (a.on, a.kind == "outcome", a.record.id), reverse=True)
    return items[:LIMIT]


def portfolio_size(scope: Scope) -> int:
    """Firms (not archived) in the scope's portfolios."""
    return db.session.scalar(select(func.count()).select_from(Firm)
                             .where(scope.firms(), Firm.archived == false())) or 0


@dataclass
class TeamRow:
    """One officer of a manager's team: portfolio size and open/overdue tasks."""

    user_id: int
    name: str
    firms: int = 0
    open_tasks: int = 0
    overdue: int = 0


def team(today: date) -> list[TeamRow]:
    """Every active staff member with their portfolio and task counts, most overdue first."""
    rows = {uid: TeamRow(uid, name) for uid, name in db.session.execute(
        select(User.id, User.name).where(User.role.in_(STAFF_ROLES), User.active.is_(True)))}
    for uid, n in db.session.execute(
            select(Firm.officer_id, func.count()).where(Firm.officer_id.in_(rows),
                                                        Firm.archived == false())
            .group_by(Firm.officer_id)):
        rows[uid].firms = n
    for uid, n_open, n_late in db.session.execute(
            select(Task.assignee_id, func.count(),
                   func.sum(case((Task.due_on < today, 1), else_=0)))
            .where(Task.assignee_id.in_(rows), Task.done_at.is_(None))
            .group_by(Task.assignee_id)):
        rows[uid].open_tasks, rows[uid].overdue = n_open, int(n_late or 0)
    return sorted(rows.values(), key=lambda r: (-r.overdue, -r.open_tasks, r.name))

