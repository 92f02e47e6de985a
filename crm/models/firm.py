"""The enterprise (doanh nghiệp) and what hangs directly off it."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from crm.models.base import TimestampMixin, db
from matching.text import fold

if TYPE_CHECKING:
    from crm.models.product import Certification, Product
    from crm.models.user import User

LEGAL_FORMS = (
    "llc",  # Công ty TNHH
    "jsc",  # Công ty cổ phần
    "partnership",  # Công ty hợp danh
    "private",  # Doanh nghiệp tư nhân
    "cooperative",  # Hợp tác xã
    "household",  # Hộ kinh doanh
    "other",
)
SIZE_CLASSES = ("micro", "small", "medium", "large")
SECTORS = (
    "seafood",
    "birds_nest",
    "coffee",
    "pepper_spices",
    "cashew_nuts",
    "fruit_vegetables",
    "rice_agri",
    "food_processing",
    "furniture_wood",
    "garments_textiles",
    "handicrafts",
    "rubber",
    "tourism",
    "logistics",
    "other",
)
# Decree 80/2021 uses two thresholds tables: one for trade and services, one for the rest.
TRADE_SERVICE_SECTORS = frozenset({"tourism", "logistics"})
VERIFICATION_STATUSES = ("unverified", "self_declared", "verified")
MARKET_KINDS = ("current", "target")
STORE_PLATFORMS = ("amazon", "alibaba", "tiktok_shop", "shopee", "lazada", "other")
STORE_STATUSES = ("planned", "onboarding", "active", "suspended", "closed")


class Firm(TimestampMixin, db.Model):
    """An enterprise, cooperative or household business (doanh nghiệp)."""

    __tablename__ = "firms"
    # The firm list (crm/firms/queries.py) reads pages straight off these, however deep.
    __table_args__ = (
        Index("ix_firms_list_name", "archived", "name_search", "id"),
        Index("ix_firms_list_updated", "archived", "updated_at", "id"),
        # crm/ranking.py: max(updated_at) and "changed since" over all firms, archived or not.
        Index("ix_firms_updated_at", "updated_at"),
        Index("ix_firms_list_province", "archived", "province_code", "name_search", "id"),
        Index("ix_firms_list_size", "archived", "size_class", "name_search", "id"),
        # Text search needs no index here: crm/search/engine.py indexes search_text itself.
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    name_en: Mapped[str | None] = mapped_column(String(255))
    # Earlier legal (Vietnamese) names, oldest first: a firm is still found by them.
    former_names: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    name_search: Mapped[str] = mapped_column(String(520), index=True)
    # Folded names of the firm and its products: what the firm list searches.
    search_text: Mapped[str] = mapped_column(Text, default="")
    legal_form: Mapped[str] = mapped_column(String(20), default="llc")
    province_code: Mapped[int | None] = mapped_column(Integer, index=True)
    commune_code: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(500))
    website: Mapped[str | None] = mapped_column(String(255))
    founded_year: Mapped[int | None] = mapped_column(Integer)
    employees: Mapped[int | None] = mapped_column(Integer)
    revenue_bn_vnd: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    capital_bn_vnd: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    size_class: Mapped[str | None] = mapped_column(String(10), index=True)
    sectors: Mapped[list[str]] = mapped_column(JSON, default=list)
    export_experience_years: Mapped[int | None] = mapped_column(Integer)
    export_revenue_usd: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_pioneer: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    verification_status: Mapped[str] = mapped_column(String(20), default="unverified")
    # When the firm last pressed "my profile is still correct" (enterprise portal).
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    archived: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Set when this firm was merged into another (crm/duplicates): shown as a link on its page.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("firms.id"), index=True)
    # The officer who follows the firm (its portfolio); users.firm_id points back, so the
    # constraint is named and added after both tables (use_alter) to break the cycle.
    officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, name="fk_firms_officer_id_users"), index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="Contact.id"
    )
    products: Mapped[list[Product]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="Product.id"
    )
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="Certification.expires_on"
    )
    markets: Mapped[list[FirmMarket]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="FirmMarket.id"
    )
    stores: Mapped[list[EcommerceStore]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="EcommerceStore.id"
    )
    trademarks: Mapped[list[Trademark]] = relationship(
        back_populates="firm", cascade="all, delete-orphan", order_by="Trademark.id"
    )
    merged_into: Mapped[Firm | None] = relationship(remote_side="Firm.id")
    officer: Mapped[User | None] = relationship(foreign_keys=[officer_id])

    @validates("name", "name_en")
    def _fold_name(self, key: str, value: str | None) -> str | None:
        names = {"name": self.name, "name_en": self.name_en, key: value}
        self.name_search = fold(" ".join(v for v in names.values() if v))
        return value

    @property
    def current_markets(self) -> list[FirmMarket]:
        """Markets the firm already sells to."""
        return [m for m in self.markets if m.kind == "current"]

    @property
    def target_markets(self) -> list[FirmMarket]:
        """Markets the firm wants to reach, by priority."""
        return sorted(
            (m for m in self.markets if m.kind == "target"), key=lambda m: m.priority or 99
        )


class Contact(db.Model):
    """A person to call at a firm."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(255))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    firm: Mapped[Firm] = relationship(back_populates="contacts")


class FirmMarket(db.Model):
    """A market (ISO 3166 country) the firm sells to (current) or wants to reach (target)."""

    __tablename__ = "firm_markets"
    __table_args__ = (
        UniqueConstraint("firm_id", "country_code", "kind"),
        # The firm list's market filter reads firm ids straight off this.
        Index("ix_firm_markets_country_kind_firm", "country_code", "kind", "firm_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    priority: Mapped[int | None] = mapped_column(Integer)
    firm: Mapped[Firm] = relationship(back_populates="markets")


class EcommerceStore(db.Model):
    """A store on a (cross-border) e-commerce platform."""

    __tablename__ = "ecommerce_stores"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    platform: Mapped[str] = mapped_column(String(40))
    market: Mapped[str | None] = mapped_column(ForeignKey("countries.code"))
    url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="active")
    firm: Mapped[Firm] = relationship(back_populates="stores")


class Trademark(db.Model):
    """A trademark registration of the firm in one country."""

    __tablename__ = "trademarks"
    id: Mapped[int] = mapped_column(primary_key=True)
    firm_id: Mapped[int] = mapped_column(ForeignKey("firms.id"), index=True)
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"))
    mark: Mapped[str | None] = mapped_column(String(255))
    registration_number: Mapped[str | None] = mapped_column(String(80))
    registered_on: Mapped[str | None] = mapped_column(String(10))
    firm: Mapped[Firm] = relationship(back_populates="trademarks")
