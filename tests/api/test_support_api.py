"""/api/v1/interactions, /partners, /programmes: the web's services and roles, over HTTP."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from crm import clock
from crm.auth import tokens
from crm.errors import UserError
from crm.models import Interaction, Partner, Programme, ProgrammeTarget, Task
from tests import factories


def _record(api, token, firm, **extra):
    return api("post", "/api/v1/interactions/", token=token, json={
        "firm_id": firm.id, "kind": "consulting", "occurred_on": str(clock.today()),
        "summary": "Tư vấn xuất khẩu yến sào", **extra})


def _programme(db, **kw) -> Programme:
    year = clock.today().year
    programme = Programme(code=f"API-{uuid.uuid4().hex[:8]}", name="Chương trình API",
                          start_year=year - 1, end_year=year + 1, **kw)
    db.session.add(programme)
    db.session.flush()
    return programme


# --- interactions and tasks -------------------------------------------------------------------

def test_recorded_interaction_has_its_follow_up_task_and_can_be_read_back(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("officer")
    due = str(clock.today() + timedelta(days=7))
    resp = _record(api, token, firm, follow_up_title="Gửi báo giá", follow_up_due_on=due,
                   outcome_check_months=0)
    assert resp.status_code == 201, resp.get_json()
    created = resp.get_json()
    assert resp.headers["Location"].endswith(f"/interactions/{created['id']}")
    read = api("get", resp.headers["Location"], token=token)
    assert read.get_json()["summary"] == "Tư vấn xuất khẩu yến sào"
    tasks = api("get", f"/api/v1/interactions/{created['id']}/tasks", token=token).get_json()
    assert [(t["kind"], t["title"], t["due_on"]) for t in tasks] == [
        ("follow_up", "Gửi báo giá", due)]


def test_interaction_rules_are_the_web_forms(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("officer")
    resp = _record(api, token, firm, follow_up_title="Gọi lại")  # a task without a due date
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "follow_up_due_on"
    assert db.session.query(Interaction).filter_by(firm_id=firm.id).count() == 0


def test_interaction_list_filters_by_firm_type_and_date(api, make_token, db):
    one, other = factories.make_firm(), factories.make_firm()
    token = make_token("officer")
    today = clock.today()
    _record(api, token, one, occurred_on=str(today - timedelta(days=30)))
    _record(api, token, one, kind="training", outcome_check_months=0)
    _record(api, token, other)
    by_firm = api("get", f"/api/v1/interactions/?firm_id={one.id}", token=token).get_json()
    assert len(by_firm["items"]) == 2
    assert {i["firm_id"] for i in by_firm["items"]} == {one.id}
    trainings = api("get", f"/api/v1/interactions/?firm_id={one.id}&kind=training",
                    token=token).get_json()["items"]
    assert [i["kind"] for i in trainings] == ["training"]
    recent = api("get", f"/api/v1/interactions/?firm_id={one.id}"
                        f"&date_from={today - timedelta(days=7)}", token=token).get_json()
    assert [i["occurred_on"] for i in recent["items"]] == [str(today)]


def test_interaction_list_pages_with_a_cursor(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("officer")
    for _i in range(3):
        _record(api, token, firm, outcome_check_months=0)
    first = api("get", f"/api/v1/interactions/?firm_id={firm.id}&limit=2", token=token)
    page = first.get_json()
    assert len(page["items"]) == 2
    rest = api("get", f"/api/v1/interactions/?firm_id={firm.id}&cursor={page['next_cursor']}",
               token=token).get_json()
    assert len(rest["items"]) == 1
    assert rest["next_cursor"] is None
    seen = {i["id"] for i in page["items"]} | {i["id"] for i in rest["items"]}
    assert len(seen) == 3


def test_interaction_patch_changes_only_what_is_sent(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("officer")
    created = _record(api, token, firm, cost_vnd=5_000_000, outcome_check_months=0).get_json()
    url = f"/api/v1/interactions/{created['id']}"
    etag = api("get", url, token=token).headers["ETag"]
    resp = api("patch", url, token=token, json={"summary": "Tư vấn lại"},
               headers={"If-Match": etag})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["summary"] == "Tư vấn lại"
    assert resp.get_json()["cost_vnd"] == 5_000_000
    assert resp.get_json()["kind"] == "consulting"
    bad = api("patch", url, token=token, json={"officer_id": 2_000_000},
              headers={"If-Match": resp.headers["ETag"]})
    assert bad.status_code == 422
    assert bad.get_json()["errors"][0]["field"] == "officer_id"


def test_interaction_patch_needs_the_current_etag(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("officer")
    created = _record(api, token, firm, outcome_check_months=0)
    url = f"/api/v1/interactions/{created.get_json()['id']}"
    etag = api("get", url, token=token).headers["ETag"]
    assert etag == created.headers["ETag"] == f'"{created.get_json()["version"]}"'
    missing = api("patch", url, token=token, json={"summary": "Không có If-Match"})
    assert missing.status_code == 428
    resp = api("patch", url, token=token, json={"summary": "Tư vấn lần hai"},
               headers={"If-Match": etag})
    assert resp.status_code == 200, resp.get_json()
    assert resp.headers["ETag"] != etag
    assert resp.headers["ETag"] == f'"{resp.get_json()["version"]}"'
    # A client still holding the first ETag would overwrite the change above: refused.
    stale = api("patch", url, token=token, json={"summary": "Ghi đè"},
                headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.headers["Content-Type"].startswith("application/problem+json")
    assert db.session.get(Interaction, created.get_json()["id"]).summary == "Tư vấn lần hai"


def test_interaction_saved_by_someone_else_meanwhile_is_a_conflict(db):
    """The service itself refuses a version read before another save (the API's 412)."""
    from crm.errors import ConflictError
    from crm.interactions import services

    officer = factories.make_user(role="officer")
    firm = factories.make_firm()
    interaction = services.log_interaction({
        "firm_id": firm.id, "kind": "consulting", "occurred_on": clock.today(),
        "summary": "Tư vấn", "outcome_check_months": 0}, by=officer)
    read = interaction.version
    services.update_interaction(interaction, {"kind": "consulting",
                                              "occurred_on": clock.today(),
                                              "summary": "Lần một"}, by=officer,
                                expected_version=read)
    assert interaction.version == read + 1
    with pytest.raises(ConflictError):
        services.update_interaction(interaction, {"kind": "consulting",
                                                  "occurred_on": clock.today(),
                                                  "summary": "Lần hai"}, by=officer,
                                    expected_version=read)


def test_follow_up_task_is_added_and_completed(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("officer")
    created = _record(api, token, firm, outcome_check_months=0).get_json()
    url = f"/api/v1/interactions/{created['id']}/tasks"
    early = api("post", url, token=token, json={
        "title": "Gửi mẫu", "due_on": str(clock.today() - timedelta(days=1))})
    assert early.status_code == 422
    assert early.get_json()["errors"][0]["field"] == "due_on"
    resp = api("post", url, token=token, json={
        "title": "Gửi mẫu", "due_on": str(clock.today() + timedelta(days=3))},
        headers={"Idempotency-Key": "task-1"})
    assert resp.status_code == 201, resp.get_json()
    again = api("post", url, token=token, json={
        "title": "Gửi mẫu", "due_on": str(clock.today() + timedelta(days=3))},
        headers={"Idempotency-Key": "task-1"})
    assert again.get_json()["id"] == resp.get_json()["id"]
    assert db.session.query(Task).filter_by(interaction_id=created["id"]).count() == 1
    done = api("post", f"{url}/{resp.get_json()['id']}/done", token=token)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["done_at"] is not None


def test_task_of_another_interaction_is_404(api, make_token, db):
    firm = factories.make_firm()
    token = make_token("officer")
    a = _record(api, token, firm, outcome_check_months=0).get_json()
    b = _record(api, token, firm, outcome_check_months=0).get_json()
    task = api("post", f"/api/v1/interactions/{a['id']}/tasks", token=token, json={
        "title": "Gọi lại", "due_on": str(clock.today())}).get_json()
    resp = api("post", f"/api/v1/interactions/{b['id']}/tasks/{task['id']}/done", token=token)
    assert resp.status_code == 404


def test_viewer_reads_the_support_log_but_cannot_write_it(api, make_token, db):
    firm = factories.make_firm()
    officer = make_token("officer")
    created = _record(api, officer, firm, outcome_check_months=0).get_json()
    viewer = make_token("viewer")
    assert api("get", f"/api/v1/interactions/{created['id']}", token=viewer).status_code == 200
    assert _record(api, viewer, firm).status_code == 403
    resp = api("patch", f"/api/v1/interactions/{created['id']}", token=viewer,
               json={"summary": "x"}, headers={"If-Match": f'"{created["version"]}"'})
    assert resp.status_code == 403


def test_enterprise_token_cannot_reach_the_support_log(api, make_token, db):
    firm = factories.make_firm()
    officer = make_token("officer")
    created = _record(api, officer, firm, outcome_check_months=0).get_json()
    # The web shows an enterprise user no support log, even its own firm's.
    token = make_token("enterprise", firm=firm)
    assert api("get", "/api/v1/interactions/", token=token).status_code == 403
    assert api("get", f"/api/v1/interactions/{created['id']}", token=token).status_code == 403


def test_token_without_interactions_scope_gets_403(api, make_token, db):
    token = make_token("officer", scopes=["firms:read"])
    assert api("get", "/api/v1/interactions/", token=token).status_code == 403


# --- partners ---------------------------------------------------------------------------------

def _partner(api, token, **extra):
    return api("post", "/api/v1/partners/", token=token, json={
        "name": "Lotte Mart Hà Nội", "kind": "retail_chain", "country_code": "KR",
        "keywords": "cà phê, yến sào", "hs_prefixes": ["0901"],
        "contact_name": "Kim Min-ji", "contact_email": "minji@example.kr", **extra})


def test_partner_is_created_searched_without_accents_and_read(api, make_token, db):
    token = make_token("officer")
    resp = _partner(api, token)
    assert resp.status_code == 201, resp.get_json()
    assert resp.headers["ETag"] == '"1"'
    found = api("get", "/api/v1/partners/?q=ca%20phe&country=kr", token=token).get_json()
    assert resp.get_json()["id"] in [p["id"] for p in found["items"]]
    read = api("get", resp.headers["Location"], token=token).get_json()
    assert read["contact_email"] == "minji@example.kr"


def test_partner_codes_are_checked_against_the_reference_tables(api, make_token, db):
    token = make_token("officer")
    resp = _partner(api, token, hs_prefixes=["9999"])
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "hs_prefixes"
    resp = _partner(api, token, country_code="ZZ")
    assert resp.get_json()["errors"][0]["field"] == "country_code"
    assert db.session.query(Partner).filter_by(name="Lotte Mart Hà Nội").count() == 0


def test_partner_patch_needs_the_current_etag_and_keeps_other_fields(api, make_token, db):
    token = make_token("officer")
    created = _partner(api, token)
    url, etag = created.headers["Location"], created.headers["ETag"]
    assert api("patch", url, token=token, json={"city": "Seoul"}).status_code == 428
    resp = api("patch", url, token=token, json={"city": "Seoul"}, headers={"If-Match": etag})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["hs_prefixes"] == ["0901"]
    assert resp.get_json()["contact_name"] == "Kim Min-ji"
    stale = api("patch", url, token=token, json={"city": "Busan"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    db.session.expire_all()
    assert db.session.get(Partner, created.get_json()["id"]).city == "Seoul"


def test_viewer_reads_partners_without_their_contact_person(api, make_token, db):
    created = _partner(api, make_token("officer")).get_json()
    viewer = make_token("viewer")
    read = api("get", f"/api/v1/partners/{created['id']}", token=viewer).get_json()
    assert read["name"] == "Lotte Mart Hà Nội"
    assert (read["contact_name"], read["contact_email"]) == (None, None)
    listed = api("get", "/api/v1/partners/?q=lotte", token=viewer).get_json()["items"]
    assert all(p["contact_email"] is None for p in listed)
    assert _partner(api, viewer).status_code == 403


def test_enterprise_token_cannot_read_partners(api, make_token, db):
    token = make_token("enterprise", firm=factories.make_firm())
    assert api("get", "/api/v1/partners/", token=token).status_code == 403


# --- programmes and KPIs ----------------------------------------------------------------------

def test_programme_kpis_are_the_dashboards_figures_with_targets(api, make_token, db):
    programme = _programme(db)
    year = clock.today().year
    db.session.add(ProgrammeTarget(programme_id=programme.id, kpi_code="firms_supported",
                                   year=year, target_value=Decimal(4)))
    firm = factories.make_firm()
    db.session.commit()
    token = make_token("officer")
    _record(api, token, firm, programme_id=programme.id, outcome_check_months=0)
    resp = api("get", f"/api/v1/programmes/{programme.id}/kpis?year={year}", token=token,
               headers={"Accept-Language": "en"})
    assert resp.status_code == 200, resp.get_json()
    row = next(r for r in resp.get_json() if r["code"] == "firms_supported")
    assert (row["actual"], row["target"], row["percent"]) == (1, 4, 25)
    assert row["name"] == "Firms supported"
    read = api("get", f"/api/v1/programmes/{programme.id}", token=token).get_json()
    assert [t["kpi_code"] for t in read["targets"]] == ["firms_supported"]


def test_programme_kpis_refuse_a_year_outside_the_period(api, make_token, db):
    programme = _programme(db)
    resp = api("get", f"/api/v1/programmes/{programme.id}/kpis?year={programme.end_year + 1}",
               token=make_token("viewer"))
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "year"


def test_programmes_are_read_only_and_not_for_enterprises(api, make_token, db):
    programme = _programme(db)
    token = make_token("enterprise", firm=factories.make_firm())
    assert api("get", f"/api/v1/programmes/{programme.id}", token=token).status_code == 403
    officer = make_token("officer")
    resp = api("post", "/api/v1/programmes/", token=officer, json={"name": "x"})
    assert resp.status_code == 405


def test_dates_outside_the_working_years_are_refused_not_a_crash(api, make_token, db):
    firm = factories.make_firm()
    resp = _record(api, make_token("officer"), firm, occurred_on=str(date(9999, 12, 31)),
                   kind="trade_fair")
    assert resp.status_code == 422
    assert resp.get_json()["errors"][0]["field"] == "occurred_on"


def test_new_scopes_follow_the_roles_that_may_use_them(db):
    viewer = factories.make_user(role="viewer")
    made = tokens.create_token(viewer, "bi", "interactions:read partners:read programmes:read",
                               30)
    assert made.token.scopes == ["interactions:read", "partners:read", "programmes:read"]
    with pytest.raises(UserError):
        tokens.create_token(viewer, "bi", "interactions:write", 30)
    enterprise = factories.make_user(role="enterprise", firm=factories.make_firm())
    with pytest.raises(UserError):
        tokens.create_token(enterprise, "erp", "interactions:read", 30)
