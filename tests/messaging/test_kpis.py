"""Alert KPIs on the programme dashboard: firms alerted, acknowledged within 7 days, asked
for help, support given after an alert."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from crm.kpi import Scope
from crm.messaging.kpis import alert_kpis
from crm.messaging.services import request_help, send_alert
from crm.models import Interaction, Message, Programme
from tests import factories

SENT = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam
PERIOD = Scope(start=date(2026, 1, 1), end=date(2026, 12, 31))


def _alert(db, firm, n=1, kind="notice"):
    message = send_alert(firm.id, kind=kind, subject=f"Cảnh báo {n}", body="…", link=None,
                         source_type="notice", source_id=n, by=None,
                         dedupe_key=f"notice:{n}:firm:{firm.id}")
    message.created_at = SENT
    db.session.flush()
    return message


def test_alert_kpis_count_each_firm_once_with_their_rules(db):
    officer = factories.make_user("officer")
    quick, slow, helped, supported, silent = (factories.make_firm() for _ in range(5))
    other_province = factories.make_firm(province_code=1)
    for firm in (quick, slow, helped, supported, silent, other_province):
        _alert(db, firm)
    _alert(db, quick, n=2)  # two alerts: still one firm
    _alert(db, silent, n=3, kind="reminder")  # reminders are not alerts
    by_firm = {m.firm_id: m for m in db.session.scalars(
        select(Message).where(Message.kind == "notice", Message.source_id == 1))}
    by_firm[quick.id].acknowledged_at = SENT + timedelta(days=6, hours=23)
    by_firm[slow.id].acknowledged_at = SENT + timedelta(days=8)
    user = factories.make_user("enterprise", firm=helped)
    request_help(by_firm[helped.id], by=user, note="")
    db.session.add_all([
        Interaction(firm_id=supported.id, kind="consulting", occurred_on=date(2026, 6, 20),
                    officer_id=officer.id, summary="Tư vấn hồ sơ"),
        Interaction(firm_id=silent.id, kind="consulting", occurred_on=date(2026, 5, 20),
                    officer_id=officer.id, summary="Trước cảnh báo: không tính"),
    ])
    db.session.flush()

    everywhere = alert_kpis(PERIOD)
    assert everywhere.firms_alerted == 6
    assert everywhere.acknowledged_7d == 1
    assert everywhere.asked_help == 1
    assert everywhere.supported_after == 1  # the help request's own interaction does not count
    assert round(everywhere.share(everywhere.acknowledged_7d), 1) == 16.7
    assert alert_kpis(PERIOD, province=56).firms_alerted == 5
    assert alert_kpis(Scope(start=date(2027, 1, 1), end=date(2027, 12, 31))).firms_alerted == 0


def test_programme_dashboard_shows_alert_kpis(client, db, login_as):
    firm = factories.make_firm()
    _alert(db, firm)
    programme = Programme(code="KH-GG", name="Khánh Hòa Go Global", province_code=56,
                          start_year=2026, end_year=2030)
    db.session.add(programme)
    db.session.commit()
    login_as("viewer")
    page = client.get(f"/programmes/{programme.id}/dashboard?year=2026").get_data(as_text=True)
    assert 'id="alert-kpis"' in page
    row = page.split('data-kpi="firms_alerted">', 1)[1].split("</tr>", 1)[0]
    assert "Doanh nghiệp nhận cảnh báo" in row
    assert 'actual">1<' in row
