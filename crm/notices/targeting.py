"""Which firms a notice concerns, each with a tier and its reasons. Reads only.

Tiers, strongest first (a firm gets its strongest; reasons add up):
- exact: the notice names the firm: an FDA FEI or GACC registration number equal to the
  number of one of its certificates (Certification.number of scheme FDA, GACC, KR_MFDS or
  EU_APPROVED), or the firm's name in full;
- direct: one of its products shares a 4- or 6-digit HS code with the notice (either way:
  the firm's 030617 under the notice's 0306, or its 0306 above the notice's 030617);
- text: the notice's product words ("frozen shrimp", "sầu riêng") name a product heading the
  firm makes, where the notice gives no HS code or only chapters;
- broad: only the HS chapter (2 digits) is shared.
Every tier but exact also needs the market: the firm sells to or targets one of the notice's
markets (a group such as EU27 stands for its members), or holds the registration that market
asks for (FDA: US, GACC: CN, KR_MFDS: KR, EU_APPROVED: the EU). A notice without a market
applies everywhere. Precision before reach: broad matches are listed but not ticked.

Everything is a handful of indexed SQL queries (products by HS range, then the markets and
certificates of those firms), so one notice against 100,000 firms takes well under a second.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import and_, func, or_, select

from crm import clock
from crm.extensions import db
from crm.models import Certification, Firm, FirmMarket, MarketGroupMember, Product
from crm.notices.adapters import normal_identifier
from matching.text import fold

TIER_ORDER = {"exact": 0, "direct": 1, "text": 2, "broad": 3, "manual": 4}
KEPT_BY_DEFAULT = frozenset({"exact", "direct", "text", "manual"})
# A registration that only that market gives: holding it shows the firm sells there.
REGISTRATION_MARKETS = {"FDA": ("US",), "GACC": ("CN",), "KR_MFDS": ("KR",),
                        "EU_APPROVED": ("EU27",)}
MIN_NAME_LENGTH = 12  # shorter names ("ABC CO") would match inside other names


@dataclass
class Match:
    """A firm a notice concerns."""

    firm_id: int
    tier: str
    reasons: list[dict[str, Any]] = field(default_factory=list)

    def add(self, tier: str, code: str, **params: Any) -> None:
        """Add a reason; keep the stronger tier."""
        if TIER_ORDER[tier] < TIER_ORDER[self.tier]:
            self.tier = tier
        reason = {"code": code, "params": params}
        if reason not in self.reasons:
            self.reasons.append(reason)


@cache
def product_terms() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    """(words, HS prefixes) of crm/notices/data/product_terms.csv, longest first."""
    text = resources.files("crm.notices").joinpath("data/product_terms.csv").read_text("utf-8")
    rows = [(tuple(fold(r["term"]).split()), tuple(r["hs_prefixes"].split()))
            for r in csv.DictReader(text.splitlines())]
    return tuple(sorted(rows, key=lambda r: -len(r[0])))


def words_to_hs(text: str | None) -> list[tuple[str, str]]:
    """(term, HS prefix) pairs named by product words; a longer term wins over the words in it
    ("ca tra" is pangasius, not tea)."""
    tokens = re.findall(r"[\w']+", fold(text or ""))
    used = [False] * len(tokens)
    out: list[tuple[str, str]] = []
    for words, prefixes in product_terms():
        n = len(words)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i:i + n]) == words and not any(used[i:i + n]):
                used[i:i + n] = [True] * n
                out += [(" ".join(words), p) for p in prefixes if (" ".join(words), p) not in out]
    return out


def _hs_condition(prefixes: Iterable[str]) -> Any:
    """Products whose HS code lies under a prefix or is one of its ancestors (range scans on
    the hs_code index: digits sort before ':')."""
    conds = []
    for p in sorted(set(prefixes)):
        conds.append(and_(Product.hs_code >= p, Product.hs_code < p + ":"))
        ancestors = [p[:n] for n in (2, 4) if n < len(p)]
        if ancestors:
            conds.append(Product.hs_code.in_(ancestors))
    return or_(*conds)


def _shared(a: str, b: str) -> int:
    """Digits two HS codes share when one lies under the other, else 0."""
    return min(len(a), len(b)) if a.startswith(b) or b.startswith(a) else 0


def expand_markets(markets: Sequence[str]) -> dict[str, str | None]:
    """Country code -> the group it came from (None when named itself)."""
    out: dict[str, str | None] = {}
    groups = [m for m in markets if len(m) > 2]
    if groups:
        rows = db.session.execute(select(MarketGroupMember.group, MarketGroupMember.country_code)
                                  .where(MarketGroupMember.group.in_(groups)))
        for group, country in rows:
            out.setdefault(country, group)
    for m in markets:
        if len(m) == 2:
            out[m] = None
    return out


def match_notice(notice: Any, today: date | None = None) -> list[Match]:
    """The firms `notice` (a Notice or an adapters.Draft) concerns, strongest tier first."""
    today = today or clock.today()
    found: dict[int, Match] = {}

    def hit(firm_id: int, tier: str, code: str, **params: Any) -> None:
        if firm_id not in found:
            found[firm_id] = Match(firm_id, tier)
        found[firm_id].add(tier, code, **params)

    _exact_hits(notice, hit)
    _product_hits(notice, today, hit)
    return sorted(found.values(), key=lambda m: (TIER_ORDER[m.tier], m.firm_id))


def _exact_hits(notice: Any, hit: Any) -> None:
    ids = {normal_identifier(i) for i in notice.identifiers or [] if normal_identifier(i)}
    if ids:
        number = func.upper(func.replace(func.replace(func.replace(
            Certification.number, " ", ""), "-", ""), ".", ""))
        rows = db.session.execute(
            select(Certification.firm_id, Certification.scheme_code, Certification.number)
            .join(Firm, Firm.id == Certification.firm_id)
            .where(Firm.archived.is_(False), Certification.scheme_code.in_(REGISTRATION_MARKETS),
                   number.in_(sorted(ids))))
        for firm_id, scheme, num in rows:
            hit(firm_id, "exact", "identifier", scheme=scheme, number=num)
    for name in notice.named_firms or []:
        folded = fold(name)
        if len(folded) < MIN_NAME_LENGTH:
            continue
        like = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = db.session.execute(select(Firm.id).where(
            Firm.archived.is_(False), Firm.name_search.like(like, escape="\\")).limit(5))
        for (firm_id,) in rows:
            hit(firm_id, "exact", "name", name=name)


def _product_hits(notice: Any, today: date, hit: Any) -> None:
    codes = list(notice.hs_codes or [])
    # Product words count where the codes are missing or only chapters.
    by_words = []
    if all(len(c) == 2 for c in codes):
        text = " ".join(t for t in (notice.product_text, None if codes else notice.title) if t)
        by_words = [(w, p) for w, p in words_to_hs(text)
                    if not codes or p[:2] in codes]
    prefixes = set(codes) | {p for _, p in by_words}
    if not prefixes:
        return
    candidates = (select(Product.firm_id, Product.hs_code, Product.name)
                  .join(Firm, Firm.id == Product.firm_id)
                  .where(Firm.archived.is_(False), Product.hs_code.is_not(None),
                         _hs_condition(prefixes)))
    per_firm: dict[int, list[tuple[str, str, Any]]] = {}
    kinds: dict[str, tuple[str, str, dict[str, Any]] | None] = {}  # few distinct codes
    for firm_id, hs, name in db.session.execute(candidates):
        if hs not in kinds:
            kinds[hs] = _classify(hs, codes, by_words)
        kind = kinds[hs]
        if kind is not None:
            per_firm.setdefault(firm_id, []).append(
                (kind[0], kind[1], {**kind[2], "firm": hs, "product": name}))
    if not per_firm:
        return
    markets = _market_reasons(notice.markets or [], today, candidates)
    for firm_id, hits in per_firm.items():
        where = markets.get(firm_id) if notice.markets else []
        if where is None:
            continue  # right product, wrong market
        hits.sort(key=lambda h: TIER_ORDER[h[0]])
        for t, code, params in hits[:3]:
            hit(firm_id, t, code, **params)
        for code, params in where:
            hit(firm_id, hits[0][0], code, **params)


def _classify(hs: str, codes: Sequence[str], by_words: Sequence[tuple[str, str]]
              ) -> tuple[str, str, dict[str, Any]] | None:
    """The tier, reason code and parameters a product's HS code gets (None: no match)."""
    best: tuple[str, str, dict[str, Any]] | None = None
    for code in codes:
        n = _shared(code, hs)
        if n >= 4:
            return ("direct", "hs", {"notice": code})
        if n == 2 and best is None:
            best = ("broad", "hs", {"notice": code})
    for word, p in by_words:
        n = _shared(p, hs)
        if n >= 4:
            return ("text", "text", {"word": word, "hs": p})
        if n == 2 and best is None:
            best = ("broad", "text", {"word": word, "hs": p})
    return best


def _market_reasons(markets: Sequence[str], today: date,
                    candidates: Any) -> dict[int, list[tuple[str, dict[str, Any]]]]:
    """Firm id -> why it is in one of `markets` (only firms among the candidates)."""
    countries = expand_markets(markets)
    firm_ids = select(candidates.subquery().c.firm_id)
    out: dict[int, list[tuple[str, dict[str, Any]]]] = {}
    rows = db.session.execute(
        select(FirmMarket.firm_id, FirmMarket.country_code, FirmMarket.kind)
        .where(FirmMarket.country_code.in_(sorted(countries)), FirmMarket.firm_id.in_(firm_ids)))
    for firm_id, country, kind in rows:
        reasons = out.setdefault(firm_id, [])
        if len(reasons) < 3:
            reasons.append(("market", {"country": country, "kind": kind,
                                       "group": countries[country]}))
    schemes = [s for s, where in REGISTRATION_MARKETS.items()
               if any(m in markets or m in countries for m in where)]
    if schemes:
        rows = db.session.execute(
            select(Certification.firm_id, Certification.scheme_code)
            .where(Certification.scheme_code.in_(schemes), Certification.firm_id.in_(firm_ids),
                   Certification.issued_on <= today,
                   or_(Certification.expires_on.is_(None), Certification.expires_on >= today)))
        for firm_id, scheme in rows:
            reason = ("registration", {"scheme": scheme})
            if reason not in out.setdefault(firm_id, []):
                out[firm_id].append(reason)
    return out
