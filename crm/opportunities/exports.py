"""Shortlist exports: Excel (.xlsx, streamed rows in write-only mode) and CSV (UTF-8 + BOM)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _
from openpyxl import Workbook

from crm.display import label, province_name
from crm.models import Opportunity
from crm.opportunities import ENTRY_LABELS
from crm.opportunities.queries import export_rows


def headings() -> list[str]:
    """Column headings (Vietnamese by default: the file goes to the centre's leaders)."""
    return [_("STT"), _("Mã số thuế"), _("Tên doanh nghiệp"), _("Tỉnh/thành"), _("Quy mô"),
            _("Trạng thái"), _("Được đề xuất"), _("Hạng khi chọn"), _("Điểm khi chọn"),
            _("Lý do xếp hạng"), _("Lý giải của cán bộ"), _("Người liên hệ"), _("Điện thoại"),
            _("Email"), _("Người thêm"), _("Cập nhật lúc")]


def _reasons(reasons: list[dict]) -> str:
    from crm.opportunities import reason_text

    return "; ".join(reason_text(r) for r in reasons or [] if r.get("detail"))


def rows(opp: Opportunity) -> Iterator[list[Any]]:
    """One list of cells per shortlist entry, best rank first."""
    for n, (entry, firm, contact, user) in enumerate(export_rows(opp), start=1):
        yield [
            n, firm.tax_code, firm.name, province_name(firm.province_code),
            label(firm.size_class), str(ENTRY_LABELS.get(entry.status, entry.status)),
            _("Có") if entry.suggested else _("Không"), entry.rank_at_shortlist,
            float(entry.score_at_shortlist) if entry.score_at_shortlist is not None else None,
            _reasons(entry.reasons_at_shortlist), entry.justification or "",
            contact.name if contact else "", contact.phone if contact else "",
            contact.email if contact else "", user.name if user else "",
            entry.updated_at.strftime("%Y-%m-%d %H:%M") if entry.updated_at else "",
        ]


def shortlist_xlsx(opp: Opportunity) -> bytes:
    """The shortlist as an .xlsx workbook (write-only: rows go out as they are read)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_("Danh sách")[:31])
    ws.append(headings())
    for row in rows(opp):
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def shortlist_csv(opp: Opportunity) -> Iterator[str]:
    """The shortlist as CSV text chunks; a BOM first so Excel reads the diacritics."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")
    writer.writerow(headings())
    for n, row in enumerate(rows(opp), start=1):
        writer.writerow(["" if v is None else v for v in row])
        if n % 500 == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()
