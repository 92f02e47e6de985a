"""Learning from outcomes: fit a scikit-learn model on factor values of past matches.

Records are (opportunity, firm_id, outcome) with outcome 1 (a good result: contract, order,
partnership) or 0. Features are the factor values of factors.py (as computed by rank.py), so
the model re-weights what the officer already sees in the reasons. ``compare`` reports
cross-validated NDCG@k per held-out opportunity (GroupKFold by opportunity) for the model and
for the hand-set weights; ``use_model`` is true only where the model wins on held-out data.
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


def dataset(index: FirmIndex, records: Iterable[Mapping[str, Any]], today: date) -> Dataset:
    """Factor features of past (opportunity, firm_id, outcome) records (unknown firms skipped)."""
    by_opp: dict[str, tuple[Mapping, list[tuple[str, float]]]] = {}
    for r in records:
        opp = r["opportunity"]
        key = str(opp["id"])
        by_opp.setdefault(key, (opp, []))[1].append((r["firm_id"], float(r["outcome"])))
    xs, ys, gs, hs, ids = [], [], [], [], []
    for g, (opp, rows) in enumerate(by_opp.values()):
        s = match(index, opp, today=today, top=0).scores
        for fid, outcome in rows:
            row = index.row_of.get(fid)
            if row is None:
                continue
            xs.append([s.values[f][row] for f in FACTORS])
            ys.append(outcome)
            gs.append(g)
            hs.append(float(s.score[row]))
            ids.append(fid)
    return Dataset(
        np.asarray(xs, dtype=np.float64).reshape(-1, len(FACTORS)),
        np.asarray(ys),
        np.asarray(gs),
        np.asarray(hs),
        ids,
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
