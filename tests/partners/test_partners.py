"""The overseas partner directory, through the app."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from crm.models import Partner

BASE = {
    "name": "Siêu thị Phở Việt GmbH", "kind": "supermarket_chain", "diaspora_owned": "y",
    "country_code": "DE", "hs_prefixes": "0410, 0901",
    "keywords": "yến sào, cà phê", "required_certifications": ["HACCP"],
    "annual_volume": "120", "volume_unit": "tấn", "contact_name": "Trần Minh",
    "contact_email": "minh@phoviet.de",
}


@pytest.fixture
def good() -> dict:
    """Valid partner fields, with a city no other test uses."""
    return {**BASE, "city": f"Berlin {uuid.uuid4().hex[:8]}"}


def _count(db, city: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Partner)
                             .where(Partner.city == city))


def test_officer_creates_diaspora_partner_and_finds_it_without_diacritics(
        client, officer, db, good):
    resp = client.post("/partners/new", data=good)
    assert resp.status_code == 302
    partner = db.session.scalar(select(Partner).where(Partner.city == good["city"]))
    assert partner.diaspora_owned
    assert partner.hs_prefixes == ["0410", "0901"]
    assert partner.required_certifications == ["HACCP"]
    page = client.get("/partners/?q=pho viet&diaspora=y").get_data(as_text=True)
    assert good["city"] in page
    page = client.get("/partners/?q=ca phe").get_data(as_text=True)
    assert good["city"] in page
    page = client.get("/partners/?country=JP").get_data(as_text=True)
    assert good["city"] not in page


def test_partner_with_unknown_hs_code_is_refused_at_the_field(client, officer, db, good):
    before = _count(db, good['city'])
    resp = client.post("/partners/new", data={**good, "hs_prefixes": "0410, 9999"})
    assert resp.status_code == 200
    assert "9999" in resp.get_data(as_text=True)
    assert _count(db, good['city']) == before


def test_partner_with_unknown_country_or_negative_volume_is_refused(client, officer, db, good):
    before = _count(db, good['city'])
    assert client.post("/partners/new", data={**good, "country_code": "XX"}).status_code == 200
    resp = client.post("/partners/new", data={**good, "annual_volume": "-5"})
    assert "invalid-feedback" in resp.get_data(as_text=True)
    assert _count(db, good['city']) == before


def test_stale_partner_edit_is_refused(client, officer, db, good):
    client.post("/partners/new", data=good)
    partner = db.session.scalar(select(Partner).where(Partner.city == good["city"]))
    client.post(f"/partners/{partner.id}/edit", data={**good, "version": partner.version,
                                                      "city": "München"})
    resp = client.post(f"/partners/{partner.id}/edit",
                       data={**good, "version": 1, "city": "Hamburg"})
    assert resp.status_code == 200
    db.session.expire_all()
    assert db.session.get(Partner, partner.id).city == "München"


def test_archived_partner_leaves_the_list(client, officer, db, good):
    client.post("/partners/new", data=good)
    partner = db.session.scalar(select(Partner).where(Partner.city == good["city"]))
    client.post(f"/partners/{partner.id}/archive")
    assert good["city"] not in client.get("/partners/").get_data(as_text=True)
    assert good["city"] in client.get("/partners/?archived=y").get_data(as_text=True)


def test_viewer_reads_partners_but_cannot_create(client, login_as, db, good):
    login_as("viewer")
    assert client.get("/partners/").status_code == 200
    assert client.post("/partners/new", data=good).status_code == 403


def test_enterprise_user_cannot_see_partner_directory(client, login_as, db, good):
    login_as("enterprise")
    assert client.get("/partners/").status_code == 403
