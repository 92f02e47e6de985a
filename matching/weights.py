"""Default factor weights per opportunity kind: THE one place where they are set.

Each factor is a value in [0, 1]; a firm's score is the weighted sum, with weights that sum
to 1, so the score is in [0, 1]. An opportunity may override weights with a "weights" object
(e.g. {"weights": {"capacity": 0.4}}): the override is merged into the defaults for its kind
and the result renormalised to sum to 1. Unknown factor names are ignored.

Factors (see matching/factors.py for their exact definitions):
- product:   HS prefix hierarchy (6/4/2 digits) combined with TF-IDF text similarity
- market:    targets or already sells in an opportunity market; same regional group
- readiness: export experience, languages of the market, preferred certifications (the
             opportunity's and the market's non-mandatory "no" rows)
- capacity:  size class and annual capacity of the matching products
- ecommerce: existing stores (platform, cross-border), English, trademark in the market,
             shelf-stable rather than fresh or frozen products
- partner:   what a distribution partner looks for: trademark and presence in its market,
             OCOP stars, export revenue
"""

from __future__ import annotations

FACTORS = ("product", "market", "readiness", "capacity", "ecommerce", "partner")

DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "trade_mission": {"product": 0.35, "market": 0.20, "readiness": 0.25, "capacity": 0.20},
    "trade_fair": {"product": 0.35, "market": 0.15, "readiness": 0.20, "capacity": 0.30},
    "ecommerce_cohort": {
        "product": 0.25,
        "market": 0.10,
        "readiness": 0.15,
        "capacity": 0.05,
        "ecommerce": 0.45,
    },
    "distribution_partner": {
        "product": 0.30,
        "market": 0.15,
        "readiness": 0.15,
        "capacity": 0.15,
        "partner": 0.25,
    },
}

# Fairness switches, each overridable per opportunity ("diversity": true/false/{...},
# "exposure_decay": true/false/{...}).
# Exposure decay (on by default): each past support of the same kind within `window_days`
# counts 0.5 ** (age / half_life_days); the score is multiplied by 1 - min(cap, per_event * sum).
DEFAULT_EXPOSURE_DECAY: dict[str, float] | None = {
    "per_event": 0.15,
    "half_life_days": 365.0,
    "window_days": 1095.0,
    "cap": 0.4,
}
# Diversity re-ranking (off by default): maximal marginal relevance over the ranked slots;
# a firm's score is lowered by `strength` * its similarity to a firm already ranked above it
# (similarity = 0.5 same HS chapter + 0.5 same province).
DEFAULT_DIVERSITY: dict[str, float] | None = None
DIVERSITY_PARAMS: dict[str, float] = {"strength": 0.15, "pool": 3.0}

# Support-history kinds that count as "the same kind of support" as an opportunity kind.
SUPPORT_KINDS: dict[str, tuple[str, ...]] = {
    "trade_mission": ("trade_mission",),
    "trade_fair": ("trade_fair",),
    "ecommerce_cohort": ("ecommerce_cohort", "ecommerce_onboarding", "ecommerce"),
    "distribution_partner": ("distribution_partner", "b2b_meeting"),
}

# A firm is "relevant" (rankable) only if its product fit reaches this when the opportunity
# names products (hs_prefixes or keywords).
MIN_PRODUCT_FIT = 0.25


def weights_for(kind: str, overrides: dict[str, float] | None = None) -> dict[str, float]:
    """Weights for an opportunity kind with overrides merged in, normalised to sum to 1."""
    weights = dict(DEFAULT_WEIGHTS[kind])
    for name, value in (overrides or {}).items():
        if name in FACTORS and value >= 0:
            weights[name] = float(value)
    total = sum(weights.values())
    if total <= 0:
        weights = dict(DEFAULT_WEIGHTS[kind])
        total = sum(weights.values())
    return {k: round(v / total, 6) for k, v in weights.items() if v > 0}

# Tie-breaks: a small additive term so that firms equal on every factor are told apart by what
# still matters to an officer. Each part is in [0, 1]; the weighted sum (at most 0.003, far below
# any factor step, e.g. 0.2 x 0.2 = 0.04 for a market step) is added to the score, so truly
# equal firms still tie and fall back to firm_id (matching-io.md).
# - coverage:     share of the opportunity's HS prefixes that the firm's products fit
# - certificates: share of the preferred certificates held on the start date that stay valid a
#                 year after it (no renewal due right after the event)
# - support:      1 / (1 + past supports of the same kind, any date): the less supported first;
#                 1 for all when the opportunity switches exposure decay off
TIE_WEIGHTS: dict[str, float] = {"coverage": 0.0012, "certificates": 0.001, "support": 0.0008}
TIE_HEADROOM_DAYS = 365
