"""Why a firm ranks where it does, as codes with parameters (words: matching.wording).

The statements are facts read from the firm's record and the factor values already computed
(by the vectorised ranking, or by the per-firm oracle in tests): nothing here scores again.
A reason names exactly what matched: the product and the HS code, or the product and the
keyword found in it word for word; a match on text similarity alone is said as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matching import factors as fx
from matching import reference as ref
from matching.factors import EXPIRED, EXPIRES_BEFORE, NOT_YET, UNVERIFIED, Assessment, Context
from matching.records import Firm
from matching.text import fold
from matching.wording import Part, Words


@dataclass
class Reason:
    """One factor's part of the score and the statements behind it."""

    factor: str
    weight: float
    parts: list[Part]
    value: float | None = None
    contribution: float | None = None
    unverified_preferred: list[str] = field(default_factory=list)

    def to_dict(self, en: Words, vi: Words, explain: bool = False) -> dict[str, Any]:
        """The contract's reason (factor, weight, detail) with Vietnamese and the codes."""
        item: dict[str, Any] = {
            "factor": self.factor,
            "weight": round(self.weight, 4),
            "detail": en.parts(self.parts),
            "detail_vi": vi.parts(self.parts),
            "parts": [p.to_dict() for p in self.parts],
        }
        if self.unverified_preferred:
            item["unverified_preferred"] = list(self.unverified_preferred)
        if explain:
            if self.value is not None:
                item["value"] = round(self.value, 4)
            if self.contribution is not None:
                item["contribution"] = round(self.contribution, 4)
        return item


@dataclass
class Gaps:
    """What firms lacking the same things in the same way lack, shared between them."""

    missing: list[str]
    parts: list[Part]
    hint: list[Part]
    pending: list[dict[str, Any]]  # {"code", "declared_on"}: waits for an officer
    near_miss_if_relevant: bool

    def words(self, en: Words, vi: Words) -> dict[str, str]:
        """detail / detail_vi / hint / hint_vi."""
        return {"detail": en.parts(self.parts), "detail_vi": vi.parts(self.parts),
                "hint": en.hint(self.hint), "hint_vi": vi.hint(self.hint)}


# ---- product --------------------------------------------------------------------------------
def _has_phrase(text: str, phrase: str) -> bool:
    return bool(phrase) and re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def product_parts(firm: Firm, a: Assessment, ctx: Context, text_index: Any = None,
                  row: int | None = None) -> list[Part]:
    """The product statements: the HS code that fits, the keyword found, or text likeness."""
    opp = ctx.opp
    parts: list[Part] = []
    if ctx.has_hs and a.hs > 0:
        coded = [p for p in firm.products if p.hs_code]
        best = max(coded, key=lambda p: fx.hs_fit(p.hs_code, opp.hs_prefixes))
        prefix = next((q for q in opp.hs_prefixes
                       if best.hs_code.startswith(q) or q.startswith(best.hs_code)), None)
        prefix = prefix or max(opp.hs_prefixes, key=lambda q: len(_common(q, best.hs_code)))
        close = fx.hs_fit(best.hs_code, [prefix]) < 0.7
        parts.append(Part("product.hs_close" if close else "product.hs",
                          {"hs": best.hs_code, "product": best.name, "heading": prefix}))
    if ctx.has_text and a.cos >= fx.TEXT_FLOOR:
        found = _keyword_found(firm, opp.keywords)
        if found is not None:
            parts.append(found)
        elif not parts:
            kw = _closest_keyword(firm, ctx, text_index, row)
            parts.append(Part("product.text_close", {"keyword": kw}) if kw
                         else Part("product.text_request"))
    if not parts:
        return [Part("product.any" if not ctx.gate and not ctx.has_text else "product.weak")]
    return parts


def _keyword_found(firm: Firm, keywords: list[str]) -> Part | None:
    """The first keyword found word for word in a product's name, else its description,
    else the firm's name."""
    folded = [(k, fold(k).strip()) for k in keywords]
    for p in firm.products:
        name = fold(p.name)
        for k, fk in folded:
            if _has_phrase(name, fk):
                return Part("product.keyword_name", {"product": p.name, "keyword": k})
    for p in firm.products:
        desc = fold(p.description)
        for k, fk in folded:
            if _has_phrase(desc, fk):
                return Part("product.keyword_description", {"product": p.name, "keyword": k})
    firm_name = fold(f"{firm.name} {firm.name_en}")
    for k, fk in folded:
        if _has_phrase(firm_name, fk):
            return Part("product.keyword_firm", {"keyword": k})
    return None


def _closest_keyword(firm: Firm, ctx: Context, text_index: Any, row: int | None) -> str | None:
    """The keyword whose text likeness to the firm is highest, if it reaches the floor."""
    if text_index is None or not ctx.opp.keywords:
        return None
    best, best_kw = 0.0, None
    for k in ctx.opp.keywords:
        s_w = ctx.keyword_scores(k, text_index)
        if s_w is None:
            continue
        cos = (text_index.row_cosine(row, None, s_w) if row is not None
               else text_index.cosine_text(firm.text(), ctx.keyword_vector(k, text_index)))
        if cos > best:
            best, best_kw = cos, k
    return best_kw if best >= fx.TEXT_FLOOR else None


def _common(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


# ---- the other factors ------------------------------------------------------------------------
def market_parts(firm: Firm, ctx: Context) -> list[Part]:
    """Where the firm sells or wants to sell, against the opportunity's markets."""
    mk = set(ctx.markets)
    targets = sorted(mk & set(firm.target_markets))
    current = sorted(mk & set(firm.current_markets))
    if current and targets:
        return [Part("market.sells_targets", {"current": current, "targets": targets})]
    if targets:
        return [Part("market.targets", {"targets": targets})]
    if current:
        return [Part("market.sells", {"current": current})]
    groups_of = ctx.reference.regional_groups_of  # the reference the ranking was made with
    near = sorted(m for m in set(firm.target_markets) | set(firm.current_markets)
                  if groups_of(m) & ctx.groups)
    if near:
        groups = sorted(ctx.groups & frozenset().union(*(groups_of(m) for m in near)))
        return [Part("market.group", {"countries": near, "groups": groups})]
    if firm.current_markets:
        return [Part("market.elsewhere", {"countries": list(firm.current_markets[:4])})]
    if not ctx.markets:
        return [Part("market.any")]
    return [Part("market.none")]


def readiness_parts(firm: Firm, ctx: Context, a: Assessment) -> list[Part]:
    """Experience, languages and preferred certificates held."""
    parts: list[Part] = []
    if firm.export_experience_years:
        parts.append(Part("readiness.years", {"years": firm.export_experience_years}))
    langs = [lg for lg in firm.languages if lg in ctx.languages or lg == "en"]
    if langs:
        parts.append(Part("readiness.languages", {"languages": langs}))
    prefs = fx.preferences_held(firm, a, ctx)
    checked = [c for c in prefs if fx.held(firm, c, ctx.day, verified=True)]
    unchecked = [c for c in prefs if c not in checked]
    if checked:
        parts.append(Part("readiness.holds", {"certs": checked}))
    if unchecked:
        parts.append(Part("readiness.holds_unverified", {"certs": unchecked}))
    return parts or [Part("readiness.little")]


def capacity_parts(a: Assessment) -> list[Part]:
    """Size class and annual capacity of the products in scope."""
    parts = [Part("capacity.size", {"size": a.size}) if a.size else Part("capacity.size_unknown")]
    if a.capacity is not None:
        parts.append(Part("capacity.tonnes", {"tonnes": a.capacity}))
    return parts


def _marks(firm: Firm, ctx: Context) -> list[str]:
    return sorted(set(firm.trademarks) & ctx.marks)


def ecommerce_parts(firm: Firm, ctx: Context, a: Assessment) -> list[Part]:
    """Stores, English, trademarks and how well the products travel."""
    parts: list[Part] = []
    if firm.ecommerce:
        parts.append(Part("ecommerce.stores",
                          {"platforms": sorted({s.platform for s in firm.ecommerce})}))
    if "en" in firm.languages:
        parts.append(Part("ecommerce.english"))
    marks = _marks(firm, ctx)
    if marks:
        parts.append(Part("trademark", {"marks": marks}))
    scope = a.fitting or firm.products
    if scope and all(fx.shelf_stable(p) == 1.0 for p in scope):
        parts.append(Part("ecommerce.shelf_stable"))
    elif any(fx.shelf_stable(p) == 0.0 for p in scope):
        parts.append(Part("ecommerce.fresh"))
    return parts or [Part("ecommerce.none")]


def partner_parts(firm: Firm, ctx: Context, a: Assessment) -> list[Part]:
    """What a distributor looks at: brand, OCOP stars, export revenue."""
    parts: list[Part] = []
    marks = _marks(firm, ctx)
    if marks:
        parts.append(Part("trademark", {"marks": marks}))
    stars = max((p.ocop_stars or 0 for p in (a.fitting or firm.products)), default=0)
    if stars:
        parts.append(Part("partner.ocop", {"stars": stars}))
    if firm.export_revenue_usd:
        parts.append(Part("partner.revenue", {"usd": firm.export_revenue_usd}))
    return parts or [Part("partner.none")]


def reasons(firm: Firm, a: Assessment, ctx: Context, explain: bool = False,
            penalty: float = 0.0, text_index: Any = None, row: int | None = None) -> list[Reason]:
    """Reasons for a ranked firm: factors by contribution, then adjustments and reminders."""
    makers = {
        "product": lambda: product_parts(firm, a, ctx, text_index, row),
        "market": lambda: market_parts(firm, ctx),
        "readiness": lambda: readiness_parts(firm, ctx, a),
        "capacity": lambda: capacity_parts(a),
        "ecommerce": lambda: ecommerce_parts(firm, ctx, a),
        "partner": lambda: partner_parts(firm, ctx, a),
    }
    order = sorted(ctx.weights, key=lambda f: (-ctx.weights[f] * a.values[f], f))
    out: list[Reason] = []
    for f in order:
        w, v = ctx.weights[f], a.values[f]
        if not explain and v <= 0:
            continue
        reason = Reason(f, w, makers[f](), value=v, contribution=w * v)
        if f == "readiness":
            reason.unverified_preferred = fx.unverified_preferences(firm, a, ctx)
        out.append(reason)
    if a.decay < 1.0:
        last = max((s.date for s in firm.support_history
                    if s.kind in ctx.support_kinds and s.date), default=None)
        out.append(Reason("exposure", 0.0, [Part("exposure.decay", {
            "kind": ctx.opp.kind, "last_date": last.isoformat() if last else None,
            "pct": round((1 - a.decay) * 100)})],
            contribution=float(a.base * a.decay - a.base)))
    if penalty > 0:
        out.append(Reason("diversity", 0.0, [Part("diversity.penalty", {"points": penalty})],
                          contribution=-penalty))
    ties = tie_parts(a, ctx)
    if ties:
        out.append(Reason("ties", 0.0, ties, contribution=a.tie))
    reminder = reminders(firm, a, ctx)
    if reminder:
        out.append(Reason("reminder", 0.0, reminder))
    return out


def tie_parts(a: Assessment, ctx: Context) -> list[Part]:
    """What sets the firm apart from firms of nearly the same score (weights.TIE_WEIGHTS)."""
    parts: list[Part] = []
    total = len(ctx.opp.hs_prefixes)
    coverage = a.ties.get("coverage", 0.0)
    if total > 1 and coverage > 0:
        parts.append(Part("tie.coverage", {"n": round(coverage * total), "total": total}))
    certificates = a.ties.get("certificates", 0.0)
    if certificates > 0:
        parts.append(Part("tie.certificates", {"pct": round(certificates * 100)}))
    if ctx.opp.exposure_decay and "support" in a.ties:
        n = round(1.0 / max(a.ties["support"], 1e-9) - 1.0)
        parts.append(Part("tie.support", {"n": n}) if n else Part("tie.support_none"))
    return parts


def reminders(firm: Firm, a: Assessment, ctx: Context) -> list[Part]:
    """Per-shipment documents, HS codes or size that an officer should still check."""
    out: list[Part] = []
    seen: set[str] = set()
    for row in ctx.reminders:
        if row.requirement in seen:
            continue
        if any(p.hs_code.startswith(row.hs_prefix) for p in a.fitting):
            seen.add(row.requirement)
            out.append(Part("reminder.per_shipment",
                            {"cert": row.requirement, "market": row.market}))
    uncoded = [p for p in firm.products if not p.hs_code]
    if uncoded and ctx.mandatory and not a.fitting:
        codes = sorted({r.requirement for r in ctx.mandatory
                        if not ctx.has_hs or any(r.hs_prefix.startswith(q) or q.startswith(
                            r.hs_prefix) for q in ctx.opp.hs_prefixes)})
        if codes:
            out.append(Part("reminder.hs_unknown", {"product": uncoded[0].name, "certs": codes}))
    if ctx.opp.min_size and not a.size:
        out.append(Part("reminder.size_unknown", {"size": ctx.opp.min_size}))
    if ctx.opp.min_annual_capacity_tonnes and a.capacity is None:
        out.append(Part("reminder.capacity_unknown",
                        {"tonnes": ctx.opp.min_annual_capacity_tonnes}))
    return out


# ---- what an ineligible firm lacks ------------------------------------------------------------
def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def gap_part(code: str, status: int, when: date | None, ctx: Context) -> Part:
    """Why certificate `code` does not count on the opportunity's day."""
    d = _iso(when)
    if status == EXPIRED:
        return Part("gap.expired", {"cert": code, "date": d})
    if status == EXPIRES_BEFORE:
        return Part("gap.expires_before", {"cert": code, "date": d, "event": ctx.opp.kind,
                                           "start_date": _iso(ctx.opp.starts_on)})
    if status == NOT_YET:
        return Part("gap.not_yet", {"cert": code, "date": d, "day_date": _iso(ctx.day)})
    if status == UNVERIFIED:
        # The code, not the long name: officers know "FDA", "GACC" from the CRM's badges.
        if when is None:
            return Part("gap.unverified_undated", {"cert": code})
        return Part("gap.unverified", {"cert": code, "date": d})
    return Part("gap.none", {"cert": code})


def source_part(row: ref.Requirement | None) -> list[Part]:
    """The market requirement row behind a missing code (none if the opportunity asks it)."""
    if row is None:
        return []
    return [Part("gap.source", {"market": row.market, "prefix": row.hs_prefix})]


def size_gap(size: str, ctx: Context) -> Part:
    """Size below the minimum."""
    return Part("gap.min_size", {"size": size, "min_size": ctx.opp.min_size})


def capacity_gap(capacity: float, ctx: Context) -> Part:
    """Capacity below the minimum."""
    return Part("gap.min_capacity", {"tonnes": capacity,
                                     "min_tonnes": ctx.opp.min_annual_capacity_tonnes})


def hint_parts(missing: list[str], pending: list[str], ctx: Context) -> list[Part]:
    """What would make the firm eligible: an officer's check, certificates, size, capacity."""
    opp = ctx.opp
    parts: list[Part] = []
    if pending:
        parts.append(Part("hint.verify", {"certs": list(pending)}))
    certs = [c for c in missing if not c.startswith("MIN_") and c not in pending]
    if certs:
        parts.append(Part("hint.certs", {"certs": certs, "date": ctx.day.isoformat()}))
    if "MIN_SIZE" in missing:
        parts.append(Part("hint.size", {"size": opp.min_size}))
    if "MIN_CAPACITY" in missing:
        parts.append(Part("hint.capacity", {"tonnes": opp.min_annual_capacity_tonnes}))
    return parts


def gaps_of(firm: Firm, a: Assessment, ctx: Context) -> Gaps:
    """Gaps of one firm from the per-firm assessment (the oracle the arrays must agree with)."""
    parts: list[Part] = []
    pending: list[dict[str, Any]] = []
    for code in a.missing:
        if code == "MIN_SIZE":
            parts.append(size_gap(a.size, ctx))
            continue
        if code == "MIN_CAPACITY":
            parts.append(capacity_gap(a.capacity, ctx))
            continue
        status, when = fx.cert_status(firm, code, ctx)
        if status == UNVERIFIED:
            pending.append({"code": code, "declared_on": _iso(when)})
        parts.append(gap_part(code, status, when, ctx))
        parts += source_part(fx.requirement_source(code, a, ctx))
    hint = hint_parts(a.missing, [p["code"] for p in pending], ctx)
    return Gaps(list(a.missing), parts, hint, pending, len(a.missing) == 1)
