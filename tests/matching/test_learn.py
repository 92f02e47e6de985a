"""Learning from outcomes: the model is used only where it beats the hand-set weights."""

from __future__ import annotations

import json
import random
from datetime import date

import numpy as np
from sklearn.linear_model import LogisticRegression

from matching import FirmIndex, learn, rank
from matching.evaluate import ndcg_at_k, recall_at_k

TODAY = date(2026, 12, 1)


def _world(seed: int = 3) -> tuple[FirmIndex, list[dict]]:
    rnd = random.Random(seed)
    firms = []
    for i in range(120):
        firms.append(
            {
                "id": f"F{i:03d}",
                "name": f"Cà phê {i}",
                "size": rnd.choice(["micro", "large"]),
                "products": [{"name": "Cà phê rang", "hs_code": "090121"}],
                "target_markets": rnd.sample(["DE", "JP", "US", "AE"], 1),
                "export_experience_years": rnd.choice([0, 10]),
            }
        )
    index = FirmIndex.build(firms)
    records = []
    for j in range(12):
        market = ["DE", "JP", "US", "AE"][j % 4]
        opp = {
            "id": f"O{j}",
            "kind": "trade_fair",
            "markets": [market],
            "hs_prefixes": ["0901"],
            "exposure_decay": False,
        }
        for f in rnd.sample(firms, 40):
            # past outcomes: only firms that target the market closed deals
            outcome = int(f["target_markets"] == [market])
            records.append({"opportunity": opp, "firm_id": f["id"], "outcome": outcome})
    return index, records


def test_model_that_captures_outcomes_beats_hand_weights_on_held_out_opportunities():
    index, records = _world()
    data = learn.dataset(index, records, TODAY)
    report = learn.compare(data, k=10)
    assert report["model_ndcg"] > report["weights_ndcg"]
    assert report["use_model"] is True
    model = learn.fit(data)
    opp = records[0]["opportunity"]
    top = rank(index, opp, today=TODAY, top=5, model=model)["ranked"]
    assert all(index.firm(r["firm_id"]).target_markets == opp["markets"] for r in top)


def test_model_is_not_used_without_both_outcomes():
    index, records = _world()
    for r in records:
        r["outcome"] = 0
    report = learn.compare(learn.dataset(index, records, TODAY))
    assert report["use_model"] is False


def test_metrics():
    rel = {"a": 3, "b": 1}
    assert ndcg_at_k(["a", "b", "c"], rel) == 1.0
    assert ndcg_at_k(["c", "b", "a"], rel) < ndcg_at_k(["a", "c", "b"], rel) < 1.0
    assert recall_at_k(["a", "x"], rel, k=2) == 0.5


def _split_data(seed: int = 5, signal: bool = True) -> learn.Dataset:
    """40 opportunities of 10 firms over 400 days; the outcome follows factor 4 (ecommerce)
    when `signal`, else a coin; the hand score follows factor 0."""
    rng = np.random.default_rng(seed)
    n_opps, per = 40, 10
    x = rng.random((n_opps * per, len(learn.FACTORS)))
    y = (x[:, 4] > 0.5).astype(float) if signal else (rng.random(n_opps * per) < 0.5) * 1.0
    groups = np.repeat(np.arange(n_opps), per)
    days = np.repeat(date(2025, 1, 1).toordinal() + 10 * np.arange(n_opps), per)
    return learn.Dataset(x, y, groups, x[:, 0], [f"F{i}" for i in range(len(y))], days)


def test_time_split_never_trains_on_opportunities_later_than_it_tests_on():
    data = _split_data()
    cut = learn.default_cut(data)
    train, test = learn.time_masks(data, cut)
    assert data.days[train].max() < cut.toordinal() <= data.days[test].min()
    assert len(np.unique(data.groups[test])) == 12  # ~30% of 40
    result = learn.evaluate_split(data, cut)
    assert result.train.last_day < cut <= result.test.first_day


def test_split_evaluation_wins_only_when_outcomes_follow_a_factor():
    data = _split_data(signal=True)
    won = learn.evaluate_split(data, learn.default_cut(data))
    assert won.wins
    assert won.test.model_ndcg > won.test.hand_ndcg
    assert won.test.model_auc > 0.9 > won.test.hand_auc
    noise = _split_data(signal=False)
    lost = learn.evaluate_split(noise, learn.default_cut(noise))
    assert lost.enough
    assert not lost.wins


def test_linear_scorer_round_trips_through_json_and_matches_sklearn():
    data = _split_data()
    model = LogisticRegression(max_iter=1000).fit(data.X, data.y > 0)
    scorer = learn.LinearScorer.from_json(
        json.loads(json.dumps(learn.LinearScorer.from_sklearn(model).to_json())))
    assert np.allclose(scorer.predict_proba(data.X), model.predict_proba(data.X))


def test_auc_counts_ties_as_half():
    assert learn.auc(np.array([0.1, 0.9]), np.array([False, True])) == 1.0
    assert learn.auc(np.array([0.5, 0.5]), np.array([False, True])) == 0.5
    assert learn.auc(np.array([0.5, 0.5]), np.array([True, True])) is None
