"""Login, second factor, password change and reset forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    IntegerField,
    PasswordField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from crm.auth.passwords import MAX_LENGTH


class LoginForm(FlaskForm):
    """E-mail and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Đăng nhập"))


def _code_field(label: str = _l("Mã xác thực (6 chữ số)")) -> StringField:
    return StringField(label, validators=[DataRequired(), Length(min=6, max=7)],
                       render_kw={"inputmode": "numeric", "autocomplete": "one-time-code",
                                  "autofocus": True})


class TotpLoginForm(FlaskForm):
    """The code from the authenticator app, after the password."""

    code = _code_field()
    submit = SubmitField(_l("Xác nhận"))


def _new_password() -> PasswordField:
    return PasswordField(
        _l("Mật khẩu mới"), validators=[DataRequired(), Length(max=MAX_LENGTH)],
        description=_l("Ít nhất 10 ký tự; không dùng email hay mật khẩu phổ biến."),
        render_kw={"autocomplete": "new-password"})


def _confirm() -> PasswordField:
    return PasswordField(
        _l("Nhập lại mật khẩu mới"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("Hai mật khẩu khác nhau."))],
        render_kw={"autocomplete": "new-password"})


class PasswordChangeForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(_l("Mật khẩu hiện tại"),
                                     validators=[DataRequired(), Length(max=MAX_LENGTH)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = _new_password()
    confirm = _confirm()
    submit = SubmitField(_l("Đổi mật khẩu"))


class PasswordResetForm(FlaskForm):
    """Set a new password through a one-time link."""

    new_password = _new_password()
    confirm = _confirm()
    submit = SubmitField(_l("Đặt mật khẩu"))


class TotpEnrolForm(FlaskForm):
    """Confirm the authenticator app with its current code."""

    code = _code_field()
    submit = SubmitField(_l("Bật xác thực hai bước"))


class TotpDisableForm(FlaskForm):
    """Turn the second factor off: password and a current code."""

    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired(), Length(max=MAX_LENGTH)])
    code = _code_field()
    submit = SubmitField(_l("Tắt xác thực hai bước"))


class TokenForm(FlaskForm):
    """A new API token: name, scopes, days until it expires."""

    name = StringField(_l("Tên khóa"), validators=[DataRequired(), Length(max=100)],
                       description=_l("Dùng để làm gì, ví dụ: đồng bộ cổng thương mại điện tử"))
    scopes = SelectMultipleField(_l("Phạm vi"), validators=[DataRequired()])
    days = IntegerField(_l("Số ngày hiệu lực"), default=90, validators=[Optional()],
                        description=_l("1 đến 365 ngày; chỉ quản trị viên được để trống "
                                       "(không hết hạn)."))
    submit = SubmitField(_l("Tạo khóa"))


class RevokeForm(FlaskForm):
    """The revoke button (CSRF only)."""

    submit = SubmitField(_l("Thu hồi"))
