"""Admin pages: the audit log, user management, erasing a contact person. Admins only."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import audit, paging
from crm.admin import bp, queries, services
from crm.admin.forms import (
    AuditFilterForm,
    ConfirmForm,
    EraseContactForm,
    RoleForm,
    UserCreateForm,
    UserFilterForm,
)
from crm.auth.policy import ADMIN_ROLES, roles_required
from crm.auth.services import RESET_LIFETIME, create_reset_link
from crm.extensions import db
from crm.models import Contact, User
from crm.unit_of_work import form_errors

PER_PAGE = 50


def _filters(form: AuditFilterForm | UserFilterForm) -> dict:
    """The valid filter values (an invalid one is ignored and shown as an error)."""
    form.validate()
    return {name: field.data for name, field in form._fields.items()
            if name != "submit" and not field.errors and field.data not in (None, "")}


def _link_page(user: User, token: str, created: bool = False) -> ResponseReturnValue:
    """Show the one-time link once: it is stored hashed and is not in the audit trail."""
    link = url_for("auth.reset_password", token=token, _external=True)
    html = render_template("admin/reset_link.html", user=user, link=link, created=created,
                           hours=int(RESET_LIFETIME.total_seconds() // 3600))
    return html, 200, {"Cache-Control": "no-store"}


@bp.route("/audit")
@roles_required(ADMIN_ROLES)
def audit_log() -> ResponseReturnValue:
    """Who did what, when, from where; firm events with their field-level changes."""
    form = AuditFilterForm(request.args).setup()
    filters = _filters(form)
    page = paging.paginate(queries.audit_events(filters), per_page=PER_PAGE)
    return render_template("admin/audit.html", form=form, page=page, filters=filters,
                           changes=queries.firm_changes_for(page.items),
                           actions=audit.ACTIONS, target_types=audit.TARGET_TYPES)


@bp.route("/users")
@roles_required(ADMIN_ROLES)
def users() -> ResponseReturnValue:
    """Every account, with role, firm, status and second factor."""
    form = UserFilterForm(request.args).setup()
    filters = _filters(form)
    page = paging.paginate(queries.users(filters), per_page=PER_PAGE)
    return render_template("admin/users.html", form=form, page=page, filters=filters)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(ADMIN_ROLES)
def user_new() -> ResponseReturnValue:
    """Create an account; the new user sets a password through a one-time link."""
    form = UserCreateForm().setup()
    if form.validate_on_submit():
        with form_errors(form, fallback="email") as saved:
            user, token = services.create_user(form.data, by=current_user)
        if saved.ok:
            return _link_page(user, token, created=True)
    return render_template("admin/user_new.html", form=form)


@bp.route("/users/<int:user_id>")
@roles_required(ADMIN_ROLES)
def user_show(user_id: int) -> ResponseReturnValue:
    """One account: role, status, reset link, its latest audit events."""
    user = db.get_or_404(User, user_id)
    role_form = RoleForm(role=user.role,
                         firm_tax_code=user.firm.tax_code if user.firm else None).setup()
    return render_template("admin/user_show.html", user=user, role_form=role_form,
                           confirm=ConfirmForm(), events=queries.recent_events_of(user),
                           actions=audit.ACTIONS, target_types=audit.TARGET_TYPES)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@roles_required(ADMIN_ROLES)
def user_role(user_id: int) -> ResponseReturnValue:
    """Change the role (and the firm of an enterprise user)."""
    user = db.get_or_404(User, user_id)
    form = RoleForm().setup()
    if form.validate_on_submit():
        with form_errors() as saved:
            services.change_role(user, form.role.data, form.firm_tax_code.data, by=current_user)
        if saved.ok:
            flash(_("Đã đổi vai trò."), "success")
    return redirect(url_for("admin.user_show", user_id=user.id))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@roles_required(ADMIN_ROLES)
def user_active(user_id: int) -> ResponseReturnValue:
    """Deactivate (its sessions end at once) or reactivate an account."""
    user = db.get_or_404(User, user_id)
    if ConfirmForm().validate_on_submit():
        with form_errors() as saved:
            services.set_active(user, request.form.get("active") == "1", by=current_user)
        if saved.ok:
            flash(_("Đã mở khóa tài khoản.") if user.active else _("Đã khóa tài khoản."),
                  "success")
    return redirect(url_for("admin.user_show", user_id=user.id))


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
@roles_required(ADMIN_ROLES)
def user_reset_link(user_id: int) -> ResponseReturnValue:
    """A new one-time password link for the user, shown to the admin (there is no mail)."""
    user = db.get_or_404(User, user_id)
    if not user.active:
        flash(_("Tài khoản đang bị khóa: hãy mở khóa trước."), "warning")
        return redirect(url_for("admin.user_show", user_id=user.id))
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("admin.user_show", user_id=user.id))
    token = create_reset_link(user, by=current_user)
    return _link_page(user, token)


@bp.route("/contacts/<int:contact_id>/erase", methods=["GET", "POST"])
@roles_required(ADMIN_ROLES)
def contact_erase(contact_id: int) -> ResponseReturnValue:
    """Erase a contact person on request (Decree 13/2023): confirm, then anonymise."""
    contact = db.get_or_404(Contact, contact_id)
    form = EraseContactForm()
    if form.validate_on_submit():
        with form_errors(category="warning") as saved:
            rows = services.erase_contact(contact, by=current_user)
        if saved.ok:
            flash(_("Đã xóa dữ liệu của người liên hệ #%(id)d (và ở %(n)d dòng lịch sử).",
                    id=contact_id, n=rows), "success")
        return redirect(url_for("firms.show", firm_id=contact.firm_id, _anchor="contacts"))
    return render_template("admin/contact_erase.html", form=form, contact=contact,
                           erased=services.is_erased(contact),
                           history_rows=services.contact_history_rows(contact))
