"""The support log through the app: record support, timeline, my tasks, outcomes, indicators."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from crm.interactions import services
from crm.models import FirmIndicator, Interaction, Opportunity, Outcome, Task
from crm.programmes.seed import seed_programmes
from tests import factories


def _log(client, firm, **overrides):
    data = {
        "firm_tax_code": firm.tax_code,
        "kind": "consulting",
        "occurred_on": "2026-09-15",
        "officer_id": "",
        "programme_id": "0",
        "opportunity_id": "0",
        "summary": "Tư vấn thủ tục xuất khẩu yến sào sang Trung Quốc",
        "cost_vnd": "1500000",
        "firm_contribution_vnd": "500000",
        "follow_up_title": "",
        "follow_up_due_on": "",
        "outcome_check_months": "6",
    }
    data.update(overrides)
    return client.post(f"/support/new?firm_id={firm.id}", data=data)


def test_officer_logs_support_with_follow_up_and_sees_it_on_timeline_and_in_my_tasks(
    client, db, officer
):
    firm = factories.make_firm(name="Công ty Yến Sào Nha Trang")
    db.session.commit()
    resp = _log(client, firm, follow_up_title="Gửi hồ sơ GACC", follow_up_due_on="2026-10-01")
    assert resp.status_code == 302
    interaction = db.session.scalar(select(Interaction).where(Interaction.firm_id == firm.id))
    assert interaction.officer_id == officer.id  # defaults to the current user
    assert interaction.cost_vnd == 1500000
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert "Tư vấn thủ tục xuất khẩu yến sào" in page
    assert "Gửi hồ sơ GACC" in page
    tasks = client.get("/support/tasks").get_data(as_text=True)
    assert "Gửi hồ sơ GACC" in tasks


def test_my_tasks_lists_overdue_items_first(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    later = (date.today() + timedelta(days=30)).isoformat()
    overdue = (date.today() - timedelta(days=3)).isoformat()
    long_ago = (date.today() - timedelta(days=40)).isoformat()
    _log(client, firm, occurred_on=long_ago, follow_up_title="Việc chưa đến hạn",
         follow_up_due_on=later)
    _log(client, firm, occurred_on=long_ago, follow_up_title="Việc đã quá hạn",
         follow_up_due_on=overdue)
    page = client.get("/support/tasks").get_data(as_text=True)
    assert page.index("Việc đã quá hạn") < page.index("Việc chưa đến hạn")
    assert "Quá hạn" in page


def test_marking_a_task_done_removes_it_from_open_tasks(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    _log(client, firm, follow_up_title="Gọi lại doanh nghiệp", follow_up_due_on="2026-10-01")
    task = db.session.scalar(select(Task).where(Task.title == "Gọi lại doanh nghiệp"))
    resp = client.post(f"/support/tasks/{task.id}/done", data={})
    assert resp.status_code == 302
    assert task.done_at is not None
    assert "Gọi lại doanh nghiệp" not in client.get("/support/tasks").get_data(as_text=True)


def test_trade_fair_creates_outcome_check_six_months_later(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    _log(client, firm, kind="trade_fair", occurred_on="2026-08-31",
         summary="Hội chợ Canton Fair", outcome_check_months="")
    check = db.session.scalar(
        select(Task).where(Task.firm_id == firm.id, Task.kind == "outcome_check")
    )
    assert check is not None
    assert check.due_on == date(2027, 2, 28)  # six months later, clamped to the month's end
    assert check.assignee_id == officer.id


def test_consulting_creates_no_outcome_check(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    _log(client, firm, kind="consulting")
    assert db.session.scalar(select(Task).where(Task.firm_id == firm.id)) is None


def test_outcome_checks_for_each_participant_of_an_opportunity_are_idempotent(db):
    user = factories.make_user("officer")
    firms = [factories.make_firm(), factories.make_firm()]
    opp = Opportunity(code="TM-JP-2027", kind="trade_mission", title="Đoàn XTTM Nhật Bản",
                      ends_on=date(2027, 5, 20), created_by_id=user.id)
    db.session.add(opp)
    db.session.flush()
    created = services.create_outcome_checks(opp, firms)
    again = services.create_outcome_checks(opp, firms)
    assert [t.due_on for t in created] == [date(2027, 11, 20)] * 2
    assert {t.firm_id for t in created} == {f.id for f in firms}
    assert all(t.assignee_id == user.id for t in created)
    assert again == []


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"cost_vnd": "-5"}, "Không được âm."),
        ({"firm_contribution_vnd": "-1"}, "Không được âm."),
        ({"follow_up_title": "Gọi lại", "follow_up_due_on": "2026-09-01"},
         "Hạn phải sau ngày hoạt động."),
        ({"firm_tax_code": "0100109106"}, "Không có doanh nghiệp với mã số thuế này."),
        ({"programme_id": "999999"}, "Không tìm thấy chương trình."),
        ({"opportunity_id": "999999"}, "Không tìm thấy cơ hội."),
        ({"summary": "x" * 4001}, "4000"),
    ],
)
def test_bad_support_input_is_refused_and_nothing_saved(client, db, officer, overrides,
                                                         field_text):
    firm = factories.make_firm()
    db.session.commit()
    resp = _log(client, firm, **overrides)
    assert resp.status_code == 200
    assert field_text in resp.get_data(as_text=True)
    assert db.session.scalar(select(Interaction).where(Interaction.firm_id == firm.id)) is None
    assert db.session.scalar(select(Task).where(Task.firm_id == firm.id)) is None


def test_support_outside_programme_period_is_refused(client, db, officer):
    firm = factories.make_firm()
    programme = seed_programmes()
    db.session.commit()
    resp = _log(client, firm, programme_id=str(programme.id), occurred_on="2025-06-01")
    assert "Ngày nằm ngoài giai đoạn" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Interaction).where(Interaction.firm_id == firm.id)) is None


def _outcome(client, firm, **overrides):
    data = {
        "firm_tax_code": firm.tax_code, "kind": "contract", "result": "",
        "occurred_on": "2026-11-02", "programme_id": "0", "opportunity_id": "0",
        "partner_id": "0", "partner_name": "Tokyo Foods KK", "value_usd": "120000",
        "market": "JP", "platform": "", "note": "", "task_id": "", "interaction_id": "",
    }
    data.update(overrides)
    return client.post("/support/outcomes/new", data=data)


def test_answering_an_outcome_check_records_the_result_and_closes_the_task(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    _log(client, firm, kind="b2b_meeting", occurred_on="2026-03-10")
    check = db.session.scalar(select(Task).where(Task.kind == "outcome_check",
                                                 Task.firm_id == firm.id))
    form = client.get(f"/support/outcomes/new?task_id={check.id}").get_data(as_text=True)
    assert firm.tax_code in form
    resp = _outcome(client, firm, kind="follow_up_result", result="negotiating",
                    task_id=str(check.id), value_usd="", market="")
    assert resp.status_code == 302
    outcome = db.session.scalar(select(Outcome).where(Outcome.firm_id == firm.id))
    assert outcome.result == "negotiating"
    assert outcome.interaction_id == check.interaction_id
    assert check.done_at is not None


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"value_usd": "-10"}, "Không được âm."),
        ({"partner_id": "999999"}, "Không tìm thấy đối tác."),
        ({"market": "ZZ"}, "Không tìm thấy thị trường."),
        ({"partner_name": "P" * 256}, "255"),
        ({"occurred_on": (date.today() + timedelta(days=5)).isoformat()}, "ngày tương lai"),
        ({"kind": "follow_up_result", "result": ""}, "Chọn kết quả."),
    ],
)
def test_bad_outcome_input_is_refused_and_nothing_saved(client, db, officer, overrides, message):
    firm = factories.make_firm()
    db.session.commit()
    resp = _outcome(client, firm, **overrides)
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)
    assert db.session.scalar(select(Outcome).where(Outcome.firm_id == firm.id)) is None


def test_yearly_indicators_are_saved_and_edited_per_year(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    url = f"/support/firms/{firm.id}/indicators"
    data = {"year": "2025", "export_revenue_usd": "250000", "export_markets": "2",
            "ecommerce_revenue_usd": "", "employees": "40"}
    assert client.post(url, data=data).status_code == 302
    assert client.post(url, data=dict(data, export_markets="3")).status_code == 302
    rows = db.session.scalars(select(FirmIndicator).where(FirmIndicator.firm_id == firm.id)).all()
    assert [(r.year, r.export_markets) for r in rows] == [(2025, 3)]
    resp = client.post(url, data=dict(data, year="2024", export_revenue_usd="-1"))
    assert "Không được âm." in resp.get_data(as_text=True)
    assert db.session.scalar(select(FirmIndicator).where(FirmIndicator.year == 2024)) is None


def test_viewer_reads_the_support_log_but_cannot_log(client, db, login_as):
    firm = factories.make_firm()
    db.session.commit()
    login_as("viewer")
    assert client.get("/support/").status_code == 200
    assert client.get(f"/support/firms/{firm.id}/indicators").status_code == 200
    assert client.get("/support/new").status_code == 403
    assert _log(client, firm).status_code == 403
    resp = client.post(f"/support/firms/{firm.id}/indicators", data={"year": "2025"})
    assert resp.status_code == 403


def test_enterprise_user_gets_403_on_support_pages(client, db, login_as):
    user = login_as("enterprise")
    for url in ("/support/", "/support/new", "/support/tasks",
                f"/support/firms/{user.firm_id}/indicators"):
        assert client.get(url).status_code == 403, url
