"""The home page staff land on: their tasks, portfolio alerts, deadlines, notices, activity."""

from __future__ import annotations

from datetime import timedelta

from crm import clock
from crm.extensions import db
from crm.home.queries import month_bounds
from crm.models import ChangeRecord, Interaction, Notice, Opportunity, Programme, Task
from crm.models.opportunity import ProgrammeTarget
from tests import factories


def _task(user, firm, due, title):
    task = Task(title=title, due_on=due, assignee_id=user.id, firm_id=firm.id)
    db.session.add(task)
    db.session.flush()
    return task


def test_staff_land_on_the_home_page(client, officer):
    resp = client.get("/")
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/home/")
    assert client.get("/home/").status_code == 200


def test_officer_sees_own_overdue_and_upcoming_tasks_not_others(client, db, officer):
    today = clock.today()
    firm = factories.make_firm(name="Công ty Yến Sào Hòn Nội")
    other = factories.make_user(role="officer")
    _task(officer, firm, today - timedelta(days=3), "Gọi lại về hồ sơ Halal")
    _task(officer, firm, today + timedelta(days=5), "Gửi mẫu hàng")
    _task(officer, firm, today + timedelta(days=40), "Việc còn xa")
    _task(other, firm, today - timedelta(days=1), "Việc của người khác")
    db.session.commit()
    html = client.get("/home/").get_data(as_text=True)
    overdue = html.split('id="overdue-tasks"')[1].split('id="upcoming-tasks"')[0]
    assert "Gọi lại về hồ sơ Halal" in overdue
    assert "Gửi mẫu hàng" in html.split('id="upcoming-tasks"')[1]
    assert "Việc còn xa" not in html
    assert "Việc của người khác" not in html
    # One click from the action: the firm's support form.
    assert f"/support/new?firm_id={firm.id}" in html


def test_certificates_expiring_in_my_portfolio_within_90_days(client, db, officer):
    today = clock.today()
    mine = factories.make_firm(name="Công ty Cà Phê Của Tôi", officer_id=officer.id)
    theirs = factories.make_firm(name="Công ty Không Được Giao")
    soon = factories.make_certification(mine, scheme_code="HACCP", number="SOON-1",
                                        expires_on=today + timedelta(days=20))
    factories.make_certification(mine, scheme_code="ISO22000", number="LATER-1",
                                 expires_on=today + timedelta(days=200))
    factories.make_certification(theirs, scheme_code="HACCP", number="OTHER-1",
                                 expires_on=today + timedelta(days=10))
    db.session.commit()
    html = client.get("/home/").get_data(as_text=True)
    block = html.split('id="home-certificates"')[1].split("</section>")[0]
    assert "Công ty Cà Phê Của Tôi" in block
    assert 'data-days="20"' in block
    assert "Công ty Không Được Giao" not in block
    assert "ISO22000" not in block
    assert f"/firms/{mine.id}/certifications/{soon.id}/edit" in block


def test_pending_verifications_of_my_firms_link_to_the_queue(client, db, officer):
    mine = factories.make_firm(name="Công ty Tự Khai", officer_id=officer.id)
    db.session.add(ChangeRecord(firm_id=mine.id, entity="firm", entity_id=mine.id,
                                field="website", old_value=None, new_value="https://x.vn",
                                source="self", review_status="pending"))
    db.session.commit()
    html = client.get("/home/").get_data(as_text=True)
    block = html.split('id="home-verifications"')[1].split("</section>")[0]
    assert "Công ty Tự Khai" in block
    assert f"/verification/#firm-{mine.id}" in block


def test_deadlines_this_month_and_new_notices(client, db, officer):
    _first, last = month_bounds(clock.today())
    db.session.add_all([
        Opportunity(code="FAIR-THIS", kind="trade_fair", title="Hội chợ tháng này",
                    deadline=last, status="open"),
        Opportunity(code="FAIR-NEXT", kind="trade_fair", title="Hội chợ tháng sau",
                    deadline=last + timedelta(days=1), status="open"),
        Notice(source="wto_eping", external_id="G/SPS/N/X/1", measure="sps",
               title="Quy định mới về dư lượng", status="new"),
        Notice(source="wto_eping", external_id="G/SPS/N/X/2", measure="sps",
               title="Cảnh báo đã xem", status="reviewed"),
    ])
    db.session.commit()
    html = client.get("/home/").get_data(as_text=True)
    assert "Hội chợ tháng này" in html
    assert "Hội chợ tháng sau" not in html
    assert "Quy định mới về dư lượng" in html
    assert "Cảnh báo đã xem" not in html


def test_recent_activity_of_my_firms_only(client, db, officer):
    today = clock.today()
    mine = factories.make_firm(officer_id=officer.id)
    other = factories.make_firm()
    db.session.add_all([
        Interaction(firm_id=mine.id, kind="consulting", occurred_on=today,
                    summary="Tư vấn nhãn mác cho thị trường Nhật"),
        Interaction(firm_id=other.id, kind="consulting", occurred_on=today,
                    summary="Hỗ trợ doanh nghiệp khác"),
    ])
    db.session.commit()
    html = client.get("/home/").get_data(as_text=True)
    block = html.split('id="home-activity"')[1].split("</section>")[0]
    assert "Tư vấn nhãn mác" in block
    assert "Hỗ trợ doanh nghiệp khác" not in block


def test_manager_sees_team_tasks_and_programme_kpis(client, db, login_as):
    today = clock.today()
    manager = login_as("manager")
    officer = factories.make_user(role="officer", name="Trần Thị Cán Bộ")
    firm = factories.make_firm(officer_id=officer.id)
    _task(officer, firm, today - timedelta(days=2), "Việc quá hạn của cán bộ")
    programme = Programme(code="KH-2026", name="Chương trình XTTM", start_year=today.year - 1,
                          end_year=today.year + 3)
    db.session.add(programme)
    db.session.flush()
    db.session.add(ProgrammeTarget(programme_id=programme.id, kpi_code="firms_supported",
                                   year=today.year, target_value=10))
    db.session.commit()
    html = client.get("/home/").get_data(as_text=True)
    assert manager.name != officer.name
    assert "Việc quá hạn của cán bộ" in html
    team = html.split('id="home-team"')[1].split("</section>")[0]
    assert "Trần Thị Cán Bộ" in team
    kpis = html.split('id="home-kpis"')[1].split("</section>")[0]
    assert "KH-2026" in kpis
    assert 'data-kpi="firms_supported"' in kpis


def test_officer_does_not_see_the_team_blocks(client, officer):
    html = client.get("/home/").get_data(as_text=True)
    assert 'id="home-team"' not in html
    assert 'id="home-kpis"' not in html
