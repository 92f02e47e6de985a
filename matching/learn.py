"""Learning from outcomes: fit a scikit-learn model on factor values of past matches.

Records are (opportunity, firm_id, outcome) with outcome > 0 a good result (graded: the gain
of NDCG, e.g. 1 took part, 2 a contract) or 0, and optionally the `day` the opportunity
started (its factors are computed as of that day). Features are the factor values of
factors.py (as computed by rank.py), so the model re-weights what the officer already sees
in the reasons. ``compare`` reports cross-validated NDCG@k per held-out opportunity
(GroupKFold by opportunity) for the model and for the hand-set weights; ``use_model`` is
true only where the model wins on held-out data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from matching.evaluate import ndcg_at_k
from matching.index import FirmIndex
from matching.rank import match
from matching.weights import FACTORS


@dataclass
class Dataset:
    """Factor values X, outcomes y, opportunity group per row, hand-weight scores, firm ids."""

    X: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    hand: np.ndarray
    firm_ids: list[str]
    days: np.ndarray | None = None  # ordinal day each row's opportunity started




def dataset(index: FirmIndex, records: Iterable[Mapping[str, Any]], today: date) -> Dataset:
    """Factor features of past (opportunity, firm_id, outcome) records (unknown firms skipped)."""
    by_opp: dict[str, tuple[Mapping, list[tuple[str, float]]]] = {}
    days: dict[str, date] = {}
    for r in records:
        opp = r["opportunity"]
        key = str(opp["id"])
        by_opp.setdefault(key, (opp, []))[1].append((r["firm_id"], float(r["outcome"])))
        if r.get("day") is not None:
            days[key] = r["day"]
    xs, ys, gs, hs, ids, ds = [], [], [], [], [], []
    for g, (key, (opp, rows)) in enumerate(by_opp.items()):
        day = days.get(key, today)
        s = match(index, opp, today=day, top=0).scores
        for fid, outcome in rows:
            row = index.row_of.get(fid)
            if row is None:
                continue
            xs.append([s.values[f][row] for f in FACTORS])
            ys.append(outcome)
            gs.append(g)
            hs.append(float(s.score[row]))
            ids.append(fid)
            ds.append(day.toordinal())
    return Dataset(
        np.asarray(xs, dtype=np.float64).reshape(-1, len(FACTORS)),
        np.asarray(ys, dtype=np.float64),
        np.asarray(gs),
        np.asarray(hs),
        ids,
        np.asarray(ds, dtype=np.int64),
    )


def _group_ndcg(scores: np.ndarray, data: Dataset, mask: np.ndarray, k: int) -> list[float]:
    out = []
    for g in np.unique(data.groups[mask]):
        sel = np.flatnonzero(mask & (data.groups == g))
        order = sorted(sel, key=lambda i: (-scores[i], data.firm_ids[i]))
        rel = {data.firm_ids[i]: data.y[i] for i in sel}
        if any(v > 0 for v in rel.values()):
            out.append(ndcg_at_k([data.firm_ids[i] for i in order], rel, k))
    return out


def compare(data: Dataset, k: int = 10, folds: int = 5, margin: float = 0.01) -> dict:
    """Cross-validated NDCG@k of a logistic model vs the hand-set weights, by opportunity."""
    n_groups = len(np.unique(data.groups))
    if n_groups < 2 or len(np.unique(data.y)) < 2:
        return {
            "model_ndcg": None,
            "weights_ndcg": None,
            "use_model": False,
            "reason": "need outcomes of both kinds over at least 2 opportunities",
        }
    model_scores, hand_scores = [], []
    for train, test in GroupKFold(n_splits=min(folds, n_groups)).split(data.X, data.y, data.groups):
        if len(np.unique(data.y[train])) < 2:
            continue
        model = LogisticRegression(max_iter=1000).fit(data.X[train], data.y[train] > 0)
        pred = np.zeros(len(data.y))
        pred[test] = model.predict_proba(data.X[test])[:, 1]
        mask = np.zeros(len(data.y), dtype=bool)
        mask[test] = True
        model_scores += _group_ndcg(pred, data, mask, k)
        hand_scores += _group_ndcg(data.hand, data, mask, k)
    m = float(np.mean(model_scores)) if model_scores else 0.0
    h = float(np.mean(hand_scores)) if hand_scores else 0.0
    return {
        "model_ndcg": m,
        "weights_ndcg": h,
        "use_model": m > h + margin,
        "folds": min(folds, n_groups),
        "opportunities": n_groups,
    }


def fit(data: Dataset) -> LogisticRegression:
    """Logistic model on all records; pass it to rank/match as `model` when compare() says so."""
    return LogisticRegression(max_iter=1000).fit(data.X, data.y > 0)


# --- a model without pickles ------------------------------------------------------------------

@dataclass
class LinearScorer:
    """A logistic model over the factor values: P(good outcome) = sigmoid(x . coef + b).

    Stands in for a fitted scikit-learn LogisticRegression wherever `match(model=...)` takes
    one (same `predict_proba`), and is stored as plain JSON: data read back from a database
    is never unpickled.
    """

    coef: np.ndarray
    intercept: float
    factors: tuple[str, ...] = FACTORS

    @classmethod
    def from_sklearn(cls, model: LogisticRegression) -> LinearScorer:
        """The scorer of a fitted binary LogisticRegression over FACTORS."""
        return cls(np.asarray(model.coef_[0], dtype=np.float64), float(model.intercept_[0]))

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> LinearScorer:
        """Rebuild from to_json(); factors missing from the document weigh 0."""
        coef = doc.get("coef") or {}
        values = []
        for f in FACTORS:
            value = float(coef.get(f, 0.0))
            if not np.isfinite(value):
                raise ValueError(f"coefficient of {f} is not a number")
            values.append(value)
        intercept = float(doc.get("intercept", 0.0))
        if not np.isfinite(intercept):
            raise ValueError("intercept is not a number")
        return cls(np.asarray(values, dtype=np.float64), intercept)

    def to_json(self) -> dict[str, Any]:
        """{"coef": {factor: value}, "intercept": value} (plain floats)."""
        return {"coef": {f: float(c) for f, c in zip(self.factors, self.coef, strict=True)},
                "intercept": float(self.intercept)}

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Columns P(no), P(yes), as LogisticRegression.predict_proba."""
        z = np.asarray(x, dtype=np.float64) @ self.coef + self.intercept
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
        return np.column_stack([1.0 - p, p])

    def weights(self) -> dict[str, float]:
        """Coefficients as shares of their total size (signed; comparable to hand weights)."""
        total = float(np.abs(self.coef).sum())
        return {f: (float(c) / total if total else 0.0)
                for f, c in zip(self.factors, self.coef, strict=True)}


def auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half); None without both classes."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if not n_pos or not n_neg:
        return None
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores), dtype=np.float64)
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):  # average ranks over ties
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


# --- the time split ---------------------------------------------------------------------------

# Below these, figures are noise: say how many outcomes are missing instead.
MIN_TRAIN_POSITIVES = 30
MIN_TEST_POSITIVES = 15
MIN_TRAIN_OPPORTUNITIES = 8
MIN_TEST_OPPORTUNITIES = 4
MIN_NDCG_GAIN = 0.02  # the model must beat the hand weights by this much NDCG@10 ...
SE_FACTOR = 2.0  # ... and by twice the standard error of the per-opportunity differences


@dataclass
class Part:
    """Figures of one side of the split (None where they cannot be computed)."""

    opportunities: int
    rows: int
    positives: int
    first_day: date | None
    last_day: date | None
    hand_ndcg: float | None = None
    model_ndcg: float | None = None
    hand_auc: float | None = None
    model_auc: float | None = None


@dataclass
class SplitEvaluation:
    """Hand weights vs a logistic model trained before `cut` and tested on and after it."""

    cut: date
    train: Part
    test: Part
    shortfall: dict[str, int]  # what is missing: name -> how many more are needed
    scorer: LinearScorer | None = None
    ndcg_gain: float | None = None  # mean per-opportunity model - hand NDCG on the test part
    ndcg_gain_se: float | None = None
    wins: bool = False

    @property
    def enough(self) -> bool:
        """Whether there were enough outcomes on both sides to compare at all."""
        return not self.shortfall


def time_masks(data: Dataset, cut: date) -> tuple[np.ndarray, np.ndarray]:
    """Rows of opportunities that started before `cut` (train), and on or after it (test)."""
    if data.days is None:
        raise ValueError("the dataset has no opportunity days")
    train = data.days < cut.toordinal()
    return train, ~train


def default_cut(data: Dataset, test_share: float = 0.3) -> date | None:
    """The start day that leaves about `test_share` of the opportunities for the test part."""
    if data.days is None or not len(data.days):
        return None
    starts = sorted({int(d) for d in data.days})
    by_group = sorted({(int(d), int(g)) for d, g in zip(data.days, data.groups, strict=True)})
    if len(by_group) < 2:
        return None
    k = min(len(by_group) - 1, max(1, round(len(by_group) * (1.0 - test_share))))
    day = by_group[k][0]
    if day == starts[0]:  # all on the first day: nothing before it to train on
        day = starts[1] if len(starts) > 1 else day
    return date.fromordinal(day)


def _part(data: Dataset, mask: np.ndarray) -> Part:
    days = data.days[mask] if data.days is not None else np.asarray([])
    return Part(
        opportunities=len(np.unique(data.groups[mask])),
        rows=int(mask.sum()),
        positives=int((data.y[mask] > 0).sum()),
        first_day=date.fromordinal(int(days.min())) if len(days) else None,
        last_day=date.fromordinal(int(days.max())) if len(days) else None,
    )


def _score_part(part: Part, data: Dataset, mask: np.ndarray, model: np.ndarray,
                k: int) -> tuple[list[float], list[float]]:
    hand = _group_ndcg(data.hand, data, mask, k)
    learned = _group_ndcg(model, data, mask, k)
    part.hand_ndcg = float(np.mean(hand)) if hand else None
    part.model_ndcg = float(np.mean(learned)) if learned else None
    part.hand_auc = auc(data.hand[mask], data.y[mask] > 0)
    part.model_auc = auc(model[mask], data.y[mask] > 0)
    return hand, learned


def evaluate_split(data: Dataset, cut: date, k: int = 10) -> SplitEvaluation:
    """Train on opportunities before `cut`, compare model and hand weights on the rest.

    The model wins only when, on the test part, its NDCG@k beats the hand weights' by at
    least MIN_NDCG_GAIN and by SE_FACTOR standard errors of the per-opportunity differences,
    and its AUC is not lower: a gain that noise could make is not a win.
    """
    train, test = time_masks(data, cut)
    result = SplitEvaluation(cut, _part(data, train), _part(data, test), {})
    need = {
        "train_positives": MIN_TRAIN_POSITIVES - result.train.positives,
        "train_negatives": MIN_TRAIN_POSITIVES - (result.train.rows - result.train.positives),
        "train_opportunities": MIN_TRAIN_OPPORTUNITIES - result.train.opportunities,
        "test_positives": MIN_TEST_POSITIVES - result.test.positives,
        "test_negatives": MIN_TEST_POSITIVES - (result.test.rows - result.test.positives),
        "test_opportunities": MIN_TEST_OPPORTUNITIES - result.test.opportunities,
    }
    result.shortfall = {name: n for name, n in need.items() if n > 0}
    if result.shortfall:
        return result
    model = LogisticRegression(max_iter=1000).fit(data.X[train], data.y[train] > 0)
    result.scorer = LinearScorer.from_sklearn(model)
    scores = result.scorer.predict_proba(data.X)[:, 1]
    _score_part(result.train, data, train, scores, k)
    hand, learned = _score_part(result.test, data, test, scores, k)
    diffs = np.asarray(learned) - np.asarray(hand)
    if len(diffs):
        result.ndcg_gain = float(diffs.mean())
        result.ndcg_gain_se = (float(diffs.std(ddof=1) / np.sqrt(len(diffs)))
                               if len(diffs) > 1 else None)
    t = result.test
    result.wins = bool(
        result.ndcg_gain is not None and result.ndcg_gain_se is not None
        and result.ndcg_gain >= MIN_NDCG_GAIN
        and result.ndcg_gain > SE_FACTOR * result.ndcg_gain_se
        and t.model_auc is not None and t.hand_auc is not None and t.model_auc >= t.hand_auc
    )
    return result
