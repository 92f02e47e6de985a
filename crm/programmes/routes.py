"""Views of programmes: targets, KPI dashboard, before/after, reports."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import audit, clock, display, kpi
from crm.auth.policy import READ_ROLES, roles_required
from crm.extensions import db
from crm.messaging.kpis import alert_kpis
from crm.models import Programme, ProgrammeTarget
from crm.models.firm import SECTORS
from crm.programmes import bp, charts, queries, reports, services
from crm.programmes.forms import DeleteForm, TargetForm
from crm.unit_of_work import form_errors, unit_of_work

MANAGE_ROLES = frozenset({"admin", "manager"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year(programme: Programme, *, default_period: bool = False,
          ahead: int = 0) -> int | None:
    """?year= within the programme's period; otherwise this year + `ahead` (clamped) or None."""
    raw = request.args.get("year", "")
    if raw == "all" or (not raw and default_period):
        return None
    if raw:
        if not raw.isdigit() or not programme.start_year <= int(raw) <= programme.end_year:
            abort(404)
        return int(raw)
    return min(max(clock.today().year + ahead, programme.start_year), programme.end_year)


def _filters() -> dict:
    sector = request.args.get("sector") or None
    province = request.args.get("province", type=int)
    market = (request.args.get("market") or "").upper()[:2] or None
    return {
        "sector": sector if sector in SECTORS else None,
        "province": province if display.province_name(province) else None,
        "market": market,
    }


def _download(payload: bytes, filename: str) -> Response:
    return Response(payload, mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.app_context_processor
def _helpers() -> dict:
    return {"kpi_fmt": kpi.format_value, "progress_length": charts.progress_length}


@bp.route("/")
@roles_required(READ_ROLES)
def index() -> ResponseReturnValue:
    """All programmes."""
    return render_template("programmes/index.html", programmes=queries.programmes())


@bp.route("/kpis")
@roles_required(READ_ROLES)
def catalogue() -> ResponseReturnValue:
    """The KPI catalogue: every indicator with its definition."""
    return render_template("programmes/kpis.html", kpis=kpi.CATALOGUE)


@bp.route("/<int:programme_id>", methods=["GET", "POST"])
@roles_required(READ_ROLES)
def show(programme_id: int) -> ResponseReturnValue:
    """A programme: its targets with the computed values and their definitions."""
    programme = db.get_or_404(Programme, programme_id)
    form = TargetForm()
    if form.is_submitted():
        if current_user.role not in MANAGE_ROLES:
            abort(403)
        if form.validate():
            with form_errors(form) as saved:
                services.set_target(programme, form.data)
            if saved.ok:
                flash(_("Đã lưu mục tiêu."), "success")
                return redirect(url_for("programmes.show", programme_id=programme.id))
    return render_template(
        "programmes/show.html", programme=programme, rows=queries.target_rows(programme),
        form=form, delete_form=DeleteForm(), can_manage=current_user.role in MANAGE_ROLES,
        years=queries.programme_years(programme),
    )


@bp.route("/<int:programme_id>/targets/<int:target_id>/delete", methods=["POST"])
@roles_required(MANAGE_ROLES)
def delete_target(programme_id: int, target_id: int) -> ResponseReturnValue:
    """Remove a target."""
    target = db.get_or_404(ProgrammeTarget, target_id)
    if target.programme_id != programme_id:
        abort(404)
    if DeleteForm().validate_on_submit():
        services.delete_target(target)
        flash(_("Đã xóa mục tiêu."), "success")
    return redirect(url_for("programmes.show", programme_id=programme_id))


@bp.route("/<int:programme_id>/dashboard")
@roles_required(READ_ROLES)
def dashboard(programme_id: int) -> ResponseReturnValue:
    """Progress against targets, KPIs by year/sector/province/market, before/after."""
    programme = db.get_or_404(Programme, programme_id)
    year = _year(programme, default_period=True)
    filters = _filters()
    code = request.args.get("kpi") or "firms_supported"
    if code not in kpi.KPIS:
        abort(404)
    scope = kpi.scope_for(programme, year, **filters)
    chart_sets = [
        (by, charts.bars(kpi.breakdown(code, scope, by), charts.namer(by)))
        for by in kpi.BREAKDOWNS
    ]
    return render_template(
        "programmes/dashboard.html", programme=programme, year=year, filters=filters,
        progress_rows=queries.target_rows(programme, **filters),
        rows=queries.catalogue_rows(programme, year, **filters),
        chart_kpi=kpi.KPIS[code], chart_sets=chart_sets, kpis=kpi.CATALOGUE,
        comparison=queries.before_after(programme), years=queries.programme_years(programme),
        sectors=SECTORS, provinces=display.provinces(),
        metric_labels=reports.METRIC_LABELS, group_labels=reports.GROUP_LABELS,
        alerts=alert_kpis(scope, programme.province_code),
    )


@bp.route("/<int:programme_id>/report")
@roles_required(READ_ROLES)
def report(programme_id: int) -> ResponseReturnValue:
    """The annual report as a printable page."""
    programme = db.get_or_404(Programme, programme_id)
    year = _year(programme)
    return render_template(
        "programmes/report.html", programme=programme, year=year,
        kpis=reports.report_kpis(programme, year), kpi_headings=reports.kpi_headings(year),
        activities=list(reports.activities(programme, year, limit=reports.PRINT_ROW_LIMIT)),
        outcomes=list(reports.outcomes(programme, year, limit=reports.PRINT_ROW_LIMIT)),
        limit=reports.PRINT_ROW_LIMIT, before_after=reports.before_after_rows(programme),
        before_after_headings=reports.before_after_headings(), today=clock.today(),
    )


@bp.route("/<int:programme_id>/report.xlsx")
@roles_required(READ_ROLES)
def report_xlsx(programme_id: int) -> ResponseReturnValue:
    """The annual report as an Excel workbook."""
    programme = db.get_or_404(Programme, programme_id)
    year = _year(programme)
    with unit_of_work():  # a GET: the export's audit event is committed before the file
        audit.record_export("annual_report", "programme", programme.id, year=year,
                            rows=reports.annual_report_rows(programme, year),
                            personal_data=[audit.STAFF_NAMES])
    return _download(reports.annual_report_xlsx(programme, year),
                     f"bao-cao-{programme.code}-{year}.xlsx")


@bp.route("/<int:programme_id>/proposal")
@roles_required(READ_ROLES)
def proposal(programme_id: int) -> ResponseReturnValue:
    """The activity-proposal form (annex 2) filled from planned activities, printable."""
    programme = db.get_or_404(Programme, programme_id)
    year = _year(programme, ahead=1)  # a proposal plans next year's activities
    filled = reports.proposal(programme, year, request.args.get("lead_unit"))
    return render_template("programmes/proposal.html", programme=programme, p=filled,
                           years=queries.programme_years(programme), today=clock.today())


@bp.route("/<int:programme_id>/proposal.xlsx")
@roles_required(READ_ROLES)
def proposal_xlsx(programme_id: int) -> ResponseReturnValue:
    """The activity-proposal form as an Excel workbook."""
    programme = db.get_or_404(Programme, programme_id)
    year = _year(programme, ahead=1)
    filled = reports.proposal(programme, year, request.args.get("lead_unit"))
    with unit_of_work():  # a GET: the export's audit event is committed before the file
        audit.record_export("proposal", "programme", programme.id, year=year,
                            rows=len(filled.items), personal_data=[])
    return _download(reports.proposal_xlsx(programme, filled),
                     f"de-xuat-{programme.code}-{year}.xlsx")
