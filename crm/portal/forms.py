"""Forms of the enterprise portal and of the staff account pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

REQUIRED = _l("Vui lòng nhập trường này.")


def _required() -> DataRequired:
    return DataRequired(message=REQUIRED)


def _max(n: int) -> Length:
    return Length(max=n, message=_l("Quá dài: tối đa %(max)d ký tự.", max=n))


class AcceptInvitationForm(FlaskForm):
    """Name and password of the new enterprise account."""

    name = StringField(_l("Họ tên"), validators=[_required(), _max(255)])
    password = PasswordField(_l("Mật khẩu"), validators=[_required()],
                             description=_l("Ít nhất 10 ký tự"))
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[_required()])
    submit = SubmitField(_l("Tạo tài khoản"))


class RegistrationForm(FlaskForm):
    """A firm asks for an account with its tax code."""

    tax_code = StringField(_l("Mã số thuế"), validators=[_required(), _max(20)],
                           description=_l("10 chữ số, chi nhánh 13 (0123456789-001)"))
    firm_name = StringField(_l("Tên doanh nghiệp"), validators=[_required(), _max(255)])
    contact_name = StringField(_l("Họ tên người đăng ký"), validators=[_required(), _max(255)])
    email = EmailField(_l("Email"), validators=[_required(), _max(255)])
    phone = StringField(_l("Điện thoại"), validators=[Optional(), _max(40)])
    password = PasswordField(_l("Mật khẩu"), validators=[_required()],
                             description=_l("Ít nhất 10 ký tự"))
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[_required()])
    submit = SubmitField(_l("Gửi đăng ký"))


class DocumentForm(FlaskForm):
    """A scanned certificate."""

    certification_id = SelectField(_l("Chứng nhận"), validate_choice=False)
    file = FileField(_l("Tệp (PDF, JPEG, PNG; tối đa 5 MB)"),
                     validators=[FileRequired(message=_l("Vui lòng chọn tệp."))])
    submit = SubmitField(_l("Tải lên"))


class InvitationForm(FlaskForm):
    """Staff invite a firm's person by e-mail."""

    tax_code = StringField(_l("Mã số thuế của doanh nghiệp"), validators=[_required(), _max(20)])
    email = EmailField(_l("Email người được mời"), validators=[_required(), _max(255)])
    submit = SubmitField(_l("Tạo liên kết mời"))


class DecisionForm(FlaskForm):
    """An optional reason for a rejection."""

    note = TextAreaField(_l("Lý do (không bắt buộc)"), validators=[Optional(), _max(2000)])
