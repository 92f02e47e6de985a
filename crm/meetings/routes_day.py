"""Views of agendas (printable, .xlsx, .ics) and of the meeting day and after: check-in,
held / no-show, feedback, outcomes, the event's results. Officers under /meetings/<id>/...,
enterprise users under /meetings/portal/... for their own firm only (another firm's: 404).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from babel.dates import format_time
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from crm import audit, clock
from crm.auth.policy import READ_ROLES, WRITE_ROLES, roles_required
from crm.extensions import db
from crm.meetings import attendance as att
from crm.meetings import bp, day_queries, exports
from crm.meetings.attendance import NEXT_STEP_LABELS
from crm.meetings.forms import ActionForm
from crm.meetings.forms_day import FeedbackForm, OutcomeForm
from crm.models import Counterpart, EventFirm, Meeting, MeetingEvent
from crm.unit_of_work import form_errors, unit_of_work

log = logging.getLogger("crm.access")
ENTERPRISE = frozenset({"enterprise"})


@bp.app_template_filter("slot_time")
def slot_time(value: Any) -> str:
    """A wall-clock time of the venue, per the interface language ("09:30", "9:30 AM");
    never shifted to the user's zone, unlike Flask-Babel's timeformat."""
    return format_time(value, "short", locale=get_locale())


def _domain() -> str:
    return request.host.split(":")[0] or "localhost"


def _party(event: MeetingEvent) -> tuple[EventFirm | None, Counterpart | None]:
    """The participant named by ?firm= (event firm id) or ?counterpart=, checked."""
    ef_id = request.args.get("firm", type=int)
    cp_id = request.args.get("counterpart", type=int)
    ef = db.session.get(EventFirm, ef_id) if ef_id else None
    cp = db.session.get(Counterpart, cp_id) if cp_id else None
    if (ef_id and (ef is None or ef.event_id != event.id)) or (
            cp_id and (cp is None or cp.event_id != event.id)):
        abort(404)
    return ef, cp


def _title(event: MeetingEvent, ef: EventFirm | None, cp: Counterpart | None) -> str:
    if ef is not None:
        return ef.firm.name
    if cp is not None:
        return cp.name
    return event.name


def _viewpoint(ef: EventFirm | None, cp: Counterpart | None) -> str:
    return "firm" if ef is not None else "counterpart" if cp is not None else "event"


def _print_page(event: MeetingEvent, ef: EventFirm | None, cp: Counterpart | None,
                ics_url: str) -> str:
    items = day_queries.agenda_items(event, event_firm=ef, counterpart=cp)
    days: dict[date, list[day_queries.AgendaItem]] = {}
    for item in items:
        days.setdefault(item.day, []).append(item)
    return render_template("meetings/print.html", event=event, ef=ef, cp=cp, days=days,
                           who=_title(event, ef, cp), viewpoint=_viewpoint(ef, cp),
                           ics_url=ics_url, today=clock.today())


def _ics(event: MeetingEvent, ef: EventFirm | None, cp: Counterpart | None) -> Response:
    items = day_queries.agenda_items(event, event_firm=ef, counterpart=cp)
    who = _title(event, ef, cp)
    name = f"{event.name} {exports.DASH} {who}" if ef or cp else who
    body = exports.agenda_ics(event, items, viewpoint=_viewpoint(ef, cp), domain=_domain(),
                              calendar_name=name)
    # Every file the app writes is in the audit trail (Decree 13/2023, crm/audit.py).
    with unit_of_work():  # a GET: the export's audit event is committed before the file
        audit.record_export("meeting_agenda_ics", "meeting_event", event.id, format="ics",
                            rows=len(items), personal_data=[],
                            firm=ef.firm_id if ef else None,
                            counterpart=cp.id if cp else None)
    resp = Response(body, mimetype=exports.ICS_MIMETYPE)
    resp.headers.set("Content-Disposition", "attachment",
                     filename=exports.filename("lich-gap", who, "ics"))
    return resp


# --- officers: agendas -----------------------------------------------------------------------

@bp.route("/<int:event_id>/agenda/print")
@roles_required(READ_ROLES)
def agenda_print(event_id: int) -> ResponseReturnValue:
    """The printable agenda (A4) of the event, or of one firm / counterpart."""
    event = db.get_or_404(MeetingEvent, event_id)
    ef, cp = _party(event)
    return _print_page(event, ef, cp, url_for("meetings.agenda_ics", event_id=event.id,
                                              **request.args))


@bp.route("/<int:event_id>/agenda.ics")
@roles_required(READ_ROLES)
def agenda_ics(event_id: int) -> ResponseReturnValue:
    """The agenda of a firm or counterpart (or the whole event) as an iCalendar file."""
    event = db.get_or_404(MeetingEvent, event_id)
    ef, cp = _party(event)
    return _ics(event, ef, cp)


@bp.route("/<int:event_id>/agenda.xlsx")
@roles_required(READ_ROLES)
def agenda_xlsx(event_id: int) -> ResponseReturnValue:
    """Every meeting of the event as a workbook, for the organiser."""
    event = db.get_or_404(MeetingEvent, event_id)
    items = day_queries.agenda_items(event, with_cancelled=True)
    figures = day_queries.event_figures(event)
    cover = [(_("Số cuộc gặp"), figures.scheduled), (_("Đã gặp"), figures.held),
             (_("Vắng mặt"), figures.no_show)]
    body = exports.agenda_xlsx(event, items, cover)
    with unit_of_work():  # a GET: the export's audit event is committed before the file
        audit.record_export("meeting_agenda", "meeting_event", event.id, format="xlsx",
                            rows=len(items), personal_data=[])
    resp = Response(body, mimetype=exports.XLSX_MIMETYPE)
    resp.headers.set("Content-Disposition", "attachment",
                     filename=exports.filename("lich-gap", event.name, "xlsx"))
    return resp


# --- officers: the day -----------------------------------------------------------------------

@bp.route("/<int:event_id>/day")
@roles_required(READ_ROLES)
def day(event_id: int) -> ResponseReturnValue:
    """On the day: check-in, held / no-show of each meeting, feedback; the event's results."""
    event = db.get_or_404(MeetingEvent, event_id)
    days = day_queries.event_days(event)
    chosen = None
    if request.args.get("day"):
        try:
            chosen = date.fromisoformat(request.args["day"])
        except ValueError:
            abort(404)
        if chosen not in days:
            abort(404)
    elif days:
        today = clock.today()
        chosen = today if today in days else days[0]
    items = [i for i in day_queries.agenda_items(event, with_cancelled=True)
             if i.day == chosen]
    firms_in, cps_in = day_queries.checked_in(event, chosen) if chosen else (set(), set())
    return render_template(
        "meetings/day.html", event=event, days=days, chosen=chosen, items=items,
        firms_in=firms_in, cps_in=cps_in, figures=day_queries.event_figures(event),
        feedback=day_queries.feedback_by_meeting([i.meeting.id for i in items]),
        action_form=ActionForm(), next_step_labels=NEXT_STEP_LABELS)


@bp.route("/<int:event_id>/checkin", methods=["POST"])
@roles_required(WRITE_ROLES)
def checkin(event_id: int) -> ResponseReturnValue:
    """Check a firm or counterpart in (or undo it) on a day."""
    event = db.get_or_404(MeetingEvent, event_id)
    on = request.form.get("day", "")
    try:
        chosen = date.fromisoformat(on)
    except ValueError:
        abort(400)
    if ActionForm().validate_on_submit():
        with form_errors():
            att.check_in(event, chosen,
                         event_firm_id=request.form.get("event_firm_id", type=int),
                         counterpart_id=request.form.get("counterpart_id", type=int),
                         by=current_user, undo=request.form.get("undo") == "1")
    return redirect(url_for("meetings.day", event_id=event.id, day=chosen.isoformat()))


@bp.route("/meeting/<int:meeting_id>/answer", methods=["POST"])
@roles_required(WRITE_ROLES)
def answer_meeting(meeting_id: int) -> ResponseReturnValue:
    """An officer records one side's answer: held or no-show."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if ActionForm().validate_on_submit():
        with form_errors() as saved:
            att.answer(meeting, request.form.get("side", ""), request.form.get("value", ""),
                       current_user)
        if saved.ok:
            flash(_("Đã ghi kết quả cuộc gặp."), "success")
    return redirect(url_for("meetings.day", event_id=meeting.session.event_id,
                            day=meeting.session.day.isoformat()))


def _meeting_page(meeting: Meeting, template: str, *, given_by: str,
                  back: str) -> ResponseReturnValue:
    """Feedback (and, for officers, outcomes) of one meeting: GET shows, POST saves."""
    existing = day_queries.feedback_of(meeting)
    form = FeedbackForm(obj=existing)
    outcome_form = OutcomeForm(prefix="outcome")
    if request.method == "POST" and request.form.get("what") == "feedback":
        if form.validate_on_submit():
            with form_errors(form) as saved:
                att.save_feedback(meeting, {"interest": form.interest.data,
                                            "next_step": form.next_step.data,
                                            "note": form.note.data},
                                  given_by=given_by, by=current_user)
            if saved.ok:
                flash(_("Đã lưu phản hồi."), "success")
                return redirect(back)
    elif request.method == "POST" and request.form.get("what") == "outcome":
        if given_by != "officer":
            abort(403)
        if outcome_form.validate_on_submit():
            with form_errors(outcome_form) as saved:
                att.record_outcomes(meeting, {
                    "contract_value_usd": outcome_form.contract_value_usd.data,
                    "new_market": outcome_form.new_market.data}, by=current_user)
            if saved.ok:
                flash(_("Đã ghi kết quả."), "success")
                return redirect(request.url)
    items = [i for i in day_queries.agenda_items(meeting.session.event, with_cancelled=True)
             if i.meeting.id == meeting.id]
    return render_template(template, meeting=meeting, mi=items[0], event=meeting.session.event,
                           form=form, outcome_form=outcome_form, feedback=existing,
                           outcomes=att.meeting_outcomes(meeting), action_form=ActionForm(),
                           back=back, given_by=given_by,
                           answerable=att.its_day_has_come(meeting))


@bp.route("/meeting/<int:meeting_id>/feedback", methods=["GET", "POST"])
@roles_required(READ_ROLES)
def feedback(meeting_id: int) -> ResponseReturnValue:
    """Feedback and outcomes of a held meeting, entered by an officer."""
    meeting = db.get_or_404(Meeting, meeting_id)
    if request.method == "POST" and current_user.role not in WRITE_ROLES:
        abort(403)
    back = url_for("meetings.day", event_id=meeting.session.event_id,
                   day=meeting.session.day.isoformat())
    return _meeting_page(meeting, "meetings/feedback.html", given_by="officer", back=back)


# --- enterprise portal -----------------------------------------------------------------------

def _own_event_firm(event_id: int) -> tuple[MeetingEvent, EventFirm]:
    """The event and the user's firm in it; an event the firm is not in is a 404."""
    event = db.get_or_404(MeetingEvent, event_id)
    ef = day_queries.event_firm_of(event, current_user.firm_id)
    if ef is None:
        log.warning("enterprise user %s tried the agenda of event %s from %s",
                    current_user.id, event_id, request.remote_addr)
        abort(404)
    return event, ef


def _own_meeting(meeting_id: int) -> Meeting:
    meeting = db.get_or_404(Meeting, meeting_id)
    if meeting.request.event_firm.firm_id != current_user.firm_id:
        log.warning("enterprise user %s tried meeting %s from %s", current_user.id,
                    meeting_id, request.remote_addr)
        abort(404)
    return meeting


@bp.route("/portal/<int:event_id>/agenda/print")
@roles_required(ENTERPRISE)
def portal_agenda_print(event_id: int) -> ResponseReturnValue:
    """The firm's own printable agenda."""
    event, ef = _own_event_firm(event_id)
    return _print_page(event, ef, None, url_for("meetings.portal_agenda_ics",
                                                event_id=event.id))


@bp.route("/portal/<int:event_id>/agenda.ics")
@roles_required(ENTERPRISE)
def portal_agenda_ics(event_id: int) -> ResponseReturnValue:
    """The firm's own agenda as an iCalendar file."""
    event, ef = _own_event_firm(event_id)
    return _ics(event, ef, None)


@bp.route("/portal/meeting/<int:meeting_id>", methods=["GET", "POST"])
@roles_required(ENTERPRISE)
def portal_meeting(meeting_id: int) -> ResponseReturnValue:
    """The firm's "did it happen?" and its feedback on one of its meetings."""
    meeting = _own_meeting(meeting_id)
    back = url_for("meetings.portal_meeting", meeting_id=meeting.id)
    return _meeting_page(meeting, "meetings/feedback.html", given_by="firm", back=back)


@bp.route("/portal/meeting/<int:meeting_id>/answer", methods=["POST"])
@roles_required(ENTERPRISE)
def portal_answer(meeting_id: int) -> ResponseReturnValue:
    """The firm says whether its meeting was held (one "no" marks a no-show)."""
    meeting = _own_meeting(meeting_id)
    if ActionForm().validate_on_submit():
        with form_errors() as saved:
            att.answer(meeting, "firm", request.form.get("value", ""), current_user)
        if saved.ok:
            flash(_("Đã ghi kết quả cuộc gặp."), "success")
    return redirect(url_for("meetings.portal_meeting", meeting_id=meeting.id))
