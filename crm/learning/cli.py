"""`flask --app crm learn evaluate [--kind K] [--cut YYYY-MM-DD]`: the learning page's figures."""

from __future__ import annotations

import json
from datetime import date

import click

from crm import clock
from crm.errors import UserError, fail
from crm.learning import bp, services
from crm.models.opportunity import OPPORTUNITY_KINDS


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


@bp.cli.command("evaluate")
@click.option("--kind", default=None, help="Opportunity kind (default: every kind)")
@click.option("--cut", default=None, help="Train before this day, test from it (YYYY-MM-DD)")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON")
def evaluate_command(kind: str | None, cut: str | None, as_json: bool) -> None:
    """Hand-set vs learned weights on a time split, per opportunity kind."""
    if kind is not None and kind not in OPPORTUNITY_KINDS:
        fail(f"unknown kind {kind!r}; choose one of {', '.join(OPPORTUNITY_KINDS)}")
    cut_day = None
    if cut is not None:
        try:
            cut_day = date.fromisoformat(cut.strip())
        except ValueError:
            fail(f"invalid --cut {cut!r}; expected YYYY-MM-DD")
    today = clock.today()
    if cut_day is not None and cut_day > today:
        fail(f"--cut {cut_day} is after today ({today})")
    out = []
    for k in [kind] if kind else OPPORTUNITY_KINDS:
        try:
            ev = services.evaluate_kind(k, today, cut_day)
        except UserError as err:
            fail(err.message)
        out.append(ev)
    if as_json:
        click.echo(json.dumps([services.figures(ev) for ev in out], indent=2))
        return
    for ev in out:
        _print(ev)


def _print(ev: services.KindEvaluation) -> None:
    click.echo(f"== {ev.kind}: {ev.opportunities} past opportunities, {ev.rows} invited firms, "
               f"{ev.positives} took part or had a result")
    split = ev.split
    if split is None:
        click.echo("   no recorded outcomes yet")
        return
    for name, part in (("train", split.train), ("test", split.test)):
        span = f"{part.first_day} .. {part.last_day}" if part.first_day else "-"
        click.echo(f"   {name:5} {part.opportunities:3d} opportunities {part.rows:4d} invited "
                   f"{part.positives:4d} positive  ({span})")
    click.echo(f"   cut {ev.cut}: train before it, test on and after it")
    if not split.enough:
        need = ", ".join(f"{n} more {k.replace('_', ' ')}" for k, n in split.shortfall.items())
        click.echo(f"   too little data to compare: need {need}")
        return
    t, tr = split.test, split.train
    click.echo(f"   {'':22}{'NDCG@10':>9}{'AUC':>8}   (train, in-sample: NDCG@10 AUC)")
    click.echo(f"   {'hand weights':22}{_fmt(t.hand_ndcg):>9}{_fmt(t.hand_auc):>8}   "
               f"({_fmt(tr.hand_ndcg)} {_fmt(tr.hand_auc)})")
    click.echo(f"   {'learned weights':22}{_fmt(t.model_ndcg):>9}{_fmt(t.model_auc):>8}   "
               f"({_fmt(tr.model_ndcg)} {_fmt(tr.model_auc)})")
    click.echo(f"   NDCG gain {_fmt(split.ndcg_gain)} ± {_fmt(split.ndcg_gain_se)} (s.e.): "
               + ("learned weights WIN on the test part" if ev.wins
                  else "learned weights do not win; the hand weights stay"))
    learned = ev.learned_weights or {}
    click.echo("   factor       hand  learned")
    for f, w in learned.items():
        click.echo(f"   {f:10} {ev.hand_weights.get(f, 0.0):6.2f} {w:8.2f}")
