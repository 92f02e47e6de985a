"""Writing .xlsx and .csv files: the one place every export's cells go through.

- Text is never evaluated (CWE-1236, "CSV injection"): anyone who can edit a firm name, a note
  or a contact can type `=HYPERLINK("http://evil.example","Bấm vào")`. In a workbook every
  string is a string cell (openpyxl would store a string starting with "=" as a formula); in
  CSV, which has no cell types, a text starting with =, +, -, @, tab or CR gets a leading
  apostrophe, the mark spreadsheets read as "this is text" (OWASP's advice).
- Times are in the user's time zone (Vietnam time, as the pages show them) and the heading
  says so: stored UTC would be 7 hours off for whoever reads the file.
- Tables have a bold, frozen header row, a filter over the data and column widths that fit
  their first rows.

Workbooks are written in openpyxl's write-only mode, streaming rows: thousands of rows fit in
little memory and time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import chain, islice
from typing import Any

from flask_babel import get_timezone, to_user_timezone
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# What a spreadsheet evaluates when a cell starts with it (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_TEXT = 32_767  # Excel's limit: a longer cell makes it "repair" the whole file
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"
CSV_DATETIME = "%Y-%m-%d %H:%M"  # unambiguous, and read as a date by spreadsheets and pandas
WIDTH_SAMPLE = 200  # rows read ahead to size the columns (the rest stream)
MIN_WIDTH, MAX_WIDTH = 8, 60  # characters
VIETNAM = "Asia/Ho_Chi_Minh"


# --- time ------------------------------------------------------------------------------------


def local_time(value: datetime | None = None) -> datetime:
    """`value` (now when None; naive means UTC) in the user's time zone, without tzinfo
    (Excel has no time zones)."""
    moment = value if value is not None else datetime.now(UTC)
    return to_user_timezone(moment).replace(tzinfo=None)


def zone_label() -> str:
    """The user's time zone in words: "giờ Việt Nam, UTC+7"."""
    tz = get_timezone()
    offset = datetime.now(tz).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    utc = f"UTC{sign}{hours}" + (f":{mins:02d}" if mins else "")
    name = _("giờ Việt Nam") if str(tz) == VIETNAM else str(tz)
    return f"{name}, {utc}"


def time_heading(label: str) -> str:
    """A column heading of times, naming their zone: "Cập nhật (giờ Việt Nam, UTC+7)"."""
    return f"{label} ({zone_label()})"


# --- cells -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    # Control characters are not allowed in the file format (openpyxl raises on them).
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_TEXT]


def xlsx_cell(ws: WriteOnlyWorksheet, value: Any) -> Any:
    """A workbook cell for `value`: text as a string cell, times local, numbers as numbers."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=local_time(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    text = _text(value)  # also lazy strings (_l) and anything else, as text
    if not text:
        return None
    cell = WriteOnlyCell(ws, value=None)
    cell.value = text
    cell.data_type = "s"  # never a formula ("=...") or an error code ("#N/A")
    return cell


def csv_value(value: Any) -> Any:
    """A CSV field for `value`: text that a spreadsheet would evaluate starts with "'"."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return local_time(value).strftime(CSV_DATETIME)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --- workbooks -------------------------------------------------------------------------------


def workbook() -> Workbook:
    """An empty streaming workbook."""
    return Workbook(write_only=True)


def _shown_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float | Decimal):
        return len(f"{value:,.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(headings: Sequence[str], sample: Sequence[Sequence[Any]]) -> list[int]:
    widths = []
    for i, heading in enumerate(headings):
        longest = max((_shown_length(row[i]) for row in sample if i < len(row)), default=0)
        # A long heading wraps (two lines) rather than widening a column of short values.
        widths.append(min(max(longest + 2, len(heading) // 2 + 2, MIN_WIDTH), MAX_WIDTH))
    return widths


def add_table(wb: Workbook, title: str, headings: Sequence[str], rows: Iterable[Sequence[Any]],
              widths: Sequence[int | None] | None = None) -> WriteOnlyWorksheet:
    """A sheet of a header row and data rows: bold frozen header, a filter over the data,
    widths that fit the first rows (or `widths`, characters, None for "fit")."""
    ws = wb.create_sheet(title=title[:31])
    rows = iter(rows)
    sample = [list(row) for row in islice(rows, WIDTH_SAMPLE)]
    fitted = _widths(headings, sample)
    for i, width in enumerate(fitted, start=1):
        chosen = widths[i - 1] if widths and i <= len(widths) and widths[i - 1] else width
        ws.column_dimensions[get_column_letter(i)].width = chosen
    ws.freeze_panes = "A2"  # before the first row: write-only sheets write their views first
    header = []
    for heading in headings:
        cell = xlsx_cell(ws, heading)
        if cell is None:  # an empty heading: keep the column, without a name
            cell = WriteOnlyCell(ws, value=None)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    ws.append(header)
    written = 0
    for row in chain(sample, rows):
        ws.append([xlsx_cell(ws, v) for v in row])
        written += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(max(len(headings), 1))}{written + 1}"
    return ws


def add_rows(wb: Workbook, title: str, rows: Iterable[Sequence[Any]],
             widths: Sequence[int] = (30, 80)) -> WriteOnlyWorksheet:
    """A sheet of plain rows (a cover sheet: title, label - value lines), cells made safe."""
    ws = wb.create_sheet(title=title[:31])
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for row in rows:
        ws.append([xlsx_cell(ws, v) for v in row])
    return ws


def xlsx_bytes(wb: Workbook) -> bytes:
    """The workbook as the bytes of an .xlsx file."""
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- CSV -------------------------------------------------------------------------------------


def csv_chunks(headings: Sequence[str], rows: Iterable[Sequence[Any]], every: int = 500,
               delimiter: str = ",") -> Iterator[str]:
    """CSV text in chunks of `every` rows, for streaming; a BOM first so that Excel reads
    the diacritics as UTF-8 (write the text as plain utf-8)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    buf.write("\ufeff")
    writer.writerow([csv_value(h) for h in headings])
    for n, row in enumerate(rows, start=1):
        writer.writerow([csv_value(v) for v in row])
        if n % every == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
