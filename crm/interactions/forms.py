"""Forms of the support log: interaction, outcome, yearly indicators."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm import clock
from crm.interactions.labels import support_label
from crm.models.support import INTERACTION_KINDS, OUTCOME_KINDS, OUTCOME_RESULTS
from crm.validators import NumberRange, row_id

REQUIRED = _l("Bắt buộc nhập.")
NOT_NEGATIVE = _l("Không được âm.")
BAD_NUMBER = _l("Nhập một số.")
BAD_DATE = _l("Ngày không hợp lệ.")


def _int_or_zero(value: object) -> int:
    """SelectField coercion that turns a blank or garbage choice into 0 (= none)."""
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _money(label: object) -> DecimalField:
    return DecimalField(
        label, places=0, validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
        render_kw={"inputmode": "numeric", "min": 0},
    )


class InteractionForm(FlaskForm):
    """Record one support interaction, with an optional follow-up task."""

    firm_tax_code = StringField(
        _l("Mã số thuế doanh nghiệp"), validators=[DataRequired(REQUIRED), Length(max=14)]
    )
    kind = SelectField(_l("Loại hoạt động"), choices=[], validators=[DataRequired(REQUIRED)])
    occurred_on = DateField(
        _l("Ngày"), default=clock.today, validators=[DataRequired(BAD_DATE)]
    )
    officer_id = SelectField(_l("Cán bộ phụ trách"), coerce=_int_or_zero, validate_choice=False)
    programme_id = SelectField(_l("Chương trình"), coerce=_int_or_zero, validate_choice=False)
    opportunity_id = SelectField(
        _l("Cơ hội (nếu có)"), coerce=_int_or_zero, validate_choice=False
    )
    summary = TextAreaField(
        _l("Nội dung tóm tắt"), validators=[DataRequired(REQUIRED), Length(max=4000)],
        render_kw={"rows": 3},
    )
    cost_vnd = _money(_l("Chi phí ngân sách (VND)"))
    firm_contribution_vnd = _money(_l("Doanh nghiệp đóng góp (VND)"))
    follow_up_title = StringField(_l("Việc cần làm tiếp"), validators=[Length(max=255)])
    follow_up_due_on = DateField(_l("Hạn"), validators=[Optional()])
    outcome_check_months = IntegerField(
        _l("Hỏi kết quả sau (tháng, 0 = không)"),
        validators=[Optional(), NumberRange(min=0, max=36, message=_l("Từ 0 đến 36 tháng."))],
    )
    submit = SubmitField(_l("Lưu hoạt động"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k, support_label(k)) for k in INTERACTION_KINDS]


class OutcomeForm(FlaskForm):
    """Record a result: contract, new market, e-commerce store, follow-up result."""

    firm_tax_code = StringField(
        _l("Mã số thuế doanh nghiệp"), validators=[DataRequired(REQUIRED), Length(max=14)]
    )
    kind = SelectField(_l("Loại kết quả"), choices=[], validators=[DataRequired(REQUIRED)])
    result = SelectField(_l("Kết quả theo dõi"), choices=[], validate_choice=False)
    occurred_on = DateField(_l("Ngày"), default=clock.today, validators=[DataRequired(BAD_DATE)])
    programme_id = SelectField(_l("Chương trình"), coerce=_int_or_zero, validate_choice=False)
    opportunity_id = SelectField(
        _l("Cơ hội (nếu có)"), coerce=_int_or_zero, validate_choice=False
    )
    partner_id = SelectField(
        _l("Đối tác trong danh bạ"), coerce=_int_or_zero, validate_choice=False
    )
    partner_name = StringField(_l("hoặc tên đối tác khác"), validators=[Length(max=255)])
    value_usd = DecimalField(
        _l("Giá trị (USD)"), places=2,
        validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
        render_kw={"min": 0, "step": "0.01"},
    )
    market = SelectField(_l("Thị trường"), choices=[], validate_choice=False)
    platform = StringField(_l("Sàn TMĐT"), validators=[Length(max=40)])
    note = TextAreaField(_l("Ghi chú"), validators=[Length(max=4000)], render_kw={"rows": 2})
    task_id = HiddenField()
    interaction_id = HiddenField()
    submit = SubmitField(_l("Lưu kết quả"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k, support_label(k)) for k in OUTCOME_KINDS]
        self.result.choices = [("", "—")] + [(r, support_label(r)) for r in OUTCOME_RESULTS]


class IndicatorForm(FlaskForm):
    """A firm's figures for one year."""

    year = IntegerField(
        _l("Năm"), validators=[DataRequired(REQUIRED), NumberRange(min=1990, max=2100)]
    )
    export_revenue_usd = DecimalField(
        _l("Kim ngạch xuất khẩu (USD)"), places=2,
        validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
    )
    export_markets = IntegerField(
        _l("Số thị trường xuất khẩu"),
        validators=[Optional(), NumberRange(min=0, max=250, message=NOT_NEGATIVE)],
    )
    ecommerce_revenue_usd = DecimalField(
        _l("Doanh thu TMĐT (USD)"), places=2,
        validators=[Optional(), NumberRange(min=0, message=NOT_NEGATIVE)],
    )
    employees = IntegerField(
        _l("Số lao động"),
        validators=[Optional(), NumberRange(min=0, max=10_000_000, message=NOT_NEGATIVE)],
    )
    submit = SubmitField(_l("Lưu số liệu năm"))


class LogFilterForm(FlaskForm):
    """Filters of the support log page (GET: no CSRF token, bookmarks keep working)."""

    class Meta:
        csrf = False

    officer = SelectField(_l("Cán bộ"), coerce=_int_or_zero, validate_choice=False)
    firm = StringField(_l("Doanh nghiệp (tên hoặc mã số thuế)"), validators=[Length(max=120)])
    kind = SelectField(_l("Loại hoạt động"), choices=[], validate_choice=False)
    programme = SelectField(_l("Chương trình"), coerce=_int_or_zero, validate_choice=False)
    date_from = DateField(_l("Từ ngày"), validators=[Optional()])
    date_to = DateField(_l("Đến ngày"), validators=[Optional()])
    mine = BooleanField(_l("Chỉ doanh nghiệp tôi phụ trách"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Tất cả"))] + [
            (k, support_label(k)) for k in INTERACTION_KINDS]

    def filters(self, me: int | None = None) -> dict[str, object]:
        """The valid filters as keyword arguments of queries.support_log (`me`: the user whose
        portfolio "my firms" means)."""
        def ok(field: object) -> object:
            return None if field.errors else (field.data or None)  # type: ignore[attr-defined]
        kind = ok(self.kind)
        return {
            "officer_id": row_id(ok(self.officer)), "firm": (ok(self.firm) or "").strip() or None,
            "kind": kind if kind in INTERACTION_KINDS else None,
            "programme_id": row_id(ok(self.programme)), "date_from": ok(self.date_from),
            "date_to": ok(self.date_to),
            "portfolio_of": me if self.mine.data else None,
        }

    def query_args(self) -> dict[str, str]:
        """The filters as URL parameters (page links, the export link)."""
        return {name: str(self[name].raw_data[0]) for name in
                ("officer", "firm", "kind", "programme", "date_from", "date_to", "mine")
                if self[name].raw_data and self[name].raw_data[0] and not self[name].errors}


class DoneForm(FlaskForm):
    """CSRF-protected button to mark a task done."""

    submit = SubmitField(_l("Xong"))
