"""Forms of opportunities and the shortlist (content checks live in services.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)

from crm.opportunities import ENTRY_LABELS, FACTOR_LABELS, KIND_LABELS, STATUS_LABELS


def kind_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of opportunity kinds."""
    head = [("", blank)] if blank is not None else []
    return head + [(k, str(v)) for k, v in KIND_LABELS.items()]


def status_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of opportunity statuses."""
    head = [("", blank)] if blank is not None else []
    return head + [(k, str(v)) for k, v in STATUS_LABELS.items()]


class OpportunityForm(FlaskForm):
    """Create or edit an opportunity."""

    kind = SelectField(_l("Loại cơ hội"), validate_choice=False)
    code = StringField(_l("Mã cơ hội"), description=_l("Để trống để tự tạo"))
    title = StringField(_l("Tên cơ hội"))
    status = SelectField(_l("Trạng thái"), validate_choice=False)
    description = TextAreaField(_l("Mô tả"))
    partner_id = SelectField(_l("Đối tác"), validate_choice=False)
    programme_id = SelectField(_l("Chương trình"), validate_choice=False)
    markets = StringField(_l("Thị trường"),
                          description=_l("Mã quốc gia hoặc khối, cách nhau bởi dấu phẩy: "
                                         "AE, SA, EU27, GCC"))
    hs_prefixes = StringField(_l("Mã HS sản phẩm"), description=_l("Ví dụ: 0410, 0901"))
    keywords = StringField(_l("Từ khóa sản phẩm"), description=_l("Ví dụ: yến sào, cà phê"))
    required_certifications = SelectMultipleField(_l("Chứng nhận bắt buộc"),
                                                  validate_choice=False)
    preferred_certifications = SelectMultipleField(_l("Chứng nhận ưu tiên"),
                                                   validate_choice=False)
    min_size = SelectField(_l("Quy mô tối thiểu"), validate_choice=False)
    min_annual_capacity_tonnes = StringField(_l("Sản lượng tối thiểu (tấn/năm)"))
    platform = SelectField(_l("Sàn TMĐT"), validate_choice=False)
    starts_on = StringField(_l("Ngày bắt đầu"), render_kw={"type": "date"})
    ends_on = StringField(_l("Ngày kết thúc"), render_kw={"type": "date"})
    deadline = StringField(_l("Hạn đăng ký"), render_kw={"type": "date"})
    location = StringField(_l("Địa điểm"))
    slots = StringField(_l("Số suất"))
    budget_vnd = StringField(_l("Ngân sách (đồng)"))
    cofunding_share = StringField(_l("Doanh nghiệp đối ứng (%)"))
    quota_province = StringField(_l("Tối đa mỗi tỉnh"))
    quota_hs_chapter = StringField(_l("Tối đa mỗi chương HS"))
    diversity = BooleanField(_l("Đa dạng hóa (tránh dồn về một tỉnh, một nhóm hàng)"))
    exposure_decay = BooleanField(_l("Ưu tiên doanh nghiệp chưa được hỗ trợ gần đây"))
    weight_product = StringField(FACTOR_LABELS["product"])
    weight_market = StringField(FACTOR_LABELS["market"])
    weight_readiness = StringField(FACTOR_LABELS["readiness"])
    weight_capacity = StringField(FACTOR_LABELS["capacity"])
    weight_ecommerce = StringField(FACTOR_LABELS["ecommerce"])
    weight_partner = StringField(FACTOR_LABELS["partner"])
    version = HiddenField()
    submit = SubmitField(_l("Lưu"))


class OpportunityFilterForm(FlaskForm):
    """Search and filters of the opportunity list (GET)."""

    class Meta:
        csrf = False

    q = StringField(_l("Tìm cơ hội"))
    kind = SelectField(_l("Loại"), validate_choice=False)
    status = SelectField(_l("Trạng thái"), validate_choice=False)


class RankFilterForm(FlaskForm):
    """Filters of the ranked list (GET)."""

    class Meta:
        csrf = False

    province = SelectField(_l("Tỉnh/thành"), validate_choice=False)
    size = SelectField(_l("Quy mô"), validate_choice=False)
    eligible_only = BooleanField(_l("Chỉ doanh nghiệp đủ điều kiện"))
    verified_only = BooleanField(_l("Chỉ dựa trên dữ liệu đã xác minh"))


class ShortlistForm(FlaskForm):
    """Selected ranked firms to shortlist, with a justification when needed."""

    justification = TextAreaField(_l("Lý do (bắt buộc khi bỏ qua doanh nghiệp xếp hạng cao "
                                      "hơn hoặc chọn doanh nghiệp ngoài đề xuất)"))
    submit = SubmitField(_l("Đưa vào danh sách chọn"))


class AddFirmForm(FlaskForm):
    """Add a firm the ranking did not suggest."""

    tax_code = StringField(_l("Mã số thuế"))
    justification = TextAreaField(_l("Lý do"))
    submit = SubmitField(_l("Thêm doanh nghiệp"))


def action_choices() -> list[tuple[str, str]]:
    """Status changes offered on the board."""
    return [(k, str(ENTRY_LABELS[k])) for k in (
        "shortlisted", "invited", "confirmed", "declined", "participated", "outcome",
        "passed_over")]


class BulkForm(FlaskForm):
    """Several entries moved to one status."""

    to_status = SelectField(_l("Chuyển sang"), validate_choice=False)
    note = StringField(_l("Ghi chú / lý do"))
    submit = SubmitField(_l("Áp dụng"))


class SimpleForm(FlaskForm):
    """A CSRF-protected button."""

    submit = SubmitField(_l("Lưu đề xuất"))
