"""Firm and opportunity records: parse the spec's JSON fields into typed dataclasses.

Unknown fields are ignored; a missing or empty field means "unknown". Only a malformed date,
an unknown opportunity kind, or a firm without id/name is an error (InputError).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matching.text import fold

KINDS = ("trade_mission", "trade_fair", "ecommerce_cohort", "distribution_partner")
SIZES = ("micro", "small", "medium", "large")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FIELD_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class InputError(ValueError):
    """Bad input: the message names the field; the caller adds file and line."""


_DATES: dict[str, date] = {}  # well-formed date strings already parsed (dates repeat a lot)


def parse_date(value: Any, where: str) -> date | None:
    """ISO date YYYY-MM-DD, or None when missing/empty; InputError when malformed."""
    if value is None or value == "":
        return None
    if type(value) is str:
        known = _DATES.get(value)
        if known is not None:
            return known
        out = _parse_date(value, where)
        if len(_DATES) >= 100_000:
            _DATES.clear()
        _DATES[value] = out
        return out
    return _parse_date(value, where)


def _parse_date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if _FIELD_DATE.match(text) and len(text) > 10 and text[10] in "T ":
        text = text[:10]  # a datetime: keep its date
    if not _DATE.match(text):
        raise InputError(f"malformed date in {where}: {value!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"malformed date in {where}: {value!r}") from None


def normalize_hs(value: Any) -> str:
    """Digits of an HS code cut to 2, 4 or 6 ("0410.90" -> "041090"; "09011" -> "0901")."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value))
    digits = re.sub(r"\D", "", str(value))[:6]
    if len(digits) % 2:
        digits = digits[:-1]
    return digits


def _str(value: Any) -> str:
    if type(value) is str:
        return value.strip()
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) and out >= 0 else None


_FALSE = frozenset({"false", "no", "n", "0", "f"})


def _verified(value: Any) -> bool:
    """The `verified` flag of a certification: only an explicit false makes it unverified
    (a record without the field comes from a source that has no such notion)."""
    if value is None or isinstance(value, dict | list):
        return True
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value).strip().lower() not in _FALSE


def _list(value: Any) -> list:
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        if None in value or "" in value:
            return [v for v in value if v is not None and v != ""]
        return list(value)
    return [value]


def _codes(value: Any, upper: bool = True) -> list[str]:
    out: list[str] = []
    for v in _list(value):
        if isinstance(v, dict):
            continue
        code = str(v).strip()
        code = code.upper() if upper else code.lower()
        if code and code not in out:
            out.append(code)
    return out


@dataclass(slots=True)
class Product:
    """A product a firm makes or sells."""

    name: str = ""
    hs_code: str = ""
    description: str = ""
    annual_capacity_tonnes: float | None = None
    ocop_stars: int | None = None


@dataclass(slots=True)
class Cert:
    """A certificate held by a firm; valid_from/valid_until None = open-ended.

    `verified` False: the firm declared it and nobody has checked it yet; it counts as a
    preference but not for a hard requirement. `declared_on`: when it was declared.
    """

    code: str
    valid_from: date | None = None
    valid_until: date | None = None
    verified: bool = True
    declared_on: date | None = None


@dataclass(slots=True)
class Store:
    """An e-commerce store."""

    platform: str
    market: str = ""
    status: str = ""


@dataclass(slots=True)
class Support:
    """One past support interaction (support_history)."""

    kind: str
    date: date | None = None
    outcome: str = ""


@dataclass(slots=True)
class Firm:
    """A firm record as in FIRMS.jsonl (matching-io.md)."""

    id: str
    name: str
    name_en: str = ""
    province: str = ""
    size: str = ""
    employees: float | None = None
    founded_year: int | None = None
    export_experience_years: float | None = None
    export_revenue_usd: float | None = None
    languages: list[str] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    certifications: list[Cert] = field(default_factory=list)
    current_markets: list[str] = field(default_factory=list)
    target_markets: list[str] = field(default_factory=list)
    ecommerce: list[Store] = field(default_factory=list)
    trademarks: list[str] = field(default_factory=list)
    support_history: list[Support] = field(default_factory=list)

    def text(self) -> str:
        """Free text used for text matching: names, product names and descriptions."""
        parts = [self.name, self.name_en]
        for p in self.products:
            parts += [p.name, p.description]
        return " ".join(p for p in parts if p)


def parse_firm(data: Any) -> Firm:
    """Build a Firm from a JSON object; InputError if it is not one or lacks id/name."""
    if type(data) is not dict and isinstance(data, Mapping):
        data = dict(data)
    if not isinstance(data, dict):
        raise InputError("expected a JSON object")
    fid = _str(data.get("id"))
    name = _str(data.get("name"))
    if not fid:
        raise InputError("missing id")
    if not name:
        raise InputError(f"firm {fid}: missing name")
    size = fold(_str(data.get("size")))
    year = _num(data.get("founded_year"))
    products = []
    for i, p in enumerate(_list(data.get("products"))):
        if isinstance(p, str):
            p = {"name": p}
        if not isinstance(p, dict):
            continue
        stars = _num(p.get("ocop_stars"))
        products.append(
            Product(
                name=_str(p.get("name")),
                hs_code=normalize_hs(p.get("hs_code")),
                description=_str(p.get("description")),
                annual_capacity_tonnes=_num(p.get("annual_capacity_tonnes")),
                ocop_stars=int(min(stars, 5)) if stars is not None else None,
            )
        )
        del i
    certs = []
    for i, c in enumerate(_list(data.get("certifications"))):
        if isinstance(c, str):
            c = {"code": c}
        if not isinstance(c, dict) or not _str(c.get("code")):
            continue
        certs.append(
            Cert(
                code=_str(c.get("code")).upper(),
                valid_from=parse_date(c.get("valid_from"), f"certifications[{i}].valid_from"),
                valid_until=parse_date(c.get("valid_until"), f"certifications[{i}].valid_until"),
                verified=_verified(c.get("verified")),
                declared_on=parse_date(c.get("declared_on"), f"certifications[{i}].declared_on"),
            )
        )
    stores = []
    for s in _list(data.get("ecommerce")):
        if isinstance(s, str):
            s = {"platform": s}
        if isinstance(s, dict) and _str(s.get("platform")):
            stores.append(
                Store(
                    platform=fold(_str(s.get("platform"))).replace(" ", "_"),
                    market=_str(s.get("market")).upper(),
                    status=fold(_str(s.get("status"))),
                )
            )
    history = []
    for i, h in enumerate(_list(data.get("support_history"))):
        if isinstance(h, dict) and _str(h.get("kind")):
            history.append(
                Support(
                    kind=fold(_str(h.get("kind"))).replace(" ", "_"),
                    date=parse_date(h.get("date"), f"support_history[{i}].date"),
                    outcome=_str(h.get("outcome")),
                )
            )
    return Firm(
        id=fid,
        name=name,
        name_en=_str(data.get("name_en")),
        province=_str(data.get("province")),
        size=size if size in SIZES else "",
        employees=_num(data.get("employees")),
        founded_year=int(year) if year else None,
        export_experience_years=_num(data.get("export_experience_years")),
        export_revenue_usd=_num(data.get("export_revenue_usd")),
        languages=_codes(data.get("languages"), upper=False),
        products=products,
        certifications=certs,
        current_markets=_codes(data.get("current_markets")),
        target_markets=_codes(data.get("target_markets")),
        ecommerce=stores,
        trademarks=_codes(data.get("trademarks")),
        support_history=history,
    )


@dataclass(slots=True)
class Opportunity:
    """An opportunity as in OPP.json (matching-io.md), plus optional tuning fields."""

    id: Any
    kind: str
    title: str = ""
    description: str = ""
    markets: list[str] = field(default_factory=list)
    hs_prefixes: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    required_certifications: list[str] = field(default_factory=list)
    preferred_certifications: list[str] = field(default_factory=list)
    min_size: str = ""
    min_annual_capacity_tonnes: float | None = None
    platform: str = ""
    starts_on: date | None = None
    slots: int | None = None
    # Extensions (unknown to the spec, so optional): weight overrides and fairness switches.
    weights: dict[str, float] = field(default_factory=dict)
    diversity: dict[str, float] | None = None
    exposure_decay: dict[str, float] | None = None


def _switch(value: Any, default: dict[str, float] | None) -> dict[str, float] | None:
    """A fairness switch: true/false, or an object of parameters (enabled)."""
    if value is None:
        return default
    if isinstance(value, bool):
        return dict(default or {}) if value else None
    if isinstance(value, dict):
        if value.get("enabled") is False:
            return None
        params = dict(default or {})
        params.update({k: float(v) for k, v in value.items() if _num(v) is not None})
        return params
    return default


def parse_opportunity(data: Any) -> Opportunity:
    """Build an Opportunity from a JSON object; InputError on unknown kind or bad date."""
    from matching.weights import DEFAULT_DIVERSITY, DEFAULT_EXPOSURE_DECAY

    if not isinstance(data, Mapping):
        raise InputError("expected a JSON object")
    kind = _str(data.get("kind"))
    if not kind:
        raise InputError(f"missing kind (one of {', '.join(KINDS)})")
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
    opp_id = data.get("id")
    min_size = fold(_str(data.get("min_size")))
    slots = _num(data.get("slots"))
    weights = data.get("weights")
    hs = [normalize_hs(h) for h in _list(data.get("hs_prefixes")) if not isinstance(h, dict)]
    return Opportunity(
        id=opp_id if isinstance(opp_id, str | int) else None,
        kind=kind,
        title=_str(data.get("title")),
        description=_str(data.get("description")),
        markets=_codes(data.get("markets")),
        hs_prefixes=list(dict.fromkeys(h for h in hs if h)),
        keywords=[k for k in (_str(k) for k in _list(data.get("keywords"))) if k],
        required_certifications=_codes(data.get("required_certifications")),
        preferred_certifications=_codes(data.get("preferred_certifications")),
        min_size=min_size if min_size in SIZES else "",
        min_annual_capacity_tonnes=_num(data.get("min_annual_capacity_tonnes")),
        platform=fold(_str(data.get("platform"))).replace(" ", "_"),
        starts_on=parse_date(data.get("starts_on"), "starts_on"),
        slots=int(slots) if slots else None,
        weights={
            str(k): float(v)
            for k, v in (weights.items() if isinstance(weights, dict) else ())
            if _num(v) is not None
        },
        diversity=_switch(data.get("diversity"), DEFAULT_DIVERSITY),
        exposure_decay=_switch(data.get("exposure_decay"), DEFAULT_EXPOSURE_DECAY),
    )


def firms_from_dataframe(df: Any) -> Iterable[Firm]:
    """Firms from a pandas DataFrame whose columns are the spec's fields."""
    for rec in df.to_dict(orient="records"):
        clean = {}
        for k, v in rec.items():
            if isinstance(v, float) and math.isnan(v):
                continue
            if v is not None and type(v).__name__ == "ndarray":
                v = list(v)
            clean[k] = v
        yield parse_firm(clean)
