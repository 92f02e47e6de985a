"""How well a counterpart fits a firm: HS codes, market, language. Pure, no Flask.

Reuses matching.factors.hs_fit (the opportunity ranking's HS factor) the other way round:
the firm's product codes against the prefixes the counterpart seeks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matching.factors import hs_fit

# Weights of the three factors; the HS fit dominates, as in the opportunity ranking.
W_HS, W_MARKET, W_LANGUAGE = 0.6, 0.25, 0.15


@dataclass(frozen=True)
class Reason:
    """One reason, as a code and its parameters (worded by the page, in the UI language)."""

    code: str  # hs_match | hs_near | market | language | interpreter
    params: tuple[str, ...] = ()


@dataclass
class Fit:
    """A counterpart's fit to a firm: score in [0, 1] and why."""

    counterpart_id: int
    score: float
    reasons: list[Reason] = field(default_factory=list)
    needs_interpreter: bool = False


def counterpart_fit(*, counterpart_id: int, firm_hs: list[str], firm_markets: set[str],
                    firm_languages: set[str], sought_hs: list[str], country: str,
                    languages: set[str]) -> Fit:
    """Score one counterpart for one firm, with the reasons."""
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
    market = country in firm_markets
    if market:
        reasons.append(Reason("market", (country,)))
    shared = sorted(firm_languages & languages)
    if shared:
        reasons.append(Reason("language", (", ".join(shared),)))
    else:
        reasons.append(Reason("interpreter"))
    score = W_HS * best + W_MARKET * market + W_LANGUAGE * bool(shared)
    return Fit(counterpart_id, round(score, 4), reasons, needs_interpreter=not shared)


def rank_counterparts(fits: list[Fit]) -> list[Fit]:
    """Best first; ties by id so the order is stable."""
    return sorted(fits, key=lambda f: (-f.score, f.counterpart_id))
