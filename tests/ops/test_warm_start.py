"""CRM_WARM_AT_START: the app is created with its ranking index and search index built,
and with no database connection left open (gunicorn --preload forks the workers after it)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask import Flask

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db
from crm.ranking import live
from crm.refdata import load_reference_data
from crm.search.live import KEY as SEARCH_INDEX
from tests import factories


def _config(url: str, warm: bool) -> type[TestConfig]:
    class WarmConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        WARM_AT_START = warm

    return WarmConfig


def _open_connections(app: Flask) -> int:
    with app.app_context():
        return sum(engine.pool.checkedin() + engine.pool.checkedout()
                   for engine in db.engines.values())


def test_warm_start_builds_the_indexes_and_closes_connections(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warm.db'}"
    setup = create_app(_config(url, warm=False))
    with setup.app_context():
        db.create_all()
        load_reference_data()
        factories.make_firm(name="Công ty Yến Sào Khánh Hòa")
        factories.make_firm(name="Công ty Hạt Điều Bình Phước")
        db.session.commit()
        db.session.remove()

    app = create_app(_config(url, warm=True))

    assert _open_connections(app) == 0
    with app.app_context():
        state = live()
        assert state.index is not None
        assert len(state.index) == 2
        # Read at start, before any search asked for it.
        index = app.extensions[SEARCH_INDEX]
        assert index.mark is not None
        assert index.size == 2
        assert "yen" in index.vocab.counts
    cold = create_app(_config(url, warm=False))
    with cold.app_context():
        assert live().index is None  # the default: built on the first page that needs it


def test_warm_start_on_a_database_without_tables_still_starts(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        app = create_app(_config(f"sqlite:///{tmp_path / 'empty.db'}", warm=True))

    assert "ranking index not built at start" in caplog.text
    assert _open_connections(app) == 0
    with app.app_context():
        assert live().index is None
