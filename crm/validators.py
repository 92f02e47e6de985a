"""Checks shared by forms, services and importers."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst

from crm.errors import UserError


def normalize_tax_code(raw: str | None) -> str:
    """Validate a Vietnamese tax code (MST) and return it as 0123456789 or 0123456789-001.

    Spaces, dots and dashes typed by users or found in spreadsheets are tolerated.
    """
    value = (raw or "").strip()
    if not value:
        raise UserError(_("Vui lòng nhập mã số thuế."), field="tax_code")
    try:
        compact = mst.validate(value.replace(".", ""))
    except stdnum_errors.ValidationError:
        raise UserError(
            _("Mã số thuế không hợp lệ: cần 10 chữ số (hoặc 13 với chi nhánh, dạng "
              "0123456789-001) và chữ số kiểm tra đúng."),
            field="tax_code",
        ) from None
    return mst.format(compact)


def synthetic_tax_codes(count: int, prefix: str = "42", start: int = 1) -> Iterator[str]:
    """Yield `count` distinct valid 10-digit tax codes (demo and benchmark data).

    Serials whose check digit would be 10 have no valid code and are skipped.
    """
    serial = start
    made = 0
    while made < count:
        body = f"{prefix}{serial:07d}"
        check = mst.calc_check_digit(body)
        serial += 1
        if len(check) == 1:
            made += 1
            yield body + check


def hs_code_clean(raw: str | None) -> str | None:
    """Digits only ('0410.90' -> '041090'); None when empty."""
    if raw is None:
        return None
    digits = "".join(ch for ch in raw if ch.isdigit())
    return digits or None
