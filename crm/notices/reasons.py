"""Why a firm was matched to a notice, in words (the interface language), from the reason
codes targeting stores."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from crm.display import country_name, scheme_name

TIER_LABELS = {
    "exact": _l("Chính xác"),
    "direct": _l("Trực tiếp"),
    "text": _l("Theo mô tả"),
    "broad": _l("Rộng"),
    "manual": _l("Thêm tay"),
}
TIER_HELP = {
    "exact": _l("Thông báo nêu đúng doanh nghiệp (mã FEI/GACC hoặc tên)."),
    "direct": _l("Cùng nhóm HS 4 đến 6 số và cùng thị trường."),
    "text": _l("Mô tả sản phẩm của thông báo khớp sản phẩm của doanh nghiệp, cùng thị trường."),
    "broad": _l("Chỉ cùng chương HS 2 số: xem lại trước khi gửi."),
    "manual": _l("Cán bộ thêm vào."),
}
SOURCE_LABELS = {
    "eping": _l("WTO ePing (SPS/TBT)"),
    "rasff": _l("EU RASFF"),
    "fda_refusal": _l("FDA từ chối nhập khẩu"),
    "fda_import_alert": _l("FDA cảnh báo nhập khẩu"),
    "gacc": _l("GACC Trung Quốc"),
    "moit_trade_remedy": _l("Bộ Công Thương: phòng vệ thương mại"),
    "manual": _l("Nhập tay"),
}
MEASURE_LABELS = {
    "sps": _l("Vệ sinh dịch tễ (SPS)"),
    "tbt": _l("Rào cản kỹ thuật (TBT)"),
    "anti_dumping": _l("Chống bán phá giá"),
    "countervailing": _l("Chống trợ cấp"),
    "safeguard": _l("Tự vệ"),
    "border_rejection": _l("Từ chối tại biên giới"),
    "import_alert": _l("Cảnh báo nhập khẩu"),
    "registration_rule": _l("Quy định đăng ký cơ sở"),
    "market_news": _l("Tin thị trường"),
}
SEVERITY_LABELS = {"high": _l("Cao"), "medium": _l("Trung bình"), "low": _l("Thấp")}


def reason_text(reason: dict[str, Any]) -> str:
    """One reason in words."""
    code, p = reason.get("code"), reason.get("params") or {}
    if code == "identifier":
        return _("Mã số %(scheme)s %(number)s của doanh nghiệp được nêu trong thông báo",
                 scheme=p.get("scheme", ""), number=p.get("number", ""))
    if code == "name":
        return _("Tên doanh nghiệp được nêu trong thông báo: %(name)s", name=p.get("name", ""))
    if code == "hs":
        return _("Sản phẩm %(product)s (HS %(firm)s) thuộc mã HS %(notice)s của thông báo",
                 product=p.get("product", ""), firm=p.get("firm", ""),
                 notice=p.get("notice", ""))
    if code == "text":
        return _("Thông báo nói về \u201c%(word)s\u201d (HS %(hs)s): sản phẩm %(product)s "
                 "(HS %(firm)s)", word=p.get("word", ""), hs=p.get("hs", ""),
                 product=p.get("product", ""), firm=p.get("firm", ""))
    if code == "market":
        country = country_name(p.get("country"))
        group = p.get("group")
        if p.get("kind") == "current":
            text = _("Đang xuất khẩu sang %(country)s", country=country)
        else:
            text = _("Thị trường mục tiêu: %(country)s", country=country)
        return text + (f" ({group})" if group else "")
    if code == "registration":
        return _("Có đăng ký %(scheme)s còn hiệu lực", scheme=scheme_name(p.get("scheme", "")))
    if code == "manual":
        return _("Cán bộ %(name)s thêm vào", name=p.get("by", ""))
    return str(code)


def reason_lines(reasons: list[dict[str, Any]]) -> list[str]:
    """All reasons in words."""
    return [reason_text(r) for r in reasons]
