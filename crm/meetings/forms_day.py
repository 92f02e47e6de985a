"""Forms of the meeting day and after: feedback and outcomes (rules live in attendance.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from crm.meetings.attendance import NEXT_STEP_LABELS


class FeedbackForm(FlaskForm):
    """Interest 1-5, the next step and a note, after a held meeting."""

    interest = IntegerField(
        _l("Mức quan tâm (1-5)"),
        validators=[InputRequired(message=_l("Mức quan tâm từ 1 đến 5.")),
                    NumberRange(1, 5, message=_l("Mức quan tâm từ 1 đến 5."))])
    next_step = RadioField(_l("Bước tiếp theo"), validate_choice=False,
                           validators=[InputRequired(message=_l("Chọn bước tiếp theo."))])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional()])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.next_step.choices = [(k, str(v)) for k, v in NEXT_STEP_LABELS.items()]


class OutcomeForm(FlaskForm):
    """A contract's value and / or the counterpart's country as a new market."""

    contract_value_usd = StringField(_l("Giá trị hợp đồng (USD)"))
    new_market = BooleanField(_l("Thị trường mới của doanh nghiệp"))
