"""DATABASE_REPLICA_URL: which reads go to the replica, and that a user's own writes never do.

The "replica" here is a second database (SQLite) or schema (PostgreSQL) holding the same
firm under an older name, so each page shows which of the two answered it. Real streaming
replication is exercised by scripts/multihost.sh.
"""

from __future__ import annotations

import itertools
import os
import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask, g
from sqlalchemy import select

from crm import create_app, replica
from crm.config import TestConfig, sqlalchemy_url
from crm.extensions import db
from crm.models import Firm, User
from crm.validators import synthetic_tax_codes
from tests import factories
from tests.conftest import drop_pg_schema, fresh_pg_schema, login

PRIMARY_NAME = "Công ty TNHH Bản Chính"
REPLICA_NAME = "Công ty TNHH Bản Sao Cũ"
_codes = synthetic_tax_codes(10**5, prefix="48", start=uuid.uuid4().int % 10**6)
# The same id on both, as a streaming replica has it; downwards, clear of new rows (max + 1).
_firm_ids = itertools.count(900_000, -1)


def _config(url: str, options: dict, replica_url: str = "",
            replica_options: dict | None = None) -> type[TestConfig]:
    class HostConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = options
        DATABASE_REPLICA_URL = replica_url
        REPLICA_ENGINE_OPTIONS = replica_options or {}

    return HostConfig


def _database(tmp_path_factory, label: str) -> tuple[str, dict, str | None]:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgresql"):
        schema = fresh_pg_schema(url)
        return url, {"connect_args": {"options": f'-csearch_path="{schema}",public'}}, schema
    return f"sqlite:///{tmp_path_factory.mktemp(label) / 'crm.db'}", {}, None


@pytest.fixture(scope="module")
def databases(tmp_path_factory) -> Iterator[tuple[tuple[str, dict], tuple[str, dict]]]:
    """(url, engine options) of the primary and of the replica, with schema and reference data."""
    made = [_database(tmp_path_factory, "primary"), _database(tmp_path_factory, "replica")]
    for url, options, _schema in made:
        seed = create_app(_config(url, options))
        with seed.app_context():
            db.create_all()
            from crm.refdata import load_reference_data

            load_reference_data()
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    yield (made[0][0], made[0][1]), (made[1][0], made[1][1])
    for url, _options, schema in made:
        if schema:
            drop_pg_schema(schema, url)


@pytest.fixture
def host(databases) -> Iterator[Flask]:
    """An app host on the primary with the replica configured as DATABASE_REPLICA_URL would."""
    (url, options), (replica_url, replica_options) = databases
    app = create_app(_config(url, options, replica_url, replica_options))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    app.extensions["crm_replica"].engine.dispose()


def _on(databases, which: int) -> Flask:
    url, options = databases[which]
    return create_app(_config(url, options))


@pytest.fixture
def firm(databases) -> Iterator[tuple[int, str]]:
    """(id, tax code) of one firm: renamed on the primary, its old name on the replica."""
    code, firm_id = next(_codes), next(_firm_ids)
    ids = []
    for which, name in ((0, PRIMARY_NAME), (1, REPLICA_NAME)):
        app = _on(databases, which)
        with app.app_context():
            ids.append(factories.make_firm(id=firm_id, tax_code=code, name=name).id)
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
    assert ids[0] == ids[1], "the same firm id on both, as on a streaming replica"
    return ids[0], code


def _officer(host: Flask):
    with host.app_context():
        user = factories.make_user("officer", email=f"o-{uuid.uuid4().hex[:8]}@x.vn")
        db.session.commit()
        user_id = user.id
    client = host.test_client()
    with host.app_context():
        login(client, db.session.get(User, user_id))
    return client


def _time_passes(client) -> None:
    """Sixty seconds later (SQLite has no WAL position: the time window decides there)."""
    with client.session_transaction() as sess:
        if replica.SESSION_KEY in sess:
            sess[replica.SESSION_KEY] = {**sess[replica.SESSION_KEY], "at": time.time() - 61}


def _list(client, tax_code: str) -> str:
    resp = client.get(f"/firms/?q={tax_code}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _rename(client, firm_id: int, tax_code: str, host: Flask, name: str) -> None:
    with host.app_context():
        version = db.session.get(Firm, firm_id).version
    resp = client.post(f"/firms/{firm_id}/edit", data={
        "tax_code": tax_code, "name": name, "legal_form": "llc", "province_code": "56",
        "verification_status": "unverified", "version": str(version)})
    assert resp.status_code == 302, resp.data[:300]


def test_the_firm_list_of_a_user_without_recent_writes_reads_the_replica(host, firm):
    officer = _officer(host)
    _time_passes(officer)  # the login itself was a write
    page = _list(officer, firm[1])
    assert REPLICA_NAME in page
    assert PRIMARY_NAME not in page


def test_pages_not_on_the_replica_list_read_the_primary(host, firm):
    officer = _officer(host)
    _time_passes(officer)
    page = officer.get(f"/firms/{firm[0]}").get_data(as_text=True)
    assert PRIMARY_NAME in page
    assert REPLICA_NAME not in page


def test_after_saving_a_user_reads_their_change_from_the_primary_while_the_replica_lags(
        host, firm, monkeypatch):
    officer = _officer(host)
    other = _officer(host)
    _time_passes(officer)
    _time_passes(other)
    with host.app_context():
        before = replica.replica_position(host)
    # The replica has not replayed the save: it stays where it was before it.
    monkeypatch.setattr(replica, "replica_position", lambda app: before)
    _rename(officer, firm[0], firm[1], host, "Công ty TNHH Tên Mới")
    assert "Công ty TNHH Tên Mới" in _list(officer, firm[1])
    # Another officer, who saved nothing, is served by the replica (the old name).
    assert REPLICA_NAME in _list(other, firm[1])


def test_once_the_replica_has_replayed_the_save_the_user_reads_it_again(
        host, firm, monkeypatch):
    officer = _officer(host)
    monkeypatch.setattr(replica, "replica_position", lambda app: 0)  # not replayed yet
    _rename(officer, firm[0], firm[1], host, "Công ty TNHH Tên Mới Nữa")
    assert "Công ty TNHH Tên Mới Nữa" in _list(officer, firm[1])
    with officer.session_transaction() as sess:
        wanted = sess[replica.SESSION_KEY]["lsn"]
    if wanted is not None:  # PostgreSQL: the replica reports a position past the save
        monkeypatch.setattr(replica, "replica_position", lambda app: wanted)
    else:
        _time_passes(officer)
    assert REPLICA_NAME in _list(officer, firm[1])
    with officer.session_transaction() as sess:
        assert replica.SESSION_KEY not in sess  # no more looks until the next save


def test_a_replica_that_does_not_answer_sends_the_page_to_the_primary(host, firm, monkeypatch):
    officer = _officer(host)
    _time_passes(officer)
    monkeypatch.setattr(replica, "replica_position", lambda app: None)
    page = _list(officer, firm[1])
    assert PRIMARY_NAME in page


def test_a_write_inside_a_replica_page_goes_to_the_primary_and_so_do_later_reads(host, firm):
    with host.test_request_context("/firms/"):
        g.crm_read_replica = True
        assert db.session.scalar(select(Firm.name).where(Firm.id == firm[0])) == REPLICA_NAME
        db.session.get(Firm, firm[0])  # from the identity map: already loaded
        made = factories.make_firm(name="Công ty TNHH Ghi Trên Bản Chính")  # a flush
        assert not replica.reads_replica()
        assert db.session.scalar(select(Firm.name).where(Firm.id == firm[0])) == PRIMARY_NAME
        db.session.rollback()
        assert made.id is not None


def test_the_in_memory_indexes_read_the_primary_even_on_a_replica_page(host, firm):
    with host.test_request_context("/firms/"):
        g.crm_read_replica = True
        with replica.on_primary():
            assert db.session.scalar(select(Firm.name).where(Firm.id == firm[0])) == PRIMARY_NAME
        assert db.session.scalar(select(Firm.name).where(Firm.id == firm[0])) == REPLICA_NAME
        db.session.rollback()


def test_the_search_index_of_a_replica_page_is_built_from_the_primary(host, databases):
    # The in-memory index keeps a high-water mark; built from a lagging replica it would
    # move back. A firm the replica does not have yet is in it; the page still answers.
    app = _on(databases, 0)
    with app.app_context():
        new_id = factories.make_firm(tax_code=next(_codes), name="Công ty TNHH Chỉ Ở Bản Chính").id
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    officer = _officer(host)
    _time_passes(officer)
    assert officer.get("/firms/?q=Chỉ Ở Bản Chính").status_code == 200
    assert new_id in host.extensions["crm_search_index"].slot_of


def test_without_a_replica_url_every_read_is_on_the_primary(databases, firm):
    url, options = databases[0]
    app = create_app(_config(url, options))
    assert "crm_replica" not in app.extensions
    with app.test_request_context("/firms/"):
        g.crm_read_replica = True  # even so: there is no replica engine to go to
        assert db.session.scalar(select(Firm.name).where(Firm.id == firm[0])) == PRIMARY_NAME
        db.session.rollback()


def test_a_replica_url_gets_its_own_engine_with_psycopg(databases):
    url, options = databases[0]
    app = create_app(_config(url, options, sqlalchemy_url(
        "postgresql://crm@replica.local:5433/crm")))
    engine = app.extensions["crm_replica"].engine
    assert engine.url.drivername == "postgresql+psycopg"
    assert engine.url.port == 5433


@pytest.mark.parametrize(("lsn", "number"), [
    ("0/0", 0), ("16/B374D848", (0x16 << 32) + 0xB374D848)])
def test_wal_positions_compare_as_numbers(lsn, number):
    assert replica.lsn_number(lsn) == number


def test_every_page_on_the_replica_list_exists_and_only_reads(app):
    # A renamed view would silently fall back to the primary; a listed view taking POST
    # would be fine (only GETs are routed) but means the list is out of date.
    for endpoint in replica.REPLICA_ENDPOINTS:
        assert endpoint in app.view_functions, endpoint
        rules = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
        assert all(r.methods <= {"GET", "HEAD", "OPTIONS"} for r in rules), endpoint
