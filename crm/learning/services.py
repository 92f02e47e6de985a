"""Learning from outcomes: evaluate learned weights on a time split, switch them on or off.

The evaluation of a kind reads its recorded outcomes (queries.outcome_rows), computes the
factor values of each invited firm for each past opportunity as of the day it started, trains
a logistic model on the opportunities before the cut day and compares it with the hand-set
weights on the later ones (matching.learn.evaluate_split). A model is switched on only after
the same evaluation, re-run on the server, says it wins; services flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import func, select

from crm import ranking
from crm.errors import UserError
from crm.extensions import db
from crm.learning import queries
from crm.models import LearnedModel, User
from crm.models.base import utcnow
from crm.models.opportunity import OPPORTUNITY_KINDS
from matching import learn
from matching.weights import DEFAULT_WEIGHTS, FACTORS

K = 10  # NDCG@K


@dataclass
class KindEvaluation:
    """What the learning page and `learn evaluate` show for one opportunity kind."""

    kind: str
    today: date
    cut: date | None
    split: learn.SplitEvaluation | None
    opportunities: int = 0
    rows: int = 0
    positives: int = 0
    hand_weights: dict[str, float] = field(default_factory=dict)

    @property
    def enough(self) -> bool:
        """Whether there are enough outcomes on both sides of the cut to compare."""
        return self.split is not None and self.split.enough

    @property
    def wins(self) -> bool:
        """Whether the learned weights beat the hand-set ones on the later opportunities."""
        return self.enough and bool(self.split and self.split.wins)

    @property
    def learned_weights(self) -> dict[str, float] | None:
        """The learned coefficients as signed shares of their total (None when not fitted)."""
        return self.split.scorer.weights() if self.split and self.split.scorer else None


def _check_kind(kind: str) -> str:
    if kind not in OPPORTUNITY_KINDS:
        raise UserError(_("Loại cơ hội không hợp lệ."), field="kind")
    return kind


def evaluate_kind(kind: str, today: date, cut: date | None = None) -> KindEvaluation:
    """Hand-set vs learned weights of one kind on a time split at `cut` (default: the day
    that leaves about 30% of the past opportunities for the test)."""
    _check_kind(kind)
    if cut is not None and cut > today:
        raise UserError(_("Ngày cắt phải trước hoặc bằng hôm nay."), field="cut")
    rows = queries.outcome_rows(kind, today)
    result = KindEvaluation(kind, today, cut, None, hand_weights=dict(DEFAULT_WEIGHTS[kind]))
    if not rows:
        return result
    records = [{"opportunity": ranking.opportunity_record(opp),
                "firm_id": ranking.firm_key(firm_id), "outcome": gain,
                "day": queries.opportunity_day(opp)} for opp, firm_id, gain in rows]
    state = ranking.live_index()
    with state.lock:
        data = learn.dataset(state.index, records, today)
    result.opportunities = len(set(data.groups.tolist()))
    result.rows = len(data.y)
    result.positives = int((data.y > 0).sum())
    result.cut = cut or learn.default_cut(data) or today
    result.split = learn.evaluate_split(data, result.cut, k=K)
    return result


def _num(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, format="0.000")


def shortfall_message(ev: KindEvaluation) -> str:
    """Plainly, how many more outcomes (or opportunities) the comparison needs."""
    need = ev.split.shortfall if ev.split else {
        "train_positives": learn.MIN_TRAIN_POSITIVES, "test_positives": learn.MIN_TEST_POSITIVES}
    parts = []
    for key, text in (
        ("train_positives", lambda n: _("%(n)s kết quả tốt trước ngày cắt", n=n)),
        ("train_negatives", lambda n: _("%(n)s lượt mời không thành trước ngày cắt", n=n)),
        ("train_opportunities", lambda n: _("%(n)s cơ hội trước ngày cắt", n=n)),
        ("test_positives", lambda n: _("%(n)s kết quả tốt từ ngày cắt", n=n)),
        ("test_negatives", lambda n: _("%(n)s lượt mời không thành từ ngày cắt", n=n)),
        ("test_opportunities", lambda n: _("%(n)s cơ hội từ ngày cắt", n=n)),
    ):
        if need.get(key):
            parts.append(text(need[key]))
    return _("Chưa đủ dữ liệu để so sánh (so sánh lúc này chỉ là nhiễu). Cần thêm: %(what)s. "
             "Mỗi bên cần ít nhất %(tp)s kết quả tốt và %(tp)s lượt không thành trên %(to)s "
             "cơ hội trước ngày cắt, %(sp)s và %(sp)s trên %(so)s cơ hội từ ngày cắt; "
             "“kết quả tốt” là doanh nghiệp được mời đã tham gia hoặc có kết quả.",
             what="; ".join(parts), tp=learn.MIN_TRAIN_POSITIVES,
             to=learn.MIN_TRAIN_OPPORTUNITIES, sp=learn.MIN_TEST_POSITIVES,
             so=learn.MIN_TEST_OPPORTUNITIES)


def _part_figures(part: learn.Part) -> dict[str, Any]:
    return {"opportunities": part.opportunities, "rows": part.rows,
            "positives": part.positives,
            "first_day": part.first_day.isoformat() if part.first_day else None,
            "last_day": part.last_day.isoformat() if part.last_day else None,
            "hand_ndcg": part.hand_ndcg, "model_ndcg": part.model_ndcg,
            "hand_auc": part.hand_auc, "model_auc": part.model_auc}


def figures(ev: KindEvaluation) -> dict[str, Any]:
    """The evaluation as plain JSON (stored with a model, printed by the command)."""
    split = ev.split
    return {
        "kind": ev.kind, "k": K, "cut": ev.cut.isoformat() if ev.cut else None,
        "opportunities": ev.opportunities, "rows": ev.rows, "positives": ev.positives,
        "enough": ev.enough, "wins": ev.wins,
        "shortfall": dict(split.shortfall) if split else {},
        "train": _part_figures(split.train) if split else None,
        "test": _part_figures(split.test) if split else None,
        "ndcg_gain": split.ndcg_gain if split else None,
        "ndcg_gain_se": split.ndcg_gain_se if split else None,
        "hand_weights": ev.hand_weights, "learned_weights": ev.learned_weights,
        "coefficients": split.scorer.to_json() if split and split.scorer else None,
    }


def switch_on(kind: str, by: User | None, today: date, cut: date | None = None) -> LearnedModel:
    """Store the learned model of `kind` as its new active version, only if it wins.

    The evaluation is run again here: what the page showed is never trusted as such.
    """
    ev = evaluate_kind(kind, today, cut)
    if not ev.enough:
        raise UserError(shortfall_message(ev), field="kind")
    test = ev.split.test
    if not ev.wins:
        raise UserError(_(
            "Không bật: trên các cơ hội từ ngày %(cut)s, trọng số học được không tốt hơn rõ "
            "rệt trọng số đặt tay (nDCG@10 %(mn)s so với %(hn)s, AUC %(ma)s so với %(ha)s; cần "
            "hơn ít nhất %(gain)s và hơn hai lần sai số chuẩn %(se)s). Xếp hạng vẫn dùng "
            "trọng số đặt tay.",
            cut=ev.cut.isoformat(), mn=_num(test.model_ndcg), hn=_num(test.hand_ndcg),
            ma=_num(test.model_auc), ha=_num(test.hand_auc), gain=_num(learn.MIN_NDCG_GAIN),
            se=_num(ev.split.ndcg_gain_se)), field="kind")
    current = queries.active_model(kind)
    if current is not None:
        current.active = False
        current.deactivated_at = utcnow()
        db.session.flush()  # one active model per kind: the old one goes first
    version = (db.session.scalar(select(func.max(LearnedModel.version)).where(
        LearnedModel.kind == kind)) or 0) + 1
    model = LearnedModel(kind=kind, version=version, created_by_id=by.id if by else None,
                         cut_on=ev.cut, coefficients=ev.split.scorer.to_json(),
                         figures=figures(ev), active=True)
    db.session.add(model)
    db.session.flush()
    return model


def switch_off(kind: str) -> LearnedModel | None:
    """Back to the hand-set weights for `kind`; returns the model switched off, if any."""
    _check_kind(kind)
    current = queries.active_model(kind)
    if current is not None:
        current.active = False
        current.deactivated_at = utcnow()
        db.session.flush()
    return current


def factor_rows(ev: KindEvaluation, active: LearnedModel | None) -> list[dict[str, Any]]:
    """Per factor: hand weight, learned weight and coefficient now, and the active model's."""
    learned = ev.learned_weights or {}
    coef = ev.split.scorer.to_json()["coef"] if ev.split and ev.split.scorer else {}
    active_w = (learn.LinearScorer.from_json(active.coefficients).weights()
                if active is not None else {})
    return [{"factor": f, "hand": ev.hand_weights.get(f, 0.0), "learned": learned.get(f),
             "coef": coef.get(f), "active": active_w.get(f)} for f in FACTORS]
