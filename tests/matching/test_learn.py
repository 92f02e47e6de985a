"""Learning from outcomes: the model is used only where it beats the hand-set weights."""

from __future__ import annotations

import random
from datetime import date

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
