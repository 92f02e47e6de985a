"""Officers' pages for requests and counterparts: the request quota, officer-proposed
requests with a priority and an expiry, and the counterpart import (dry run, then import)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, StringField

from crm.auth.policy import WRITE_ROLES, roles_required
from crm.errors import UserError
from crm.extensions import db
from crm.imports import services as import_files
from crm.meetings import PRIORITY_LABELS, REQUESTED_BY_LABELS, bp
from crm.meetings import counterparts_import as cp_import
from crm.meetings import requests as meeting_requests
from crm.models import MeetingEvent, MeetingRequest
from crm.models.base import utcnow
from crm.unit_of_work import discard, form_errors

log = logging.getLogger("crm.meetings")
SHOWN_ROWS = 300  # rows listed per section of the dry run; the counts cover them all


class QuotaForm(FlaskForm):
    """Most requests one participant may send (blank: no limit)."""

    request_quota = StringField(_l("Số đề nghị tối đa mỗi bên được gửi"),
                                description=_l("Để trống: không giới hạn"))


class CounterpartFileForm(FlaskForm):
    """A .csv or .xlsx of counterparts."""

    file = FileField(_l("Tệp .xlsx hoặc .csv"), validators=[FileRequired(_l("Chọn một tệp."))])


class CounterpartRunForm(FlaskForm):
    """Import after the dry run; rows with errors are left out only when ticked."""

    partial = BooleanField(_l("Chỉ nhập các dòng hợp lệ, bỏ qua các dòng lỗi"))


@bp.app_template_global()
def meeting_request_state(req: MeetingRequest) -> str:
    """requested | accepted | declined | expired (a pending request past its expiry)."""
    return meeting_requests.request_state(req, utcnow())


def expiry_field(raw: str | None) -> datetime | None:
    """The "answer by" date of a form (yyyy-mm-dd), as the end of that day; None if blank."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise UserError(_("Ngày hết hạn không đọc được: %(value)s.", value=text),
                        field="expires_on") from None
    return meeting_requests.expiry_from_day(day)


def requests_page_extras(event: MeetingEvent) -> dict[str, Any]:
    """What the officers' requests page adds: the quota form and the proposal form's choices."""
    form = QuotaForm()
    form.request_quota.data = str(event.request_quota or "")
    return {"quota_form": form, "priorities": PRIORITY_LABELS,
            "requested_by_labels": REQUESTED_BY_LABELS}


@bp.route("/<int:event_id>/requests/quota", methods=["POST"])
@roles_required(WRITE_ROLES)
def set_quota(event_id: int) -> ResponseReturnValue:
    """Set or clear the request quota per participant."""
    event = db.get_or_404(MeetingEvent, event_id)
    form = QuotaForm()
    if form.validate_on_submit():
        with form_errors() as saved:
            meeting_requests.set_quota(event, form.request_quota.data)
        if saved.ok:
            flash(_("Đã lưu giới hạn đề nghị gặp."), "success")
    return redirect(url_for("meetings.requests", event_id=event.id))


# --- counterpart import ---------------------------------------------------------------------

@bp.route("/<int:event_id>/counterparts/import", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def import_counterparts(event_id: int) -> ResponseReturnValue:
    """Upload a file of counterparts; the dry run follows."""
    event = db.get_or_404(MeetingEvent, event_id)
    form = CounterpartFileForm()
    if form.validate_on_submit():
        upload = form.file.data
        # The upload's record is committed at the end of this request, before the browser
        # follows the redirect to the dry run (which may reach another app host).
        with form_errors(form, fallback="file") as saved:
            token = import_files.save_upload(upload, upload.filename or "", by=current_user)
        if saved.ok:
            return redirect(url_for("meetings.import_counterparts_plan", event_id=event.id,
                                    token=token))
    return render_template("meetings/import_counterparts.html", event=event, form=form,
                           report=None, fields=cp_import.FIELDS)


def _plan(event: MeetingEvent, token: str) -> tuple[dict, cp_import.Report | None, str | None]:
    """The upload's metadata and its dry run, or the message why the file cannot be read."""
    try:
        meta = import_files.load_upload(token, by=current_user)
    except (KeyError, ValueError):
        abort(404)
    try:
        table = import_files.read_upload(token, meta["kind"])
        return meta, cp_import.plan(event, table), None
    except UserError as err:
        return meta, None, err.message


@bp.route("/<int:event_id>/counterparts/import/<token>", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def import_counterparts_plan(event_id: int, token: str) -> ResponseReturnValue:
    """GET: the dry run (nothing saved). POST: import the rows, all valid or by choice."""
    event = db.get_or_404(MeetingEvent, event_id)
    meta, report, error = _plan(event, token)
    run_form = CounterpartRunForm()
    if run_form.validate_on_submit() and report is not None:
        with form_errors() as saved:
            added = cp_import.apply(event, report, partial=bool(run_form.partial.data))
        if saved.ok:
            log.info("counterpart import %s into event %s by user %s: %s rows", meta["filename"],
                     event.id, current_user.id, added)
            flash(_("Đã nhập %(n)s đối tác.", n=added), "success")
            return redirect(url_for("meetings.participants", event_id=event.id))
    else:
        discard()  # a dry run writes nothing, even when posted
    return render_template("meetings/import_counterparts.html", event=event,
                           form=CounterpartFileForm(), report=report, error=error, meta=meta,
                           run_form=run_form, token=token, fields=cp_import.FIELDS,
                           shown=SHOWN_ROWS)
