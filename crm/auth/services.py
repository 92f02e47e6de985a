"""Account security writes: passwords, one-time reset links, TOTP. Add/flush, never commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import UTC, datetime, timedelta

import pyotp
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import audit
from crm.auth.passwords import check_new_password, hash_password, needs_rehash, verify_password
from crm.errors import UserError
from crm.extensions import db
from crm.models import PasswordReset, User
from crm.models.base import utcnow
from matching.text import fold

RESET_LIFETIME = timedelta(hours=1)
TOTP_ISSUER = "Go Global CRM"
TOTP_ROLES = frozenset({"admin", "manager"})
TOTP_STEP = 30  # seconds, the authenticator apps' default


def folded_email(email: str | None) -> str:
    """The e-mail as stored, throttled and audited: trimmed, lower-case, no diacritics."""
    return fold(email or "")[:255]


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, else None (never says which failed)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        # Hash anyway so that an unknown e-mail takes as long as a wrong password.
        check_dummy_password(password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        # An older scheme or weaker parameters: the plain password is at hand only now.
        user.set_password(password)
    return user


_dummy_hash: list[str] = []


def check_dummy_password(password: str) -> None:
    """Spend the time of one password check (against a throwaway hash)."""
    if not _dummy_hash:
        _dummy_hash.append(hash_password(secrets.token_urlsafe(16)))
    verify_password(_dummy_hash[0], password)


def _set_password(user: User, new_password: str) -> None:
    """Hash the new password and end every other session of the user."""
    user.set_password(new_password)
    user.session_version = (user.session_version or 0) + 1


def change_password(user: User, current: str, new: str) -> None:
    """The user's own change: the current password is required."""
    if not user.check_password(current):
        raise UserError(_("Mật khẩu hiện tại không đúng."), field="current_password")
    check_new_password(new, user.email)
    if user.check_password(new):
        raise UserError(_("Mật khẩu mới phải khác mật khẩu hiện tại."), field="new_password")
    _set_password(user, new)
    audit.record("password_change", "user", user.id, user=user)
    db.session.flush()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_reset_link(user: User, by: User) -> str:
    """A new one-time reset token for `user` (older unused ones stop working); returns it.

    Only its sha256 is stored and the audit event does not contain it.
    """
    now = utcnow()
    for old in db.session.scalars(select(PasswordReset).where(
            PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))):
        old.used_at = now  # one live link per user
    token = secrets.token_urlsafe(32)
    reset = PasswordReset(user=user, token_hash=_token_hash(token), created_at=now,
                          expires_at=now + RESET_LIFETIME, created_by_id=by.id)
    db.session.add(reset)
    audit.record("password_reset_link", "user", user.id,
                 {"email": user.email, "expires_at": reset.expires_at.isoformat()}, user=by)
    db.session.flush()
    return token


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; they were stored as UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def usable_reset(token: str) -> PasswordReset | None:
    """The reset for this token if it is unused, unexpired and its user active; else None."""
    if not token or len(token) > 100:
        return None
    reset = db.session.scalar(select(PasswordReset).where(
        PasswordReset.token_hash == _token_hash(token)))
    if reset is None or reset.used_at is not None or not reset.user.active:
        return None
    if _aware(reset.expires_at) <= utcnow():
        return None
    return reset


def reset_password(reset: PasswordReset, new: str) -> User:
    """Set the password through a reset link and use the link up."""
    user = reset.user
    check_new_password(new, user.email)
    _set_password(user, new)
    reset.used_at = utcnow()
    audit.record("password_reset", "user", user.id, {"link_id": reset.id}, user=user)
    db.session.flush()
    return user


# --- TOTP (RFC 6238) --------------------------------------------------------------------

def new_totp_secret() -> str:
    """A fresh random base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def totp_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app takes (typed in or from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (±1 for clock drift) whose code equals `code`, else None."""
    code = (code or "").strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // TOTP_STEP)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def check_totp(user: User, code: str, secret: str | None = None) -> bool:
    """True if `code` is valid now for the user's secret (or `secret`) and not used before."""
    step = _matching_step(secret or user.totp_secret or "", code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step  # a code is accepted once: no replay
    return True


def enable_totp(user: User, secret: str, code: str) -> None:
    """Turn the second factor on once the user proves the app shows the right codes."""
    if user.role not in TOTP_ROLES:
        raise UserError(_("Xác thực hai bước dành cho quản trị viên và lãnh đạo."))
    user.totp_last_step = None
    if not check_totp(user, code, secret=secret):
        raise UserError(_("Mã không đúng. Kiểm tra giờ trên điện thoại rồi thử mã mới."),
                        field="code")
    user.totp_secret = secret
    audit.record("totp_enrol", "user", user.id, user=user)
    db.session.flush()


def disable_totp(user: User, password: str, code: str) -> None:
    """Turn the second factor off: needs the password and a current code."""
    if not user.check_password(password):
        raise UserError(_("Mật khẩu không đúng."), field="password")
    if not check_totp(user, code):
        raise UserError(_("Mã không đúng."), field="code")
    user.totp_secret = None
    user.totp_last_step = None
    audit.record("totp_disable", "user", user.id, user=user)
    db.session.flush()
