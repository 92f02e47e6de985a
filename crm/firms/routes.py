"""The firm page and its edit forms."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pycountry
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from crm import audit, clock, display
from crm.auth.policy import (
    ALL_ROLES,
    WRITE_ROLES,
    can_edit_firm,
    firm_or_404,
    roles_required,
    sees_personal_data,
)
from crm.errors import UserError
from crm.extensions import db
from crm.firms import bp, services
from crm.firms.forms import (
    CertificationForm,
    ContactForm,
    FirmForm,
    MarketForm,
    ProductForm,
    StoreForm,
    TrademarkForm,
    form_data,
)
from crm.hscodes.services import form_suggestions
from crm.models import (
    Certification,
    Contact,
    EcommerceStore,
    Firm,
    FirmMarket,
    Product,
    Trademark,
)
from crm.models.firm import MARKET_KINDS
from crm.unit_of_work import form_errors

EDIT_ROLES = WRITE_ROLES | {"enterprise"}


def _today() -> date:
    """Today where the users are (certificate expiry is a calendar date in Vietnam)."""
    return clock.today()


def language_name(code: str) -> str:
    """English name of an ISO 639-1 code (pycountry has no Vietnamese names)."""
    lang = pycountry.languages.get(alpha_2=code)
    return lang.name if lang else code


def _editable_firm_or_404(firm_id: int) -> Firm:
    """The firm, if the current user may edit it (other enterprises' firms are 404)."""
    firm = firm_or_404(firm_id)
    if not can_edit_firm(current_user, firm):
        abort(403)
    return firm


@dataclass
class _Outcome:
    """What a failed save leaves for the page: messages not tied to a field, links, conflict."""

    general: list[str]
    links: dict[str, str]
    conflict: dict[str, Any] | None = None


def _save(form: FlaskForm, action: Callable[[], Any], firm: Firm | None,
          fingerprint: str | None = None) -> _Outcome | None:
    """Run a service (the request commits it); on a broken rule explain (None = saved)."""
    # A stale version caught at flush: another request saved the firm after our read.
    with form_errors(form, flash_general=False,
                     conflict=lambda: services.EditConflictError(firm)) as saved:
        action()
    if saved.ok:
        return None
    if isinstance(saved.error, services.EditConflictError):
        return _Outcome([], {}, _conflict(saved.error, firm, fingerprint))
    return _Outcome(saved.general, saved.links)


def _audited(action: Callable[[], Any], firm: Firm, part: str | None = None
             ) -> Callable[[], Any]:
    """`action`, then an "update" audit event on the firm in the same transaction.

    The field-level old → new values are ChangeRecords written by crm/history.py.
    """
    def run() -> Any:
        result = action()
        audit.record("update", "firm", firm.id, {"part": part} if part else None)
        return result

    return run


def _conflict(err: UserError, firm: Firm | None, fingerprint: str | None) -> dict[str, Any]:
    changed = services.changed_fields(firm, fingerprint) if firm is not None else []
    return {"message": err.message, "changed": changed}


@bp.route("/<int:firm_id>")
@roles_required(ALL_ROLES)
def show(firm_id: int) -> ResponseReturnValue:
    """Everything about one firm on one screen."""
    firm = firm_or_404(firm_id)
    is_staff = current_user.role in WRITE_ROLES
    officer_form = None
    if is_staff:
        from crm.firms.routes_portfolio import AssignForm

        officer_form = AssignForm(officer_id=firm.officer_id or 0).setup()
    return render_template(
        "firms/show.html", firm=firm, today=_today(), language_name=language_name,
        can_edit=can_edit_firm(current_user, firm), is_staff=is_staff,
        personal=sees_personal_data(current_user, firm), officer_form=officer_form,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def new() -> ResponseReturnValue:
    """Register a firm."""
    form = FirmForm().setup(staff=True, province=None)
    outcome = None
    if form.validate_on_submit():
        created: list[Firm] = []

        def create() -> None:
            created.append(services.create_firm(form_data(form), by=current_user))
            audit.record("create", "firm", created[0].id)

        outcome = _save(form, create, None)
        if outcome is None:
            flash(_l("Đã thêm doanh nghiệp."), "success")
            return redirect(url_for("firms.show", firm_id=created[0].id))
    return render_template("firms/edit.html", form=form, firm=None, outcome=outcome,
                           communes_url=url_for("firms.communes", province_code=0))


@bp.route("/<int:firm_id>/edit", methods=["GET", "POST"])
@roles_required(EDIT_ROLES)
def edit(firm_id: int) -> ResponseReturnValue:
    """Edit a firm's own fields, refusing to overwrite somebody else's newer save."""
    firm = _editable_firm_or_404(firm_id)
    staff = current_user.role in WRITE_ROLES
    form = FirmForm(obj=firm).setup(staff=staff, province=firm.province_code, firm=firm)
    if request.method == "GET":
        form.fingerprint.data = services.firm_fingerprint(firm)
    outcome = None
    if form.validate_on_submit():
        outcome = _save(form, _audited(lambda: services.update_firm(
            firm, form_data(form), expected_version=form.version.data, by=current_user,
        ), firm), firm, form.fingerprint.data)
        if outcome is None:
            flash(_l("Đã lưu."), "success")
            return redirect(url_for("firms.show", firm_id=firm.id))
    return render_template("firms/edit.html", form=form, firm=firm, outcome=outcome,
                           communes_url=url_for("firms.communes", province_code=0))


@bp.route("/<int:firm_id>/archive", methods=["POST"])
@roles_required(WRITE_ROLES)
def archive(firm_id: int) -> ResponseReturnValue:
    """Archive instead of delete: the firm leaves the lists, its history stays."""
    firm = firm_or_404(firm_id)
    services.archive_firm(firm, by=current_user)
    audit.record("archive", "firm", firm.id)
    flash(_l("Đã lưu trữ doanh nghiệp."), "success")
    return redirect(url_for("firms.show", firm_id=firm.id))


@bp.route("/<int:firm_id>/unarchive", methods=["POST"])
@roles_required(WRITE_ROLES)
def unarchive(firm_id: int) -> ResponseReturnValue:
    """Restore an archived firm."""
    firm = firm_or_404(firm_id)
    services.unarchive_firm(firm, by=current_user)
    audit.record("unarchive", "firm", firm.id)
    flash(_l("Đã khôi phục doanh nghiệp."), "success")
    return redirect(url_for("firms.show", firm_id=firm.id))


@bp.route("/communes/<int:province_code>")
@roles_required(ALL_ROLES)
def communes(province_code: int) -> ResponseReturnValue:
    """Communes of a province, for the commune select of the firm form."""
    return jsonify(display.communes_of(province_code))


# --- contacts, products, certifications, markets, stores, trademarks ----------------------

@dataclass(frozen=True)
class ItemKind:
    """One kind of sub-entity: its model, form, services and page texts."""

    model: type
    form: type[FlaskForm]
    add: Callable[..., Any]
    update: Callable[..., Any]
    remove: Callable[..., Any]
    title_new: Any
    title_edit: Any
    anchor: str


ITEMS: dict[str, ItemKind] = {
    "contacts": ItemKind(Contact, ContactForm, services.add_contact, services.update_contact,
                         services.remove_contact, _l("Thêm người liên hệ"),
                         _l("Sửa người liên hệ"), "contacts"),
    "products": ItemKind(Product, ProductForm, services.add_product, services.update_product,
                         services.remove_product, _l("Thêm sản phẩm"), _l("Sửa sản phẩm"),
                         "products"),
    "certifications": ItemKind(Certification, CertificationForm, services.add_certification,
                               services.update_certification, services.remove_certification,
                               _l("Thêm chứng nhận"), _l("Sửa chứng nhận"), "certifications"),
    "markets": ItemKind(FirmMarket, MarketForm, services.add_market, services.update_market,
                        services.remove_market, _l("Thêm thị trường"), _l("Sửa thị trường"),
                        "markets"),
    "stores": ItemKind(EcommerceStore, StoreForm, services.add_store, services.update_store,
                       services.remove_store, _l("Thêm gian hàng thương mại điện tử"),
                       _l("Sửa gian hàng thương mại điện tử"), "stores"),
    "trademarks": ItemKind(Trademark, TrademarkForm, services.add_trademark,
                           services.update_trademark, services.remove_trademark,
                           _l("Thêm nhãn hiệu"), _l("Sửa nhãn hiệu"), "trademarks"),
}


def _kind_or_404(kind: str) -> ItemKind:
    spec = ITEMS.get(kind)
    if spec is None:
        abort(404)
    return spec


def _item_or_404(spec: ItemKind, firm: Firm, item_id: int) -> Any:
    """The sub-entity, only if it belongs to the firm in the URL."""
    item = db.session.get(spec.model, item_id)
    if item is None or item.firm_id != firm.id:
        abort(404)
    return item


def _back(firm: Firm, spec: ItemKind) -> str:
    return url_for("firms.show", firm_id=firm.id, _anchor=spec.anchor)


@bp.route("/<int:firm_id>/<kind>/new", methods=["GET", "POST"])
@roles_required(EDIT_ROLES)
def item_new(firm_id: int, kind: str) -> ResponseReturnValue:
    """Add a contact, product, certificate, market, store or trademark."""
    spec = _kind_or_404(kind)
    firm = _editable_firm_or_404(firm_id)
    prefill = {}
    if kind == "markets" and request.args.get("kind") in MARKET_KINDS:
        prefill["kind"] = request.args["kind"]
    form = spec.form(data=prefill).setup(firm)
    outcome = None
    if form.validate_on_submit():
        outcome = _save(form, _audited(lambda: spec.add(firm, form_data(form)), firm, kind),
                        firm)
        if outcome is None:
            flash(_l("Đã lưu."), "success")
            return redirect(_back(firm, spec))
    return render_template("firms/item_edit.html", form=form, firm=firm, outcome=outcome,
                           title=spec.title_new, back=_back(firm, spec),
                           hs=form_suggestions(form) if kind == "products" else None)


@bp.route("/<int:firm_id>/<kind>/<int:item_id>/edit", methods=["GET", "POST"])
@roles_required(EDIT_ROLES)
def item_edit(firm_id: int, kind: str, item_id: int) -> ResponseReturnValue:
    """Change a sub-entity of the firm."""
    spec = _kind_or_404(kind)
    firm = _editable_firm_or_404(firm_id)
    item = _item_or_404(spec, firm, item_id)
    form = spec.form(obj=item).setup(firm)
    outcome = None
    if form.validate_on_submit():
        outcome = _save(form, _audited(lambda: spec.update(firm, item, form_data(form)),
                                       firm, kind), firm)
        if outcome is None:
            flash(_l("Đã lưu."), "success")
            return redirect(_back(firm, spec))
    return render_template("firms/item_edit.html", form=form, firm=firm, outcome=outcome,
                           title=spec.title_edit, back=_back(firm, spec),
                           hs=form_suggestions(form) if kind == "products" else None)


@bp.route("/<int:firm_id>/<kind>/<int:item_id>/remove", methods=["POST"])
@roles_required(EDIT_ROLES)
def item_remove(firm_id: int, kind: str, item_id: int) -> ResponseReturnValue:
    """Delete a sub-entity of the firm (the firm itself is only ever archived)."""
    spec = _kind_or_404(kind)
    firm = _editable_firm_or_404(firm_id)
    item = _item_or_404(spec, firm, item_id)
    with form_errors(category="warning",
                     conflict=lambda: services.EditConflictError(firm)) as removed:
        spec.remove(firm, item)
        audit.record("update", "firm", firm.id, {"part": kind, "removed": item_id})
    if removed.ok:
        flash(_l("Đã xóa."), "success")
    return redirect(_back(firm, spec))
