"""/api/v1/opportunities: CRUD, ranking with reasons as words and codes, the pipeline."""

from __future__ import annotations

from tests import factories


def _opportunity(api, token, **extra):
    resp = api("post", "/api/v1/opportunities/", token=token, json={
        "kind": "trade_fair", "title": "Hội chợ Yến sào", "hs_prefixes": ["0410"],
        "markets": ["SG"], **extra})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_ranking_gives_reasons_in_words_and_codes(api, make_token, db):
    firm = factories.make_firm(name="Công ty Yến Sào")
    factories.make_product(firm)
    db.session.commit()
    token = make_token("officer")
    opp = _opportunity(api, token)
    vi = api("get", f"/api/v1/opportunities/{opp['id']}/ranking", token=token).get_json()
    en = api("get", f"/api/v1/opportunities/{opp['id']}/ranking", token=token,
             headers={"Accept-Language": "en"}).get_json()
    top = vi["ranked"][0]
    assert top["firm_id"] == firm.id
    assert top["reasons"]
    assert top["reasons"][0]["parts"][0]["code"]
    assert top["reasons"][0]["parts"] == en["ranked"][0]["reasons"][0]["parts"]
    assert top["reasons"][0]["text"] != en["ranked"][0]["reasons"][0]["text"]


def test_pipeline_follows_the_web_transitions(api, make_token, db):
    firm = factories.make_firm()
    factories.make_product(firm)
    db.session.commit()
    token = make_token("officer")
    opp = _opportunity(api, token)
    entries = api("post", f"/api/v1/opportunities/{opp['id']}/entries", token=token,
                  json={"firm_ids": [firm.id], "justification": "đã gặp ở hội chợ"})
    assert entries.status_code == 201, entries.get_json()
    entry = entries.get_json()[0]
    url = f"/api/v1/opportunities/{opp['id']}/entries/{entry['id']}/transitions"
    skip = api("post", url, token=token, json={"to_status": "participated"})
    assert skip.status_code == 422
    assert skip.get_json()["errors"][0]["field"] == "to_status"
    ok = api("post", url, token=token, json={"to_status": "invited"})
    assert ok.status_code == 200
    assert [e["to_status"] for e in ok.get_json()["events"]] == ["shortlisted", "invited"]


def test_opportunity_patch_keeps_fields_not_sent_and_checks_if_match(api, make_token, db):
    token = make_token("officer")
    opp = _opportunity(api, token, slots=5)
    url = f"/api/v1/opportunities/{opp['id']}"
    etag = api("get", url, token=token).headers["ETag"]
    resp = api("patch", url, token=token, json={"title": "Hội chợ mới"},
               headers={"If-Match": etag})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["slots"] == 5
    assert resp.get_json()["hs_prefixes"] == ["0410"]
    stale = api("patch", url, token=token, json={"title": "x"}, headers={"If-Match": etag})
    assert stale.status_code == 412


def test_enterprise_token_cannot_read_opportunities(api, make_token, db):
    resp = api("get", "/api/v1/opportunities/", token=make_token("enterprise"))
    assert resp.status_code == 403
