"""Counterparts of an event from a .csv or .xlsx: a dry run (rows to add, rows matched to the
partner directory, rejected rows with reasons), then the import of the valid rows.

The file is read by crm.imports.parsing (type by content, heading row, cell values) and kept
between the dry run and the import by crm.imports.services (save_upload / read_upload).
Flush, never commit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from crm.errors import UserError
from crm.extensions import db
from crm.imports import parsing
from crm.imports.mapping import heading_key
from crm.meetings.services import clean_languages
from crm.models import Counterpart, Country, MeetingEvent, Partner
from crm.models.meeting import COUNTERPART_KINDS
from crm.partners.services import clean_certifications, clean_hs_prefixes
from crm.refdata import market_groups
from matching.text import fold, fold_words

FIELDS: dict[str, Any] = {
    "name": _l("Tên đối tác"),
    "country": _l("Quốc gia"),
    "kind": _l("Loại đối tác"),
    "products": _l("Sản phẩm cần mua"),
    "hs_codes": _l("Mã HS cần mua"),
    "markets": _l("Thị trường"),
    "languages": _l("Ngôn ngữ"),
    "certifications": _l("Chứng nhận yêu cầu"),
    "email": _l("Email liên hệ"),
}
REQUIRED = ("name", "country", "kind", "languages")
# Folded headings for each field; a heading matches exactly or starts with one word by word.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("ten doi tac", "ten", "doi tac", "ten cong ty", "cong ty", "ten don vi", "name",
             "company", "company name", "counterpart", "buyer", "buyer name", "partner",
             "partner name"),
    "country": ("quoc gia", "nuoc", "ma quoc gia", "country", "country code"),
    "kind": ("loai doi tac", "loai", "loai hinh", "type", "kind", "partner type",
             "buyer type"),
    "products": ("san pham can mua", "san pham", "mat hang", "mat hang can mua",
                 "products sought", "products", "product", "products wanted"),
    "hs_codes": ("ma hs can mua", "ma hs", "hs", "hs code", "hs codes", "hs codes sought"),
    "markets": ("thi truong", "thi truong phan phoi", "markets", "market"),
    "languages": ("ngon ngu", "ngon ngu giao dich", "languages", "language"),
    "certifications": ("chung nhan yeu cau", "chung nhan", "chung nhan can co",
                       "required certifications", "certifications required",
                       "certifications", "certification"),
    "email": ("email", "e mail", "email lien he", "thu dien tu", "contact email", "mail"),
}
_LOOKUP = {syn: key for key, syns in SYNONYMS.items() for syn in syns}
KIND_WORDS: dict[str, tuple[str, ...]] = {
    "importer": ("importer", "nha nhap khau", "nhap khau", "import"),
    "distributor": ("distributor", "nha phan phoi", "phan phoi", "wholesaler", "nha ban buon",
                    "ban buon"),
    "retail_chain": ("retail chain", "retail", "retailer", "chuoi ban le", "ban le",
                     "sieu thi", "supermarket"),
    "diaspora_association": ("diaspora association", "diaspora", "hiep hoi kieu bao",
                             "kieu bao", "hiep hoi doanh nhan viet", "association"),
}
_KINDS = {word: kind for kind, words in KIND_WORDS.items() for word in words}
# Language names people type instead of ISO 639-1 codes.
LANGUAGE_WORDS = {
    "english": "en", "tieng anh": "en", "anh": "en", "japanese": "ja", "tieng nhat": "ja",
    "nhat": "ja", "korean": "ko", "tieng han": "ko", "han": "ko", "chinese": "zh",
    "tieng trung": "zh", "trung": "zh", "french": "fr", "tieng phap": "fr", "phap": "fr",
    "german": "de", "tieng duc": "de", "duc": "de", "russian": "ru", "tieng nga": "ru",
    "nga": "ru", "arabic": "ar", "tieng a rap": "ar", "vietnamese": "vi", "tieng viet": "vi",
    "viet": "vi", "spanish": "es", "tieng tay ban nha": "es", "thai": "th", "tieng thai": "th",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def guess_field(heading: object) -> str | None:
    """The counterpart field a heading means, or None."""
    key = heading_key(heading)
    if not key:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    words = key.split()
    for n in range(len(words) - 1, 0, -1):
        prefix = " ".join(words[:n])
        if prefix in _LOOKUP:
            return _LOOKUP[prefix]
    return None


def column_mapping(headings: list[str]) -> dict[str, int]:
    """Field -> column index, each field taken by its first column."""
    out: dict[str, int] = {}
    for i, heading in enumerate(headings):
        key = guess_field(heading)
        if key and key not in out:
            out[key] = i
    return out


@dataclass
class Row:
    """One data row of the file and what the import would do with it."""

    number: int
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    partner: Partner | None = None

    @property
    def action(self) -> str:
        """'add' (new), 'match' (linked to a directory partner) or 'reject'."""
        if self.errors:
            return "reject"
        return "match" if self.partner is not None else "add"


@dataclass
class Report:
    """The dry run: each row with its action, and the columns read."""

    rows: list[Row]
    columns: dict[str, str]  # field -> heading of the file

    def of(self, action: str) -> list[Row]:
        """The rows with that action."""
        return [r for r in self.rows if r.action == action]

    @property
    def valid(self) -> list[Row]:
        """Rows that would be imported."""
        return [r for r in self.rows if not r.errors]


class _Lookups:
    """Countries, market groups, the directory and the event's counterparts, read once."""

    def __init__(self, event: MeetingEvent) -> None:
        self.countries: dict[str, str] = {}
        for c in db.session.scalars(select(Country)):
            self.countries[c.code.lower()] = c.code
            for name in (c.name_en, c.name_vi):
                if name:
                    self.countries.setdefault(fold_words(name), c.code)
        self.groups = market_groups()
        self.partners: dict[tuple[str, str], Partner] = {}
        for p in db.session.scalars(select(Partner).where(Partner.archived.is_(False))
                                    .order_by(Partner.id)):
            self.partners.setdefault((p.name_search, p.country_code), p)
        self.in_event = {(fold(cp.name), cp.country_code) for cp in event.counterparts}

    def country(self, raw: str) -> str | None:
        return self.countries.get(raw.strip().lower()) or self.countries.get(fold_words(raw))


def _cell(values: list[Any], columns: dict[str, int], key: str) -> Any:
    i = columns.get(key)
    return values[i] if i is not None and i < len(values) else None


def _hs_text(value: Any) -> str | None:
    # A number cell lost the leading zero of 0901 / 090121: give it back (HS has even length).
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return text.zfill(len(text) + 1) if len(text) % 2 else text
    return parsing.to_text(value)


def _languages(raw: Any) -> list[str]:
    items = [LANGUAGE_WORDS.get(fold_words(item), item) for item in parsing.to_list(raw)]
    return clean_languages(items)


def _judge(row: Row, values: list[Any], columns: dict[str, int], lookups: _Lookups,
           seen: dict[tuple[str, str], int]) -> None:
    """Fill row.values, or row.errors with one reason per bad cell."""

    def check(key: str, fn: Any) -> Any:
        try:
            return fn()
        except UserError as err:
            row.errors.append(f"{FIELDS[key]}: {err.message}")
            return None

    if not row.name:
        row.errors.append(_("Thiếu tên đối tác."))
    country_raw = parsing.to_text(_cell(values, columns, "country")) or ""
    country = lookups.country(country_raw) if country_raw else None
    if not country_raw:
        row.errors.append(_("Thiếu quốc gia."))
    elif country is None:
        row.errors.append(_("Không nhận ra quốc gia “%(value)s” (dùng mã ISO như JP, US).",
                            value=country_raw))
    kind_raw = parsing.to_text(_cell(values, columns, "kind")) or ""
    kind = kind_raw if kind_raw in COUNTERPART_KINDS else _KINDS.get(fold_words(kind_raw))
    if not kind_raw:
        row.errors.append(_("Thiếu loại đối tác."))
    elif kind is None:
        row.errors.append(_("Loại đối tác “%(value)s” không hợp lệ: nhà nhập khẩu, nhà phân "
                            "phối, chuỗi bán lẻ hoặc hiệp hội kiều bào.", value=kind_raw))
    languages = check("languages", lambda: _languages(_cell(values, columns, "languages")))
    if languages == []:
        row.errors.append(_("Thiếu ngôn ngữ (mã như en, ja)."))
    hs = check("hs_codes", lambda: clean_hs_prefixes(
        parsing.to_list(_hs_text(_cell(values, columns, "hs_codes")))))
    certs = check("certifications", lambda: clean_certifications(
        parsing.to_list(_cell(values, columns, "certifications")), "certifications"))
    markets: list[str] = []
    for item in parsing.to_list(_cell(values, columns, "markets")):
        codes = lookups.groups.get(item.upper()) or [lookups.country(item)]
        if None in codes:
            row.errors.append(_("Thị trường “%(value)s” không nhận ra.", value=item))
            continue
        markets += [c for c in codes if c and c not in markets]
    email = (parsing.to_text(_cell(values, columns, "email")) or "").lower() or None
    if email and (not _EMAIL.match(email) or len(email) > 255):
        row.errors.append(_("Email “%(value)s” không hợp lệ.", value=email))
    if row.name and country:
        key = (fold(row.name), country)
        if key in lookups.in_event:
            row.errors.append(_("Đối tác này đã có trong sự kiện."))
        elif key in seen:
            row.errors.append(_("Trùng với dòng %(row)d của tệp.", row=seen[key]))
        else:
            seen[key] = row.number
        row.partner = lookups.partners.get(key)
    if row.errors:
        row.partner = None
        return
    partner = row.partner
    products = parsing.to_text(_cell(values, columns, "products"))
    row.values = {
        "name": row.name[:255], "kind": kind, "country_code": country, "languages": languages,
        # Blanks are filled from the directory's record of the same partner.
        "products_sought": products or (partner.keywords if partner else None),
        "hs_prefixes": hs or (list(partner.hs_prefixes or []) if partner else []),
        "markets": markets,
        "required_certifications": certs or (
            list(partner.required_certifications or []) if partner else []),
        "contact_email": email or (partner.contact_email if partner else None),
        "partner_id": partner.id if partner else None,
    }


def plan(event: MeetingEvent, table: parsing.Table) -> Report:
    """The dry run of a file for an event; writes nothing. UserError if a required column
    is missing."""
    columns = column_mapping(table.headings)
    missing = [str(FIELDS[k]) for k in REQUIRED if k not in columns]
    if missing:
        raise UserError(_("Tệp thiếu cột bắt buộc: %(cols)s. Dòng tiêu đề cần có: %(need)s.",
                          cols=", ".join(missing),
                          need=", ".join(str(FIELDS[k]) for k in REQUIRED)), field="file")
    lookups = _Lookups(event)
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for number, values in table.rows:
        row = Row(number, parsing.to_text(_cell(values, columns, "name")) or "")
        _judge(row, values, columns, lookups, seen)
        rows.append(row)
    return Report(rows, {k: table.headings[i] for k, i in columns.items()})


def apply(event: MeetingEvent, report: Report, *, partial: bool) -> int:
    """Add the report's valid rows; with rejected rows only when `partial`. How many added."""
    if report.of("reject") and not partial:
        raise UserError(_("Tệp còn dòng lỗi: sửa tệp, hoặc chọn chỉ nhập các dòng hợp lệ."),
                        field="partial")
    if not report.valid:
        raise UserError(_("Không có dòng hợp lệ nào để nhập."), field="partial")
    for row in report.valid:
        db.session.add(Counterpart(event_id=event.id, **row.values))
    db.session.flush()
    return len(report.valid)
