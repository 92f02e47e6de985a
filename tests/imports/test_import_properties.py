"""Property-based: any spreadsheet of firms imports without losing a cell, and importing it
again (as it was, or with its values in worse forms, in another order and format) changes
nothing.

Hypothesis draws files with a random subset of the optional columns, cells filled or left
empty row by row, text with and without diacritics in any letter case, numbers and dates in
the formats officers type, .csv or .xlsx. FUZZ_EXAMPLES=200 FUZZ_RANDOM=1 for a long run of
new examples (default: the same examples each run, so that CI cannot fail by luck).
"""

from __future__ import annotations

import itertools
import os
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from crm.display import provinces
from crm.imports import parsing, services
from crm.imports.mapping import guess_mapping
from crm.models import ChangeRecord, Firm
from tests.imports.conftest import csv_bytes, xlsx_bytes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") != "1"

VI = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
ALPHABET = VI + VI.upper() + "0123456789  ,.-()&"
PRODUCTS = (("Cà phê nhân", "0901.11"), ("Tổ yến tinh chế", "0410.90"), ("Hồ tiêu đen", "0904"),
            ("Hạt điều nhân", "0801.32"), ("Tôm thẻ đông lạnh", "0306.17"),
            ("Thanh long ruột đỏ", "0810"))
COUNTRIES = (("Nhật Bản", "JP"), ("Hoa Kỳ", "US"), ("Trung Quốc", "CN"), ("Đức", "DE"),
             ("Hàn Quốc", "KR"), ("Singapore", "SG"), ("Úc", "AU"))
SCHEMES = (("HACCP", "HACCP"), ("ISO 22000", "ISO22000"), ("Halal", "HALAL"),
           ("GlobalGAP", "GLOBALGAP"), ("VietGAP", "VIETGAP"))
LEGAL_FORMS = (("Công ty TNHH", "llc"), ("Công ty cổ phần", "jsc"), ("CTCP", "jsc"),
               ("Hợp tác xã", "cooperative"), ("Hộ kinh doanh", "household"),
               ("Doanh nghiệp tư nhân", "private"))
PEOPLE = ("Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Phúc", "Phạm Thu Hà", "Đặng Quốc Việt")
# Optional column groups: the file's headings for each.
GROUPS = {
    "name_en": ["Tên tiếng Anh"], "province": ["Tỉnh/Thành phố"], "address": ["Địa chỉ"],
    "employees": ["Số lao động"], "founded_year": ["Năm thành lập"],
    "revenue_bn_vnd": ["Doanh thu (tỷ đồng)"], "capital_bn_vnd": ["Vốn điều lệ"],
    "export_revenue_usd": ["Kim ngạch xuất khẩu"], "legal_form": ["Loại hình"],
    "website": ["Website"], "description": ["Giới thiệu"],
    "contact": ["Người liên hệ", "Chức vụ", "Điện thoại", "Email"],
    "products": ["Sản phẩm chính", "Mã HS"],
    "markets": ["Thị trường xuất khẩu", "Thị trường mục tiêu"],
    "certifications": ["Chứng nhận", "Ngày cấp", "Ngày hết hạn"],
}
_serial = itertools.count(1)


def unaccented(text: str) -> str:
    """Text without diacritics, letter case kept ("Đắk" -> "Dak")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text)
                   if not unicodedata.combining(c))


def worse(text: str) -> str:
    """The worst form of the same text: no diacritics, upper case."""
    return unaccented(text).upper()


VARIANTS = (lambda t: t, str.upper, str.lower, unaccented, worse)


@dataclass
class Row:
    """One firm of the file: its cells, what must be stored, and its cells in worse forms."""

    tax_code: str
    cells: dict[str, Any] = field(default_factory=dict)
    worse: dict[str, Any] = field(default_factory=dict)
    expect: dict[str, Any] = field(default_factory=dict)


def _text(draw: Any, min_size: int = 1) -> str:
    text = draw(st.text(ALPHABET, min_size=min_size, max_size=30).filter(lambda t: t.strip()))
    return draw(st.sampled_from(VARIANTS))(text)


def _padded(draw: Any, text: str) -> str:
    return draw(st.sampled_from(["", " ", "  "])) + text + draw(st.sampled_from(["", " "]))


def _date_cell(draw: Any, day: date, kind: str) -> Any:
    forms = [day.strftime("%d/%m/%Y"), day.isoformat()]
    if kind == "xlsx":
        forms.append(datetime(day.year, day.month, day.day))
    return draw(st.sampled_from(forms))


def _number_cell(draw: Any, value: Decimal, kind: str) -> Any:
    plain = f"{value:.2f}"
    whole, cents = plain.split(".")
    forms = [plain, f"{whole},{cents}", f"{int(whole):,}".replace(",", ".") + f",{cents}"]
    if kind == "xlsx":
        forms.append(float(value))
    return draw(st.sampled_from(forms))


def _phone_cells(draw: Any, kind: str) -> tuple[Any, str]:
    digits = "09" + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=8,
                                          max_size=8)))
    forms = [digits, f"{digits[:4]} {digits[4:7]} {digits[7:]}",
             f"{digits[:4]}.{digits[4:7]}.{digits[7:]}", f"+84 {digits[1:4]} {digits[4:]}"]
    if kind == "xlsx":
        forms.append(int(digits))
    cell = draw(st.sampled_from(forms))
    return cell, ("0" + str(cell) if isinstance(cell, int) else cell)


@st.composite
def rows_of(draw: Any, groups: list[str], kind: str, tax_codes: list[str]) -> list[Row]:
    """Rows for the file, each optional cell filled or empty."""
    places = list(provinces())
    out = []
    for tax_code in tax_codes:
        row = Row(tax_code)
        n = next(_serial)
        tax_forms = [tax_code, f"{tax_code[:4]} {tax_code[4:7]} {tax_code[7:]}",
                     f"{tax_code[:4]}.{tax_code[4:7]}.{tax_code[7:]}"]
        row.cells["Mã số thuế"] = draw(st.sampled_from(tax_forms))
        row.worse["Mã số thuế"] = tax_code
        name = draw(st.sampled_from(["Công ty TNHH ", "CTCP ", "HTX ", ""])) + _text(draw)
        row.cells["Tên doanh nghiệp"] = _padded(draw, name)
        row.worse["Tên doanh nghiệp"] = worse(name.strip())
        row.expect["name"] = name.strip()
        for group in groups:
            if draw(st.booleans()) or draw(st.booleans()):  # filled 3 times in 4
                _fill(draw, row, group, kind, n, places)
        out.append(row)
    return out


def _fill(draw: Any, row: Row, group: str, kind: str, n: int, places: list) -> None:
    cells, bad, expect = row.cells, row.worse, row.expect
    if group in ("name_en", "description"):
        text = _text(draw)
        cells[GROUPS[group][0]] = _padded(draw, text)
        bad[GROUPS[group][0]] = worse(text.strip())
        expect[group] = text.strip()
    elif group == "address":
        text = _text(draw, min_size=8).strip()
        cells["Địa chỉ"] = text
        cut = len(text) // 2
        # Cut short by a narrow column, or only upper case without diacritics.
        bad["Địa chỉ"] = worse(text[:cut]) + "..." if cut >= 3 else worse(text)
        expect["address"] = text
    elif group == "province":
        code, name = draw(st.sampled_from(places))
        cells["Tỉnh/Thành phố"] = draw(st.sampled_from(VARIANTS))(name)
        bad["Tỉnh/Thành phố"] = worse(name)
        expect["province_code"] = code
    elif group == "employees":
        value = draw(st.integers(0, 200_000))
        dotted = f"{value:,}".replace(",", ".")
        cells["Số lao động"] = draw(st.sampled_from(
            [str(value), dotted, value] if kind == "xlsx" else [str(value), dotted]))
        bad["Số lao động"] = dotted
        expect["employees"] = value
    elif group == "founded_year":
        year = draw(st.integers(1950, 2025))
        forms: list[Any] = [str(year)]
        if kind == "xlsx":
            forms += [year, datetime(year, 5, 1)]
        cells["Năm thành lập"] = draw(st.sampled_from(forms))
        bad["Năm thành lập"] = f"01/05/{year}"
        expect["founded_year"] = year
    elif group == "legal_form":
        text, code = draw(st.sampled_from(LEGAL_FORMS))
        cells["Loại hình"] = draw(st.sampled_from(VARIANTS))(text)
        bad["Loại hình"] = worse(text)
        expect["legal_form"] = code
    elif group in ("revenue_bn_vnd", "capital_bn_vnd", "export_revenue_usd"):
        value = Decimal(draw(st.integers(1, 10**8))) / 100
        cells[GROUPS[group][0]] = _number_cell(draw, value, kind)
        bad[GROUPS[group][0]] = _number_cell(draw, value, "csv")
        expect[group] = value
    elif group == "website":
        host = f"congty{n}.vn"
        cell = draw(st.sampled_from([host, "https://" + host, "www." + host, host.upper()]))
        cells["Website"] = cell
        bad["Website"] = cell.upper()
        expect["website"] = cell if "://" in cell else "https://" + cell
    elif group == "contact":
        _fill_contact(draw, row, kind, n)
    elif group == "products":
        items = draw(st.lists(st.sampled_from(PRODUCTS), min_size=1, max_size=3,
                              unique_by=lambda p: p[0]))
        names = [draw(st.sampled_from(VARIANTS))(p[0]) for p in items]
        coded = draw(st.integers(0, len(items)))  # HS codes of the first `coded` products
        codes = [p[1] if draw(st.booleans()) else p[1].replace(".", "") for p in items[:coded]]
        cells["Sản phẩm chính"] = ", ".join(names)
        bad["Sản phẩm chính"] = ", ".join(worse(x) for x in names)
        if codes:
            cells["Mã HS"] = ", ".join(codes)
            # A heading instead of the subheading: less precise, never stored over it.
            bad["Mã HS"] = ", ".join(c.replace(".", "")[:4] for c in codes)
        expect["products"] = {(name, codes[i].replace(".", "") if i < coded else None)
                              for i, name in enumerate(names)}
    elif group == "markets":
        expect["markets"] = set()
        for heading, kind_ in (("Thị trường xuất khẩu", "current"),
                               ("Thị trường mục tiêu", "target")):
            chosen = draw(st.lists(st.sampled_from(COUNTRIES), max_size=3,
                                   unique_by=lambda c: c[1]))
            if chosen:
                cells[heading] = ", ".join(
                    draw(st.sampled_from([*(v(name) for v in VARIANTS), code]))
                    for name, code in chosen)
                bad[heading] = ", ".join(c[1] for c in reversed(chosen))
            expect["markets"] |= {(c[1], kind_) for c in chosen}
    elif group == "certifications":
        chosen = draw(st.lists(st.sampled_from(SCHEMES), min_size=1, max_size=2,
                               unique_by=lambda s: s[1]))
        issued = draw(st.dates(date(2015, 1, 1), date(2025, 12, 31)))
        expires = issued + timedelta(days=draw(st.integers(1, 2000))) \
            if draw(st.booleans()) else None
        cells["Chứng nhận"] = ", ".join(draw(st.sampled_from(VARIANTS))(s[0]) for s in chosen)
        bad["Chứng nhận"] = ", ".join(s[0].upper() for s in chosen)
        cells["Ngày cấp"] = _date_cell(draw, issued, kind)
        bad["Ngày cấp"] = issued.isoformat()
        if expires:
            cells["Ngày hết hạn"] = _date_cell(draw, expires, kind)
            bad["Ngày hết hạn"] = expires.strftime("%d/%m/%Y")
        expect["certifications"] = {(s[1], issued, expires) for s in chosen}


def _fill_contact(draw: Any, row: Row, kind: str, n: int) -> None:
    filled = draw(st.lists(st.sampled_from(["name", "position", "phone", "email"]),
                           min_size=1, max_size=4, unique=True))
    contact = {"name": "Văn phòng", "position": None, "phone": None, "email": None}
    if "name" in filled:
        name = draw(st.sampled_from(VARIANTS))(draw(st.sampled_from(PEOPLE)))
        row.cells["Người liên hệ"], row.worse["Người liên hệ"] = name, worse(name)
        contact["name"] = name
    if "position" in filled:
        position = _text(draw).strip()
        row.cells["Chức vụ"], row.worse["Chức vụ"] = position, worse(position)
        contact["position"] = position
    if "phone" in filled:
        cell, stored = _phone_cells(draw, kind)
        row.cells["Điện thoại"] = cell
        digits = "".join(c for c in stored if c.isdigit()).removeprefix("84")
        row.worse["Điện thoại"] = "+84 " + digits.removeprefix("0")
        contact["phone"] = stored
    if "email" in filled:
        email = draw(st.sampled_from([f"lienhe{n}@congty.vn", f"LienHe{n}@CongTy.vn"]))
        row.cells["Email"], row.worse["Email"] = email, email.upper()
        contact["email"] = email
    row.expect["contact"] = contact


def _write(tmp_path: Path, headings: list[str], rows: list[Row], kind: str,
           which: str = "cells") -> Path:
    table = [headings] + [[getattr(r, which).get(h) for h in headings] for r in rows]
    path = tmp_path / f"p{next(_serial)}.{kind}"
    path.write_bytes(xlsx_bytes(table) if kind == "xlsx" else csv_bytes(table))
    return path


def _import(path: Path) -> services.ImportReport:
    table = parsing.read_table(path)
    report = services.plan_import(table, guess_mapping(table.headings))
    assert not report.errors, [(r.row, r.errors) for r in report.errors]
    services.apply_import(report)
    return report


def _check_stored(db: Any, rows: list[Row]) -> None:
    db.session.expire_all()
    for row in rows:
        firm = db.session.scalar(select(Firm).where(Firm.tax_code == row.tax_code))
        assert firm is not None
        expect = row.expect
        for key in ("name", "name_en", "address", "description", "website", "province_code",
                    "employees", "founded_year", "revenue_bn_vnd", "capital_bn_vnd",
                    "export_revenue_usd"):
            assert getattr(firm, key) == expect.get(key), key
        if "legal_form" in expect:
            assert firm.legal_form == expect["legal_form"]
        contact = expect.get("contact")
        assert [{k: getattr(c, k) for k in ("name", "position", "phone", "email")}
                for c in firm.contacts] == ([contact] if contact else [])
        assert {(p.name, p.hs_code) for p in firm.products} == expect.get("products", set())
        assert {(m.country_code, m.kind) for m in firm.markets} == expect.get("markets", set())
        assert {(c.scheme_code, c.issued_on, c.expires_on) for c in firm.certifications} == \
            expect.get("certifications", set())


def _history(db: Any) -> int:
    return db.session.scalar(select(func.count()).select_from(ChangeRecord))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=DERANDOMIZE,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_any_file_imports_every_cell_and_reimports_as_no_change(app, db, tmp_path, tax_codes,
                                                                 data):
    kind = data.draw(st.sampled_from(["csv", "xlsx"]), label="kind")
    groups = data.draw(st.lists(st.sampled_from(sorted(GROUPS)), unique=True), label="columns")
    rows = data.draw(rows_of(groups, kind, tax_codes(data.draw(st.integers(1, 5)))),
                     label="rows")
    headings = ["Mã số thuế", "Tên doanh nghiệp"]
    headings += data.draw(st.permutations([h for g in groups for h in GROUPS[g]]))
    path = _write(tmp_path, headings, rows, kind)

    first = _import(path)
    assert first.summary()["create"] == len(rows)
    _check_stored(db, rows)

    history = _history(db)
    again = _import(path)
    assert (again.summary()["unchanged"], again.conflicts()) == (len(rows), [])
    assert _history(db) == history

    # Worse forms of the same values, rows in another order, the other file format.
    other = "csv" if kind == "xlsx" else "xlsx"
    shuffled = data.draw(st.permutations(rows), label="order")
    worse_path = _write(tmp_path, headings, shuffled, other, which="worse")
    third = _import(worse_path)
    assert (third.summary()["unchanged"], third.conflicts()) == (len(rows), []), \
        [r.diffs for r in third.rows]
    assert _history(db) == history
    _check_stored(db, rows)
