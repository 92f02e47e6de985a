"""Invitations: a one-time, expiring link creates an enterprise account for one firm."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.models import Invitation, User
from crm.models.base import utcnow
from crm.portal import services
from tests import factories
from tests.portal.conftest import unique_email

NEW_PASSWORD = "mat khau du dai 123"


def _invite(db):
    firm = factories.make_firm()
    invitation, token = services.create_invitation(firm, unique_email("giamdoc"), by=None)
    db.session.commit()
    return firm, invitation, token


def _accept(client, token):
    return client.post(f"/portal/invite/{token}", data={
        "name": "Trần Thị Bình", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})


def test_officer_creates_invitation_and_sees_the_link_once(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    email = unique_email("ketoan")
    resp = client.post("/verification/invitations",
                       data={"tax_code": firm.tax_code, "email": email})
    assert resp.status_code == 200
    assert b"/portal/invite/" in resp.data
    invitation = db.session.scalar(select(Invitation).where(Invitation.firm_id == firm.id))
    assert invitation.email == email
    # only the hash is stored, never the token shown in the link
    token = resp.data.split(b"/portal/invite/")[1].split(b'"')[0].decode()
    assert invitation.token_hash == services.token_hash(token)
    assert token not in invitation.token_hash


def test_valid_link_creates_enterprise_user_bound_to_the_firm_and_logs_in(client, db):
    firm, invitation, token = _invite(db)
    assert client.get(f"/portal/invite/{token}").status_code == 200
    resp = _accept(client, token)
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.email == invitation.email))
    assert user.role == "enterprise"
    assert user.firm_id == firm.id
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/portal/").status_code == 200


def test_reused_link_is_refused_with_a_clear_page(client, db):
    _firm, invitation, token = _invite(db)
    _accept(client, token)
    client.post("/logout")
    resp = client.get(f"/portal/invite/{token}")
    assert resp.status_code == 410
    assert "đã được sử dụng".encode() in resp.data
    assert _accept(client, token).status_code == 410
    assert len(db.session.scalars(select(User).where(User.email == invitation.email)).all()) == 1


def test_expired_link_is_refused_with_a_clear_page(client, db):
    _firm, invitation, token = _invite(db)
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    resp = _accept(client, token)
    assert resp.status_code == 410
    assert "hết hạn".encode() in resp.data
    assert db.session.scalar(select(User).where(User.email == invitation.email)) is None


def test_unknown_token_is_not_found(client, db):
    assert client.get("/portal/invite/khong-co-that").status_code == 404


def test_short_password_is_refused_next_to_the_field(client, db):
    _firm, invitation, token = _invite(db)
    resp = client.post(f"/portal/invite/{token}",
                       data={"name": "Bình", "password": "ngan", "confirm": "ngan"})
    assert resp.status_code == 200
    assert "ít nhất 10 ký tự".encode() in resp.data
    assert db.session.scalar(select(User).where(User.email == invitation.email)) is None


def test_enterprise_user_cannot_create_invitations(client, login_as):
    login_as("enterprise")
    assert client.get("/verification/invitations").status_code == 403
