"""Views of the agenda's life: publish it (final) and move a meeting by hand."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_time
from flask_babel import gettext as _

from crm.auth.policy import WRITE_ROLES, roles_required
from crm.errors import UserError
from crm.extensions import db
from crm.meetings import agenda as agenda_services
from crm.meetings import bp
from crm.meetings.forms import ActionForm
from crm.meetings.forms_schedule import MoveForm, RoomsForm
from crm.meetings.rooms import set_rooms
from crm.models import Meeting, MeetingEvent
from crm.unit_of_work import form_errors


@bp.route("/<int:event_id>/agenda/publish", methods=["POST"])
@roles_required(WRITE_ROLES)
def publish(event_id: int) -> ResponseReturnValue:
    """Make the agenda final: its meetings are never moved by a re-run."""
    event = db.get_or_404(MeetingEvent, event_id)
    if ActionForm().validate_on_submit():
        with form_errors() as saved:
            count = agenda_services.publish_agenda(event)
        if saved.ok:
            flash(_("Đã công bố lịch gặp chính thức (%(n)s cuộc gặp mới công bố).", n=count),
                  "success")
    return redirect(url_for("meetings.agenda", event_id=event.id))


@bp.route("/<int:event_id>/rooms", methods=["POST"])
@roles_required(WRITE_ROLES)
def save_rooms(event_id: int) -> ResponseReturnValue:
    """Group the tables in rooms: the next agenda leaves a free slot on a room change."""
    event = db.get_or_404(MeetingEvent, event_id)
    form = RoomsForm()
    if form.validate_on_submit():
        with form_errors() as saved:
            set_rooms(event, form.rooms.data)
        if saved.ok:
            flash(_("Đã lưu các phòng. Lịch xếp lần sau sẽ chừa một lượt trống khi một bên "
                    "phải đổi phòng."), "success")
    return redirect(url_for("meetings.show", event_id=event.id))


def _slot_choices(event: MeetingEvent) -> list[tuple[str, str]]:
    return [(f"{s.id}:{i}", f"{s.day.strftime('%d/%m/%Y')} {format_time(s.slot_start(i), 'HH:mm')}")
            for s, i in agenda_services.event_slots(event)]


@bp.route("/meeting/<int:meeting_id>/move", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def move(meeting_id: int) -> ResponseReturnValue:
    """Move a meeting to another slot and/or table; a conflict is shown next to the field."""
    meeting = db.get_or_404(Meeting, meeting_id)
    event = meeting.session.event
    form = MoveForm()
    form.slot.choices = _slot_choices(event)
    if not form.is_submitted():
        form.slot.data = f"{meeting.session_id}:{meeting.slot_index}"
        form.table_no.data = meeting.table_no
    if form.validate_on_submit():
        # A conflict of no field of this form goes next to the slot.
        with form_errors(form, fallback="slot") as saved:
            session_id, _sep, index = (form.slot.data or "").partition(":")
            if not (session_id.isdigit() and index.isdigit()):
                raise UserError(_("Lượt gặp không thuộc sự kiện này."), field="slot")
            agenda_services.move_meeting(meeting, int(session_id), int(index),
                                         form.table_no.data)
        if saved.ok:
            flash(_("Đã dời cuộc gặp."), "success")
            return redirect(url_for("meetings.agenda", event_id=event.id))
        meeting = db.session.get(Meeting, meeting_id)  # as it was before the refused move
        if meeting is None:
            abort(404)
    return render_template("meetings/move.html", event=meeting.session.event, meeting=meeting,
                           form=form)
