"""Reading .xlsx and .csv files: type by content, heading row, and cell value normalisation.

Spreadsheets from provinces arrive in every shape: a title above the headings, headings merged
over two rows, Excel serial dates, "1.234" (Vietnamese thousands), tax codes that lost their
leading zero because Excel took them for numbers. Everything here turns cells into plain
Python values or raises UserError with a message for the row report.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from flask_babel import gettext as _

from crm.errors import UserError
from crm.imports.mapping import header_score
from crm.spreadsheets import FORMULA_STARTS

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# Rows scanned to find the heading row under titles such as "DANH SÁCH DOANH NGHIỆP...".
HEADER_SCAN_ROWS = 15
EXCEL_EPOCH = datetime(1899, 12, 30)
_LIST_SPLIT = re.compile(r"\s*[;,/\n|]\s*")
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d/%m/%y",
                 "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


@dataclass
class Table:
    """A sheet's headings and data rows; row numbers are as the spreadsheet shows them."""

    kind: str  # "xlsx" or "csv"
    headings: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)
    header_row: int = 1
    delimiter: str = ","
    encoding: str = "utf-8"


def detect_kind(path: Path) -> str:
    """'xlsx' or 'csv' from the file's content (never from its name); UserError otherwise."""
    with path.open("rb") as fh:
        head = fh.read(4096)
    if not head.strip():
        raise UserError(_("Tệp rỗng."), field="file")
    if head.startswith(OLE_MAGIC):
        with path.open("rb") as fh:
            blob = fh.read(2_000_000)
        # An encrypted .xlsx is an OLE container holding an "EncryptionInfo" stream.
        if "EncryptionInfo".encode("utf-16-le") in blob:
            raise UserError(_("Tệp Excel được đặt mật khẩu: hãy gỡ mật khẩu rồi tải lên lại."),
                            field="file")
        raise UserError(_("Tệp Excel cũ (.xls) không được hỗ trợ: hãy mở bằng Excel và lưu lại "
                          "dạng .xlsx hoặc .csv."), field="file")
    if head.startswith(ZIP_MAGIC):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError):
            raise UserError(_("Tệp .xlsx bị hỏng, không đọc được."), field="file") from None
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise UserError(_("Tệp nén này không phải bảng tính .xlsx."), field="file")
        return "xlsx"
    if head.startswith(b"%PDF"):
        raise UserError(_("Đây là tệp PDF: chỉ nhận bảng tính .xlsx hoặc .csv."), field="file")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "csv"  # UTF-16 text as Excel's "Unicode text" saves it
    sample = head[:1024]
    if b"\x00" in sample or sum(b < 9 or 13 < b < 32 for b in sample) > 4:
        raise UserError(_("Định dạng tệp không được hỗ trợ: chỉ nhận .xlsx hoặc .csv."),
                        field="file")
    return "csv"


def read_table(path: Path, kind: str | None = None) -> Table:
    """The first sheet with data (xlsx) or the file (csv), headings found and rows read."""
    kind = kind or detect_kind(path)
    if kind == "xlsx":
        raw_rows = _xlsx_rows(path)
        table = Table(kind="xlsx", headings=[])
    else:
        raw_rows, delimiter, encoding = _csv_rows(path)
        table = Table(kind="csv", headings=[], delimiter=delimiter, encoding=encoding)
    _split_heading(table, raw_rows)
    return table


def _xlsx_rows(path: Path) -> list[list[Any]]:
    import openpyxl

    with path.open("rb") as fh:  # a file object: openpyxl would judge a path by its suffix
        return _xlsx_rows_from(fh, openpyxl)


def _xlsx_rows_from(fh: Any, openpyxl: Any) -> list[list[Any]]:
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a damaged zip/XML
        raise UserError(_("Tệp .xlsx bị hỏng hoặc không đúng định dạng, không đọc được."),
                        field="file") from None
    try:
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
            while rows and not any(_filled(c) for c in rows[-1]):
                rows.pop()
            if rows:
                return rows
    except Exception:
        raise UserError(_("Tệp .xlsx bị hỏng, không đọc hết được."), field="file") from None
    finally:
        wb.close()
    raise UserError(_("Bảng tính trống: không có dòng dữ liệu nào."), field="file")


def decode_text(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was in: UTF-8 (with or without BOM), UTF-16, else cp1258/latin."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        # Vietnamese Windows: tones are separate combining marks, so compose them.
        return unicodedata.normalize("NFC", data.decode("cp1258")), "cp1258"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _csv_rows(path: Path) -> tuple[list[list[Any]], str, str]:
    text, encoding = decode_text(path.read_bytes())
    delimiter = _delimiter("\n".join(text.splitlines()[:HEADER_SCAN_ROWS]))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [row for row in reader]
    while rows and not any(_filled(c) for c in rows[-1]):
        rows.pop()
    if not rows:
        raise UserError(_("Tệp trống: không có dòng dữ liệu nào."), field="file")
    return rows, delimiter, encoding


def _delimiter(sample: str) -> str:
    """The delimiter that splits the first lines into the same number of columns most often
    (quoted cells read as cells: "Cà phê; Hồ tiêu" in a comma file is one cell)."""
    best, best_score = ",", (0, 0)
    for candidate in (",", ";", "\t"):
        widths = [len(r) for r in csv.reader(io.StringIO(sample, newline=""),
                                              delimiter=candidate) if any(c.strip() for c in r)]
        widths = [w for w in widths if w > 1]  # a title line is one cell whatever the delimiter
        if not widths:
            continue
        modal = max(set(widths), key=lambda w: (widths.count(w), w))
        score = (widths.count(modal), modal)
        if score > best_score:
            best, best_score = candidate, score
    return best


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _split_heading(table: Table, raw_rows: list[list[Any]]) -> None:
    """Find the heading row (most known headings in the first rows) and the data under it."""
    raw_rows = [[unquote(c) for c in r] for r in raw_rows]
    scan = raw_rows[:HEADER_SCAN_ROWS]
    scores = [header_score(r) for r in scan]
    best = max(range(len(scan)), key=lambda i: (scores[i], -i)) if scan else 0
    if not scan or scores[best] == 0:
        # No heading we know: take the first non-empty row; the user maps columns by hand.
        best = next((i for i, r in enumerate(raw_rows) if any(_filled(c) for c in r)), 0)
    top = [str(c).strip() if _filled(c) else "" for c in raw_rows[best]]
    data_start = best + 1
    below = raw_rows[best + 1] if best + 1 < len(raw_rows) else None
    if below is not None and _is_sub_heading(top, below):
        # Headings merged over two rows: "Thị trường" above "Hiện tại" | "Mục tiêu".
        filled_top, last = [], ""
        for i in range(max(len(top), len(below))):
            cell = top[i] if i < len(top) else ""
            last = cell or last
            filled_top.append(last)
        headings = []
        for i, upper in enumerate(filled_top):
            lower = str(below[i]).strip() if i < len(below) and _filled(below[i]) else ""
            headings.append(f"{upper} {lower}".strip() if lower else upper)
        top = headings
        data_start = best + 2
    width = max((len(r) for r in raw_rows[data_start:]), default=len(top))
    width = max(width, len(top))
    table.headings = [h or "" for h in top] + [""] * (width - len(top))
    table.header_row = best + 1
    rows = []
    for offset, raw in enumerate(raw_rows[data_start:]):
        if not any(_filled(c) for c in raw):
            continue  # blank lines between blocks are not rows
        values = list(raw) + [None] * (width - len(raw))
        rows.append((data_start + offset + 1, values[:width]))
    if not rows:
        raise UserError(_("Bảng tính không có dòng dữ liệu nào dưới dòng tiêu đề."), field="file")
    table.rows = rows


def _is_sub_heading(top: list[str], below: list[Any]) -> bool:
    """The row under the headings continues them (all text, some under an empty heading)."""
    cells = [(i, c) for i, c in enumerate(below) if _filled(c)]
    if not cells or any(not isinstance(c, str) for _i, c in cells):
        return False
    if any(re.search(r"\d", c) for _i, c in cells):
        return False
    return any(i >= len(top) or not top[i] for i, _c in cells)


# --- cell values ----------------------------------------------------------------------------

def unquote(value: Any) -> Any:
    """A text cell without the apostrophe an export put before "=", "+", "-", "@", tab or CR
    (crm.spreadsheets.csv_value) so that a spreadsheet would not evaluate it: re-importing a
    file the CRM wrote gives back the value, not the apostrophe."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def to_text(value: Any) -> str | None:
    """Stripped text, or None for an empty cell; whole floats lose their '.0'."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = unicodedata.normalize("NFC", str(value)).replace("\xa0", " ").strip()
    return text or None


def to_number(value: Any, field: str) -> Decimal | None:
    """A number from a number cell or text: '1.234' (VN thousands), '1,5', '1,234.5'."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Decimal(str(value))
    text = re.sub(r"[\s\xa0]", "", str(value))
    if not text:
        return None
    text = text.rstrip("%")
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        decimal_sep = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if decimal_sep == "." else "."
        text = text.replace(thousands, "").replace(decimal_sep, ".")
    elif has_dot:
        if text.count(".") > 1 or re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
            text = text.replace(".", "")  # 1.234 / 1.234.567: Vietnamese thousands
    elif has_comma:
        text = text.replace(",", "") if text.count(",") > 1 else text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise UserError(_("Không phải một số: %(value)s.", value=str(value)), field=field) from None
    if not number.is_finite():
        raise UserError(_("Không phải một số: %(value)s.", value=str(value)), field=field)
    return number


def to_int(value: Any, field: str) -> int | None:
    """A whole number (see to_number); '12,5' people is refused."""
    number = to_number(value, field)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise UserError(_("Cần một số nguyên: %(value)s.", value=str(value)), field=field)
    return int(number)


def to_date(value: Any, field: str) -> date | None:
    """A date from a date cell, an Excel serial number or dd/mm/yyyy, yyyy-mm-dd... text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial_date(value, field)
    text = str(value).strip()
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _serial_date(float(text), field)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UserError(_("Ngày không đọc được: %(value)s (dùng dạng 31/12/2025 hoặc 2025-12-31).",
                      value=text), field=field)


def _serial_date(number: float, field: str) -> date:
    if not 1 <= number < 2_958_466:  # Excel's own range (to 9999-12-31)
        raise UserError(_("Ngày không đọc được: %(value)s.", value=number), field=field)
    return (EXCEL_EPOCH + timedelta(days=int(number))).date()


def to_year(value: Any, field: str) -> int | None:
    """A year from '2015', 2015, a date cell, a serial date or '15/03/2015'."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool) and 1000 <= value <= 9999:
        return int(value)
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return int(text)
    return to_date(value, field).year  # type: ignore[union-attr]


def to_tax_code_text(value: Any) -> str | None:
    """The tax code as text; a number cell that lost its leading zero gets it back."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        return text.zfill(10) if len(text) == 9 else text
    return to_text(value)


def to_phone_text(value: Any) -> str | None:
    """A phone number as text; one that lost its leading zero (a number cell, or the CSV
    a spreadsheet wrote from one) gets it back."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value) if isinstance(value, int) else to_text(value)
    if text and text.isdigit() and len(text) in (9, 10) and not text.startswith(("0", "84")):
        return "0" + text
    return text


def to_list(value: Any) -> list[str]:
    """Items of a cell listing several things: 'HACCP; ISO 22000, Halal' -> 3 items."""
    text = to_text(value)
    if not text:
        return []
    return [item.strip() for item in _LIST_SPLIT.split(text) if item.strip()]
