"""Audit log filters and user management forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Length, Optional

from crm import audit
from crm.display import label
from crm.models.user import ROLES
from crm.validators import NumberRange


def role_choices() -> list[tuple[str, str]]:
    """(code, Vietnamese label) for every role."""
    return [(role, label(role)) for role in ROLES]


class AuditFilterForm(FlaskForm):
    """Filters of the audit log (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Hành động"), validators=[Optional()])
    user = StringField(_l("Người dùng (email)"), validators=[Optional(), Length(max=255)])
    target_type = SelectField(_l("Đối tượng"), validators=[Optional()])
    target_id = IntegerField(_l("Mã đối tượng"),
                             validators=[Optional(), NumberRange(min=1, max=2**31 - 1)])
    date_from = DateField(_l("Từ ngày"), validators=[Optional()])
    date_to = DateField(_l("Đến ngày"), validators=[Optional()])
    submit = SubmitField(_l("Lọc"))

    def setup(self) -> "AuditFilterForm":
        """Fill the choices (labels are translated per request)."""
        self.action.choices = [("", _l("Tất cả"))] + [
            (code, str(name)) for code, name in audit.ACTIONS.items()]
        self.target_type.choices = [("", _l("Tất cả"))] + [
            (code, str(name)) for code, name in audit.TARGET_TYPES.items()]
        return self


class UserFilterForm(FlaskForm):
    """Filters of the user list."""

    class Meta:
        csrf = False

    q = StringField(_l("Tên hoặc email"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), validators=[Optional()])
    status = SelectField(_l("Trạng thái"), validators=[Optional()],
                         choices=[("", _l("Tất cả")), ("active", _l("Đang hoạt động")),
                                  ("inactive", _l("Đã khóa"))])
    submit = SubmitField(_l("Lọc"))

    def setup(self) -> "UserFilterForm":
        """Fill the role choices."""
        self.role.choices = [("", _l("Tất cả")), *role_choices()]
        return self


class UserCreateForm(FlaskForm):
    """A new user; the password is set by the user through a one-time link."""

    name = StringField(_l("Họ tên"), validators=[DataRequired(), Length(max=255)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=255)])
    role = SelectField(_l("Vai trò"), validators=[DataRequired()])
    firm_tax_code = StringField(_l("Mã số thuế doanh nghiệp"),
                                validators=[Optional(), Length(max=20)],
                                description=_l("Chỉ với vai trò Doanh nghiệp."))
    submit = SubmitField(_l("Tạo người dùng"))

    def setup(self) -> "UserCreateForm":
        """Fill the role choices."""
        self.role.choices = role_choices()
        return self


class RoleForm(FlaskForm):
    """Change a user's role."""

    role = SelectField(_l("Vai trò"), validators=[DataRequired()])
    firm_tax_code = StringField(_l("Mã số thuế doanh nghiệp"),
                                validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Đổi vai trò"))

    def setup(self) -> "RoleForm":
        """Fill the role choices."""
        self.role.choices = role_choices()
        return self


class ConfirmForm(FlaskForm):
    """A button that only carries the CSRF token."""

    submit = SubmitField(_l("Xác nhận"))


class EraseContactForm(FlaskForm):
    """Confirm erasing a contact person on request: a ticked box and the CSRF token."""

    confirm = BooleanField(
        _l("Tôi đã kiểm tra yêu cầu xóa của chính người này; việc xóa không hoàn tác được."),
        validators=[DataRequired(_l("Hãy đánh dấu xác nhận trước khi xóa."))])
    submit = SubmitField(_l("Xóa dữ liệu cá nhân"))
