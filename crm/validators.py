"""Checks shared by forms, services and importers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask_babel import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.vn import mst
from wtforms import validators

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


class NumberRange(validators.NumberRange):
    """WTForms' NumberRange that also refuses integers too large for a float.

    WTForms calls math.isnan() on the value, which raises OverflowError for an integer of
    a few hundred digits typed into a number field: that must be a field message, not a 500.
    """

    def __call__(self, form: Any, field: Any) -> None:
        """Validate, turning an overflowing value into the range's message."""
        try:
            super().__call__(form, field)
        except OverflowError:
            message = self.message or field.gettext("Number is out of range.")
            raise validators.ValidationError(message) from None


# Primary keys are 32-bit on PostgreSQL: a larger number cannot name a row, and passing it
# to the database would be an error ("integer out of range"), not a "not found".
MAX_ROW_ID = 2**31 - 1


def row_id(raw: object) -> int | None:
    """A row id typed or posted by a user ('12' -> 12), or None when it cannot be one."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


def row_ids(values: Iterable[object]) -> list[int]:
    """The values that can be row ids, in order (see row_id)."""
    return [i for i in map(row_id, values) if i is not None]
