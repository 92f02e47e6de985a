"""Reads for officers: the queue of self-declared changes, firm history, registrations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from crm import clock
from crm.extensions import db
from crm.models import (
    Certification,
    ChangeRecord,
    Document,
    Firm,
    Invitation,
    RegistrationRequest,
)

# Self-declared changes that no officer has accepted (a rejected one that could not be
# reverted still does not count).
UNACCEPTED = ("pending", "rejected")
CHUNK = 5000  # ids per IN (...) list


def pending_by_firm(limit_firms: int = 200,
                    portfolio_of: int | None = None) -> list[tuple[Firm, list[ChangeRecord]]]:
    """Firms with self-declared changes to check, oldest waiting first, with their changes
    (only the firms officer `portfolio_of` follows, when given)."""
    stmt = select(ChangeRecord).where(ChangeRecord.review_status == "pending")
    if portfolio_of:
        stmt = stmt.where(ChangeRecord.firm_id.in_(
            select(Firm.id).where(Firm.officer_id == portfolio_of)))
    changes = db.session.scalars(
        stmt.options(selectinload(ChangeRecord.firm), selectinload(ChangeRecord.user))
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


@dataclass(frozen=True)
class Declared:
    """A certificate whose latest change the firm made itself, not accepted by an officer."""

    certification_id: int
    firm_id: int
    scheme_code: str
    change_id: int  # that latest change: what an officer opens to verify it
    declared_at: datetime

    @property
    def declared_on(self) -> date:
        """The day it was declared, in the app's time zone (Vietnam)."""
        at = self.declared_at
        if at.tzinfo is None:  # SQLite gives back naive UTC
            at = at.replace(tzinfo=UTC)
        return at.astimezone(clock.zone()).date()


def unverified_certifications(firm_ids: Collection[int] | None = None) -> dict[int, Declared]:
    """Certificates of the firms (all when None) that count as unverified, by certificate id.

    Staff-entered data counts as verified (also imports and merges, which officers run); data
    whose latest change came from the enterprise portal counts only once an officer accepts
    it. Two small reads: the unaccepted self-declared changes of certificates (few, off the
    review index), then the newest change of each of those certificates.
    """
    ids = None if firm_ids is None else sorted(set(firm_ids))
    chunks = [None] if ids is None else [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    out: dict[int, Declared] = {}
    for chunk in chunks:
        stmt = (select(ChangeRecord.id, ChangeRecord.firm_id, ChangeRecord.at,
                       Certification.id, Certification.firm_id, Certification.scheme_code)
                .join(Certification, Certification.id == ChangeRecord.entity_id)
                .where(ChangeRecord.review_status.in_(UNACCEPTED),
                       ChangeRecord.source == "self", ChangeRecord.entity == "certification"))
        if chunk is not None:
            stmt = stmt.where(ChangeRecord.firm_id.in_(chunk))
        rows = db.session.execute(stmt).all()
        if not rows:
            continue
        cert_ids = {r[3] for r in rows}
        # the firm filter lets the (firm_id, at) index find the rows; both firm ids in case
        # a certificate moved to another firm
        firms = {r[1] for r in rows} | {r[4] for r in rows}
        newest = dict(db.session.execute(
            select(ChangeRecord.entity_id, func.max(ChangeRecord.id))
            .where(ChangeRecord.firm_id.in_(firms), ChangeRecord.entity == "certification",
                   ChangeRecord.entity_id.in_(cert_ids))
            .group_by(ChangeRecord.entity_id)).all())
        for change_id, _change_firm, at, cert_id, firm_id, scheme in rows:
            if newest.get(cert_id) == change_id:
                out[cert_id] = Declared(cert_id, firm_id, scheme, change_id, at)
    return out


def declared_by_code(firm_ids: Collection[int]) -> dict[tuple[int, str], Declared]:
    """(firm id, scheme code) -> its latest unverified certificate, for links to verify it."""
    out: dict[tuple[int, str], Declared] = {}
    for item in unverified_certifications(firm_ids).values():
        key = (item.firm_id, item.scheme_code)
        if key not in out or item.change_id > out[key].change_id:
            out[key] = item
    return out


def entity_pending(change: ChangeRecord) -> list[ChangeRecord]:
    """Pending changes of the same entity (a certificate's creation and later edits)."""
    stmt = select(ChangeRecord).where(ChangeRecord.firm_id == change.firm_id,
                                      ChangeRecord.review_status == "pending",
                                      ChangeRecord.entity == change.entity)
    stmt = (stmt.where(ChangeRecord.entity_id == change.entity_id) if change.entity_id
            else stmt.where(ChangeRecord.id == change.id))
    return list(db.session.scalars(stmt.options(selectinload(ChangeRecord.user))
                                   .order_by(ChangeRecord.id)))


def certification_of(change: ChangeRecord) -> Certification | None:
    """The certificate a change is about, as it is now (None: another entity, or gone)."""
    if change.entity != "certification" or not change.entity_id:
        return None
    cert = db.session.get(Certification, change.entity_id)
    return cert if cert is not None and cert.firm_id == change.firm_id else None


def scans_of(change: ChangeRecord) -> list[Document]:
    """Scans the firm uploaded for the certificate a change is about, newest first."""
    if change.entity != "certification" or not change.entity_id:
        return []
    return list(db.session.scalars(select(Document).where(
        Document.firm_id == change.firm_id, Document.certification_id == change.entity_id)
        .order_by(Document.id.desc())))
