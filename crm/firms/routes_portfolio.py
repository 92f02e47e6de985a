"""Portfolios: assign a firm's responsible officer, one firm or a page of the list at once."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from crm.auth.policy import WRITE_ROLES, firm_or_404, roles_required
from crm.firms import bp, portfolio
from crm.unit_of_work import form_errors
from crm.validators import row_id, row_ids


def _int_or_zero(value: object) -> int:
    """A row id, or 0 for blank, garbage or an integer too large for a row."""
    return row_id(value) or 0


class AssignForm(FlaskForm):
    """Who follows the firm(s): an active staff member, or nobody (0)."""

    officer_id = SelectField(_l("Cán bộ phụ trách"), coerce=_int_or_zero, validate_choice=False)
    submit = SubmitField(_l("Giao"))

    def setup(self) -> AssignForm:
        """Fill the choices (staff change: not cached)."""
        self.officer_id.choices = [(0, _("— chưa giao —")), *portfolio.staff_choices()]
        return self


def _local(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default` (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@bp.route("/<int:firm_id>/officer", methods=["POST"])
@roles_required(WRITE_ROLES)
def assign(firm_id: int) -> ResponseReturnValue:
    """Make an officer responsible for one firm (kept in the firm's history)."""
    firm = firm_or_404(firm_id)
    form = AssignForm().setup()
    if form.validate_on_submit():
        with form_errors(category="error") as saved:
            portfolio.assign_officer([firm], form.officer_id.data or None, by=current_user)
        if saved.ok:
            flash(_("Đã giao cán bộ phụ trách."), "success")
    return redirect(url_for("firms.show", firm_id=firm.id))


@bp.route("/assign", methods=["POST"])
@roles_required(WRITE_ROLES)
def assign_many() -> ResponseReturnValue:
    """Bulk assignment from the firm list: the ticked firms go to one officer."""
    form = AssignForm().setup()
    back = _local(request.form.get("next"), url_for("firms.index"))
    if form.validate_on_submit():
        with form_errors(category="error") as saved:
            firms = portfolio.firms_by_ids(row_ids(request.form.getlist("firm_ids")))
            changed = portfolio.assign_officer(firms, form.officer_id.data or None,
                                               by=current_user)
        if saved.ok:
            flash(_("Đã giao %(n)d doanh nghiệp.", n=changed), "success")
    return redirect(back)
