"""Reads of the enterprise portal: completeness, freshness flags, documents, opportunities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from crm.extensions import db
from crm.models import (
    Certification,
    ChangeRecord,
    Document,
    Firm,
    Opportunity,
    ShortlistEntry,
)
from crm.verification.queries import unverified_certifications

STALE_AFTER_DAYS = 365
EXPIRY_WARN_DAYS = 90


@dataclass(frozen=True)
class Item:
    """One thing that matters for matching: present or missing, with its weight and page anchor."""

    key: str
    label: Any
    weight: int
    ok: bool
    anchor: str


def completeness(firm: Firm, today: date) -> tuple[int, list[Item]]:
    """Score 0-100 and the items that make it, for what the matching engine reads."""
    products = firm.products
    items = [
        Item("products", _l("Có ít nhất một sản phẩm"), 15, bool(products), "products"),
        Item("hs_codes", _l("Mọi sản phẩm có mã HS"), 15,
             bool(products) and all(p.hs_code for p in products), "products"),
        Item("capacity", _l("Năng lực sản xuất/năm của sản phẩm"), 10,
             any(p.annual_capacity for p in products), "products"),
        Item("certificate", _l("Một chứng nhận còn hiệu lực"), 15,
             any(c.valid_on(today) for c in firm.certifications), "certifications"),
        Item("target_markets", _l("Thị trường mục tiêu"), 10, bool(firm.target_markets),
             "markets"),
        Item("export_experience", _l("Kinh nghiệm xuất khẩu (số năm)"), 10,
             firm.export_experience_years is not None, "profile"),
        Item("languages", _l("Ngôn ngữ giao dịch"), 5, bool(firm.languages), "profile"),
        Item("contact", _l("Người liên hệ có điện thoại hoặc email"), 10,
             any(c.phone or c.email for c in firm.contacts), "contacts"),
        Item("size", _l("Số lao động hoặc doanh thu (để xếp quy mô)"), 5,
             firm.employees is not None or firm.revenue_bn_vnd is not None, "profile"),
        Item("description", _l("Giới thiệu doanh nghiệp"), 5, bool(firm.description),
             "profile"),
    ]
    return sum(i.weight for i in items if i.ok), items


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def is_stale(firm: Firm, now: datetime) -> bool:
    """Not confirmed by the firm for STALE_AFTER_DAYS (or never)."""
    if firm.confirmed_at is None:
        return True
    return _naive(firm.confirmed_at) < _naive(now) - timedelta(days=STALE_AFTER_DAYS)


def expiring_certificates(firm: Firm, today: date) -> list[Certification]:
    """Certificates expired or expiring within EXPIRY_WARN_DAYS."""
    return [c for c in firm.certifications
            if c.expiry_state(today, EXPIRY_WARN_DAYS) in ("expiring", "expired")]


def firms_needing_attention(now: datetime, today: date) -> Select:
    """Active firms whose profile is stale or that hold a certificate expiring soon."""
    stale_before = now - timedelta(days=STALE_AFTER_DAYS)
    soon = today + timedelta(days=EXPIRY_WARN_DAYS)
    expiring = select(Certification.firm_id).where(
        Certification.expires_on.is_not(None), Certification.expires_on <= soon)
    return (
        select(Firm)
        .where(Firm.archived.is_(False))
        .where(or_(Firm.confirmed_at.is_(None), Firm.confirmed_at < stale_before,
                   Firm.id.in_(expiring)))
        .order_by(Firm.name_search)
    )


def documents_of(firm: Firm) -> list[Document]:
    """The firm's scans, newest first."""
    return list(db.session.scalars(
        select(Document).where(Document.firm_id == firm.id).order_by(Document.id.desc())))


@dataclass(frozen=True)
class AwaitingCheck:
    """A certificate the firm declared that no officer has accepted yet."""

    cert: Certification
    declared_on: date
    has_scan: bool


def declared_certifications(firm: Firm) -> list[AwaitingCheck]:
    """The firm's certificates that do not yet count for hard requirements, oldest first."""
    declared = unverified_certifications([firm.id])
    if not declared:
        return []
    scanned = set(db.session.scalars(select(Document.certification_id).where(
        Document.firm_id == firm.id, Document.certification_id.in_(declared))))
    certs = {c.id: c for c in firm.certifications}
    return [AwaitingCheck(certs[cid], item.declared_on, cid in scanned)
            for cid, item in sorted(declared.items(), key=lambda kv: kv[1].change_id)
            if cid in certs]


def pending_changes_count(firm: Firm) -> int:
    """Self-declared changes still waiting for an officer."""
    return len(db.session.scalars(select(ChangeRecord.id).where(
        ChangeRecord.firm_id == firm.id, ChangeRecord.review_status == "pending")).all())


def open_opportunities() -> list[Opportunity]:
    """Opportunities open for applications, soonest deadline first."""
    return list(db.session.scalars(
        select(Opportunity).where(Opportunity.status == "open")
        .order_by(Opportunity.deadline.is_(None), Opportunity.deadline, Opportunity.id)))


def entries_of(firm: Firm) -> dict[int, ShortlistEntry]:
    """The firm's shortlist entries, by opportunity id."""
    entries = db.session.scalars(select(ShortlistEntry).where(ShortlistEntry.firm_id == firm.id))
    return {e.opportunity_id: e for e in entries}


def opportunities_for(firm: Firm, today: date) -> tuple[list[dict[str, Any]], bool]:
    """Open opportunities for the firm with why it fits or what it lacks; (rows, ranked).

    Uses the ranking bridge when it is available; otherwise every open opportunity, unranked.
    """
    opportunities = open_opportunities()
    try:
        from crm.ranking import best_opportunities
        items = best_opportunities(firm, opportunities, today, limit=len(opportunities))
    except Exception:  # the ranking index is optional for this page: list without ranking
        import logging

        logging.getLogger("crm.portal").exception("ranking unavailable for the portal")
        return [{"opportunity": o} for o in opportunities], False
    seen = {item["opportunity"].id for item in items}
    rows = list(items) + [{"opportunity": o, "unrelated": True}
                          for o in opportunities if o.id not in seen]
    return rows, True
