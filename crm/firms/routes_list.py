"""The firm list: search, filters, sorting, pagination."""

from __future__ import annotations

from flask import current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from crm import clock, paging
from crm.auth.policy import READ_ROLES, WRITE_ROLES, roles_required
from crm.firms import bp, queries
from crm.firms.forms_search import FirmSearchForm


@bp.route("/")
@roles_required(READ_ROLES)
def index() -> ResponseReturnValue:
    """Search and filter the firm registry, one page at a time."""
    form = FirmSearchForm.from_args(request.args, me=current_user.id)
    page_no = paging.page_number()  # past the end -> last page (queries.firm_page)
    today = clock.today()
    result = queries.firm_page(form.filters(), page_no, current_app.config["FIRMS_PER_PAGE"],
                               today)
    assign_form = None
    if current_user.role in WRITE_ROLES:
        from crm.firms.routes_portfolio import AssignForm

        assign_form = AssignForm().setup()
    return render_template("firms/list.html", form=form, result=result, page=result.page,
                           args=form.query_args(), today=today, assign_form=assign_form)
