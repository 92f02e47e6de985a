"""Enterprise portal views: a firm's dashboard, documents and opportunities; joining."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user

from crm import clock, storage
from crm.auth.policy import READ_ROLES, firm_or_404, roles_required
from crm.extensions import db
from crm.models import Certification, Document, Firm, Opportunity
from crm.models.base import utcnow
from crm.portal import bp, queries, services
from crm.portal.forms import AcceptInvitationForm, DocumentForm, RegistrationForm
from crm.unit_of_work import form_errors
from crm.validators import row_id

log = logging.getLogger("crm.access")
ENTERPRISE = frozenset({"enterprise"})


def _today() -> date:
    """Today in Vietnam: certificate expiry is a calendar date there."""
    return clock.today()


def _own_firm() -> Firm:
    """The enterprise user's own firm."""
    if current_user.firm_id is None:
        abort(404)
    return firm_or_404(current_user.firm_id)


def _own_or_404(model: type, item_id: int, firm: Firm) -> Any:
    """A row of `model` only if it belongs to `firm`; another firm's id is a logged 404."""
    item = db.session.get(model, item_id)
    if item is None or item.firm_id != firm.id:
        if item is not None:
            log.warning("enterprise user %s tried %s %s of firm %s from %s", current_user.id,
                        model.__name__, item_id, item.firm_id, request.remote_addr)
        abort(404)
    return item


# --- the firm's own pages -----------------------------------------------------------------

@bp.route("/")
@roles_required(ENTERPRISE)
def dashboard() -> ResponseReturnValue:
    """What the firm should look at: completeness, freshness, expiring certificates."""
    firm = _own_firm()
    today = _today()
    score, items = queries.completeness(firm, today)
    return render_template(
        "portal/dashboard.html", firm=firm, score=score, items=items, today=today,
        stale=queries.is_stale(firm, utcnow()),
        expiring=queries.expiring_certificates(firm, today),
        pending=queries.pending_changes_count(firm),
        declared=queries.declared_certifications(firm),
        documents=queries.documents_of(firm),
    )


@bp.route("/confirm", methods=["POST"])
@roles_required(ENTERPRISE)
def confirm() -> ResponseReturnValue:
    """'My profile is still correct.'"""
    firm = _own_firm()
    services.confirm_profile(firm)
    flash(_("Cảm ơn! Đã ghi nhận hồ sơ vẫn đúng."), "success")
    return redirect(url_for("portal.dashboard"))


@bp.route("/documents", methods=["GET", "POST"])
@roles_required(ENTERPRISE)
def documents() -> ResponseReturnValue:
    """Upload and list certificate scans."""
    firm = _own_firm()
    form = DocumentForm()
    form.certification_id.choices = [("", _("— Chọn chứng nhận —"))] + [
        (str(c.id), f"{c.scheme_code} {c.number or ''}".strip()) for c in firm.certifications
    ]
    if form.validate_on_submit():
        cert = None
        if form.certification_id.data:
            cert_id = row_id(form.certification_id.data)
            if cert_id is None:
                abort(404)
            cert = _own_or_404(Certification, cert_id, firm)
        upload = form.file.data
        with form_errors(form) as saved:
            services.save_document(firm, cert, upload.stream, upload.filename, current_user)
        if saved.ok:
            flash(_("Đã tải lên."), "success")
            return redirect(url_for("portal.documents"))
    return render_template("portal/documents.html", firm=firm, form=form,
                           documents=queries.documents_of(firm))


@bp.route("/documents/<int:document_id>/delete", methods=["POST"])
@roles_required(ENTERPRISE)
def delete_document(document_id: int) -> ResponseReturnValue:
    """Remove one of the firm's scans."""
    firm = _own_firm()
    document = _own_or_404(Document, document_id, firm)
    services.delete_document(document)
    flash(_("Đã xóa."), "success")
    return redirect(url_for("portal.documents"))


@bp.route("/documents/<int:document_id>")
@roles_required(ENTERPRISE | READ_ROLES)
def download(document_id: int) -> ResponseReturnValue:
    """A scan, for its own firm or staff only, always as a download."""
    document = db.get_or_404(Document, document_id)
    firm_or_404(document.firm_id)  # an enterprise user sees only its own firm's files
    return storage.download(services.document_storage(), document.stored_name,
                            document.mime, document.original_filename)


@bp.route("/opportunities")
@roles_required(ENTERPRISE)
def opportunities() -> ResponseReturnValue:
    """Open opportunities: those the firm qualifies for and why, what it lacks for the others."""
    firm = _own_firm()
    rows, ranked = queries.opportunities_for(firm, _today())
    return render_template("portal/opportunities.html", firm=firm, rows=rows, ranked=ranked,
                           entries=queries.entries_of(firm))


@bp.route("/opportunities/<int:opportunity_id>/respond", methods=["POST"])
@roles_required(ENTERPRISE)
def respond(opportunity_id: int) -> ResponseReturnValue:
    """Interested, or decline an invitation."""
    firm = _own_firm()
    opportunity = db.get_or_404(Opportunity, opportunity_id)
    with form_errors() as saved:
        services.respond(firm, opportunity, request.form.get("response", ""), current_user)
    if saved.ok:
        flash(_("Đã gửi phản hồi."), "success")
    return redirect(url_for("portal.opportunities"))


# --- joining: public pages ----------------------------------------------------------------

@bp.route("/invite/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    """Set a password from a one-time invitation link."""
    invitation, state = services.invitation_for(token)
    if state != "valid":
        log.info("invitation link refused: %s", state)
        status = 410 if state in ("expired", "used") else 404
        return render_template("portal/invitation_invalid.html", state=state), status
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        with form_errors(form) as saved:
            user = services.accept_invitation(token, form.name.data, form.password.data,
                                              form.confirm.data)
        if saved.ok:
            login_user(user)
            flash(_("Chào mừng! Tài khoản doanh nghiệp đã được tạo."), "success")
            return redirect(url_for("portal.dashboard"))
    return render_template("portal/accept.html", form=form, invitation=invitation)


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """A firm asks for an account with its tax code."""
    form = RegistrationForm()
    if form.validate_on_submit():
        with form_errors(form) as saved:
            services.register(form.data)
        if saved.ok:
            return render_template("portal/registered.html")
    return render_template("portal/register.html", form=form)
