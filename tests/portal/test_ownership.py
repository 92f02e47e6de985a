"""An enterprise user reaches only its own firm: other firms' ids are 404, and logged."""

from __future__ import annotations

import io
import logging

import pytest

from crm.models import Document, Opportunity
from tests import factories


@pytest.fixture
def other(db):
    """Another firm with a certificate, a scan and a product."""
    firm = factories.make_firm()
    cert = factories.make_certification(firm)
    product = factories.make_product(firm)
    doc = Document(firm=firm, certification=cert, original_filename="x.pdf",
                   stored_name=f"other-{firm.id}.pdf", mime="application/pdf", size=1)
    db.session.add(doc)
    db.session.commit()
    return {"firm": firm, "cert": cert, "product": product, "doc": doc}


def test_another_firms_document_is_404_for_download_and_delete(client, login_as, other):
    login_as("enterprise")
    assert client.get(f"/portal/documents/{other['doc'].id}").status_code == 404
    assert client.post(f"/portal/documents/{other['doc'].id}/delete").status_code == 404


def test_attaching_a_scan_to_another_firms_certificate_is_404(client, db, login_as, other):
    user = login_as("enterprise")
    resp = client.post("/portal/documents", data={
        "certification_id": str(other["cert"].id),
        "file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf"),
    }, content_type="multipart/form-data")
    assert resp.status_code == 404
    assert user.firm.id != other["firm"].id


def test_another_firms_pages_through_the_firm_routes_are_404(client, login_as, other):
    login_as("enterprise")
    firm_id = other["firm"].id
    assert client.get(f"/firms/{firm_id}").status_code == 404
    assert client.get(f"/firms/{firm_id}/edit").status_code == 404
    assert client.get(
        f"/firms/{firm_id}/products/{other['product'].id}/edit").status_code == 404
    assert client.get(
        f"/firms/{firm_id}/certifications/{other['cert'].id}/edit").status_code == 404


def test_another_firms_history_is_404_and_the_attempt_is_logged(client, login_as, other,
                                                               caplog):
    login_as("enterprise")
    with caplog.at_level(logging.WARNING, logger="crm.access"):
        resp = client.get(f"/verification/firms/{other['firm'].id}/history")
    # staff page: the role check answers first
    assert resp.status_code == 403
    with caplog.at_level(logging.WARNING, logger="crm.access"):
        assert client.get(f"/portal/documents/{other['doc'].id}").status_code == 404
    assert any("tried" in r.getMessage() for r in caplog.records)


def test_portal_pages_work_for_own_firm_and_refuse_staff_only_pages(client, db, login_as):
    login_as("enterprise")
    for url in ("/portal/", "/portal/documents", "/portal/opportunities"):
        assert client.get(url).status_code == 200, url
    for url in ("/verification/", "/verification/registrations", "/verification/invitations",
                "/verification/attention"):
        assert client.get(url).status_code == 403, url


def test_staff_cannot_open_the_enterprise_portal(client, officer):
    assert client.get("/portal/").status_code == 403


def test_interest_in_an_opportunity_is_recorded_for_own_firm(client, db, login_as):
    from sqlalchemy import select

    from crm.models import ShortlistEntry

    user = login_as("enterprise")
    opp = Opportunity(code=f"OPP-{user.id}", kind="trade_fair", title="Hội chợ Gulfood 2027",
                      markets=["AE"], status="open")
    db.session.add(opp)
    db.session.commit()
    resp = client.post(f"/portal/opportunities/{opp.id}/respond", data={"response": "interested"})
    assert resp.status_code == 302
    entry = db.session.scalar(select(ShortlistEntry).where(
        ShortlistEntry.opportunity_id == opp.id, ShortlistEntry.firm_id == user.firm_id))
    assert entry.firm_response == "interested"
    client.post(f"/portal/opportunities/{opp.id}/respond", data={"response": "declined"})
    db.session.refresh(entry)
    assert entry.firm_response == "declined"
