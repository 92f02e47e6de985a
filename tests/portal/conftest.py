"""Portal fixtures: uploads go to a temporary directory."""

from __future__ import annotations

import uuid

import pytest

from crm.validators import synthetic_tax_codes

# Unique per run: rows committed by one test must never collide with another test's.
_tax_codes = synthetic_tax_codes(10**5, prefix="79", start=uuid.uuid4().int % 10**6)


def unique_email(prefix: str = "dn") -> str:
    """An e-mail address no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}@example.vn"


def fresh_tax_code() -> str:
    """A valid tax code no other test uses."""
    return next(_tax_codes)


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    """Scans are written under tmp_path, never into instance/."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"
