"""A throw-away app holding demo firms: what the measurement commands run against.

`crm bench search-quality`, `crm bench duplicates` and `crm bench hs-suggest` (and their
tests) each build the demo registry in a database of their own, removed afterwards: a
temporary SQLite file, or a fresh schema in a PostgreSQL database.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask
from sqlalchemy import create_engine, text

from crm.config import Config, sqlalchemy_url
from crm.extensions import db


def _config(url: str, schema: str | None) -> type[Config]:
    options: dict[str, Any] = {"pool_pre_ping": True}
    if schema:
        options["connect_args"] = {"options": f'-csearch_path="{schema}",public'}

    class ScratchConfig(Config):
        SQLALCHEMY_DATABASE_URI = sqlalchemy_url(url)
        SQLALCHEMY_ENGINE_OPTIONS = options
        SECRET_KEY = secrets.token_hex(16)  # no session outlives the run
        WTF_CSRF_ENABLED = False
        WARM_AT_START = False
        # Flask-Limiter's extension object is shared by every app of the process: an app
        # created with throttling on would switch it on for the others (e.g. the test app).
        RATELIMIT_ENABLED = False

    return ScratchConfig


def _schema(url: str, name: str | None = None) -> str:
    """Create a fresh schema in the PostgreSQL database at `url` (or drop `name`)."""
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            if name is None:
                name = f"scratch_{uuid.uuid4().hex[:12]}"
                conn.execute(text(f'CREATE SCHEMA "{name}"'))
                # In public, as the tests do: older migrations use its gin_trgm_ops.
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
            else:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        engine.dispose()
    return name


@contextmanager
def scratch_app(fill: Callable[[], Any], database_url: str | None = None) -> Iterator[Flask]:
    """An app on a fresh database with the schema, the reference data and what `fill` adds
    (called in the app context; committed), removed afterwards."""
    from crm import create_app
    from crm.refdata import load_reference_data

    with tempfile.TemporaryDirectory(prefix="crm-scratch-") as tmp:
        url = database_url or f"sqlite:///{os.path.join(tmp, 'scratch.db')}"
        schema = _schema(url) if url.startswith("postgres") else None
        app = create_app(_config(url, schema))
        try:
            with app.app_context():
                db.create_all()
                load_reference_data()
                db.session.commit()
                fill()
                db.session.commit()
                db.session.remove()
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            if schema:
                _schema(url, name=schema)
