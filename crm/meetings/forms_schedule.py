"""Forms of the agenda: moving a meeting by hand (choices filled by the view), the rooms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired


class MoveForm(FlaskForm):
    """Another slot (session:index) and table for a meeting."""

    slot = SelectField(_l("Lượt gặp"), validate_choice=False, validators=[DataRequired()])
    table_no = IntegerField(_l("Bàn"), validators=[DataRequired()])


class RoomsForm(FlaskForm):
    """The event's tables grouped in rooms (checked by crm.meetings.rooms)."""

    rooms = StringField(_l("Phòng (nhóm bàn)"),
                        description=_l("Ví dụ: 1-20 Hội trường A; 21-40 Hội trường B. Để "
                                       "trống: mọi bàn cùng một phòng."))
