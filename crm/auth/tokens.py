"""API tokens: create (shown once), check, revoke. Add/flush, never commit.

A token is `ggc_<prefix>_<secret>`: the prefix (8 random characters) finds the row and is
safe to show and to log; the secret is 32 random bytes. Only the sha256 of the whole token
is stored. Unlike a password a token is not guessable (256 bits from `secrets`), so a fast
hash is enough: Argon2 protects low-entropy secrets against offline guessing, which a random
token does not need, and it would cost ~50 ms of CPU on every API request. The same rule as
the one-time password reset links (crm.auth.services._token_hash).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm import audit
from crm.errors import UserError
from crm.extensions import db
from crm.models import ApiToken, User
from crm.models.base import utcnow

TOKEN_PREFIX = "ggc_"  # nosec B105 - the public shape of a token, not a secret
MAX_DAYS = 365
NAME_MAX = 100
LAST_USED_EVERY = timedelta(minutes=1)  # write last use at most this often per token
_SHAPE = re.compile(r"^ggc_([a-z0-9]{8})_([A-Za-z0-9_-]{20,64})$")

# Scope -> what it allows (shown on the token page and in the README's table).
SCOPES: dict[str, object] = {
    "firms:read": _l("Đọc doanh nghiệp và hồ sơ của họ"),
    "firms:write": _l("Thêm và sửa doanh nghiệp, người liên hệ, sản phẩm, chứng nhận, "
                      "thị trường, gian hàng"),
    "opportunities:read": _l("Đọc cơ hội, xếp hạng doanh nghiệp và danh sách chọn"),
    "opportunities:write": _l("Thêm và sửa cơ hội, chuyển bước trong danh sách chọn"),
    "interactions:read": _l("Đọc nhật ký hỗ trợ và việc cần làm"),
    "interactions:write": _l("Ghi nhận và sửa hoạt động hỗ trợ, thêm và hoàn thành việc cần "
                             "làm"),
    "partners:read": _l("Đọc danh bạ đối tác"),
    "partners:write": _l("Thêm và sửa đối tác"),
    "programmes:read": _l("Đọc chương trình, mục tiêu và chỉ số KPI"),
}
# Scopes a role can use at all: a token never promises more than its user's role allows.
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "admin": frozenset(SCOPES),
    "manager": frozenset(SCOPES),
    "officer": frozenset(SCOPES),
    "viewer": frozenset({"firms:read", "opportunities:read", "interactions:read",
                         "partners:read", "programmes:read"}),
    # The web shows an enterprise user neither the support log nor partners nor programmes.
    "enterprise": frozenset({"firms:read", "firms:write"}),
}


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite gives naive datetimes back; they were stored as UTC.
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def clean_scopes(raw: str | list[str] | None, user: User) -> list[str]:
    """Known scopes the user's role can use, in the table's order; at least one."""
    wanted = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw or [])
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise UserError(_("Phạm vi không hợp lệ: %(s)s.", s=", ".join(unknown)), field="scopes")
    beyond = [s for s in wanted if s not in ROLE_SCOPES.get(user.role, frozenset())]
    if beyond:
        raise UserError(_("Vai trò của tài khoản không dùng được phạm vi: %(s)s.",
                          s=", ".join(beyond)), field="scopes")
    if not wanted:
        raise UserError(_("Chọn ít nhất một phạm vi."), field="scopes")
    return [s for s in SCOPES if s in wanted]


@dataclass
class NewToken:
    """A token just made: `secret` is the only time the whole token exists outside a client."""

    token: ApiToken
    secret: str


def create_token(user: User, name: str, scopes: str | list[str] | None, days: int | None,
                 by: User | None = None) -> NewToken:
    """A new token of `user`; an expiry (1-365 days) is required unless `user` is an admin."""
    name = (name or "").strip()
    if not name:
        raise UserError(_("Vui lòng đặt tên cho khóa."), field="name")
    if len(name) > NAME_MAX:
        raise UserError(_("Quá dài: tối đa %(max)d ký tự (đang có %(n)d).", max=NAME_MAX,
                          n=len(name)), field="name")
    if not user.active:
        raise UserError(_("Tài khoản đã bị khóa."), field="name")
    clean = clean_scopes(scopes, user)
    if days is None and user.role != "admin":
        raise UserError(_("Khóa cần có hạn dùng (1 đến %(n)d ngày).", n=MAX_DAYS), field="days")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise UserError(_("Hạn dùng từ 1 đến %(n)d ngày.", n=MAX_DAYS), field="days")
    prefix = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _i in range(8))
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    now = utcnow()
    row = ApiToken(user=user, name=name, prefix=prefix, token_hash=token_hash(secret),
                   scopes=clean, created_at=now,
                   expires_at=now + timedelta(days=days) if days is not None else None,
                   created_by_id=(by or user).id)
    db.session.add(row)
    db.session.flush()
    audit.record("token_create", "user", user.id,
                 {"api_key": prefix, "name": name, "scopes": clean, "days": days},
                 user=by or user)
    return NewToken(row, secret)


def revoke_token(row: ApiToken, by: User) -> None:
    """Stop a token from working now (it stays listed as revoked)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("token_revoke", "user", row.user_id, {"api_key": row.prefix}, user=by)
        db.session.flush()


def usable_token(presented: str | None) -> ApiToken | None:
    """The live token matching `presented`, else None (unknown, revoked, expired, user off)."""
    match = _SHAPE.match(presented or "")
    if match is None:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == match.group(1)))
    if row is None or not hmac.compare_digest(row.token_hash, token_hash(presented or "")):
        return None
    if row.revoked_at is not None or not row.user.active:
        return None
    expires = _aware(row.expires_at)
    if expires is not None and expires <= utcnow():
        return None
    return row


def note_use(row: ApiToken, addr: str | None) -> None:
    """Remember when and from where the token was last used (at most once a minute)."""
    now = utcnow()
    last = _aware(row.last_used_at)
    if last is None or now - last >= LAST_USED_EVERY or row.last_used_addr != addr:
        row.last_used_at = now
        row.last_used_addr = (addr or "")[:45] or None


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first."""
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def is_live(row: ApiToken) -> bool:
    """Neither revoked nor expired."""
    expires = _aware(row.expires_at)
    return row.revoked_at is None and (expires is None or expires > utcnow())
