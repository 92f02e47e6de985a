"""Reads of the support log: the firm timeline, my tasks, choices for the forms."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, case, false, select
from sqlalchemy.orm import selectinload

from crm import clock, search
from crm.extensions import db
from crm.models import (
    Country,
    Firm,
    FirmIndicator,
    Interaction,
    Opportunity,
    Outcome,
    Partner,
    Programme,
    Task,
    User,
)
from crm.models.user import STAFF_ROLES

TIMELINE_LIMIT = 200
CHOICES_LIMIT = 500


@dataclass
class TimelineItem:
    """One line of a firm's timeline: an interaction, an outcome or a task."""

    on: date
    type: str  # "interaction" | "outcome" | "task"
    record: Any


def firm_timeline(firm_id: int, limit: int = TIMELINE_LIMIT) -> list[TimelineItem]:
    """Interactions, outcomes and tasks of a firm, newest first."""
    # The officers, programmes... each line names, in one query each rather than one per line
    # (a firm supported by many officers had a query per officer on every firm page).
    interactions = db.session.scalars(
        select(Interaction).where(Interaction.firm_id == firm_id)
        .order_by(Interaction.occurred_on.desc(), Interaction.id.desc()).limit(limit)
        .options(selectinload(Interaction.officer), selectinload(Interaction.programme),
                 selectinload(Interaction.opportunity))
    )
    outcomes = db.session.scalars(
        select(Outcome).where(Outcome.firm_id == firm_id)
        .order_by(Outcome.occurred_on.desc(), Outcome.id.desc()).limit(limit)
        .options(selectinload(Outcome.partner))
    )
    tasks = db.session.scalars(
        select(Task).where(Task.firm_id == firm_id)
        .order_by(Task.due_on.desc(), Task.id.desc()).limit(limit)
        .options(selectinload(Task.assignee))
    )
    items = [TimelineItem(i.occurred_on, "interaction", i) for i in interactions]
    items += [TimelineItem(o.occurred_on, "outcome", o) for o in outcomes]
    items += [TimelineItem(t.due_on, "task", t) for t in tasks]
    order = {"outcome": 0, "interaction": 1, "task": 2}
    items.sort(key=lambda it: (it.on, -order[it.type], it.record.id), reverse=True)
    return items[:limit]


def my_tasks(user: User, *, include_done: bool = False, today: date | None = None) -> list[Task]:
    """The user's tasks: open ones with overdue first, then by due date; done ones last."""
    today = today or clock.today()
    stmt = select(Task).where(Task.assignee_id == user.id)
    if not include_done:
        stmt = stmt.where(Task.done_at.is_(None))
    stmt = stmt.order_by(
        case((Task.done_at.is_not(None), 2), (Task.due_on < today, 0), else_=1),
        Task.due_on, Task.id,
    )
    return list(db.session.scalars(stmt))


def programme_choices() -> list[tuple[int, str]]:
    """(id, name) of every programme, newest first."""
    rows = db.session.execute(
        select(Programme.id, Programme.name).order_by(Programme.start_year.desc(), Programme.id)
    )
    return [(pid, name) for pid, name in rows]


def opportunity_choices() -> list[tuple[int, str]]:
    """(id, title) of recent opportunities (open ones first)."""
    rows = db.session.execute(
        select(Opportunity.id, Opportunity.code, Opportunity.title)
        .order_by(case((Opportunity.status.in_(("draft", "open")), 0), else_=1),
                  Opportunity.starts_on.desc(), Opportunity.id.desc())
        .limit(CHOICES_LIMIT)
    )
    return [(oid, f"{code} · {title}") for oid, code, title in rows]


def partner_choices() -> list[tuple[int, str]]:
    """(id, name) of directory partners not archived."""
    rows = db.session.execute(
        select(Partner.id, Partner.name, Partner.country_code)
        .where(Partner.archived.is_(False)).order_by(Partner.name_search).limit(CHOICES_LIMIT)
    )
    return [(pid, f"{name} ({country})") for pid, name, country in rows]


def officer_choices() -> list[tuple[int, str]]:
    """(id, name) of active staff who can carry out support."""
    rows = db.session.execute(
        select(User.id, User.name).where(User.role.in_(STAFF_ROLES), User.active.is_(True))
        .order_by(User.name)
    )
    return [(uid, name) for uid, name in rows]


def country_codes() -> list[str]:
    """ISO codes of every known country."""
    return list(db.session.scalars(select(Country.code).order_by(Country.code)))


def interaction_tasks(interaction_id: int) -> list[Task]:
    """The tasks made from an interaction (follow-ups, outcome checks), by due date."""
    return list(db.session.scalars(
        select(Task).where(Task.interaction_id == interaction_id).order_by(Task.due_on, Task.id)
    ))


def firm_indicators(firm_id: int) -> list[FirmIndicator]:
    """A firm's yearly figures, oldest year first."""
    return list(db.session.scalars(
        select(FirmIndicator).where(FirmIndicator.firm_id == firm_id).order_by(FirmIndicator.year)
    ))


def firm_by_id(firm_id: int | None) -> Firm | None:
    """The firm, or None."""
    return db.session.get(Firm, firm_id) if firm_id else None


def recent_interactions() -> Select:
    """All interactions, newest first (for the support log page)."""
    return select(Interaction).order_by(Interaction.occurred_on.desc(), Interaction.id.desc())


def support_log(*, officer_id: int | None = None, firm: str | None = None,
                kind: str | None = None, programme_id: int | None = None,
                date_from: date | None = None, date_to: date | None = None,
                portfolio_of: int | None = None, firm_id: int | None = None) -> Select:
    """The support log filtered, newest first, with what each row names loaded.

    `firm` is a tax code (or its first digits) or words of the firm's name, accents optional;
    `firm_id`: one firm; `portfolio_of`: only firms that officer is responsible for ("my firms").
    """
    stmt = recent_interactions().options(
        selectinload(Interaction.firm), selectinload(Interaction.officer),
        selectinload(Interaction.programme))
    if officer_id:
        stmt = stmt.where(Interaction.officer_id == officer_id)
    if portfolio_of:
        stmt = stmt.where(Interaction.firm_id.in_(
            select(Firm.id).where(Firm.officer_id == portfolio_of)))
    if firm_id:
        stmt = stmt.where(Interaction.firm_id == firm_id)
    if kind:
        stmt = stmt.where(Interaction.kind == kind)
    if programme_id:
        stmt = stmt.where(Interaction.programme_id == programme_id)
    if date_from:
        stmt = stmt.where(Interaction.occurred_on >= date_from)
    if date_to:
        stmt = stmt.where(Interaction.occurred_on <= date_to)
    if firm:
        firms = select(Firm.id)
        prefix = search.tax_code_prefix(firm)
        if prefix:
            firms = firms.where(Firm.tax_code >= prefix, Firm.tax_code < prefix + "~")
        else:
            tokens = search.query_tokens(firm)
            if not tokens:
                return stmt.where(false())
            dialect = db.session.get_bind().dialect.name
            firms = firms.where(*(search.word_prefix(Firm.name_search, t, dialect)
                                  for t in tokens))
        stmt = stmt.where(Interaction.firm_id.in_(firms))
    return stmt


def today() -> date:
    """Today's date (one place, so pages and queries agree on what is overdue)."""
    return clock.today()
