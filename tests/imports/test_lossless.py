"""Import that never loses or degrades data: every cell stored, a re-import changes nothing,
a worse form of a stored value never replaces it, real differences are the officer's choice."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.imports import parsing, services
from crm.imports.cli import import_command
from crm.imports.mapping import guess_mapping
from crm.models import Certification, ChangeRecord, Contact, Firm
from crm.search.document import search_text_for
from tests import factories
from tests.imports.conftest import csv_bytes, write, xlsx_bytes

FULL_HEAD = ["Mã số thuế", "Tên doanh nghiệp", "Tên tiếng Anh", "Tỉnh/Thành phố", "Địa chỉ",
             "Số lao động", "Năm thành lập", "Doanh thu (tỷ đồng)", "Kim ngạch xuất khẩu (USD)",
             "Website", "Giới thiệu", "Người liên hệ", "Chức vụ", "Điện thoại", "Email",
             "Sản phẩm chính", "Mã HS", "Thị trường xuất khẩu", "Thị trường mục tiêu",
             "Chứng nhận", "Ngày cấp", "Ngày hết hạn"]


def _file(tmp_path: Path, rows: list[list], kind: str = "csv") -> Path:
    data = xlsx_bytes(rows) if kind == "xlsx" else csv_bytes(rows)
    return write(tmp_path, f"f{len(list(tmp_path.iterdir()))}.{kind}", data)


def _plan(tmp_path: Path, rows: list[list], kind: str = "csv", **plan) -> services.ImportReport:
    table = parsing.read_table(_file(tmp_path, rows, kind))
    return services.plan_import(table, guess_mapping(table.headings), **plan)


def _import(tmp_path: Path, rows: list[list], kind: str = "csv", **plan) -> services.ImportReport:
    report = _plan(tmp_path, rows, kind, **plan)
    assert not report.errors, [r.errors for r in report.errors]
    services.apply_import(report)
    return report


def _firm(db, tax_code: str) -> Firm:
    db.session.expire_all()
    return db.session.scalar(select(Firm).where(Firm.tax_code == tax_code))


def _history(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ChangeRecord))


# --- every cell is stored, whatever the mix of filled and empty columns ----------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_english_name_and_description_after_a_firm_without_them_are_stored(
        app, db, tmp_path, tax_codes, kind):
    a, b = tax_codes(2)
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Tên tiếng Anh", "Giới thiệu"],
            [a, "Công ty A", None, None],
            [b, "Công ty B", "B Company", "Chuyên cà phê"]]
    _import(tmp_path, rows, kind)
    firm = _firm(db, b)
    assert (firm.name_en, firm.description) == ("B Company", "Chuyên cà phê")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_firm_with_an_english_name_before_one_without_imports_both(
        app, db, tmp_path, tax_codes, kind):
    a, b = tax_codes(2)
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Tên tiếng Anh", "Số lao động"],
            [a, "Công ty A", "A Company", None],
            [b, "Công ty B", None, 12]]
    _import(tmp_path, rows, kind)
    assert (_firm(db, a).name_en, _firm(db, a).employees) == ("A Company", None)
    assert (_firm(db, b).name_en, _firm(db, b).employees) == (None, 12)


def test_contacts_and_products_of_mixed_shapes_are_all_stored(app, db, tmp_path, tax_codes):
    a, b, c = tax_codes(3)
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Người liên hệ", "Điện thoại", "Email",
             "Sản phẩm chính", "Mã HS"],
            [a, "Công ty A", None, "0905 111 222", None, "Hạt điều", None],
            [b, "Công ty B", "Trần Thị Bình", None, "binh@b.vn", "Cà phê nhân", "0901"],
            [c, "Công ty C", None, None, None, "Hồ tiêu; Quế", "0904"]]
    _import(tmp_path, rows)
    assert [(x.phone, x.email) for x in _firm(db, a).contacts] == [("0905 111 222", None)]
    assert [(x.name, x.email) for x in _firm(db, b).contacts] == [("Trần Thị Bình",
                                                                   "binh@b.vn")]
    assert [(p.name, p.hs_code) for p in _firm(db, b).products] == [("Cà phê nhân", "0901")]
    assert sorted((p.name, p.hs_code) for p in _firm(db, c).products) == [
        ("Hồ tiêu", "0904"), ("Quế", None)]


# --- the same file twice: 0 changes ----------------------------------------------------------

def _full_rows(codes: list[str]) -> list[list]:
    return [FULL_HEAD,
            [codes[0], "Công ty CP Cà phê Đắk Lắk", "Dak Lak Coffee JSC", "Đắk Lắk",
             " 12  Lê Duẩn, Buôn Ma Thuột ", 1234, 2005, 12.345, 250000.5, "cafedaklak.vn",
             "Cà phê Robusta\nrang xay", "Nguyễn Văn An", "Giám đốc", 905123456,
             "An@CafeDakLak.vn", "Cà phê nhân; Cà phê rang", "0901.11; 0901.21",
             "Nhật Bản, Hoa Kỳ", "EU, Đức", "HACCP", datetime(2023, 3, 15),
             datetime(2026, 3, 15)],
            [codes[1], "HTX Yến sào Cam Ranh", None, "khanh hoa", None, "1.500", "2010", "3,5",
             None, None, None, None, None, "+84 258 3822 123", None, "Tổ yến", "0410",
             "Trung Quốc", None, "Halal", "15/03/2024", None]]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_reimporting_the_same_file_changes_nothing(app, db, tmp_path, tax_codes, kind):
    rows = _full_rows(tax_codes(2))
    first = _import(tmp_path, rows, kind)
    assert first.summary()["create"] == 2
    db.session.flush()
    history, versions = _history(db), dict(db.session.execute(select(Firm.id, Firm.version)).all())
    again = _import(tmp_path, rows, kind)
    assert again.summary() | {"total": 0} == {"total": 0, "create": 0, "update": 0,
                                               "unchanged": 2, "error": 0, "kept": 0}
    assert [r.diffs for r in again.rows] == [[], []]
    assert _history(db) == history
    assert dict(db.session.execute(select(Firm.id, Firm.version)).all()) == versions


def test_a_number_with_more_decimals_than_stored_is_rounded_with_a_warning(
        app, db, tmp_path, tax_codes):
    code = tax_codes()[0]
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Doanh thu"], [code, "Công ty A", "12,345"]]
    report = _import(tmp_path, rows)
    assert _firm(db, code).revenue_bn_vnd == Decimal("12.35")
    assert any("12.35" in w for w in report.rows[0].warnings)
    assert _plan(tmp_path, rows).summary()["unchanged"] == 1


def test_a_file_in_another_order_and_letter_case_changes_nothing(app, db, tmp_path, tax_codes):
    rows = _full_rows(tax_codes(2))
    _import(tmp_path, rows)
    shuffled = [rows[0], rows[2], rows[1]]
    shuffled[2] = [*shuffled[2]]
    shuffled[2][15] = "CÀ PHÊ RANG; cà phê nhân"  # products swapped, other letter case
    shuffled[2][16] = "0901.21; 0901.11"
    shuffled[2][17] = "Hoa Kỳ; nhat ban"
    shuffled[2][14] = "an@cafedaklak.vn"
    shuffled[2][13] = "0905 123 456"
    report = _plan(tmp_path, shuffled)
    assert report.summary()["unchanged"] == 2, [r.diffs for r in report.rows]
    assert report.conflicts() == []


# --- a worse form never replaces a stored value ------------------------------------------------

def test_an_unaccented_upper_case_name_never_replaces_the_stored_one(app, db, tmp_path):
    firm = factories.make_firm(name="Công ty CP Cà phê Đắk Lắk")
    factories.make_contact(firm, name="Nguyễn Văn An", phone="0262 3950 123")
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Người liên hệ", "Điện thoại"],
            [firm.tax_code, "CONG TY CP CA PHE DAK LAK", "NGUYEN VAN AN", "02623950123"]]
    report = _import(tmp_path, rows)
    assert report.summary()["unchanged"] == 1
    firm = _firm(db, firm.tax_code)
    assert firm.name == "Công ty CP Cà phê Đắk Lắk"
    assert [(c.name, c.phone) for c in firm.contacts] == [("Nguyễn Văn An", "0262 3950 123")]


def test_a_cut_short_address_and_a_less_precise_hs_code_keep_the_stored_ones(
        app, db, tmp_path):
    firm = factories.make_firm(address="12 Lê Duẩn, phường Buôn Ma Thuột")
    factories.make_product(firm, name="Cà phê nhân", hs_code="090111")
    rows = [["Mã số thuế", "Địa chỉ", "Sản phẩm chính", "Mã HS"],
            [firm.tax_code, "12 LE DUAN, PHUONG BUON...", "CA PHE NHAN", "0901"]]
    report = _import(tmp_path, rows)
    assert report.summary()["unchanged"] == 1
    firm = _firm(db, firm.tax_code)
    assert firm.address == "12 Lê Duẩn, phường Buôn Ma Thuột"
    assert [(p.name, p.hs_code) for p in firm.products] == [("Cà phê nhân", "090111")]


def test_a_better_form_of_the_same_value_replaces_the_stored_one(app, db, tmp_path):
    firm = factories.make_firm(name="CONG TY CP CA PHE DAK LAK")
    factories.make_product(firm, name="ca phe nhan", hs_code="0901")
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Sản phẩm chính", "Mã HS"],
            [firm.tax_code, "Công ty CP Cà phê Đắk Lắk", "Cà phê nhân", "0901.11"]]
    report = _import(tmp_path, rows)
    assert report.conflicts() == []
    firm = _firm(db, firm.tax_code)
    assert firm.name == "Công ty CP Cà phê Đắk Lắk"
    assert "ca phe dak lak" in firm.name_search
    assert [(p.name, p.hs_code) for p in firm.products] == [("Cà phê nhân", "090111")]


def test_empty_stored_fields_are_filled_from_the_file(app, db, tmp_path):
    firm = factories.make_firm(employees=None)
    contact = factories.make_contact(firm, phone="0905 123 456", email=None)
    rows = [["Mã số thuế", "Số lao động", "Điện thoại", "Email", "Tên tiếng Anh"],
            [firm.tax_code, "40", "0905123456", "an@x.vn", "Test Co"]]
    report = _import(tmp_path, rows)
    assert report.conflicts() == []
    firm = _firm(db, firm.tax_code)
    assert (firm.employees, firm.name_en) == (40, "Test Co")
    assert [(c.id, c.email) for c in firm.contacts] == [(contact.id, "an@x.vn")]


# --- real differences: conflicts the officer resolves ----------------------------------------

def _conflicting(tax_code: str) -> list[list]:
    return [["Mã số thuế", "Tên doanh nghiệp", "Số lao động", "Điện thoại", "Chức vụ"],
            [tax_code, "Công ty CP Cà phê Buôn Ma Thuột", "80", "0905 123 456", "Kế toán"]]


def test_real_differences_are_conflicts_that_keep_the_stored_value_by_default(app, db, tmp_path):
    firm = factories.make_firm(name="Công ty CP Cà phê Đắk Lắk", employees=50)
    factories.make_contact(firm, phone="0905123456", position="Giám đốc")
    report = _import(tmp_path, _conflicting(firm.tax_code))
    assert sorted((c.key.split(":")[-1], c.old, c.new) for _r, c in report.conflicts()) == [
        ("employees", 50, 80), ("name", "Công ty CP Cà phê Đắk Lắk",
                                "Công ty CP Cà phê Buôn Ma Thuột"),
        ("position", "Giám đốc", "Kế toán")]
    assert report.summary()["kept"] == 3
    firm = _firm(db, firm.tax_code)
    assert (firm.name, firm.employees) == ("Công ty CP Cà phê Đắk Lắk", 50)
    assert [c.position for c in firm.contacts] == ["Giám đốc"]


def test_a_conflict_takes_the_files_value_when_chosen(app, db, tmp_path):
    firm = factories.make_firm(name="Công ty CP Cà phê Đắk Lắk", employees=50)
    contact = factories.make_contact(firm, phone="0905123456", position="Giám đốc")
    rows = _conflicting(firm.tax_code)
    report = _import(tmp_path, rows, take={(2, "employees"),
                                           (2, f"contact:{contact.id}:position")})
    assert report.summary()["kept"] == 1  # the name stays
    firm = _firm(db, firm.tax_code)
    assert (firm.name, firm.employees) == ("Công ty CP Cà phê Đắk Lắk", 80)
    assert [c.position for c in firm.contacts] == ["Kế toán"]
    changes = db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.firm_id == firm.id, ChangeRecord.source == "import")).all()
    assert {(c.field, c.old_value, c.new_value) for c in changes} == {
        ("employees", 50, 80), ("position", "Giám đốc", "Kế toán")}


def test_take_all_takes_every_conflict(app, db, tmp_path):
    firm = factories.make_firm(name="Công ty CP Cà phê Đắk Lắk", employees=50)
    _import(tmp_path, _conflicting(firm.tax_code), take=True)
    firm = _firm(db, firm.tax_code)
    assert (firm.name, firm.employees) == ("Công ty CP Cà phê Buôn Ma Thuột", 80)


def test_the_dry_run_page_offers_keep_or_take_and_the_import_follows_the_choice(
        client, officer, db):
    firm = factories.make_firm(name="Công ty CP Cà phê Đắk Lắk", employees=50)
    db.session.commit()
    data = csv_bytes(_conflicting(firm.tax_code))
    resp = client.post("/imports/", data={"file": (io.BytesIO(data), "a.csv")},
                       content_type="multipart/form-data")
    token = resp.headers["Location"].rsplit("/", 1)[-1]
    mapping = {f"col_{i}": f or "" for i, f in enumerate(guess_mapping(_conflicting("")[0]))}
    html = client.post(f"/imports/{token}", data=mapping).get_data(as_text=True)
    assert 'name="conflict-2-employees" id="conflict-2-employees-keep" value="keep" checked' \
        in html
    assert 'name="conflict-2-name"' in html
    client.post(f"/imports/{token}/run", data={"mode": "all", "conflict-2-employees": "file",
                                              "conflict-2-name": "keep"})
    firm = _firm(db, firm.tax_code)
    assert (firm.name, firm.employees) == ("Công ty CP Cà phê Đắk Lắk", 80)


def test_cli_keeps_stored_values_unless_take_from_file(app, db, tmp_path):
    firm = factories.make_firm(employees=50)
    db.session.commit()
    path = _file(tmp_path, _conflicting(firm.tax_code))
    runner = app.test_cli_runner()
    result = runner.invoke(import_command, [str(path)])
    assert result.exit_code == 0, result.output
    assert "differences keep the stored value" in result.output
    assert _firm(db, firm.tax_code).employees == 50
    result = runner.invoke(import_command, [str(path), "--take-from-file"])
    assert result.exit_code == 0, result.output
    assert _firm(db, firm.tax_code).employees == 80


# --- contacts and products are not duplicated -------------------------------------------------

@pytest.mark.parametrize(("phone", "email"), [
    ("+84 905 123 456", None), ("0905.123.456", "khac@x.vn"), (None, "AN@CAFE.VN")])
def test_a_contact_with_the_same_phone_or_email_is_not_added_again(
        app, db, tmp_path, phone, email):
    firm = factories.make_firm()
    factories.make_contact(firm, name="Nguyễn Văn An", phone="0905 123 456", email="an@cafe.vn")
    rows = [["Mã số thuế", "Người liên hệ", "Điện thoại", "Email"],
            [firm.tax_code, "Anh An", phone, email]]
    _import(tmp_path, rows)
    assert db.session.scalar(select(func.count()).select_from(Contact).where(
        Contact.firm_id == firm.id)) == 1


def test_a_contact_with_another_phone_and_name_is_added(app, db, tmp_path):
    firm = factories.make_firm()
    factories.make_contact(firm, name="Nguyễn Văn An", phone="0905 123 456")
    rows = [["Mã số thuế", "Người liên hệ", "Điện thoại"],
            [firm.tax_code, "Lê Thị Hoa", "0913 000 111"]]
    _import(tmp_path, rows)
    assert sorted(c.name for c in _firm(db, firm.tax_code).contacts) == ["Lê Thị Hoa",
                                                                         "Nguyễn Văn An"]


def test_a_product_with_the_same_folded_name_is_not_added_again(app, db, tmp_path):
    firm = factories.make_firm()
    factories.make_product(firm, name="Tổ yến tinh chế", hs_code="041090")
    rows = [["Mã số thuế", "Sản phẩm chính", "Mã HS"],
            [firm.tax_code, "TO YEN TINH CHE; Nước yến", "0410.90; 0410"]]
    _import(tmp_path, rows)
    assert sorted((p.name, p.hs_code) for p in _firm(db, firm.tax_code).products) == [
        ("Nước yến", "0410"), ("Tổ yến tinh chế", "041090")]


def test_a_held_certificate_gets_its_expiry_date_from_the_file(app, db, tmp_path):
    firm = factories.make_firm()
    factories.make_certification(firm, issued_on=date(2024, 1, 1), expires_on=None)
    rows = [["Mã số thuế", "Chứng nhận", "Ngày cấp", "Ngày hết hạn"],
            [firm.tax_code, "HACCP", "01/01/2024", "01/01/2027"]]
    _import(tmp_path, rows)
    certs = db.session.scalars(select(Certification).where(Certification.firm_id == firm.id))
    assert [(c.issued_on, c.expires_on) for c in certs] == [(date(2024, 1, 1),
                                                              date(2027, 1, 1))]


def test_a_date_without_a_certificate_is_reported_not_dropped_quietly(
        app, db, tmp_path, tax_codes):
    code = tax_codes()[0]
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Chứng nhận", "Ngày hết hạn"],
            [code, "Công ty A", None, "01/01/2027"]]
    report = _plan(tmp_path, rows)
    assert any("Ngày hết hạn" in w for w in report.rows[0].warnings)


# --- the search document follows ---------------------------------------------------------------

def test_search_document_of_new_and_updated_firms_is_the_firms_own(app, db, tmp_path, tax_codes):
    old = factories.make_firm(name="Công ty TNHH Hải sản Nha Trang")
    factories.make_product(old, name="Tôm hùm", hs_code="030632", description="Tôm sống")
    factories.make_certification(old, scheme_code="BRCGS", number="BRC-77")
    new_code = tax_codes()[0]
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Địa chỉ", "Giới thiệu", "Sản phẩm chính",
             "Mã HS", "Chứng nhận", "Ngày cấp"],
            [old.tax_code, None, "Vĩnh Phước", "Hải sản tươi", "Mực khô", "0307", "HACCP",
             "01/02/2024"],
            [new_code, "HTX Yến Hòn Nội", "Cam Ranh", "Yến đảo", "Tổ yến", "0410", "Halal",
             "01/02/2024"]]
    _import(tmp_path, rows)
    for code in (old.tax_code, new_code):
        firm = _firm(db, code)
        assert firm.search_text == search_text_for(firm)
    assert "halal" in _firm(db, new_code).search_text
    assert "brc 77" in _firm(db, old.tax_code).search_text


# --- apostrophes from an export, and the rejected-rows file --------------------------------------

def test_an_apostrophe_an_export_put_before_a_sign_is_stripped(app, db, tmp_path, tax_codes):
    code = tax_codes()[0]
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Điện thoại", "Giới thiệu"],
            [code, "Công ty A", "'+84 905 123 456", "'-- hàng mẫu --"]]
    _import(tmp_path, rows)
    firm = _firm(db, code)
    assert [c.phone for c in firm.contacts] == ["+84 905 123 456"]
    assert firm.description == "-- hàng mẫu --"


def test_a_plain_apostrophe_is_kept(app, tmp_path):
    rows = [["Tên doanh nghiệp"], ["'Nhà Bè' Co"]]
    table = parsing.read_table(_file(tmp_path, rows))
    assert table.rows[0][1] == ["'Nhà Bè' Co"]


FORMULA = '=HYPERLINK("http://evil.example","Bấm vào")'


def _rejected(tmp_path: Path, tax_codes, suffix: str) -> tuple[parsing.Table, Path]:
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Điện thoại", "Thị trường xuất khẩu", ""],
            [tax_codes()[0], FORMULA, "+84 905 123 456", "Wakanda", "-5"]]
    # From a CSV: a workbook written by openpyxl would hold the text as a formula.
    table = parsing.read_table(_file(tmp_path, rows))
    report = services.plan_import(table, guess_mapping(table.headings))
    out = tmp_path / f"rejected.{suffix}"
    assert services.write_rejected(table, report, out) == 1
    return table, out


def test_rejected_rows_workbook_holds_formulas_as_text(app, db, tmp_path, tax_codes):
    _table, out = _rejected(tmp_path, tax_codes, "xlsx")
    ws = openpyxl.load_workbook(out).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][-2:] == ("Lỗi", "Dòng trong tệp gốc")
    assert values[1][1] == FORMULA
    assert ws["B2"].data_type == "s"
    assert "Wakanda" in values[1][-2]
    assert values[1][-1] == 2


def test_rejected_rows_csv_is_safe_and_reads_back_as_the_original(app, db, tmp_path, tax_codes):
    table, out = _rejected(tmp_path, tax_codes, "csv")
    lines = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert lines[1][1] == "'" + FORMULA
    assert lines[1][2] == "'+84 905 123 456"
    back = parsing.read_table(out)
    assert back.rows[0][1][:5] == table.rows[0][1][:5]
