"""Admin writes: users (create, role, deactivate) and erasing a contact person on request.

Add/flush, never commit.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from crm import audit, history
from crm.auth.services import create_reset_link
from crm.errors import UserError
from crm.extensions import db
from crm.models import ChangeRecord, Contact, Firm, FirmMerge, User
from crm.models.portal import FIELD_CREATED, FIELD_ERASED
from crm.models.user import ROLES
from crm.validators import normalize_tax_code

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _firm_for(role: str, tax_code: str | None) -> Firm | None:
    """The firm an enterprise user belongs to (by tax code); None for staff roles."""
    if role != "enterprise":
        return None
    if not (tax_code or "").strip():
        raise UserError(_("Người dùng doanh nghiệp cần mã số thuế của doanh nghiệp."),
                        field="firm_tax_code")
    try:
        code = normalize_tax_code(tax_code)
    except UserError as err:
        raise UserError(err.message, field="firm_tax_code") from err
    firm = db.session.scalar(select(Firm).where(Firm.tax_code == code))
    if firm is None:
        raise UserError(_("Không có doanh nghiệp với mã số thuế này."), field="firm_tax_code")
    return firm


def create_user(data: dict[str, Any], by: User) -> tuple[User, str]:
    """A new user without a usable password, and a one-time link to set one."""
    email = (data.get("email") or "").strip().lower()
    if not _EMAIL.match(email):
        raise UserError(_("Email không hợp lệ."), field="email")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise UserError(_("Đã có người dùng với email này."), field="email")
    role = data.get("role")
    if role not in ROLES:
        raise UserError(_("Vai trò không hợp lệ."), field="role")
    firm = _firm_for(role, data.get("firm_tax_code"))
    user = User(email=email, name=(data.get("name") or "").strip(), role=role, firm=firm,
                active=True)
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it: the link sets the real one
    db.session.add(user)
    db.session.flush()
    audit.record("user_create", "user", user.id,
                 {"email": email, "role": role, "firm_id": firm.id if firm else None}, user=by)
    token = create_reset_link(user, by=by)
    return user, token


def change_role(user: User, role: str, tax_code: str | None, by: User) -> None:
    """Give the user another role (an admin cannot demote themself: no lock-out)."""
    if role not in ROLES:
        raise UserError(_("Vai trò không hợp lệ."), field="role")
    if user.id == by.id and role != "admin":
        raise UserError(_("Bạn không thể tự bỏ quyền quản trị của mình."), field="role")
    firm = _firm_for(role, tax_code or (user.firm.tax_code if user.firm else None))
    old = user.role
    if old == role and user.firm_id == (firm.id if firm else None):
        return
    user.role = role
    user.firm = firm
    if role not in ("admin", "manager"):
        user.totp_secret = None  # the second factor is only offered to these roles
    audit.record("user_role", "user", user.id, {"from": old, "to": role}, user=by)
    db.session.flush()


def set_active(user: User, active: bool, by: User) -> None:
    """Deactivate (sessions end at once) or reactivate a user."""
    if user.id == by.id and not active:
        raise UserError(_("Bạn không thể tự khóa tài khoản của mình."))
    if user.active == active:
        return
    user.active = active
    if not active:
        user.session_version = (user.session_version or 0) + 1
    audit.record("user_activate" if active else "user_deactivate", "user", user.id,
                 {"email": user.email}, user=by)
    db.session.flush()


# --- erasing a contact person on request (Decree 13/2023/NĐ-CP) ---------------------------

# What an erased contact is called, and what its old values read as in the firm's history.
ERASED = "Đã xóa theo yêu cầu"
# The contact's columns that describe the person (is_primary and firm_id do not).
CONTACT_PERSONAL_FIELDS = ("name", "position", "phone", "email", "notes")


def is_erased(contact: Contact) -> bool:
    """True once the contact has been anonymised (and nobody has filled it in since)."""
    return contact.name == ERASED and not any(
        getattr(contact, f) for f in CONTACT_PERSONAL_FIELDS if f != "name")


def _blank(value: Any) -> bool:
    return value in (None, "", [], {})


def _scrubbed_contact_value(field: str, value: Any) -> Any:
    """A contact's history value with the person taken out: a field's value, or a whole
    contact (dict) for a created/deleted row."""
    if isinstance(value, dict):
        return {k: ERASED if k in CONTACT_PERSONAL_FIELDS and not _blank(v) else v
                for k, v in value.items()}
    if field in CONTACT_PERSONAL_FIELDS and not _blank(value):
        return ERASED
    return value


def _firms_that_held(contact_id: int, firm_id: int) -> set[int]:
    """The contact's firm, the firms it was recorded under, and the firms merged into them
    (an imported contact is named in its first firm's "created" summary, which a merge
    leaves on the merged-away firm)."""
    firms = {firm_id, *db.session.scalars(
        select(ChangeRecord.firm_id).where(ChangeRecord.entity == "contact",
                                           ChangeRecord.entity_id == contact_id))}
    todo = set(firms)
    while todo:
        merged = db.session.scalars(select(ChangeRecord.new_value).where(
            ChangeRecord.firm_id.in_(todo), ChangeRecord.entity == "firm",
            ChangeRecord.field == "merged_from")).all()
        found = {v["id"] for v in merged if isinstance(v, dict) and isinstance(v.get("id"), int)}
        todo = found - firms
        firms |= found
    return firms


def _known_values(contact: Contact, rows: list[ChangeRecord]) -> dict[str, set[str]]:
    """Every name, phone and e-mail the contact has had (now and in its history rows)."""
    known: dict[str, set[str]] = {"name": set(), "phone": set(), "email": set()}
    for field, found in known.items():
        now = getattr(contact, field)
        if now:
            found.add(now)
        for row in rows:
            for value in (row.old_value, row.new_value):
                old = value.get(field) if isinstance(value, dict) else (
                    value if row.field == field else None)
                if isinstance(old, str) and old:
                    found.add(old)
    return known


def _merge_undo_scrubbed(undo: Any, contact_id: int, known: dict[str, set[str]]) -> Any:
    """A merge's undo record (crm/duplicates) without the contact's values: the values it
    was given from a folded twin, and that twin (same phone or e-mail), removed by the merge.
    """
    if not isinstance(undo, dict):
        return undo
    updated = []
    for item in undo.get("updated") or []:
        if (isinstance(item, list) and len(item) == 5 and item[0] == "contacts"
                and item[1] == contact_id and item[2] in CONTACT_PERSONAL_FIELDS):
            item = [*item[:3], *(v if _blank(v) else ERASED for v in item[3:])]
        updated.append(item)
    removed = []
    for item in undo.get("removed") or []:
        table, values = item if isinstance(item, list) and len(item) == 2 else (None, None)
        if table == "contacts" and isinstance(values, dict) and (
                values.get("id") == contact_id or values.get("phone") in known["phone"]
                or values.get("email") in known["email"]):
            item = [table, _scrubbed_contact_value("", values)]
        removed.append(item)
    return {**undo, "updated": updated, "removed": removed}


def _merges_holding(contact: Contact, firms: set[int], known: dict[str, set[str]]
                    ) -> list[tuple[FirmMerge, Any]]:
    """Merges of the contact's firms whose undo record holds its values, with the cleaned
    record."""
    out = []
    for merge in db.session.scalars(select(FirmMerge).where(or_(
            FirmMerge.kept_firm_id.in_(firms), FirmMerge.merged_firm_id.in_(firms)))):
        undo = _merge_undo_scrubbed(merge.undo, contact.id, known)
        if undo != merge.undo:
            out.append((merge, undo))
    return out


def _history_holding(contact: Contact) -> list[tuple[ChangeRecord, Any, Any]]:
    """History rows holding the contact's values, each with its scrubbed (old, new)."""
    out = []
    own = list(db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.entity == "contact", ChangeRecord.entity_id == contact.id)))
    names = _known_values(contact, own)["name"]  # every name the contact has had
    for row in own:
        old = _scrubbed_contact_value(row.field, row.old_value)
        new = _scrubbed_contact_value(row.field, row.new_value)
        if (old, new) != (row.old_value, row.new_value):
            out.append((row, old, new))
    # A firm created by an import lists its contacts' names in its own "created" row.
    for row in db.session.scalars(select(ChangeRecord).where(
            ChangeRecord.firm_id.in_(_firms_that_held(contact.id, contact.firm_id)),
            ChangeRecord.entity == "firm", ChangeRecord.field == FIELD_CREATED)):
        value = row.new_value
        listed = value.get("contacts") if isinstance(value, dict) else None
        if isinstance(listed, list) and any(isinstance(n, str) and n in names for n in listed):
            out.append((row, row.old_value, {**value, "contacts": [
                ERASED if isinstance(n, str) and n in names else n for n in listed]}))
    return out


def contact_history_rows(contact: Contact) -> int:
    """How many history rows hold the contact's values (shown before erasing)."""
    return len(_history_holding(contact))


def _merges_of(contact: Contact) -> list[tuple[FirmMerge, Any]]:
    own = list(db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.entity == "contact", ChangeRecord.entity_id == contact.id)))
    return _merges_holding(contact, _firms_that_held(contact.id, contact.firm_id),
                           _known_values(contact, own))


def erase_contact(contact: Contact, by: User) -> int:
    """Anonymise a contact person on request; returns how many history rows were cleaned.

    The contact stays (the firm keeps a contact slot, exports and counts stay whole) but is
    called ERASED with no position, phone, e-mail or notes; the firm's history rows, and the
    undo records of merges that folded a twin of it, keep their place with ERASED instead of
    the old values; one history row and one audit event say who erased which contact id,
    when, never what it held.
    """
    if is_erased(contact):
        raise UserError(_("Người liên hệ này đã được xóa theo yêu cầu."))
    rows = _history_holding(contact)
    merges = _merges_of(contact)
    # No history of this change: recording it would copy the old values into the history.
    with history.paused():
        for row, old, new in rows:
            row.old_value, row.new_value = old, new  # new objects: the JSON columns see it
        for merge, undo in merges:
            merge.undo = undo
        contact.name = ERASED
        contact.position = contact.phone = contact.email = contact.notes = None
        db.session.flush()
        history.record_changes(contact.firm_id, [
            ("contact", contact.id, FIELD_ERASED, None, None)], by=by, source="staff")
    audit.record("erase", "contact", contact.id,
                 {"firm_id": contact.firm_id, "history_rows": len(rows),
                  "merge_records": len(merges)}, user=by)
    return len(rows)
