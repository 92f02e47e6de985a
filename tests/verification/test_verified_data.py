"""Which certificates count as verified, the page an officer opens to verify one, and the
firm's updated_at moving on every verification (the ranking index re-reads such firms)."""

from __future__ import annotations

from datetime import date

from crm import history
from crm.firms import services as firm_services
from crm.models import Certification, Document
from crm.verification import services
from crm.verification.queries import unverified_certifications
from tests import factories
from tests.conftest import login
from tests.verification.declare import declare_certification


def _enterprise(db):
    firm = factories.make_firm(verification_status="verified")
    user = factories.make_user("enterprise", firm=firm)
    db.session.commit()
    return firm, user


def test_certificate_declared_in_the_portal_is_unverified_until_an_officer_verifies_it(
        client, db):
    firm, user = _enterprise(db)
    staff_cert = factories.make_certification(firm)  # entered by staff: verified
    db.session.commit()
    cert, change = declare_certification(client, db, firm, user)
    declared = unverified_certifications([firm.id])
    assert set(declared) == {cert.id}
    assert staff_cert.id not in declared
    assert (declared[cert.id].scheme_code, declared[cert.id].change_id) == ("FDA", change.id)
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    client.post(f"/verification/firms/{firm.id}/review",
                data={"decision": "verify", "change_id": str(change.id)})
    assert unverified_certifications([firm.id]) == {}


def test_rejected_declaration_is_removed_and_counts_for_nothing(client, db):
    firm, user = _enterprise(db)
    cert, change = declare_certification(client, db, firm, user)
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    client.post(f"/verification/firms/{firm.id}/review",
                data={"decision": "reject", "change_id": str(change.id)})
    db.session.expire_all()
    assert db.session.get(Certification, cert.id) is None
    assert unverified_certifications([firm.id]) == {}


def test_enterprise_edit_of_a_verified_certificate_makes_it_unverified_again(db):
    firm = factories.make_firm()
    cert = factories.make_certification(firm, scheme_code="GACC", expires_on=date(2027, 1, 1))
    assert unverified_certifications([firm.id]) == {}
    with history.recording("self"):
        firm_services.update_certification(firm, cert, {
            "scheme_code": "GACC", "issued_on": "2025-01-01", "expires_on": "2031-01-01"})
    assert set(unverified_certifications([firm.id])) == {cert.id}


def test_staff_correction_after_the_declaration_counts_as_verified(db):
    firm = factories.make_firm()
    officer = factories.make_user("officer")
    with history.recording("self"):
        cert = firm_services.add_certification(firm, {
            "scheme_code": "HALAL", "issued_on": "2025-01-01"})
    assert set(unverified_certifications([firm.id])) == {cert.id}
    with history.recording("staff", by=officer):
        firm_services.update_certification(firm, cert, {
            "scheme_code": "HALAL", "issued_on": "2025-01-01", "number": "HL-2025-01"})
    assert unverified_certifications([firm.id]) == {}


def test_imported_certificate_counts_as_verified(db):
    firm = factories.make_firm()
    with history.recording("import"):
        firm_services.add_certification(firm, {"scheme_code": "FDA", "issued_on": "2025-01-01"})
    assert unverified_certifications([firm.id]) == {}


def test_all_firms_are_read_when_no_ids_are_given(db):
    firms = [factories.make_firm() for _ in range(2)]
    with history.recording("self"):
        certs = [firm_services.add_certification(f, {"scheme_code": "FDA",
                                                     "issued_on": "2025-01-01"})
                 for f in firms]
    assert {c.id for c in certs} <= set(unverified_certifications())


def test_verifying_moves_updated_at_even_while_other_changes_wait(db):
    firm = factories.make_firm(verification_status="verified")
    officer = factories.make_user("officer")
    with history.recording("self"):
        firm_services.add_certification(firm, {"scheme_code": "FDA", "issued_on": "2025-01-01"})
        firm_services.add_product(firm, {"name": "Nước yến", "hs_code": "0410"})
    from crm.verification.queries import pending_of

    cert_change = next(c for c in pending_of(firm) if c.entity == "certification")
    before = firm.updated_at
    services.verify_changes(firm, [cert_change], officer)
    assert firm.verification_status == "self_declared"  # the product still waits
    assert firm.updated_at > before


def test_change_page_shows_the_certificate_and_its_scan_and_goes_back_after_verifying(
        client, db):
    firm, user = _enterprise(db)
    cert, change = declare_certification(client, db, firm, user, number="FDA-778899")
    db.session.add(Document(firm_id=firm.id, certification_id=cert.id,
                            original_filename="FDA registration.pdf", stored_name="x" * 32,
                            mime="application/pdf", size=10))
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    back = "/opportunities/7?top=30"
    page = client.get(f"/verification/changes/{change.id}", query_string={"next": back})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "FDA-778899" in text
    assert "FDA registration.pdf" in text
    assert f'name="change_id" value="{change.id}"' in text
    assert f'name="next" value="{back}"' in text
    resp = client.post(f"/verification/firms/{firm.id}/review",
                       data={"decision": "verify", "change_id": str(change.id), "next": back})
    assert resp.status_code == 302
    assert resp.headers["Location"] == back
    after = client.get(f"/verification/changes/{change.id}").get_data(as_text=True)
    assert "Thay đổi này đã được xác minh." in after


def test_change_page_never_sends_the_officer_to_another_site(client, db):
    firm, user = _enterprise(db)
    _cert, change = declare_certification(client, db, firm, user)
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    page = client.get(f"/verification/changes/{change.id}",
                      query_string={"next": "//evil.example/x"}).get_data(as_text=True)
    # neither the way back nor the form's return address leads there (the language switch
    # of the page header repeats the address as a query string, which is harmless)
    assert 'href="//evil.example' not in page
    assert f'name="next" value="/verification/changes/{change.id}"' in page
    resp = client.post(f"/verification/firms/{firm.id}/review", data={
        "decision": "verify", "change_id": str(change.id), "next": "https://evil.example/"})
    assert resp.headers["Location"].endswith("/verification/")


def test_queue_links_each_change_to_its_page(client, db):
    firm, user = _enterprise(db)
    _cert, change = declare_certification(client, db, firm, user)
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    assert f"/verification/changes/{change.id}" in client.get("/verification/").get_data(
        as_text=True)


def test_viewer_cannot_open_the_change_page(client, db, login_as):
    firm = factories.make_firm()
    with history.recording("self"):
        firm_services.add_certification(firm, {"scheme_code": "FDA", "issued_on": "2025-01-01"})
    [declared] = unverified_certifications([firm.id]).values()
    db.session.commit()
    login_as("viewer")
    assert client.get(f"/verification/changes/{declared.change_id}").status_code == 403
