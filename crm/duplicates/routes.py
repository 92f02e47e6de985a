"""Duplicate pages: candidate pairs, branches, "not a duplicate" decisions, merges and undo."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm import display, paging
from crm.auth.policy import WRITE_ROLES, roles_required
from crm.duplicates import bp, queries, services
from crm.duplicates.forms import MergeForm
from crm.duplicates.linkage import THRESHOLD
from crm.extensions import db
from crm.firms.services import FIELD_LABELS
from crm.models import Firm, FirmMerge
from crm.unit_of_work import form_errors

# What each compared field is called, and what each of its levels means.
COMPONENTS = {
    "name": _l("Tên"), "tax_code": _l("MST"), "phone": _l("Điện thoại"), "email": _l("Email"),
    "address": _l("Địa chỉ"), "products": _l("Sản phẩm"),
}
LEVELS = {
    "exact": _l("giống hệt (bỏ dấu, bỏ loại hình)"), "very_similar": _l("gần như giống"),
    "similar": _l("na ná"), "different": _l("khác"), "numbered": _l("khác số thứ tự"),
    "other_form": _l("cùng tên, khác loại hình (HTX/công ty/hộ)"),
    "person_same": _l("cùng tên chủ hộ"), "person_partial": _l("cùng họ và tên gọi"),
    "person_different": _l("khác tên người (hộ kinh doanh)"),
    "typo": _l("lệch 1 chữ số (gõ nhầm)"), "close": _l("lệch 2 chữ số"),
    "same": _l("trùng"), "domain": _l("cùng tên miền riêng"), "missing": _l("thiếu dữ liệu"),
    "same_address": _l("cùng địa chỉ"), "same_commune": _l("cùng xã/phường"),
    "other_commune": _l("khác xã/phường"), "other_province": _l("khác tỉnh"),
    "shared": _l("có sản phẩm/mã HS chung"),
}
# What a merge moved, by table, as the merge list names it.
TABLES = {
    "products": _l("Sản phẩm"), "certifications": _l("Chứng nhận"),
    "contacts": _l("Người liên hệ"), "firm_markets": _l("Thị trường"),
    "ecommerce_stores": _l("Gian hàng TMĐT"), "trademarks": _l("Nhãn hiệu"),
    "interactions": _l("Hỗ trợ"), "outcomes": _l("Kết quả"), "tasks": _l("Công việc"),
    "shortlist_entries": _l("Danh sách chọn"), "documents": _l("Bản scan chứng nhận"),
    "firm_indicators": _l("Chỉ số theo năm"), "users": _l("Tài khoản doanh nghiệp"),
    "invitations": _l("Lời mời"), "registration_requests": _l("Yêu cầu đăng ký"),
}
SUB_LISTS = ("products", "certifications", "contacts", "markets", "stores", "trademarks")
UNDO_ROLES = frozenset({"admin", "manager"})  # undoing a merge is a manager's call
VIEWS = ("duplicates", "branches", "decisions")
PER_PAGE = 25
_ARG = re.compile(r"^-?[a-z0-9_]{1,20}$")


def _min_score() -> int:
    """The lowest score shown, in percent (?min=), THRESHOLD by default; nonsense → default."""
    raw = request.args.get("min", "")
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 100:
        return int(raw)
    return round(THRESHOLD * 100)


@bp.route("/", methods=["GET"])
@roles_required(WRITE_ROLES)
def index() -> ResponseReturnValue:
    """Possible duplicates by score (paged), branches, and pairs decided "not a duplicate"."""
    view = request.args.get("view", "duplicates")
    if view not in VIEWS:
        view = "duplicates"
    province = request.args.get("province", type=int)
    sort = request.args.get("sort", "score")
    if sort not in queries.SORTS:
        sort = "score"
    min_score = _min_score()
    args = {k: v for k, v in (("province", province), ("sort", sort), ("min", min_score))
            if v is not None}
    if view == "decisions":
        page = paging.paginate(queries.decisions(), per_page=PER_PAGE)
        counts = None
    else:
        found = queries.find(min_score / 100, province)
        pairs = found.duplicates if view == "duplicates" else found.branches
        if view == "duplicates":
            pairs = queries.sort_pairs(pairs, sort)
        page = queries.paginate_list(pairs, paging.page_number(), PER_PAGE)
        counts = {"duplicates": len(found.duplicates), "branches": len(found.branches)}
    return render_template("duplicates/index.html", view=view, page=page, counts=counts,
                           province=province, sort=sort, min_score=min_score, args=args,
                           provinces=display.provinces(), components=COMPONENTS,
                           levels=LEVELS)


@bp.route("/not-duplicate/<int:first_id>/<int:second_id>", methods=["POST"])
@roles_required(WRITE_ROLES)
def not_duplicate(first_id: int, second_id: int) -> ResponseReturnValue:
    """Mark a pair "Không trùng": never proposed again."""
    first = db.get_or_404(Firm, first_id)
    second = db.get_or_404(Firm, second_id)
    with form_errors(category="error") as saved:
        services.mark_not_duplicate(first, second, by=current_user,
                                    note=request.form.get("note"))
    if saved.ok:
        flash(_("Đã ghi nhận: %(a)s và %(b)s không phải một doanh nghiệp.", a=first.name,
                b=second.name), "success")
    return redirect(url_for("duplicates.index", **_back_args()))


def _back_args() -> dict[str, str]:
    """The list's filters, sent back with a form, to return to the same place."""
    return {k: v for k in ("view", "province", "sort", "min", "page")
            if _ARG.match(v := request.form.get(k, ""))}


@bp.route("/merge/<int:keep_id>/<int:drop_id>", methods=["GET", "POST"])
@roles_required(WRITE_ROLES)
def merge(keep_id: int, drop_id: int) -> ResponseReturnValue:
    """Both firms side by side, with how they compare; choose the value to keep per field."""
    keep = db.get_or_404(Firm, keep_id)
    drop = db.get_or_404(Firm, drop_id)
    if keep.id == drop.id:
        abort(404)
    form = MergeForm()
    conflicts = services.conflicts(keep, drop)
    if form.validate_on_submit():
        choices = {f: request.form.get(f"choice_{f}", "keep") for f in conflicts}
        with form_errors(category="error") as saved:
            done = services.merge_firms(keep, drop, choices, by=current_user)
        if saved.ok:
            moved = sum(c["moved"] for c in done.summary.values())
            folded = sum(c["folded"] for c in done.summary.values())
            flash(_("Đã gộp: %(n)d bản ghi được chuyển sang doanh nghiệp giữ lại, %(k)d bản "
                    "ghi trùng được gộp làm một; doanh nghiệp kia đã được lưu trữ.",
                    n=moved, k=folded), "success")
            return redirect(url_for("firms.show", firm_id=keep.id))
    return render_template("duplicates/merge.html", form=form, keep=keep, drop=drop,
                           conflicts=conflicts, fields=services.MERGE_FIELDS,
                           labels=FIELD_LABELS, sub_lists=SUB_LISTS,
                           pair=queries.compare_firms(keep, drop),
                           decision=queries.decision_for(keep.id, drop.id),
                           components=COMPONENTS, levels=LEVELS)


@bp.route("/merges", methods=["GET"])
@roles_required(WRITE_ROLES)
def merges() -> ResponseReturnValue:
    """Merges, newest first (?firm_id= those of one firm); a manager can undo recent ones."""
    firm_id = request.args.get("firm_id", type=int)
    page = paging.paginate(queries.merges(firm_id), per_page=PER_PAGE)
    return render_template("duplicates/merges.html", page=page, firm_id=firm_id,
                           can_undo=queries.can_undo, deadline=queries.undo_deadline,
                           may_undo=current_user.role in UNDO_ROLES, labels=TABLES)


@bp.route("/merges/<int:merge_id>/undo", methods=["POST"])
@roles_required(UNDO_ROLES)
def undo(merge_id: int) -> ResponseReturnValue:
    """Undo a merge: the merged-away firm comes back with what came from it."""
    done = db.get_or_404(FirmMerge, merge_id)
    with form_errors(category="error") as saved:
        left = services.undo_merge(done, by=current_user)
    if not saved.ok:
        return redirect(url_for("duplicates.merges", firm_id=done.kept_firm_id))
    flash(_("Đã hủy gộp: %(name)s đã được khôi phục.", name=done.merged_firm.name), "success")
    if left:
        flash(_("Giữ nguyên vì đã được sửa sau khi gộp: %(fields)s",
                fields=", ".join(str(FIELD_LABELS.get(f, f)) for f in left)), "warning")
    return redirect(url_for("firms.show", firm_id=done.merged_firm_id))
