"""The migrations build the schema from empty and agree with the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db
from tests.conftest import PG_URL, drop_pg_schema, fresh_pg_schema, postgres_reachable


def _app_for(url: str, engine_options: dict | None = None):
    class Cfg(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = engine_options or {}

    return create_app(Cfg)


def _only_this_dialect(dialect_name: str):
    """include_object: skip model indexes declared with ddl_if(dialect=...) for another database.

    As migrations/env.py does for autogenerate: such an index exists only where it belongs.
    """
    def include(obj, _name, _type, reflected, _compare_to) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None)
        if reflected or ddl_if is None or ddl_if.dialect is None:
            return True
        wanted = (ddl_if.dialect,) if isinstance(ddl_if.dialect, str) else tuple(ddl_if.dialect)
        return dialect_name in wanted

    return include


def _upgrade_and_compare(app) -> list:
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={
                "compare_type": True, "include_object": _only_this_dialect(conn.dialect.name)})
            diffs = compare_metadata(ctx, db.metadata)
            tables = set(inspect(conn).get_table_names())
        assert {"firms", "products", "certifications", "users", "hs_codes"} <= tables
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set(), f"downgrade left tables behind: {left}"
        db.engine.dispose()
    return diffs


def test_migrations_build_schema_from_empty_on_sqlite_and_match_models(tmp_path):
    diffs = _upgrade_and_compare(_app_for(f"sqlite:///{tmp_path / 'm.db'}"))
    assert diffs == [], f"models and migrations disagree: {diffs}"


def test_migrations_build_schema_from_empty_on_postgresql_and_match_models():
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    schema = fresh_pg_schema()
    try:
        app = _app_for(PG_URL, {"connect_args": {"options": f'-csearch_path="{schema}",public'}})
        diffs = _upgrade_and_compare(app)
    finally:
        drop_pg_schema(schema)
    assert diffs == [], f"models and migrations disagree: {diffs}"

