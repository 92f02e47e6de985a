"""The `crm demo` and `crm generate` commands: bulk generation, reuse and bad input."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

import crm.demo
from crm import create_app
from crm.cli import cli
from crm.config import TestConfig
from crm.demodata.demoset import build_demo
from crm.extensions import db
from crm.models import Firm, Product
from crm.search import search_text_for
from tests.conftest import drop_pg_schema, fresh_pg_schema


def _run(*args: str, app_url: str | None = None) -> Result:
    """Invoke `crm ...`; app_url binds the app FlaskGroup loads (as DATABASE_URL would)."""
    if not app_url:
        return CliRunner().invoke(cli, list(args))
    info = ScriptInfo(create_app=lambda: _app(app_url))
    return CliRunner().invoke(cli, list(args), obj=info)


@pytest.fixture
def gen_url(tmp_path: Path) -> Iterator[str]:
    """An empty database for `crm generate`: a PostgreSQL schema when testing on PostgreSQL."""
    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    if not pg_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'gen.db'}"
        return
    schema = fresh_pg_schema(pg_url)
    try:
        yield f"{pg_url}?options=-csearch_path%3D{schema}%2Cpublic"
    finally:
        drop_pg_schema(schema, pg_url)


def _firm_rows(url: str) -> list[tuple[str, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT tax_code, name FROM firms ORDER BY tax_code")).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_generate_adds_firms_and_a_second_run_adds_none(gen_url):
    first = _run("generate", "--firms", "250", "--database-url", gen_url)
    assert first.exit_code == 0, first.output
    assert "Added 250 firms" in first.stdout
    again = _run("generate", "--firms", "250", "--database-url", gen_url)
    assert again.exit_code == 0, again.output
    assert "250 generated firms already" in again.stdout
    assert "Added 0 firms" in again.stdout
    assert len(_firm_rows(gen_url)) == 250


def test_generate_continues_where_it_stopped_with_the_same_firms(gen_url, tmp_path):
    assert _run("generate", "--firms", "120", "--database-url", gen_url).exit_code == 0
    grown = _run("generate", "--firms", "300", "--database-url", gen_url)
    assert "Added 180 firms" in grown.stdout
    at_once = f"sqlite:///{tmp_path / 'at_once.db'}"
    assert _run("generate", "--firms", "300", "--database-url", at_once).exit_code == 0
    assert _firm_rows(gen_url) == _firm_rows(at_once)


def test_generated_firms_have_the_search_keys_the_models_compute(gen_url):
    assert _run("generate", "--firms", "200", "--database-url", gen_url).exit_code == 0
    app = _app(gen_url)
    with app.app_context():
        firms = list(db.session.scalars(select(Firm)))
        assert all(f.search_text == search_text_for(f) for f in firms)
        assert all(f.name_search == Firm(name=f.name, name_en=f.name_en).name_search
                   for f in firms)
        products = [p for f in firms for p in f.products]
        assert all(p.name_search == Product(name=p.name, name_en=p.name_en).name_search
                   for p in products)
        assert sum(len(f.products) for f in firms) >= 200
        assert sum(len(f.markets) for f in firms) >= 100
        assert any(f.certifications for f in firms)
        provinces = {f.province_code for f in firms}
        db.session.remove()
        db.engine.dispose()
    assert {56, 52, 31} <= provinces


def _app(url: str):
    class Cfg(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(Cfg)


@pytest.mark.parametrize(
    "args",
    [
        ["generate", "--firms", "-5"],
        ["generate", "--firms", "abc"],
        ["generate", "--firms", "1000001"],
        ["generate", "--firms", "0"],
        ["generate"],
        ["generate", "--frims", "5"],
        ["generate", "--firms", "5", "--database-url", "nonsense://x"],
        ["demo", "--port", "abc"],
        ["demo", "--port", "70000"],
        ["demo", "--bogus"],
    ],
)
def test_bad_command_line_input_gives_one_line_and_exit_2(args):
    result = _run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.stderr


def test_demo_builds_once_and_reuses_its_database(tmp_path, monkeypatch):
    # A smaller set keeps this test fast; test_demo.py checks the full-size set.
    monkeypatch.setattr(crm.demo, "build_demo", functools.partial(build_demo, n_firms=200))
    url = f"sqlite:///{tmp_path / 'instance' / 'crm.db'}"
    built = _run("demo", "--no-serve", app_url=url)
    assert built.exit_code == 0, built.output
    assert "Built in" in built.stdout
    reused = _run("demo", "--no-serve", app_url=url)
    assert reused.exit_code == 0, reused.output
    assert "Reusing the demo database" in reused.stdout
    engine = create_engine(url)
    with Session(engine) as session:
        firms = session.scalar(select(func.count()).select_from(Firm))
        users = session.scalar(text("SELECT count(*) FROM users"))
    engine.dispose()
    assert firms >= 200
    assert users == 5


def test_demo_refuses_a_database_holding_other_firms(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    assert _run("generate", "--firms", "5", "--database-url", url).exit_code == 0
    result = _run("demo", "--no-serve", app_url=url)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no demo data" in result.stderr
