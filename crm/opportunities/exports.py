"""Shortlist exports: Excel (.xlsx) and CSV (UTF-8 + BOM), both written by crm.spreadsheets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _

from crm import spreadsheets
from crm.display import label, province_name
from crm.models import Opportunity
from crm.opportunities import ENTRY_LABELS
from crm.opportunities.queries import export_rows, status_notes
from crm.reasons import reason_text, words


def headings(personal: bool = True) -> list[str]:
    """Column headings (Vietnamese by default: the file goes to the centre's leaders).

    Without `personal` (crm.auth.policy.sees_personal_data) the contact person's columns are
    left out (Decree 13/2023).
    """
    contact = [_("Người liên hệ"), _("Điện thoại"), _("Email")] if personal else []
    return [_("STT"), _("Mã số thuế"), _("Tên doanh nghiệp"), _("Tỉnh/thành"), _("Quy mô"),
            _("Trạng thái"), _("Được đề xuất"), _("Hạng khi chọn"), _("Điểm khi chọn"),
            _("Lý do xếp hạng"), _("Lý giải của cán bộ"), _("Lý do bỏ qua"),
            _("Ghi chú khi từ chối"), *contact,
            _("Người thêm"), spreadsheets.time_heading(_("Cập nhật"))]


def _reasons(reasons: list[dict]) -> str:
    renderer = words()
    return "; ".join(reason_text(r, renderer) for r in reasons or []
                     if r.get("parts") or r.get("detail"))


def rows(opp: Opportunity, personal: bool = True) -> Iterator[list[Any]]:
    """One list of cells per shortlist entry, best rank first (as `headings(personal)`)."""
    notes = status_notes(opp)
    for n, (entry, firm, contact, user) in enumerate(export_rows(opp), start=1):
        skipped = notes.get((entry.id, "passed_over"), "")
        # A firm passed over when others were shortlisted has that reason as its
        # justification too: once is enough.
        justification = entry.justification if entry.justification != skipped else ""
        person = [contact.name if contact else "", contact.phone if contact else "",
                  contact.email if contact else ""] if personal else []
        yield [
            n, firm.tax_code, firm.name, province_name(firm.province_code),
            label(firm.size_class), str(ENTRY_LABELS.get(entry.status, entry.status)),
            _("Có") if entry.suggested else _("Không"), entry.rank_at_shortlist,
            float(entry.score_at_shortlist) if entry.score_at_shortlist is not None else None,
            _reasons(entry.reasons_at_shortlist), justification or "", skipped,
            notes.get((entry.id, "declined"), ""), *person,
            user.name if user else "", entry.updated_at,
        ]


def shortlist_xlsx(opp: Opportunity, *, personal: bool) -> bytes:
    """The shortlist as an .xlsx workbook (contact persons only when `personal`)."""
    wb = spreadsheets.workbook()
    spreadsheets.add_table(wb, _("Danh sách"), headings(personal), rows(opp, personal))
    return spreadsheets.xlsx_bytes(wb)


def shortlist_csv(opp: Opportunity, *, personal: bool) -> Iterator[str]:
    """The shortlist as CSV text chunks (contact persons only when `personal`)."""
    return spreadsheets.csv_chunks(headings(personal), rows(opp, personal))
