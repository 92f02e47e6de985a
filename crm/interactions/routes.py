"""Views of the support log: record support, my tasks, outcomes, yearly indicators."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from crm import audit, clock, display, paging
from crm.auth.policy import READ_ROLES, WRITE_ROLES, firm_or_404, roles_required
from crm.errors import UserError
from crm.extensions import db
from crm.interactions import bp, exports, queries, services
from crm.interactions.forms import (
    DoneForm,
    IndicatorForm,
    InteractionForm,
    LogFilterForm,
    OutcomeForm,
)
from crm.interactions.labels import support_label
from crm.kpi import format_value
from crm.models import Firm, Task
from crm.programmes import queries as programme_queries
from crm.unit_of_work import form_errors, unit_of_work
from crm.validators import normalize_tax_code

NONE_CHOICE = (0, "—")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRM_FIELD = {"firm_id": "firm_tax_code"}  # the services' firm is typed as a tax code here


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    # The firm page (another blueprint) includes interactions/_timeline.html.
    return {
        "support_label": support_label,
        "firm_timeline": queries.firm_timeline,
        "fmt": format_value,
    }


def _firm_from_tax_code(raw: str) -> int:
    """Resolve a typed tax code to a firm id; unknown firms are refused at the field."""
    try:
        code = normalize_tax_code(raw)
    except UserError as err:
        raise UserError(err.message, field="firm_id") from None
    firm_id = db.session.scalar(select(Firm.id).where(Firm.tax_code == code))
    if firm_id is None:
        raise UserError(_("Không có doanh nghiệp với mã số thuế này."), field="firm_id")
    return firm_id


def _prefill_firm(form: FlaskForm) -> Firm | None:
    firm_id = request.args.get("firm_id", type=int)
    firm = firm_or_404(firm_id) if firm_id else None
    if firm is not None and not form.is_submitted():
        form.firm_tax_code.data = firm.tax_code
    return firm


def _log_filter_form() -> LogFilterForm:
    form = LogFilterForm(formdata=request.args)
    form.officer.choices = [NONE_CHOICE, *queries.officer_choices()]
    form.programme.choices = [NONE_CHOICE, *queries.programme_choices()]
    form.validate()
    return form


@bp.route("/")
@roles_required(READ_ROLES)
def index() -> ResponseReturnValue:
    """The support log: every interaction, filtered by officer, firm, type, programme, dates."""
    form = _log_filter_form()
    page = paging.paginate(queries.support_log(**form.filters(me=current_user.id)),
                           per_page=50)
    return render_template("interactions/index.html", page=page, form=form,
                           args=form.query_args())


@bp.route("/export.xlsx")
@roles_required(READ_ROLES)
def export_xlsx() -> ResponseReturnValue:
    """The filtered support log as an Excel workbook."""
    form = _log_filter_form()
    stmt = queries.support_log(**form.filters(me=current_user.id))
    count = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    with unit_of_work():  # a GET: the export's audit event is committed before the file
        audit.record_export("support_log", None, None,
                            rows=min(count or 0, exports.EXPORT_LIMIT),
                            personal_data=[audit.STAFF_NAMES], filters=form.query_args())
    return Response(
        exports.support_log_xlsx(stmt), mimetype=XLSX,
        headers={"Content-Disposition":
                 f'attachment; filename="nhat-ky-ho-tro-{clock.today():%Y%m%d}.xlsx"'})


@bp.route("/new", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def new() -> ResponseReturnValue:
    """Quick form to record one support interaction."""
    form = InteractionForm()
    form.officer_id.choices = queries.officer_choices()
    form.programme_id.choices = [NONE_CHOICE, *queries.programme_choices()]
    form.opportunity_id.choices = [NONE_CHOICE, *queries.opportunity_choices()]
    if not form.is_submitted():
        form.officer_id.data = current_user.id
        form.outcome_check_months.data = services.outcome_check_months()
        running = programme_queries.running()
        # The running programme unless the link says otherwise: an entry logged in a hurry
        # still counts towards the programme's KPIs.
        form.programme_id.data = (request.args.get("programme_id", type=int)
                                  or (running.id if running else 0))
    firm = _prefill_firm(form)
    if form.validate_on_submit():
        with form_errors(form, aliases=FIRM_FIELD, category="error") as saved:
            data = dict(form.data, firm_id=_firm_from_tax_code(form.firm_tax_code.data))
            interaction = services.log_interaction(data, by=current_user)
        if saved.ok:
            flash(_("Đã ghi nhận hoạt động hỗ trợ."), "success")
            return redirect(url_for("firms.show", firm_id=interaction.firm_id))
    return render_template("interactions/new.html", form=form, firm=firm)


@bp.route("/tasks")
@roles_required(WRITE_ROLES)
def tasks() -> ResponseReturnValue:
    """My tasks, overdue first."""
    show_done = request.args.get("done") == "1"
    items = queries.my_tasks(current_user, include_done=show_done)
    return render_template(
        "interactions/tasks.html", tasks=items, show_done=show_done, done_form=DoneForm(),
        today=queries.today(),
    )


@bp.route("/tasks/<int:task_id>/done", methods=["POST"])
@roles_required(WRITE_ROLES)
def task_done(task_id: int) -> ResponseReturnValue:
    """Mark a task done."""
    task = db.get_or_404(Task, task_id)
    if DoneForm().validate_on_submit():
        services.complete_task(task, by=current_user)
        flash(_("Đã đánh dấu xong."), "success")
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("interactions.tasks")
    return redirect(target)


@bp.route("/outcomes/new", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def new_outcome() -> ResponseReturnValue:
    """Record what came of support (a contract, a new market, a store, a follow-up)."""
    form = OutcomeForm()
    form.programme_id.choices = [NONE_CHOICE, *queries.programme_choices()]
    form.opportunity_id.choices = [NONE_CHOICE, *queries.opportunity_choices()]
    form.partner_id.choices = [NONE_CHOICE, *queries.partner_choices()]
    form.market.choices = [("", "—")] + [
        (code, f"{display.country_name(code)} ({code})") for code in queries.country_codes()
    ]
    firm = _prefill_firm(form)
    task = None
    if request.args.get("task_id", type=int):
        task = db.get_or_404(Task, request.args.get("task_id", type=int))
        if not form.is_submitted():
            form.task_id.data = task.id
            form.kind.data = "follow_up_result"
            if task.firm is not None:
                form.firm_tax_code.data = task.firm.tax_code
    if form.validate_on_submit():
        with form_errors(form, aliases=FIRM_FIELD, category="error") as saved:
            data = dict(form.data, firm_id=_firm_from_tax_code(form.firm_tax_code.data))
            outcome = services.record_outcome(data, by=current_user)
        if saved.ok:
            flash(_("Đã ghi nhận kết quả."), "success")
            return redirect(url_for("firms.show", firm_id=outcome.firm_id))
    return render_template("interactions/outcome.html", form=form, firm=firm, task=task)


@bp.route("/firms/<int:firm_id>/indicators", methods=["GET", "POST"])
@roles_required(READ_ROLES)
def indicators(firm_id: int) -> ResponseReturnValue:
    """A firm's yearly figures (export revenue, markets, e-commerce, employees)."""
    firm = firm_or_404(firm_id)
    form = IndicatorForm()
    if form.is_submitted():
        if current_user.role not in WRITE_ROLES:
            abort(403)
        if form.validate():
            with form_errors(form, category="error") as saved:
                services.save_indicator(firm, form.data)
            if saved.ok:
                flash(_("Đã lưu số liệu năm %(year)s.", year=form.year.data), "success")
                return redirect(url_for("interactions.indicators", firm_id=firm.id))
    elif request.args.get("year", type=int):
        year = request.args.get("year", type=int)
        row = next((r for r in queries.firm_indicators(firm.id) if r.year == year), None)
        form = IndicatorForm(obj=row) if row else IndicatorForm(year=year)
    rows = queries.firm_indicators(firm.id)
    return render_template("interactions/indicators.html", firm=firm, form=form, rows=rows)
