"""The one-click confirmation of a suggested HS code."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, Optional, Regexp


class ConfirmForm(FlaskForm):
    """A suggested code an officer confirms for a product (CSRF-protected)."""

    code = HiddenField(validators=[DataRequired(), Regexp(r"^\d{4}(\d{2})?$")])
    page = IntegerField(validators=[Optional()])  # the worklist page to go back to
