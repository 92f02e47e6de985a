"""`crm bench alerts`: precision and recall of the notice targeting on its labelled set, and
the time to match one notice against N firms (the synthetic firms of `crm generate`)."""

from __future__ import annotations

import statistics
import time
from importlib import resources

import click
from sqlalchemy import func, select

from crm.config import INSTANCE_DIR


def _fixture_drafts() -> list:
    """The notices of the fixture files (parsed, not saved)."""
    from crm.notices import adapters

    files = (("eping", "eping_notifications.json", None), ("eping", "eping_notifications.csv",
             None), ("rasff", "rasff_export.json", None),
             ("fda_refusal", "fda_refusals.csv", "fda_refusal_charges.csv"),
             ("moit_trade_remedy", "moit_trade_remedies.xlsx", None))
    root = resources.files("crm.notices").joinpath("fixtures")
    drafts = []
    for source, name, charges in files:
        extra = root.joinpath(charges).read_bytes() if charges else None
        drafts += adapters.parse(source, root.joinpath(name).read_bytes(), extra).drafts
    return drafts


@click.command("alerts")
@click.option("--firms", "n_firms", type=click.IntRange(1, 1_000_000), default=100_000,
              show_default=True)
@click.option("--database-url", default=None,
              help="Default: a separate SQLite file, instance/bench.db (shared with "
                   "`crm bench search`).")
@click.option("--rounds", type=click.IntRange(1, 50), default=5, show_default=True)
def alerts_bench(n_firms: int, database_url: str | None, rounds: int) -> None:
    """Targeting quality on the labelled set, then match time per notice at N firms."""
    from crm import create_app
    from crm.bench import _bench_config, _percentile
    from crm.demodata.scratch import scratch_app
    from crm.demodata.synthetic import ensure_schema, generate_firms, generated_count
    from crm.extensions import db
    from crm.models import Firm
    from crm.models.base import refresh_statistics
    from crm.notices import quality
    from crm.notices.targeting import match_notice

    ids: dict[str, int] = {}
    with scratch_app(lambda: ids.update(quality.build_labelled_firms())) as app, \
            app.app_context():
        result = quality.evaluate(ids)
        db.session.remove()
    n_notices = len(result.per_notice)
    click.echo(f"labelled set: {len(ids)} firms, {n_notices} notices: precision "
               f"{result.precision:.3f}, recall {result.recall:.3f} "
               f"(tp {result.true_positives}, fp {result.false_positives}, "
               f"fn {result.false_negatives})")
    for name, extra, missed in result.per_notice:
        if extra or missed:
            click.echo(f"  {name}: extra {extra} missed {missed}")

    INSTANCE_DIR.mkdir(exist_ok=True)
    url = database_url or f"sqlite:///{INSTANCE_DIR / 'bench.db'}"
    app = create_app(_bench_config(url))
    with app.app_context():
        ensure_schema()
        have = generated_count()
        if have < n_firms:
            click.echo(f"Loading {n_firms - have} firms ({have} already there)...", err=True)
            generate_firms(n_firms)
        refresh_statistics()
        total = db.session.scalar(select(func.count()).select_from(Firm)) or 0
        timings: list[float] = []
        click.echo(f"{db.engine.url.get_backend_name()}: {total} firms")
        for draft in _fixture_drafts():
            match_notice(draft)  # warm-up
            these = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                found = match_notice(draft)
                these.append((time.perf_counter() - t0) * 1000)
            timings += these
            click.echo(f"  {statistics.median(these):8.1f} ms  {len(found):6d} firms  "
                       f"{draft.source} {draft.external_id}")
        db.session.remove()
    click.echo(f"match one notice: p50 {_percentile(timings, 50):.1f} ms  "
               f"p95 {_percentile(timings, 95):.1f} ms  max {max(timings):.1f} ms")
