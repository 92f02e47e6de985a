"""Spreadsheet headings -> import fields: Vietnamese (with or without diacritics) and English."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from matching.text import fold_words

# Import field -> label shown in the mapping form. Order = order in the form's select.
FIELDS: dict[str, object] = {
    "tax_code": _l("Mã số thuế"),
    "name": _l("Tên doanh nghiệp"),
    "name_en": _l("Tên tiếng Anh"),
    "former_names": _l("Tên cũ"),
    "legal_form": _l("Loại hình"),
    "province": _l("Tỉnh/thành phố"),
    "address": _l("Địa chỉ"),
    "employees": _l("Số lao động"),
    "founded_year": _l("Năm thành lập"),
    "revenue_bn_vnd": _l("Doanh thu (tỷ đồng)"),
    "capital_bn_vnd": _l("Vốn (tỷ đồng)"),
    "export_revenue_usd": _l("Kim ngạch xuất khẩu (USD)"),
    "website": _l("Website"),
    "description": _l("Giới thiệu"),
    "contact_name": _l("Người liên hệ"),
    "contact_position": _l("Chức vụ người liên hệ"),
    "phone": _l("Điện thoại"),
    "email": _l("Email"),
    "products": _l("Sản phẩm chính"),
    "hs_codes": _l("Mã HS"),
    "markets_current": _l("Thị trường xuất khẩu"),
    "markets_target": _l("Thị trường mục tiêu"),
    "certifications": _l("Chứng nhận"),
    "cert_issued_on": _l("Ngày cấp chứng nhận"),
    "cert_expires_on": _l("Ngày hết hạn chứng nhận"),
}

# Folded headings (punctuation as spaces) for each field. A heading matches a synonym exactly,
# or starts with it word by word ("ma so thue mst" starts with "ma so thue"): longest wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "tax_code": ("ma so thue", "mst", "ma so doanh nghiep", "msdn", "ma dn", "tax code",
                 "tax id", "tax number", "tax", "ma so thue doanh nghiep"),
    "name": ("ten doanh nghiep", "ten dn", "ten cong ty", "ten", "doanh nghiep", "ten don vi",
             "don vi", "ten to chuc", "ten htx", "ten hop tac xa", "ten co so", "company name",
             "company", "name", "firm name", "firm", "enterprise name", "enterprise",
             "business name", "ten doanh nghiep htx"),
    "name_en": ("ten tieng anh", "ten giao dich", "ten giao dich quoc te", "ten quoc te",
                "ten nuoc ngoai", "english name", "name in english", "name en", "trading name"),
    "former_names": ("ten cu", "ten cu doanh nghiep", "ten truoc day", "ten truoc",
                     "ten da doi", "former names", "former name", "previous names",
                     "previous name", "old name", "old names", "formerly"),
    "legal_form": ("loai hinh", "loai hinh doanh nghiep", "loai hinh dn", "legal form",
                   "company type", "type of company"),
    "province": ("tinh thanh pho", "tinh thanh", "tinh tp", "tinh", "thanh pho", "dia ban",
                 "province", "province city", "city province", "city"),
    "address": ("dia chi", "dia chi tru so", "dia chi tru so chinh", "tru so", "address",
                "head office address", "office address"),
    "employees": ("so lao dong", "lao dong", "so ld", "so nhan vien", "nhan vien", "nhan su",
                  "quy mo lao dong", "employees", "number of employees", "no of employees",
                  "headcount", "workers", "staff"),
    "founded_year": ("nam thanh lap", "thanh lap", "ngay thanh lap", "nam tl",
                     "founded", "year founded", "founded year", "established",
                     "year established", "founding year"),
    "revenue_bn_vnd": ("doanh thu", "doanh thu ty dong", "doanh thu ty vnd", "revenue",
                       "revenue bn vnd", "annual revenue", "turnover"),
    "capital_bn_vnd": ("von dieu le", "von", "von dieu le ty dong", "capital",
                       "charter capital", "registered capital"),
    "export_revenue_usd": ("kim ngach xuat khau", "kim ngach xk", "kim ngach",
                           "kim ngach xuat khau usd", "export revenue", "export value",
                           "export turnover", "export revenue usd"),
    "website": ("website", "trang web", "web", "url", "trang thong tin dien tu"),
    "description": ("gioi thieu", "mo ta", "ghi chu", "description", "notes", "note", "about"),
    "contact_name": ("nguoi lien he", "lien he", "ten nguoi lien he", "ho ten nguoi lien he",
                     "nguoi dai dien", "dai dien", "contact", "contact person", "contact name",
                     "representative"),
    "contact_position": ("chuc vu", "chuc danh", "position", "job title", "title"),
    "phone": ("dien thoai", "so dien thoai", "sdt", "dt", "dtdd", "di dong", "phone",
              "phone number", "tel", "telephone", "mobile"),
    "email": ("email", "e mail", "thu dien tu", "mail", "dia chi email"),
    "products": ("san pham chinh", "san pham", "san pham xuat khau", "mat hang",
                 "mat hang chinh", "mat hang xuat khau", "nganh hang", "main products",
                 "products", "product", "main product", "export products"),
    "hs_codes": ("ma hs", "hs code", "hs codes", "hs", "ma hs code", "ma hang hoa hs"),
    "markets_current": ("thi truong xuat khau", "thi truong xk", "thi truong",
                        "thi truong hien tai", "thi truong dang xuat khau", "xuat khau sang",
                        "thi truong xuat khau hien tai", "thi truong xuat khau chinh",
                        "export markets", "export market", "markets", "current markets",
                        "current export markets"),
    "markets_target": ("thi truong muc tieu", "thi truong tiem nang", "thi truong mong muon",
                       "thi truong huong toi", "thi truong xuat khau muc tieu",
                       "target markets", "target market", "markets targeted"),
    "certifications": ("chung nhan", "chung chi", "tieu chuan", "chung nhan dat duoc",
                       "chung nhan tieu chuan", "certifications", "certification",
                       "certificates", "certificate", "standards"),
    "cert_issued_on": ("ngay cap", "ngay cap chung nhan", "ngay cap chung chi", "issued on",
                       "issue date", "date of issue", "certificate issued"),
    "cert_expires_on": ("ngay het han", "han chung nhan", "het han", "hieu luc den",
                        "ngay het han chung nhan", "expiry date", "expires on", "expiry",
                        "valid until", "expiration date"),
}
_LOOKUP: dict[str, str] = {syn: field for field, syns in SYNONYMS.items() for syn in syns}
_BRACKETS = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def heading_key(heading: object) -> str:
    """A heading folded to plain words: 'Mã số thuế (MST)' -> 'ma so thue mst'."""
    return fold_words(str(heading or "").replace("_", " "))


def guess_field(heading: object) -> str | None:
    """The import field a heading most likely means, or None."""
    text = str(heading or "")
    for candidate in (heading_key(text), heading_key(_BRACKETS.sub(" ", text))):
        if not candidate:
            continue
        if candidate in _LOOKUP:
            return _LOOKUP[candidate]
        words = candidate.split()
        for n in range(len(words) - 1, 0, -1):
            prefix = " ".join(words[:n])
            if prefix in _LOOKUP:
                return _LOOKUP[prefix]
    return None


def guess_mapping(headings: list[str]) -> list[str | None]:
    """One field (or None) per column; a field is given to its first column only."""
    used: set[str] = set()
    out: list[str | None] = []
    for heading in headings:
        field = guess_field(heading)
        if field in used:
            field = None
        if field:
            used.add(field)
        out.append(field)
    return out


def header_score(cells: list[object]) -> int:
    """How many cells of a row read as known headings (finds the heading row)."""
    return sum(1 for c in cells if isinstance(c, str) and guess_field(c))
