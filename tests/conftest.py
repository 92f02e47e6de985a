"""Fixtures: an app on SQLite (or PostgreSQL when TEST_DATABASE_URL is set), a database
rolled back after each test, a client and a logged-in user per role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FsaSession
from sqlalchemy import create_engine, event, text

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db as _db
from tests import factories

PG_URL = os.environ.get("PG_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def postgres_reachable(url: str = PG_URL) -> str | None:
    """None if PostgreSQL answers at `url`, else the reason it does not."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as err:  # any failure means: skip, with the reason
        return f"PostgreSQL not reachable at {url}: {str(err).splitlines()[0]}"
    return None


def fresh_pg_schema(url: str = PG_URL) -> str:
    """Create an empty schema for this run and return its name."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    # Once per database, in public (on the search path after the schema): the firm search
    # index uses its gin_trgm_ops, and dropping the schema must not drop the extension.
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    engine.dispose()
    return name


def drop_pg_schema(name: str, url: str = PG_URL) -> None:
    """Drop a schema made by fresh_pg_schema."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def _test_config() -> tuple[type[TestConfig], str | None]:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        return TestConfig, None
    schema = fresh_pg_schema(url)

    class PgTestConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = {  # noqa: RUF012
            "connect_args": {"options": f'-csearch_path="{schema}",public'}
        }

    return PgTestConfig, schema


def _make_sqlite_savepoints_work(engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINT: let SQLAlchemy emit BEGIN.

    Without this, a test that commits leaves its rows behind for the next tests.
    """

    @event.listens_for(engine, "connect")
    def _no_pysqlite_begin(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN")


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    """The application with a schema and reference data, shared by the whole run."""
    config, schema = _test_config()
    app = create_app(config)
    with app.app_context():
        if _db.engine.dialect.name == "sqlite":
            _make_sqlite_savepoints_work(_db.engine)
        _db.create_all()
        from crm.refdata import load_reference_data

        load_reference_data()
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        if schema:
            _db.engine.dispose()
            drop_pg_schema(schema, app.config["SQLALCHEMY_DATABASE_URI"])
        else:
            _db.drop_all()


class _BoundSession(FsaSession):
    """Flask-SQLAlchemy's session picks the engine itself; in tests it must use `bind`."""

    def get_bind(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return self.bind if self.bind is not None else super().get_bind(*args, **kwargs)


@pytest.fixture
def db(app: Flask) -> Iterator:
    """The database inside a transaction that is rolled back after the test."""
    with app.app_context():
        # Each test's firms are rolled back: an index built in another test would still
        # hold that test's firms (the search index, the ranking index).
        app.extensions.pop("crm_search_index", None)
        app.extensions.pop("crm_ranking_index", None)
        conn = _db.engine.connect()
        trans = conn.begin()
        original = _db.session
        _db.session = _db._make_scoped_session(
            {"bind": conn, "join_transaction_mode": "create_savepoint", "class_": _BoundSession}
        )
        try:
            yield _db
        finally:
            _db.session.remove()
            _db.session = original
            trans.rollback()
            conn.close()


@pytest.fixture
def client(app: Flask, db) -> FlaskClient:
    """A test client whose requests share the rolled-back transaction."""
    return app.test_client()


def login(client: FlaskClient, user, password: str = factories.PASSWORD) -> None:
    """Log `user` in through the login form."""
    resp = client.post("/login", data={"email": user.email, "password": password})
    assert resp.status_code == 302, resp.data[:500]


@pytest.fixture
def login_as(client: FlaskClient, db) -> callable:
    """login_as('officer') creates a user with that role and logs it in; returns the user."""

    def _login(role: str, firm=None):
        user = factories.make_user(role=role, firm=firm)
        db.session.commit()
        login(client, user)
        return user

    return _login


@pytest.fixture
def officer(login_as):
    """A logged-in officer."""
    return login_as("officer")
