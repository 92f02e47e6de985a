"""Officers verify or reject self-declared changes; rejecting puts the old value back.

Reverts go through crm.firms.services, so the same rules apply and crm.history records the
revert itself as a staff change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm.errors import UserError
from crm.extensions import db
from crm.firms import services as firm_services
from crm.models import (
    Certification,
    ChangeRecord,
    Contact,
    EcommerceStore,
    Firm,
    FirmMarket,
    Product,
    Trademark,
    User,
)
from crm.models.base import utcnow
from crm.models.portal import FIELD_CREATED, FIELD_DELETED

# entity -> (model, add, update, remove) of crm.firms.services
_SUB: dict[str, tuple[type, Callable[..., Any], Callable[..., Any], Callable[..., Any]]] = {
    "product": (Product, firm_services.add_product, firm_services.update_product,
                firm_services.remove_product),
    "certification": (Certification, firm_services.add_certification,
                      firm_services.update_certification, firm_services.remove_certification),
    "contact": (Contact, firm_services.add_contact, firm_services.update_contact,
                firm_services.remove_contact),
    "market": (FirmMarket, firm_services.add_market, firm_services.update_market,
               firm_services.remove_market),
    "store": (EcommerceStore, firm_services.add_store, firm_services.update_store,
              firm_services.remove_store),
    "trademark": (Trademark, firm_services.add_trademark, firm_services.update_trademark,
                  firm_services.remove_trademark),
}


def _pending(change: ChangeRecord) -> None:
    if change.review_status != "pending":
        raise UserError(_("Thay đổi này đã được xử lý."))


def _settle_firm(firm: Firm) -> None:
    """A firm with nothing left to check is verified.

    The firm's updated_at moves in any case: a verified certificate now meets hard
    requirements, and the ranking index (crm.ranking) re-reads the firms whose updated_at
    moved, whether or not anything else of the firm changed.
    """
    left = db.session.scalar(select(func.count()).select_from(ChangeRecord).where(
        ChangeRecord.firm_id == firm.id, ChangeRecord.review_status == "pending"))
    if not left:
        firm.verification_status = "verified"
    firm.updated_at = utcnow()


def _mark(changes: Iterable[ChangeRecord], status: str, by: User) -> None:
    now = utcnow()
    for change in changes:
        change.review_status = status
        change.reviewed_by_id = by.id
        change.reviewed_at = now


def verify_changes(firm: Firm, changes: list[ChangeRecord], by: User) -> None:
    """Accept self-declared changes of one firm as checked."""
    for change in changes:
        _pending(change)
        if change.firm_id != firm.id:
            raise UserError(_("Thay đổi không thuộc doanh nghiệp này."))
    _mark(changes, "verified", by)
    db.session.flush()
    _settle_firm(firm)
    db.session.flush()


def _current_values(item: Any) -> dict[str, Any]:
    from crm.history import SKIPPED_FIELDS, jsonable

    return {a.key: jsonable(getattr(item, a.key)) for a in item.__mapper__.column_attrs
            if a.key not in SKIPPED_FIELDS}


def _revert(firm: Firm, change: ChangeRecord) -> bool:
    """Put back what the change replaced; False when that is not possible any more."""
    if change.entity == "firm":
        if change.field in (FIELD_CREATED, FIELD_DELETED):
            return False
        firm_services.update_firm(firm, {change.field: change.old_value})
        return True
    if change.entity not in _SUB:
        return False
    model, add, update, remove = _SUB[change.entity]
    item = db.session.get(model, change.entity_id) if change.entity_id else None
    if item is not None and item.firm_id != firm.id:
        return False
    if change.field == FIELD_CREATED:
        if item is not None:
            remove(firm, item)
        return True
    if change.field == FIELD_DELETED:
        if item is None and isinstance(change.old_value, dict):
            add(firm, change.old_value)
            return True
        return False
    if item is None:
        return False
    update(firm, item, {**_current_values(item), change.field: change.old_value})
    return True


def reject_changes(firm: Firm, changes: list[ChangeRecord], by: User) -> int:
    """Refuse self-declared changes, newest first, restoring old values; returns reverts done.

    A change that can no longer be reverted (its entity is gone) is still marked rejected.
    """
    reverted = 0
    for change in sorted(changes, key=lambda c: c.id, reverse=True):
        _pending(change)
        if change.firm_id != firm.id:
            raise UserError(_("Thay đổi không thuộc doanh nghiệp này."))
        if _revert(firm, change):
            reverted += 1
    _mark(changes, "rejected", by)
    db.session.flush()
    _settle_firm(firm)
    db.session.flush()
    return reverted
