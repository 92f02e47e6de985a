"""Forms of the partner directory (checks of content live in services.py)."""

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
from wtforms.validators import Optional

from crm.partners import KIND_LABELS


def kind_choices(blank: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of partner kinds, optionally after a blank 'any' choice."""
    head = [("", blank)] if blank is not None else []
    return head + [(k, str(v)) for k, v in KIND_LABELS.items()]


class PartnerForm(FlaskForm):
    """Create or edit an overseas partner."""

    name = StringField(_l("Tên đối tác"))
    kind = SelectField(_l("Loại đối tác"), validate_choice=False)
    diaspora_owned = BooleanField(_l("Do kiều bào sở hữu"))
    country_code = SelectField(_l("Quốc gia"), validate_choice=False)
    city = StringField(_l("Thành phố"))
    website = StringField(_l("Trang web"))
    hs_prefixes = StringField(_l("Mã HS cần mua (cách nhau bởi dấu phẩy)"),
                              description=_l("Ví dụ: 0410, 0901, 03"))
    keywords = StringField(_l("Sản phẩm cần mua (từ khóa)"),
                           description=_l("Ví dụ: yến sào, cà phê rang"))
    required_certifications = SelectMultipleField(_l("Chứng nhận yêu cầu"),
                                                  validate_choice=False)
    annual_volume = StringField(_l("Khối lượng mua hằng năm"), validators=[Optional()])
    volume_unit = StringField(_l("Đơn vị"))
    contact_name = StringField(_l("Người liên hệ"))
    contact_email = StringField(_l("Email liên hệ"))
    contact_phone = StringField(_l("Điện thoại"))
    notes = TextAreaField(_l("Ghi chú"))
    version = HiddenField()
    submit = SubmitField(_l("Lưu"))


class PartnerFilterForm(FlaskForm):
    """Search and filters of the partner list (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Tìm đối tác"))
    country = SelectField(_l("Quốc gia"), validate_choice=False)
    kind = SelectField(_l("Loại"), validate_choice=False)
    diaspora = BooleanField(_l("Chỉ đối tác kiều bào"))
    archived = BooleanField(_l("Gồm cả đã lưu trữ"))


class ArchiveForm(FlaskForm):
    """A CSRF-protected button."""

    submit = SubmitField(_l("Lưu trữ"))
