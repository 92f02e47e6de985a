"""The firm's inbox in the enterprise portal: alerts and reminders, read, "Đã nắm",
"Cần hỗ trợ". An enterprise user sees its own firm's messages only (another's: 404)."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import paging
from crm.auth.policy import roles_required
from crm.extensions import db
from crm.messaging import queries, services
from crm.models import Message
from crm.portal import bp
from crm.unit_of_work import form_errors, unit_of_work

log = logging.getLogger("crm.access")
ENTERPRISE = frozenset({"enterprise"})
PER_PAGE = 25


@bp.app_context_processor
def _unread() -> dict[str, Any]:
    # The portal menu shows the count on every page an enterprise user opens: one indexed
    # count, only for them (staff pages run no query for it).
    if (getattr(current_user, "is_authenticated", False) and current_user.role == "enterprise"
            and current_user.firm_id is not None):
        return {"portal_unread": queries.unread_count(current_user.firm_id)}
    return {}


def _own_message(message_id: int) -> Message:
    """The message, only if it belongs to the user's firm; another firm's is a logged 404."""
    message = db.session.get(Message, message_id)
    if message is None or current_user.firm_id is None \
            or message.firm_id != current_user.firm_id:
        if message is not None:
            log.warning("enterprise user %s tried message %s of firm %s from %s",
                        current_user.id, message_id, message.firm_id, request.remote_addr)
        abort(404)
    return message


@bp.route("/inbox")
@roles_required(ENTERPRISE)
def inbox() -> ResponseReturnValue:
    """The firm's messages, newest first, unread ones marked."""
    if current_user.firm_id is None:
        abort(404)
    page = paging.paginate(queries.inbox(current_user.firm_id), per_page=PER_PAGE)
    return render_template("portal/inbox.html", page=page)


@bp.route("/inbox/<int:message_id>")
@roles_required(ENTERPRISE)
def message(message_id: int) -> ResponseReturnValue:
    """One message; opening it marks it read."""
    item = _own_message(message_id)
    if item.read_at is None:
        with unit_of_work():  # a GET that writes: opening the message marks it read
            services.mark_read(item, by=current_user)
    return render_template("portal/message.html", message=item)


@bp.route("/inbox/<int:message_id>/acknowledge", methods=["POST"])
@roles_required(ENTERPRISE)
def acknowledge(message_id: int) -> ResponseReturnValue:
    """"Đã nắm"."""
    item = _own_message(message_id)
    services.acknowledge(item, by=current_user)
    flash(_("Đã ghi nhận doanh nghiệp đã nắm thông tin."), "success")
    return redirect(url_for("portal.message", message_id=item.id))


@bp.route("/inbox/<int:message_id>/help", methods=["POST"])
@roles_required(ENTERPRISE)
def ask_for_help(message_id: int) -> ResponseReturnValue:
    """"Cần hỗ trợ": an officer is asked to contact the firm."""
    item = _own_message(message_id)
    with form_errors() as saved:
        services.request_help(item, by=current_user, note=request.form.get("note"))
    if saved.ok:
        flash(_("Đã gửi đề nghị hỗ trợ. Cán bộ phụ trách sẽ liên hệ với doanh nghiệp."),
              "success")
    return redirect(url_for("portal.message", message_id=item.id))
