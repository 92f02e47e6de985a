"""Open a workbook the app exported in LibreOffice, as an officer would, and read it back."""

from __future__ import annotations

import csv
import shutil
import subprocess  # nosec B404: runs LibreOffice on a file the test wrote
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def libreoffice_rows(data: bytes, tmp_path: Path) -> list[list[str]]:
    """The first sheet of an .xlsx as LibreOffice reads it (converted to UTF-8 CSV).

    Skips the test when LibreOffice is not installed (Debian: libreoffice-calc-nogui).
    """
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt install libreoffice-calc-nogui")
    book = tmp_path / "export.xlsx"
    book.write_bytes(data)
    profile = (tmp_path / "lo-profile").as_uri()  # its own profile: no clash with a desktop
    result = subprocess.run(  # nosec B603: fixed arguments, no shell
        [SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", str(tmp_path), str(book)],
        capture_output=True, text=True, timeout=120, check=False)
    out = tmp_path / "export.csv"
    assert result.returncode == 0, result.stderr or result.stdout
    assert out.exists(), result.stderr or result.stdout
    with out.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))
