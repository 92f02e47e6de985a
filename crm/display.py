"""Names for codes shown in pages: provinces, communes, countries, HS codes, labels."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from functools import lru_cache
from typing import Any, TypeVar

import pycountry
from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from vietnam_provinces import Province, Ward

from crm.extensions import db


@lru_cache(maxsize=1)
def province_names() -> dict[int, str]:
    """Province code -> name ("Khánh Hòa", "Thành phố Hà Nội")."""
    return {int(p.code): p.name for p in Province.iter_all()}


@lru_cache(maxsize=1)
def commune_names() -> dict[int, tuple[str, int]]:
    """Commune/ward code -> (name, province code), after the 2025 reform."""
    return {int(w.code): (w.name, int(w.province_code)) for w in Ward.iter_all()}


def provinces() -> list[tuple[int, str]]:
    """The 34 provinces after the 2025 reform, sorted by name."""
    from matching.text import fold

    return sorted(province_names().items(), key=lambda kv: fold(kv[1]))


def communes_of(province_code: int) -> list[tuple[int, str]]:
    """Communes, wards and special zones of one province."""
    return sorted(
        ((code, name) for code, (name, prov) in commune_names().items() if prov == province_code),
        key=lambda kv: kv[1],
    )


def commune_province(commune_code: int) -> int | None:
    """The province a commune belongs to, or None if unknown."""
    found = commune_names().get(commune_code)
    return found[1] if found else None


def province_name(code: int | None) -> str:
    """Province name, or '' when unknown."""
    return province_names().get(code, "") if code else ""


def commune_name(code: int | None) -> str:
    """Commune/ward name, or ''."""
    found = commune_names().get(code) if code else None
    return found[0] if found else ""


# Vietnamese names of the countries the CRM meets most; others fall back to English.
COUNTRY_VI = {
    "VN": "Việt Nam", "CN": "Trung Quốc", "JP": "Nhật Bản", "KR": "Hàn Quốc",
    "US": "Hoa Kỳ", "AE": "UAE", "SA": "Ả Rập Xê Út", "DE": "Đức", "FR": "Pháp",
    "NL": "Hà Lan", "GB": "Anh", "AU": "Úc", "CA": "Canada", "SG": "Singapore",
    "TH": "Thái Lan", "MY": "Malaysia", "ID": "Indonesia", "PH": "Philippines",
    "IN": "Ấn Độ", "RU": "Nga", "TW": "Đài Loan", "HK": "Hồng Kông", "IT": "Ý",
    "ES": "Tây Ban Nha", "BE": "Bỉ", "PL": "Ba Lan", "CZ": "Séc", "QA": "Qatar",
    "KW": "Kuwait", "EG": "Ai Cập", "ZA": "Nam Phi", "BR": "Brazil", "MX": "Mexico",
    "CL": "Chile", "NZ": "New Zealand", "LA": "Lào", "KH": "Campuchia", "MM": "Myanmar",
}


def country_name(code: str | None) -> str:
    """Country name in the interface language."""
    if not code:
        return ""
    if str(get_locale()) == "vi" and code in COUNTRY_VI:
        return COUNTRY_VI[code]
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


T = TypeVar("T")
REFERENCE_PREFIX = "crm_ref_"  # app.extensions keys of the tables below


def reference_table(key: str, load: Callable[[], T],
                    complete: Callable[[T], bool] = bool) -> T:
    """Something built from reference data (HS titles, scheme names, filter choices) once per
    app and kept under `key`.

    Pages show dozens of HS lines and certificates: a query for each was ~20 ms of a firm
    list. What `load` returns is kept only when `complete` says so (an empty table may mean
    the reference data is not loaded yet). It changes when `crm refdata` loads new reference
    data: `forget_reference_cache` drops it in that process (restart the app's workers).
    """
    from flask import current_app

    key = REFERENCE_PREFIX + key
    table = current_app.extensions.get(key)
    if table is None:
        table = load()
        if complete(table):
            current_app.extensions[key] = table
    return table


def _hs_table() -> dict[str, tuple[str | None, str, str | None]]:
    """code -> (parent, English, Vietnamese) of the HS nomenclature."""
    from crm.models import HsCode

    def load() -> dict[str, Any]:
        rows = db.session.execute(db.select(HsCode.code, HsCode.parent, HsCode.description_en,
                                            HsCode.description_vi))
        return {code: (parent, en, vi) for code, parent, en, vi in rows}

    return reference_table("hs_titles", load)


def _scheme_table() -> dict[str, tuple[str, str]]:
    """code -> (Vietnamese, English) name of every certification scheme."""
    from crm.models import CertificationScheme

    def load() -> dict[str, Any]:
        rows = db.session.execute(db.select(CertificationScheme.code,
                                            CertificationScheme.name_vi,
                                            CertificationScheme.name_en))
        return {code: (vi, en) for code, vi, en in rows}

    return reference_table("scheme_names", load)


def forget_reference_cache() -> None:
    """Drop everything `reference_table` keeps (after reloading the reference data in this
    process)."""
    from flask import current_app

    for key in [k for k in current_app.extensions if k.startswith(REFERENCE_PREFIX)]:
        del current_app.extensions[key]


def hs_title(code: str | None) -> str:
    """Short HS description in the interface language (Vietnamese when we have it)."""
    table = _hs_table() if code else {}
    entry = table.get(code or "")
    if entry is None:
        return ""
    if str(get_locale()) == "vi":
        # Most 6-digit lines have no Vietnamese text in our table: a Vietnamese reader is
        # better served by the nearest heading or chapter that has one than by English.
        node: tuple[str | None, str, str | None] | None = entry
        while node is not None:
            if node[2]:
                return node[2]
            node = table.get(node[0]) if node[0] else None
    return entry[1]


def scheme_name(code: str) -> str:
    """Certification scheme name in the interface language."""
    names = _scheme_table().get(code)
    if names is None:
        return code
    return names[0] if str(get_locale()) == "vi" else names[1]


LABELS = {
    # legal forms
    "llc": _l("Công ty TNHH"), "jsc": _l("Công ty cổ phần"),
    "partnership": _l("Công ty hợp danh"), "private": _l("Doanh nghiệp tư nhân"),
    "cooperative": _l("Hợp tác xã"), "household": _l("Hộ kinh doanh"), "other": _l("Khác"),
    # size classes
    "micro": _l("Siêu nhỏ"), "small": _l("Nhỏ"), "medium": _l("Vừa"), "large": _l("Lớn"),
    # sectors
    "seafood": _l("Thủy sản"), "birds_nest": _l("Yến sào"), "coffee": _l("Cà phê"),
    "pepper_spices": _l("Hồ tiêu, gia vị"), "cashew_nuts": _l("Điều, hạt"),
    "fruit_vegetables": _l("Rau quả"), "rice_agri": _l("Gạo, nông sản"),
    "food_processing": _l("Chế biến thực phẩm"), "furniture_wood": _l("Gỗ, nội thất"),
    "garments_textiles": _l("Dệt may"), "handicrafts": _l("Thủ công mỹ nghệ"),
    "rubber": _l("Cao su"), "tourism": _l("Du lịch"), "logistics": _l("Logistics"),
    # verification
    "unverified": _l("Chưa xác minh"), "self_declared": _l("Tự khai"),
    "verified": _l("Đã xác minh"),
    # market kinds
    "current": _l("Đang xuất khẩu"), "target": _l("Mục tiêu"),
    # store status ("store" context: an open opportunity is "Đang mở" too)
    "planned": _l("Dự kiến"), "onboarding": lazy_pgettext("store", "Đang mở"),
    "active": _l("Hoạt động"), "suspended": _l("Tạm dừng"), "closed": _l("Đã đóng"),
    # platforms
    "amazon": "Amazon", "alibaba": "Alibaba", "tiktok_shop": "TikTok Shop",
    "shopee": "Shopee", "lazada": "Lazada",
    # roles: "role" context, as "Doanh nghiệp" is also the firms menu and "Xem" a button
    "admin": lazy_pgettext("role", "Quản trị"), "manager": lazy_pgettext("role", "Lãnh đạo"),
    "officer": lazy_pgettext("role", "Cán bộ"), "enterprise": lazy_pgettext("role", "Doanh nghiệp"),
    "viewer": lazy_pgettext("role", "Xem"),
    # units
    "tonnes": _l("tấn"), "kg": "kg", "pieces": _l("chiếc"), "m3": "m³",
    "litres": _l("lít"), "containers": _l("container"),
}


def label(code: str | None) -> str:
    """Human label of a code (legal form, size, sector, status...) in the UI language."""
    if not code:
        return ""
    return str(LABELS.get(code, code))


def capitalize_first(text: str | None) -> str:
    """Upper-case the first letter only ("đủ điều kiện khi có Halal" -> "Đủ điều kiện khi có
    Halal"); Jinja's `capitalize` would lower-case the rest, names and codes included."""
    return text[:1].upper() + text[1:] if text else ""


_WORD = re.compile(r"\w+", re.UNICODE)


def highlight(text: str | None, terms: Collection[str] | None) -> Markup:
    """`text` escaped, with the words whose folded form is in `terms` marked (<mark>)."""
    from matching.text import fold

    if not text:
        return Markup("")
    if not terms:
        return escape(text)
    out = Markup("")
    last = 0
    for match in _WORD.finditer(text):
        if fold(match.group()) in terms:
            out += escape(text[last:match.start()])
            out += Markup("<mark>{}</mark>").format(match.group())  # format() escapes
            last = match.end()
    return out + escape(text[last:])


MATCH_FIELDS = {
    "name": _l("tên"), "product": _l("sản phẩm"), "hs": _l("mã HS"),
    "extra": _l("chứng nhận, nhãn hiệu, gian hàng"), "place": _l("nơi"),
    "description": _l("giới thiệu"), "tax": _l("mã số thuế"), "former": _l("tên cũ"),
}


def match_field(field: str) -> str:
    """Name of a searched field (crm.search.document.FIELDS) in the interface language."""
    return str(MATCH_FIELDS.get(field, field))


def shown_products(products: list[Any], terms: Collection[str] | None,
                   limit: int = 3) -> list[Any]:
    """The products a list row shows: those holding a searched word first."""
    from matching.text import fold_words

    if not terms:
        return products[:limit]
    ranked = sorted(products, key=lambda p: not (
        set(fold_words(f"{p.name} {p.name_en or ''}").split()) & set(terms)))
    return ranked[:limit]
