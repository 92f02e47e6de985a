"""Spec firm and opportunity records (shared/spec/matching-io.md, docs/matching-io.md) from rows.

Firm ids in the index are ``str(Firm.id)``: the primary key never changes, while a tax code
can be corrected after a typo. Opportunity ids are ``str(Opportunity.id)``.

Each certification of a record says whether an officer stands behind it (`verified`, with
`declared_on` when not; rule in crm.verification.queries.unverified_certifications): matching
lets only verified data meet hard requirements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from crm.display import province_name
from crm.extensions import db
from crm.models import (
    Certification,
    EcommerceStore,
    Firm,
    FirmMarket,
    Interaction,
    Opportunity,
    Product,
    ShortlistEntry,
    Trademark,
)
from crm.verification.queries import unverified_certifications

TONNES_PER_UNIT = {"tonnes": 1.0, "kg": 0.001}  # other units cannot be compared in tonnes
CHUNK = 5000  # firms per IN (...) query when loading records
PARTICIPATED = ("participated", "outcome")


def firm_key(firm_id: int) -> str:
    """The id of a firm in the matching index."""
    return str(firm_id)


def _f(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _grouped(stmt: Any) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = defaultdict(list)
    for row in db.session.execute(stmt):
        out[row[0]].append(row)
    return out


def _children(ids: list[int] | None) -> dict[str, dict[int, Any]]:
    """Rows of every table a firm record needs, grouped by firm id (None: all firms); under
    "declared", the certificates still awaiting an officer, by certificate id."""

    def where(stmt: Any, col: Any) -> Any:
        return stmt if ids is None else stmt.where(col.in_(ids))

    return {
        "products": _grouped(where(select(
            Product.firm_id, Product.name, Product.name_en, Product.hs_code, Product.description,
            Product.annual_capacity, Product.capacity_unit, Product.ocop_stars,
        ), Product.firm_id).order_by(Product.firm_id, Product.id)),
        "certs": _grouped(where(select(
            Certification.firm_id, Certification.scheme_code, Certification.issued_on,
            Certification.expires_on, Certification.id,
        ), Certification.firm_id)),
        "declared": unverified_certifications(ids),
        "markets": _grouped(where(select(
            FirmMarket.firm_id, FirmMarket.country_code, FirmMarket.kind, FirmMarket.priority,
        ), FirmMarket.firm_id).order_by(FirmMarket.firm_id, FirmMarket.id)),
        "stores": _grouped(where(select(
            EcommerceStore.firm_id, EcommerceStore.platform, EcommerceStore.market,
            EcommerceStore.status,
        ), EcommerceStore.firm_id)),
        "marks": _grouped(where(select(Trademark.firm_id, Trademark.country_code),
                                Trademark.firm_id)),
        "support": _grouped(where(select(
            Interaction.firm_id, Interaction.kind, Interaction.occurred_on,
        ), Interaction.firm_id)),
        "participations": _grouped(where(
            select(ShortlistEntry.firm_id, Opportunity.kind, Opportunity.starts_on,
                   ShortlistEntry.updated_at)
            .join(Opportunity, ShortlistEntry.opportunity_id == Opportunity.id)
            .where(ShortlistEntry.status.in_(PARTICIPATED)), ShortlistEntry.firm_id)),
    }


def _cert(row: Any, declared: dict[int, Any]) -> dict[str, Any]:
    """A certification of a firm record, with whether an officer stands behind it."""
    pending = declared.get(row.id)
    return {"code": row.scheme_code, "valid_from": _iso(row.issued_on),
            "valid_until": _iso(row.expires_on), "verified": pending is None,
            "declared_on": _iso(pending.declared_on) if pending is not None else None}


def _record(firm: Any, kids: dict[str, dict[int, Any]]) -> dict[str, Any]:
    """One spec firm record (shared/spec/matching-io.md) from a firm row and its children."""
    fid = firm.id
    products = []
    for p in kids["products"].get(fid, ()):
        per_tonne = TONNES_PER_UNIT.get(p.capacity_unit or "")
        cap = float(p.annual_capacity) * per_tonne if p.annual_capacity and per_tonne else None
        products.append({
            "name": p.name if not p.name_en else f"{p.name} ({p.name_en})",
            "hs_code": p.hs_code, "description": p.description or "",
            "annual_capacity_tonnes": cap, "ocop_stars": p.ocop_stars,
        })
    markets = kids["markets"].get(fid, ())
    targets = sorted((m for m in markets if m.kind == "target"), key=lambda m: m.priority or 99)
    history = [{"kind": s.kind, "date": _iso(s.occurred_on)}
               for s in kids["support"].get(fid, ())]
    history += [{"kind": s.kind, "date": _iso(s.starts_on or s.updated_at),
                 "outcome": "participated"} for s in kids["participations"].get(fid, ())]
    return {
        "id": firm_key(fid),
        "name": firm.name,
        "name_en": firm.name_en or "",
        "province": province_name(firm.province_code),
        "size": firm.size_class or "",
        "employees": firm.employees,
        "founded_year": firm.founded_year,
        "export_experience_years": firm.export_experience_years,
        "export_revenue_usd": _f(firm.export_revenue_usd),
        "languages": list(firm.languages or []),
        "products": products,
        "certifications": [_cert(c, kids["declared"]) for c in kids["certs"].get(fid, ())],
        "current_markets": [m.country_code for m in markets if m.kind == "current"],
        "target_markets": [m.country_code for m in targets],
        "ecommerce": [{"platform": s.platform, "market": s.market or "", "status": s.status}
                      for s in kids["stores"].get(fid, ())],
        "trademarks": [t.country_code for t in kids["marks"].get(fid, ())],
        "support_history": history,
    }


_FIRM_COLUMNS = (Firm.id, Firm.name, Firm.name_en, Firm.province_code, Firm.size_class,
                 Firm.employees, Firm.founded_year, Firm.export_experience_years,
                 Firm.export_revenue_usd, Firm.languages)


def firm_records(firm_ids: Collection[int] | None = None) -> Iterator[dict[str, Any]]:
    """Spec firm records of active firms (all of them, or those in `firm_ids`)."""
    if firm_ids is None:
        firms = db.session.execute(select(*_FIRM_COLUMNS).where(Firm.archived.is_(False))
                                   .order_by(Firm.id)).all()
        kids = _children(None)
        for firm in firms:
            yield _record(firm, kids)
        return
    ids = sorted(firm_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        firms = db.session.execute(select(*_FIRM_COLUMNS).where(
            Firm.id.in_(chunk), Firm.archived.is_(False)).order_by(Firm.id)).all()
        kids = _children(chunk)
        for firm in firms:
            yield _record(firm, kids)


def opportunity_record(opp: Opportunity) -> dict[str, Any]:
    """The spec opportunity document (OPP.json) of an opportunity, with its tuning switches."""
    return {
        "id": str(opp.id),
        "kind": opp.kind,
        "title": opp.title,
        "description": opp.description or "",
        "markets": list(opp.markets or []),
        "hs_prefixes": list(opp.hs_prefixes or []),
        "keywords": list(opp.keywords or []),
        "required_certifications": list(opp.required_certifications or []),
        "preferred_certifications": list(opp.preferred_certifications or []),
        "min_size": opp.min_size or None,
        "min_annual_capacity_tonnes": _f(opp.min_annual_capacity_tonnes),
        "platform": opp.platform or None,
        "starts_on": _iso(opp.starts_on),
        "slots": opp.slots,
        "weights": dict(opp.weights or {}),
        "diversity": bool(opp.diversity),
        "exposure_decay": bool(opp.exposure_decay),
    }
