"""Views of the partner directory: list, page, create, edit, archive."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import paging
from crm.auth.policy import READ_ROLES, WRITE_ROLES, roles_required, sees_personal_data
from crm.extensions import db
from crm.models import Partner
from crm.partners import bp, queries, services
from crm.partners.forms import ArchiveForm, PartnerFilterForm, PartnerForm, kind_choices
from crm.unit_of_work import form_errors

PER_PAGE = 25


def _country_choices(blank: str | None = None, codes: list[str] | None = None) -> list:
    from crm.display import country_name
    from matching.text import fold

    codes = codes if codes is not None else queries.country_choices()
    pairs = sorted(((c, f"{country_name(c)} ({c})") for c in codes), key=lambda p: fold(p[1]))
    return ([("", blank)] if blank is not None else []) + pairs


def _scheme_choices() -> list[tuple[str, str]]:
    from crm.firms.queries import scheme_choices

    return [(code, code) for code, _vi, _en in scheme_choices()]


@bp.route("/")
@roles_required(READ_ROLES)
def index() -> ResponseReturnValue:
    """The partner directory, searchable and filtered."""
    form = PartnerFilterForm(request.args)
    form.country.choices = _country_choices(_("Tất cả"), queries.partner_countries())
    form.kind.choices = kind_choices(_("Tất cả"))
    filters = queries.PartnerFilters(
        q=form.q.data or "", country=form.country.data or None, kind=form.kind.data or None,
        diaspora=bool(form.diaspora.data), archived=bool(form.archived.data))
    page = paging.paginate(queries.partner_select(filters), per_page=PER_PAGE)
    args = {k: v for k, v in request.args.items() if v and k != "page"}
    return render_template("partners/list.html", form=form, page=page, args=args,
                           personal=sees_personal_data(current_user))


@bp.route("/<int:partner_id>")
@roles_required(READ_ROLES)
def show(partner_id: int) -> ResponseReturnValue:
    """One partner."""
    partner = db.get_or_404(Partner, partner_id)
    return render_template("partners/show.html", partner=partner, archive_form=ArchiveForm(),
                           personal=sees_personal_data(current_user))


def _prepare(form: PartnerForm) -> PartnerForm:
    form.kind.choices = kind_choices()
    form.country_code.choices = _country_choices(_("— chọn quốc gia —"))
    form.required_certifications.choices = _scheme_choices()
    return form


def _save(form: PartnerForm, partner: Partner | None) -> ResponseReturnValue | None:
    """Validate and save; the response on success, None to show the form again."""
    if not form.validate_on_submit():
        return None
    data = {k: v for k, v in form.data.items() if k not in ("csrf_token", "submit")}
    with form_errors(form, conflict=services.PartnerConflictError) as saved:
        if partner is None:
            partner = services.create_partner(data, by=current_user)
        else:
            services.update_partner(partner, data, expected_version=form.version.data,
                                    by=current_user)
    if not saved.ok:
        return None
    flash(_("Đã lưu đối tác."), "success")
    return redirect(url_for("partners.show", partner_id=partner.id))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def new() -> ResponseReturnValue:
    """Create a partner."""
    form = _prepare(PartnerForm())
    return _save(form, None) or render_template("partners/edit.html", form=form, partner=None)


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def edit(partner_id: int) -> ResponseReturnValue:
    """Edit a partner (refused if somebody saved it in between)."""
    partner = db.get_or_404(Partner, partner_id)
    form = _prepare(PartnerForm(obj=partner if request.method == "GET" else None))
    if request.method == "GET":
        form.hs_prefixes.data = ", ".join(partner.hs_prefixes or [])
        form.version.data = partner.version
    return (_save(form, partner)
            or render_template("partners/edit.html", form=form, partner=partner))


@bp.route("/<int:partner_id>/archive", methods=["POST"])
@roles_required(WRITE_ROLES)
def archive(partner_id: int) -> ResponseReturnValue:
    """Archive a partner, or bring it back (restore=1)."""
    partner = db.get_or_404(Partner, partner_id)
    if ArchiveForm().validate_on_submit():
        services.archive_partner(partner, archived=request.form.get("restore") != "1")
        flash(_("Đã lưu trữ đối tác.") if partner.archived else _("Đã khôi phục đối tác."),
              "success")
    return redirect(url_for("partners.show", partner_id=partner.id))
