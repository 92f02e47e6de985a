"""The benchmark commands run end to end on a small database and print their figures.

Not timed: the figures themselves are measured with the commands and kept in the README.
These tests only keep the commands working as the app changes around them.
"""

from __future__ import annotations

import re
import uuid

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, make_url, text

from crm.cli import cli
from tests.conftest import PG_URL, postgres_reachable

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


BENCHES = [["search", "--firms", "5"], ["ranking", "--firms", "5"], ["import", "--rows", "5"]]


@pytest.mark.parametrize("bench", BENCHES, ids=lambda b: b[0])
@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:1/crm_bench",  # nothing listens on port 1
    "sqlite:///{tmp}/no-such-folder/bench.db",
], ids=["server-unreachable", "sqlite-folder-missing"])
def test_bench_on_a_database_it_cannot_open_gives_one_line_and_exit_2(bench, url, tmp_path):
    result = CliRunner().invoke(cli, ["bench", *bench, "--database-url",
                                      url.format(tmp=tmp_path)])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: cannot open the bench database ")
    assert "Traceback" not in result.stderr


def test_bench_creates_its_missing_postgresql_database():
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    name = f"crm_bench_{uuid.uuid4().hex[:10]}"
    url = make_url(PG_URL).set(database=name)
    try:
        result = CliRunner().invoke(cli, [
            "bench", "search", "--firms", "5", "--rounds", "1",
            "--database-url", url.render_as_string(hide_password=False)])
        assert result.exit_code == 0, result.output
        assert f"created database {name}" in result.stderr
        assert P95.search(result.stdout), result.output
    finally:
        server = create_engine(make_url(PG_URL).set(database="postgres"),
                               isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
