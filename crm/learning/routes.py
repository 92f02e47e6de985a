"""The learning page: learned vs hand-set weights per opportunity kind, switched on by a
manager only where they win on the later opportunities."""

from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from crm import clock
from crm.auth.policy import roles_required
from crm.learning import bp, queries, services
from crm.models.opportunity import OPPORTUNITY_KINDS
from crm.unit_of_work import form_errors
from matching import learn

# Which weights rank every firm for every opportunity is a manager's call.
LEARN_ROLES = frozenset({"admin", "manager"})


def _today() -> date:
    return clock.today()


def _cut(raw: str | None) -> date | None:
    """The cut day of the form; empty → automatic; nonsense → a message and automatic."""
    text = (raw or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        flash(_("Ngày cắt không hợp lệ (cần dạng năm-tháng-ngày); dùng ngày tự động."),
              "warning")
        return None


@bp.route("/")
@roles_required(LEARN_ROLES)
def index() -> ResponseReturnValue:
    """Each kind: hand-set and learned weights, and the held-out figures of both."""
    today = _today()
    cut = _cut(request.args.get("cut"))
    if cut is not None and cut > today:
        flash(_("Ngày cắt phải trước hoặc bằng hôm nay."), "warning")
        cut = None
    active = queries.active_models()
    kinds = []
    for kind in OPPORTUNITY_KINDS:
        ev = services.evaluate_kind(kind, today, cut)
        kinds.append({
            "ev": ev, "active": active.get(kind),
            "factors": services.factor_rows(ev, active.get(kind)),
            "shortfall": None if ev.enough else services.shortfall_message(ev),
        })
    return render_template(
        "learning/index.html", kinds=kinds, cut=cut, history=queries.model_history(),
        mins={"train": learn.MIN_TRAIN_POSITIVES, "test": learn.MIN_TEST_POSITIVES,
              "gain": learn.MIN_NDCG_GAIN})


@bp.route("/<kind>/on", methods=["POST"])
@roles_required(LEARN_ROLES)
def switch_on(kind: str) -> ResponseReturnValue:
    """Switch the learned weights on for a kind, if they win on the later opportunities."""
    cut = _cut(request.form.get("cut"))
    with form_errors() as saved:
        model = services.switch_on(kind, current_user, _today(), cut)
    if saved.ok:
        flash(_("Đã bật trọng số học được phiên bản %(v)s cho loại cơ hội này.",
                v=model.version), "success")
    return redirect(url_for("learning.index", cut=request.form.get("cut") or None))


@bp.route("/<kind>/off", methods=["POST"])
@roles_required(LEARN_ROLES)
def switch_off(kind: str) -> ResponseReturnValue:
    """Back to the hand-set weights for a kind."""
    with form_errors() as saved:
        model = services.switch_off(kind)
    if saved.ok and model is not None:
        flash(_("Đã tắt trọng số học được; xếp hạng dùng lại trọng số đặt tay."), "success")
    return redirect(url_for("learning.index"))
