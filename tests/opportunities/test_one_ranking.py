"""Each request ranks an opportunity once and serves the page, shortlist and suggestions from it."""

from __future__ import annotations

import importlib

import flask_babel
import pytest

from tests.opportunities.test_pipeline import _create, _entries


@pytest.fixture
def computations(monkeypatch):
    """Counts how many times every firm is scored (matching.rank.compute) for a ranking."""
    calls = []
    module = importlib.import_module("matching.rank")  # the package exports a rank()
    real = module.compute

    def counted(index, ctx):
        calls.append(ctx.opp.id)
        return real(index, ctx)

    monkeypatch.setattr(module, "compute", counted)
    return calls


def test_ranking_page_scores_the_firms_once(client, officer, db, nest_firms, computations):
    opp = _create(client, db)
    assert client.get(f"/opportunities/{opp.id}").status_code == 200
    assert computations == [str(opp.id)]


def test_shortlisting_three_firms_ranks_once_not_once_per_firm(client, officer, db, nest_firms,
                                                                computations):
    opp = _create(client, db)
    wanted = [nest_firms[k].id for k in ("a", "b", "c")]
    client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": wanted})
    assert computations == [str(opp.id)]
    entries = _entries(db, opp)
    assert sorted(entries) == sorted(wanted)
    assert all(e.reasons_at_shortlist for e in entries.values())


def test_saving_suggestions_ranks_once(client, officer, db, nest_firms, computations):
    opp = _create(client, db)
    client.post(f"/opportunities/{opp.id}/suggest", data={})
    assert computations == [str(opp.id)]
    entries = _entries(db, opp)
    assert len(entries) == 3
    assert {e.rank_at_shortlist for e in entries.values()} == {1, 2, 3}


def test_a_firm_outside_the_suggestions_keeps_its_score_and_reasons(client, officer, db,
                                                                   nest_firms, computations):
    opp = _create(client, db)
    near_miss = nest_firms["d"]  # lacks Halal: not among the ranked firms
    client.post(f"/opportunities/{opp.id}/shortlist",
                data={"firm_ids": [near_miss.id], "justification": "Đang làm Halal"})
    entry = _entries(db, opp)[near_miss.id]
    assert entry.rank_at_shortlist is None
    assert not entry.suggested
    assert float(entry.score_at_shortlist) > 0
    assert entry.reasons_at_shortlist[0]["factor"] == "product"
    assert computations == [str(opp.id)]


def test_stored_reasons_read_in_the_language_of_whoever_opens_them(client, officer, db,
                                                                  nest_firms):
    opp = _create(client, db)
    client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": [nest_firms["a"].id]})
    entry = _entries(db, opp)[nest_firms["a"].id]
    vi = client.get(f"/opportunities/{opp.id}/entries/{entry.id}").get_data(as_text=True)
    assert "khớp 0410" in vi
    client.post("/lang/en", data={"next": "/"})
    flask_babel.refresh()  # the test's app context outlives a request: drop the cached locale
    en = client.get(f"/opportunities/{opp.id}/entries/{entry.id}").get_data(as_text=True)
    assert "matches 0410" in en
    assert "khớp 0410" not in en


def test_compare_shows_two_firms_side_by_side(client, officer, db, nest_firms, computations):
    opp = _create(client, db)
    a, d = nest_firms["a"], nest_firms["d"]
    page = client.get(f"/opportunities/{opp.id}/compare?firm_ids={a.id}&firm_ids={d.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert a.name in text
    assert d.name in text
    assert "còn thiếu HALAL" in text  # d lacks the hard requirement, said in its column
    assert computations == [str(opp.id)]
    one = client.get(f"/opportunities/{opp.id}/compare?firm_ids={a.id}")
    assert one.status_code == 302
