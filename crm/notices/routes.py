"""Notice pages: list, upload (dry run first), hand entry, review of the matched firms, send,
and a market requirement drafted from a notice. Staff read; officers and above write."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import paging
from crm.auth.policy import ADMIN_ROLES, READ_ROLES, WRITE_ROLES, roles_required
from crm.extensions import db
from crm.models import Notice
from crm.notices import bp, queries, services
from crm.notices.forms import ActionForm, NoticeForm, ReviewForm, UploadForm
from crm.notices.reasons import (
    MEASURE_LABELS,
    SEVERITY_LABELS,
    SOURCE_LABELS,
    TIER_HELP,
    TIER_LABELS,
    reason_lines,
)
from crm.unit_of_work import discard, form_errors

PER_PAGE = 50
LABELS = {"sources": SOURCE_LABELS, "measures": MEASURE_LABELS, "severities": SEVERITY_LABELS,
          "tiers": TIER_LABELS, "tier_help": TIER_HELP}


@bp.route("/")
@roles_required(READ_ROLES)
def index() -> ResponseReturnValue:
    """Notices, newest first."""
    source = request.args.get("source") if request.args.get("source") in SOURCE_LABELS else None
    status = request.args.get("status") if request.args.get("status") in ("new", "sent") else None
    page = paging.paginate(queries.notices(source, status), per_page=PER_PAGE)
    return render_template("notices/list.html", page=page, source=source, status=status,
                           counts=queries.target_counts([n.id for n in page.items]), **LABELS)


@bp.route("/upload", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def upload() -> ResponseReturnValue:
    """Upload a source's file: a dry run shows what would be added; then import."""
    form = UploadForm()
    report = None
    if form.validate_on_submit():
        data = form.file.data.read()
        charges = form.charges.data.read() if form.charges.data else None
        with form_errors(form, fallback="source") as saved:
            report = services.import_notices(form.source.data, data, charges=charges,
                                             dry_run=form.dry_run.data, by=current_user)
        if saved.ok:
            if report.errors or form.dry_run.data:
                discard()  # a dry run, or a file with errors: nothing half-saved
            else:
                flash(_("Đã thêm %(added)d thông báo (%(already)d đã có).",
                        added=len(report.added), already=len(report.already)), "success")
                return redirect(url_for("notices.index"))
    return render_template("notices/upload.html", form=form, report=report, **LABELS)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def new() -> ResponseReturnValue:
    """Type a notice in by hand."""
    form = NoticeForm()
    if form.validate_on_submit():
        with form_errors(form, fallback="title") as saved:
            draft = services.draft_from_form(form.data)
            notice = services.create_notice(draft, by=current_user)
        if saved.ok:
            flash(_("Đã lưu thông báo; %(n)d doanh nghiệp được đối chiếu.",
                    n=len(notice.targets)), "success")
            return redirect(url_for("notices.show", notice_id=notice.id))
    return render_template("notices/new.html", form=form)


def _show(notice: Notice, review: ReviewForm) -> ResponseReturnValue:
    rows = [(t, f, reason_lines(t.reasons)) for t, f in queries.targets_with_firms(notice)]
    return render_template("notices/show.html", notice=notice, rows=rows, review=review,
                           action=ActionForm(), **LABELS)


@bp.route("/<int:notice_id>")
@roles_required(READ_ROLES)
def show(notice_id: int) -> ResponseReturnValue:
    """A notice and the firms it concerns, with the reasons."""
    return _show(db.get_or_404(Notice, notice_id), ReviewForm())


@bp.route("/<int:notice_id>/review", methods=["POST"])
@roles_required(WRITE_ROLES)
def review(notice_id: int) -> ResponseReturnValue:
    """Keep the ticked firms, drop the others, add firms by tax code."""
    notice = db.get_or_404(Notice, notice_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        return _show(notice, form)
    kept = [int(v) for v in request.form.getlist("keep") if v.isdigit()]
    missing = services.review_targets(notice, kept, (form.add.data or "").split(","),
                                      by=current_user)
    if missing:
        discard()
        form.add.errors = [_("Không tìm thấy doanh nghiệp có mã số thuế: %(codes)s",
                             codes=", ".join(sorted(missing)))]
        return _show(notice, form)
    flash(_("Đã lưu danh sách doanh nghiệp."), "success")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.route("/<int:notice_id>/rematch", methods=["POST"])
@roles_required(WRITE_ROLES)
def rematch(notice_id: int) -> ResponseReturnValue:
    """Match the notice against today's firm profiles again."""
    notice = db.get_or_404(Notice, notice_id)
    if ActionForm().validate_on_submit():
        services.rematch(notice)
        flash(_("Đã đối chiếu lại: %(n)d doanh nghiệp.", n=len(notice.targets)), "success")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.route("/<int:notice_id>/send", methods=["POST"])
@roles_required(WRITE_ROLES)
def send(notice_id: int) -> ResponseReturnValue:
    """Send the notice to the kept firms (portal inbox, e-mail, officer's follow-up task)."""
    notice = db.get_or_404(Notice, notice_id)
    if ActionForm().validate_on_submit():
        n = services.send_notice(notice, by=current_user)
        if n:
            flash(_("Đã gửi cảnh báo tới %(n)d doanh nghiệp.", n=n), "success")
        else:
            flash(_("Không có doanh nghiệp nào cần gửi."), "info")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.route("/<int:notice_id>/requirement")
@roles_required(ADMIN_ROLES)
def requirement(notice_id: int) -> ResponseReturnValue:
    """The admin's new market requirement form, filled in from the notice."""
    notice = db.get_or_404(Notice, notice_id)
    return redirect(url_for("requirements.new", **services.requirement_prefill(notice)))
