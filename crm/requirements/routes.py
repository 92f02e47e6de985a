"""Market requirement pages: list with filters, create, edit, end, history. Admins only."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock, paging
from crm.auth.policy import ADMIN_ROLES, roles_required
from crm.extensions import db
from crm.models import MarketRequirement
from crm.requirements import bp, queries, services
from crm.requirements.forms import (
    FIELD_LABELS,
    MANDATORY_LABELS,
    EndForm,
    RequirementFilterForm,
    RequirementForm,
)
from crm.unit_of_work import form_errors

PER_PAGE = 50


def _today() -> date:
    return clock.today()


def _shown(name: str, value: Any) -> str:
    """A history value as the page writes it (dates by locale, levels by label)."""
    if value is None or value == "":
        return "—"
    if name in ("valid_from", "valid_until"):
        return format_date(date.fromisoformat(value))
    if name == "mandatory":
        return str(MANDATORY_LABELS.get(value, value))
    return str(value)


def _history(row: MarketRequirement) -> list[dict[str, Any]]:
    """The rule's changes, newest first, each with (label, old, new) lines ready to show."""
    out = []
    for change, who in queries.changes_of(row):
        old = change.old_values
        lines = [(str(FIELD_LABELS.get(name, name)),
                  _shown(name, old.get(name)) if old is not None else None,
                  _shown(name, new))
                 for name, new in (change.new_values or {}).items()]
        out.append({"change": change, "who": who, "lines": lines})
    return out


def _show_page(row: MarketRequirement, end_form: EndForm) -> ResponseReturnValue:
    return render_template("requirements/show.html", row=row, history=_history(row),
                           end_form=end_form, today=_today(), mandatory=MANDATORY_LABELS)


def _form_page(form: RequirementForm, row: MarketRequirement | None) -> ResponseReturnValue:
    return render_template("requirements/edit.html", form=form, row=row,
                           markets=queries.market_codes(), schemes=queries.scheme_codes())


PREFILLED = ("market", "hs_prefix", "requirement", "mandatory", "applies_to", "source_note",
             "valid_from", "valid_until", "why")


def _prefill(form: RequirementForm) -> None:
    """Set the fields named in the query string (dates as ISO text; a bad one is left out)."""
    for name in PREFILLED:
        value = request.args.get(name, "").strip()
        if not value:
            continue
        if name in ("valid_from", "valid_until"):
            try:
                form[name].data = date.fromisoformat(value)
            except ValueError:
                continue
        else:
            form[name].data = value[:2000]


@bp.route("/")
@roles_required(ADMIN_ROLES)
def index() -> ResponseReturnValue:
    """Rules by market, HS prefix and date in force."""
    form = RequirementFilterForm(request.args)
    form.validate()
    filters = {name: field.data for name, field in form._fields.items()
               if name != "submit" and not field.errors and field.data not in (None, "")}
    page = paging.paginate(queries.requirements(filters), per_page=PER_PAGE)
    args = {k: v.isoformat() if isinstance(v, date) else v for k, v in filters.items()}
    return render_template("requirements/list.html", form=form, page=page, filters=args,
                           today=_today(), mandatory=MANDATORY_LABELS,
                           changes=queries.history_counts([r.id for r in page.items]))


@bp.route("/new", methods=["GET", "POST"])
@roles_required(ADMIN_ROLES)
def new() -> ResponseReturnValue:
    """Add a rule; GET arguments (e.g. from a notice, crm/notices) fill the form in."""
    form = RequirementForm()
    if request.method == "GET":
        _prefill(form)
    if form.validate_on_submit():
        with form_errors(form) as saved:
            row = services.create_requirement(form.data, form.why.data, by=current_user)
        if saved.ok:
            flash(_("Đã thêm quy định #%(id)d.", id=row.id), "success")
            return redirect(url_for("requirements.show", req_id=row.id))
    return _form_page(form, None)


@bp.route("/<int:req_id>")
@roles_required(ADMIN_ROLES)
def show(req_id: int) -> ResponseReturnValue:
    """One rule and its history."""
    row = db.get_or_404(MarketRequirement, req_id)
    return _show_page(row, EndForm(valid_until=_today()))


@bp.route("/<int:req_id>/edit", methods=["GET", "POST"])
@roles_required(ADMIN_ROLES)
def edit(req_id: int) -> ResponseReturnValue:
    """Change a rule's fields, saying why."""
    row = db.get_or_404(MarketRequirement, req_id)
    form = RequirementForm(obj=row)
    if form.validate_on_submit():
        with form_errors(form) as saved:
            changed = services.update_requirement(row, form.data, form.why.data,
                                                  by=current_user)
        if saved.ok:
            if changed:
                flash(_("Đã lưu quy định #%(id)d.", id=row.id), "success")
            else:
                flash(_("Không có gì thay đổi."), "info")
            return redirect(url_for("requirements.show", req_id=row.id))
    return _form_page(form, row)


@bp.route("/<int:req_id>/end", methods=["POST"])
@roles_required(ADMIN_ROLES)
def end(req_id: int) -> ResponseReturnValue:
    """End a rule (set its last day in force); it is kept, with its history."""
    row = db.get_or_404(MarketRequirement, req_id)
    form = EndForm()
    if form.validate_on_submit():
        with form_errors(form) as saved:
            services.end_requirement(row, form.valid_until.data, form.why.data,
                                     by=current_user)
        if saved.ok:
            flash(_("Quy định #%(id)d hết hiệu lực sau ngày %(day)s.", id=row.id,
                    day=format_date(row.valid_until)), "success")
            return redirect(url_for("requirements.show", req_id=row.id))
    return _show_page(row, form)
