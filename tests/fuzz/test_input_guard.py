"""Characters no field may hold are refused before they reach the database."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.models import Contact
from tests import factories


def test_nul_in_any_submitted_value_is_refused_with_400(client, officer, db):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/contacts/new",
                       data={"name": "Nguyễn Văn\x00An", "email": "an@example.vn"})
    assert resp.status_code == 400
    assert client.get("/firms/?q=c%C3%A0\x00ph%C3%AA").status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Contact).where(
        Contact.firm_id == firm.id)) == 0


def test_control_character_in_a_firm_field_gets_a_field_message(client, officer, db):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/contacts/new",
                       data={"name": "Nguyễn Văn\x1bAn", "email": "an@example.vn"})
    assert resp.status_code == 200
    assert "ký tự điều khiển" in resp.get_data(as_text=True)
