"""Rules for a new password (OWASP ASVS V6.2): length, not the e-mail, not a common one."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask_babel import gettext as _

from crm.errors import UserError

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


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
