"""Two officers at once on PostgreSQL: the last slot of an opportunity goes to one firm only."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from crm import create_app
from crm.config import TestConfig
from crm.errors import UserError
from crm.extensions import db
from crm.models import Opportunity, ShortlistEntry
from crm.opportunities import services
from tests import factories
from tests.conftest import PG_URL, drop_pg_schema, fresh_pg_schema, postgres_reachable

ROUNDS = 5


@pytest.fixture(scope="module")
def pg_app() -> Iterator[Flask]:
    """An app on a PostgreSQL schema of its own: real commits, two real connections."""
    reason = postgres_reachable()
    if reason:
        pytest.skip(reason)
    schema = fresh_pg_schema(PG_URL)

    class PgConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = PG_URL
        SQLALCHEMY_ENGINE_OPTIONS = {  # noqa: RUF012
            "connect_args": {"options": f'-csearch_path="{schema}",public'}}

    app = create_app(PgConfig)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop_pg_schema(schema, PG_URL)


def _opportunity_with_two_invited_firms(app: Flask) -> tuple[int, list[int]]:
    """One slot left: one firm already confirmed of two slots, two more firms invited."""
    with app.test_request_context():
        officer = factories.make_user(role="officer")
        opp = services.create_opportunity(
            {"kind": "trade_mission", "title": "Hội chợ thực phẩm Dubai", "slots": "2"},
            officer, date(2026, 1, 5))
        entries = []
        for n in range(3):
            firm = factories.make_firm(name=f"Công ty Xác Nhận {n}")
            entry = ShortlistEntry(opportunity=opp, firm_id=firm.id, status="invited")
            db.session.add(entry)
            entries.append(entry)
        db.session.flush()
        services.change_status(entries[0], "confirmed", officer)
        db.session.commit()
        result = opp.id, [e.id for e in entries[1:]]
        db.session.remove()
        return result


def _confirm(app: Flask, entry_id: int, barrier: threading.Barrier, outcome: dict) -> None:
    """One officer's request: its own request context, session and connection."""
    with app.test_request_context():
        try:
            entry = db.session.get(ShortlistEntry, entry_id)
            _ = entry.firm.name, entry.opportunity.slots  # loaded before the race starts
            barrier.wait(timeout=10)
            services.change_status(entry, "confirmed", None)
            db.session.commit()
            outcome[entry_id] = "confirmed"
        except (UserError, StaleDataError) as err:
            db.session.rollback()
            outcome[entry_id] = f"refused: {err}"
        finally:
            db.session.remove()


@pytest.mark.parametrize("round_no", range(ROUNDS))
def test_two_officers_confirming_the_last_slot_at_once_confirm_only_one(pg_app, round_no):
    opp_id, (first, second) = _opportunity_with_two_invited_firms(pg_app)
    barrier = threading.Barrier(2)
    outcome: dict[int, str] = {}
    threads = [threading.Thread(target=_confirm, args=(pg_app, eid, barrier, outcome))
               for eid in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(v == "confirmed" for v in outcome.values()) == [False, True], outcome
    with pg_app.app_context():
        confirmed = db.session.scalar(select(func.count()).select_from(ShortlistEntry).where(
            ShortlistEntry.opportunity_id == opp_id, ShortlistEntry.status == "confirmed"))
        slots = db.session.get(Opportunity, opp_id).slots
        db.session.remove()
    assert confirmed == slots == 2
