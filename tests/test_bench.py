"""The benchmark commands run end to end on a small database and print their figures.

Not timed: the figures themselves are measured with the commands and kept in the README.
These tests only keep the commands working as the app changes around them.
"""

from __future__ import annotations

import re

from click.testing import CliRunner

from crm.cli import cli

P95 = re.compile(r"p95 \d+(\.\d+)? ms")


def _bench(*args: str) -> str:
    result = CliRunner().invoke(cli, ["bench", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_search_bench_prints_p50_and_p95(tmp_path):
    out = _bench("search", "--firms", "80", "--rounds", "1",
                 "--database-url", f"sqlite:///{tmp_path / 'search.db'}")
    assert P95.search(out), out
    assert "80 firms" in out


def test_ranking_bench_prints_p50_and_p95_as_a_logged_in_officer(tmp_path):
    out = _bench("ranking", "--firms", "80", "--rounds", "1",
                 "--database-url", f"sqlite:///{tmp_path / 'ranking.db'}")
    assert P95.search(out), out
    assert "80 active firms" in out


def test_import_bench_imports_then_reimports_without_change(tmp_path):
    out = _bench("import", "--rows", "40", "--database-url", f"sqlite:///{tmp_path / 'imp.db'}")
    assert "40" in out
    assert re.search(r"re-?import", out, re.I), out
