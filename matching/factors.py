"""Factor definitions, hard requirements and reasons for ONE firm (the reference path).

The vectorised ranking in rank.py computes exactly these values for all firms at once; the
per-firm functions here define them, build the officer-facing reasons for ranked firms and
the details of ineligible firms, and serve as the per-firm baseline of the benchmark.
Shared formulas (``combine_*``) are written once and work on floats and numpy arrays alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np

from matching import reference as ref
from matching.records import SIZES, Cert, Firm, Opportunity, Product
from matching.text import fold, fold_many
from matching.weights import (
    MIN_PRODUCT_FIT,
    SUPPORT_KINDS,
    TIE_HEADROOM_DAYS,
    TIE_WEIGHTS,
    weights_for,
)

TEXT_FLOOR = 0.1  # cosine below which text similarity is noise (shared syllables)
TEXT_SATURATION = 0.45  # cosine at which text similarity counts as a full product match
FIT_PRODUCT = 0.6  # HS fit from which a product "fits" the opportunity (same heading or closer)
SIZE_SCORE = {"micro": 0.25, "small": 0.5, "medium": 0.8, "large": 1.0}
UNKNOWN_SIZE_SCORE = 0.3
CROSS_BORDER = frozenset({"amazon", "alibaba", "tiktok_shop", "ebay", "etsy", "walmart", "tmall"})
EU_MARKS = frozenset({"EU", "EM", "EUIPO"})
_PERISHABLE_HS = (
    "02",
    "0301",
    "0302",
    "0303",
    "0304",
    "0306",
    "0307",
    "0308",
    "0401",
    "0603",
    "0701",
    "0702",
    "0703",
    "0704",
    "0705",
    "0706",
    "0707",
    "0708",
    "0709",
    "0710",
    "0803",
    "0804",
    "0805",
    "0806",
    "0807",
    "0808",
    "0809",
    "0810",
    "0811",
)
_STABLE_HS = (
    "0305",
    "0410",
    "0712",
    "0713",
    "0801",
    "0802",
    "0813",
    "09",
    "1006",
    "16",
    "17",
    "18",
    "19",
    "20",
    "21",
    "22",
    "40",
    "44",
    "46",
    "61",
    "62",
    "64",
    "94",
)
_PERISHABLE_WORDS = ("tuoi", "dong lanh", "uop lanh", "fresh", "frozen", "chilled", "song ")
_STABLE_WORDS = (
    "kho",
    "say",
    "dong hop",
    "canned",
    "dried",
    "roasted",
    "rang",
    "hoa tan",
    "instant",
    "dehydrated",
    "preserved",
    "bot ",
    "powder",
)


# ---- shared formulas (floats or numpy arrays) ----------------------------------------------
def combine_product(
    hs: object, cos: object, has_hs: bool, has_text: bool, coded_elsewhere: object = False
) -> object:
    """Product fit: probabilistic OR of HS fit and text fit; 0.5 when nothing to match.

    Text fit rises from cosine TEXT_FLOOR to TEXT_SATURATION. When the firm's products carry
    HS codes that do not fit the opportunity, text counts half: codes beat word overlap.
    """
    if not has_hs and not has_text:
        return np.zeros_like(hs) + 0.5 if isinstance(hs, np.ndarray) else 0.5
    text = 0.0
    if has_text:
        text = np.clip((np.asarray(cos) - TEXT_FLOOR) / (TEXT_SATURATION - TEXT_FLOOR), 0, 1)
        # x 0.5 where coded elsewhere, else x 1 (exact; faster than np.where on a random mask)
        text = text * (1.0 - 0.5 * np.asarray(coded_elsewhere))
    hs = hs if has_hs else 0.0
    return 1.0 - (1.0 - hs) * (1.0 - text)


def combine_market(target: object, current: object, group: object, exports: object) -> object:
    """Market fit: targets 1.0, already sells there 0.8, same regional group 0.5, exports 0.2."""
    # pairwise maxima: the same values as np.maximum.reduce over the four, without stacking
    out = np.maximum(np.asarray(target) * 1.0, np.asarray(current) * 0.8)
    out = np.maximum(out, np.asarray(group) * 0.5)
    return np.maximum(out, np.asarray(exports) * 0.2)


def combine_readiness(exp: object, lang: object, held: object, needed: object) -> object:
    """Readiness: experience 0.4, language 0.25, preferred certificates held 0.35."""
    needed = np.asarray(needed, dtype=np.float64)
    common = 0.4 * np.asarray(exp) + 0.25 * np.asarray(lang)
    with_pref = common + 0.35 * np.divide(held, np.maximum(needed, 1.0))
    if needed.ndim and needed.min(initial=1.0) > 0:  # every firm has preferences to count
        return with_pref
    return np.where(needed > 0, with_pref, common / 0.65)


def experience_value(years: object, has_current: object) -> object:
    """Export experience: years / 5 capped at 1; at least 0.4 if it already exports somewhere."""
    y = np.nan_to_num(np.asarray(years, dtype=np.float64), nan=0.0)
    return np.maximum(np.minimum(y / 5.0, 1.0), 0.4 * np.asarray(has_current, dtype=np.float64))


def capacity_value(size_score: object, cap: object, min_cap: float | None) -> object:
    """Capacity: half size class, half annual capacity of matching products (when known)."""
    cap = np.asarray(cap, dtype=np.float64)
    known = ~np.isnan(cap)
    c = np.nan_to_num(cap, nan=0.0)
    if min_cap:
        ratio = np.maximum(c, 1e-9) / min_cap
        cap_score = np.clip(0.6 + 0.2 * np.log2(ratio), 0.0, 1.0)
    else:
        cap_score = np.minimum(np.log10(1.0 + c) / 2.0, 1.0)
    return np.where(known, 0.5 * np.asarray(size_score) + 0.5 * cap_score, size_score)


def combine_ecommerce(store: object, english: object, mark: object, shelf: object) -> object:
    """E-commerce readiness: stores 0.35, English 0.2, trademark 0.25, shelf-stable 0.2."""
    return (
        0.35 * np.asarray(store)
        + 0.2 * np.asarray(english)
        + 0.25 * np.asarray(mark)
        + 0.2 * np.asarray(shelf)
    )


def revenue_value(revenue: object) -> object:
    """Export revenue: log scale, USD 1 million or more = 1."""
    r = np.nan_to_num(np.asarray(revenue, dtype=np.float64), nan=0.0)
    return np.minimum(np.log10(1.0 + r) / 6.0, 1.0)


def combine_partner(mark: object, presence: object, ocop: object, revenue: object) -> object:
    """Distribution-partner fit: trademark 0.3, presence 0.25, OCOP 0.2, export revenue 0.25."""
    return (
        0.3 * np.asarray(mark)
        + 0.25 * np.asarray(presence)
        + 0.2 * np.asarray(ocop)
        + 0.25 * np.asarray(revenue)
    )


def store_value(platform: str, market: str, status: str, opp_platform: str) -> float:
    """Value of one e-commerce store for a cohort."""
    if opp_platform and platform == opp_platform:
        base = 1.0
    elif platform in CROSS_BORDER or (market and market != "VN"):
        base = 0.7
    else:
        base = 0.4
    return base if status in ("", "active") else base * 0.5


def decay_factor(weight_sum: object, params: dict[str, float] | None) -> object:
    """Exposure-decay multiplier from the summed recency weights of past support."""
    if not params:
        return np.ones_like(np.asarray(weight_sum, dtype=np.float64))
    return 1.0 - np.minimum(params["cap"], params["per_event"] * np.asarray(weight_sum))


def combine_ties(coverage: object, certificates: object, support_count: object) -> dict:
    """Tie-break parts, each in [0, 1] (see weights.TIE_WEIGHTS); floats or numpy arrays."""
    return {
        "coverage": np.asarray(coverage, dtype=np.float64),
        "certificates": np.asarray(certificates, dtype=np.float64),
        "support": 1.0 / (1.0 + np.asarray(support_count, dtype=np.float64)),
    }


def tie_total(ties: dict) -> object:
    """Weighted sum of the tie-break parts: the small term added to the score."""
    total = 0.0
    for name, w in TIE_WEIGHTS.items():
        part = w * ties[name]
        if isinstance(total, np.ndarray):
            total += part  # in place: the same sums, without one more array per part
        else:
            total = total + part
    return total


def scored(base: object, decay: object, tie: object) -> object:
    """The reported score: base x decay plus the tie-break term, at most 1, 4 decimals."""
    x = np.asarray(base) * decay + tie
    if isinstance(x, np.ndarray) and x.ndim:  # in place: no temporaries over every firm
        return np.round(np.minimum(x, 1.0, out=x), 4, out=x)
    return np.round(np.minimum(x, 1.0), 4)


def hs_fit(code: str, prefixes: list[str]) -> float:
    """HS fit of one product code: inside a prefix 1.0; coarser code 0.7; same heading 0.6;
    same chapter 0.3."""
    if not code:
        return 0.0
    best = 0.0
    for p in prefixes:
        if code.startswith(p):
            return 1.0
        if p.startswith(code):
            best = max(best, 0.7)
        elif len(p) == 6 and len(code) >= 4 and code[:4] == p[:4]:
            best = max(best, 0.6)
        elif code[:2] == p[:2]:
            best = max(best, 0.3)
    return best


def size_class(size: str, employees: float | None) -> str:
    """Size class, from `size` or else from the number of employees (Decree 80 bands)."""
    if size in SIZES:
        return size
    if employees is None:
        return ""
    if employees < 10:
        return "micro"
    if employees < 100:
        return "small"
    if employees < 200:
        return "medium"
    return "large"


def shelf_stable(product: Product) -> float:
    """1 shelf-stable, 0 fresh/frozen, 0.5 unknown: words first, then the HS code."""
    return _shelf_folded(fold(f"{product.name} {product.description}"), product.hs_code)


def _shelf_folded(folded: str, hs_code: str) -> float:
    text = " " + folded + " "
    if any(w in text for w in _PERISHABLE_WORDS):
        return 0.0
    if any(f" {w}" in text for w in _STABLE_WORDS):
        return 1.0
    if hs_code.startswith(_PERISHABLE_HS):
        return 0.0
    if hs_code.startswith(_STABLE_HS):
        return 1.0
    return 0.5


def shelf_stable_many(texts: list[str], hs_codes: list[str]) -> list[float]:
    """shelf_stable() of many products given as "name description" texts and HS codes."""
    cache: dict[tuple[str, str], float] = {}
    out = []
    for folded, hs in zip(fold_many(texts), hs_codes, strict=True):
        key = (folded, hs)
        v = cache.get(key)
        if v is None:
            v = cache[key] = _shelf_folded(folded, hs)
        out.append(v)
    return out


def cert_valid(cert: Cert, day: date) -> bool:
    """Whether a certificate is valid on `day` (missing bounds are open)."""
    return (cert.valid_from is None or cert.valid_from <= day) and (
        cert.valid_until is None or cert.valid_until >= day
    )


def mark_codes(markets: list[str], reference: ref.Reference | None = None) -> set[str]:
    """Trademark codes that cover any of `markets` (the country, its groups, an EU mark);
    groups from `reference` (default: the packaged files)."""
    codes = set(markets)
    groups = (reference or ref.default()).market_groups
    for g, members in groups.items():
        if members & set(markets):
            codes.add(g)
            if g == "EU27":
                codes |= EU_MARKS
    return codes


# ---- the opportunity, prepared once ---------------------------------------------------------
@dataclass
class Context:
    """An opportunity prepared for scoring: dates, markets, requirement rows, weights."""

    opp: Opportunity
    today: date
    day: date
    weights: dict[str, float]
    markets: list[str]
    groups: frozenset[str]
    languages: frozenset[str]
    marks: frozenset[str]
    mandatory: list[ref.Requirement]
    preferences: list[ref.Requirement]
    reminders: list[ref.Requirement]
    support_kinds: tuple[str, ...]
    has_hs: bool
    has_text: bool
    gate: bool
    query: np.ndarray | None = field(default=None, repr=False)
    _kw: dict = field(default_factory=dict, repr=False)
    reference: ref.Reference = field(default_factory=ref.default, repr=False)

    def keyword_vector(self, keyword: str, text_index: object) -> np.ndarray | None:
        """TF-IDF vector of one keyword, computed once per opportunity."""
        if keyword not in self._kw:
            q = text_index.query_vector([(keyword, 1.0)])
            s_w = text_index.word_matrix() @ q if q is not None else None
            self._kw[keyword] = (q, s_w)
        return self._kw[keyword][0]

    def keyword_scores(self, keyword: str, text_index: object) -> np.ndarray | None:
        """Per-word scores of one keyword (W @ q), computed once per opportunity."""
        self.keyword_vector(keyword, text_index)
        return self._kw[keyword][1]

    @classmethod
    def build(
        cls,
        opp: Opportunity,
        today: date,
        text_index: object = None,
        reference: ref.Reference | None = None,
    ) -> Context:
        """Prepare `opp` for scoring on `today` (certificates count on starts_on or today).

        `reference`: requirement rules, HS titles and market groups (default: the packaged
        files); only the rules in force on the opportunity's day apply.
        """
        reference = reference or ref.default()
        day = opp.starts_on or today
        markets = reference.expand_markets(opp.markets)
        groups = (
            frozenset().union(*(reference.regional_groups_of(m) for m in markets))
            if markets
            else frozenset()
        )
        langs = (
            frozenset(lang for m in markets for lang in ref.MARKET_LANGUAGES.get(m, ()))
            if markets
            else frozenset({"en"})
        )
        rows = reference.requirements_for_markets(markets, day)
        parts = [(k, 1.0) for k in opp.keywords]
        for p in opp.hs_prefixes:
            en, vi = reference.hs_titles.get(p, ("", ""))
            parts += [(en, 0.4), (vi, 0.6)]
        parts += [(opp.title, 0.5), (opp.description, 0.5)]
        query = text_index.query_vector(parts) if text_index is not None else None
        return cls(
            opp=opp,
            today=today,
            day=day,
            weights=weights_for(opp.kind, opp.weights),
            markets=markets,
            groups=groups,
            languages=langs,
            marks=frozenset(mark_codes(markets, reference)) if markets else frozenset(),
            mandatory=[r for r in rows if r.mandatory == "yes"],
            preferences=[r for r in rows if r.mandatory == "no"],
            reminders=[r for r in rows if r.mandatory == "per_shipment"],
            support_kinds=SUPPORT_KINDS[opp.kind],
            has_hs=bool(opp.hs_prefixes),
            has_text=query is not None,
            gate=bool(opp.hs_prefixes or opp.keywords),
            query=query,
            reference=reference,
        )


# ---- one firm -------------------------------------------------------------------------------
@dataclass
class Assessment:
    """Everything computed for one firm: factor values, hard-requirement gaps, adjustments."""

    values: dict[str, float]
    base: float
    decay: float
    missing: list[str]
    relevant: bool
    hs: float
    cos: float
    fitting: list[Product]
    capacity: float | None
    size: str
    ties: dict[str, float] = field(default_factory=dict)  # tie-break parts, each in [0, 1]
    tie: float = 0.0  # their weighted sum, added to the score


def fitting_products(firm: Firm, ctx: Context) -> list[Product]:
    """Products with an HS code that fit the opportunity (all coded ones if it names none)."""
    if not ctx.has_hs:
        return [p for p in firm.products if p.hs_code]
    return [p for p in firm.products if hs_fit(p.hs_code, ctx.opp.hs_prefixes) >= FIT_PRODUCT]


def firm_capacity(firm: Firm, fitting: list[Product]) -> float | None:
    """Annual capacity (t) of the fitting products, or of all products when none fits; None
    if no capacity is known among them (the coffee of a coffee mission with unknown capacity
    is unknown, not the capacity of the firm's other products)."""
    caps = [p.annual_capacity_tonnes for p in fitting or firm.products
            if p.annual_capacity_tonnes is not None]
    return float(sum(caps)) if caps else None


def held(firm: Firm, code: str, day: date, verified: bool = False) -> bool:
    """Whether the firm holds `code` valid on `day` (only checked certificates if `verified`)."""
    return any(
        c.code == code and cert_valid(c, day) and (c.verified or not verified)
        for c in firm.certifications
    )


def needed_codes(firm: Firm, ctx: Context, fitting: list[Product]) -> list[str]:
    """Certification codes the firm must hold: required ones plus mandatory market rows."""
    codes = list(ctx.opp.required_certifications)
    for row in ctx.mandatory:
        if row.requirement not in codes and any(
            p.hs_code.startswith(row.hs_prefix) for p in fitting
        ):
            codes.append(row.requirement)
    return codes


def assess(
    firm: Firm, ctx: Context, cos: float | None = None, text_index: object = None
) -> Assessment:
    """All factor values and hard-requirement gaps of one firm (plain Python)."""
    opp = ctx.opp
    if cos is None:
        cos = (
            text_index.cosine_text(firm.text(), ctx.query)
            if (text_index is not None and ctx.query is not None)
            else 0.0
        )
    hs = (
        max((hs_fit(p.hs_code, opp.hs_prefixes) for p in firm.products), default=0.0)
        if ctx.has_hs
        else 0.0
    )
    fitting = fitting_products(firm, ctx)
    coded_elsewhere = ctx.has_hs and not fitting and any(p.hs_code for p in firm.products)
    product = float(combine_product(hs, cos, ctx.has_hs, ctx.has_text, coded_elsewhere))
    scope = fitting or firm.products
    mk = set(ctx.markets)
    firm_markets = set(firm.target_markets) | set(firm.current_markets)
    groups_of = ctx.reference.regional_groups_of
    group = any(groups_of(m) & ctx.groups for m in firm_markets)
    if ctx.markets:
        market = float(
            combine_market(
                bool(mk & set(firm.target_markets)),
                bool(mk & set(firm.current_markets)),
                group,
                bool(firm.current_markets),
            )
        )
    else:
        market = 0.5
    exp = float(
        experience_value(
            np.nan if firm.export_experience_years is None else firm.export_experience_years,
            bool(firm.current_markets),
        )
    )
    langs = set(firm.languages)
    lang = 1.0 if langs & ctx.languages else (0.6 if "en" in langs else 0.0)
    prefs = list(opp.preferred_certifications)
    for row in ctx.preferences:
        if row.requirement not in prefs and any(
            p.hs_code.startswith(row.hs_prefix) for p in fitting
        ):
            prefs.append(row.requirement)
    n_held = sum(held(firm, c, ctx.day) for c in prefs)
    readiness = float(combine_readiness(exp, lang, n_held, len(prefs)))
    later = date.fromordinal(ctx.day.toordinal() + TIE_HEADROOM_DAYS)
    lasting = sum(
        any(c.code == code and cert_valid(c, ctx.day) and cert_valid(c, later)
            for c in firm.certifications)
        for code in prefs
    )
    covered = sum(
        any(hs_fit(p.hs_code, [q]) >= FIT_PRODUCT for p in firm.products)
        for q in opp.hs_prefixes
    )
    ties = {
        k: float(v)
        for k, v in combine_ties(
            covered / len(opp.hs_prefixes) if opp.hs_prefixes else 0.0,
            lasting / len(prefs) if prefs else 0.0,
            # past support counts only where the opportunity spreads support (exposure decay on)
            sum(s.kind in ctx.support_kinds for s in firm.support_history)
            if opp.exposure_decay
            else 0,
        ).items()
    }
    size = size_class(firm.size, firm.employees)
    cap = firm_capacity(firm, fitting)
    capacity = float(
        capacity_value(
            SIZE_SCORE.get(size, UNKNOWN_SIZE_SCORE),
            np.nan if cap is None else cap,
            opp.min_annual_capacity_tonnes,
        )
    )
    store = max(
        (store_value(s.platform, s.market, s.status, opp.platform) for s in firm.ecommerce),
        default=0.0,
    )
    english = 1.0 if "en" in langs else 0.0
    if ctx.markets:
        mark = 1.0 if set(firm.trademarks) & ctx.marks else (0.3 if firm.trademarks else 0.0)
    else:
        mark = 1.0 if firm.trademarks else 0.0
    shelf = sum(shelf_stable(p) for p in scope) / len(scope) if scope else 0.5
    ecommerce = float(combine_ecommerce(store, english, mark, shelf))
    presence = (
        1.0
        if mk & set(firm.current_markets)
        else (
            0.5
            if any(groups_of(m) & ctx.groups for m in firm.current_markets)
            else 0.0
        )
    )
    ocop = max((p.ocop_stars or 0 for p in scope), default=0) / 5.0
    revenue = float(
        revenue_value(np.nan if firm.export_revenue_usd is None else firm.export_revenue_usd)
    )
    partner = float(combine_partner(mark, presence, ocop, revenue))
    values = {
        "product": product,
        "market": market,
        "readiness": readiness,
        "capacity": capacity,
        "ecommerce": ecommerce,
        "partner": partner,
    }
    base = sum(w * values[f] for f, w in ctx.weights.items())
    wsum = 0.0
    params = opp.exposure_decay
    if params:
        for s in firm.support_history:
            if s.kind in ctx.support_kinds and s.date is not None:
                age = (ctx.today - s.date).days
                if 0 <= age <= params["window_days"]:
                    wsum += 0.5 ** (age / params["half_life_days"])
    decay = float(decay_factor(wsum, params))
    # A hard requirement is met only by checked data: a self-declared certificate waits for an
    # officer (it still counts as a preference above).
    missing = [
        c for c in needed_codes(firm, ctx, fitting) if not held(firm, c, ctx.day, verified=True)
    ]
    if opp.min_size and size and SIZES.index(size) < SIZES.index(opp.min_size):
        missing.append("MIN_SIZE")
    if opp.min_annual_capacity_tonnes and cap is not None and cap < opp.min_annual_capacity_tonnes:
        missing.append("MIN_CAPACITY")
    relevant = product >= MIN_PRODUCT_FIT if ctx.gate else True
    tie = float(tie_total(ties))
    return Assessment(
        values, base, decay, missing, relevant, hs, cos, fitting, cap, size, ties, tie
    )


def final_score(a: Assessment) -> float:
    """Score reported for a firm before diversity re-ranking, rounded to 4 decimals."""
    return float(scored(a.base, a.decay, a.tie))


EXPIRED, EXPIRES_BEFORE, NOT_YET, NONE, UNVERIFIED = 0, 1, 2, 3, 4


def cert_status(firm: Firm, code: str, ctx: Context) -> tuple[int, date | None]:
    """Why certificate `code` does not count on the start date, and the date to show.

    UNVERIFIED (with the latest declaration date) when a self-declared certificate would
    count once an officer checks it: that is what the officer can act on.
    """
    certs = [c for c in firm.certifications if c.code == code]
    if not certs:
        return NONE, None
    declared = [c for c in certs if not c.verified and cert_valid(c, ctx.day)]
    if declared:
        return UNVERIFIED, max((c.declared_on for c in declared if c.declared_on), default=None)
    ended = [c.valid_until for c in certs if c.valid_until is not None and c.valid_until < ctx.day]
    if ended:
        last = max(ended)
        if last >= ctx.today and ctx.opp.starts_on is not None:
            return EXPIRES_BEFORE, last
        return EXPIRED, last
    return NOT_YET, min(
        c.valid_from for c in certs if c.valid_from is not None and c.valid_from > ctx.day
    )


def requirement_source(code: str, a: Assessment, ctx: Context) -> ref.Requirement | None:
    """The first mandatory market row that makes the firm need `code` (None if required)."""
    if code in ctx.opp.required_certifications:
        return None
    for row in ctx.mandatory:
        if row.requirement == code and any(p.hs_code.startswith(row.hs_prefix) for p in a.fitting):
            return row
    return None


def preferences_held(firm: Firm, a: Assessment, ctx: Context) -> list[str]:
    """Preferred certifications (the opportunity's and the market's) the firm holds."""
    prefs = [c for c in ctx.opp.preferred_certifications if held(firm, c, ctx.day)]
    for row in ctx.preferences:
        if (
            row.requirement not in prefs
            and held(firm, row.requirement, ctx.day)
            and any(p.hs_code.startswith(row.hs_prefix) for p in a.fitting)
        ):
            prefs.append(row.requirement)
    return prefs


def unverified_preferences(firm: Firm, a: Assessment, ctx: Context) -> list[str]:
    """Preferred certifications the firm holds only through self-declared, unchecked data.

    A code that is also a hard requirement for the firm is left out: it is reported as
    awaiting verification among the gaps.
    """
    needed = set(needed_codes(firm, ctx, a.fitting))
    return [
        c
        for c in preferences_held(firm, a, ctx)
        if c not in needed and not held(firm, c, ctx.day, verified=True)
    ]


def is_finite(x: float | None) -> bool:
    """True for a real number."""
    return x is not None and math.isfinite(x)
