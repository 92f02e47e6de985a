"""`crm bench api`: `GET /api/v1/firms?q=…` against the HTML firm list, same searches.

The search bench's database and request mix (crm/bench.py): each HTML firm-list URL is
asked of the API with the same search and filters (a page number becomes the cursor of that
page), one after the other, so both see the same load. Prints p50/p95 of each and the gap.
"""

from __future__ import annotations

import statistics
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import click

from crm.api.core import encode_cursor

API_ARGS = {"q", "province", "hs", "cert", "market", "size", "sort"}


def api_url(html_url: str, limit: int) -> str:
    """The API request for an HTML firm-list URL: the same search, filters and page."""
    args = dict(parse_qsl(urlsplit(html_url).query))
    query: dict[str, str] = {k: v for k, v in args.items() if k in API_ARGS and v}
    if args.get("province", "").isdigit() is False:
        query.pop("province", None)
    if args.get("archived"):
        query["archived"] = "true"
    query["limit"] = str(limit)
    page = args.get("page", "")
    if page.isdigit() and int(page) > 1:
        # The cursor of page N carries N (crm/api/firms.py), as a client that paged there.
        query["cursor"] = encode_cursor({"k": "firms", "o": int(page), "l": limit})
    return "/api/v1/firms/?" + urlencode(query)


def _pct(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@click.command("api")
@click.option("--firms", "n_firms", type=click.IntRange(1, 1_000_000), default=100_000,
              show_default=True)
@click.option("--database-url", default=None,
              help="Default: the search bench's SQLite file, instance/bench.db.")
@click.option("--rounds", type=click.IntRange(1, 50), default=3, show_default=True,
              help="Timed passes over the request list (after one warm-up pass).")
@click.option("--searches", type=click.IntRange(1, 1000), default=None,
              help="Only the first N searches of the list (default: all; a quick check).")
def api_bench(n_firms: int, database_url: str | None, rounds: int,
              searches: int | None) -> None:
    """Time the firm search through the API and through the HTML list; print p50/p95 in ms."""
    from crm.auth import tokens
    from crm.bench import bench_requests, prepare_search_bench
    from crm.extensions import db
    from crm.models import User

    # Throttling is off: 120 requests a minute per token would stop the bench, not time it.
    app, officer_session_id, total, sample = prepare_search_bench(
        n_firms, database_url, {"RATELIMIT_ENABLED": False})
    with app.app_context():
        officer = db.session.get(User, int(officer_session_id.split(":")[0]))
        secret = tokens.create_token(officer, "bench", ["firms:read"], 1).secret
        db.session.commit()
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = officer_session_id
        sess["_fresh"] = True
    limit = app.config["FIRMS_PER_PAGE"]
    pairs = [(u, api_url(u, limit))
             for u in bench_requests(sample, total // limit)[:searches]]
    headers = {"Authorization": f"Bearer {secret}"}
    html: list[float] = []
    api: list[float] = []
    slowest: dict[str, list[float]] = {}
    for n_pass in range(rounds + 1):
        for page_url, api_request in pairs:
            for kind, url, kw in (("html", page_url, {}), ("api", api_request,
                                                          {"headers": headers})):
                t0 = time.perf_counter()
                resp = client.get(url, **kw)
                elapsed = (time.perf_counter() - t0) * 1000
                if resp.status_code != 200:
                    raise click.ClickException(f"{url} answered {resp.status_code}")
                if n_pass:  # pass 0 warms caches (templates, the typo vocabulary)
                    (html if kind == "html" else api).append(elapsed)
                    if kind == "api":
                        slowest.setdefault(url, []).append(elapsed)
    engine = app.config["SQLALCHEMY_DATABASE_URI"].split(":", 1)[0]
    click.echo(f"{engine}: {total} firms, {len(pairs)} searches x {rounds} passes, "
               f"{limit} firms a page")
    click.echo("slowest API requests (median ms):")
    for ms, url in sorted(((statistics.median(t), u) for u, t in slowest.items()),
                          reverse=True)[:5]:
        click.echo(f"  {ms:8.1f}  {url}")
    for name, values in (("HTML firm list", html), ("API /api/v1/firms", api)):
        click.echo(f"{name:18} p50 {_pct(values, 50):.1f} ms  p95 {_pct(values, 95):.1f} ms")
    click.echo(f"API p95 - HTML p95: {_pct(api, 95) - _pct(html, 95):+.1f} ms")
