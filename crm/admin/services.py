"""User management writes: create, role, deactivate. Add/flush, never commit."""

from __future__ import annotations

import re
import secrets
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.auth.services import create_reset_link
from crm.errors import UserError
from crm.extensions import db
from crm.models import Firm, User
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
