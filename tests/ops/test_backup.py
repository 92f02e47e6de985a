"""`crm backup` / `crm restore`: a round trip brings back the records of the backup moment."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import create_engine, select, text

from crm import create_app
from crm.cli import cli
from crm.config import TestConfig
from crm.extensions import db
from crm.models import Firm
from tests import factories
from tests.conftest import PG_URL, postgres_reachable


def _app(url: str) -> Flask:
    class BackupConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    return create_app(BackupConfig)


def _crm(app: Flask, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


def _add_firm(app: Flask, name: str) -> None:
    with app.app_context():
        factories.make_firm(name=name)
        db.session.commit()


def _firm_names(app: Flask) -> set[str]:
    with app.app_context():
        names = set(db.session.scalars(select(Firm.name)))
        db.session.remove()
        return names


def _round_trip(app: Flask, backup_file: Path) -> None:
    with app.app_context():
        db.create_all()
    _add_firm(app, "Công ty Trước Sao Lưu")
    made = _crm(app, "backup", "--output", str(backup_file))
    assert made.exit_code == 0, made.output
    _add_firm(app, "Công ty Sau Sao Lưu")
    restored = _crm(app, "restore", "--yes", str(backup_file))
    assert restored.exit_code == 0, restored.output
    names = _firm_names(app)
    assert "Công ty Trước Sao Lưu" in names
    assert "Công ty Sau Sao Lưu" not in names


def test_sqlite_restore_brings_back_the_firms_of_the_backup_and_drops_later_ones(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'crm.db'}")
    _round_trip(app, tmp_path / "backups" / "crm.sqlite")
    with app.app_context():
        db.engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup_with_one_line(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'crm.db'}")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database\n")
    result = _crm(app, "restore", "--yes", str(junk))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not a CRM backup" in result.stderr


def test_sqlite_database_refuses_a_pg_dump_archive(tmp_path):
    app = _app(f"sqlite:///{tmp_path / 'crm.db'}")
    dump = tmp_path / "crm.dump"
    dump.write_bytes(b"PGDMP\x01\x0f\x00" + bytes(100))
    result = _crm(app, "restore", "--yes", str(dump))
    assert result.exit_code == 2
    assert "pg_dump archive" in result.stderr


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of its own, created and dropped around the test."""
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not on PATH")
    name = f"crm_backup_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_URL.rsplit("/", 1)[0] + "/" + name
    engine = create_engine(url)
    with engine.begin() as conn:  # the firm search indexes need trigrams, as `crm init` sets up
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_postgresql_restore_brings_back_the_firms_of_the_backup(pg_database, tmp_path):
    app = _app(pg_database)
    try:
        _round_trip(app, tmp_path / "crm.dump")
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
