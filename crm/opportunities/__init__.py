"""Opportunities (missions, fairs, e-commerce cohorts, distribution partners), their ranked
firms and the shortlist pipeline."""

from typing import Any

from flask import Blueprint
from flask_babel import get_locale, lazy_pgettext
from flask_babel import lazy_gettext as _l

from crm import reasons

bp = Blueprint("opportunities", __name__)

KIND_LABELS = {
    "trade_mission": _l("Đoàn xúc tiến thương mại"),
    "trade_fair": _l("Hội chợ triển lãm"),
    "ecommerce_cohort": _l("Nhóm hỗ trợ TMĐT xuyên biên giới"),
    "distribution_partner": _l("Đối tác phân phối tìm nhà cung cấp"),
}
STATUS_LABELS = {
    "draft": _l("Nháp"), "open": _l("Đang mở"), "closed": _l("Đã đóng"), "done": _l("Đã xong"),
}
ENTRY_LABELS = {
    "suggested": _l("Đề xuất"),
    "shortlisted": _l("Danh sách chọn"),
    "invited": _l("Đã mời"),
    "confirmed": _l("Đã xác nhận"),
    "declined": lazy_pgettext("stage", "Từ chối"),  # elsewhere "Từ chối" is a button
    "participated": _l("Đã tham gia"),
    "outcome": _l("Có kết quả"),
    "passed_over": _l("Bỏ qua"),
}
FACTOR_LABELS = {
    "product": _l("Sản phẩm"), "market": _l("Thị trường"), "readiness": _l("Năng lực xuất khẩu"),
    "capacity": _l("Quy mô, sản lượng"), "ecommerce": _l("Thương mại điện tử"),
    "partner": _l("Phù hợp đối tác"), "reminder": _l("Lưu ý"), "fairness": _l("Cân bằng"),
    "exposure": _l("Đã được hỗ trợ"), "diversity": _l("Đa dạng"), "ties": _l("Khi gần bằng điểm"),
}


@bp.app_template_global()
def opportunity_kind_label(kind: str | None) -> str:
    """Label of an opportunity kind."""
    return str(KIND_LABELS.get(kind or "", kind or ""))


@bp.app_template_global()
def opportunity_status_label(status: str | None) -> str:
    """Label of an opportunity status."""
    return str(STATUS_LABELS.get(status or "", status or ""))


@bp.app_template_global()
def entry_status_label(status: str | None) -> str:
    """Label of a shortlist status."""
    return str(ENTRY_LABELS.get(status or "", status or ""))


_factor_labels: dict[str, dict[str, str]] = {}  # locale -> factor -> translated label


@bp.app_template_global()
def factor_label(factor: str | None) -> str:
    """Label of a ranking factor."""
    # A ranking page shows ~150 reasons: translating the same eight labels for each was
    # ~4 ms of it. Catalogues do not change while the app runs.
    locale = str(get_locale())
    labels = _factor_labels.get(locale)
    if labels is None:
        labels = _factor_labels[locale] = {k: str(v) for k, v in FACTOR_LABELS.items()}
    return labels.get(factor or "", factor or "")


@bp.app_template_global()
def reason_text(reason: Any) -> str:
    """A reason's words in the UI language."""
    return reasons.reason_text(reason)


@bp.app_template_global()
def gaps_text(gaps: Any) -> str:
    """What an ineligible firm lacks, in the UI language."""
    return reasons.gaps_text(gaps)


@bp.app_template_global()
def hint_text(gaps: Any) -> str:
    """What would make an ineligible firm eligible, in the UI language."""
    return reasons.hint_text(gaps)


from crm.opportunities import routes  # noqa: E402

__all__ = ["bp", "routes"]
