"""Forms of the notice pages: they parse; crm/notices/services.py checks and writes."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from crm.notices.reasons import MEASURE_LABELS, SEVERITY_LABELS, SOURCE_LABELS


class UploadForm(FlaskForm):
    """A source's export file, with a dry run first."""

    source = SelectField(_l("Nguồn"), choices=list(SOURCE_LABELS.items()))
    file = FileField(_l("Tệp"), validators=[FileRequired()],
                     description=_l("ePing: JSON hoặc CSV; RASFF: JSON hoặc CSV; FDA: CSV từ "
                                    "chối nhập khẩu; các nguồn khác: mẫu .xlsx hoặc .csv."))
    charges = FileField(_l("Tệp lý do từ chối (FDA, không bắt buộc)"))
    dry_run = BooleanField(_l("Chạy thử (không lưu)"), default=True)
    submit = SubmitField(_l("Tải lên"))


class NoticeForm(FlaskForm):
    """A notice typed in by hand."""

    source = SelectField(_l("Nguồn"), choices=list(SOURCE_LABELS.items()), default="manual")
    external_id = StringField(_l("Mã tham chiếu"), validators=[DataRequired(), Length(max=120)])
    title = StringField(_l("Tiêu đề"), validators=[DataRequired(), Length(max=500)])
    measure = SelectField(_l("Loại biện pháp"), choices=list(MEASURE_LABELS.items()))
    markets = StringField(_l("Thị trường"), validators=[Length(max=500)],
                          description=_l("Mã nước hoặc tên, cách nhau bởi dấu phẩy: US, JP, EU27."))
    hs_codes = StringField(_l("Mã HS"), validators=[Length(max=500)],
                           description=_l("2, 4 hoặc 6 số, cách nhau bởi dấu phẩy."))
    product_text = TextAreaField(_l("Sản phẩm"), validators=[Optional(), Length(max=2000)],
                                 render_kw={"rows": 2})
    identifiers = StringField(_l("Mã số cơ sở (FEI, GACC)"),
                              validators=[Optional(), Length(max=500)])
    severity = SelectField(_l("Mức độ"), choices=list(SEVERITY_LABELS.items()),
                           default="medium")
    published_on = DateField(_l("Ngày công bố"), validators=[Optional()])
    comment_deadline = DateField(_l("Hạn góp ý"), validators=[Optional()])
    effective_on = DateField(_l("Ngày hiệu lực"), validators=[Optional()])
    link = StringField(_l("Liên kết"), validators=[Optional(), Length(max=1000)])
    summary_vi = TextAreaField(_l("Tóm tắt tiếng Việt"), validators=[Optional(),
                                                                      Length(max=5000)],
                               render_kw={"rows": 3})
    submit = SubmitField(_l("Lưu"))


class ReviewForm(FlaskForm):
    """The ticked firms (checkboxes named `keep`) and firms to add by tax code."""

    add = StringField(_l("Thêm doanh nghiệp (mã số thuế, cách nhau bởi dấu phẩy)"),
                      validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Lưu danh sách"))


class ActionForm(FlaskForm):
    """A button that only needs CSRF (match again, send)."""
