"""Certificate scans: checked by content and size, stored outside the web root, served only
to the firm itself and staff."""

from __future__ import annotations

import io

from sqlalchemy import select

from crm.models import Document
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(client, cert_id, content, name="chung-nhan.pdf"):
    return client.post("/portal/documents", data={
        "certification_id": str(cert_id) if cert_id else "",
        "file": (io.BytesIO(content), name),
    }, content_type="multipart/form-data")


def _docs(db, firm):
    return db.session.scalars(select(Document).where(Document.firm_id == firm.id)).all()


def test_pdf_upload_is_stored_under_a_random_name_outside_the_web_root(client, db, login_as,
                                                                       upload_dir):
    user = login_as("enterprise")
    cert = factories.make_certification(user.firm)
    db.session.commit()
    resp = _upload(client, cert.id, PDF, "HACCP 2025.pdf")
    assert resp.status_code == 302
    [doc] = _docs(db, user.firm)
    assert doc.mime == "application/pdf"
    assert doc.certification_id == cert.id
    assert doc.size == len(PDF)
    assert "HACCP" not in doc.stored_name
    assert (upload_dir / doc.stored_name).read_bytes() == PDF


def test_executable_renamed_to_pdf_is_refused_by_content(client, db, login_as):
    user = login_as("enterprise")
    resp = _upload(client, None, b"MZ\x90\x00 this is not a pdf", "hop-dong.pdf")
    assert resp.status_code == 200
    assert "PDF, JPEG hoặc PNG".encode() in resp.data
    assert _docs(db, user.firm) == []


def test_file_over_5_mb_is_refused(client, db, login_as):
    user = login_as("enterprise")
    resp = _upload(client, None, PDF + b"0" * (5 * 1024 * 1024), "lon.pdf")
    assert resp.status_code == 200
    assert "quá lớn".encode() in resp.data
    assert _docs(db, user.firm) == []


def test_empty_file_is_refused(client, db, login_as):
    user = login_as("enterprise")
    resp = _upload(client, None, b"", "rong.pdf")
    assert resp.status_code == 200
    assert _docs(db, user.firm) == []


def test_png_scan_is_accepted(client, db, login_as):
    user = login_as("enterprise")
    assert _upload(client, None, PNG, "anh.png").status_code == 302
    assert [d.mime for d in _docs(db, user.firm)] == ["image/png"]


def test_own_firm_downloads_as_attachment(client, db, login_as):
    user = login_as("enterprise")
    _upload(client, None, PDF, "HACCP.pdf")
    [doc] = _docs(db, user.firm)
    resp = client.get(f"/portal/documents/{doc.id}")
    assert resp.status_code == 200
    assert resp.data == PDF
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_staff_can_download_and_another_firm_gets_404(client, db, login_as):
    owner = login_as("enterprise")
    _upload(client, None, PDF, "HACCP.pdf")
    [doc] = _docs(db, owner.firm)
    client.post("/logout")
    login_as("officer")
    assert client.get(f"/portal/documents/{doc.id}").status_code == 200
    client.post("/logout")
    login_as("enterprise")  # another firm's user
    assert client.get(f"/portal/documents/{doc.id}").status_code == 404
