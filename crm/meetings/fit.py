"""How well a counterpart fits a firm: HS codes, markets, certifications, language. Pure,
no Flask.

Reuses matching.factors.hs_fit (the opportunity ranking's HS factor) the other way round:
the firm's product codes against the prefixes the counterpart seeks. Certifications count
as the ranking counts them for hard requirements: valid on the event's first day and
checked by an officer (a self-declared one waiting for review does not count yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matching.factors import hs_fit

# Weights of the four factors; the HS fit dominates, as in the opportunity ranking. A
# counterpart that requires no certification gives the certification weight in full.
W_HS, W_MARKET, W_CERT, W_LANGUAGE = 0.5, 0.2, 0.15, 0.15
# A market the firm only targets counts a little less than one it already sells to.
TARGET_MARKET = 0.75


@dataclass(frozen=True)
class Reason:
    """One reason, as a code and its parameters (worded by the page, in the UI language)."""

    # hs_match | hs_near | market | markets_current | markets_target | cert_held |
    # cert_unverified | cert_missing | language | interpreter
    code: str
    params: tuple[str, ...] = ()


@dataclass
class Fit:
    """A counterpart's fit to a firm: score in [0, 1] and why."""

    counterpart_id: int
    score: float
    reasons: list[Reason] = field(default_factory=list)
    needs_interpreter: bool = False


def _codes(items: set[str] | list[str]) -> str:
    return ", ".join(sorted(items))


def counterpart_fit(*, counterpart_id: int, firm_hs: list[str], firm_markets: set[str],
                    firm_languages: set[str], sought_hs: list[str], country: str,
                    languages: set[str], firm_targets: set[str] | None = None,
                    buys_for: list[str] | None = None,
                    required_certs: list[str] | None = None,
                    certs_held: set[str] | None = None,
                    certs_declared: set[str] | None = None) -> Fit:
    """Score one counterpart for one firm, with the reasons.

    `firm_markets`: countries the firm sells to (or every market when the kind is unknown);
    `firm_targets`: countries it wants to reach; `buys_for`: the countries the counterpart
    buys for; `certs_held`: scheme codes the firm holds valid and verified; `certs_declared`:
    valid but self-declared and not yet checked.
    """
    reasons: list[Reason] = []
    best, best_codes = 0.0, []
    for code in firm_hs:
        value = hs_fit(code, sought_hs)
        if value > best:
            best, best_codes = value, [code]
        elif value == best and value > 0 and code not in best_codes:
            best_codes.append(code)
    if best >= 1.0:
        reasons.append(Reason("hs_match", (", ".join(best_codes[:3]),)))
    elif best > 0:
        reasons.append(Reason("hs_near", (", ".join(best_codes[:3]),)))
    market = _market_fit(country, firm_markets, firm_targets or set(), buys_for or [], reasons)
    cert = _cert_fit(required_certs or [], certs_held or set(), certs_declared or set(),
                     reasons)
    shared = sorted(firm_languages & languages)
    if shared:
        reasons.append(Reason("language", (", ".join(shared),)))
    else:
        reasons.append(Reason("interpreter"))
    score = W_HS * best + W_MARKET * market + W_CERT * cert + W_LANGUAGE * bool(shared)
    return Fit(counterpart_id, round(score, 4), reasons, needs_interpreter=not shared)


def _market_fit(country: str, current: set[str], targets: set[str], buys_for: list[str],
                reasons: list[Reason]) -> float:
    """1 when the counterpart's country, or a country it buys for, is a market the firm
    sells to; TARGET_MARKET when it is only a target; 0 otherwise."""
    if country in current or country in targets:
        reasons.append(Reason("market", (country,)))
        return 1.0 if country in current else TARGET_MARKET
    sold = {c for c in buys_for if c in current}
    wanted = {c for c in buys_for if c in targets} - sold
    if sold:
        reasons.append(Reason("markets_current", (_codes(sold),)))
    if wanted:
        reasons.append(Reason("markets_target", (_codes(wanted),)))
    return 1.0 if sold else TARGET_MARKET if wanted else 0.0


def _cert_fit(required: list[str], held: set[str], declared: set[str],
              reasons: list[Reason]) -> float:
    """The share of the required certifications the firm holds valid and verified (1 when
    none is required)."""
    needed = list(dict.fromkeys(required))
    if not needed:
        return 1.0
    have = {c for c in needed if c in held}
    waiting = {c for c in needed if c not in have and c in declared}
    missing = set(needed) - have - waiting
    if have:
        reasons.append(Reason("cert_held", (_codes(have),)))
    if waiting:
        reasons.append(Reason("cert_unverified", (_codes(waiting),)))
    if missing:
        reasons.append(Reason("cert_missing", (_codes(missing),)))
    return len(have) / len(needed)


def rank_counterparts(fits: list[Fit]) -> list[Fit]:
    """Best first; ties by id so the order is stable."""
    return sorted(fits, key=lambda f: (-f.score, f.counterpart_id))
