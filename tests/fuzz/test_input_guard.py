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


def test_an_id_too_large_for_a_row_is_a_404_in_urls_and_forms(client, officer, db):
    firm = factories.make_firm()
    db.session.commit()
    for too_large in ("2147483648", "9" * 40):
        assert client.get(f"/firms/{too_large}").status_code == 404
        assert client.get(f"/firms/{firm.id}/contacts/{too_large}/edit").status_code == 404
    resp = client.post("/support/new", data={"firm_id": "9" * 40, "kind": "training"})
    assert resp.status_code == 200  # the form again, with its message, not a 500


def test_a_number_of_hundreds_of_digits_gets_the_range_message(client, officer, db):
    firm = factories.make_firm()
    db.session.commit()
    page = client.get(f"/firms/{firm.id}/edit").get_data(as_text=True)
    assert 'name="export_experience_years"' in page
    resp = client.post(f"/firms/{firm.id}/edit", data={
        "tax_code": firm.tax_code, "name": firm.name, "legal_form": firm.legal_form,
        "version": firm.version, "export_experience_years": "9" * 400})
    assert resp.status_code == 200
    assert "Cần một số từ 0 đến 150" in resp.get_data(as_text=True)
