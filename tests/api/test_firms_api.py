"""/api/v1/firms: the same rules and access policy as the web pages, HTTP done properly."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.models import Firm
from tests import factories

VALID_TAX = "0100109106"  # a valid check digit


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Firm))


def test_enterprise_token_reads_its_firm_and_gets_404_for_another(api, make_token, db):
    own, other = factories.make_firm(), factories.make_firm()
    token = make_token("enterprise", firm=own)
    assert api("get", f"/api/v1/firms/{own.id}", token=token).status_code == 200
    resp = api("get", f"/api/v1/firms/{other.id}", token=token)
    assert resp.status_code == 404
    assert resp.content_type == "application/problem+json"
    resp = api("patch", f"/api/v1/firms/{other.id}", token=token, json={"name": "x"},
               headers={"If-Match": '"1"'})
    assert resp.status_code == 404


def test_viewer_token_cannot_write(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("viewer")
    resp = api("patch", f"/api/v1/firms/{firm.id}", token=token, json={"name": "x"},
               headers={"If-Match": '"1"'})
    assert resp.status_code == 403


def test_token_without_the_scope_gets_403(api, make_token, db):
    token = make_token("officer", scopes=["opportunities:read"])
    assert api("get", "/api/v1/firms/", token=token).status_code == 403


def test_stale_if_match_is_412_and_saves_nothing(api, make_token, db):
    firm = factories.make_firm(name="Cũ")
    db.session.commit()
    token = make_token("officer")
    etag = api("get", f"/api/v1/firms/{firm.id}", token=token).headers["ETag"]
    first = api("patch", f"/api/v1/firms/{firm.id}", token=token, json={"name": "Một"},
                headers={"If-Match": etag})
    assert first.status_code == 200
    assert first.headers["ETag"] != etag
    second = api("patch", f"/api/v1/firms/{firm.id}", token=token, json={"name": "Hai"},
                 headers={"If-Match": etag})
    assert second.status_code == 412
    db.session.expire_all()
    assert db.session.get(Firm, firm.id).name == "Một"


def test_update_without_if_match_is_428(api, make_token, db):
    firm = factories.make_firm()
    resp = api("patch", f"/api/v1/firms/{firm.id}", token=make_token("officer"),
               json={"name": "x"})
    assert resp.status_code == 428


def test_list_uses_the_firm_list_search_and_cursor_pages(api, make_token, db):
    for i in range(5):
        factories.make_firm(name=f"Hợp tác xã Cà phê {i}")
    factories.make_firm(name="Công ty Hải sản")
    db.session.commit()
    token = make_token("officer")
    seen, cursor = [], None
    while True:
        url = "/api/v1/firms/?q=ca%20phe&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api("get", url, token=token).get_json()
        seen += [f["name"] for f in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert body["total"] == 5
    assert sorted(seen) == [f"Hợp tác xã Cà phê {i}" for i in range(5)]


def test_limit_over_100_is_a_problem_naming_the_parameter(api, make_token, db):
    resp = api("get", "/api/v1/firms/?limit=101", token=make_token("officer"))
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "limit"


def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_saved(api, make_token, db):
    token = make_token("officer")
    before = _count(db)
    cases = [
        ({"tax_code": "123", "name": "A"}, "tax_code"),
        ({"tax_code": VALID_TAX, "name": "A" * 256}, "name"),
        ({"tax_code": VALID_TAX, "name": "A", "employees": "many"}, "employees"),
        ({"tax_code": VALID_TAX, "name": "A", "colour": "red"}, "colour"),
        ({"tax_code": VALID_TAX, "name": "A", "legal_form": 3}, "legal_form"),
    ]
    for body, field in cases:
        resp = api("post", "/api/v1/firms/", token=token, json=body)
        assert resp.status_code == 422, (body, resp.get_json())
        assert field in [e["field"] for e in resp.get_json()["errors"]], body
    assert _count(db) == before


def test_invalid_hs_code_of_a_product_is_422_naming_hs_code(api, make_token, db):
    firm = factories.make_firm()
    resp = api("post", f"/api/v1/firms/{firm.id}/products", token=make_token("officer"),
               json={"name": "Tổ yến", "hs_code": "9999"})
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "hs_code"


def test_malformed_json_wrong_type_and_huge_body_are_4xx(api, make_token, app, db):
    token = make_token("officer")
    bad = api("post", "/api/v1/firms/", token=token, data="{", content_type="application/json")
    assert bad.status_code == 400
    form = api("post", "/api/v1/firms/", token=token, data="name=x",
               content_type="application/x-www-form-urlencoded")
    assert form.status_code == 415
    huge = api("post", "/api/v1/firms/", token=token, content_type="application/json",
               data='{"name": "' + "a" * (app.config["MAX_CONTENT_LENGTH"] + 10) + '"}')
    assert huge.status_code == 413
    assert huge.content_type == "application/problem+json"


def test_problem_speaks_english_by_accept_language(api, make_token, db):
    resp = api("post", "/api/v1/firms/", token=make_token("officer"), json={"name": "A"},
               headers={"Accept-Language": "en"})
    body = resp.get_json()
    assert body["title"] == "Invalid data"
    assert body["errors"][0] == {"field": "tax_code", "in": "json",
                                 "message": "Please fill in this field."}
    assert resp.headers["Content-Language"] == "en"


def test_idempotency_key_replays_the_first_create(api, make_token, db):
    token = make_token("officer")
    body = {"tax_code": VALID_TAX, "name": "Công ty Một Lần"}
    key = {"Idempotency-Key": "abc-123"}
    first = api("post", "/api/v1/firms/", token=token, json=body, headers=key)
    again = api("post", "/api/v1/firms/", token=token, json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    other = api("post", "/api/v1/firms/", token=token, json={**body, "name": "Khác"},
                headers=key)
    assert other.status_code == 422


def test_contacts_are_hidden_from_a_viewer_token(api, make_token, db):
    firm = factories.make_firm()
    resp = api("get", f"/api/v1/firms/{firm.id}/contacts", token=make_token("viewer"))
    assert resp.status_code == 403


def test_enterprise_token_adds_a_contact_to_its_own_firm(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("enterprise", firm=firm)
    resp = api("post", f"/api/v1/firms/{firm.id}/contacts", token=token,
               json={"name": "Nguyễn Văn A", "email": "a@example.vn"})
    assert resp.status_code == 201
    listed = api("get", f"/api/v1/firms/{firm.id}/contacts", token=token).get_json()
    assert [c["name"] for c in listed] == ["Nguyễn Văn A"]


def test_enterprise_token_cannot_change_staff_only_fields(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("enterprise", firm=firm)
    resp = api("patch", f"/api/v1/firms/{firm.id}", token=token,
               json={"verification_status": "verified"}, headers={"If-Match": '"1"'})
    assert resp.status_code == 403


# --- found by scripts/api_walk.py against the demo ---------------------------------------

def _documented(name: str) -> object:
    """A validator of the committed document's schema `name` (refs resolve in the document)."""
    import json
    from pathlib import Path

    import jsonschema_rs

    doc = json.loads((Path(__file__).resolve().parents[2] / "docs" / "openapi.json")
                     .read_text(encoding="utf-8"))
    return jsonschema_rs.Draft202012Validator(
        {"components": doc["components"], "$ref": f"#/components/schemas/{name}"})


def test_firm_without_a_size_class_answers_as_documented(api, make_token, db):
    # Demo firms with no employee count have no size class: the document allowed no null.
    firm = factories.make_firm(size_class=None, employees=None)
    token = make_token("officer")
    one = api("get", f"/api/v1/firms/{firm.id}", token=token)
    assert one.get_json()["size_class"] is None
    _documented("FirmOut").validate(one.get_json())
    page = api("get", f"/api/v1/firms/?q={firm.tax_code}", token=token).get_json()
    assert [f["id"] for f in page["items"]] == [firm.id]
    _documented("FirmPage").validate(page)


@pytest.mark.parametrize(("language", "name_message", "language_message"), [
    ("vi", "Cần từ 1 đến 255 ký tự.", "Cần đúng 2 ký tự."),
    ("en", "Needs 1 to 255 characters.", "Needs exactly 2 characters."),
])
def test_length_errors_are_in_the_requests_language(api, make_token, db, language,
                                                    name_message, language_message):
    # marshmallow's "Length must be between 1 and 255." came through in English only.
    resp = api("post", "/api/v1/firms/", token=make_token("officer"),
               headers={"Accept-Language": language},
               json={"name": "", "tax_code": VALID_TAX, "languages": ["vie"]})
    assert resp.status_code == 422
    errors = {e["field"]: e["message"] for e in resp.get_json()["errors"]}
    assert errors["name"] == name_message
    assert errors["languages.0"] == language_message
    assert db.session.scalar(select(Firm).where(Firm.tax_code == VALID_TAX)) is None
