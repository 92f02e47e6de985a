"""Views of opportunities: list, form, page with the ranked firms, board, shortlist actions,
exports."""

from __future__ import annotations

from datetime import date

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import audit, clock, ranking
from crm.auth.policy import (
    HIDDEN_PERSONAL,
    READ_ROLES,
    WRITE_ROLES,
    roles_required,
    sees_personal_data,
)
from crm.display import label, provinces
from crm.errors import UserError
from crm.extensions import db
from crm.models import Firm, Opportunity, Partner, ShortlistEntry
from crm.models.firm import SIZE_CLASSES
from crm.opportunities import bp, exports, queries, services
from crm.opportunities.forms import (
    AddFirmForm,
    BulkForm,
    OpportunityFilterForm,
    OpportunityForm,
    RankFilterForm,
    ShortlistForm,
    SimpleForm,
    action_choices,
    kind_choices,
    status_choices,
)
from crm.unit_of_work import form_errors, unit_of_work
from crm.validators import row_ids


def _today() -> date:
    return clock.today()


@bp.route("/")
@roles_required(READ_ROLES)
def index() -> ResponseReturnValue:
    """Opportunities, with how far each shortlist got."""
    form = OpportunityFilterForm(request.args)
    form.kind.choices = kind_choices(_("Tất cả"))
    form.status.choices = status_choices(_("Tất cả"))
    items = queries.opportunity_list(form.q.data or "", form.kind.data or None,
                                     form.status.data or None)
    counts = queries.entry_counts([o.id for o in items])
    return render_template("opportunities/list.html", form=form, items=items, counts=counts)


def _prepare(form: OpportunityForm) -> OpportunityForm:
    from crm.firms.queries import scheme_choices
    from crm.partners.queries import active_partners

    form.kind.choices = kind_choices()
    form.status.choices = status_choices()
    form.partner_id.choices = [("", _("— không —"))] + [
        (str(p.id), f"{p.name} ({p.country_code})") for p in active_partners()]
    form.programme_id.choices = [("", _("— không —"))] + [
        (str(p.id), p.name) for p in queries.programme_choices()]
    schemes = [(code, code) for code, _vi, _en in scheme_choices()]
    form.required_certifications.choices = schemes
    form.preferred_certifications.choices = schemes
    form.min_size.choices = [("", _("Không yêu cầu"))] + [(s, label(s)) for s in SIZE_CLASSES]
    form.platform.choices = [("", _("— không —"))] + [
        (p, label(p)) for p in services.PLATFORMS]
    return form


def _fill(form: OpportunityForm, opp: Opportunity) -> None:
    """Put an opportunity's values into the form (lists as comma-separated text)."""
    form.markets.data = ", ".join(opp.markets or [])
    form.hs_prefixes.data = ", ".join(opp.hs_prefixes or [])
    form.keywords.data = ", ".join(opp.keywords or [])
    form.partner_id.data = str(opp.partner_id or "")
    form.programme_id.data = str(opp.programme_id or "")
    for key in ("starts_on", "ends_on", "deadline"):
        value = getattr(opp, key)
        form[key].data = value.isoformat() if value else ""
    for key in ("slots", "budget_vnd", "cofunding_share", "min_annual_capacity_tonnes"):
        value = getattr(opp, key)
        form[key].data = "" if value is None else str(value)
    for key in services.QUOTA_KEYS:
        form[f"quota_{key}"].data = str((opp.quotas or {}).get(key) or "")
    for factor, value in (opp.weights or {}).items():
        if f"weight_{factor}" in form:
            form[f"weight_{factor}"].data = str(value)
    form.version.data = opp.version


def _save(form: OpportunityForm, opp: Opportunity | None) -> ResponseReturnValue | None:
    if not form.validate_on_submit():
        return None
    data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "submit")}
    with form_errors(form, conflict=services.OpportunityConflictError) as saved:
        if opp is None:
            opp = services.create_opportunity(data, current_user, _today())
        else:
            services.update_opportunity(opp, data, today=_today(),
                                        expected_version=form.version.data)
    if not saved.ok:
        return None
    flash(_("Đã lưu cơ hội."), "success")
    return redirect(url_for("opportunities.show", opp_id=opp.id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def new() -> ResponseReturnValue:
    """Create an opportunity; ?kind=distribution_partner&partner_id=N prefills from a partner."""
    form = _prepare(OpportunityForm())
    if request.method == "GET":
        form.kind.data = request.args.get("kind", "trade_mission")
        form.status.data = "open"
        form.exposure_decay.data = True
        partner_id = request.args.get("partner_id", type=int)
        partner = db.session.get(Partner, partner_id) if partner_id else None
        if partner is not None:
            form.partner_id.data = str(partner.id)
            form.markets.data = partner.country_code
            form.hs_prefixes.data = ", ".join(partner.hs_prefixes or [])
            form.keywords.data = partner.keywords or ""
            form.required_certifications.data = list(partner.required_certifications or [])
            form.title.data = _("Tìm nhà cung cấp cho %(name)s", name=partner.name)
    return _save(form, None) or render_template("opportunities/edit.html", form=form, opp=None)


@bp.route("/<int:opp_id>/edit", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def edit(opp_id: int) -> ResponseReturnValue:
    """Edit an opportunity (refused if somebody saved it in between)."""
    opp = db.get_or_404(Opportunity, opp_id)
    form = _prepare(OpportunityForm(obj=opp if request.method == "GET" else None))
    if request.method == "GET":
        _fill(form, opp)
    return _save(form, opp) or render_template("opportunities/edit.html", form=form, opp=opp)


def _rank_filters() -> tuple[RankFilterForm, ranking.RankFilters]:
    form = RankFilterForm(request.args)
    form.province.choices = [("", _("Tất cả"))] + [(str(c), n) for c, n in provinces()]
    form.size.choices = [("", _("Tất cả"))] + [(s, label(s)) for s in SIZE_CLASSES]
    province = request.args.get("province", type=int)
    size = form.size.data if form.size.data in SIZE_CLASSES else None
    return form, ranking.RankFilters(province=province, size=size,
                                     eligible_only=bool(form.eligible_only.data),
                                     verified_only=bool(form.verified_only.data))


@bp.route("/<int:opp_id>")
@roles_required(READ_ROLES)
def show(opp_id: int) -> ResponseReturnValue:
    """An opportunity with its ranked, explained firms and the near-misses."""
    opp = db.get_or_404(Opportunity, opp_id)
    filter_form, filters = _rank_filters()
    top = min(max(request.args.get("top", 30, type=int), 1), 200)
    result = ranking.rank_opportunity(opp, _today(), top=top, filters=filters)
    return render_template(
        "opportunities/show.html", opp=opp, result=result, filter_form=filter_form,
        on_list=queries.entry_firm_ids(opp),
        counts=queries.entry_counts([opp.id])[opp.id], shortlist_form=ShortlistForm(),
        add_form=AddFirmForm(), suggest_form=SimpleForm(), top=top,
        args={k: v for k, v in request.args.items() if v})


@bp.route("/<int:opp_id>/compare")
@roles_required(READ_ROLES)
def compare(opp_id: int) -> ResponseReturnValue:
    """Two firms side by side: each factor's weight, value and reasons, from one ranking."""
    opp = db.get_or_404(Opportunity, opp_id)
    try:
        ids = row_ids(request.args.getlist("firm_ids"))
    except UserError:
        ids = []
    ids = list(dict.fromkeys(ids))
    if len(ids) != 2:
        flash(_("Chọn đúng hai doanh nghiệp để so sánh."), "warning")
        return redirect(url_for("opportunities.show", opp_id=opp.id))
    result = ranking.rank_opportunity(opp, _today(), top=services.SUGGEST_POOL,
                                      ineligible_limit=0, firm_ids=ids)
    items = [result.item(fid) for fid in ids]
    if any(item is None for item in items):
        flash(_("Doanh nghiệp đã lưu trữ hoặc không có trong danh bạ."), "warning")
        return redirect(url_for("opportunities.show", opp_id=opp.id))
    return render_template("opportunities/compare.html", opp=opp, items=items, result=result,
                           counts=queries.entry_counts([opp.id])[opp.id])


@bp.route("/<int:opp_id>/shortlist", methods=["POST"])
@roles_required(WRITE_ROLES)
def shortlist(opp_id: int) -> ResponseReturnValue:
    """Shortlist the firms ticked in the ranked list."""
    opp = db.get_or_404(Opportunity, opp_id)
    form = ShortlistForm()
    if form.validate_on_submit():
        with form_errors() as saved:
            ids = row_ids(request.form.getlist("firm_ids"))
            entries = services.shortlist_firms(opp, ids, current_user, _today(),
                                               form.justification.data)
        if saved.ok:
            flash(_("Đã đưa %(n)s doanh nghiệp vào danh sách chọn.", n=len(entries)), "success")
            return redirect(url_for("opportunities.board", opp_id=opp.id))
    return redirect(url_for("opportunities.show", opp_id=opp.id))


@bp.route("/<int:opp_id>/suggest", methods=["POST"])
@roles_required(WRITE_ROLES)
def suggest(opp_id: int) -> ResponseReturnValue:
    """Keep the current top of the ranking as "suggested" entries."""
    opp = db.get_or_404(Opportunity, opp_id)
    if SimpleForm().validate_on_submit():
        n = services.save_suggestions(opp, current_user, _today())
        flash(_("Đã lưu %(n)s doanh nghiệp đề xuất.", n=n), "success")
    return redirect(url_for("opportunities.board", opp_id=opp.id))


@bp.route("/<int:opp_id>/add-firm", methods=["POST"])
@roles_required(WRITE_ROLES)
def add_firm(opp_id: int) -> ResponseReturnValue:
    """Shortlist a firm by tax code (one the ranking did not suggest needs a reason)."""
    opp = db.get_or_404(Opportunity, opp_id)
    form = AddFirmForm()
    if form.validate_on_submit():
        with form_errors() as saved:
            services.add_firm_by_tax_code(opp, form.tax_code.data, current_user, _today(),
                                          form.justification.data)
        if saved.ok:
            flash(_("Đã thêm doanh nghiệp vào danh sách chọn."), "success")
            return redirect(url_for("opportunities.board", opp_id=opp.id))
    return redirect(url_for("opportunities.show", opp_id=opp.id) + "#add-firm")


@bp.route("/<int:opp_id>/board")
@roles_required(READ_ROLES)
def board(opp_id: int) -> ResponseReturnValue:
    """The shortlist as columns per status, with bulk actions."""
    opp = db.get_or_404(Opportunity, opp_id)
    form = BulkForm()
    form.to_status.choices = action_choices()
    columns = queries.board(opp)
    return render_template("opportunities/board.html", opp=opp, columns=columns, form=form,
                           held=sum(len(columns[s]) for s in services.HOLDS_PLACE))


@bp.route("/<int:opp_id>/entries/bulk", methods=["POST"])
@roles_required(WRITE_ROLES)
def bulk(opp_id: int) -> ResponseReturnValue:
    """Move the ticked entries to one status: all of them, or none when one is refused."""
    opp = db.get_or_404(Opportunity, opp_id)
    form = BulkForm()
    form.to_status.choices = action_choices()
    if form.validate_on_submit():
        ids = row_ids(request.form.getlist("entry_ids"))
        with form_errors(conflict=services.OpportunityConflictError) as saved:
            n = services.bulk_change(opp, ids, form.to_status.data, current_user,
                                     note=form.note.data)
        if saved.ok:
            flash(_("Đã cập nhật %(n)s doanh nghiệp.", n=n), "success")
    return redirect(url_for("opportunities.board", opp_id=opp.id))


@bp.route("/<int:opp_id>/entries/<int:entry_id>")
@roles_required(READ_ROLES)
def entry(opp_id: int, entry_id: int) -> ResponseReturnValue:
    """One firm's place on the shortlist: snapshot of its ranking and its history."""
    item = db.get_or_404(ShortlistEntry, entry_id)
    if item.opportunity_id != opp_id:
        abort(404)
    form = BulkForm()
    form.to_status.choices = [(k, v) for k, v in action_choices()
                              if k in services.TRANSITIONS.get(item.status, ())]
    return render_template("opportunities/entry.html", opp=item.opportunity, entry=item,
                           form=form)


@bp.route("/<int:opp_id>/entries/<int:entry_id>/status", methods=["POST"])
@roles_required(WRITE_ROLES)
def entry_status(opp_id: int, entry_id: int) -> ResponseReturnValue:
    """Move one entry to another status."""
    item = db.get_or_404(ShortlistEntry, entry_id)
    if item.opportunity_id != opp_id:
        abort(404)
    form = BulkForm()
    form.to_status.choices = action_choices()
    if form.validate_on_submit():
        with form_errors(conflict=services.OpportunityConflictError) as saved:
            services.change_status(item, form.to_status.data, current_user,
                                   note=form.note.data, today=_today())
        if saved.ok:
            flash(_("Đã cập nhật."), "success")
    return redirect(url_for("opportunities.entry", opp_id=opp_id, entry_id=entry_id))


def _export_kinds(personal: bool) -> list[str]:
    """Personal data in a shortlist file: officers' names, contact persons if `personal`."""
    return [audit.CONTACT_PERSONS, audit.STAFF_NAMES] if personal else [audit.STAFF_NAMES]


def _filename(opp: Opportunity, ext: str) -> str:
    return f"danh-sach-{opp.code}.{ext}"


@bp.route("/<int:opp_id>/export.xlsx")
@roles_required(READ_ROLES)
def export_xlsx(opp_id: int) -> ResponseReturnValue:
    """The shortlist as an Excel workbook."""
    opp = db.get_or_404(Opportunity, opp_id)
    personal = sees_personal_data(current_user)
    with unit_of_work():  # a GET: the export's audit event is committed before the file
        audit.record_export("shortlist", "opportunity", opp.id, format="xlsx",
                            rows=queries.export_count(opp),
                            personal_data=_export_kinds(personal))
    return Response(
        exports.shortlist_xlsx(opp, personal=personal),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(opp, "xlsx")}"'})


@bp.route("/<int:opp_id>/export.csv")
@roles_required(READ_ROLES)
def export_csv(opp_id: int) -> ResponseReturnValue:
    """The shortlist as CSV (UTF-8 with BOM), streamed."""
    opp = db.get_or_404(Opportunity, opp_id)
    personal = sees_personal_data(current_user)
    with unit_of_work():  # a GET, streamed: the audit event is committed before the rows
        audit.record_export("shortlist", "opportunity", opp.id, format="csv",
                            rows=queries.export_count(opp),
                            personal_data=_export_kinds(personal))
    return Response(
        stream_with_context(exports.shortlist_csv(opp, personal=personal)),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(opp, "csv")}"'})


@bp.app_template_global()
def fitting_opportunities(firm: Firm, limit: int = 5) -> list[dict]:
    """Open opportunities that fit a firm best (for the firm page); [] for non-staff."""
    if not current_user.is_authenticated or current_user.role not in READ_ROLES:
        return []
    today = _today()
    return ranking.best_opportunities(firm, queries.open_opportunities(today), today, limit)


@bp.app_template_global()
def event_user_name(user_id: int | None) -> str:
    """Name of the user who made a shortlist change (a firm's own user only to those who may
    see it: Decree 13/2023)."""
    from crm.models import User

    user = db.session.get(User, user_id) if user_id else None
    if user is None:
        return "—"
    if user.role == "enterprise" and not sees_personal_data(current_user, user.firm_id):
        return str(HIDDEN_PERSONAL)
    return user.name
