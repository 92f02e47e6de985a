"""Reads for officers: the queue of self-declared changes, firm history, registrations."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from crm.extensions import db
from crm.models import ChangeRecord, Firm, Invitation, RegistrationRequest


def pending_by_firm(limit_firms: int = 200) -> list[tuple[Firm, list[ChangeRecord]]]:
    """Firms with self-declared changes to check, oldest waiting first, with their changes."""
    changes = db.session.scalars(
        select(ChangeRecord).where(ChangeRecord.review_status == "pending")
        .options(selectinload(ChangeRecord.firm), selectinload(ChangeRecord.user))
        .order_by(ChangeRecord.id)
    ).all()
    grouped: dict[int, list[ChangeRecord]] = defaultdict(list)
    firms: dict[int, Firm] = {}
    for change in changes:
        grouped[change.firm_id].append(change)
        firms[change.firm_id] = change.firm
    return [(firms[fid], grouped[fid]) for fid in list(grouped)[:limit_firms]]


def pending_of(firm: Firm, ids: list[int] | None = None) -> list[ChangeRecord]:
    """Pending changes of one firm (only `ids` when given)."""
    stmt = select(ChangeRecord).where(ChangeRecord.firm_id == firm.id,
                                      ChangeRecord.review_status == "pending")
    if ids is not None:
        stmt = stmt.where(ChangeRecord.id.in_(ids))
    return list(db.session.scalars(stmt.order_by(ChangeRecord.id)))


def history_of(firm: Firm) -> Select:
    """Every recorded change of a firm, newest first (for db.paginate)."""
    return (select(ChangeRecord).where(ChangeRecord.firm_id == firm.id)
            .options(selectinload(ChangeRecord.user), selectinload(ChangeRecord.reviewed_by))
            .order_by(ChangeRecord.id.desc()))


def registrations(status: str = "pending") -> list[RegistrationRequest]:
    """Registration requests with a status, oldest first."""
    return list(db.session.scalars(select(RegistrationRequest).where(
        RegistrationRequest.status == status).order_by(RegistrationRequest.id)))


def recent_invitations(limit: int = 50) -> list[Invitation]:
    """The latest invitations."""
    return list(db.session.scalars(select(Invitation).options(selectinload(Invitation.firm))
                                   .order_by(Invitation.id.desc()).limit(limit)))


def firm_by_tax_code(tax_code: str) -> Firm | None:
    """The firm with this (normalised) tax code."""
    return db.session.scalar(select(Firm).where(Firm.tax_code == tax_code))
