"""Reads for learning: recorded pipeline outcomes and the learned models."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import select

from crm.extensions import db
from crm.models import LearnedModel, Opportunity, Outcome, ShortlistEntry
from matching.learn import LinearScorer

# Entries that got the chance: invited at some point (declined only follows an invitation).
INVITED = ("invited", "confirmed", "declined", "participated", "outcome")
# The gain of an entry (NDCG relevance): took part 1, a result came of it 2.
GAIN_PARTICIPATED = 1.0
GAIN_RESULT = 2.0
RESULT_KINDS = ("contract", "new_market", "ecommerce_store")
RESULT_FOLLOW_UPS = ("agreement_signed", "orders_shipped")


def opportunity_day(opp: Opportunity) -> date:
    """The day an opportunity counts from in the time split: its start, else its creation."""
    return opp.starts_on or opp.created_at.date()


def outcome_rows(kind: str, today: date) -> list[tuple[Opportunity, int, float]]:
    """(opportunity, firm id, gain) of every invited firm of the kind's opportunities that
    started before `today`; gain 0 when nothing came of it."""
    opps = [o for o in db.session.scalars(
        select(Opportunity).where(Opportunity.kind == kind).order_by(Opportunity.id))
        if opportunity_day(o) < today]
    if not opps:
        return []
    ids = [o.id for o in opps]
    results: set[tuple[int, int]] = set()
    for opp_id, firm_id, okind, result in db.session.execute(
            select(Outcome.opportunity_id, Outcome.firm_id, Outcome.kind, Outcome.result)
            .where(Outcome.opportunity_id.in_(ids))):
        if okind in RESULT_KINDS or result in RESULT_FOLLOW_UPS:
            results.add((opp_id, firm_id))
    entries: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for opp_id, firm_id, status in db.session.execute(
            select(ShortlistEntry.opportunity_id, ShortlistEntry.firm_id, ShortlistEntry.status)
            .where(ShortlistEntry.opportunity_id.in_(ids), ShortlistEntry.status.in_(INVITED))
            .order_by(ShortlistEntry.id)):
        entries[opp_id].append((firm_id, status))
    out = []
    for opp in opps:
        for firm_id, status in entries.get(opp.id, ()):
            if status == "outcome" or (opp.id, firm_id) in results:
                gain = GAIN_RESULT
            elif status == "participated":
                gain = GAIN_PARTICIPATED
            else:
                gain = 0.0
            out.append((opp, firm_id, gain))
    return out


def active_model(kind: str) -> LearnedModel | None:
    """The active learned model of an opportunity kind, if any."""
    return db.session.scalar(select(LearnedModel).where(
        LearnedModel.kind == kind, LearnedModel.active.is_(True)))


def active_scorer(kind: str) -> LinearScorer | None:
    """The scorer of the kind's active model, rebuilt from its JSON (None = hand weights)."""
    row = db.session.execute(select(LearnedModel.coefficients).where(
        LearnedModel.kind == kind, LearnedModel.active.is_(True))).first()
    return LinearScorer.from_json(row.coefficients) if row is not None else None


def active_version(kind: str) -> int | None:
    """Version number of the kind's active model (None = hand weights)."""
    return db.session.scalar(select(LearnedModel.version).where(
        LearnedModel.kind == kind, LearnedModel.active.is_(True)))


def model_history(kind: str | None = None) -> list[LearnedModel]:
    """Learned models, newest first (of one kind if given)."""
    stmt = select(LearnedModel).order_by(LearnedModel.created_at.desc(), LearnedModel.id.desc())
    if kind:
        stmt = stmt.where(LearnedModel.kind == kind)
    return list(db.session.scalars(stmt))


def active_models() -> dict[str, Any]:
    """Kind -> its active LearnedModel."""
    return {m.kind: m for m in db.session.scalars(
        select(LearnedModel).where(LearnedModel.active.is_(True)))}
