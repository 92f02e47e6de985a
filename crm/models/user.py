"""Users and roles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import TimestampMixin, db

if TYPE_CHECKING:
    from crm.models.firm import Firm

ROLES = ("admin", "manager", "officer", "enterprise", "viewer")
STAFF_ROLES = frozenset({"admin", "manager", "officer"})


class User(UserMixin, TimestampMixin, db.Model):
    """A person who logs in; an enterprise user is bound to one firm."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    firm: Mapped[Firm | None] = relationship(foreign_keys=[firm_id])
    # Bumped when the password changes: sessions carrying an older value are logged out.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Base32 TOTP secret once a second factor is confirmed (None: password only).
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    # Last accepted TOTP time step: the same code is never accepted twice.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)

    def get_id(self) -> str:
        """The session id, "id:session_version": a password change ends other sessions."""
        return f"{self.id}:{self.session_version or 0}"

    def set_password(self, password: str) -> None:
        """Store an Argon2id hash of the password (crm.auth.passwords), never the password."""
        from crm.auth.passwords import hash_password  # here: the crm.auth package imports models

        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        from crm.auth.passwords import verify_password

        return verify_password(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def is_staff(self) -> bool:
        """Officers, managers and admins may edit any firm."""
        return self.role in STAFF_ROLES
