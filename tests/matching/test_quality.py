"""The larger labelled set (tests/matching/data/quality): floors, tie-breaks, the bench command."""

from __future__ import annotations

import json
from datetime import date

import pytest

from matching import FirmIndex, match, rank
from matching import factors as fx
from matching.__main__ import DEFAULT_SET, load_firms
from matching.evaluate import evaluate, load_set, summary
from matching.records import parse_opportunity
from matching.weights import TIE_WEIGHTS

TODAY = date(2026, 12, 1)
# Floors a little under the figures measured when the set was written (README "Ranking
# quality"): all 0.934, held-out 0.922, per kind >= 0.910. A change that loses more fails.
FLOORS = {"all": 0.92, "held-out": 0.90, "kind": 0.89}


@pytest.fixture(scope="module")
def qset():
    lset = load_set(DEFAULT_SET)
    firms = [f for p in lset.firm_files for f in load_firms(str(p))]
    return lset, FirmIndex.build(firms)


def test_set_has_realistic_breadth(qset):
    lset, index = qset
    kinds = {c["opportunity"]["kind"] for c in lset.cases}
    assert kinds == {"trade_mission", "trade_fair", "ecommerce_cohort", "distribution_partner"}
    assert len(lset.cases) >= 35
    assert index.n_rows >= 170
    for c in lset.cases:  # every graded firm exists, grades are 0-3
        assert set(c["relevance"]) <= set(index.ids), c["opportunity"]["id"]
        assert set(c["relevance"].values()) <= {0, 1, 2, 3}


def test_ranking_stays_above_the_quality_floors(qset):
    lset, index = qset
    whole = evaluate(index, lset.cases, lset.today)
    held = evaluate(index, lset.held_out(), lset.today)
    assert whole["violations"] == 0, [r for r in whole["cases"] if r["violations"]]
    assert whole["ndcg"] >= FLOORS["all"]
    assert held["ndcg"] >= FLOORS["held-out"]
    kinds = summary(whole, lset.cases)["kinds"]
    assert min(kinds.values()) >= FLOORS["kind"], kinds


def test_tie_breaks_agree_firm_by_firm_with_the_reference(qset):
    lset, index = qset
    for c in lset.cases[::3]:
        m = match(index, c["opportunity"], today=lset.today)
        ctx = fx.Context.build(parse_opportunity(c["opportunity"]), lset.today, index.text)
        for row, fid in enumerate(index.ids):
            a = fx.assess(index.firm(row), ctx, text_index=index.text)
            for name in TIE_WEIGHTS:
                assert m.scores.ties[name][row] == pytest.approx(a.ties[name]), (fid, name)
            assert m.scores.score[row] == pytest.approx(fx.final_score(a), abs=1.1e-4), fid


def _coffee(fid: str, **extra: object) -> dict:
    firm = {
        "id": fid,
        "name": f"Cà phê {fid}",
        "size": "medium",
        "products": [{"name": "Cà phê nhân", "hs_code": "090111"}],
        "target_markets": ["JP"],
    }
    firm.update(extra)
    return firm


def _mission(**extra: object) -> dict:
    opp = {
        "id": "O",
        "kind": "trade_mission",
        "markets": ["JP"],
        "hs_prefixes": ["0901", "2101"],
        "preferred_certifications": ["RAINFOREST"],
        "starts_on": "2027-05-17",
    }
    opp.update(extra)
    return opp


def test_otherwise_equal_firms_are_told_apart_by_coverage_certificates_and_support():
    instant = {"name": "Cà phê hòa tan", "hs_code": "210111"}
    cert = {"code": "RAINFOREST", "valid_from": "2025-01-01"}
    firms = [
        _coffee("A", certifications=[{**cert, "valid_until": "2027-06-30"}]),  # renewal due
        _coffee("B", certifications=[cert]),
        _coffee("C", certifications=[cert], products=_coffee("C")["products"] + [instant]),
        _coffee("D", certifications=[cert],
                support_history=[{"kind": "trade_mission", "date": "2020-01-01"}]),
    ]
    ranked = rank(FirmIndex.build(firms), _mission(), today=TODAY)["ranked"]
    # C covers both prefixes; B and D hold a certificate valid beyond next year; D was
    # supported before (long ago: no exposure decay, only the tie-break)
    assert [r["firm_id"] for r in ranked] == ["C", "B", "D", "A"]
    assert ranked[0]["score"] - ranked[-1]["score"] <= sum(TIE_WEIGHTS.values())


def test_truly_equal_firms_still_tie_and_fall_back_to_firm_id():
    firms = [_coffee(fid) for fid in ("F3", "F1", "F2")]
    ranked = rank(FirmIndex.build(firms), _mission(), today=TODAY)["ranked"]
    assert len({r["score"] for r in ranked}) == 1
    assert [r["firm_id"] for r in ranked] == ["F1", "F2", "F3"]


def test_quality_command_prints_the_figures(run_cli):
    out = run_cli("quality")
    assert out.returncode == 0, out.stderr
    assert "mean nDCG@10:" in out.stdout
    assert "held-out 9 cases" in out.stdout
    assert "trade_fair" in out.stdout
    assert "hard-requirement violations: 0" in out.stdout
    assert out.stdout.count("\n  0.") >= 5  # worst 5


def test_quality_command_exits_2_with_one_line_on_bad_input(run_cli, tmp_path):
    bad = tmp_path / "cases.json"
    bad.write_text('{"today": "2026-12-01", "cases": [', encoding="utf-8")
    out = run_cli("quality", "--cases", str(bad))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert "invalid JSON" in out.stderr
    missing = run_cli("quality", "--cases", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "cannot read file" in missing.stderr
    (tmp_path / "firms.jsonl").write_text('{"id": "A", "name": "A"}\n', encoding="utf-8")
    bad.write_text(
        json.dumps({"today": "2026-12-01", "cases": [
            {"opportunity": {"id": "O", "kind": "webinar"}, "relevance": {}}]}),
        encoding="utf-8",
    )
    kind = run_cli("quality", "--cases", str(bad))
    assert kind.returncode == 2
    assert "unknown kind" in kind.stderr
    assert "Traceback" not in kind.stderr
