"""The firm's B2B meetings in the enterprise portal: suggested counterparts, requests both
ways, its agenda. An enterprise user reaches only its own firm's events and requests
(another firm's: a logged 404)."""

from __future__ import annotations

import logging

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm.auth.policy import roles_required
from crm.extensions import db
from crm.meetings import PRIORITY_LABELS, firm_queries, reason_text
from crm.meetings import requests as meeting_requests
from crm.models import EventFirm, MeetingEvent, MeetingRequest
from crm.portal import bp
from crm.unit_of_work import form_errors

log = logging.getLogger("crm.access")
ENTERPRISE = frozenset({"enterprise"})


def _own_participation(event_id: int) -> tuple[MeetingEvent, EventFirm]:
    """The event and the firm's place in it; an event the firm is not in is a logged 404."""
    if current_user.firm_id is None:
        abort(404)
    event = db.session.get(MeetingEvent, event_id)
    ef = firm_queries.event_firm_of(event_id, current_user.firm_id) if event else None
    if event is None or ef is None:
        if event is not None:
            log.warning("enterprise user %s tried meeting event %s from %s", current_user.id,
                        event_id, request.remote_addr)
        abort(404)
    return event, ef


def _own_request(request_id: int) -> MeetingRequest:
    """A request of the user's firm; another firm's is a logged 404."""
    req = db.session.get(MeetingRequest, request_id)
    if req is None or current_user.firm_id is None \
            or req.event_firm.firm_id != current_user.firm_id:
        if req is not None:
            log.warning("enterprise user %s tried meeting request %s from %s", current_user.id,
                        request_id, request.remote_addr)
        abort(404)
    return req


@bp.route("/meetings")
@roles_required(ENTERPRISE)
def meetings() -> ResponseReturnValue:
    """The events where the firm has B2B meetings."""
    if current_user.firm_id is None:
        abort(404)
    return render_template("portal/meetings.html",
                           events=firm_queries.firm_events(current_user.firm_id))


@bp.route("/meetings/<int:event_id>")
@roles_required(ENTERPRISE)
def meeting_event(event_id: int) -> ResponseReturnValue:
    """One event: agenda, requests to answer, suggestions, requests sent."""
    event, ef = _own_participation(event_id)
    return render_template("portal/meeting_event.html", event=event, ef=ef,
                           page=firm_queries.firm_event_page(event, ef), reason_text=reason_text,
                           priorities=PRIORITY_LABELS)


@bp.route("/meetings/<int:event_id>/request", methods=["POST"])
@roles_required(ENTERPRISE)
def request_meeting(event_id: int) -> ResponseReturnValue:
    """The firm asks a counterpart for a meeting, with a priority."""
    event, ef = _own_participation(event_id)
    counterpart_id = request.form.get("counterpart_id", type=int) or 0
    priority = request.form.get("priority", "meet")
    with form_errors() as saved:
        meeting_requests.create_request(event, ef.id, counterpart_id, "firm", by=current_user,
                                        priority=priority)
    if saved.ok:
        flash(_("Đã ghi: doanh nghiệp không muốn gặp đối tác này.") if priority == "not"
              else _("Đã gửi đề nghị gặp."), "success")
    return redirect(url_for("portal.meeting_event", event_id=event.id))


@bp.route("/meetings/requests/<int:request_id>/answer", methods=["POST"])
@roles_required(ENTERPRISE)
def answer_meeting_request(request_id: int) -> ResponseReturnValue:
    """Accept or decline a request made to the firm."""
    req = _own_request(request_id)
    accept = request.form.get("accept") == "1"
    firm = req.event_firm.firm
    with form_errors() as saved:
        meeting_requests.answer_request(req, accept, by=current_user, firm=firm)
    if saved.ok:
        flash(_("Đã chấp nhận đề nghị.") if accept else _("Đã từ chối đề nghị."), "success")
    return redirect(url_for("portal.meeting_event", event_id=req.event_id))
