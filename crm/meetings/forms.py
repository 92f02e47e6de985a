"""Forms of the B2B meetings (checks of content live in services.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, Optional


class EventForm(FlaskForm):
    """A meeting event under an opportunity."""

    name = StringField(_l("Tên sự kiện"), validators=[DataRequired()])
    location = StringField(_l("Địa điểm"))
    tables = IntegerField(_l("Số bàn gặp"), default=10, validators=[DataRequired()])
    time_zone = StringField(_l("Múi giờ nơi gặp"), default="Asia/Ho_Chi_Minh",
                            description=_l("Tên múi giờ IANA, vd. Asia/Ho_Chi_Minh, Asia/Tokyo"))


class SessionForm(FlaskForm):
    """A session: a day, a time window and the slot length."""

    day = DateField(_l("Ngày"), validators=[DataRequired()])
    starts_at = TimeField(_l("Bắt đầu"), validators=[DataRequired()])
    ends_at = TimeField(_l("Kết thúc"), validators=[DataRequired()])
    slot_minutes = IntegerField(_l("Độ dài lượt gặp (phút)"), default=30,
                                validators=[DataRequired()])


class InterpreterForm(FlaskForm):
    """An interpreter and the languages they speak."""

    name = StringField(_l("Tên phiên dịch viên"), validators=[DataRequired()])
    languages = StringField(_l("Ngôn ngữ (mã, cách nhau bởi dấu phẩy)"),
                            description=_l("Ví dụ: vi, ja"))


class CounterpartForm(FlaskForm):
    """A counterpart, typed in or from the partner directory."""

    partner_id = SelectField(_l("Từ danh bạ đối tác"), coerce=int, validate_choice=False,
                             validators=[Optional()])
    name = StringField(_l("Tên đối tác"))
    kind = SelectField(_l("Loại đối tác"), validate_choice=False)
    country_code = SelectField(_l("Quốc gia"), validate_choice=False)
    languages = StringField(_l("Ngôn ngữ (mã, cách nhau bởi dấu phẩy)"),
                            description=_l("Ví dụ: en, ja"))
    products_sought = StringField(_l("Sản phẩm cần mua"))
    hs_prefixes = StringField(_l("Mã HS cần mua (cách nhau bởi dấu phẩy)"))
    markets = StringField(_l("Thị trường đối tác mua cho"),
                          description=_l("Mã quốc gia hoặc nhóm, vd. JP, KR, EU27"))
    required_certifications = StringField(_l("Chứng nhận đối tác yêu cầu"),
                                          description=_l("Mã chứng nhận, vd. HACCP, HALAL"))


class ActionForm(FlaskForm):
    """A button that posts (CSRF only)."""


class MarkForm(FlaskForm):
    """Held / no-show / cancelled, with a note."""

    status = SelectField(_l("Kết quả"), validate_choice=False)
    note = TextAreaField(_l("Ghi chú kết quả"))
