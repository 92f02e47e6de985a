"""Duplicate pages: candidate pairs, merge screen."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import audit
from crm.auth.policy import WRITE_ROLES, roles_required
from crm.duplicates import bp, queries, services
from crm.duplicates.forms import MergeForm
from crm.errors import UserError
from crm.extensions import db
from crm.firms.services import FIELD_LABELS
from crm.models import Firm

SUB_LISTS = ("products", "certifications", "contacts", "markets", "stores", "trademarks")


@bp.route("/", methods=["GET"])
@roles_required(WRITE_ROLES)
def index() -> ResponseReturnValue:
    """Candidate pairs with a score; branches of one tax code shown as related firms."""
    province = request.args.get("province", type=int)
    pairs = queries.candidate_pairs(province=province)
    return render_template("duplicates/index.html", pairs=pairs, province=province)


@bp.route("/merge/<int:keep_id>/<int:drop_id>", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def merge(keep_id: int, drop_id: int) -> ResponseReturnValue:
    """Both firms side by side; choose the value to keep for each conflicting field."""
    keep = db.get_or_404(Firm, keep_id)
    drop = db.get_or_404(Firm, drop_id)
    if keep.id == drop.id:
        abort(404)
    form = MergeForm()
    conflicts = services.conflicts(keep, drop)
    if form.validate_on_submit():
        choices = {f: request.form.get(f"choice_{f}", "keep") for f in conflicts}
        try:
            counts = services.merge_firms(keep, drop, choices, by=current_user)
        except UserError as err:
            db.session.rollback()
            flash(err.message, "error")
        else:
            audit.record("merge", "firm", keep.id, {"merged_firm_id": drop.id, "moved": counts})
            db.session.commit()
            moved = sum(counts.values())
            flash(_("Đã gộp: %(n)d bản ghi được chuyển sang doanh nghiệp giữ lại; doanh nghiệp "
                    "kia đã được lưu trữ.", n=moved), "success")
            return redirect(url_for("firms.show", firm_id=keep.id))
    return render_template("duplicates/merge.html", form=form, keep=keep, drop=drop,
                           conflicts=conflicts, fields=services.MERGE_FIELDS,
                           labels=FIELD_LABELS, sub_lists=SUB_LISTS)
