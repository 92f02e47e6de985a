"""Reads for opportunities, their shortlists and the firm page's "fits best" box."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from crm import search
from crm.extensions import db
from crm.models import (
    Contact,
    Firm,
    Opportunity,
    Programme,
    ShortlistEntry,
    ShortlistEvent,
    User,
)
from crm.models.opportunity import SHORTLIST_STATUSES
from matching.text import fold_words

BOARD_COLUMNS = ("suggested", "shortlisted", "invited", "confirmed", "declined",
                 "participated", "outcome", "passed_over")


def opportunity_list(q: str = "", kind: str | None = None, status: str | None = None,
                     limit: int = 500) -> list[Opportunity]:
    """Opportunities, newest start first; q matches folded words of the title or the code.

    A centre runs tens of opportunities a year, so folding titles here is cheap.
    """
    stmt = select(Opportunity)
    if kind:
        stmt = stmt.where(Opportunity.kind == kind)
    if status:
        stmt = stmt.where(Opportunity.status == status)
    stmt = stmt.order_by(Opportunity.starts_on.desc().nulls_last(), Opportunity.id.desc())
    found = list(db.session.scalars(stmt.limit(limit * 4 if q else limit)))
    tokens = search.query_tokens(q)
    if tokens:
        found = [o for o in found
                 if all(f" {t}" in f" {fold_words(o.title + ' ' + o.code)}" for t in tokens)]
    return found[:limit]


def entry_counts(opp_ids: list[int]) -> dict[int, dict[str, int]]:
    """Shortlist entries per status, per opportunity."""
    out: dict[int, dict[str, int]] = {i: {} for i in opp_ids}
    if opp_ids:
        rows = db.session.execute(
            select(ShortlistEntry.opportunity_id, ShortlistEntry.status, func.count())
            .where(ShortlistEntry.opportunity_id.in_(opp_ids))
            .group_by(ShortlistEntry.opportunity_id, ShortlistEntry.status))
        for opp_id, status, n in rows:
            out[opp_id][status] = n
    return out


def board(opp: Opportunity) -> dict[str, list[ShortlistEntry]]:
    """Entries of an opportunity by status (the board's columns), best rank first."""
    columns: dict[str, list[ShortlistEntry]] = {s: [] for s in BOARD_COLUMNS}
    entries = db.session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.opportunity_id == opp.id)
        .options(selectinload(ShortlistEntry.firm), selectinload(ShortlistEntry.events))
        .order_by(ShortlistEntry.rank_at_shortlist.is_(None), ShortlistEntry.rank_at_shortlist,
                  ShortlistEntry.id))
    for entry in entries:
        columns.setdefault(entry.status, []).append(entry)
    return columns


def entry_firm_ids(opp: Opportunity) -> dict[int, str]:
    """Firm id -> shortlist status, for marking the ranked list."""
    return dict(db.session.execute(select(ShortlistEntry.firm_id, ShortlistEntry.status)
                                   .where(ShortlistEntry.opportunity_id == opp.id)).all())


def open_opportunities(today: date) -> list[Opportunity]:
    """Opportunities still taking firms: open, and the deadline (if any) not passed."""
    return list(db.session.scalars(
        select(Opportunity).where(Opportunity.status == "open",
                                  or_(Opportunity.deadline.is_(None),
                                      Opportunity.deadline >= today))
        .order_by(Opportunity.starts_on.nulls_last(), Opportunity.id)))


def programme_choices() -> list[Programme]:
    """Programmes, by name."""
    return list(db.session.scalars(select(Programme).order_by(Programme.name)))


def export_rows(opp: Opportunity) -> Iterator[tuple[ShortlistEntry, Firm, Contact | None,
                                                      User | None]]:
    """Shortlist entries with firm, primary contact and the officer who added them, streamed."""
    primary = (select(Contact.firm_id, func.min(Contact.id).label("cid"))
               .group_by(Contact.firm_id).subquery())
    stmt = (select(ShortlistEntry, Firm, Contact, User)
            .join(Firm, ShortlistEntry.firm_id == Firm.id)
            .outerjoin(primary, primary.c.firm_id == Firm.id)
            .outerjoin(Contact, and_(Contact.id == primary.c.cid))
            .outerjoin(User, ShortlistEntry.added_by_id == User.id)
            .where(ShortlistEntry.opportunity_id == opp.id)
            .order_by(ShortlistEntry.rank_at_shortlist.is_(None),
                      ShortlistEntry.rank_at_shortlist, ShortlistEntry.id)
            .execution_options(yield_per=1000))
    for row in db.session.execute(stmt):
        yield row[0], row[1], row[2], row[3]


def export_count(opp: Opportunity) -> int:
    """How many rows export_rows gives (one per shortlist entry): for the audit trail."""
    return db.session.scalar(select(func.count()).select_from(ShortlistEntry)
                             .where(ShortlistEntry.opportunity_id == opp.id)) or 0


def status_notes(opp: Opportunity, statuses: tuple[str, ...] = ("passed_over", "declined")
                 ) -> dict[tuple[int, str], str]:
    """(entry id, status) -> the note of the entry's latest move to that status: why a firm
    was passed over, what it said when it declined."""
    rows = db.session.execute(
        select(ShortlistEvent.entry_id, ShortlistEvent.to_status, ShortlistEvent.note)
        .join(ShortlistEntry, ShortlistEvent.entry_id == ShortlistEntry.id)
        .where(ShortlistEntry.opportunity_id == opp.id, ShortlistEvent.to_status.in_(statuses),
               ShortlistEvent.note.is_not(None), ShortlistEvent.note != "")
        .order_by(ShortlistEvent.id))
    return {(entry_id, status): note for entry_id, status, note in rows}  # the latest wins


__all__ = ["BOARD_COLUMNS", "SHORTLIST_STATUSES"]
