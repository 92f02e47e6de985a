"""Writes for partners, and the code-list checks partners and opportunities share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm.errors import UserError
from crm.extensions import db
from crm.models import CertificationScheme, Country, HsCode, Partner, User
from crm.models.opportunity import PARTNER_KINDS
from crm.refdata import market_groups
from matching.text import fold_words

_SPLIT = re.compile(r"[,;\n]+")


class PartnerConflictError(UserError):
    """Somebody saved the partner after this edit was loaded."""

    def __init__(self) -> None:
        super().__init__(_("Đối tác đã được người khác sửa; tải lại trang để xem thay đổi."))


def split_list(raw: Any) -> list[str]:
    """Items of a comma/semicolon/line separated text, or of a list; blanks dropped."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else _SPLIT.split(str(raw))
    out: list[str] = []
    for item in items:
        text = str(item).strip()
        if text and text not in out:
            out.append(text)
    return out


def clean_hs_prefixes(raw: Any, field: str = "hs_prefixes") -> list[str]:
    """HS prefixes of 2, 4 or 6 digits, each a code of the HS reference table."""
    out: list[str] = []
    for item in split_list(raw):
        digits = re.sub(r"[\s.]", "", item)
        if not digits.isdigit() or len(digits) not in (2, 4, 6):
            raise UserError(_("Mã HS “%(code)s” không hợp lệ: cần 2, 4 hoặc 6 chữ số.",
                              code=item), field=field)
        if db.session.get(HsCode, digits) is None:
            raise UserError(_("Không có mã HS %(code)s trong danh mục.", code=digits),
                            field=field)
        if digits not in out:
            out.append(digits)
    return out


def clean_certifications(raw: Any, field: str) -> list[str]:
    """Certification scheme codes, each known to the reference table."""
    codes = [c.upper() for c in split_list(raw)]
    if not codes:
        return []
    known = set(db.session.scalars(select(CertificationScheme.code)
                                   .where(CertificationScheme.code.in_(codes))))
    for code in codes:
        if code not in known:
            raise UserError(_("Không có chứng nhận “%(code)s” trong danh mục.", code=code),
                            field=field)
    return codes


def clean_country(raw: Any, field: str = "country_code", required: bool = True) -> str | None:
    """An ISO 3166 alpha-2 code known to the country table."""
    code = str(raw or "").strip().upper()
    if not code:
        if required:
            raise UserError(_("Vui lòng chọn quốc gia."), field=field)
        return None
    if db.session.get(Country, code) is None:
        raise UserError(_("Không có quốc gia “%(code)s”.", code=code), field=field)
    return code


def clean_markets(raw: Any, field: str = "markets") -> list[str]:
    """Country codes, with groups (EU27, GCC, ASEAN...) expanded into their members."""
    groups = market_groups()
    out: list[str] = []
    for item in split_list(raw):
        key = item.upper()
        codes = groups.get(key) or [clean_country(key, field)]
        for code in codes:
            if code not in out:
                out.append(code)
    return out


def clean_decimal(raw: Any, field: str, *, lo: Decimal | None = Decimal(0),
                  hi: Decimal | None = None) -> Decimal | None:
    """A number within [lo, hi], or None when empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        value = Decimal(str(raw).strip().replace(" ", ""))
    except InvalidOperation:
        raise UserError(_("Cần một con số."), field=field) from None
    if not value.is_finite():
        raise UserError(_("Cần một con số."), field=field)
    if lo is not None and value < lo:
        raise UserError(_("Không được nhỏ hơn %(n)s.", n=lo), field=field)
    if hi is not None and value > hi:
        raise UserError(_("Không được lớn hơn %(n)s.", n=hi), field=field)
    return value


def _text(data: Mapping[str, Any], key: str, limit: int | None = 255) -> str | None:
    value = str(data.get(key) or "").strip()
    if limit and len(value) > limit:
        raise UserError(_("Tối đa %(n)s ký tự.", n=limit), field=key)
    return value or None


def _search_key(partner: Partner) -> str:
    # Name, city and wanted products, folded, so "ca phe" finds a partner wanting "cà phê".
    text = " ".join(x for x in (partner.name, partner.city or "", partner.keywords or "") if x)
    return fold_words(text)[:255]


def check_version(partner: Partner, expected: Any) -> None:
    """Refuse an edit loaded before somebody else's save."""
    if expected in (None, ""):
        return
    try:
        if int(expected) == partner.version:
            return
    except (TypeError, ValueError):
        pass
    raise PartnerConflictError()


def _apply(partner: Partner, data: Mapping[str, Any]) -> None:
    name = _text(data, "name")
    if not name:
        raise UserError(_("Vui lòng nhập tên đối tác."), field="name")
    kind = str(data.get("kind") or "")
    if kind not in PARTNER_KINDS:
        raise UserError(_("Loại đối tác không hợp lệ."), field="kind")
    email = _text(data, "contact_email")
    if email and ("@" not in email or " " in email):
        raise UserError(_("Địa chỉ email không hợp lệ."), field="contact_email")
    partner.name = name
    partner.kind = kind
    partner.diaspora_owned = bool(data.get("diaspora_owned"))
    partner.country_code = clean_country(data.get("country_code"))
    partner.city = _text(data, "city", 120)
    partner.website = _text(data, "website")
    partner.hs_prefixes = clean_hs_prefixes(data.get("hs_prefixes"))
    partner.keywords = ", ".join(split_list(data.get("keywords"))) or None
    partner.required_certifications = clean_certifications(
        data.get("required_certifications"), "required_certifications")
    partner.annual_volume = clean_decimal(data.get("annual_volume"), "annual_volume")
    partner.volume_unit = _text(data, "volume_unit", 20)
    partner.contact_name = _text(data, "contact_name")
    partner.contact_email = email
    partner.contact_phone = _text(data, "contact_phone", 40)
    partner.notes = _text(data, "notes", 5000)
    partner.name_search = _search_key(partner)


def create_partner(data: Mapping[str, Any], by: User | None = None) -> Partner:
    """Add a partner after checking every field."""
    partner = Partner()
    _apply(partner, data)
    db.session.add(partner)
    db.session.flush()
    return partner


def update_partner(partner: Partner, data: Mapping[str, Any], *,
                   expected_version: Any = None, by: User | None = None) -> Partner:
    """Change a partner; refused when somebody saved it since the form was loaded."""
    check_version(partner, expected_version)
    _apply(partner, data)
    db.session.flush()
    return partner


def archive_partner(partner: Partner, archived: bool = True) -> None:
    """Hide (or bring back) a partner; nothing is deleted."""
    partner.archived = archived
    db.session.flush()
