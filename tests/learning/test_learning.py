"""Learning from outcomes in the app: time split, switching learned weights on only where
they win on later opportunities, the model version on shortlist entries, access, command."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from crm import ranking
from crm.errors import UserError
from crm.learning import queries, services
from crm.learning.cli import evaluate_command
from crm.models import EcommerceStore, LearnedModel, Opportunity, ShortlistEntry
from crm.opportunities.services import create_opportunity, shortlist_firms
from matching import learn
from tests import factories

TODAY = date(2026, 12, 1)
KIND = "trade_mission"


def _firms(n: int = 32) -> tuple[list[int], set[int]]:
    """Bird's nest firms; half sell online in English (the e-commerce factor, which the hand
    weights of a trade mission ignore) but are micro firms without export experience."""
    ids, online = [], set()
    for i in range(n):
        shop = i % 2 == 0
        firm = factories.make_firm(
            name=f"Công ty Yến {i}", size_class="micro" if shop else "large",
            employees=5 if shop else 300, export_experience_years=0 if shop else 12,
            languages=["vi", "en"] if shop else ["vi"])
        factories.make_product(firm, annual_capacity=1 if shop else 200,
                               capacity_unit="tonnes")
        factories.make_market(firm, "JP", "target", priority=1)
        if shop:
            factories.db.session.add(EcommerceStore(firm=firm, platform="amazon", market="JP"))
            online.add(firm.id)
        ids.append(firm.id)
    factories.db.session.flush()
    return ids, online


def _past(db, firm_ids: list[int], outcome, n_opps: int = 30, seed: int = 7) -> list[date]:
    """n_opps past missions, 10 invited firms each, one every 3 weeks up to TODAY - 30 days;
    outcome(firm_id, rng) -> final status of an invited firm."""
    rng = random.Random(seed)
    days = []
    for j in range(n_opps):
        day = TODAY - timedelta(days=30 + 21 * (n_opps - 1 - j))
        opp = Opportunity(code=f"PAST-{j}", kind=KIND, title=f"Đoàn cũ {j}", markets=["JP"],
                          hs_prefixes=["0410"], starts_on=day, status="closed")
        db.session.add(opp)
        for fid in rng.sample(firm_ids, 10):
            db.session.add(ShortlistEntry(opportunity=opp, firm_id=fid,
                                          status=outcome(fid, rng)))
        days.append(day)
    db.session.flush()
    return days


def _follows_online(online: set[int]):
    return lambda fid, rng: ("participated" if (fid in online) == (rng.random() < 0.9)
                             else "declined")


def _noise(fid: int, rng: random.Random) -> str:
    return "participated" if rng.random() < 0.5 else "declined"


def _top(opp, n: int) -> list[int]:
    return [int(r.firm_id) for r in
            ranking.rank_opportunity(opp, TODAY, top=n, ineligible_limit=0).ranked]


def test_time_split_trains_only_on_opportunities_before_the_cut(db):
    ids, online = _firms()
    days = _past(db, ids, _follows_online(online))
    cut = days[20]
    ev = services.evaluate_kind(KIND, TODAY, cut)
    assert ev.split.train.last_day < cut <= ev.split.test.first_day
    assert ev.split.train.opportunities == 20
    assert ev.split.test.opportunities == 10
    # the default cut keeps the latest ~30% for the test, and still never mixes them
    auto = services.evaluate_kind(KIND, TODAY)
    assert auto.split.train.last_day < auto.cut <= auto.split.test.first_day
    assert auto.split.test.opportunities == 9


def test_learned_weights_win_when_outcomes_follow_one_factor_and_can_be_switched_on(db):
    ids, online = _firms()
    _past(db, ids, _follows_online(online))
    ev = services.evaluate_kind(KIND, TODAY)
    test = ev.split.test
    assert test.model_ndcg > test.hand_ndcg + learn.MIN_NDCG_GAIN
    assert test.model_auc > test.hand_auc
    assert ev.learned_weights["ecommerce"] == max(ev.learned_weights.values())
    assert ev.wins

    model = services.switch_on(KIND, None, TODAY)
    assert (model.kind, model.version, model.active) == (KIND, 1, True)
    assert model.figures["test"]["opportunities"] == test.opportunities
    assert set(model.coefficients["coef"]) == set(learn.FACTORS)
    # the ranking now puts the firms that sell online first
    scorer = queries.active_scorer(KIND)
    assert scorer is not None

    opp = create_opportunity({"kind": KIND, "title": "Đoàn mới", "markets": "JP",
                              "hs_prefixes": "0410", "starts_on": "2027-02-01"}, None, TODAY)
    top = _top(opp, 5)
    assert set(top) <= online


def test_switching_on_again_keeps_one_active_version_per_kind(db):
    ids, online = _firms()
    _past(db, ids, _follows_online(online))
    first = services.switch_on(KIND, None, TODAY)
    second = services.switch_on(KIND, None, TODAY)
    assert second.version == 2
    assert not first.active
    assert first.deactivated_at is not None
    assert [m.version for m in db.session.scalars(
        select(LearnedModel).where(LearnedModel.active.is_(True)))] == [2]
    services.switch_off(KIND)
    assert queries.active_scorer(KIND) is None


def test_noise_outcomes_refuse_switching_on(db):
    ids, _online = _firms()
    _past(db, ids, _noise)
    ev = services.evaluate_kind(KIND, TODAY)
    assert ev.enough
    assert not ev.wins
    with pytest.raises(UserError, match="Không bật"):
        services.switch_on(KIND, None, TODAY)
    assert queries.active_model(KIND) is None


def test_too_little_data_says_how_many_outcomes_are_needed(db):
    ids, online = _firms()
    _past(db, ids, _follows_online(online), n_opps=6)
    ev = services.evaluate_kind(KIND, TODAY)
    assert not ev.enough
    assert ev.split.scorer is None  # no figures shown from noise
    message = services.shortfall_message(ev)
    assert "Chưa đủ dữ liệu" in message
    assert f"{learn.MIN_TRAIN_POSITIVES} kết quả tốt" in message
    with pytest.raises(UserError, match="Chưa đủ dữ liệu"):
        services.switch_on(KIND, None, TODAY)


def test_shortlist_entry_records_the_model_version_it_was_ranked_with(db):
    ids, online = _firms()
    _past(db, ids, _follows_online(online))
    data = {"kind": KIND, "title": "Đoàn mới", "markets": "JP", "hs_prefixes": "0410",
            "starts_on": "2027-02-01"}
    before = create_opportunity(data, None, TODAY)

    first = _top(before, 1)
    [entry] = shortlist_firms(before, first, None, TODAY)
    assert entry.model_version is None  # hand-set weights
    services.switch_on(KIND, None, TODAY)
    after = create_opportunity(data, None, TODAY)
    first = _top(after, 1)
    [entry] = shortlist_firms(after, first, None, TODAY)
    assert entry.model_version == 1
    assert entry.rank_at_shortlist == 1


@pytest.mark.parametrize("role", ["officer", "viewer", "enterprise"])
def test_learning_page_is_for_managers_only(client, login_as, role):
    login_as(role)
    assert client.get("/learning/").status_code == 403
    assert client.post(f"/learning/{KIND}/on").status_code == 403


def test_manager_sees_figures_and_is_refused_on_noise(client, login_as, db):
    ids, _online = _firms()
    _past(db, ids, _noise)
    db.session.commit()
    login_as("manager")
    page = client.get("/learning/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "nDCG@10" in html
    assert "Chưa đủ dữ liệu" in html
    resp = client.post(f"/learning/{KIND}/on", follow_redirects=True)
    assert "Không bật" in resp.get_data(as_text=True)
    assert queries.active_model(KIND) is None


def test_manager_switches_learned_weights_on_from_the_page(client, login_as, db):
    ids, online = _firms()
    _past(db, ids, _follows_online(online))
    db.session.commit()
    login_as("manager")
    resp = client.post(f"/learning/{KIND}/on", follow_redirects=True)
    assert resp.status_code == 200
    assert queries.active_version(KIND) == 1


@pytest.mark.parametrize("args", [["--kind", "fair"], ["--cut", "2026-13-01"],
                                  ["--cut", "2999-01-01"]])
def test_evaluate_command_refuses_bad_input_with_exit_2(app, db, args):
    result = CliRunner().invoke(evaluate_command, args, obj=None)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0  # one line


def test_evaluate_command_prints_the_held_out_figures(app, db):
    ids, online = _firms()
    _past(db, ids, _follows_online(online))
    result = app.test_cli_runner().invoke(args=["learn", "evaluate", "--kind", KIND])
    assert result.exit_code == 0, result.output
    assert "learned weights WIN on the test part" in result.output
    assert re.search(r"test +9 opportunities", result.output)
