"""Enterprise portal: field-level history, invitations, registrations and certificate scans."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.models.base import db, utcnow

if TYPE_CHECKING:
    from crm.models.firm import Firm
    from crm.models.product import Certification
    from crm.models.user import User

# Who made a change: an officer, the firm itself, a spreadsheet import, a duplicate merge,
# or a command without a user.
CHANGE_SOURCES = ("staff", "self", "import", "merge", "system")
# Only self-declared changes wait for an officer; the others need no review (None).
REVIEW_STATUSES = ("pending", "verified", "rejected")
REGISTRATION_STATUSES = ("pending", "approved", "rejected")
# Pseudo-field names for a whole sub-entity appearing or disappearing.
FIELD_CREATED = "+"
FIELD_DELETED = "-"
# Pseudo-field of a contact person erased on request (crm.admin.services.erase_contact).
FIELD_ERASED = "erased"


class ChangeRecord(db.Model):
    """One field of one entity of a firm changed: who, when, old → new, from where."""

    __tablename__ = "change_records"
    __table_args__ = (
        Index("ix_change_records_firm_at", "firm_id", "at"),
        Index("ix_change_records_review", "review_status", "firm_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"))
    # "firm", "product", "certification", "contact", "market", "store", "trademark", "document"
    entity: Mapped[str] = mapped_column(String(20))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    # A column name, or FIELD_CREATED / FIELD_DELETED for the whole entity.
    field: Mapped[str] = mapped_column(String(60))
    # JSON-able values (lists stay lists, dates are ISO strings, decimals are strings).
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(10), default="staff")
    note: Mapped[str | None] = mapped_column(Text)
    review_status: Mapped[str | None] = mapped_column(String(10))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    firm: Mapped[Firm] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])


class Invitation(db.Model):
    """A one-time link that lets a firm's person create an enterprise account."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    # sha256 of the token: a leaked database does not leak usable links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    firm: Mapped[Firm] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class RegistrationRequest(db.Model):
    """A firm asking for an account with its tax code; staff approve or reject it."""

    __tablename__ = "registration_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    tax_code: Mapped[str] = mapped_column(String(14), index=True)
    firm_name: Mapped[str] = mapped_column(String(255))
    contact_name: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"))

    firm: Mapped[Firm | None] = relationship()
    decided_by: Mapped[User | None] = relationship()


class Document(db.Model):
    """A scanned certificate, stored outside the web root under a random name."""

    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    certification_id: Mapped[int | None] = mapped_column(
        ForeignKey("certifications.id", ondelete="SET NULL"), index=True
    )
    original_filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    mime: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    firm: Mapped[Firm] = relationship()
    certification: Mapped[Certification | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()
