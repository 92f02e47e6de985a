"""One unit of work per web request (crm/unit_of_work.py): a successful form POST is committed
once, at the end; a refused or failed one saves nothing; route modules never commit."""

from __future__ import annotations

import ast
import io
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from crm import create_app
from crm.config import TestConfig
from crm.errors import UserError
from crm.extensions import db as _db
from crm.models import Partner
from crm.partners import services as partner_services
from tests import factories
from tests.conftest import drop_pg_schema, fresh_pg_schema, login

CRM = Path(__file__).resolve().parent.parent / "crm"
# The package with a unit of work of its own: the API wraps each view in crm/api/core.py.
NOT_CHECKED = ("api",)


def _partner(city: str) -> dict:
    return {"name": "Siêu thị Phở Việt GmbH", "kind": "supermarket_chain",
            "country_code": "DE", "hs_prefixes": "0410", "annual_volume": "120",
            "volume_unit": "tấn", "city": city}


# --- architecture -----------------------------------------------------------------------------

def _route_modules() -> list[Path]:
    """Every module of crm/ that registers a web route (outside NOT_CHECKED)."""
    found = []
    for path in sorted(CRM.rglob("*.py")):
        if path.relative_to(CRM).parts[0] in NOT_CHECKED:
            continue
        if re.search(r"^@\w+\.route\(|^\s+@app\.route\(", path.read_text("utf-8"), re.M):
            found.append(path)
    return found


def _session_commits(source: str) -> list[int]:
    """Lines that call `<...>.session.commit()` or `<...>.session.rollback()`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("commit", "rollback") \
                and isinstance(node.func.value, ast.Attribute) \
                and node.func.value.attr == "session":
            lines.append(node.lineno)
    return lines


def test_the_check_finds_a_hand_written_commit() -> None:
    assert _session_commits("def f():\n    x()\n    db.session.commit()\n") == [3]
    assert _session_commits("db.session.rollback()") == [1]
    assert _session_commits("with unit_of_work():\n    x()\n") == []


def test_route_modules_leave_commit_and_rollback_to_the_unit_of_work() -> None:
    modules = _route_modules()
    assert CRM / "firms" / "routes.py" in modules
    assert len(modules) >= 15
    offenders = {str(p.relative_to(CRM)): lines for p in modules
                 if (lines := _session_commits(p.read_text("utf-8")))}
    assert offenders == {}, ("commit or roll back through crm/unit_of_work.py "
                             "(form_errors, unit_of_work, discard), not by hand")


def test_services_flush_and_never_commit() -> None:
    """The web request, the API view or the CLI command that calls a service commits it."""
    modules = [p for p in sorted(CRM.rglob("services.py"))
               if p.relative_to(CRM).parts[0] not in NOT_CHECKED]
    assert len(modules) >= 10
    offenders = {str(p.relative_to(CRM)): lines for p in modules
                 if (lines := _session_commits(p.read_text("utf-8")))}
    assert offenders == {}


# --- behaviour, in the rolled-back test database ---------------------------------------------

def _count(db, city: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Partner)
                             .where(Partner.city == city))


def _refuse_after_writing(monkeypatch, error: Exception) -> None:
    """create_partner writes (and flushes) the partner, then fails with `error`."""
    real = partner_services.create_partner

    def half_done(data: dict, by=None) -> Partner:
        real(data, by=by)
        raise error

    monkeypatch.setattr(partner_services, "create_partner", half_done)


def test_service_error_is_shown_next_to_its_field_and_nothing_is_saved(
        client, officer, db, monkeypatch) -> None:
    city = f"Berlin {uuid.uuid4().hex[:8]}"
    _refuse_after_writing(monkeypatch, UserError("Thành phố này chưa nhận đối tác.",
                                                 field="city"))
    resp = client.post("/partners/new", data=_partner(city))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    field_at = page.index('name="city"')
    message_at = page.index("Thành phố này chưa nhận đối tác.")
    next_field_at = page.find('name="', field_at + 1)
    assert field_at < message_at < next_field_at  # right after the city input
    assert _count(db, city) == 0


def test_service_error_without_a_field_is_flashed_and_nothing_is_saved(
        client, officer, db, monkeypatch) -> None:
    city = f"Berlin {uuid.uuid4().hex[:8]}"
    _refuse_after_writing(monkeypatch, UserError("Danh bạ đối tác đang khóa."))
    resp = client.post("/partners/new", data=_partner(city))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert re.search(r'alert-danger[^>]*>[^<]*Danh bạ đối tác đang khóa\.', page)
    assert _count(db, city) == 0


def test_a_later_request_does_not_commit_what_a_refused_one_left(
        client, officer, db, monkeypatch) -> None:
    city = f"Berlin {uuid.uuid4().hex[:8]}"
    _refuse_after_writing(monkeypatch, UserError("Không lưu.", field="city"))
    client.post("/partners/new", data=_partner(city))
    monkeypatch.undo()
    other = f"Hamburg {uuid.uuid4().hex[:8]}"
    assert client.post("/partners/new", data=_partner(other)).status_code == 302
    assert (_count(db, city), _count(db, other)) == (0, 1)


# --- behaviour, with real commits and the error page users get ------------------------------

@pytest.fixture(scope="module")
def real_app(tmp_path_factory) -> Iterator[Flask]:
    """An app as users get it (not testing: the 500 page), on a database of its own whose
    commits are real, so another connection sees exactly what was committed."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    schema = None
    if url.startswith("postgresql"):
        schema = fresh_pg_schema(url)
        options = {"connect_args": {"options": f'-csearch_path="{schema}",public'}}
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('uow') / 'crm.sqlite'}"
        options = {}

    class RealConfig(TestConfig):
        TESTING = False
        SECRET_KEY = "a-long-random-secret-for-this-test-only-0123456789"
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = options

    app = create_app(RealConfig)
    with app.app_context():
        _db.create_all()
        from crm.refdata import load_reference_data

        load_reference_data()
        factories.make_user(role="officer", email="uow-officer@example.vn")
        _db.session.commit()
    yield app
    with app.app_context():
        _db.session.remove()
        if schema:
            _db.engine.dispose()
            drop_pg_schema(schema, url)
        else:
            _db.drop_all()
            _db.engine.dispose()


def _committed(app: Flask, sql: str, params: dict) -> int:
    """A count as a brand-new connection sees it: only what was committed."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"],
                           **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar_one()
    finally:
        engine.dispose()


def _committed_partners(app: Flask, city: str) -> int:
    """Partners in `city` as a brand-new connection sees them: only what was committed."""
    return _committed(app, "SELECT count(*) FROM partners WHERE city = :c", {"c": city})


def _logged_in_client(app: Flask):
    client = app.test_client()
    with app.app_context():
        from crm.models import User

        login(client, _db.session.scalar(select(User).where(
            User.email == "uow-officer@example.vn")))
    return client


def test_successful_post_is_committed(real_app) -> None:
    client = _logged_in_client(real_app)
    city = f"Berlin {uuid.uuid4().hex[:8]}"
    resp = client.post("/partners/new", data=_partner(city))
    assert resp.status_code == 302
    assert _committed_partners(real_app, city) == 1


def test_unexpected_error_in_a_post_rolls_back_and_shows_the_error_page(
        real_app, monkeypatch) -> None:
    client = _logged_in_client(real_app)
    city = f"Berlin {uuid.uuid4().hex[:8]}"
    _refuse_after_writing(monkeypatch, RuntimeError("secret internal detail"))
    resp = client.post("/partners/new", data=_partner(city))
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "Traceback" not in page
    assert "secret internal detail" not in page
    assert "Đã có lỗi xảy ra" in page
    assert _committed_partners(real_app, city) == 0
    monkeypatch.undo()
    # The next request starts clean: the half-written partner is not committed with it.
    other = f"Hamburg {uuid.uuid4().hex[:8]}"
    assert client.post("/partners/new", data=_partner(other)).status_code == 302
    assert (_committed_partners(real_app, city), _committed_partners(real_app, other)) == (0, 1)


def test_service_error_in_a_post_commits_nothing(real_app, monkeypatch) -> None:
    client = _logged_in_client(real_app)
    city = f"Berlin {uuid.uuid4().hex[:8]}"
    _refuse_after_writing(monkeypatch, UserError("Không lưu.", field="city"))
    assert client.post("/partners/new", data=_partner(city)).status_code == 200
    assert _committed_partners(real_app, city) == 0


def test_failed_commit_gives_the_error_page_and_no_saved_message(real_app, monkeypatch) -> None:
    client = _logged_in_client(real_app)
    city = f"Berlin {uuid.uuid4().hex[:8]}"

    def refuse() -> None:
        raise RuntimeError("the database went away")

    with real_app.app_context():
        monkeypatch.setattr(_db.session, "commit", refuse)  # the end-of-request commit fails
        resp = client.post("/partners/new", data=_partner(city))
        monkeypatch.undo()
    page = resp.get_data(as_text=True)
    assert resp.status_code == 500
    assert "Đã có lỗi xảy ra" in page
    assert "Đã lưu đối tác." not in page  # the view's "saved" message is dropped
    assert _committed_partners(real_app, city) == 0
    assert "Đã lưu đối tác." not in client.get("/partners/").get_data(as_text=True)


def test_user_error_no_form_caught_shows_its_message_and_saves_nothing() -> None:
    class MemoryConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    app = create_app(MemoryConfig)

    @app.route("/_refuse", methods=["POST"])
    def refuse() -> str:
        _db.session.add(Partner(name="Đối tác Dở Dang", kind="importer", country_code="DE"))
        _db.session.flush()
        raise UserError("Không được làm việc này lúc này.")

    with app.app_context():
        _db.create_all()
        user = factories.make_user(role="officer")
        _db.session.commit()
        client = app.test_client()
        login(client, user)
        resp = client.post("/_refuse")
        assert resp.status_code == 422
        assert "Không được làm việc này lúc này." in resp.get_data(as_text=True)
        assert _db.session.scalar(select(func.count()).select_from(Partner)) == 0
        _db.session.remove()
        _db.drop_all()


def test_counterpart_upload_is_committed_before_the_redirect_to_its_dry_run(
        real_app, tmp_path, monkeypatch) -> None:
    """The dry run may reach another app host: the upload's record must be committed by the
    time the browser gets the redirect; a refused import then commits no counterpart."""
    from crm.meetings import services as meeting_services
    from crm.models import Opportunity

    monkeypatch.setitem(real_app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    with real_app.app_context():
        opp = Opportunity(code=f"O-{uuid.uuid4().hex[:8]}", kind="trade_mission",
                          title="Đoàn giao thương Nhật Bản", status="open")
        _db.session.add(opp)
        _db.session.flush()
        event_id = meeting_services.create_event(opp, {"name": "Gặp gỡ Osaka", "tables": 1},
                                                 by=None).id
        _db.session.commit()
    client = _logged_in_client(real_app)
    csv = ("Tên đối tác,Quốc gia,Loại đối tác,Ngôn ngữ\n"
           "Tokyo Foods,JP,Nhà nhập khẩu,en\n"
           "Osaka Trading,Atlantis,wholesale club,\n").encode()
    resp = client.post(f"/meetings/{event_id}/counterparts/import",
                       data={"file": (io.BytesIO(csv), "doi-tac.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    token = resp.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    assert _committed(real_app, "SELECT count(*) FROM import_uploads WHERE token = :t",
                      {"t": token}) == 1
    counterparts = "SELECT count(*) FROM meeting_counterparts WHERE event_id = :e"
    refused = client.post(resp.headers["Location"], data={})  # rows with errors, not ticked
    assert "Tệp còn dòng lỗi" in refused.get_data(as_text=True)
    assert _committed(real_app, counterparts, {"e": event_id}) == 0
    assert client.post(resp.headers["Location"], data={"partial": "y"}).status_code == 302
    assert _committed(real_app, counterparts, {"e": event_id}) == 1
