"""`crm bench api`: the API firm search against the HTML list, same searches."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from click.testing import CliRunner

from crm.api.bench import api_url
from crm.api.core import decode_cursor
from crm.cli import cli


def test_api_request_has_the_html_lists_search_filters_and_page():
    url = api_url("/firms/?q=ca+phe&province=66&sort=updated&archived=y&page=7", 25)
    args = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert args["q"] == "ca phe"
    assert (args["province"], args["sort"], args["archived"], args["limit"]) == (
        "66", "updated", "true", "25")
    assert decode_cursor(args["cursor"], "firms")["o"] == 7


def test_api_bench_prints_p95_of_both_and_the_gap(tmp_path):
    # A few searches: the timings' format is checked here, not the speed (the whole list,
    # 41 searches x 2 passes x HTML and API, took 10 s and more on a loaded machine).
    result = CliRunner().invoke(cli, ["bench", "api", "--firms", "60", "--rounds", "1",
                                      "--searches", "4",
                                      "--database-url", f"sqlite:///{tmp_path / 'api.db'}"])
    assert result.exit_code == 0, result.output
    assert "60 firms, 4 searches x 1 passes" in result.output
    assert re.search(r"HTML firm list +p50 [\d.]+ ms  p95 [\d.]+ ms", result.output)
    assert re.search(r"API /api/v1/firms +p50 [\d.]+ ms  p95 [\d.]+ ms", result.output)
    assert re.search(r"API p95 - HTML p95: [+-][\d.]+ ms", result.output)
