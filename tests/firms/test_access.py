"""Who may create, edit and archive firms, and the 404 for other firms' objects."""

from __future__ import annotations

import pytest

from crm.models import Contact
from tests import factories


def minimal_firm_form(firm, **overrides) -> dict:
    """POST data of the firm edit form, keeping the firm's tax code and version."""
    data = {"tax_code": firm.tax_code, "name": firm.name, "legal_form": "llc",
            "province_code": "56", "verification_status": "unverified",
            "version": str(firm.version)}
    data.update(overrides)
    return data


def test_every_firm_route_declares_its_roles(app):
    firm_views = {k: v for k, v in app.view_functions.items() if k.startswith("firms.")}
    assert {"firms.show", "firms.new", "firms.edit", "firms.archive", "firms.item_new"} <= set(
        firm_views)
    assert all(hasattr(view, "allowed_roles") for view in firm_views.values())


def test_viewer_reads_but_cannot_edit(client, db, login_as):
    firm = factories.make_firm(name="Công ty Chỉ Xem")
    contact = factories.make_contact(firm)
    login_as("viewer")
    assert client.get(f"/firms/{firm.id}").status_code == 200
    assert "Sửa hồ sơ" not in client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert client.get(f"/firms/{firm.id}/edit").status_code == 403
    resp = client.post(f"/firms/{firm.id}/edit", data=minimal_firm_form(firm, name="Đổi tên"))
    assert resp.status_code == 403
    assert client.post(f"/firms/{firm.id}/contacts/new", data={"name": "X"}).status_code == 403
    assert client.post(f"/firms/{firm.id}/contacts/{contact.id}/remove").status_code == 403
    assert client.post(f"/firms/{firm.id}/archive").status_code == 403
    assert client.get("/firms/new").status_code == 403
    db.session.expire_all()
    assert firm.name == "Công ty Chỉ Xem"
    assert not firm.archived


def test_enterprise_user_edits_its_own_firm(client, db, login_as):
    user = login_as("enterprise")
    firm = user.firm
    resp = client.post(f"/firms/{firm.id}/edit", data=minimal_firm_form(
        firm, name="Hợp tác xã Yến Đảo", employees="8"))
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert firm.name == "Hợp tác xã Yến Đảo"
    assert firm.size_class == "micro"


def test_enterprise_user_cannot_change_tax_code_or_verify_itself(client, db, login_as):
    user = login_as("enterprise")
    firm = user.firm
    tax_code = firm.tax_code
    page = client.get(f"/firms/{firm.id}/edit").get_data(as_text=True)
    assert 'name="verification_status"' not in page
    client.post(f"/firms/{firm.id}/edit", data=minimal_firm_form(
        firm, tax_code="0100109106", verification_status="verified", is_pioneer="y"))
    db.session.expire_all()
    assert firm.tax_code == tax_code
    assert firm.verification_status == "unverified"
    assert not firm.is_pioneer


def test_enterprise_user_gets_404_for_another_firm(client, db, login_as):
    other = factories.make_firm()
    contact = factories.make_contact(other)
    login_as("enterprise")
    assert client.get(f"/firms/{other.id}/edit").status_code == 404
    assert client.post(f"/firms/{other.id}/edit", data=minimal_firm_form(other)).status_code == 404
    assert client.get(f"/firms/{other.id}/contacts/new").status_code == 404
    assert client.post(f"/firms/{other.id}/contacts/{contact.id}/remove").status_code == 404


def test_enterprise_user_cannot_archive_or_create(client, db, login_as):
    user = login_as("enterprise")
    assert client.post(f"/firms/{user.firm_id}/archive").status_code == 403
    assert client.get("/firms/new").status_code == 403
    db.session.expire_all()
    assert not user.firm.archived


@pytest.mark.parametrize("action", ["edit", "remove"])
def test_contact_of_another_firm_in_the_url_is_404(client, db, officer, action):
    mine = factories.make_firm()
    theirs = factories.make_contact(factories.make_firm(), name="Người Khác")
    db.session.commit()
    url = f"/firms/{mine.id}/contacts/{theirs.id}/{action}"
    resp = client.post(url, data={"name": "Chiếm"}) if action == "edit" else client.post(url)
    assert resp.status_code == 404
    db.session.expire_all()
    assert db.session.get(Contact, theirs.id).name == "Người Khác"


def test_product_of_another_firm_in_the_url_is_404(client, db, officer):
    mine = factories.make_firm()
    theirs = factories.make_product(factories.make_firm())
    db.session.commit()
    assert client.get(f"/firms/{mine.id}/products/{theirs.id}/edit").status_code == 404


def test_unknown_sub_entity_kind_is_404(client, db, officer):
    firm = factories.make_firm()
    assert client.get(f"/firms/{firm.id}/secrets/new").status_code == 404


def test_archive_and_restore(client, db, officer):
    firm = factories.make_firm(name="Công ty Ngừng Hoạt Động")
    db.session.commit()
    assert client.get(f"/firms/{firm.id}/archive").status_code == 405  # never by a GET link
    assert client.post(f"/firms/{firm.id}/archive").status_code == 302
    db.session.expire_all()
    assert firm.archived
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert "Đã lưu trữ" in page
    assert "Khôi phục" in page
    assert client.post(f"/firms/{firm.id}/unarchive").status_code == 302
    db.session.expire_all()
    assert not firm.archived


def test_there_is_no_route_that_deletes_a_firm(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("firms.")]
    assert not any("DELETE" in (r.methods or ()) for r in rules)
    assert not any(r.rule.endswith("/delete") for r in rules)
