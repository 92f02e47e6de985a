"""The OpenAPI document: served, committed, and the same as the code's."""

from __future__ import annotations

import json
from pathlib import Path

from crm.api import openapi_document

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_committed_openapi_document_matches_the_code(app):
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(openapi_document(app))), (
        "docs/openapi.json is stale: run `python -m crm.api > docs/openapi.json`")


def test_openapi_json_is_served_without_a_token_as_openapi_3_1(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc["openapi"] == "3.1.0"
    assert "/api/v1/firms/{firm_id}" in doc["paths"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_docs_page_lists_operations_and_loads_nothing_from_elsewhere(client):
    resp = client.get("/api/v1/docs")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "/api/v1/opportunities/{opp_id}/ranking" in html
    assert "cdn" not in html.lower()
    assert 'src="http' not in html
    assert 'href="http' not in html
