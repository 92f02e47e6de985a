"""Forms of the programmes pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.kpi import CATALOGUE
from crm.validators import NumberRange


class TargetForm(FlaskForm):
    """Set a programme's target for one KPI, for the whole period or one year."""

    kpi_code = SelectField(_l("Chỉ tiêu"), choices=[], validate_choice=False)
    year = IntegerField(_l("Năm (để trống = cả giai đoạn)"), validators=[Optional()])
    target_value = DecimalField(
        _l("Mục tiêu"), places=2,
        validators=[DataRequired(_l("Bắt buộc nhập.")),
                    NumberRange(min=0, message=_l("Không được âm."))],
    )
    note = TextAreaField(_l("Ghi chú, trích văn bản"), validators=[Length(max=2000)],
                         render_kw={"rows": 2})
    submit = SubmitField(_l("Lưu mục tiêu"))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kpi_code.choices = [(k.code, str(k.name)) for k in CATALOGUE]


class DeleteForm(FlaskForm):
    """CSRF-protected delete button."""

    submit = SubmitField(_l("Xóa"))
