"""The support log as an Excel workbook, written by crm.spreadsheets (text never evaluated)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select

from crm import spreadsheets
from crm.extensions import db
from crm.interactions.labels import support_label

EXPORT_LIMIT = 100_000  # rows: a whole province's years of support fit well below


def headings() -> list[str]:
    """Column headings in the interface language."""
    return [_("Ngày"), _("Mã số thuế"), _("Doanh nghiệp"), _("Loại hoạt động"),
            _("Nội dung tóm tắt"), _("Chương trình"), _("Cán bộ"),
            _("Chi phí ngân sách (VND)"), _("Doanh nghiệp đóng góp (VND)")]


def rows(stmt: Select) -> Iterator[Sequence[Any]]:
    """One row per interaction of the filtered log, newest first."""
    for it in db.session.scalars(stmt.limit(EXPORT_LIMIT)):
        yield (it.occurred_on, it.firm.tax_code, it.firm.name, support_label(it.kind),
               it.summary, it.programme.code if it.programme else "",
               it.officer.name if it.officer else "", it.cost_vnd, it.firm_contribution_vnd)


def support_log_xlsx(stmt: Select) -> bytes:
    """The filtered support log as .xlsx bytes."""
    wb = spreadsheets.workbook()
    spreadsheets.add_table(wb, _("Nhật ký hỗ trợ"), headings(), rows(stmt))
    return spreadsheets.xlsx_bytes(wb)
