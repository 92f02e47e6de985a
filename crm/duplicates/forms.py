"""Forms of the duplicate pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class MergeForm(FlaskForm):
    """Confirm a merge; per-field choices are radios named choice_<field> in request.form."""

    submit = SubmitField(_l("Gộp hai doanh nghiệp"))
