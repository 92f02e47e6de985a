"""Overseas partners: importers, distributors, retail chains, associations, platforms."""

from flask import Blueprint
from flask_babel import lazy_gettext as _l

bp = Blueprint("partners", __name__)

KIND_LABELS = {
    "importer": _l("Nhà nhập khẩu"),
    "distributor": _l("Nhà phân phối"),
    "retail_chain": _l("Chuỗi bán lẻ"),
    "supermarket_chain": _l("Chuỗi siêu thị"),
    "business_association": _l("Hiệp hội doanh nghiệp"),
    "ecommerce_platform": _l("Sàn thương mại điện tử"),
    "other": _l("Khác"),
}


@bp.app_template_global()
def partner_kind_label(kind: str | None) -> str:
    """Label of a partner kind in the UI language."""
    return str(KIND_LABELS.get(kind or "", kind or ""))


from crm.partners import routes  # noqa: E402

__all__ = ["KIND_LABELS", "bp", "routes"]
