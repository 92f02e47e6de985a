"""Forms of the agenda: moving a meeting by hand (choices filled by the view)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired


class MoveForm(FlaskForm):
    """Another slot (session:index) and table for a meeting."""

    slot = SelectField(_l("Lượt gặp"), validate_choice=False, validators=[DataRequired()])
    table_no = IntegerField(_l("Bàn"), validators=[DataRequired()])
