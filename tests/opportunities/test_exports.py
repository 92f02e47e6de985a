"""Shortlist exports are safe to open (no formulas) and say what officers decided, in
Vietnam time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import update

from crm.models import Opportunity, ShortlistEntry
from tests.office import libreoffice_rows
from tests.opportunities.conftest import MISSION, make_nest_firm

FORMULA_NAMES = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)"]
UPDATED = "Cập nhật (giờ Việt Nam, UTC+7)"


def _create(client, db) -> Opportunity:
    resp = client.post("/opportunities/new", data=MISSION)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    return db.session.get(Opportunity, int(resp.headers["Location"].rstrip("/").split("/")[-1]))


def _shortlist(client, db, opp, firms) -> dict[int, ShortlistEntry]:
    resp = client.post(f"/opportunities/{opp.id}/shortlist", data={
        "firm_ids": [f.id for f in firms], "justification": "Theo đề nghị của hiệp hội"})
    assert resp.status_code == 302
    db.session.expire_all()
    return {e.firm_id: e for e in opp.entries}


def _move(client, opp, entry, to, note="") -> None:
    resp = client.post(f"/opportunities/{opp.id}/entries/bulk",
                       data={"entry_ids": [entry.id], "to_status": to, "note": note})
    assert resp.status_code == 302


def _xlsx(client, opp) -> tuple[openpyxl.worksheet.worksheet.Worksheet, dict[str, int]]:
    resp = client.get(f"/opportunities/{opp.id}/export.xlsx")
    assert resp.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(resp.data)).worksheets[0]
    return ws, {cell.value: cell.column for cell in ws[1]}


def _csv(client, opp) -> list[dict[str, str]]:
    resp = client.get(f"/opportunities/{opp.id}/export.csv")
    assert resp.status_code == 200
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def formula_firms(db):
    """Halal bird's nest firms whose names a spreadsheet would evaluate."""
    firms = [make_nest_firm(name) for name in FORMULA_NAMES]
    db.session.commit()
    return firms


def test_formula_like_names_are_text_cells_in_the_workbook(client, officer, db, formula_firms):
    opp = _create(client, db)
    _shortlist(client, db, opp, formula_firms)
    ws, col = _xlsx(client, opp)
    cells = [ws.cell(row=r, column=col["Tên doanh nghiệp"]) for r in range(2, ws.max_row + 1)]
    assert sorted(c.value for c in cells) == sorted(FORMULA_NAMES)
    assert {c.data_type for c in cells} == {"s"}


def test_formula_like_names_start_with_an_apostrophe_in_csv(client, officer, db,
                                                           formula_firms):
    opp = _create(client, db)
    _shortlist(client, db, opp, formula_firms)
    names = [row["Tên doanh nghiệp"] for row in _csv(client, opp)]
    assert sorted(names) == sorted("'" + name for name in FORMULA_NAMES)


def test_workbook_header_is_frozen_and_filters_the_data(client, officer, db, formula_firms):
    opp = _create(client, db)
    _shortlist(client, db, opp, formula_firms)
    ws, col = _xlsx(client, opp)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(col))}5"
    assert ws[1][0].font.bold
    assert ws.column_dimensions["C"].width >= len(FORMULA_NAMES[0])  # the names fit


def test_update_time_is_exported_in_vietnam_time(client, officer, db, formula_firms):
    opp = _create(client, db)
    _shortlist(client, db, opp, formula_firms[:1])
    db.session.execute(update(ShortlistEntry).where(ShortlistEntry.opportunity_id == opp.id)
                       .values(updated_at=datetime(2026, 12, 2, 20, 30, tzinfo=UTC)))
    db.session.commit()
    ws, col = _xlsx(client, opp)
    assert ws.cell(row=2, column=col[UPDATED]).value == datetime(2026, 12, 3, 3, 30)
    assert _csv(client, opp)[0][UPDATED] == "2026-12-03 03:30"


def test_decline_notes_and_skip_reasons_are_exported(client, officer, db, formula_firms):
    opp = _create(client, db)
    declining, skipped = formula_firms[:2]
    entries = _shortlist(client, db, opp, [declining, skipped])
    _move(client, opp, entries[declining.id], "invited")
    _move(client, opp, entries[declining.id], "declined", note="Hết hàng vụ này")
    _move(client, opp, entries[skipped.id], "passed_over", note="Đã đi đoàn UAE năm 2025")
    ws, col = _xlsx(client, opp)
    rows = {ws.cell(row=r, column=col["Tên doanh nghiệp"]).value:
            (ws.cell(row=r, column=col["Ghi chú khi từ chối"]).value,
             ws.cell(row=r, column=col["Lý do bỏ qua"]).value)
            for r in range(2, ws.max_row + 1)}
    assert rows[declining.name] == ("Hết hàng vụ này", None)
    assert rows[skipped.name] == (None, "Đã đi đoàn UAE năm 2025")
    by_name = {row["Tên doanh nghiệp"]: row for row in _csv(client, opp)}
    assert by_name["'" + declining.name]["Ghi chú khi từ chối"] == "Hết hàng vụ này"
    assert by_name["'" + skipped.name]["Lý do bỏ qua"] == "Đã đi đoàn UAE năm 2025"


def test_formula_like_name_stays_text_in_libreoffice(client, officer, db, formula_firms,
                                                     tmp_path):
    opp = _create(client, db)
    _shortlist(client, db, opp, formula_firms)
    rows = libreoffice_rows(client.get(f"/opportunities/{opp.id}/export.xlsx").data, tmp_path)
    assert sorted(r[2] for r in rows[1:]) == sorted(FORMULA_NAMES)
