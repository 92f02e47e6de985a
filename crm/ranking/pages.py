"""What pages ask of the ranking: one ranking per request, and one firm's best opportunities."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from crm.models import Firm, Opportunity
from crm.ranking.index import LiveIndex, live, live_index
from crm.ranking.records import firm_key, opportunity_record
from crm.refdata import matching_reference
from crm.verification.queries import declared_by_code
from matching.learn import LinearScorer
from matching.rank import Ranking, match, opportunities_for_firm
from matching.results import IneligibleFirm, RankedFirm


@dataclass(frozen=True)
class ActiveModel:
    """The learned model an opportunity kind is ranked with (crm.learning)."""

    version: int
    scorer: Any


def active_model(kind: str) -> ActiveModel | None:
    """The kind's active learned model, None for the hand-set weights. One query."""
    from crm.learning import queries

    row = queries.active_model(kind)
    if row is None:
        return None
    return ActiveModel(row.version, LinearScorer.from_json(row.coefficients))


@dataclass
class RankFilters:
    """Filters of the ranking page; None means 'any'."""

    province: int | None = None
    size: str | None = None
    eligible_only: bool = False
    verified_only: bool = False

    @property
    def active(self) -> bool:
        """Whether any filter narrows the ranked list."""
        return self.province is not None or bool(self.size) or self.verified_only


FILTER_POOL = 2000  # firms ranked before filtering by province, size or verified data


@dataclass
class OpportunityRanking:
    """One ranking of an opportunity, computed once and read by the page, the shortlist and
    the suggestions alike."""

    ranked: list[RankedFirm]
    ineligible: list[IneligibleFirm]
    ineligible_total: int
    indexed: int
    # firms asked for by id that are not in `ranked`: their score and reasons all the same
    others: dict[int, RankedFirm] = field(default_factory=dict)
    # (firm id, scheme code) -> the pending change an officer should check to verify it
    changes: dict[tuple[int, str], int] = field(default_factory=dict)
    model_version: int | None = None  # the learned model that ranked them (None: hand weights)
    # firm id -> (province code, size class) of the firms above, as the index holds them
    places: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)

    def place(self, firm_id: str) -> tuple[int | None, str | None]:
        """Province code and size class of a firm shown, without asking the database."""
        return self.places.get(firm_id, (None, None))

    def rank_of(self) -> dict[int, int]:
        """Firm id -> rank, for the ranked firms."""
        return {int(r.firm_id): r.rank for r in self.ranked}

    def item(self, firm_id: int) -> RankedFirm | None:
        """The ranked item of a firm, or its unranked view when it was asked for."""
        for r in self.ranked:
            if int(r.firm_id) == firm_id:
                return r
        return self.others.get(firm_id)

    def change(self, firm_id: int | str, code: str) -> int | None:
        """The pending change behind a self-declared certificate, if there is one."""
        return self.changes.get((int(firm_id), code))


def rank_opportunity(opp: Opportunity, today: date, top: int = 20,
                     filters: RankFilters | None = None, ineligible_limit: int = 20,
                     firm_ids: Collection[int] = ()) -> OpportunityRanking:
    """Rank every firm for an opportunity once: the top `top` eligible firms with reasons,
    the first ineligible ones with what they lack, and the firms in `firm_ids` wherever
    they stand (for a shortlist that goes beyond the suggestions)."""
    filters = filters or RankFilters()
    model = active_model(opp.kind)
    state = live_index()
    with state.lock:
        index = state.index
        ranking = match(index, opportunity_record(opp), today,
                        top=FILTER_POOL if filters.active else top,
                        model=model.scorer if model else None,
                        reference=matching_reference())
        bad = ranking.ineligible_rows
        if filters.active:
            ranked = _filtered(ranking, state, filters, top)
            bad = bad[_kept(state, bad, filters)]
        else:
            ranked = ranking.ranked()
        shown = {r.firm_id for r in ranked}
        others = {}
        for fid in firm_ids:
            key = firm_key(fid)
            if key in index and key not in shown:
                others[fid] = ranking.explain_row(index.row_of[key])
        # Items (with their words) only for the rows shown: there may be tens of thousands.
        ineligible = [] if filters.eligible_only else replace(
            ranking, ineligible_rows=bad[:ineligible_limit]).ineligible()
        result = OpportunityRanking(ranked, ineligible, len(bad), len(index), others,
                                    model_version=model.version if model else None)
        result.places = {i.firm_id: state.attrs.get(i.firm_id, (None, None))
                         for i in [*ranked, *ineligible, *others.values()]}
    result.changes = declared_changes(
        [(r.firm_id, r.unverified_preferred) for r in [*ranked, *others.values()]]
        + [(i.firm_id, [p["code"] for p in i.unverified]) for i in ineligible])
    return result


def declared_changes(codes: list[tuple[str, list[str]]]) -> dict[tuple[int, str], int]:
    """(firm id, code) -> the pending change that would verify a self-declared certificate.

    One query, only when some shown firm counts such a code. A code without a change (the
    index is a moment behind the database) is shown without a link.
    """
    firm_ids = {int(fid) for fid, c in codes if c}
    if not firm_ids:
        return {}
    found = declared_by_code(firm_ids)
    return {key: change.change_id for key, change in found.items()}


def _filtered(ranking: Ranking, state: LiveIndex, filters: RankFilters,
              top: int) -> list[RankedFirm]:
    """The first `top` firms of the pool that pass the filters, numbered afresh; items are
    built only for the firms looked at, not for the whole pool."""
    keep = _kept(state, np.asarray(ranking.ranked_rows, dtype=np.int64), filters).tolist()
    out: list[RankedFirm] = []
    for k, kept in enumerate(keep):
        if len(out) == top:
            break
        if not kept:
            continue
        item = ranking.item_at(k)
        if filters.verified_only and item.unverified_preferred:
            continue
        out.append(replace(item, rank=len(out) + 1))
    return out


def _kept(state: LiveIndex, rows: np.ndarray, filters: RankFilters) -> np.ndarray:
    """Which of the index `rows` pass the province and size filters, all at once: the
    ineligible list may hold tens of thousands of rows."""
    province, size = state.row_places()
    keep = np.ones(len(rows), dtype=bool)
    if filters.province is not None:
        keep &= province[rows] == filters.province
    if filters.size:
        keep &= size[rows] == state.size_code(filters.size)
    return keep


def best_opportunities(firm: Firm, opportunities: list[Opportunity], today: date,
                       limit: int = 5) -> list[dict[str, Any]]:
    """The given opportunities ranked for one firm: eligible by score, then near-misses.

    Items: opportunity (the model), score, eligible, missing, reasons (typed), gaps (typed,
    None when eligible), unverified_preferred, and `unverified` (code, declared date,
    change id) for the certificates an officer could verify.
    """
    if not opportunities or firm.archived:
        return []
    state = live()
    key = firm_key(firm.id)
    by_id = {str(o.id): o for o in opportunities}
    with state.lock:
        state.refresh_firm(firm.id)
        if key not in state.index:
            return []
        items = opportunities_for_firm(state.index, key,
                                       [opportunity_record(o) for o in opportunities], today,
                                       matching_reference())
    items = items[:limit]
    pending = [(key, [p["code"] for p in i["gaps"].pending] if i["gaps"] else [])
               for i in items] + [(key, i["unverified_preferred"]) for i in items]
    changes = declared_changes(pending)
    out = []
    for item in items:
        unverified = [{"code": p["code"], "change_id": changes.get((firm.id, p["code"])),
                       "declared": (date.fromisoformat(p["declared_on"])
                                    if p.get("declared_on") else None)}
                      for p in (item["gaps"].pending if item["gaps"] else [])]
        out.append({**item, "opportunity": by_id[str(item["opportunity"])], "firm_id": key,
                    "unverified": unverified,
                    "verify": {c: changes[(firm.id, c)] for c in item["unverified_preferred"]
                               if (firm.id, c) in changes}})
    return out
