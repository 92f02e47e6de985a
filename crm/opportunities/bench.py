"""`crm bench ranking --firms 100000`: time opportunity ranking pages through the app.

Loads firms with crm.demodata.synthetic.generate_firms into a separate database (instance/
bench_ranking.db unless --database-url is given; reused when already loaded), adds a few
opportunities of each kind, builds the ranking index once (timed apart: it happens once per
process) and then times ranking pages as an officer opens them: plain, filtered by province
or size, eligible only, longer lists, plus a firm profile change between rounds so the
incremental upsert is part of the measured path.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta

import click
from sqlalchemy import func, select

from crm import clock
from crm.config import INSTANCE_DIR, Config

OPPORTUNITIES = [
    {"code": "BENCH-1", "kind": "trade_mission", "title": "Đoàn yến sào, cà phê Halal tại UAE",
     "markets": ["AE", "SA"], "hs_prefixes": ["0410", "0901"], "keywords": ["yến sào", "cà phê"],
     "required_certifications": ["HALAL"], "preferred_certifications": ["HACCP"]},
    {"code": "BENCH-2", "kind": "trade_fair", "title": "Hội chợ thủy sản Boston",
     "markets": ["US"], "hs_prefixes": ["03", "1605"], "keywords": ["tôm", "cá"],
     "preferred_certifications": ["BAP", "ASC"]},
    {"code": "BENCH-3", "kind": "ecommerce_cohort", "title": "Nhóm bán hàng Amazon Nhật Bản",
     "markets": ["JP"], "hs_prefixes": ["0801", "0813", "0901"], "platform": "amazon"},
    {"code": "BENCH-4", "kind": "distribution_partner", "title": "Nhà phân phối EU tìm cà phê",
     "markets": ["DE", "NL", "FR"], "hs_prefixes": ["0901"], "keywords": ["cà phê rang"],
     "required_certifications": ["EUDR"], "diversity": True},
]
VIEWS = ["", "?province=56", "?province=66", "?size=small", "?eligible_only=y", "?top=100",
         "?verified_only=y",
         "?province=79&size=medium"]


def _config(url: str) -> type[Config]:
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False

    return BenchConfig


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@click.command("ranking")
@click.option("--firms", "n_firms", type=click.IntRange(1, 1_000_000), default=100_000,
              show_default=True)
@click.option("--database-url", default=None,
              help="Default: a separate SQLite file, instance/bench_ranking.db.")
@click.option("--rounds", type=click.IntRange(1, 50), default=5, show_default=True)
def ranking_bench(n_firms: int, database_url: str | None, rounds: int) -> None:
    """Time opportunity ranking pages with N firms; print build time and p50/p95 in ms."""
    from crm import create_app, ranking
    from crm.demodata.synthetic import generate_firms, generated_count
    from crm.extensions import db
    from crm.models import Firm, Opportunity, User
    from crm.models.base import refresh_statistics, utcnow

    INSTANCE_DIR.mkdir(exist_ok=True)
    url = database_url or f"sqlite:///{INSTANCE_DIR / 'bench_ranking.db'}"
    app = create_app(_config(url))
    with app.app_context():
        have = generated_count() if db.inspect(db.engine).has_table("firms") else 0
        if have < n_firms:
            click.echo(f"Generating {n_firms - have} firms ({have} already there)...", err=True)
            t0 = time.perf_counter()
            generate_firms(n_firms)
            click.echo(f"  generated in {time.perf_counter() - t0:.0f} s", err=True)
        starts = clock.today() + timedelta(days=120)
        for spec in OPPORTUNITIES:
            if db.session.scalar(select(Opportunity.id).where(
                    Opportunity.code == spec["code"])) is None:
                db.session.add(Opportunity(status="open", starts_on=starts, slots=15,
                                           **spec))
        officer = db.session.scalar(select(User).where(User.email == "bench@example.vn"))
        if officer is None:
            officer = User(email="bench@example.vn", name="Bench Officer", role="officer")
            officer.set_password("bench-only-password")
            db.session.add(officer)
        refresh_statistics()  # commits; also for a database loaded by an earlier run
        officer_session_id = officer.get_id()  # "id:session_version"
        opp_ids = list(db.session.scalars(select(Opportunity.id).where(
            Opportunity.code.like("BENCH-%")).order_by(Opportunity.code)))
        total = db.session.scalar(select(func.count()).select_from(Firm)
                                  .where(Firm.archived.is_(False)))
        t0 = time.perf_counter()
        ranking.live_index()
        build = time.perf_counter() - t0
        firm_ids = list(db.session.scalars(select(Firm.id).where(Firm.archived.is_(False))
                                           .order_by(Firm.id).limit(rounds * 3)))
        db.session.remove()
    click.echo(f"index of {total} active firms built in {build:.1f} s", err=True)

    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = officer_session_id
        sess["_fresh"] = True
    timings: dict[str, list[float]] = {}
    for n_round in range(rounds + 1):
        if n_round:
            # A few profiles change between rounds: the next requests upsert them.
            with app.app_context():
                for fid in firm_ids[(n_round - 1) * 3:n_round * 3]:
                    db.session.get(Firm, fid).updated_at = utcnow()
                db.session.commit()
        for opp_id in opp_ids:
            for view in VIEWS:
                u = f"/opportunities/{opp_id}{view}"
                t0 = time.perf_counter()
                resp = client.get(u)
                ms = (time.perf_counter() - t0) * 1000
                if resp.status_code != 200:
                    raise click.ClickException(f"{u} answered {resp.status_code}")
                if n_round:  # round 0 warms templates and caches
                    timings.setdefault(u, []).append(ms)
    everything = [t for ts in timings.values() for t in ts]
    engine = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    click.echo(f"{engine}: {total} active firms, {len(timings)} pages x {rounds} rounds; "
               f"index build {build:.1f} s")
    click.echo("slowest (median ms):")
    for ms, u in sorted(((statistics.median(ts), u) for u, ts in timings.items()),
                        reverse=True)[:6]:
        click.echo(f"  {ms:8.1f}  {u}")
    click.echo(f"p50 {_pct(everything, 50):.1f} ms  p95 {_pct(everything, 95):.1f} ms  "
               f"max {max(everything):.1f} ms")
