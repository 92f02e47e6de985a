"""Forms of the import pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SubmitField


class UploadForm(FlaskForm):
    """Choose a spreadsheet."""

    file = FileField(_l("Tệp .xlsx hoặc .csv"), validators=[FileRequired(_l("Chọn một tệp."))])
    submit = SubmitField(_l("Tải lên và đọc tiêu đề cột"))


class MappingForm(FlaskForm):
    """Column mapping; the selects are named col_<n> and read from request.form."""

    submit = SubmitField(_l("Chạy thử (không ghi gì)"))


class RunForm(FlaskForm):
    """Import for real: everything, or the valid rows with the rest returned as a file."""

    mode = RadioField(_l("Cách nhập"), choices=[
        ("all", _l("Tất cả hoặc không gì: chỉ nhập khi không còn dòng lỗi")),
        ("partial", _l("Nhập các dòng hợp lệ và trả lại các dòng lỗi thành một tệp")),
    ], default="all")
    confirm_partial = BooleanField(_l("Tôi hiểu: các dòng lỗi sẽ không được nhập"))
    take_all = BooleanField(_l("Lấy giá trị trong tệp cho mọi khác biệt"))
    submit = SubmitField(_l("Nhập dữ liệu"))
