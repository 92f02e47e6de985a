"""crm.spreadsheets: the cells of every export are text, local times and sized columns."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest

from crm import spreadsheets

EVALUATED = ["=1+1", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield


def _read_back(headings, rows):
    wb = spreadsheets.workbook()
    spreadsheets.add_table(wb, "T", headings, rows)
    return openpyxl.load_workbook(io.BytesIO(spreadsheets.xlsx_bytes(wb)))["T"]


@pytest.mark.parametrize("text", [*EVALUATED, "#N/A", "Cà phê"])
def test_every_string_is_a_string_cell_with_its_value(ctx, text):
    ws = _read_back(["Tên"], [[text]])
    # XML reads a stored CR back as LF (end-of-line handling): the text is the same.
    assert (ws["A2"].value, ws["A2"].data_type) == (text.replace("\r", "\n"), "s")


@pytest.mark.parametrize("text", EVALUATED)
def test_csv_prefixes_text_a_spreadsheet_would_evaluate(ctx, text):
    out = "".join(spreadsheets.csv_chunks(["Tên"], [[text]])).lstrip("\ufeff")
    assert list(csv.reader(io.StringIO(out)))[1] == ["'" + text]


def test_csv_leaves_numbers_and_plain_text_alone(ctx):
    out = "".join(spreadsheets.csv_chunks(["a", "b", "c", "d"],
                                          [[-2, Decimal("-1.5"), "Cà phê", None]]))
    assert out.splitlines()[1] == "-2,-1.5,Cà phê,"


def test_control_characters_are_dropped_instead_of_breaking_the_workbook(ctx):
    ws = _read_back(["Tên"], [["Yến\x01 sào\x0b"]])
    assert ws["A2"].value == "Yến sào"


def test_times_are_local_and_the_heading_names_the_zone(ctx):
    heading = spreadsheets.time_heading("Cập nhật")
    assert heading == "Cập nhật (giờ Việt Nam, UTC+7)"
    utc = datetime(2026, 12, 31, 18, 0, tzinfo=UTC)
    ws = _read_back([heading, "Ngày"], [[utc, date(2026, 1, 2)]])
    assert ws["A2"].value == datetime(2027, 1, 1, 1, 0)  # new year already in Vietnam
    assert ws["A2"].number_format == spreadsheets.DATETIME_FORMAT
    assert ws["B2"].number_format == spreadsheets.DATE_FORMAT
    assert spreadsheets.csv_value(utc.replace(tzinfo=None)) == "2027-01-01 01:00"  # naive: UTC


def test_columns_fit_their_values_within_bounds(ctx):
    ws = _read_back(["STT", "Tên doanh nghiệp", "Ghi chú"],
                    [[1, "Công ty TNHH Yến Sào Khánh Hòa Xuất Khẩu", "x" * 500]])
    widths = [ws.column_dimensions[c].width for c in "ABC"]
    assert widths[0] == spreadsheets.MIN_WIDTH
    assert widths[1] >= len("Công ty TNHH Yến Sào Khánh Hòa Xuất Khẩu")
    assert widths[2] == spreadsheets.MAX_WIDTH
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C2"


def test_an_empty_heading_keeps_its_column():
    from io import BytesIO

    from openpyxl import Workbook, load_workbook

    from crm.spreadsheets import add_table

    wb = Workbook(write_only=True)
    add_table(wb, "t", ["Tên", "", "MST"], [["a", "b", "c"]])
    out = BytesIO()
    wb.save(out)
    ws = load_workbook(BytesIO(out.getvalue())).active
    assert [c.value for c in ws[1]] == ["Tên", None, "MST"]
    assert [c.value for c in ws[2]] == ["a", "b", "c"]
