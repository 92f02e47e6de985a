"""`crm bench`: benchmark commands that print figures.

`crm bench search --firms 100000` loads the synthetic firms of `crm generate`
(crm.demodata.synthetic) into a separate database (instance/bench.db unless --database-url
says otherwise; reused when already loaded) and times varied firm-list requests through the
app, as a logged-in officer would make them.
"""

from __future__ import annotations

import importlib
import statistics
import time
from typing import Any

import click
from sqlalchemy import func, select

from crm.bench_database import with_bench_database
from crm.config import INSTANCE_DIR, Config

# --- the benchmark ---------------------------------------------------------------------------


def _bench_config(url: str) -> type[Config]:
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False

    return BenchConfig


def bench_requests(sample_tax_code: str, pages: int) -> list[str]:
    """Varied firm-list URLs: text with and without diacritics, typos, filters, sorts, pages."""
    deep = max(pages * 3 // 4, 1)
    return [
        "/firms/",
        "/firms/?q=ca+phe+dak+lak",
        "/firms/?q=C%C3%A0+ph%C3%AA+%C4%90%E1%BA%AFk+L%E1%BA%AFk",  # Cà phê Đắk Lắk
        "/firms/?q=CA+PHE",
        "/firms/?q=yen+sao+khanh+hoa",
        "/firms/?q=y%E1%BA%BFm+s%C3%A0o",  # yếm sào: typo
        "/firms/?q=ca+phe+dak+lac",  # typo
        "/firms/?q=tom+the+dong+lanh",
        "/firms/?q=thanh+lng",  # typo
        f"/firms/?q={sample_tax_code}",
        f"/firms/?q={sample_tax_code[:5]}",
        "/firms/?province=56",
        "/firms/?province=66&q=ca+phe",
        "/firms/?hs=03",
        "/firms/?hs=0901&cert=RAINFOREST",
        "/firms/?cert=HACCP",
        "/firms/?market=EU27",
        "/firms/?market=JP&size=large",
        "/firms/?size=micro&sort=updated",
        "/firms/?sort=province",
        "/firms/?sort=size",
        "/firms/?sort=updated",
        f"/firms/?page={deep}",
        f"/firms/?sort=updated&archived=y&page={deep}",
        f"/firms/?q=cong+ty&page={deep // 2}",
        "/firms/?q=thuy+san&sort=name&page=100",
        "/firms/?market=ASEAN&hs=08&page=50",
        "/firms/?q=hat+dieu&market=CN&cert=HACCP",
        "/firms/?q=xuat+nhap+khau&province=79&sort=size",
        "/firms/?q=ca+tra+phi+le",
        "/firms/?q=khongcotukhoanay",  # nothing, even after typo correction
        "/firms/?q=0306",  # HS heading typed in the box
        "/firms/?q=0901.11",
        "/firms/?q=HS+2103.90",
        "/firms/?q=tom+Nha+Trang",  # product + city (Khánh Hòa)
        "/firms/?q=cty+tnhh+thuy+san",  # legal forms are not required
        "/firms/?q=shrimp",  # English product word
        "/firms/?q=daklak",  # joined place name
        "/firms/?q=h%E1%BB%93+ti%C3%AAu+B%C3%ACnh+Ph%C6%B0%E1%BB%9Bc",  # hồ tiêu Bình Phước
        "/firms/?q=ca+phe&province=66&sort=updated",
        "/firms/?province=999&page=abc",  # bad values: a message, never a 500
    ]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@click.group("bench")
def bench_command() -> None:
    """Benchmarks (print p50/p95)."""


@bench_command.command("search")
@click.option("--firms", "n_firms", type=click.IntRange(1, 1_000_000), default=100_000,
              show_default=True)
@click.option("--database-url", default=None,
              help="Default: a separate SQLite file, instance/bench.db.")
@click.option("--rounds", type=click.IntRange(1, 50), default=3, show_default=True,
              help="Timed passes over the request list (after one warm-up pass).")
def search_bench(n_firms: int, database_url: str | None, rounds: int) -> None:
    """Time varied firm-list searches through the app; print p50/p95 in ms."""
    app, officer_session_id, total, sample = prepare_search_bench(n_firms, database_url)
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = officer_session_id
        sess["_fresh"] = True
    urls = bench_requests(sample or "4800000001", total // app.config["FIRMS_PER_PAGE"])
    timings: dict[str, list[float]] = {u: [] for u in urls}
    for n_pass in range(rounds + 1):
        for u in urls:
            t0 = time.perf_counter()
            resp = client.get(u)
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                raise click.ClickException(f"{u} answered {resp.status_code}")
            if n_pass:  # pass 0 warms caches (templates, the typo vocabulary)
                timings[u].append(elapsed)
    _report(timings, total, app.config["SQLALCHEMY_DATABASE_URI"])


def prepare_search_bench(n_firms: int, database_url: str | None,
                         config: dict[str, Any] | None = None) -> tuple[Any, str, int, str]:
    """The search bench's app and database (loaded once, then reused), its officer: (app,
    the officer's session id, number of firms, a sample tax code). `config` overrides
    settings of the app."""
    from crm import create_app
    from crm.demodata.synthetic import ensure_schema, generate_firms, generated_count
    from crm.extensions import db
    from crm.models import Firm, User
    from crm.models.base import refresh_statistics

    INSTANCE_DIR.mkdir(exist_ok=True)
    url = database_url or f"sqlite:///{INSTANCE_DIR / 'bench.db'}"
    bench_config = _bench_config(url)
    for key, value in (config or {}).items():
        setattr(bench_config, key, value)
    app = create_app(bench_config)
    with app.app_context():
        ensure_schema()
        have = generated_count()
        if have < n_firms:
            click.echo(f"Loading {n_firms - have} firms ({have} already there)...", err=True)
            t0 = time.perf_counter()
            generate_firms(n_firms)
            click.echo(f"  loaded in {time.perf_counter() - t0:.0f} s", err=True)
        refresh_statistics()  # also for a database loaded by an earlier run
        total = db.session.scalar(select(func.count()).select_from(Firm)) or 0
        officer = db.session.scalar(select(User).where(User.email == "bench@example.vn"))
        if officer is None:
            officer = User(email="bench@example.vn", name="Bench Officer", role="officer")
            officer.set_password("bench-only-password")
            db.session.add(officer)
            db.session.commit()
        officer_session_id = officer.get_id()  # "id:session_version" (User.get_id)
        sample = db.session.scalar(select(Firm.tax_code).order_by(Firm.id.desc()).limit(1))
        db.session.remove()
    return app, officer_session_id, total, sample or "4800000001"


def _report(timings: dict[str, list[float]], total: int, url: str) -> None:
    everything = [t for ts in timings.values() for t in ts]
    engine = url.split(":", 1)[0]
    click.echo(f"{engine}: {total} firms, {len(timings)} request kinds x "
               f"{len(everything) // max(len(timings), 1)} passes")
    click.echo("slowest (median ms):")
    slowest: list[tuple[float, Any]] = sorted(
        ((statistics.median(ts), u) for u, ts in timings.items()), reverse=True)
    for ms, u in slowest[:8]:
        click.echo(f"  {ms:8.1f}  {u}")
    click.echo(f"p50 {_percentile(everything, 50):.1f} ms  p95 {_percentile(everything, 95):.1f} ms"
               f"  max {max(everything):.1f} ms")


from crm.opportunities.bench import ranking_bench  # noqa: E402

bench_command.add_command(ranking_bench)
bench_command.add_command(importlib.import_module("crm.imports.bench").import_bench)
bench_command.add_command(importlib.import_module("crm.hscodes.bench").hs_suggest_bench)
bench_command.add_command(importlib.import_module("crm.duplicates.bench").duplicates_bench)
bench_command.add_command(importlib.import_module("crm.notices.bench").alerts_bench)
bench_command.add_command(importlib.import_module("crm.messaging.bench").reminders_bench)
bench_command.add_command(importlib.import_module("crm.api.bench").api_bench)


@bench_command.command("search-quality")
@click.option("--database-url", default=None,
              help="A PostgreSQL database to run in (a fresh schema, dropped after). "
                   "Default: a temporary SQLite file.")
@click.option("--worst", type=click.IntRange(0, 500), default=10, show_default=True,
              help="Queries to show with what they returned.")
def search_quality_bench(database_url: str | None, worst: int) -> None:
    """Recall@20, MRR and nDCG@10 of the firm search on the labelled set (crm.search.quality)."""
    from crm.search.quality import run_report

    click.echo(run_report(database_url, worst))


for _bench in bench_command.commands.values():  # every bench, wherever it is defined
    _bench.callback = with_bench_database(_bench.callback)


def _register_feature_benches() -> None:
    """Benches that live beside their feature."""
    from crm.meetings.bench import schedule_bench

    bench_command.add_command(schedule_bench)


_register_feature_benches()
