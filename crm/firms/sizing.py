"""Size class of a firm per Decree 80/2021/ND-CP, Article 5."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from crm.models.firm import TRADE_SERVICE_SECTORS

# (max insured workers, max revenue bn VND, max capital bn VND) per class, in order.
# Agriculture, forestry, fishery, industry and construction:
_PRODUCTION = (("micro", 10, 3, 3), ("small", 100, 50, 20), ("medium", 200, 200, 100))
# Trade and services:
_TRADE_SERVICES = (("micro", 10, 10, 3), ("small", 50, 100, 50), ("medium", 100, 300, 100))


def size_class(
    employees: int | None,
    revenue_bn_vnd: Decimal | float | None,
    capital_bn_vnd: Decimal | float | None,
    sectors: Iterable[str] = (),
) -> str | None:
    """micro/small/medium/large, or None when employees are unknown.

    A firm is in a class when its workers are within the limit AND its revenue OR its
    capital is within the limit (Decree 80/2021, Art. 5); unknown money counts as within.
    """
    if employees is None:
        return None
    sectors = set(sectors)
    table = _TRADE_SERVICES if sectors and sectors <= TRADE_SERVICE_SECTORS else _PRODUCTION
    for name, max_workers, max_revenue, max_capital in table:
        if employees > max_workers:
            continue
        revenue_ok = revenue_bn_vnd is None or Decimal(str(revenue_bn_vnd)) <= max_revenue
        capital_ok = capital_bn_vnd is not None and Decimal(str(capital_bn_vnd)) <= max_capital
        if revenue_ok or capital_ok:
            return name
    return "large"
