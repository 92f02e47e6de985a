"""Helpers for import tests: spreadsheets written on the fly under a temporary directory."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest

from crm.validators import synthetic_tax_codes

_codes = synthetic_tax_codes(10_000, prefix="38")


@pytest.fixture
def tax_codes():
    """Fresh valid tax codes, unused by other tests."""
    return lambda n=1: [next(_codes) for _ in range(n)]


@pytest.fixture(autouse=True)
def import_dir(app, tmp_path, monkeypatch):
    """Uploads go to a temporary instance/imports."""
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    return tmp_path / "imports"


def xlsx_bytes(rows: list[list], merge: str | None = None) -> bytes:
    """An .xlsx workbook with these rows (and one merged range)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list], delimiter: str = ",", encoding: str = "utf-8-sig") -> bytes:
    """CSV text of these rows."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue().encode(encoding)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    """Write a file for the parser."""
    path = tmp_path / name
    path.write_bytes(data)
    return path
