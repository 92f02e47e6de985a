"""Views of the B2B meetings: event setup, participants, suggestions, requests, agenda."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from crm import clock
from crm.auth.policy import READ_ROLES, WRITE_ROLES, roles_required
from crm.extensions import db
from crm.meetings import (
    KIND_LABELS,
    MEETING_STATUS_LABELS,
    bp,
    officer_routes,
    queries,
    reason_text,
    reminders,
    services,
)
from crm.meetings.forms import (
    ActionForm,
    CounterpartForm,
    EventForm,
    InterpreterForm,
    MarkForm,
    SessionForm,
)
from crm.meetings.forms_schedule import RoomsForm
from crm.meetings.rooms import room_name, rooms_text
from crm.models import EventFirm, Meeting, MeetingEvent, MeetingRequest, Opportunity
from crm.unit_of_work import form_errors


def _errors(form: FlaskForm) -> None:
    """Flash field errors of a form posted from a page that is redirected back to."""
    for field in form:
        for message in field.errors:
            flash(f"{field.label.text}: {message}", "danger")


@bp.route("/opportunity/<int:opportunity_id>")
@roles_required(READ_ROLES)
def for_opportunity(opportunity_id: int) -> ResponseReturnValue:
    """The meeting events of an opportunity."""
    opp = db.get_or_404(Opportunity, opportunity_id)
    return render_template("meetings/list.html", opp=opp, events=queries.events_of(opp.id))


@bp.route("/opportunity/<int:opportunity_id>/new", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def new(opportunity_id: int) -> ResponseReturnValue:
    """Create a meeting event under an opportunity."""
    opp = db.get_or_404(Opportunity, opportunity_id)
    form = EventForm()
    if request.method == "GET":
        form.name.data = _("Gặp gỡ B2B: %(title)s", title=opp.title)
        form.location.data = opp.location
    if form.validate_on_submit():
        with form_errors(form) as saved:
            event = services.create_event(opp, form.data, by=current_user)
        if saved.ok:
            flash(_("Đã tạo sự kiện gặp gỡ."), "success")
            return redirect(url_for("meetings.show", event_id=event.id))
    return render_template("meetings/new.html", opp=opp, form=form)


@bp.route("/<int:event_id>")
@roles_required(READ_ROLES)
def show(event_id: int) -> ResponseReturnValue:
    """Event setup: sessions and interpreters."""
    event = db.get_or_404(MeetingEvent, event_id)
    return render_template("meetings/show.html", event=event, session_form=SessionForm(),
                           interpreter_form=InterpreterForm(),
                           rooms_form=RoomsForm(rooms=rooms_text(event)))


@bp.route("/<int:event_id>/sessions", methods=["POST"])
@roles_required(WRITE_ROLES)
def add_session(event_id: int) -> ResponseReturnValue:
    """Add a session."""
    event = db.get_or_404(MeetingEvent, event_id)
    form = SessionForm()
    if form.validate_on_submit():
        with form_errors() as saved:
            services.add_session(event, form.day.data, form.starts_at.data, form.ends_at.data,
                                 form.slot_minutes.data)
        if saved.ok:
            flash(_("Đã thêm phiên."), "success")
    else:
        _errors(form)
    return redirect(url_for("meetings.show", event_id=event.id))


@bp.route("/<int:event_id>/interpreters", methods=["POST"])
@roles_required(WRITE_ROLES)
def add_interpreter(event_id: int) -> ResponseReturnValue:
    """Add an interpreter."""
    event = db.get_or_404(MeetingEvent, event_id)
    form = InterpreterForm()
    if form.validate_on_submit():
        with form_errors() as saved:
            services.add_interpreter(event, form.data)
        if saved.ok:
            flash(_("Đã thêm phiên dịch viên."), "success")
    else:
        _errors(form)
    return redirect(url_for("meetings.show", event_id=event.id))


def _counterpart_form(form: CounterpartForm) -> CounterpartForm:
    from crm.display import country_name
    from crm.partners.queries import country_choices

    form.kind.choices = [(k, str(v)) for k, v in KIND_LABELS.items()]
    form.country_code.choices = [("", _("— chọn quốc gia —")), *sorted(
        ((c, f"{country_name(c)} ({c})") for c in country_choices()), key=lambda p: p[1])]
    form.partner_id.choices = [(0, "—"), *((p.id, p.name) for p in queries.active_partners())]
    return form


@bp.route("/<int:event_id>/participants", methods=["GET", "POST"])
@roles_required(READ_ROLES)
def participants(event_id: int) -> ResponseReturnValue:
    """The firms and counterparts of the event; officers add counterparts here."""
    event = db.get_or_404(MeetingEvent, event_id)
    form = _counterpart_form(CounterpartForm())
    if request.method == "POST":
        if current_user.role not in WRITE_ROLES:
            abort(403)
        if form.validate_on_submit():
            with form_errors(form) as saved:
                services.add_counterpart(event, form.data)
            if saved.ok:
                flash(_("Đã thêm đối tác."), "success")
                return redirect(url_for("meetings.participants", event_id=event.id))
    return render_template("meetings/participants.html", event=event, form=form,
                           action_form=ActionForm(),
                           without=reminders.firms_without_meetings(event))


@bp.route("/<int:event_id>/participants/firms", methods=["POST"])
@roles_required(WRITE_ROLES)
def add_firms(event_id: int) -> ResponseReturnValue:
    """Add the opportunity's confirmed firms."""
    event = db.get_or_404(MeetingEvent, event_id)
    if ActionForm().validate_on_submit():
        with form_errors() as saved:
            added = services.add_confirmed_firms(event)
        if saved.ok:
            flash(_("Đã thêm %(n)s doanh nghiệp.", n=added), "success")
    return redirect(url_for("meetings.participants", event_id=event.id))


@bp.route("/<int:event_id>/participants/remind", methods=["POST"])
@roles_required(WRITE_ROLES)
def remind_firms(event_id: int) -> ResponseReturnValue:
    """Invite the firms without meetings to request some (once a day per firm)."""
    event = db.get_or_404(MeetingEvent, event_id)
    if ActionForm().validate_on_submit():
        with form_errors() as saved:
            sent = reminders.nudge_event(event, by=current_user, today=clock.today())
        if saved.ok:
            if sent:
                flash(_("Đã gửi lời nhắc tới các doanh nghiệp chưa có cuộc gặp: %(n)s.",
                        n=format_number(sent)), "success")
            else:
                flash(_("Không có lời nhắc mới: các doanh nghiệp chưa có cuộc gặp đã được "
                        "nhắc hôm nay."), "info")
    return redirect(url_for("meetings.participants", event_id=event.id))


@bp.route("/<int:event_id>/firms/<int:event_firm_id>/suggestions")
@roles_required(READ_ROLES)
def suggestions(event_id: int, event_firm_id: int) -> ResponseReturnValue:
    """Counterparts ranked for one firm, with reasons."""
    event = db.get_or_404(MeetingEvent, event_id)
    ef = db.get_or_404(EventFirm, event_firm_id)
    if ef.event_id != event.id:
        abort(404)
    return render_template("meetings/suggestions.html", event=event, ef=ef,
                           rows=queries.suggestions(event, ef), reason_text=reason_text,
                           action_form=ActionForm())


@bp.route("/<int:event_id>/requests", methods=["GET", "POST"])
@roles_required(READ_ROLES)
def requests(event_id: int) -> ResponseReturnValue:
    """The event's meeting requests; POST makes one (from a suggestion)."""
    event = db.get_or_404(MeetingEvent, event_id)
    if request.method == "POST":
        if current_user.role not in WRITE_ROLES:
            abort(403)
        ef_id = request.form.get("event_firm_id", type=int) or 0
        cp_id = request.form.get("counterpart_id", type=int) or 0
        by = request.form.get("requested_by", "officer")
        priority = request.form.get("priority", "meet")
        expires_on = request.form.get("expires_on", "")

        if ActionForm().validate_on_submit():
            with form_errors() as saved:
                services.request_meeting(event, ef_id, cp_id, by, current_user, priority,
                                         officer_routes.expiry_field(expires_on))
            if saved.ok:
                flash(_("Đã gửi đề nghị gặp."), "success")
        back = request.form.get("back") == "suggestions" and ef_id
        return redirect(url_for("meetings.suggestions", event_id=event.id,
                                event_firm_id=ef_id) if back
                        else url_for("meetings.requests", event_id=event.id))
    return render_template("meetings/requests.html", event=event,
                           rows=queries.event_requests(event), action_form=ActionForm(),
                           **officer_routes.requests_page_extras(event))


@bp.route("/requests/<int:request_id>/answer", methods=["POST"])
@roles_required(WRITE_ROLES)
def answer(request_id: int) -> ResponseReturnValue:
    """Accept or decline a request (officers on behalf of either side)."""
    req = db.get_or_404(MeetingRequest, request_id)
    if ActionForm().validate_on_submit():
        accept = request.form.get("accept") == "1"
        with form_errors() as saved:
            services.answer_request(req, accept, by=current_user)
        if saved.ok:
            flash(_("Đã chấp nhận đề nghị.") if accept else _("Đã từ chối đề nghị."), "success")
    return redirect(url_for("meetings.requests", event_id=req.event_id))


@bp.route("/<int:event_id>/agenda")
@roles_required(READ_ROLES)
def agenda(event_id: int) -> ResponseReturnValue:
    """The agenda per day and table."""
    event = db.get_or_404(MeetingEvent, event_id)
    form = MarkForm()
    form.status.choices = [(k, str(v)) for k, v in MEETING_STATUS_LABELS.items()]
    return render_template("meetings/agenda.html", event=event, days=queries.agenda(event),
                           action_form=ActionForm(), mark_form=form,
                           rooms={t: room_name(event, t) for t in range(1, event.tables + 1)})


@bp.route("/<int:event_id>/agenda/build", methods=["POST"])
@roles_required(WRITE_ROLES)
def build(event_id: int) -> ResponseReturnValue:
    """Schedule the accepted requests; meetings held or missed stay where they were."""
    event = db.get_or_404(MeetingEvent, event_id)
    if ActionForm().validate_on_submit():
        with form_errors() as saved:
            result = services.build_agenda(event)
        if saved.ok:
            flash(_("Đã xếp %(placed)s/%(accepted)s đề nghị đã chấp nhận (tối đa có thể: "
                    "%(bound)s; giữ nguyên %(kept)s cuộc gặp đã diễn ra, đã công bố hoặc đã "
                    "dời bằng tay; bộ xếp lịch: %(engine)s).",
                    placed=result.agenda.placed + result.kept, accepted=result.accepted,
                    bound=result.agenda.upper_bound + result.kept, kept=result.kept,
                    engine=result.agenda.engine), "success")
    return redirect(url_for("meetings.agenda", event_id=event.id))


@bp.route("/meeting/<int:meeting_id>/mark", methods=["POST"])
@roles_required(WRITE_ROLES)
def mark(meeting_id: int) -> ResponseReturnValue:
    """Mark a meeting held, no-show or cancelled, with a note."""
    meeting = db.get_or_404(Meeting, meeting_id)
    form = MarkForm()
    form.status.choices = [(k, str(v)) for k, v in MEETING_STATUS_LABELS.items()]
    if form.validate_on_submit():
        with form_errors() as saved:
            services.mark_meeting(meeting, form.status.data, form.note.data, current_user)
        if saved.ok:
            flash(_("Đã ghi kết quả cuộc gặp."), "success")
    return redirect(url_for("meetings.agenda", event_id=meeting.session.event_id))
