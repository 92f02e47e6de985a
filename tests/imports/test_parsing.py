"""Reading spreadsheets: headings, file types, dates, numbers."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from crm.errors import UserError
from crm.imports import parsing
from crm.imports.mapping import guess_field, guess_mapping
from tests.imports.conftest import csv_bytes, write, xlsx_bytes


@pytest.mark.parametrize(("heading", "field"), [
    ("Tên doanh nghiệp", "name"), ("Ten DN", "name"), ("Company name", "name"),
    ("Mã số thuế", "tax_code"), ("MST", "tax_code"), ("Tax code", "tax_code"),
    ("Sản phẩm chính", "products"), ("Main products", "products"), ("Mã HS", "hs_codes"),
    ("Thị trường xuất khẩu", "markets_current"), ("Export markets", "markets_current"),
    ("Thị trường mục tiêu", "markets_target"), ("Tỉnh/Thành phố", "province"),
    ("TINH / THANH PHO", "province"), ("Số lao động", "employees"),
    ("Người liên hệ", "contact_name"),
    ("Chứng nhận", "certifications"), ("Năm thành lập", "founded_year"),
    ("Doanh thu (tỷ đồng)", "revenue_bn_vnd"), ("Điện thoại", "phone"), ("Địa chỉ", "address"),
])
def test_headings_recognised_in_vietnamese_with_or_without_diacritics_and_english(heading, field):
    assert guess_field(heading) == field


def test_unknown_heading_and_second_column_for_same_field_are_left_unmapped():
    assert guess_mapping(["STT", "Tên DN", "Tên doanh nghiệp"]) == [None, "name", None]


def test_heading_row_found_under_a_title(app, tmp_path):
    path = write(tmp_path, "a.csv", csv_bytes([["DANH SÁCH DOANH NGHIỆP"], [],
                                                ["STT", "Tên DN", "MST"], [1, "A", "0100109106"]]))
    table = parsing.read_table(path)
    assert table.headings[:3] == ["STT", "Tên DN", "MST"]
    assert table.rows[0][0] == 4  # row number as the spreadsheet shows it


def test_merged_heading_cells_over_two_rows_are_combined(app, tmp_path):
    rows = [["Tên doanh nghiệp", "Mã số thuế", "Thị trường", None],
            [None, None, "Xuất khẩu", "Mục tiêu"],
            ["Công ty A", "0100109106", "Nhật Bản", "Hoa Kỳ"]]
    path = write(tmp_path, "m.xlsx", xlsx_bytes(rows, merge="C1:D1"))
    table = parsing.read_table(path)
    assert guess_mapping(table.headings) == ["name", "tax_code", "markets_current",
                                             "markets_target"]
    assert table.rows[0][0] == 3


def test_csv_with_semicolons_and_windows_1258_is_read(app, tmp_path):
    # Windows-1258 writes tones as separate marks: "à" = "a" + combining grave.
    text = "Tên DN;MST\nCông ty Cà phê;0100109106\n".replace("à", "a\u0300")
    data = text.encode("cp1258")
    table = parsing.read_table(write(tmp_path, "w.csv", data))
    assert table.rows[0][1] == ["Công ty Cà phê", "0100109106"]


@pytest.mark.parametrize(("data", "message"), [
    (b"%PDF-1.4 fake", "PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, ".xls"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le"),
     "mật khẩu"),
    (b"PK\x03\x04 not really a zip", "hỏng"),
    (b"\x00\x01\x02\x03\x04\x05\x06\x07binary", "không được hỗ trợ"),
    (b"", "rỗng"),
])
def test_wrong_or_damaged_files_are_refused_by_content(app, tmp_path, data, message):
    path = write(tmp_path, "renamed.xlsx", data)
    with app.test_request_context(), pytest.raises(UserError, match=message):
        parsing.read_table(path)


def test_empty_sheet_is_refused(app, tmp_path):
    path = write(tmp_path, "e.xlsx", xlsx_bytes([]))
    with app.test_request_context(), pytest.raises(UserError, match="trống"):
        parsing.read_table(path)


def test_headings_without_rows_are_refused(app, tmp_path):
    path = write(tmp_path, "h.xlsx", xlsx_bytes([["Tên doanh nghiệp", "MST"]]))
    with app.test_request_context(), pytest.raises(UserError):
        parsing.read_table(path)


@pytest.mark.parametrize(("value", "expected"), [
    ("15/03/2022", date(2022, 3, 15)), ("2022-03-15", date(2022, 3, 15)),
    (44635, date(2022, 3, 15)), ("44635", date(2022, 3, 15)),
    (datetime(2022, 3, 15, 8, 0), date(2022, 3, 15)), ("15.03.2022", date(2022, 3, 15)),
])
def test_dates_in_several_formats(value, expected):
    assert parsing.to_date(value, "d") == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("1.234", 1234), ("1,5", 1.5), ("1.234,5", 1234.5), ("1,234.5", 1234.5), (12.0, 12),
    ("2 500", 2500),
])
def test_numbers_stored_as_text(value, expected):
    assert float(parsing.to_number(value, "n")) == expected


def test_tax_code_number_cell_gets_its_leading_zero_back():
    assert parsing.to_tax_code_text(100109106) == "0100109106"


def test_semicolons_inside_cells_do_not_make_them_the_delimiter(app, tmp_path):
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Sản phẩm chính"],
            ["0100109106", "Công ty A", "Cà phê; Hồ tiêu; Điều; Quế"],
            ["0100109107", "Công ty B", "Yến sào; Nước yến; Tổ yến; Hồi"]]
    table = parsing.read_table(write(tmp_path, "a.csv", csv_bytes(rows)))
    assert (table.delimiter, table.rows[0][1][2]) == (",", "Cà phê; Hồ tiêu; Điều; Quế")


def test_semicolon_separated_file_is_read_with_commas_in_cells(app, tmp_path):
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Doanh thu"],
            ["0100109106", "Công ty A, chi nhánh 1", "12,5"]]
    table = parsing.read_table(write(tmp_path, "a.csv", csv_bytes(rows, delimiter=";")))
    assert (table.delimiter, table.rows[0][1]) == (";", ["0100109106", "Công ty A, chi nhánh 1",
                                                         "12,5"])
