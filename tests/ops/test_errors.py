"""Production errors: the user sees the 500 page, the log gets one JSON line with the error."""

from __future__ import annotations

import io
import json
import logging

import pytest
from flask import Flask

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db
from crm.models import Firm
from tests import factories
from tests.conftest import login


class ProductionLikeConfig(TestConfig):
    """Not testing: the error handler must answer as it does for real users."""

    TESTING = False
    SECRET_KEY = "a-long-random-secret-for-this-test-only-0123456789"


@pytest.fixture
def log_stream(monkeypatch) -> io.StringIO:
    """The root logger writes only here while the test runs."""
    stream = io.StringIO()
    monkeypatch.setattr(logging.getLogger(), "handlers", [logging.StreamHandler(stream)])
    return stream


@pytest.fixture
def prod_app(monkeypatch, log_stream) -> Flask:
    """An app as gunicorn runs it (CRM_ENV=production), with a route that fails mid-write."""
    monkeypatch.setenv("CRM_ENV", "production")
    app = create_app(ProductionLikeConfig)

    @app.route("/_boom")
    def boom() -> str:
        factories.make_firm(name="Công ty Ghi Dở Dang")  # flushed, never committed
        raise RuntimeError("secret internal detail")

    with app.app_context():
        db.create_all()
        factories.make_user(role="officer")
        db.session.commit()
    yield app
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


def test_unhandled_error_shows_the_500_page_without_a_traceback(prod_app):
    client = prod_app.test_client()
    with prod_app.app_context():
        from crm.models import User

        login(client, db.session.scalars(db.select(User)).first())
    resp = client.get("/_boom")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "Traceback" not in page
    assert "secret internal detail" not in page
    with prod_app.app_context():
        assert db.session.scalar(db.select(Firm).where(Firm.name == "Công ty Ghi Dở Dang")) is None


def test_unhandled_error_is_logged_as_one_json_line_with_the_request(prod_app, log_stream):
    client = prod_app.test_client()
    with prod_app.app_context():
        from crm.models import User

        login(client, db.session.scalars(db.select(User)).first())
    client.get("/_boom")
    lines = [json.loads(line) for line in log_stream.getvalue().splitlines() if line]
    errors = [e for e in lines if e["level"] == "ERROR"]
    assert len(errors) == 1
    assert errors[0]["path"] == "/_boom"
    assert "RuntimeError: secret internal detail" in errors[0]["exc"]
    assert "user_id" in errors[0]
