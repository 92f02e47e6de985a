"""Rank firms for an opportunity: vectorised factors and hard requirements over the whole index.

Only the top K (and the ineligible list) are turned into Python dicts with reasons.
The formulas are those of factors.py; tests check both paths agree firm by firm.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

import numpy as np

from matching import explain as ex
from matching import factors as fx
from matching import reference as ref
from matching.factors import EXPIRED as _EXPIRED
from matching.factors import EXPIRES_BEFORE as _EXPIRES_BEFORE
from matching.factors import NONE as _NONE
from matching.factors import NOT_YET as _NOT_YET
from matching.factors import UNVERIFIED as _UNVERIFIED
from matching.index import Derived, FirmIndex, Grouped, Vocab
from matching.records import SIZES, Firm, Opportunity, parse_opportunity
from matching.results import IneligibleFirm, RankedFirm
from matching.weights import DIVERSITY_PARAMS, MIN_PRODUCT_FIT, TIE_HEADROOM_DAYS
from matching.wording import Part, Words

T = TypeVar("T")


@dataclass
class Scores:
    """Per-row arrays for one opportunity (rows of the index, tombstones included)."""

    values: dict[str, np.ndarray]
    base: np.ndarray
    decay: np.ndarray
    score: np.ndarray  # rounded to 4 decimals
    alive: np.ndarray
    relevant: np.ndarray
    missing: list[tuple[str, np.ndarray]]  # (code, rows lacking it), in reporting order
    sources: dict[str, np.ndarray]  # code -> index into ctx.mandatory of the row, or -1
    cos: np.ndarray
    # HS chapter of the firm's first fitting product, -1 unknown (None without diversity)
    main_group: np.ndarray | None
    capacity: np.ndarray | None = None  # capacity (t) of the products in scope, NaN unknown
    ties: dict[str, np.ndarray] | None = None  # tie-break parts per row, each in [0, 1]
    tie: np.ndarray | None = None  # their weighted sum (weights.TIE_WEIGHTS), inside `score`
    hs: np.ndarray | None = None  # best HS fit of the firm's products (0 without HS prefixes)


def _per_firm_max(n: int, rows: np.ndarray, vals: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=np.float64)
    nz = vals > 0
    if nz.any():
        np.maximum.at(out, rows[nz], vals[nz])
    return out


def _entries(
    grouped: Grouped, vocab: Vocab, names: Iterable[str], *cols: str
) -> list[np.ndarray]:
    """The rows (and columns `cols`) of the entries of a table whose code is one of `names`."""
    codes = [c for c in map(vocab.get, names) if c >= 0]
    return [grouped.column(codes, col) for col in ("row", *cols)]


def _any(n: int, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


def _held(
    index: FirmIndex, code: str, day: int, n: int, cache: dict, verified: bool = False
) -> np.ndarray:
    """Rows holding `code` valid on `day` (only checked certificates if `verified`)."""
    key = (code, verified)
    if key not in cache:
        c = index.derived().by_cert.get(index.certs.get(code))
        ok = (c["start"] <= day) & (c["end"] >= day)
        if verified:
            ok &= c["verified"]
        cache[key] = _any(n, c["row"][ok])
    return cache[key]


def _hs_fit_codes(dv: Derived, prefixes: list[str]) -> np.ndarray:
    """HS fit of every distinct product code (the rules of factors.hs_fit, vectorised)."""
    hs_len, hs2, hs4, hs6 = dv.code_len, dv.code2, dv.code4, dv.code6
    best = np.zeros(len(hs_len), dtype=np.float32)
    for q in prefixes:
        lq = len(q)
        q2 = int(q[:2])
        q4 = int(q[:4]) if lq >= 4 else -1
        own = {2: hs2, 4: hs4, 6: hs6}[lq]
        inside = (hs_len >= lq) & (own == int(q))
        coarser = ((hs_len == 2) & (hs2 == q2) & (lq > 2)) | (
            (hs_len == 4) & (hs4 == q4) & (lq > 4)
        )
        heading = (lq == 6) & (hs_len >= 4) & (hs4 == q4)
        chapter = (hs_len >= 2) & (hs2 == q2)
        fit = np.select([inside, coarser, heading, chapter], [1.0, 0.7, 0.6, 0.3], 0.0)
        np.maximum(best, fit.astype(np.float32), out=best)
    return best


def _fitting_rows(dv: Derived, fit_code: np.ndarray, prefix: str, cache: dict) -> np.ndarray:
    """Rows of the products that fit and whose HS code starts with `prefix`.

    Both tests depend on the HS code only, so they are made once per distinct code and only
    the products of the codes that pass are read (often none does).
    """
    if prefix not in cache:
        lq = len(prefix)
        own = {2: dv.code2, 4: dv.code4, 6: dv.code6}[lq]
        sel = fit_code & (dv.code_len >= lq) & (own == int(prefix))
        cache[prefix] = dv.prow[dv.products_of(np.flatnonzero(sel))]
    return cache[prefix]


class _Values(Mapping):
    """Factor values by name; factors without weight are computed only when asked for."""

    def __init__(self, makers: dict[str, Any]) -> None:
        self._makers = makers
        self._done: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        v = self._done.get(name)
        if v is None:
            v = self._done[name] = self._makers[name]()
        return v

    def __iter__(self) -> Iterator[str]:
        return iter(self._makers)

    def __len__(self) -> int:
        return len(self._makers)


def compute(index: FirmIndex, ctx: fx.Context) -> Scores:
    """All factor values, hard requirements and scores for every row of the index."""
    n = index.n_rows
    opp = ctx.opp
    f = index.firms
    dv = index.derived()
    alive = f["alive"].copy()
    day = ctx.day.toordinal()
    prods = index.products
    prow = dv.prow
    held_cache: dict[str, np.ndarray] = {}
    prefix_cache: dict[str, np.ndarray] = {}

    # product: HS tests run per distinct code; only the products of passing codes are read
    hs = np.zeros(n)
    if ctx.has_hs:
        fit_by_code = _hs_fit_codes(dv, opp.hs_prefixes)
        # each firm's best fit: levels written in rising order, so the highest one stays
        for level in np.unique(fit_by_code[fit_by_code > 0]).tolist():
            hs[prow[dv.products_of(np.flatnonzero(fit_by_code == level))]] = level
        fit_code = fit_by_code >= fx.FIT_PRODUCT
        fitting_at = dv.products_of(np.flatnonzero(fit_code), ordered=True)
    else:  # every coded product fits
        fit_code = dv.code_len > 0
        fitting_at = np.flatnonzero(dv.coded)
    cos = (
        index.text.cosine_all(ctx.query, n)
        if ctx.query is not None
        else np.zeros(n, dtype=np.float32)
    )
    has_fit = _any(n, prow[fitting_at])
    coded_elsewhere = (dv.firm_coded & ~has_fit) if ctx.has_hs else False
    product = np.asarray(
        fx.combine_product(hs, cos.astype(np.float64), ctx.has_hs, ctx.has_text, coded_elsewhere),
        dtype=np.float64,
    )
    product = np.broadcast_to(product, (n,)).copy()
    scope_cache: list[np.ndarray] = []

    def in_scope() -> np.ndarray:
        """Per product: fitting products, else all products of the firm (a product mask)."""
        if not scope_cache:
            fitting = np.zeros(len(prow), dtype=bool)
            fitting[fitting_at] = True
            scope_cache.append(fitting | ~has_fit[prow])
        return scope_cache[0]

    # market: the entries of the opportunity's countries (and their groups') only
    by_country = dv.by_country
    mk_rows, mk_target = _entries(by_country, index.countries, ctx.markets, "target")
    target = _any(n, mk_rows[mk_target])
    current = _any(n, mk_rows[~mk_target])
    group_countries = [
        c for c in index.countries.codes if ctx.reference.regional_groups_of(c) & ctx.groups
    ]
    group_rows, group_target = _entries(by_country, index.countries, group_countries, "target")

    def market() -> np.ndarray:
        if not ctx.markets:
            return np.full(n, 0.5)
        return np.asarray(
            fx.combine_market(target, current, _any(n, group_rows), dv.exports), dtype=np.float64
        )

    # readiness
    counted: dict[str, np.ndarray] = {}  # preferred code -> rows for which it counts
    for c in opp.preferred_certifications:
        counted[c] = np.ones(n, dtype=bool)
    for row in ctx.preferences:
        needs = _any(n, _fitting_rows(dv, fit_code, row.hs_prefix, prefix_cache))
        prev = counted.get(row.requirement)
        counted[row.requirement] = needs if prev is None else prev | needs
    needed = np.zeros(n)
    for needs in counted.values():
        needed += needs

    def readiness() -> np.ndarray:
        speaks = _any(n, _entries(dv.by_lang, index.langs, ctx.languages)[0])
        # 1 speaks a language of the market, else 0.6 for English: the larger of the two
        # (arithmetic on the masks, much faster than nested np.where over random masks)
        lang = np.maximum(speaks * 1.0, dv.english * 0.6)
        n_held = np.zeros(n)
        for c, needs in counted.items():
            n_held += needs & _held(index, c, day, n, held_cache)
        return fx.combine_readiness(dv.exp, lang, n_held, needed)

    # capacity (the capacity in tonnes is also a hard requirement): of the fitting products,
    # else of all products (summed once per index); NaN when no capacity in scope is known
    cap = dv.cap_all.copy()
    cap[prow[fitting_at]] = np.nan  # firms with a fitting product: the sum of those below
    sel = fitting_at[dv.cap_known[fitting_at]]
    if len(sel):
        rows = prow[sel]
        cap[rows] = np.bincount(rows, weights=dv.capv[sel], minlength=n)[rows]

    def capacity() -> np.ndarray:
        return fx.capacity_value(dv.size_score, cap, opp.min_annual_capacity_tonnes)

    # ecommerce
    mark_cache: list[np.ndarray] = []

    def mark() -> np.ndarray:
        if not mark_cache:
            if ctx.markets:
                mark_in = _any(n, _entries(dv.by_mark, index.countries, ctx.marks)[0])
                mark_cache.append(np.maximum(mark_in * 1.0, dv.has_mark * 0.3))
            else:
                mark_cache.append(dv.has_mark.astype(np.float64))
        return mark_cache[0]

    fit_rows = prow[fitting_at]  # the firms with fitting products (their products in scope)

    def ecommerce() -> np.ndarray:
        # the best store: on the opportunity's platform 1 (inactive 0.5), else as precomputed
        own_rows, own_status = _entries(dv.by_platform, index.platforms,
                                        [opp.platform] if opp.platform else [], "status")
        own = np.zeros(n)
        own[own_rows[own_status != 0]] = 0.5  # the higher value is written last and stays
        own[own_rows[own_status == 0]] = 1.0
        store = np.maximum(dv.store_best_other, own)
        # shelf-stable share of the products in scope: precomputed over all products, taken
        # over the fitting ones for the firms that have some
        shelf = dv.shelf_all.copy()
        if len(fit_rows):
            n_fit = np.bincount(fit_rows, minlength=n)
            fit_sum = np.bincount(fit_rows, weights=dv.shelf[fitting_at], minlength=n)
            shelf[fit_rows] = (fit_sum[fit_rows] / np.maximum(n_fit[fit_rows], 1))
        return fx.combine_ecommerce(store, dv.english, mark(), shelf)

    # partner
    def partner() -> np.ndarray:
        presence = np.maximum(current * 1.0, _any(n, group_rows[~group_target]) * 0.5)
        # best OCOP stars of the products in scope (as shelf above)
        best = dv.ocop_all.copy()
        best[fit_rows] = _per_firm_max(n, fit_rows, dv.ocop[fitting_at])[fit_rows]
        ocop = best / 5.0
        return fx.combine_partner(mark(), presence, ocop, dv.revenue)

    values = _Values(
        {
            "product": lambda: product,
            "market": market,
            "readiness": readiness,
            "capacity": capacity,
            "ecommerce": ecommerce,
            "partner": partner,
        }
    )
    base = np.zeros(n)
    for name, w in ctx.weights.items():
        base += w * values[name]

    # exposure decay
    params = opp.exposure_decay
    # past support of the opportunity's kinds, in table order (each firm's weights are summed
    # in the order of its history, as factors.assess does)
    su_rows, su_day, su_at = _entries(dv.by_kind, index.kinds, ctx.support_kinds, "day", "at")
    if len(su_at) and not np.all(su_at[1:] > su_at[:-1]):
        order = np.argsort(su_at)
        su_rows, su_day = su_rows[order], su_day[order]
    if params:
        age = ctx.today.toordinal() - su_day.astype(np.int64)
        ok = (age >= 0) & (age <= params["window_days"])
        wsum = np.bincount(  # exp2(-x) is 0.5 ** x, computed faster
            su_rows[ok], weights=np.exp2(-age[ok] / params["half_life_days"]), minlength=n
        )
        decay = fx.decay_factor(wsum, params)
    else:
        decay = np.ones(n)

    ties = _ties(ctx, dv, counted, needed, n, su_rows, index.certs)
    tie = fx.tie_total(ties)

    # hard requirements
    missing: list[tuple[str, np.ndarray]] = []
    sources: dict[str, np.ndarray] = {}
    need: dict[str, np.ndarray] = {c: np.ones(n, dtype=bool) for c in opp.required_certifications}
    order = list(opp.required_certifications)
    for i, row in enumerate(ctx.mandatory):
        rows = _fitting_rows(dv, fit_code, row.hs_prefix, prefix_cache)
        if row.requirement not in need:
            need[row.requirement] = np.zeros(n, dtype=bool)
            order.append(row.requirement)
        if row.requirement not in opp.required_certifications:
            src = sources.setdefault(row.requirement, np.full(n, -1, dtype=np.int32))
            src[rows[src[rows] < 0]] = i  # the first row that makes the firm need it
        need[row.requirement][rows] = True
    for c in order:
        # only checked data meets a hard requirement (factors.assess says why)
        lacks = need[c] & ~_held(index, c, day, n, held_cache, verified=True)
        missing.append((c, lacks))
    size = f["size"]
    if opp.min_size:
        missing.append(("MIN_SIZE", (size >= 0) & (size < SIZES.index(opp.min_size))))
    if opp.min_annual_capacity_tonnes:
        missing.append(
            ("MIN_CAPACITY", ~np.isnan(cap) & (np.nan_to_num(cap) < opp.min_annual_capacity_tonnes))
        )
    relevant = product >= MIN_PRODUCT_FIT if ctx.gate else np.ones(n, dtype=bool)
    score = fx.scored(base, decay, tie)
    first_fit = None
    if opp.diversity:  # only diversity re-ranking compares firms' product groups
        first_fit = np.full(n, -1, dtype=np.int32)
        coded_scope = in_scope() & dv.coded
        scope_rows = prow[coded_scope]
        if len(scope_rows):
            # the first product in scope (rows are sorted: reverse assignment keeps the first)
            first_fit[scope_rows[::-1]] = prods["hs2"][coded_scope][::-1]
    return Scores(
        values, base, decay, score, alive, relevant, missing, sources, cos, first_fit, cap,
        ties, tie, hs
    )


def _coverage(dv: Derived, prefixes: list[str], n: int) -> np.ndarray:
    """Share of `prefixes` each firm has a fitting product for (HS tests once per code, and
    only the products of the fitting codes read)."""
    if not prefixes:
        return np.zeros(n)
    covered = np.zeros(n)
    for q in prefixes:
        fits = _hs_fit_codes(dv, [q]) >= fx.FIT_PRODUCT
        covered += _any(n, dv.prow[dv.products_of(np.flatnonzero(fits))])
    return covered / len(prefixes)


def _ties(
    ctx: fx.Context,
    dv: Derived,
    counted: dict[str, np.ndarray],
    needed: np.ndarray,
    n: int,
    support_rows: np.ndarray,
    certs: Vocab,
) -> dict[str, np.ndarray]:
    """Tie-break parts of every row (the rules of factors.assess, vectorised); `support_rows`:
    the row of each past support of the opportunity's kinds."""
    opp = ctx.opp
    coverage = _coverage(dv, opp.hs_prefixes, n)
    day = ctx.day.toordinal()
    later = day + TIE_HEADROOM_DAYS
    lasting = np.zeros(n)
    for code, needs in counted.items():
        c = dv.by_cert.get(certs.get(code))
        lasting += needs & _any(n, c["row"][(c["start"] <= day) & (c["end"] >= later)])
    certificates = np.divide(lasting, np.maximum(needed, 1.0))
    # past support counts only where the opportunity spreads support (exposure decay on)
    if opp.exposure_decay:
        count = np.bincount(support_rows, minlength=n).astype(np.float64)
    else:
        count = np.zeros(n)
    return fx.combine_ties(coverage, certificates, count)


@dataclass
class Ranking:
    """Result of matching one opportunity; to_dict() gives the spec's JSON document."""

    index: FirmIndex
    ctx: fx.Context
    scores: Scores
    ranked_rows: list[int]
    ranked_scores: list[float]
    penalties: list[float]
    ineligible_rows: np.ndarray
    explain: bool = False
    _sorted: bool = False
    _ranked: list[RankedFirm] | None = None

    def ranked(self) -> list[RankedFirm]:
        """The ranked firms, typed; reasons read from the values computed for all firms."""
        if self._ranked is None:
            self._ranked = [self.item_at(k) for k in range(len(self.ranked_rows))]
        return self._ranked

    def item_at(self, k: int) -> RankedFirm:
        """The k-th ranked firm (0-based), built alone: a filtered page builds only the
        items it keeps out of a longer pool."""
        row, score, pen = self.ranked_rows[k], self.ranked_scores[k], self.penalties[k]
        firm = self.index.firm(row)
        a = facts(self.scores, self.ctx, firm, row)
        return RankedFirm(
            firm_id=firm.id, row=row, rank=k + 1, score=score, name=firm.name,
            values=dict(a.values), penalty=pen, decay=a.decay,
            reasons=ex.reasons(firm, a, self.ctx, self.explain, pen, self.index.text, row),
            unverified_preferred=fx.unverified_preferences(firm, a, self.ctx),
        )

    def explain_row(self, row: int) -> RankedFirm:
        """Score and reasons of any row, ranked or not (rank None), from the same arrays."""
        firm = self.index.firm(row)
        a = facts(self.scores, self.ctx, firm, row)
        return RankedFirm(
            firm_id=firm.id, row=row, rank=None, score=float(self.scores.score[row]),
            name=firm.name, values=dict(a.values), decay=a.decay,
            reasons=ex.reasons(firm, a, self.ctx, self.explain, 0.0, self.index.text, row),
            unverified_preferred=fx.unverified_preferences(firm, a, self.ctx),
            missing=a.missing,
            relevant=a.relevant,
        )

    def ineligible(self, limit: int | None = None) -> list[IneligibleFirm]:
        """Ineligible firms (all of them, or the first `limit`): those whose products fit
        the opportunity first, as they are the ones worth helping over the bar, each group
        by best would-be score."""
        bad = self.ineligible_rows
        if not self._sorted:
            order = np.lexsort((self.index.id_order()[bad], -self.scores.score[bad],
                                ~self.scores.relevant[bad]))
            self.ineligible_rows = bad = bad[order]
            self._sorted = True
        rows = bad if limit is None else bad[:limit]
        return ineligible_items(self.index, self.ctx, self.scores, rows)

    def to_dict(self) -> dict:
        """{"opportunity": id, "ranked": [...], "ineligible": [...]} as in matching-io.md."""
        en, vi = Words("en"), Words("vi")
        cache: dict[int, dict[str, str]] = {}
        # one dict per ineligible firm: up to one per firm of the index
        return _without_gc(lambda: {
            "opportunity": self.ctx.opp.id,
            "ranked": [r.to_dict(en, vi, self.explain) for r in self.ranked()],
            "ineligible": [i.to_dict(en, vi, cache) for i in self.ineligible()],
        })


def facts(s: Scores, ctx: fx.Context, firm: Firm, row: int) -> fx.Assessment:
    """The per-firm view of what compute() found for `row`: the arrays, not a second scoring."""
    cap = float(s.capacity[row]) if s.capacity is not None else float("nan")
    return fx.Assessment(
        values={f: float(s.values[f][row]) for f in ctx.weights},
        base=float(s.base[row]),
        decay=float(s.decay[row]),
        missing=[code for code, lacks in s.missing if lacks[row]],
        relevant=bool(s.relevant[row]),
        hs=float(s.hs[row]),
        cos=float(s.cos[row]),
        fitting=fx.fitting_products(firm, ctx),
        capacity=None if np.isnan(cap) else cap,
        size=fx.size_class(firm.size, firm.employees),
        ties={k: float(v[row]) for k, v in s.ties.items()} if s.ties else {},
        tie=float(s.tie[row]) if s.tie is not None else 0.0,
    )


def _order(rows: np.ndarray, score: np.ndarray, ids: list[str]) -> list[int]:
    return sorted(rows.tolist(), key=lambda r: (-score[r], ids[r]))


def _top(rows: np.ndarray, score: np.ndarray, ids: list[str], k: int) -> list[int]:
    """The k best rows by (score desc, firm_id asc), all ties at the cut included fairly."""
    if k <= 0:
        return []
    if len(rows) <= k:
        return _order(rows, score, ids)
    s = score[rows]
    kth = np.partition(s, len(s) - k)[len(s) - k]
    return _order(rows[s >= kth], score, ids)[:k]


def _diversify(
    rows: list[int], scores: Scores, index: FirmIndex, k: int, strength: float
) -> tuple[list[int], list[float], list[float]]:
    """Greedy maximal marginal relevance: value = score - strength * max similarity."""
    prov = index.firms["province"]
    group = scores.main_group
    chosen: list[int] = []
    vals: list[float] = []
    pens: list[float] = []
    pool = list(rows)
    sim_max = {r: 0.0 for r in pool}
    ids = index.ids
    while pool and len(chosen) < k:
        best = min(
            pool, key=lambda r: (-round(float(scores.score[r]) - strength * sim_max[r], 4), ids[r])
        )
        pen = round(strength * sim_max[best], 4)
        chosen.append(best)
        vals.append(max(0.0, round(float(scores.score[best]) - pen, 4)))
        pens.append(pen)
        pool.remove(best)
        for r in pool:
            sim = 0.5 * (group[r] >= 0 and group[r] == group[best]) + 0.5 * (
                prov[r] >= 0 and prov[r] == prov[best]
            )
            sim_max[r] = max(sim_max[r], sim)
    return chosen, vals, pens


def match(
    index: FirmIndex,
    opportunity: Mapping | Opportunity,
    today: date | None = None,
    top: int = 20,
    explain: bool = False,
    model: Any = None,
    reference: ref.Reference | None = None,
) -> Ranking:
    """Score every firm for an opportunity; returns a Ranking (cheap until items are built).

    `model`: an optional fitted classifier over the factor values (matching.learn), used
    instead of the hand-set weights; use it only where learn.compare() says it wins.
    `reference`: the requirement rules etc. to apply (default: the packaged files).
    """
    opp = opportunity if isinstance(opportunity, Opportunity) else parse_opportunity(opportunity)
    ctx = fx.Context.build(opp, today or date.today(), index.text, reference)
    s = compute(index, ctx)
    if model is not None and index.n_rows:
        from matching.weights import FACTORS

        x = np.column_stack([s.values[f] for f in FACTORS])
        s.base = model.predict_proba(x)[:, 1]
        s.score = fx.scored(s.base, s.decay, s.tie)
    lacks = np.zeros(index.n_rows, dtype=bool)
    for _, rows in s.missing:
        lacks |= rows
    eligible = np.flatnonzero(s.alive & s.relevant & ~lacks)
    if opp.diversity:
        params = {**DIVERSITY_PARAMS, **opp.diversity}
        pool = _top(eligible, s.score, index.ids, max(top, int(top * params["pool"])))
        rows, vals, pens = _diversify(pool, s, index, top, params["strength"])
    else:
        rows = _top(eligible, s.score, index.ids, top)
        vals = [float(s.score[r]) for r in rows]
        pens = [0.0] * len(rows)
    bad = np.flatnonzero(s.alive & lacks)
    return Ranking(index, ctx, s, rows, vals, pens, bad, explain)


def rank(
    index: FirmIndex,
    opportunity: Mapping | Opportunity,
    today: date | None = None,
    top: int = 20,
    explain: bool = False,
    model: Any = None,
    reference: ref.Reference | None = None,
) -> dict:
    """Rank firms for one opportunity; returns the spec's JSON structure as a dict."""
    return match(index, opportunity, today, top, explain, model, reference).to_dict()


# ---- ineligible items, built from arrays --------------------------------------------------
def _cert_status(
    index: FirmIndex, code: str, ctx: fx.Context, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per row in `rows`: why `code` does not count (status) and the date to show."""
    # only the code's own entries (grouped once per index), not the whole certificate table
    c = index.derived().by_cert.get(index.certs.get(code))
    day = ctx.day.toordinal()
    n = index.n_rows
    ended = c["end"] < day
    last = np.full(n, -1, dtype=np.int64)
    if ended.any():
        np.maximum.at(last, c["row"][ended], c["end"][ended].astype(np.int64))
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    later = c["start"] > day
    if later.any():
        np.minimum.at(first, c["row"][later], c["start"][later].astype(np.int64))
    has = _any(n, c["row"])
    # self-declared, valid on the day: waits for an officer (latest declaration date, 0 unknown)
    declared = ~c["verified"] & (c["start"] <= day) & (c["end"] >= day)
    pending = _any(n, c["row"][declared])
    latest = np.zeros(n, dtype=np.int64)
    if declared.any():
        np.maximum.at(latest, c["row"][declared], c["declared"][declared].astype(np.int64))
    today = ctx.today.toordinal()
    # rows without any entry of the code simply lack it (_NONE): only the holders are read
    held = np.flatnonzero(has[rows])
    hr = rows[held]
    st = np.full(len(hr), _NONE, dtype=np.int8)
    dt = np.zeros(len(hr), dtype=np.int64)
    lr, fr, pr = last[hr], first[hr], pending[hr]
    exp_mask = (lr >= 0) & ~pr
    before = exp_mask & (lr >= today) & (ctx.opp.starts_on is not None)
    st[exp_mask] = _EXPIRED
    st[before] = _EXPIRES_BEFORE
    dt[exp_mask] = lr[exp_mask]
    ny = ~exp_mask & ~pr
    st[ny] = _NOT_YET
    dt[ny] = fr[ny]
    st[pr] = _UNVERIFIED
    dt[pr] = latest[hr][pr]
    status = np.full(len(rows), _NONE, dtype=np.int8)
    dates = np.zeros(len(rows), dtype=np.int64)
    status[held] = st
    dates[held] = dt
    return status, dates


def ineligible_items(
    index: FirmIndex, ctx: fx.Context, s: Scores, rows: np.ndarray
) -> list[IneligibleFirm]:
    """Ineligible firms for `rows`; firms lacking the same things share one Gaps."""
    return _without_gc(lambda: _ineligible_items(index, ctx, s, rows))


def _without_gc(make: Callable[[], T]) -> T:
    """make() with the cyclic GC off: it makes many small objects, which the GC would rescan
    again and again (at 100,000 firms, 4/5 of the time of the ineligible items' dicts).
    A plain call: a generator context manager measured ~20 ms slower per 100,000 items."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return make()
    finally:
        if enabled:
            gc.enable()


def _ineligible_items(
    index: FirmIndex, ctx: fx.Context, s: Scores, rows: np.ndarray
) -> list[IneligibleFirm]:
    """Firms lacking the same things in the same way share one signature; the statements of
    each distinct signature are built once, then each item only points at them."""
    rows = np.asarray(rows, dtype=np.int64)
    keys: list[np.ndarray] = []  # per reported code: which variant of its statements (0 = none)
    # per code: its variants (statements, declared date if it waits for an officer, else None)
    variants: list[tuple[str, list[tuple[list[Part], str | None]]]] = []
    for code, lacks in s.missing:
        hit = lacks[rows]
        if not hit.any():
            continue
        pos = np.flatnonzero(hit)
        words: list[tuple[list[Part], str | None]] = []
        if code == "MIN_SIZE":
            uniq, inv = np.unique(index.firms["size"][rows[pos]], return_inverse=True)
            words = [([ex.size_gap(SIZES[int(x)], ctx)], None) for x in uniq]
        elif code == "MIN_CAPACITY":
            uniq, inv = np.unique(_capacity_of(index, ctx, s, rows[pos]), return_inverse=True)
            words = [([ex.capacity_gap(cap, ctx)], None) for cap in uniq.tolist()]
        else:
            status, dates = _cert_status(index, code, ctx, rows[pos])
            src = s.sources.get(code)
            src_rows = src[rows[pos]] if src is not None else np.full(len(pos), -1)
            combos = np.column_stack(
                [status.astype(np.int64), dates.astype(np.int64), src_rows.astype(np.int64)]
            )
            uniq, inv = _unique_rows(combos)
            for st, dt, sr in uniq.tolist():
                when = date.fromordinal(dt) if dt > 0 else None
                parts = [ex.gap_part(code, st, when, ctx)]
                parts += ex.source_part(ctx.mandatory[sr] if sr >= 0 else None)
                # "" marks a declaration of unknown date (None: not waiting for an officer)
                declared = (when.isoformat() if when else "") if st == _UNVERIFIED else None
                words.append((parts, declared))
        key = np.zeros(len(rows), dtype=np.int64)
        key[pos] = inv.reshape(-1) + 1
        keys.append(key)
        variants.append((code, words))
    if keys and len(rows):
        sigs, sig_of = _unique_rows(np.column_stack(keys))
    else:
        sigs, sig_of = np.zeros((1, 0), dtype=np.int64), np.zeros(len(rows), dtype=np.int64)
    groups: list[ex.Gaps] = []
    for sig in sigs.tolist():
        miss: list[str] = []
        parts: list[Part] = []
        pending: list[dict] = []
        for (code, words), k in zip(variants, sig, strict=True):
            if k:
                miss.append(code)
                parts += words[k - 1][0]
                if words[k - 1][1] is not None:
                    pending.append({"code": code, "declared_on": words[k - 1][1] or None})
        hint = ex.hint_parts(miss, [p["code"] for p in pending], ctx)
        groups.append(ex.Gaps(miss, parts, hint, pending, len(miss) == 1))
    ids, names = index.ids, index.names
    return [
        IneligibleFirm(ids[row], row, score, bool(rel and groups[g].near_miss_if_relevant),
                       groups[g], names[row])
        for row, g, score, rel in zip(
            rows.tolist(), sig_of.tolist(), s.score[rows].tolist(), s.relevant[rows].tolist(),
            strict=True,
        )
    ]


def _unique_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(a, axis=0, return_inverse=True) for a 2-D int64 array, via one int64 key per
    row when the value ranges allow it (much faster than sorting the rows as records)."""
    lo = a.min(axis=0) if len(a) else np.zeros(a.shape[1], dtype=np.int64)
    span = (a.max(axis=0) - lo + 1) if len(a) else np.ones(a.shape[1], dtype=np.int64)
    if float(np.prod(span.astype(np.float64))) >= 2.0**62:
        uniq, inv = np.unique(a, axis=0, return_inverse=True)
        return uniq, inv.reshape(-1)
    key = np.zeros(len(a), dtype=np.int64)
    for j in range(a.shape[1]):  # mixed radix, first column most significant: same order
        key = key * int(span[j]) + (a[:, j] - lo[j])
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    return a[first], inv.reshape(-1)


def _capacity_of(index: FirmIndex, ctx: fx.Context, s: Scores, rows: np.ndarray) -> np.ndarray:
    """Capacity of the fitting products (else all products) of `rows`, as factors.firm_capacity.

    Used only for rows lacking MIN_CAPACITY: their capacity is known, and then the vectorised
    sum (Scores.capacity) is firm_capacity's. Falls back to the per-firm path without it.
    """
    if s.capacity is not None:
        return s.capacity[rows]
    out = []
    for row in rows.tolist():
        firm = index.firm(row)
        cap = fx.firm_capacity(firm, fx.fitting_products(firm, ctx))
        out.append(cap if cap is not None else float("nan"))
    return np.asarray(out, dtype=np.float64)


def opportunities_for_firm(
    index: FirmIndex,
    firm_id: str,
    opportunities: list[Any],
    today: date | None = None,
    reference: ref.Reference | None = None,
) -> list[dict]:
    """Open opportunities ranked for one firm: eligible ones by score, then near-misses.

    Each item: opportunity id, kind, score, eligible, missing, `reasons` (typed Reasons),
    `gaps` (typed Gaps or None) and `unverified_preferred`. One firm against a handful of
    opportunities is the per-firm path's job: scoring every firm for each would cost more.
    """
    firm = index.firm(firm_id)
    out = []
    for raw in opportunities:
        opp = raw if isinstance(raw, Opportunity) else parse_opportunity(raw)
        ctx = fx.Context.build(opp, today or date.today(), index.text, reference)
        a = fx.assess(firm, ctx, text_index=index.text)
        if not a.relevant:
            continue
        out.append({
            "opportunity": opp.id,
            "kind": opp.kind,
            "score": fx.final_score(a),
            "eligible": not a.missing,
            "missing": a.missing,
            "reasons": ex.reasons(firm, a, ctx, text_index=index.text),
            "gaps": ex.gaps_of(firm, a, ctx) if a.missing else None,
            "unverified_preferred": fx.unverified_preferences(firm, a, ctx),
        })
    out.sort(key=lambda x: (not x["eligible"], -x["score"], str(x["opportunity"])))
    return out
