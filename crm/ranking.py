"""The bridge from the CRM to `matching`: spec records from rows, and one live firm index.

Firm ids in the index are ``str(Firm.id)``: the primary key never changes, while a tax code
can be corrected after a typo. Opportunity ids are ``str(Opportunity.id)``.

The index is built lazily on first use and kept in ``app.extensions``. Every ranking request
first calls ``live_index()``, which asks the database a few cheap questions (newest
``Firm.updated_at``, newest interaction and shortlist event, count of active firms) and upserts
only the firms changed since the last look, removing archived ones. Firm services bump
``updated_at`` on every profile change (product, certificate, market...), so that is the
high-water mark. When counts disagree (rows deleted, a rolled-back transaction) or many firms
were upserted since the build (the text vocabulary was fitted on the old set), it rebuilds.

Each certification of a record says whether an officer stands behind it (`verified`, with
`declared_on` when not; rule in crm.verification.queries.unverified_certifications): matching
lets only verified data meet hard requirements. Verifying or rejecting a change moves the
firm's updated_at (crm.verification.services), so the next look re-reads that firm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from crm.display import province_name
from crm.extensions import db
from crm.memory import settle_long_lived
from crm.models import (
    Certification,
    EcommerceStore,
    Firm,
    FirmMarket,
    Interaction,
    Opportunity,
    Product,
    ShortlistEntry,
    ShortlistEvent,
    Trademark,
)
from crm.refdata import matching_reference
from crm.verification.queries import declared_by_code, unverified_certifications
from matching.index import FirmIndex
from matching.learn import LinearScorer
from matching.rank import match, opportunities_for_firm
from matching.results import IneligibleFirm, RankedFirm

log = logging.getLogger(__name__)

TONNES_PER_UNIT = {"tonnes": 1.0, "kg": 0.001}  # other units cannot be compared in tonnes
CHUNK = 5000  # firms per IN (...) query when loading records
# Firms whose timestamps fall this close before the mark are looked at again: a transaction
# that started earlier may commit after we read the mark.
MARK_SLACK = timedelta(seconds=5)
REBUILD_SHARE = 0.2  # rebuild when this share of the index was upserted since the build
# Counting the active firms is a full scan (~35 ms at 100,000 on PostgreSQL): too dear for
# every page. Firms are archived, not deleted, and archiving moves updated_at, so the change
# check above catches it at once; the count only guards against rows removed behind the
# app's back (a restore, a rolled-back bulk load), and for that once a minute is enough.
COUNT_CHECK_SECONDS = 60.0
PARTICIPATED = ("participated", "outcome")


def firm_key(firm_id: int) -> str:
    """The id of a firm in the matching index."""
    return str(firm_id)


def _f(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _grouped(stmt: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in db.session.execute(stmt):
        out[row[0]].append(row)
    return out


def _children(ids: list[int] | None) -> dict[str, dict[int, Any]]:
    """Rows of every table a firm record needs, grouped by firm id (None: all firms); under
    "declared", the certificates still awaiting an officer, by certificate id."""

    def where(stmt: Any, col: Any) -> Any:
        return stmt if ids is None else stmt.where(col.in_(ids))

    return {
        "products": _grouped(where(select(
            Product.firm_id, Product.name, Product.name_en, Product.hs_code, Product.description,
            Product.annual_capacity, Product.capacity_unit, Product.ocop_stars,
        ), Product.firm_id).order_by(Product.firm_id, Product.id)),
        "certs": _grouped(where(select(
            Certification.firm_id, Certification.scheme_code, Certification.issued_on,
            Certification.expires_on, Certification.id,
        ), Certification.firm_id)),
        "declared": unverified_certifications(ids),
        "markets": _grouped(where(select(
            FirmMarket.firm_id, FirmMarket.country_code, FirmMarket.kind, FirmMarket.priority,
        ), FirmMarket.firm_id).order_by(FirmMarket.firm_id, FirmMarket.id)),
        "stores": _grouped(where(select(
            EcommerceStore.firm_id, EcommerceStore.platform, EcommerceStore.market,
            EcommerceStore.status,
        ), EcommerceStore.firm_id)),
        "marks": _grouped(where(select(Trademark.firm_id, Trademark.country_code),
                                Trademark.firm_id)),
        "support": _grouped(where(select(
            Interaction.firm_id, Interaction.kind, Interaction.occurred_on,
        ), Interaction.firm_id)),
        "participations": _grouped(where(
            select(ShortlistEntry.firm_id, Opportunity.kind, Opportunity.starts_on,
                   ShortlistEntry.updated_at)
            .join(Opportunity, ShortlistEntry.opportunity_id == Opportunity.id)
            .where(ShortlistEntry.status.in_(PARTICIPATED)), ShortlistEntry.firm_id)),
    }


def _cert(row: Any, declared: dict[int, Any]) -> dict[str, Any]:
    """A certification of a firm record, with whether an officer stands behind it."""
    pending = declared.get(row.id)
    return {"code": row.scheme_code, "valid_from": _iso(row.issued_on),
            "valid_until": _iso(row.expires_on), "verified": pending is None,
            "declared_on": _iso(pending.declared_on) if pending is not None else None}


def _record(firm: Any, kids: dict[str, dict[int, Any]]) -> dict[str, Any]:
    """One spec firm record (shared/spec/matching-io.md) from a firm row and its children."""
    fid = firm.id
    products = []
    for p in kids["products"].get(fid, ()):
        per_tonne = TONNES_PER_UNIT.get(p.capacity_unit or "")
        cap = float(p.annual_capacity) * per_tonne if p.annual_capacity and per_tonne else None
        products.append({
            "name": p.name if not p.name_en else f"{p.name} ({p.name_en})",
            "hs_code": p.hs_code, "description": p.description or "",
            "annual_capacity_tonnes": cap, "ocop_stars": p.ocop_stars,
        })
    markets = kids["markets"].get(fid, ())
    targets = sorted((m for m in markets if m.kind == "target"), key=lambda m: m.priority or 99)
    history = [{"kind": s.kind, "date": _iso(s.occurred_on)}
               for s in kids["support"].get(fid, ())]
    history += [{"kind": s.kind, "date": _iso(s.starts_on or s.updated_at),
                 "outcome": "participated"} for s in kids["participations"].get(fid, ())]
    return {
        "id": firm_key(fid),
        "name": firm.name,
        "name_en": firm.name_en or "",
        "province": province_name(firm.province_code),
        "size": firm.size_class or "",
        "employees": firm.employees,
        "founded_year": firm.founded_year,
        "export_experience_years": firm.export_experience_years,
        "export_revenue_usd": _f(firm.export_revenue_usd),
        "languages": list(firm.languages or []),
        "products": products,
        "certifications": [_cert(c, kids["declared"]) for c in kids["certs"].get(fid, ())],
        "current_markets": [m.country_code for m in markets if m.kind == "current"],
        "target_markets": [m.country_code for m in targets],
        "ecommerce": [{"platform": s.platform, "market": s.market or "", "status": s.status}
                      for s in kids["stores"].get(fid, ())],
        "trademarks": [t.country_code for t in kids["marks"].get(fid, ())],
        "support_history": history,
    }


_FIRM_COLUMNS = (Firm.id, Firm.name, Firm.name_en, Firm.province_code, Firm.size_class,
                 Firm.employees, Firm.founded_year, Firm.export_experience_years,
                 Firm.export_revenue_usd, Firm.languages)


def firm_records(firm_ids: Collection[int] | None = None) -> Iterator[dict[str, Any]]:
    """Spec firm records of active firms (all of them, or those in `firm_ids`)."""
    if firm_ids is None:
        firms = db.session.execute(select(*_FIRM_COLUMNS).where(Firm.archived.is_(False))
                                   .order_by(Firm.id)).all()
        kids = _children(None)
        for firm in firms:
            yield _record(firm, kids)
        return
    ids = sorted(firm_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        firms = db.session.execute(select(*_FIRM_COLUMNS).where(
            Firm.id.in_(chunk), Firm.archived.is_(False)).order_by(Firm.id)).all()
        kids = _children(chunk)
        for firm in firms:
            yield _record(firm, kids)


def opportunity_record(opp: Opportunity) -> dict[str, Any]:
    """The spec opportunity document (OPP.json) of an opportunity, with its tuning switches."""
    return {
        "id": str(opp.id),
        "kind": opp.kind,
        "title": opp.title,
        "description": opp.description or "",
        "markets": list(opp.markets or []),
        "hs_prefixes": list(opp.hs_prefixes or []),
        "keywords": list(opp.keywords or []),
        "required_certifications": list(opp.required_certifications or []),
        "preferred_certifications": list(opp.preferred_certifications or []),
        "min_size": opp.min_size or None,
        "min_annual_capacity_tonnes": _f(opp.min_annual_capacity_tonnes),
        "platform": opp.platform or None,
        "starts_on": _iso(opp.starts_on),
        "slots": opp.slots,
        "weights": dict(opp.weights or {}),
        "diversity": bool(opp.diversity),
        "exposure_decay": bool(opp.exposure_decay),
    }


# --- the live index -------------------------------------------------------------------------

@dataclass
class LiveIndex:
    """The app's firm index and what it has seen of the database."""

    index: FirmIndex | None = None
    seen: dict[int, Any] = field(default_factory=dict)  # firm id -> updated_at indexed
    attrs: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    mark: Any = None  # newest Firm.updated_at seen
    mark_seen_at: float = 0.0  # time.monotonic() when `mark` was first read
    # Whether the MARK_SLACK window below `mark` was read once the slack had passed since
    # `mark` was first seen: every transaction that could still land in it has committed.
    settled: bool = False
    mark_interaction: int = 0
    mark_event: int = 0
    upserts: int = 0
    built_at: float = 0.0
    build_seconds: float = 0.0
    counted_at: float = 0.0  # time.monotonic() of the last full count check
    # firm id -> (newest interaction id, newest shortlist event id) replayed for that firm
    # alone by refresh_firm, beyond mark_interaction / mark_event
    firm_marks: dict[int, tuple[int, int]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def build(self) -> None:
        """Index every active firm from scratch."""
        started, read_at = time.perf_counter(), time.monotonic()
        marks = _marks()
        rows = db.session.execute(select(Firm.id, Firm.updated_at, Firm.province_code,
                                         Firm.size_class).where(Firm.archived.is_(False))).all()
        self.index = FirmIndex.build(firm_records())
        self.seen = {r.id: r.updated_at for r in rows}
        self.attrs = {firm_key(r.id): (r.province_code, r.size_class) for r in rows}
        self.mark, self.mark_interaction, self.mark_event = marks
        self.mark_seen_at, self.settled = read_at, False
        self.firm_marks = {}
        self.upserts = 0
        self.built_at = time.time()
        self.build_seconds = time.perf_counter() - started
        self.counted_at = time.monotonic()
        settle_long_lived()
        log.info("ranking index built: %d firms in %.1f s", len(self.index), self.build_seconds)

    def refresh(self) -> None:
        """Upsert the firms changed since the last look; rebuild when out of step."""
        if self.index is None:
            self.build()
            return
        read_at = time.monotonic()
        mark, last_interaction, last_event = _marks()
        changed: set[int] = set()
        # Re-reading the whole slack window on every page cost ~60 ms after a bulk load had
        # put thousands of firms in it; once settled, nothing new can appear at or below it.
        if mark is not None and not (self.settled and mark == self.mark):
            since = select(Firm.id, Firm.updated_at, Firm.archived)
            if self.mark is not None:
                since = since.where(Firm.updated_at > (
                    self.mark if self.settled else self.mark - MARK_SLACK))
            for fid, updated, archived in db.session.execute(since):
                if archived:
                    if self.index.remove(firm_key(fid)):
                        self.seen.pop(fid, None)
                        self.attrs.pop(firm_key(fid), None)
                elif self.seen.get(fid) != updated:
                    changed.add(fid)
        if last_interaction > self.mark_interaction:
            changed |= set(db.session.scalars(select(Interaction.firm_id).where(
                Interaction.id > self.mark_interaction)))
        if last_event > self.mark_event:
            changed |= set(db.session.scalars(
                select(ShortlistEntry.firm_id).join(ShortlistEvent).where(
                    ShortlistEvent.id > self.mark_event)))
        if changed:
            self._upsert(changed)
        self._settle(mark, read_at)
        self.mark, self.mark_interaction, self.mark_event = (
            mark, last_interaction, last_event)
        self.firm_marks.clear()  # all replayed now
        if self.upserts > REBUILD_SHARE * max(len(self.index), 50):
            self.build()  # the text vocabulary grew stale
        elif time.monotonic() - self.counted_at >= COUNT_CHECK_SECONDS:
            self.counted_at = time.monotonic()
            active = db.session.scalar(select(func.count()).select_from(Firm)
                                       .where(Firm.archived.is_(False)))
            if active != len(self.index):
                self.build()  # rows vanished behind the app's back

    def refresh_firm(self, firm_id: int) -> None:
        """Bring one firm's record up to date, leaving the others as they are.

        A firm page needs only that firm: the whole refresh there replayed every firm other
        officers had changed, in each worker (~12 ms of every firm page under load). One
        query when the firm is unchanged; the next whole refresh still sees everything.
        """
        if self.index is None:
            self.refresh()
            return
        updated_at, last_interaction, last_event = _marks(firm_id)
        replayed = self.firm_marks.get(firm_id, (0, 0))
        if (self.seen.get(firm_id) != updated_at
                or last_interaction > max(self.mark_interaction, replayed[0])
                or last_event > max(self.mark_event, replayed[1])):
            self._upsert({firm_id})
            self.firm_marks[firm_id] = (last_interaction, last_event)

    def _settle(self, mark: Any, read_at: float) -> None:
        """Note whether the window below `mark` is settled after a read begun at `read_at`."""
        if mark != self.mark:
            self.mark_seen_at, self.settled = read_at, False
        elif not self.settled and read_at >= self.mark_seen_at + MARK_SLACK.total_seconds():
            self.settled = True

    def _upsert(self, firm_ids: Iterable[int]) -> None:
        ids = set(firm_ids)
        rows = {r.id: r for r in db.session.execute(
            select(Firm.id, Firm.updated_at, Firm.province_code, Firm.size_class,
                   Firm.archived).where(Firm.id.in_(ids)))}
        for record in firm_records(ids):
            self.index.upsert(record)
            fid = int(record["id"])
            self.seen[fid] = rows[fid].updated_at
            self.attrs[record["id"]] = (rows[fid].province_code, rows[fid].size_class)
            self.upserts += 1
        for fid in ids:
            if fid not in rows or rows[fid].archived:
                self.index.remove(firm_key(fid))
                self.seen.pop(fid, None)
                self.attrs.pop(firm_key(fid), None)


def _marks(firm_id: int | None = None) -> tuple[Any, int, int]:
    """Newest Firm.updated_at, interaction id and shortlist event id, of one firm if given.

    One round trip: every firm and ranking page asks, and each max is one index probe.
    """
    updated = select(func.max(Firm.updated_at))
    interaction = select(func.max(Interaction.id))
    event = select(func.max(ShortlistEvent.id))
    if firm_id is not None:
        updated = updated.where(Firm.id == firm_id)
        interaction = interaction.where(Interaction.firm_id == firm_id)
        event = event.join(ShortlistEntry).where(ShortlistEntry.firm_id == firm_id)
    mark, last_interaction, last_event = db.session.execute(select(
        updated.scalar_subquery(), interaction.scalar_subquery(), event.scalar_subquery(),
    )).one()
    return mark, last_interaction or 0, last_event or 0


def live() -> LiveIndex:
    """This app's LiveIndex (not refreshed)."""
    return current_app.extensions.setdefault("crm_ranking_index", LiveIndex())


def live_index() -> LiveIndex:
    """This app's LiveIndex, brought up to date with the database."""
    state = live()
    with state.lock:
        state.refresh()
    return state


def reset_index() -> None:
    """Forget the index (tests, after bulk loads): the next use rebuilds it."""
    current_app.extensions.pop("crm_ranking_index", None)


# --- ranking for pages ---------------------------------------------------------------------

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
        ranked = ranking.ranked()
        bad = ranking.ineligible_rows
        if filters.active:
            ranked = [r for r in ranked if _keep(state, r.firm_id, filters)
                      and not (filters.verified_only and r.unverified_preferred)][:top]
            ranked = [replace(r, rank=k + 1) for k, r in enumerate(ranked)]
            bad = np.asarray([r for r in bad.tolist() if _keep(state, index.ids[r], filters)],
                             dtype=bad.dtype)
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


def _keep(state: LiveIndex, firm_id: str, filters: RankFilters) -> bool:
    province, size = state.attrs.get(firm_id, (None, None))
    return ((filters.province is None or province == filters.province)
            and (not filters.size or size == filters.size))


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
