"""Two app hosts on one database: what one host stored, the other serves.

Each host is its own create_app() with its own instance folders, as two gunicorn hosts
behind a load balancer would be. With CRM_FILE_STORAGE=database a scan uploaded through
host A downloads through host B and an import's dry run on A runs on B; with the local
backend the same requests fail on B, which is the problem the database backend solves.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select

from crm import create_app
from crm.config import TestConfig
from crm.extensions import db
from crm.models import Document, Firm
from crm.validators import synthetic_tax_codes
from tests import factories
from tests.conftest import drop_pg_schema, fresh_pg_schema, login
from tests.imports.conftest import xlsx_bytes

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_codes = synthetic_tax_codes(10**5, prefix="47", start=uuid.uuid4().int % 10**6)


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """(url, engine options) of one database both hosts use, with schema and reference data."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    schema = None
    if url.startswith("postgresql"):
        schema = fresh_pg_schema(url)
        options = {"connect_args": {"options": f'-csearch_path="{schema}",public'}}
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('shared') / 'crm.db'}"
        options = {}
    first = _host(url, options, "local", tmp_path_factory.mktemp("setup"))
    with first.app_context():
        db.create_all()
        from crm.refdata import load_reference_data

        load_reference_data()
        db.session.commit()
    yield url, options
    with first.app_context():
        db.session.remove()
        db.engine.dispose()
    if schema:
        drop_pg_schema(schema, url)


def _host(url: str, options: dict, backend: str, folder) -> Flask:
    class HostConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SQLALCHEMY_ENGINE_OPTIONS = options
        FILE_STORAGE = backend
        UPLOAD_DIR = str(folder / "uploads")
        IMPORT_DIR = str(folder / "imports")

    return create_app(HostConfig)


@pytest.fixture
def hosts(shared_db, tmp_path, request) -> Iterator[tuple[Flask, Flask]]:
    """Hosts A and B: one database, each its own folders, the backend given by the test."""
    url, options = shared_db
    backend = request.param
    pair = (_host(url, options, backend, tmp_path / "a"),
            _host(url, options, backend, tmp_path / "b"))
    yield pair
    for app in pair:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def _user(app: Flask, role: str) -> int:
    with app.app_context():
        firm = factories.make_firm(tax_code=next(_codes)) if role == "enterprise" else None
        user = factories.make_user(role, firm=firm, email=f"{role}-{uuid.uuid4().hex[:8]}@x.vn")
        db.session.commit()
        return user.id


def _client_for(app: Flask, user_id: int):
    client = app.test_client()
    with app.app_context():
        from crm.models import User

        login(client, db.session.get(User, user_id))
    return client


def _upload_scan(client) -> None:
    resp = client.post("/portal/documents", data={
        "certification_id": "", "file": (io.BytesIO(PDF), "Giấy chứng nhận HACCP.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 302, resp.data[:300]


def _document_of(app: Flask, user_id: int) -> int:
    with app.app_context():
        from crm.models import User

        firm_id = db.session.get(User, user_id).firm_id
        return db.session.scalar(select(Document.id).where(Document.firm_id == firm_id))


@pytest.mark.parametrize("hosts", ["database"], indirect=True)
def test_a_scan_uploaded_on_host_a_downloads_on_host_b(hosts):
    a, b = hosts
    owner = _user(a, "enterprise")
    _upload_scan(_client_for(a, owner))
    doc_id = _document_of(a, owner)
    resp = _client_for(b, owner).get(f"/portal/documents/{doc_id}")
    assert resp.status_code == 200
    assert resp.data == PDF
    assert resp.mimetype == "application/pdf"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in resp.headers["Cache-Control"]


@pytest.mark.parametrize("hosts", ["local"], indirect=True)
def test_with_local_folders_host_b_cannot_serve_host_a_scan(hosts):
    a, b = hosts
    owner = _user(a, "enterprise")
    _upload_scan(_client_for(a, owner))
    doc_id = _document_of(a, owner)
    assert _client_for(a, owner).get(f"/portal/documents/{doc_id}").data == PDF
    assert _client_for(b, owner).get(f"/portal/documents/{doc_id}").status_code == 404


@pytest.mark.parametrize("hosts", ["database"], indirect=True)
def test_another_firm_cannot_download_the_scan_from_either_host(hosts):
    a, b = hosts
    owner, stranger = _user(a, "enterprise"), _user(a, "enterprise")
    _upload_scan(_client_for(a, owner))
    doc_id = _document_of(a, owner)
    for host in (a, b):
        assert _client_for(host, stranger).get(f"/portal/documents/{doc_id}").status_code == 404


@pytest.mark.parametrize("hosts", ["database"], indirect=True)
def test_a_scan_deleted_on_host_b_is_gone_on_host_a(hosts):
    a, b = hosts
    owner = _user(a, "enterprise")
    _upload_scan(_client_for(a, owner))
    doc_id = _document_of(a, owner)
    with a.app_context():
        key = f"documents/{db.session.get(Document, doc_id).stored_name}"
    resp = _client_for(b, owner).post(f"/portal/documents/{doc_id}/delete")
    assert resp.status_code == 302
    assert _client_for(a, owner).get(f"/portal/documents/{doc_id}").status_code == 404
    with a.app_context():
        from crm.models import StoredFile

        assert db.session.scalar(select(func.count()).select_from(StoredFile).where(
            StoredFile.key == key)) == 0


HEAD = ["Tên doanh nghiệp", "Mã số thuế", "Tỉnh/Thành phố", "Số lao động"]


def _dry_run_on(client, rows: list[list]) -> str:
    from crm.imports.mapping import guess_mapping

    resp = client.post("/imports/", data={"file": (io.BytesIO(xlsx_bytes(rows)), "ds.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.data[:300]
    token = resp.headers["Location"].rsplit("/", 1)[-1]
    form = {f"col_{i}": f or "" for i, f in enumerate(guess_mapping(HEAD))}
    resp = client.post(f"/imports/{token}", data=form)
    assert resp.status_code == 200
    return token


def _import_rows(codes: list[str]) -> list[list]:
    return [HEAD, ["Công ty TNHH Hai Máy Chủ", codes[0], "Khánh Hòa", "12"],
            ["Công ty Lỗi", codes[1], "Wakanda", "x"]]


@pytest.mark.parametrize("hosts", ["database"], indirect=True)
def test_an_import_dry_run_on_host_a_runs_on_host_b(hosts):
    a, b = hosts
    officer = _user(a, "officer")
    codes = [next(_codes), next(_codes)]
    token = _dry_run_on(_client_for(a, officer), _import_rows(codes))
    on_b = _client_for(b, officer)
    resp = on_b.post(f"/imports/{token}/run", data={"mode": "partial", "confirm_partial": "y"})
    assert resp.status_code == 200, resp.data[:300]
    with b.app_context():
        firm = db.session.scalar(select(Firm).where(Firm.tax_code == codes[0]))
        assert firm is not None
        assert firm.employees == 12  # the mapping chosen on host A was used on host B
        assert db.session.scalar(select(Firm).where(Firm.tax_code == codes[1])) is None
    # The rejected rows, written on B, download on A with the download checks.
    rejected = _client_for(a, officer).get(f"/imports/{token}/rejected")
    assert rejected.status_code == 200
    assert rejected.data[:2] == b"PK"  # an xlsx workbook
    assert rejected.headers["Content-Disposition"].startswith("attachment")
    assert rejected.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("hosts", ["local"], indirect=True)
def test_with_local_folders_an_import_dry_run_on_host_a_is_unknown_on_host_b(hosts):
    a, b = hosts
    officer = _user(a, "officer")
    token = _dry_run_on(_client_for(a, officer), _import_rows([next(_codes), next(_codes)]))
    resp = _client_for(b, officer).post(f"/imports/{token}/run", data={"mode": "all"})
    assert resp.status_code == 404


@pytest.mark.parametrize("hosts", ["database"], indirect=True)
def test_another_officer_cannot_run_an_import_on_either_host(hosts):
    a, b = hosts
    owner, other = _user(a, "officer"), _user(a, "officer")
    token = _dry_run_on(_client_for(a, owner), _import_rows([next(_codes), next(_codes)]))
    for host in (a, b):
        assert _client_for(host, other).get(f"/imports/{token}").status_code == 404
