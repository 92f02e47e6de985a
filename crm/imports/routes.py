"""Import pages: upload, column mapping and dry run, import, rejected rows."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_template,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import audit, storage
from crm.auth.policy import WRITE_ROLES, roles_required
from crm.errors import UserError
from crm.firms.services import thousands
from crm.hscodes.services import import_hints
from crm.imports import bp, parsing, services
from crm.imports.forms import MappingForm, RunForm, UploadForm
from crm.imports.mapping import FIELDS
from crm.imports.services import ImportReport, Steps, Take
from crm.unit_of_work import discard, form_errors, unit_of_work

log = logging.getLogger("crm.imports")
PREVIEW_ROWS = 5
SHOWN_ROWS = 200  # rows listed per section of a report; the counts cover all of them
CONFLICT_PREFIX = "conflict-"
REJECTED_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}  # radio "conflict-<row>-<key>": "keep" (default) or "file"


@bp.route("/", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def index() -> ResponseReturnValue:
    """Upload a spreadsheet."""
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        with form_errors(form, fallback="file") as saved:
            token = services.save_upload(upload, upload.filename or "", by=current_user)
        if saved.ok:
            return redirect(url_for("imports.mapping", token=token))
    return render_template("imports/upload.html", form=form)


def _upload_or_404(token: str) -> dict:
    try:
        return services.load_upload(token, by=current_user)
    except (KeyError, ValueError):
        abort(404)


def _read(token: str, kind: str) -> parsing.Table | None:
    try:
        return services.read_upload(token, kind)
    except KeyError:
        abort(404)
    except UserError as err:
        flash(err.message, "error")
        return None


@bp.route("/<token>", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def mapping(token: str) -> ResponseReturnValue:
    """Show the column mapping; on POST save it and run the dry run."""
    meta = _upload_or_404(token)
    table = _read(token, meta["kind"])
    if table is None:
        return redirect(url_for("imports.index"))
    form = MappingForm()
    chosen = meta["mapping"] + [None] * (len(table.headings) - len(meta["mapping"]))
    report = None
    mapping_error = None
    if form.validate_on_submit():
        chosen = [request.form.get(f"col_{i}") or None for i in range(len(table.headings))]
        chosen = [c if c in FIELDS else None for c in chosen]
        # Committed now, before the dry run: the run may reach another app host, which
        # reads the mapping in its own transaction.
        with unit_of_work():
            services.save_mapping(token, chosen)
        try:
            report = services.plan_import(table, chosen)
        except UserError as err:
            mapping_error = err.message
        discard()  # a dry run writes nothing, whatever happened
    return render_template(
        "imports/mapping.html", form=form, run_form=RunForm(), meta=meta, token=token,
        table=table, chosen=chosen, fields=FIELDS, preview=table.rows[:PREVIEW_ROWS],
        report=report, mapping_error=mapping_error, shown=SHOWN_ROWS,
        conflict_prefix=CONFLICT_PREFIX,
        hs_hints=import_hints(table, chosen) if report else None)


@bp.route("/<token>/run", methods=["POST"])
@roles_required(WRITE_ROLES)
def run(token: str) -> ResponseReturnValue:
    """Import: all-or-nothing, or the valid rows with the rejected ones given back."""
    meta = _upload_or_404(token)
    form = RunForm()
    if not form.validate_on_submit():
        flash(_("Chọn cách nhập."), "error")
        return redirect(url_for("imports.mapping", token=token))
    partial = form.mode.data == "partial"
    if partial and not form.confirm_partial.data:
        flash(_("Hãy đánh dấu xác nhận trước khi nhập một phần tệp."), "error")
        return redirect(url_for("imports.mapping", token=token))
    table = _read(token, meta["kind"])
    if table is None:
        return redirect(url_for("imports.index"))
    job = _ImportJob(token, meta, table, partial, True if form.take_all.data else _choices())
    if len(table.rows) > current_app.config["IMPORT_STREAM_ROWS"]:
        # A large file: the page shows each chunk as it is checked and written.
        return Response(stream_with_context(stream_template(
            "imports/running.html", job=job, meta=meta, token=token, shown=SHOWN_ROWS)),
            headers={"X-Accel-Buffering": "no"})  # nginx: pass each line on at once
    for _line in job.lines():
        pass
    if job.error:
        flash(job.error, "error")
        return redirect(url_for("imports.mapping", token=token))
    return render_template("imports/done.html", report=job.report, meta=meta, token=token,
                           rejected_file=job.rejected_file, shown=SHOWN_ROWS)


def _choices() -> set[tuple[int, str]]:
    """The conflicts where the officer chose the file's value, as (row, key)."""
    out = set()
    for name, value in request.form.items():
        if value != "file" or not name.startswith(CONFLICT_PREFIX):
            continue
        row, _sep, key = name.removeprefix(CONFLICT_PREFIX).partition("-")
        if row.isdigit() and key:
            out.add((int(row), key))
    return out


class _ImportJob:
    """One import, run as progress lines (for a streamed page); then its outcome."""

    def __init__(self, token: str, meta: dict, table: parsing.Table, partial: bool,
                 take: Take = False) -> None:
        self.token, self.meta, self.table, self.partial = token, meta, table, partial
        self.take = take
        self.report: ImportReport | None = None
        self.error: str | None = None
        self.rejected_file: str | None = None

    def lines(self) -> Iterator[str]:
        """Check, write and commit, saying how far it got after each chunk.

        Its own unit of work, not the request's: a streamed page runs this after the
        request's end (and its commit) has passed. Anything that breaks, or a browser that
        leaves mid-way, rolls the whole import back: never half an import.
        """
        try:
            with unit_of_work():
                report = yield from _lines(
                    services.plan_import_steps(self.table, self.meta["mapping"],
                                               take=self.take),
                    _("Đã kiểm tra %(done)s / %(total)s dòng"))
                yield from _lines(
                    services.apply_import_steps(
                        report, by=current_user, partial=self.partial,
                        note=_("Nhập từ tệp %(name)s", name=self.meta["filename"])),
                    _("Đã ghi %(done)s / %(total)s doanh nghiệp"))
                audit.record("import", "import", None,
                             {"file": self.meta["filename"], **report.summary()})
        except UserError as err:
            self.error = err.message  # rolled back: nothing half-imported
            return
        except Exception:
            # Headers of a streamed page are gone: no 500 page, but never half an import.
            log.exception("import %s failed", self.meta["filename"])
            self.error = _("Lỗi không mong đợi: không dòng nào được nhập. Vui lòng thử lại "
                           "hoặc báo quản trị viên.")
            return
        if report.errors:
            name = services.rejected_name(self.token, self.meta["kind"])
            data, _count = services.rejected_bytes(self.table, report, self.meta["kind"])
            with unit_of_work():  # the file may live in the database
                services.upload_storage().put(name, data)
            self.rejected_file = name
        log.info("import %s by user %s: %s", self.meta["filename"], current_user.id,
                 report.summary())
        self.report = report


def _lines(steps: Steps, text: str) -> Iterator[str]:
    """A progress line per step of `steps`; returns (to `yield from`) their report."""
    while True:
        try:
            done, total = next(steps)
        except StopIteration as stop:
            return stop.value
        yield text % {"done": thousands(done), "total": thousands(total)}


@bp.route("/<token>/rejected", methods=["GET"])
@roles_required(WRITE_ROLES)
def rejected(token: str) -> ResponseReturnValue:
    """Download the rows that were not imported, with their errors."""
    meta = _upload_or_404(token)
    stem = (meta["filename"].rsplit(".", 1)[0] or "import")[:80]
    return storage.download(services.upload_storage(), services.rejected_name(token, meta["kind"]),
                            REJECTED_TYPES[meta["kind"]], f"{stem}-dong-loi.{meta['kind']}")
