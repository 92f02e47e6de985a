"""HS suggestions: the worklist of products without a code, its one-click confirmation, and
the suggestions of a product form (JSON)."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import audit, paging
from crm.auth.policy import WRITE_ROLES, firm_or_404, roles_required
from crm.errors import ConflictError
from crm.extensions import db
from crm.firms.services import thousands
from crm.hscodes import bp, queries, services
from crm.hscodes.forms import ConfirmForm
from crm.hscodes.model import MAX_TEXT
from crm.models import Product
from crm.unit_of_work import form_errors

PER_PAGE = 25
# Product forms are filled by staff and by enterprises (their own firm's products).
FORM_ROLES = WRITE_ROLES | {"enterprise"}


@bp.route("/")
@roles_required(WRITE_ROLES)
def worklist() -> ResponseReturnValue:
    """Products without an HS code, each with its likeliest codes to confirm in one click."""
    page = paging.paginate(queries.products_without_hs(), per_page=PER_PAGE)
    rows = [(product, services.as_dicts(services.suggest(services.product_text(product))))
            for product in page.items]
    return render_template("hscodes/worklist.html", page=page, rows=rows, form=ConfirmForm(),
                           total=thousands(page.total or 0))


@bp.route("/products/<int:product_id>/confirm", methods=["POST"])
@roles_required(WRITE_ROLES)
def confirm(product_id: int) -> ResponseReturnValue:
    """Give a product the HS code an officer picked on the worklist."""
    product = db.get_or_404(Product, product_id)
    firm = firm_or_404(product.firm_id)
    form = ConfirmForm()
    back = url_for("hscodes.worklist", page=form.page.data or None)
    if not form.validate_on_submit():
        flash(_("Không xác nhận được: mã HS không hợp lệ hoặc phiên làm việc đã hết hạn."),
              "error")
        return redirect(back)
    # A stale version: another save of this firm came first.
    with form_errors(category="error", conflict=lambda: ConflictError(
            _("Doanh nghiệp vừa được người khác cập nhật. Vui lòng thử lại."))) as saved:
        services.confirm(firm, product, form.code.data)
        audit.record("update", "firm", firm.id, {"part": "products", "hs_suggestion": True})
    if saved.ok:
        flash(_("Đã gán mã HS %(code)s cho «%(name)s».", code=services.dotted(product.hs_code),
                name=product.name), "success")
    return redirect(back)


@bp.route("/suggest")
@roles_required(FORM_ROLES)
def suggest() -> ResponseReturnValue:
    """Suggestions for the product text in ?q= (the product form asks as the name is typed)."""
    text = request.args.get("q", "")[:MAX_TEXT]
    staff = current_user.role in WRITE_ROLES
    return jsonify(suggestions=services.as_dicts(services.suggest(text), examples=staff))
