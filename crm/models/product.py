"""Products and certifications of a firm."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm.models.base import db
from matching.text import fold

if TYPE_CHECKING:
    from crm.models.firm import Firm
    from crm.models.reference import CertificationScheme

CAPACITY_UNITS = ("tonnes", "kg", "pieces", "m3", "litres", "containers")


class Product(db.Model):
    """A product a firm makes or sells; HS code at 2, 4 or 6 digits when known."""

    __tablename__ = "products"
    # The firm list's product-group filter reads firm ids straight off this.
    __table_args__ = (Index("ix_products_hs_firm", "hs_code", "firm_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    name_search: Mapped[str] = mapped_column(String(520), default="")
    hs_code: Mapped[str | None] = mapped_column(ForeignKey("hs_codes.code"), index=True)
    description: Mapped[str | None] = mapped_column(Text)
    annual_capacity: Mapped[Decimal | None] = mapped_column(Numeric(14, 3))
    capacity_unit: Mapped[str | None] = mapped_column(String(20))
    ocop_stars: Mapped[int | None] = mapped_column(Integer)
    firm: Mapped[Firm] = relationship(back_populates="products")

    @validates("name", "name_en")
    def _fold_name(self, key: str, value: str | None) -> str | None:
        names = {"name": self.name, "name_en": self.name_en, key: value}
        self.name_search = fold(" ".join(v for v in names.values() if v))
        return value


class Certification(db.Model):
    """A certificate held by the firm, or by one of its products."""

    __tablename__ = "certifications"
    # The firm list's "valid certificate" filter reads firm ids straight off this.
    __table_args__ = (
        Index("ix_certifications_scheme_firm", "scheme_code", "firm_id", "issued_on", "expires_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="SET NULL"))
    scheme_code: Mapped[str] = mapped_column(ForeignKey("certification_schemes.code"), index=True)
    number: Mapped[str | None] = mapped_column(String(80))
    issuer: Mapped[str | None] = mapped_column(String(255))
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    firm: Mapped[Firm] = relationship(back_populates="certifications")
    product: Mapped[Product | None] = relationship()
    scheme: Mapped[CertificationScheme] = relationship()

    def valid_on(self, day: date) -> bool:
        """Valid on day D means issued ≤ D ≤ expiry (no expiry: open-ended)."""
        return self.issued_on <= day and (self.expires_on is None or day <= self.expires_on)

    def expiry_state(self, today: date, warn_days: int = 90) -> str:
        """'expired', 'expiring' (within warn_days), 'not_yet' or 'valid'."""
        if today < self.issued_on:
            return "not_yet"
        if self.expires_on is None:
            return "valid"
        if self.expires_on < today:
            return "expired"
        if (self.expires_on - today).days <= warn_days:
            return "expiring"
        return "valid"
