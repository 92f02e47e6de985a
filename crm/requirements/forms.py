"""Forms of the market requirement pages. The service checks the rules (crm/requirements/
services.py) and puts each message next to its field; the forms only parse."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import Length, Optional

MANDATORY_LABELS = {
    "yes": _l("Bắt buộc"),
    "per_shipment": _l("Bắt buộc theo từng lô hàng"),
    "no": _l("Ưu tiên (không bắt buộc)"),
}


# Labels of the rule's fields (form and history), by column name.
FIELD_LABELS = {
    "market": _l("Thị trường"),
    "hs_prefix": _l("Mã HS"),
    "requirement": _l("Chứng nhận"),
    "mandatory": _l("Mức bắt buộc"),
    "applies_to": _l("Áp dụng cho"),
    "source_note": _l("Nguồn (văn bản pháp lý)"),
    "valid_from": _l("Hiệu lực từ ngày"),
    "valid_until": _l("Hiệu lực đến hết ngày"),
}
WHY_HELP = _l("Bắt buộc: được lưu trong lịch sử của quy định và nhật ký kiểm toán.")


class RequirementFilterForm(FlaskForm):
    """Filters of the rule list (GET, no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    market = StringField(FIELD_LABELS["market"], validators=[Optional(), Length(max=20)])
    hs = StringField(_l("Mã HS"), validators=[Optional(), Length(max=6)])
    on = DateField(_l("Có hiệu lực ngày"), validators=[Optional()])
    submit = SubmitField(_l("Lọc"))


class RequirementForm(FlaskForm):
    """A rule: market, HS prefix, certification, how binding, when in force, and why."""

    market = StringField(FIELD_LABELS["market"], validators=[Length(max=20)],
                         description=_l("Mã nước ISO (US, JP) hoặc nhóm (EU27, GCC)."))
    hs_prefix = StringField(FIELD_LABELS["hs_prefix"], validators=[Length(max=6)],
                            description=_l("Chương (2 số), nhóm (4 số) hoặc phân nhóm (6 số)."))
    requirement = StringField(FIELD_LABELS["requirement"], validators=[Length(max=20)],
                              description=_l("Mã chứng nhận, vd. HACCP, FDA, HALAL."))
    mandatory = SelectField(FIELD_LABELS["mandatory"],
                            choices=[(k, v) for k, v in MANDATORY_LABELS.items()])
    applies_to = TextAreaField(FIELD_LABELS["applies_to"],
                               validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
    source_note = TextAreaField(FIELD_LABELS["source_note"],
                                validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 2})
    valid_from = DateField(FIELD_LABELS["valid_from"], validators=[Optional()],
                           description=_l("Để trống: không giới hạn."))
    valid_until = DateField(FIELD_LABELS["valid_until"], validators=[Optional()],
                            description=_l("Để trống: không giới hạn."))
    why = TextAreaField(_l("Lý do thay đổi"), validators=[Length(max=2000)],
                        render_kw={"rows": 2}, description=WHY_HELP)
    submit = SubmitField(_l("Lưu"))


class EndForm(FlaskForm):
    """End a rule: its last day in force, and why."""

    valid_until = DateField(FIELD_LABELS["valid_until"], validators=[Optional()])
    why = TextAreaField(_l("Lý do thay đổi"), validators=[Length(max=2000)],
                        render_kw={"rows": 2}, description=WHY_HELP)
    submit = SubmitField(_l("Kết thúc hiệu lực"))
