"""Staff pages: verification queue, firm history, registrations, invitations, flags."""

from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm import clock, paging
from crm.auth.policy import (
    HIDDEN_PERSONAL,
    READ_ROLES,
    WRITE_ROLES,
    firm_or_404,
    roles_required,
    sees_personal_data,
)
from crm.errors import UserError
from crm.extensions import db
from crm.firms.services import FIELD_LABELS
from crm.history import display_value
from crm.models import ChangeRecord, RegistrationRequest
from crm.models.base import utcnow
from crm.models.portal import FIELD_CREATED, FIELD_DELETED, FIELD_ERASED
from crm.portal import queries as portal_queries
from crm.portal import services as portal_services
from crm.portal.forms import DecisionForm, InvitationForm
from crm.unit_of_work import form_errors
from crm.validators import normalize_tax_code, row_ids
from crm.verification import bp, queries, services

log = logging.getLogger("crm.portal")


ENTITY_LABELS = {
    "firm": _l("Hồ sơ"), "product": _l("Sản phẩm"), "certification": _l("Chứng nhận"),
    "contact": _l("Người liên hệ"), "market": _l("Thị trường"),
    "store": _l("Gian hàng TMĐT"), "trademark": _l("Nhãn hiệu"),
    "document": _l("Bản scan chứng nhận"),
}
SOURCE_LABELS = {
    "staff": _l("Cán bộ"), "self": _l("Doanh nghiệp tự khai"), "import": _l("Nhập từ tệp"),
    "merge": _l("Gộp trùng"), "system": _l("Hệ thống"),
}
SUB_FIELD_LABELS = {
    "hs_code": _l("Mã HS"), "annual_capacity": _l("Năng lực/năm"),
    "capacity_unit": _l("Đơn vị"), "ocop_stars": _l("OCOP"), "scheme_code": _l("Loại chứng nhận"),
    "number": _l("Số"), "issuer": _l("Tổ chức cấp"), "issued_on": _l("Ngày cấp"),
    "expires_on": _l("Ngày hết hạn"), "product_id": _l("Sản phẩm"), "phone": _l("Điện thoại"),
    "email": _l("Email"), "position": _l("Chức vụ"), "is_primary": _l("Liên hệ chính"),
    "country_code": _l("Quốc gia"), "kind": _l("Loại"), "priority": _l("Ưu tiên"),
    "platform": _l("Sàn"), "market": _l("Thị trường"), "url": _l("Đường dẫn"),
    "status": _l("Trạng thái"), "mark": _l("Nhãn hiệu"),
    "registration_number": _l("Số đăng ký"), "registered_on": _l("Ngày đăng ký"),
    "notes": _l("Ghi chú"), "name": _l("Tên"), "name_en": _l("Tên tiếng Anh"),
    "description": _l("Mô tả"), "original_filename": _l("Tệp"), "mime": _l("Loại tệp"),
    "size": _l("Dung lượng (byte)"), "certification_id": _l("Chứng nhận"),
    "uploaded_by_id": _l("Người tải lên"), "uploaded_at": _l("Ngày tải lên"),
    "tax_code": _l("Mã số thuế"),
    FIELD_ERASED: _l("Xóa theo yêu cầu (dữ liệu cá nhân)"),
}


def _field_name(entity: str, field: str) -> str:
    labels = (FIELD_LABELS, SUB_FIELD_LABELS) if entity == "firm" else (SUB_FIELD_LABELS,
                                                                         FIELD_LABELS)
    return str(labels[0].get(field) or labels[1].get(field) or field)


@bp.app_template_global()
def change_value(value: object, entity: str = "firm", personal: bool = True) -> str:
    """Old/new value of a ChangeRecord as text; a whole entity as 'label: value; ...'.

    Without `personal` (crm.auth.policy.sees_personal_data) a contact person's values, and
    the contact names a new firm's summary lists, read "ẩn (dữ liệu cá nhân)".
    """
    if not personal and value not in (None, "", [], {}):
        if entity == "contact":
            return str(HIDDEN_PERSONAL)
        if isinstance(value, dict) and value.get("contacts"):
            value = {**value, "contacts": str(HIDDEN_PERSONAL)}
    if isinstance(value, dict):
        return "; ".join(f"{_field_name(entity, k)}: {display_value(v)}"
                         for k, v in value.items())
    return display_value(value)


@bp.app_template_global()
def change_label(change: ChangeRecord) -> str:
    """'Sản phẩm #12 · Mã HS', 'Chứng nhận #3 · thêm mới' for a ChangeRecord."""
    entity = str(ENTITY_LABELS.get(change.entity, change.entity))
    if change.entity != "firm" and change.entity_id:
        entity += f" #{change.entity_id}"
    if change.field == FIELD_CREATED:
        field = _("thêm mới")
    elif change.field == FIELD_DELETED:
        field = _("xóa")
    else:
        field = _field_name(change.entity, change.field)
    return f"{entity} · {field}"


@bp.app_template_global()
def source_label(source: str) -> str:
    """Who made a change, in words."""
    return str(SOURCE_LABELS.get(source, source))


def _local(target: str | None) -> str | None:
    """`target` if it is a path on this site (a crafted link must not lead elsewhere)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _back() -> str:
    return _local(request.form.get("next")) or url_for("verification.queue")


@bp.route("/")
@roles_required(WRITE_ROLES)
def queue() -> ResponseReturnValue:
    """Self-declared changes waiting for an officer, grouped by firm ("mine": only the firms
    the officer follows)."""
    mine = request.args.get("mine") == "y"
    groups = queries.pending_by_firm(portfolio_of=current_user.id if mine else None)
    return render_template("verification/queue.html", groups=groups, mine=mine,
                           pending_registrations=len(queries.registrations()))


@bp.route("/firms/<int:firm_id>/review", methods=["POST"])
@roles_required(WRITE_ROLES)
def review(firm_id: int) -> ResponseReturnValue:
    """Verify or reject one change (change_id) or all pending changes of a firm."""
    firm = firm_or_404(firm_id)
    decision = request.form.get("decision")
    ids = row_ids(request.form.getlist("change_id")) or None
    changes = queries.pending_of(firm, ids)
    if not changes or decision not in ("verify", "reject"):
        flash(_("Không có thay đổi nào để xử lý."), "warning")
        return redirect(_back())
    with form_errors() as saved:
        if decision == "verify":
            services.verify_changes(firm, changes, current_user)
            message = _("Đã xác minh %(n)d thay đổi.", n=len(changes))
        else:
            reverted = services.reject_changes(firm, changes, current_user)
            message = _("Đã từ chối %(n)d thay đổi, khôi phục %(r)d giá trị cũ.",
                        n=len(changes), r=reverted)
    if saved.ok:
        flash(message, "success")
    return redirect(_back())


@bp.route("/changes/<int:change_id>")
@roles_required(WRITE_ROLES)
def change(change_id: int) -> ResponseReturnValue:
    """One self-declared change to check (the link of a 'chờ xác minh' near-miss): with the
    other pending changes of the same item, the item as it is now and its scans."""
    record = db.get_or_404(ChangeRecord, change_id)
    firm = firm_or_404(record.firm_id)
    return render_template(
        "verification/change.html", change=record, firm=firm,
        pending=queries.entity_pending(record), cert=queries.certification_of(record),
        scans=queries.scans_of(record), back=_local(request.args.get("next")),
        personal=sees_personal_data(current_user, firm))


@bp.route("/firms/<int:firm_id>/history")
@roles_required(READ_ROLES)
def history(firm_id: int) -> ResponseReturnValue:
    """Field-by-field history of a firm: who, when, old → new, source, review."""
    firm = firm_or_404(firm_id)
    page = paging.paginate(queries.history_of(firm), per_page=50)
    return render_template("verification/history.html", firm=firm, page=page,
                           personal=sees_personal_data(current_user, firm))


@bp.route("/attention")
@roles_required(READ_ROLES)
def attention() -> ResponseReturnValue:
    """Firms whose profile is not confirmed for a year or whose certificates expire soon."""
    today = clock.today()
    now = utcnow()
    page = paging.paginate(portal_queries.firms_needing_attention(now, today), per_page=50)
    rows = [(f, portal_queries.is_stale(f, now), portal_queries.expiring_certificates(f, today))
            for f in page.items]
    return render_template("verification/attention.html", page=page, rows=rows, today=today)


@bp.route("/registrations")
@roles_required(WRITE_ROLES)
def registrations() -> ResponseReturnValue:
    """Registration requests waiting for a decision."""
    requests = queries.registrations()
    existing = {r.id: queries.firm_by_tax_code(r.tax_code) for r in requests}
    return render_template("verification/registrations.html", requests=requests,
                           existing=existing, form=DecisionForm(),
                           decided=queries.registrations("approved")[-10:])


@bp.route("/registrations/<int:request_id>/<decision>", methods=["POST"])
@roles_required(WRITE_ROLES)
def decide(request_id: int, decision: str) -> ResponseReturnValue:
    """Approve (create the account) or reject a registration."""
    registration = db.get_or_404(RegistrationRequest, request_id)
    form = DecisionForm()
    if decision not in ("approve", "reject"):
        return redirect(url_for("verification.registrations"))
    with form_errors() as saved:
        if decision == "approve":
            portal_services.approve_registration(registration, current_user)
        else:
            portal_services.reject_registration(registration, current_user, form.note.data)
    if saved.ok:
        flash(_("Đã duyệt đăng ký.") if decision == "approve" else _("Đã từ chối đăng ký."),
              "success")
    return redirect(url_for("verification.registrations"))


@bp.route("/invitations", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def invitations() -> ResponseReturnValue:
    """Invite a firm's person; the one-time link is shown here once (no mail server)."""
    form = InvitationForm()
    if request.method == "GET" and request.args.get("tax_code"):
        form.tax_code.data = request.args["tax_code"]
    link = None
    if form.validate_on_submit():
        with form_errors(form) as saved:
            tax_code = normalize_tax_code(form.tax_code.data)
            firm = queries.firm_by_tax_code(tax_code)
            if firm is None:
                raise UserError(_("Không có doanh nghiệp với mã số thuế này."), field="tax_code")
            invitation, token = portal_services.create_invitation(firm, form.email.data,
                                                                  current_user)
        if saved.ok:
            link = url_for("portal.accept_invitation", token=token, _external=True)
            # No mail server here: the officer passes the link on; the log keeps a trace.
            log.info("invitation %s for firm %s to %s: %s", invitation.id, firm.id,
                     invitation.email, link)
            form = InvitationForm(formdata=None)
    return render_template("verification/invitations.html", form=form, link=link,
                           invitations=queries.recent_invitations(), now=utcnow())
