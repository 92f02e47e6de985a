"""Server-side bar charts: geometry here, SVG in templates/programmes/_charts.html.

No JavaScript and no CDN: the pages stay printable and work under a strict CSP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from crm import display, kpi

BAR_AREA = 300  # px of the longest bar
MAX_BARS = 12


@dataclass
class Bar:
    """One bar: its label, its value as text and its length in px."""

    label: str
    text: str
    length: float


def bars(pairs: Iterable[tuple[Any, Decimal]], name: Callable[[Any], str]) -> list[Bar]:
    """Bars for (key, value) pairs; the longest is BAR_AREA px; the rest grouped as 'other'."""
    pairs = list(pairs)
    if len(pairs) > MAX_BARS:
        rest = sum((v for _k, v in pairs[MAX_BARS - 1:]), Decimal(0))
        pairs = [*pairs[:MAX_BARS - 1], ("__rest__", rest)]
    top = max((v for _k, v in pairs), default=Decimal(0))
    return [
        Bar(
            label=_("Khác (gộp)") if key == "__rest__" else (name(key) or _("Không rõ")),
            text=kpi.format_value(value),
            length=float(value / top * BAR_AREA) if top else 0.0,
        )
        for key, value in pairs
    ]


def namer(by: str) -> Callable[[Any], str]:
    """How to name a breakdown key (year, sector code, province code, market code)."""
    if by == "year":
        return str
    if by == "sector":
        return lambda code: display.label(code) if code else ""
    if by == "province":
        return lambda code: display.province_name(code) if code else ""
    return lambda code: display.country_name(code) if code else ""


def progress_length(percent: float | None, width: int = 200) -> float:
    """Length in px of a progress bar `width` px wide (capped at 100%)."""
    if not percent:
        return 0.0
    return min(percent, 100.0) / 100.0 * width
