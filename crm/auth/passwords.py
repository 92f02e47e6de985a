"""Passwords: how they are hashed and checked (ASVS V11.4), and the rules for a new one
(ASVS V6.2: length, not the e-mail, not a common one)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _
from werkzeug.security import check_password_hash

from crm.errors import UserError

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")

# Argon2id with OWASP's Password Storage Cheat Sheet parameters (19 MiB, 2 passes, 1 lane):
# ~25 ms a check on this project's machine, where werkzeug's scrypt default (N=2^15, r=8,
# p=1, itself under OWASP's scrypt minimum) took ~200 ms and queued logins at busy times.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


def hash_password(password: str) -> str:
    """An Argon2id hash of `password` (salted; the plain password is never stored)."""
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """True when `password` matches `stored` (Argon2id, or an older werkzeug scrypt hash)."""
    if not stored.startswith("$argon2"):
        return check_password_hash(stored, password)
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a hash made another way than hash_password makes them now."""
    return not stored.startswith("$argon2") or _hasher.check_needs_rehash(stored)


@cache
def common_passwords() -> frozenset[str]:
    """The list of passwords too common to allow (lower-case)."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def check_new_password(password: str, email: str, field: str = "new_password") -> None:
    """Raise UserError(field=`field`) if `password` breaks a rule."""
    if len(password) < MIN_LENGTH:
        raise UserError(_("Mật khẩu cần ít nhất %(n)d ký tự.", n=MIN_LENGTH), field=field)
    if len(password) > MAX_LENGTH:
        raise UserError(_("Mật khẩu dài tối đa %(n)d ký tự.", n=MAX_LENGTH), field=field)
    lowered = password.strip().lower()
    email = email.strip().lower()
    if lowered == email or (email and lowered == email.split("@", 1)[0]):
        raise UserError(_("Mật khẩu không được trùng với email."), field=field)
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        raise UserError(_("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn mật khẩu khác."),
                        field=field)
