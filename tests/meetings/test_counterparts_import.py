"""Counterparts imported from a .csv or .xlsx: dry run, partner matches, rejected rows."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest

from crm.models import Counterpart, Partner

HEADINGS = ["Tên đối tác", "Quốc gia", "Loại đối tác", "Sản phẩm cần mua", "Mã HS cần mua",
            "Thị trường", "Ngôn ngữ", "Chứng nhận yêu cầu", "Email liên hệ"]
GOOD = ["Tokyo Foods", "JP", "Nhà nhập khẩu", "Yến sào", "0410", "JP", "en, ja", "HACCP",
        "buyer@tokyofoods.jp"]
DIRECTORY = ["Hanoi Mart Paris", "Pháp", "chuỗi bán lẻ", "", "", "FR", "tiếng Pháp", "", ""]
BAD = ["Osaka Trading", "Atlantis", "wholesale club", "", "99999", "", "", "", "not-an-email"]


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path, monkeypatch):
    """Uploads go to a temporary instance/imports."""
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    return tmp_path / "imports"


@pytest.fixture
def partner(db):
    """A retail chain of the partner directory, with the HS codes it wants."""
    p = Partner(name="Hanoi Mart Paris", kind="retail_chain", country_code="FR",
                hs_prefixes=["0901"], keywords="cà phê", contact_email="achat@hanoimart.fr")
    db.session.add(p)
    db.session.commit()
    return p


def _csv(*rows: list[str]) -> bytes:
    lines = [",".join(f'"{c}"' for c in row) for row in (HEADINGS, *rows)]
    return ("\n".join(lines) + "\n").encode()


def _xlsx(*rows: list) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (HEADINGS, *rows):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(client, event, data: bytes, name: str = "doi-tac.csv"):
    resp = client.post(f"/meetings/{event.id}/counterparts/import",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")
    return resp


def _counterparts(db, event) -> list[Counterpart]:
    return list(db.session.scalars(db.select(Counterpart).where(Counterpart.event_id == event.id)
                                   .order_by(Counterpart.id)))


def test_dry_run_lists_new_matched_and_rejected_rows_and_saves_nothing(client, officer, db,
                                                                       event, partner):
    resp = _upload(client, event, _csv(GOOD, DIRECTORY, BAD))
    assert resp.status_code == 302
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Sẽ thêm mới: 1" in html
    assert "Khớp với đối tác trong danh bạ: 1" in html
    assert "Bị loại: 1" in html
    assert "Không nhận ra quốc gia “Atlantis”" in html
    assert "Loại đối tác “wholesale club” không hợp lệ" in html
    assert "Email “not-an-email” không hợp lệ." in html
    assert "Thiếu ngôn ngữ" in html
    assert _counterparts(db, event) == []


def test_a_file_with_errors_imports_only_when_the_user_chooses_valid_rows(client, officer, db,
                                                                          event, partner):
    plan_url = _upload(client, event, _csv(GOOD, DIRECTORY, BAD)).headers["Location"]
    refused = client.post(plan_url, data={}, follow_redirects=True).get_data(as_text=True)
    assert "Tệp còn dòng lỗi" in refused
    assert _counterparts(db, event) == []
    client.post(plan_url, data={"partial": "y"})
    db.session.expire_all()
    added = _counterparts(db, event)
    assert [c.name for c in added] == ["Tokyo Foods", "Hanoi Mart Paris"]
    tokyo, paris = added
    assert (tokyo.kind, tokyo.country_code, tokyo.languages, tokyo.hs_prefixes) == (
        "importer", "JP", ["en", "ja"], ["0410"])
    assert (tokyo.required_certifications, tokyo.contact_email, tokyo.markets) == (
        ["HACCP"], "buyer@tokyofoods.jp", ["JP"])
    # Matched to the directory: linked, and its blanks filled from the directory's record.
    assert (paris.partner_id, paris.kind, paris.languages) == (partner.id, "retail_chain",
                                                               ["fr"])
    assert (paris.hs_prefixes, paris.contact_email) == (["0901"], "achat@hanoimart.fr")


def test_a_clean_xlsx_is_imported_in_one_go(client, officer, db, event):
    plan_url = _upload(client, event, _xlsx(GOOD), "doi-tac.xlsx").headers["Location"]
    resp = client.post(plan_url, data={}, follow_redirects=True)
    assert "Đã nhập 1 đối tác." in resp.get_data(as_text=True)
    assert [c.name for c in _counterparts(db, event)] == ["Tokyo Foods"]


def test_hs_codes_that_lost_their_leading_zero_in_excel_are_read(client, officer, db, event):
    row = [*GOOD[:4], 410, *GOOD[5:]]  # a number cell: 0410 became 410
    plan_url = _upload(client, event, _xlsx(row), "so.xlsx").headers["Location"]
    client.post(plan_url, data={})
    assert _counterparts(db, event)[0].hs_prefixes == ["0410"]


def test_rows_already_in_the_event_or_repeated_in_the_file_are_rejected(client, officer, db,
                                                                        event):
    first = _upload(client, event, _csv(GOOD)).headers["Location"]
    client.post(first, data={})
    again = _upload(client, event, _csv(GOOD, DIRECTORY, DIRECTORY)).headers["Location"]
    html = client.get(again).get_data(as_text=True)
    assert "Đối tác này đã có trong sự kiện." in html
    assert re.search(r"Trùng với dòng \d+ của tệp", html)
    assert len(_counterparts(db, event)) == 1


def test_a_file_without_the_required_columns_is_refused_with_the_missing_ones(client, officer,
                                                                              db, event):
    data = b'"Name","Email"\n"Tokyo Foods","a@b.jp"\n'
    html = client.get(_upload(client, event, data).headers["Location"]).get_data(as_text=True)
    assert "Tệp thiếu cột bắt buộc: Quốc gia, Loại đối tác, Ngôn ngữ." in html
    assert _counterparts(db, event) == []


def test_a_pdf_is_refused_at_upload(client, officer, db, event):
    resp = _upload(client, event, b"%PDF-1.4 x", "list.pdf")
    assert resp.status_code == 200
    assert "Đây là tệp PDF" in resp.get_data(as_text=True)


def test_another_users_upload_is_404(client, login_as, db, event):
    login_as("officer")
    plan_url = _upload(client, event, _csv(GOOD)).headers["Location"]
    login_as("officer")
    assert client.get(plan_url).status_code == 404


def test_viewers_cannot_import(client, login_as, db, event):
    login_as("viewer")
    assert client.get(f"/meetings/{event.id}/counterparts/import").status_code == 403
