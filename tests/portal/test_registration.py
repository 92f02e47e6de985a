"""Registration with a tax code, approved or rejected by staff."""

from __future__ import annotations

from sqlalchemy import select

from crm.models import Firm, RegistrationRequest, User
from tests import factories
from tests.conftest import login
from tests.portal.conftest import fresh_tax_code, unique_email

PASSWORD = "mat khau du dai 123"


def _form(tax_code, email, **kw):
    data = {"tax_code": tax_code, "firm_name": "HTX Yến Sào Cam Lâm",
            "contact_name": "Lê Văn Cường", "email": email, "phone": "0905 111 222",
            "password": PASSWORD, "confirm": PASSWORD}
    data.update(kw)
    return data


def _request(db, email):
    return db.session.scalar(select(RegistrationRequest).where(RegistrationRequest.email == email))


def test_registration_with_invalid_tax_code_is_refused_next_to_the_field(client, db):
    email = unique_email()
    resp = client.post("/portal/register", data=_form("0123456788", email))
    assert resp.status_code == 200
    assert "Mã số thuế không hợp lệ".encode() in resp.data
    assert _request(db, email) is None


def test_approved_registration_creates_firm_and_user_who_can_log_in(client, db, login_as):
    tax_code, email = fresh_tax_code(), unique_email()
    spaced = f"{tax_code[:4]} {tax_code[4:7]}.{tax_code[7:]}"  # as people type it
    resp = client.post("/portal/register", data=_form(spaced, email))
    assert resp.status_code == 200
    request = _request(db, email)
    assert request.tax_code == tax_code
    assert request.status == "pending"
    # nobody can log in before approval
    assert db.session.scalar(select(User).where(User.email == email)) is None

    login_as("officer")
    assert "HTX Yến Sào Cam Lâm".encode() in client.get("/verification/registrations").data
    client.post(f"/verification/registrations/{request.id}/approve")
    firm = db.session.scalar(select(Firm).where(Firm.tax_code == tax_code))
    user = db.session.scalar(select(User).where(User.email == email))
    assert firm.name == "HTX Yến Sào Cam Lâm"
    assert user.role == "enterprise"
    assert user.firm_id == firm.id
    assert request.status == "approved"
    client.post("/logout")
    login(client, user, PASSWORD)
    assert client.get("/portal/").status_code == 200


def test_approval_binds_to_the_existing_firm_with_that_tax_code(client, db, officer):
    firm = factories.make_firm()
    email = unique_email()
    client.post("/portal/register", data=_form(firm.tax_code, email))
    request = _request(db, email)
    client.post(f"/verification/registrations/{request.id}/approve")
    user = db.session.scalar(select(User).where(User.email == email))
    assert user.firm_id == firm.id
    assert db.session.scalars(select(Firm).where(Firm.tax_code == firm.tax_code)).all() == [firm]


def test_rejected_registration_creates_no_account(client, db, officer):
    email = unique_email()
    client.post("/portal/register", data=_form(fresh_tax_code(), email))
    request = _request(db, email)
    client.post(f"/verification/registrations/{request.id}/reject",
                data={"note": "Không phải doanh nghiệp trên địa bàn"})
    assert request.status == "rejected"
    assert request.decision_note == "Không phải doanh nghiệp trên địa bàn"
    assert db.session.scalar(select(User).where(User.email == email)) is None
