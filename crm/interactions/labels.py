"""Vietnamese names of the support log's codes (kinds of interaction, outcome, result)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "training": _l("Đào tạo"),
    "consulting": _l("Tư vấn"),
    "export_plan": _l("Xây dựng kế hoạch xuất khẩu"),
    "trade_mission": _l("Đoàn xúc tiến thương mại"),
    "trade_fair": _l("Hội chợ, triển lãm"),
    "b2b_meeting": _l("Gặp gỡ giao thương (B2B)"),
    "ecommerce_onboarding": _l("Đưa lên sàn TMĐT"),
    "certification_support": _l("Hỗ trợ chứng nhận"),
    "trademark_support": _l("Hỗ trợ nhãn hiệu"),
    "market_information": _l("Thông tin thị trường"),
    "investment_abroad": _l("Đầu tư ra nước ngoài"),
    "value_chain": _l("Tham gia chuỗi giá trị"),
    "other": _l("Khác"),
    # outcomes
    "contract": _l("Hợp đồng"),
    "new_market": _l("Thị trường mới"),
    "ecommerce_store": _l("Mở gian hàng TMĐT"),
    "follow_up_result": _l("Kết quả theo dõi"),
    # follow-up results
    "no_result": _l("Chưa có kết quả"),
    "negotiating": _l("Đang đàm phán"),
    "agreement_signed": _l("Đã ký thỏa thuận"),
    "orders_shipped": _l("Đã giao hàng"),
    # tasks
    "follow_up": _l("Việc cần làm"),
    "outcome_check": _l("Kiểm tra kết quả"),
}


def support_label(code: str | None) -> str:
    """Label of an interaction kind, outcome kind, result or task kind."""
    if not code:
        return ""
    return str(KIND_LABELS.get(code, code))
