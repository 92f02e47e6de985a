"""Importing: dry run, all-or-nothing, partial with rejected rows, idempotent re-import, roles."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from crm.models import ChangeRecord, Firm, FirmMarket, Product
from tests import factories
from tests.imports.conftest import csv_bytes, xlsx_bytes

HEAD = [
    "STT",
    "Tên doanh nghiệp",
    "Mã số thuế",
    "Tỉnh/Thành phố",
    "Sản phẩm chính",
    "Mã HS",
    "Thị trường xuất khẩu",
    "Số lao động",
    "Chứng nhận",
    "Ngày cấp",
]


def _count(db, model=Firm):
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(client, data: bytes, name: str = "ds.xlsx"):
    resp = client.post(
        "/imports/", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )
    assert resp.status_code == 302, resp.data[:300]
    return resp.headers["Location"].rsplit("/", 1)[-1]


def _dry_run(client, token: str, columns: int):
    from crm.imports.mapping import guess_mapping  # the page shows the guessed mapping

    page = client.get(f"/imports/{token}")
    assert page.status_code == 200
    mapping = guess_mapping(HEAD)[:columns]
    form = {f"col_{i}": f or "" for i, f in enumerate(mapping)}
    return client.post(f"/imports/{token}", data=form)


def _good_rows(codes):
    return [
        HEAD,
        [
            1,
            "Công ty TNHH Yến Sào Nha Trang",
            f"{codes[0][:4]} {codes[0][4:7]}.{codes[0][7:]}",
            "Khánh Hòa",
            "Tổ yến tinh chế; Nước yến",
            "0410.90",
            "Trung Quốc, Nhật Bản",
            "1.234",
            "HACCP",
            "15/03/2022",
        ],
        [
            2,
            "CTCP Cà phê Đắk Lắk",
            codes[1],
            "dak lak",
            "Cà phê nhân",
            "0901",
            "Hoa Kỳ",
            "50",
            None,
            None,
        ],
    ]


def test_dry_run_shows_what_would_be_created_and_writes_nothing(client, officer, db, tax_codes):
    token = _upload(client, xlsx_bytes(_good_rows(tax_codes(2))))
    before = _count(db)
    resp = _dry_run(client, token, len(HEAD))
    html = resp.get_data(as_text=True)
    assert "Công ty TNHH Yến Sào Nha Trang" in html
    assert "Tổ yến tinh chế (HS 041090)" in html
    assert _count(db) == before


def test_dry_run_reports_row_errors_with_spreadsheet_row_numbers(client, officer, db, tax_codes):
    codes = tax_codes(2)
    rows = [
        *_good_rows(codes),
        [3, "HTX Trùng", codes[1], "Gia Lai", None, None, None, None, None, None],
        [4, "Sai MST", "0123", "Gia Lai", None, None, None, None, None, None],
    ]
    token = _upload(client, xlsx_bytes(rows))
    before = _count(db)
    html = _dry_run(client, token, len(HEAD)).get_data(as_text=True)
    assert "Trùng với dòng 3 trong tệp" in html  # row 4 repeats row 3's tax code
    assert "Mã số thuế không hợp lệ" in html
    assert _count(db) == before


def test_import_with_an_error_row_writes_nothing(client, officer, db, tax_codes):
    codes = tax_codes(2)
    rows = [
        *_good_rows(codes),
        [3, "Công ty Wakanda", tax_codes()[0], "Gia Lai", None, None, "Wakanda", None, None, None],
    ]
    token = _upload(client, xlsx_bytes(rows))
    _dry_run(client, token, len(HEAD))
    before = _count(db)
    resp = client.post(f"/imports/{token}/run", data={"mode": "all"})
    assert resp.status_code == 302
    assert _count(db) == before
    assert db.session.scalar(select(Firm).where(Firm.tax_code == codes[1])) is None


def test_a_large_file_imports_on_a_page_that_shows_each_chunk(
    app, client, officer, db, tax_codes, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_STREAM_ROWS", 1)  # 2 rows count as large here
    codes = tax_codes(2)
    token = _upload(client, xlsx_bytes(_good_rows(codes)))
    _dry_run(client, token, len(HEAD))
    resp = client.post(f"/imports/{token}/run", data={"mode": "all"})
    assert resp.status_code == 200
    assert resp.is_streamed
    assert resp.headers["X-Accel-Buffering"] == "no"
    html = resp.get_data(as_text=True)
    assert "Đã kiểm tra 2 / 2 dòng" in html
    assert "Đã ghi 2 / 2 doanh nghiệp" in html
    assert "Đã nhập toàn bộ tệp." in html
    assert db.session.scalar(select(Firm).where(Firm.tax_code == codes[1])) is not None


def test_a_large_file_with_an_error_row_streams_the_reason_and_writes_nothing(
    app, client, officer, db, tax_codes, monkeypatch
):
    monkeypatch.setitem(app.config, "IMPORT_STREAM_ROWS", 1)
    codes = tax_codes(3)
    rows = [
        *_good_rows(codes),
        [3, "Công ty Wakanda", codes[2], "Gia Lai", None, None, "Wakanda", None, None, None],
    ]
    token = _upload(client, xlsx_bytes(rows))
    _dry_run(client, token, len(HEAD))
    before = _count(db)
    html = client.post(f"/imports/{token}/run", data={"mode": "all"}).get_data(as_text=True)
    assert "Đã kiểm tra 3 / 3 dòng" in html
    assert "không nhập dòng nào" in html
    assert f'href="/imports/{token}"' in html  # back to the mapping step
    assert "Đã nhập toàn bộ tệp." not in html
    assert _count(db) == before


def test_partial_import_keeps_valid_rows_and_returns_the_rejected_ones(
    client, officer, db, tax_codes
):
    codes = tax_codes(3)
    rows = [
        *_good_rows(codes),
        [3, "Công ty Wakanda", codes[2], "Gia Lai", None, None, "Wakanda", None, None, None],
    ]
    token = _upload(client, xlsx_bytes(rows))
    _dry_run(client, token, len(HEAD))
    resp = client.post(f"/imports/{token}/run", data={"mode": "partial", "confirm_partial": "y"})
    assert resp.status_code == 200
    assert db.session.scalar(select(Firm).where(Firm.tax_code == codes[1])) is not None
    assert db.session.scalar(select(Firm).where(Firm.tax_code == codes[2])) is None
    download = client.get(f"/imports/{token}/rejected")
    assert download.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(download.data)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-2] == "Lỗi"
    assert values[1][1] == "Công ty Wakanda"
    assert "Wakanda" in values[1][-2]
    assert values[1][-1] == 4


def test_import_creates_firm_with_products_markets_and_certificate(client, officer, db, tax_codes):
    codes = tax_codes(2)
    token = _upload(client, xlsx_bytes(_good_rows(codes)))
    _dry_run(client, token, len(HEAD))
    assert client.post(f"/imports/{token}/run", data={"mode": "all"}).status_code == 200
    firm = db.session.scalar(select(Firm).where(Firm.tax_code == codes[0]))
    assert firm.province_code == 56
    assert firm.employees == 1234
    assert firm.legal_form == "llc"
    assert sorted(p.name for p in firm.products) == ["Nước yến", "Tổ yến tinh chế"]
    assert {m.country_code for m in firm.markets} == {"CN", "JP"}
    assert [c.scheme_code for c in firm.certifications] == ["HACCP"]
    assert "yen sao" in firm.search_text
    record = db.session.scalar(select(ChangeRecord).where(ChangeRecord.firm_id == firm.id))
    assert record.source == "import"


def test_reimporting_the_same_file_changes_nothing(client, officer, db, tax_codes):
    data = xlsx_bytes(_good_rows(tax_codes(2)))
    token = _upload(client, data)
    _dry_run(client, token, len(HEAD))
    client.post(f"/imports/{token}/run", data={"mode": "all"})
    counts = (_count(db), _count(db, Product), _count(db, FirmMarket), _count(db, ChangeRecord))
    versions = dict(db.session.execute(select(Firm.id, Firm.version)).all())
    again = _upload(client, data)
    _dry_run(client, again, len(HEAD))
    resp = client.post(f"/imports/{again}/run", data={"mode": "all"})
    assert "Không đổi: 2" in resp.get_data(as_text=True)
    assert (
        _count(db),
        _count(db, Product),
        _count(db, FirmMarket),
        _count(db, ChangeRecord),
    ) == counts
    assert dict(db.session.execute(select(Firm.id, Firm.version)).all()) == versions


def test_row_with_existing_tax_code_updates_the_firm_instead_of_duplicating(
    client, officer, db, tax_codes
):
    firm = factories.make_firm(employees=10)
    db.session.commit()
    version = firm.version
    spaced = f"{firm.tax_code[:3]} {firm.tax_code[3:6]}.{firm.tax_code[6:]}"
    data = csv_bytes(
        [["Mã số thuế", "Số lao động", "Sản phẩm chính"], [spaced, "25", "Tổ yến"]], delimiter=";"
    )
    token = _upload(client, data, "capnhat.csv")
    html = client.post(
        f"/imports/{token}", data={"col_0": "tax_code", "col_1": "employees", "col_2": "products"}
    ).get_data(as_text=True)
    assert "Cập nhật: 1" in html
    assert 'name="conflict-2-employees"' in html  # 10 stored, 25 in the file: the officer chooses
    client.post(f"/imports/{token}/run", data={"mode": "all", "conflict-2-employees": "file"})
    db.session.refresh(firm)
    assert firm.employees == 25
    assert firm.version > version
    assert _count(db) == db.session.scalar(select(func.count()).select_from(Firm))
    changes = db.session.scalars(
        select(ChangeRecord).where(
            ChangeRecord.firm_id == firm.id, ChangeRecord.field == "employees"
        )
    ).all()
    assert [(c.old_value, c.new_value, c.source) for c in changes] == [(10, 25, "import")]


def test_wrong_file_type_is_refused_on_upload(client, officer):
    resp = client.post(
        "/imports/",
        data={"file": (io.BytesIO(b"%PDF-1.7 x"), "ds.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200
    assert "PDF" in resp.get_data(as_text=True)


def test_unknown_upload_id_is_404(client, officer):
    assert client.get("/imports/../../etc").status_code == 404
    assert client.get("/imports/" + "a" * 32).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "enterprise"])
def test_viewers_and_enterprises_cannot_import(client, login_as, role):
    login_as(role, firm=factories.make_firm() if role == "enterprise" else None)
    assert client.get("/imports/").status_code == 403
    assert client.get("/duplicates/").status_code == 403
