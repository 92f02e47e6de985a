"""Writes to a firm and its sub-entities: check the rules, add/flush, never commit.

Inputs are plain mappings (field name -> value), so the web forms, the enterprise portal and
bulk import share the same rules. Every broken rule raises UserError(field=...); the caller
rolls back and shows the message next to that field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import pycountry
from flask import has_request_context, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, select

from crm import clock
from crm.display import commune_province, province_name
from crm.errors import ConflictError, UserError
from crm.extensions import db
from crm.firms.sizing import size_class
from crm.models import (
    Certification,
    CertificationScheme,
    Contact,
    Country,
    EcommerceStore,
    Firm,
    FirmMarket,
    HsCode,
    Product,
    Trademark,
    User,
)
from crm.models.base import utcnow
from crm.models.firm import (
    LEGAL_FORMS,
    MARKET_KINDS,
    SECTORS,
    STORE_PLATFORMS,
    STORE_STATUSES,
    VERIFICATION_STATUSES,
)
from crm.models.product import CAPACITY_UNITS
from crm.search import search_text_for
from crm.validators import hs_code_clean, normalize_tax_code

# Text columns have no length in the database; this keeps a pasted document out of them.
LONG_TEXT_MAX = 5000
FIRST_FOUNDED_YEAR = 1900
# (min, max) of numbers: max is a sanity bound well above any real Vietnamese firm.
LIMITS: dict[str, tuple[int, int]] = {
    "employees": (0, 1_000_000),
    "revenue_bn_vnd": (0, 10_000_000),  # billion VND
    "capital_bn_vnd": (0, 10_000_000),
    "export_experience_years": (0, 150),
    "export_revenue_usd": (0, 100_000_000_000),
    "annual_capacity": (0, 10_000_000_000),
    "ocop_stars": (1, 5),
    "priority": (1, 99),
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Firm fields an edit may change (tax_code is checked separately: it is the natural key).
FIRM_FIELDS = (
    "tax_code", "name", "name_en", "legal_form", "province_code", "commune_code", "address",
    "website", "founded_year", "employees", "revenue_bn_vnd", "capital_bn_vnd", "sectors",
    "export_experience_years", "export_revenue_usd", "languages", "is_pioneer", "description",
    "verification_status",
)
# Labels for the conflict message ("which fields changed").
FIELD_LABELS = {
    "tax_code": _l("Mã số thuế"), "name": _l("Tên doanh nghiệp"), "name_en": _l("Tên tiếng Anh"),
    "legal_form": _l("Loại hình"), "province_code": _l("Tỉnh/thành phố"),
    "commune_code": _l("Xã/phường"), "address": _l("Địa chỉ"), "website": _l("Website"),
    "founded_year": _l("Năm thành lập"), "employees": _l("Số lao động"),
    "revenue_bn_vnd": _l("Doanh thu"), "capital_bn_vnd": _l("Vốn"), "sectors": _l("Ngành"),
    "export_experience_years": _l("Kinh nghiệm xuất khẩu"),
    "export_revenue_usd": _l("Kim ngạch xuất khẩu"), "languages": _l("Ngôn ngữ"),
    "is_pioneer": _l("Doanh nghiệp tiên phong"), "description": _l("Giới thiệu"),
    "verification_status": _l("Trạng thái xác minh"), "archived": _l("Lưu trữ"),
    "officer_id": _l("Cán bộ phụ trách"),
    "contacts": _l("Người liên hệ"), "products": _l("Sản phẩm"),
    "certifications": _l("Chứng nhận"), "markets": _l("Thị trường"),
    "stores": _l("Gian hàng TMĐT"), "trademarks": _l("Nhãn hiệu"),
    # The history of a merge (crm/duplicates/services.py).
    "merged_into": _l("Đã gộp vào"), "merged_from": _l("Gộp từ"), "merge_undone": _l("Hủy gộp"),
}
SUB_ENTITIES = ("contacts", "products", "certifications", "markets", "stores", "trademarks")


class DuplicateTaxCodeError(UserError):
    """The tax code belongs to another firm; `existing` is that firm."""

    def __init__(self, existing: Firm):
        link = url_for("firms.show", firm_id=existing.id) if has_request_context() else None
        super().__init__(
            _("Mã số thuế này đã có trong hệ thống: %(name)s.", name=existing.name),
            field="tax_code", link=link,
        )
        self.existing = existing


class EditConflictError(ConflictError):
    """Somebody saved the firm after this edit was loaded."""

    def __init__(self, firm: Firm):
        super().__init__(
            _("Hồ sơ đã được người khác sửa lúc %(time)s; tải lại để xem thay đổi.",
              time=format_datetime(firm.updated_at, "short")),
        )
        self.firm = firm


# --- checks shared by every entity ------------------------------------------------------

# C0 control characters other than tab, line feed and carriage return, and DEL.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _max_len(model: type, column: str) -> int | None:
    col_type = model.__table__.c[column].type
    return col_type.length if isinstance(col_type, String) else LONG_TEXT_MAX


def _text(data: Mapping[str, Any], key: str, model: type, *, required: bool = False,
          column: str | None = None) -> str | None:
    """Stripped text or None; refuses missing required values and over-long text."""
    value = data.get(key)
    value = str(value).strip() if value is not None else ""
    if not value:
        if required:
            raise UserError(_("Vui lòng nhập trường này."), field=key)
        return None
    if _CONTROL.search(value):
        # PostgreSQL text cannot hold NUL at all, and no other control character belongs in
        # a firm's data: refuse at the field rather than fail on the database.
        raise UserError(_("Có ký tự điều khiển không hợp lệ."), field=key)
    limit = _max_len(model, column or key)
    if limit and len(value) > limit:
        raise UserError(
            _("Quá dài: tối đa %(max)d ký tự (đang có %(n)d).", max=limit, n=len(value)),
            field=key,
        )
    return value


def _int(data: Mapping[str, Any], key: str, lo: int, hi: int) -> int | None:
    """An integer within [lo, hi], or None when empty."""
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise UserError(_("Cần một số nguyên."), field=key) from None
    if not lo <= number <= hi:
        raise UserError(_("Cần một số từ %(lo)s đến %(hi)s.", lo=thousands(lo), hi=thousands(hi)),
                        field=key)
    return number


def _decimal(data: Mapping[str, Any], key: str) -> Decimal | None:
    """A number within LIMITS[key], or None when empty."""
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except InvalidOperation:
        raise UserError(_("Cần một số."), field=key) from None
    lo, hi = LIMITS[key]
    if not number.is_finite() or not lo <= number <= hi:
        raise UserError(_("Cần một số từ %(lo)s đến %(hi)s.", lo=thousands(lo), hi=thousands(hi)),
                        field=key)
    return number


def _choice(data: Mapping[str, Any], key: str, allowed: tuple[str, ...], *,
            required: bool = True, default: str | None = None) -> str | None:
    value = (data.get(key) or "").strip() or default
    if value is None:
        if required:
            raise UserError(_("Vui lòng chọn một giá trị."), field=key)
        return None
    if value not in allowed:
        raise UserError(_("Giá trị không hợp lệ."), field=key)
    return value


def _date(data: Mapping[str, Any], key: str, *, required: bool = False) -> date | None:
    value = data.get(key)
    if value in (None, ""):
        if required:
            raise UserError(_("Vui lòng nhập ngày."), field=key)
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(_("Ngày không hợp lệ (dạng 2025-12-31)."), field=key) from None


def _country(data: Mapping[str, Any], key: str, *, required: bool = True) -> str | None:
    """An ISO 3166-1 alpha-2 code present in the Country table."""
    code = (data.get(key) or "").strip().upper()
    if not code:
        if required:
            raise UserError(_("Vui lòng chọn quốc gia."), field=key)
        return None
    if db.session.get(Country, code) is None:
        raise UserError(_("Mã quốc gia không có trong danh mục ISO 3166: %(code)s.", code=code),
                        field=key)
    return code


def _url(data: Mapping[str, Any], key: str, model: type, column: str | None = None) -> str | None:
    """An http(s) URL; 'example.vn' gets https:// because that is how people type it."""
    value = _text(data, key, model, column=column)
    if value is None:
        return None
    if "://" not in value:
        value = "https://" + value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in value:
        raise UserError(_("Địa chỉ web không hợp lệ (ví dụ: https://congty.vn)."), field=key)
    limit = _max_len(model, column or key)
    if limit and len(value) > limit:
        raise UserError(_("Quá dài: tối đa %(max)d ký tự (đang có %(n)d).", max=limit,
                          n=len(value)), field=key)
    return value


def _codes(value: Any) -> list[str]:
    """A list from a list or a 'vi, en' string."""
    if value is None:
        return []
    if isinstance(value, str):
        value = re.split(r"[\s,;]+", value)
    return [str(v).strip() for v in value if str(v).strip()]


def thousands(number: int) -> str:
    """1 000 000 with narrow spaces: reads the same in Vietnamese (1.000) and English (1,000)."""
    return f"{number:,}".replace(",", "\u202f")


def _touch(firm: Firm) -> None:
    """Mark the firm changed: its version goes up, so a stale firm edit is refused, and its
    search document follows (products, certificates, brands and stores are searched)."""
    # No autoflush: loading firm.products must not flush a half-made change (and bump the
    # version twice).
    with db.session.no_autoflush:
        firm.search_text = search_text_for(firm)
        firm.updated_at = utcnow()


# --- firms ------------------------------------------------------------------------------

def clean_tax_code(raw: Any, firm: Firm | None = None) -> str:
    """A valid tax code that no other firm holds (DuplicateTaxCodeError links to the holder)."""
    tax_code = normalize_tax_code(raw)
    with db.session.no_autoflush:
        existing = db.session.scalar(select(Firm).where(Firm.tax_code == tax_code))
    if existing is not None and existing is not firm:
        raise DuplicateTaxCodeError(existing)
    return tax_code


def _clean_firm(firm: Firm | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validated values for the keys present in `data` (all required ones when creating)."""
    creating = firm is None
    out: dict[str, Any] = {}
    if creating or "tax_code" in data:
        out["tax_code"] = clean_tax_code(data.get("tax_code"), firm)
    if creating or "name" in data:
        out["name"] = _text(data, "name", Firm, required=True)
    for key in ("name_en", "address", "description"):
        if key in data:
            out[key] = _text(data, key, Firm)
    if creating or "legal_form" in data:
        out["legal_form"] = _choice(data, "legal_form", LEGAL_FORMS, default="llc")
    if "verification_status" in data:
        out["verification_status"] = _choice(data, "verification_status", VERIFICATION_STATUSES,
                                              default="unverified")
    if "website" in data:
        out["website"] = _url(data, "website", Firm)
    if "founded_year" in data:
        out["founded_year"] = _int(data, "founded_year", FIRST_FOUNDED_YEAR, clock.today().year)
    for key in ("employees", "export_experience_years"):
        if key in data:
            out[key] = _int(data, key, *LIMITS[key])
    for key in ("revenue_bn_vnd", "capital_bn_vnd", "export_revenue_usd"):
        if key in data:
            out[key] = _decimal(data, key)
    if "sectors" in data:
        sectors = _codes(data["sectors"])
        if any(s not in SECTORS for s in sectors):
            raise UserError(_("Ngành không hợp lệ."), field="sectors")
        out["sectors"] = list(dict.fromkeys(sectors))
    if "languages" in data:
        languages = [c.lower() for c in _codes(data["languages"])]
        unknown = [
            c for c in languages if len(c) != 2 or pycountry.languages.get(alpha_2=c) is None
        ]
        if unknown:
            raise UserError(_("Mã ngôn ngữ không hợp lệ (cần mã ISO 639-1 hai chữ cái như vi, "
                              "en, zh): %(codes)s.", codes=", ".join(unknown)), field="languages")
        out["languages"] = list(dict.fromkeys(languages))
    if "is_pioneer" in data:
        out["is_pioneer"] = bool(data["is_pioneer"])
    if "former_names" in data:
        out["former_names"] = clean_former_names(data["former_names"])
    _clean_place(firm, data, out)
    return out


MAX_FORMER_NAMES = 20


def clean_former_names(raw: Any) -> list[str]:
    """A firm's former names from a list or a text of one name per line: stripped, without
    blanks and repeats, oldest first; refuses control characters and over-long names."""
    lines = raw if isinstance(raw, list | tuple) else str(raw or "").splitlines()
    names: list[str] = []
    for line in lines:
        name = _text({"former_names": line}, "former_names", Firm, column="name")
        if name and name not in names:
            names.append(name)
    if len(names) > MAX_FORMER_NAMES:
        raise UserError(_("Tối đa %(max)d tên cũ.", max=MAX_FORMER_NAMES), field="former_names")
    return names


def _keep_former_name(firm: Firm, values: dict[str, Any]) -> None:
    """A new legal name puts the old one on the firm's former names (searched too), unless
    the officer's own list for this save says otherwise or the old name is already there."""
    new, old = values.get("name"), firm.name
    if not new or not old or new == old:
        return
    names = list(values.get("former_names", firm.former_names or []))
    if old not in names:
        names.append(old)
    if new in names:  # back to an earlier name: it is current again, not former
        names.remove(new)
    values["former_names"] = names[-MAX_FORMER_NAMES:]


def _clean_place(firm: Firm | None, data: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Province must be one of the 34; the commune must belong to the province."""
    if "province_code" in data:
        province = _int(data, "province_code", 0, 10**6)
        if province is not None and not province_name(province):
            raise UserError(_("Tỉnh/thành phố không hợp lệ."), field="province_code")
        out["province_code"] = province
    if "commune_code" in data:
        out["commune_code"] = _int(data, "commune_code", 0, 10**7)
    province = out.get("province_code", firm.province_code if firm else None)
    commune = out.get("commune_code", firm.commune_code if firm else None)
    if commune is not None:
        if province is None:
            raise UserError(_("Chọn tỉnh/thành phố trước khi chọn xã/phường."),
                            field="province_code")
        if commune_province(commune) != province:
            raise UserError(_("Xã/phường không thuộc tỉnh/thành phố đã chọn."),
                            field="commune_code")


def _refresh_derived(firm: Firm) -> None:
    """Size class (never typed in) and the folded search text follow the firm's data."""
    with db.session.no_autoflush:
        _refresh_derived_now(firm)


def _refresh_derived_now(firm: Firm) -> None:
    firm.size_class = size_class(
        firm.employees, firm.revenue_bn_vnd, firm.capital_bn_vnd, firm.sectors or ()
    )
    firm.search_text = search_text_for(firm)


def create_firm(data: Mapping[str, Any], by: User | None = None) -> Firm:
    """Create a firm from field values; raises UserError on any broken rule."""
    values = _clean_firm(None, data)
    firm = Firm(**{"sectors": [], "languages": [], **values})
    db.session.add(firm)
    _refresh_derived(firm)
    db.session.flush()
    return firm


def update_firm(firm: Firm, data: Mapping[str, Any], *, expected_version: int | None = None,
                by: User | None = None) -> Firm:
    """Change the fields present in `data`.

    With expected_version (the version the edit form was loaded with), refuse to overwrite
    a firm somebody else saved in between.
    """
    check_version(firm, expected_version)
    values = _clean_firm(firm, data)
    _keep_former_name(firm, values)
    for key, value in values.items():
        if getattr(firm, key) != value:
            setattr(firm, key, value)
    _refresh_derived(firm)
    db.session.flush()
    return firm


def check_version(firm: Firm, expected_version: int | str | None) -> None:
    """Raise EditConflictError when the firm moved on since `expected_version` was read."""
    if expected_version in (None, ""):
        return
    try:
        expected = int(expected_version)
    except (TypeError, ValueError):
        expected = -1
    if expected != firm.version:
        raise EditConflictError(firm)


def archive_firm(firm: Firm, by: User | None = None) -> None:
    """Hide the firm from lists; nothing is deleted, staff can restore it."""
    firm.archived = True
    db.session.flush()


def unarchive_firm(firm: Firm, by: User | None = None) -> None:
    """Bring an archived firm back."""
    firm.archived = False
    db.session.flush()


def _row_values(row: Any) -> list[Any]:
    return [str(getattr(row, c.key)) for c in row.__table__.columns if c.key != "firm_id"]


def firm_fingerprint(firm: Firm) -> str:
    """Short hashes of every field and sub-entity list, to tell later what others changed."""
    parts: dict[str, Any] = {k: getattr(firm, k) for k in (*FIRM_FIELDS, "archived")}
    for rel in SUB_ENTITIES:
        parts[rel] = sorted(_row_values(r) for r in getattr(firm, rel))
    return json.dumps({
        k: hashlib.sha1(json.dumps(v, default=str, sort_keys=True).encode(),
                        usedforsecurity=False).hexdigest()[:8]  # change detection only
        for k, v in parts.items()
    }, separators=(",", ":"))


def changed_fields(firm: Firm, fingerprint: str | None) -> list[str]:
    """Labels of what differs between the firm now and an earlier fingerprint."""
    try:
        before = json.loads(fingerprint or "{}")
    except ValueError:
        return []
    if not isinstance(before, dict):
        return []
    now = json.loads(firm_fingerprint(firm))
    return [str(FIELD_LABELS[k]) for k, v in now.items() if k in before and before[k] != v]


# --- contacts ---------------------------------------------------------------------------

def _clean_contact(data: Mapping[str, Any]) -> dict[str, Any]:
    email = _text(data, "email", Contact)
    if email and not _EMAIL.match(email):
        raise UserError(_("Email không hợp lệ."), field="email")
    return {
        "name": _text(data, "name", Contact, required=True),
        "position": _text(data, "position", Contact),
        "phone": _text(data, "phone", Contact),
        "email": email,
        "notes": _text(data, "notes", Contact),
        "is_primary": bool(data.get("is_primary")),
    }


def _one_primary(firm: Firm, contact: Contact) -> None:
    # Only one primary contact: the newest choice wins.
    if contact.is_primary:
        for other in firm.contacts:
            if other is not contact and other.is_primary:
                other.is_primary = False


def add_contact(firm: Firm, data: Mapping[str, Any]) -> Contact:
    """Add a contact person."""
    contact = Contact(firm=firm, **_clean_contact(data))
    db.session.add(contact)
    _one_primary(firm, contact)
    _touch(firm)
    db.session.flush()
    return contact


def update_contact(firm: Firm, contact: Contact, data: Mapping[str, Any]) -> Contact:
    """Change a contact person."""
    for key, value in _clean_contact(data).items():
        setattr(contact, key, value)
    _one_primary(firm, contact)
    _touch(firm)
    db.session.flush()
    return contact


def remove_contact(firm: Firm, contact: Contact) -> None:
    """Delete a contact person."""
    firm.contacts.remove(contact)
    _touch(firm)
    db.session.flush()


# --- products ---------------------------------------------------------------------------

def clean_hs_code(raw: Any, field: str = "hs_code") -> str | None:
    """'0410.90' or '041090' -> '041090' if that code exists at 2, 4 or 6 digits."""
    code = hs_code_clean(str(raw) if raw is not None else None)
    if code is None:
        return None
    if len(code) not in (2, 4, 6) or db.session.get(HsCode, code) is None:
        raise UserError(_("Mã HS %(code)s không có trong danh mục HS 2022 (cần 2, 4 hoặc 6 chữ "
                          "số, ví dụ 0410 hoặc 0410.90).", code=str(raw).strip()), field=field)
    return code


def _clean_product(data: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        "name": _text(data, "name", Product, required=True),
        "name_en": _text(data, "name_en", Product),
        "hs_code": clean_hs_code(data.get("hs_code")),
        "description": _text(data, "description", Product),
        "annual_capacity": _decimal(data, "annual_capacity"),
        "capacity_unit": _choice(data, "capacity_unit", CAPACITY_UNITS, required=False),
        "ocop_stars": _int(data, "ocop_stars", *LIMITS["ocop_stars"]),
    }
    if out["annual_capacity"] is not None and out["capacity_unit"] is None:
        raise UserError(_("Chọn đơn vị của năng lực sản xuất."), field="capacity_unit")
    return out


def add_product(firm: Firm, data: Mapping[str, Any]) -> Product:
    """Add a product; the firm's search text learns its name."""
    product = Product(firm=firm, **_clean_product(data))
    db.session.add(product)
    _touch(firm)
    db.session.flush()
    return product


def update_product(firm: Firm, product: Product, data: Mapping[str, Any]) -> Product:
    """Change a product."""
    for key, value in _clean_product(data).items():
        setattr(product, key, value)
    _touch(firm)
    db.session.flush()
    return product


def remove_product(firm: Firm, product: Product) -> None:
    """Delete a product; its certificates stay, as certificates of the whole firm."""
    for cert in firm.certifications:
        if cert.product_id == product.id:
            cert.product = None
    firm.products.remove(product)
    _touch(firm)
    db.session.flush()


# --- certifications ---------------------------------------------------------------------

def _clean_certification(firm: Firm, data: Mapping[str, Any]) -> dict[str, Any]:
    scheme = (data.get("scheme_code") or "").strip()
    if not scheme:
        raise UserError(_("Vui lòng chọn loại chứng nhận."), field="scheme_code")
    if db.session.get(CertificationScheme, scheme) is None:
        raise UserError(_("Loại chứng nhận không có trong danh mục."), field="scheme_code")
    issued = _date(data, "issued_on", required=True)
    expires = _date(data, "expires_on")
    if expires is not None and issued is not None and expires < issued:
        raise UserError(_("Ngày hết hạn không được trước ngày cấp."), field="expires_on")
    product = None
    product_id = data.get("product_id")
    if product_id not in (None, "", 0):
        product = next((p for p in firm.products if str(p.id) == str(product_id)), None)
        if product is None:
            raise UserError(_("Sản phẩm không thuộc doanh nghiệp này."), field="product_id")
    return {
        "scheme_code": scheme,
        "number": _text(data, "number", Certification),
        "issuer": _text(data, "issuer", Certification),
        "issued_on": issued,
        "expires_on": expires,
        "product": product,
    }


def add_certification(firm: Firm, data: Mapping[str, Any]) -> Certification:
    """Add a certificate of the firm or of one of its products."""
    cert = Certification(firm=firm, **_clean_certification(firm, data))
    db.session.add(cert)
    _touch(firm)
    db.session.flush()
    return cert


def update_certification(firm: Firm, cert: Certification,
                         data: Mapping[str, Any]) -> Certification:
    """Change a certificate."""
    for key, value in _clean_certification(firm, data).items():
        setattr(cert, key, value)
    _touch(firm)
    db.session.flush()
    return cert


def remove_certification(firm: Firm, cert: Certification) -> None:
    """Delete a certificate."""
    firm.certifications.remove(cert)
    _touch(firm)
    db.session.flush()


# --- markets ----------------------------------------------------------------------------

def _clean_market(firm: Firm, market: FirmMarket | None,
                  data: Mapping[str, Any]) -> dict[str, Any]:
    out = {
        "country_code": _country(data, "country_code"),
        "kind": _choice(data, "kind", MARKET_KINDS),
        "priority": _int(data, "priority", *LIMITS["priority"]),
    }
    for other in firm.markets:
        if other is not market and (other.country_code, other.kind) == (
            out["country_code"], out["kind"]
        ):
            raise UserError(_("Thị trường này đã có trong danh sách."), field="country_code")
    return out


def add_market(firm: Firm, data: Mapping[str, Any]) -> FirmMarket:
    """Add a current or target market."""
    market = FirmMarket(firm=firm, **_clean_market(firm, None, data))
    db.session.add(market)
    _touch(firm)
    db.session.flush()
    return market


def update_market(firm: Firm, market: FirmMarket, data: Mapping[str, Any]) -> FirmMarket:
    """Change a market."""
    for key, value in _clean_market(firm, market, data).items():
        setattr(market, key, value)
    _touch(firm)
    db.session.flush()
    return market


def remove_market(firm: Firm, market: FirmMarket) -> None:
    """Delete a market."""
    firm.markets.remove(market)
    _touch(firm)
    db.session.flush()


# --- e-commerce stores ------------------------------------------------------------------

def _clean_store(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "platform": _choice(data, "platform", STORE_PLATFORMS),
        "market": _country(data, "market", required=False),
        "url": _url(data, "url", EcommerceStore),
        "status": _choice(data, "status", STORE_STATUSES, default="active"),
    }


def add_store(firm: Firm, data: Mapping[str, Any]) -> EcommerceStore:
    """Add an e-commerce store."""
    store = EcommerceStore(firm=firm, **_clean_store(data))
    db.session.add(store)
    _touch(firm)
    db.session.flush()
    return store


def update_store(firm: Firm, store: EcommerceStore, data: Mapping[str, Any]) -> EcommerceStore:
    """Change an e-commerce store."""
    for key, value in _clean_store(data).items():
        setattr(store, key, value)
    _touch(firm)
    db.session.flush()
    return store


def remove_store(firm: Firm, store: EcommerceStore) -> None:
    """Delete an e-commerce store."""
    firm.stores.remove(store)
    _touch(firm)
    db.session.flush()


# --- trademarks -------------------------------------------------------------------------

def _clean_trademark(data: Mapping[str, Any]) -> dict[str, Any]:
    registered = _date(data, "registered_on")
    return {
        "country_code": _country(data, "country_code"),
        "mark": _text(data, "mark", Trademark, required=True),
        "registration_number": _text(data, "registration_number", Trademark),
        "registered_on": registered.isoformat() if registered else None,
    }


def add_trademark(firm: Firm, data: Mapping[str, Any]) -> Trademark:
    """Add a trademark registration in one country."""
    mark = Trademark(firm=firm, **_clean_trademark(data))
    db.session.add(mark)
    _touch(firm)
    db.session.flush()
    return mark


def update_trademark(firm: Firm, mark: Trademark, data: Mapping[str, Any]) -> Trademark:
    """Change a trademark registration."""
    for key, value in _clean_trademark(data).items():
        setattr(mark, key, value)
    _touch(firm)
    db.session.flush()
    return mark


def remove_trademark(firm: Firm, mark: Trademark) -> None:
    """Delete a trademark registration."""
    firm.trademarks.remove(mark)
    _touch(firm)
    db.session.flush()

