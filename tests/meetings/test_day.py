"""Agendas (print, .xlsx, .ics) and the meeting day and after, as officers and firms use them."""

from __future__ import annotations

import io
import uuid
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time
from icalendar import Calendar
from openpyxl import load_workbook
from sqlalchemy import func, select

from crm import kpi
from crm.errors import UserError
from crm.meetings import attendance, rooms, services
from crm.models import (
    AuditEvent,
    Interaction,
    Meeting,
    MeetingCheckin,
    MeetingEvent,
    MeetingFeedback,
    Outcome,
    Programme,
    Task,
)
from tests import factories


@pytest.fixture
def booked(db, event):
    """The event with two counterparts, each firm meeting one (09:00 and 09:30, one table)."""
    event.time_zone = "Asia/Tokyo"
    event.location = "Osaka, Hội trường B; tầng 2"
    nest, coffee = sorted(event.firms, key=lambda ef: ef.firm.name, reverse=True)
    tokyo = services.add_counterpart(event, {
        "name": "Tokyo Foods, Inc.", "kind": "importer", "country_code": "JP",
        "languages": "en, ja", "hs_prefixes": "0410"})
    osaka = services.add_counterpart(event, {
        "name": "Osaka Trading", "kind": "distributor", "country_code": "JP",
        "languages": "vi, ja"})
    for ef, cp in ((nest, tokyo), (coffee, osaka)):
        req = services.request_meeting(event, ef.id, cp.id, "officer", None)
        services.answer_request(req, True)
    services.build_agenda(event)
    db.session.commit()
    meetings = {m.request.counterpart.name: m for m in db.session.scalars(select(Meeting))}
    return {"event": event, "nest": nest, "coffee": coffee, "tokyo": tokyo, "osaka": osaka,
            "nest_meeting": meetings["Tokyo Foods, Inc."],
            "coffee_meeting": meetings["Osaka Trading"]}


def _english(client) -> None:
    with client.session_transaction() as sess:
        sess["lang"] = "en"


# --- agendas -------------------------------------------------------------------------------

def test_firm_ics_has_one_event_per_meeting_in_the_event_time_zone(client, officer, booked):
    b = booked
    resp = client.get(f"/meetings/{b['event'].id}/agenda.ics?firm={b['nest'].id}")
    assert resp.status_code == 200
    assert resp.content_type == "text/calendar; charset=utf-8"
    assert resp.headers["Content-Disposition"].startswith("attachment")
    assert ".ics" in resp.headers["Content-Disposition"]
    cal = Calendar.from_ical(resp.data)
    events = cal.walk("VEVENT")
    assert len(events) == 1
    ev = events[0]
    start = ev.decoded("dtstart")
    m = b["nest_meeting"]
    assert start == datetime.combine(date(2027, 3, 10), m.session.slot_start(m.slot_index),
                                     tzinfo=ZoneInfo("Asia/Tokyo"))
    assert ev.decoded("dtend") - start == (datetime(2027, 1, 1, 9, 30)
                                           - datetime(2027, 1, 1, 9, 0))
    assert str(ev["summary"]) == "Gặp Tokyo Foods, Inc."
    # The comma and semicolon of the location are escaped in the file, read back intact.
    assert "Osaka\\, Hội trường B\\; tầng 2" in resp.get_data(as_text=True)
    assert str(ev["location"]).startswith("Osaka, Hội trường B; tầng 2")
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Tokyo"]
    # RFC 5545: lines are folded at 75 octets.
    assert max(len(line) for line in resp.data.split(b"\r\n")) <= 75


def test_ics_uid_survives_a_rebuilt_agenda(client, officer, db, booked):
    url = f"/meetings/{booked['event'].id}/agenda.ics?firm={booked['nest'].id}"
    before = str(Calendar.from_ical(client.get(url).data).walk("VEVENT")[0]["uid"])
    services.build_agenda(booked["event"])  # replaces the meeting rows
    db.session.commit()
    after = str(Calendar.from_ical(client.get(url).data).walk("VEVENT")[0]["uid"])
    assert before == after


def test_whole_event_ics_has_every_meeting(client, officer, booked):
    cal = Calendar.from_ical(client.get(f"/meetings/{booked['event'].id}/agenda.ics").data)
    assert len(cal.walk("VEVENT")) == 2


def test_organiser_xlsx_has_one_row_per_meeting(client, officer, db, booked):
    resp = client.get(f"/meetings/{booked['event'].id}/agenda.xlsx")
    assert resp.status_code == 200
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in resp.headers["Content-Disposition"]
    audit = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")).all()
    assert [(a.detail["export"], a.detail["rows"]) for a in audit] == [("meeting_agenda", 2)]
    ws = load_workbook(io.BytesIO(resp.data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:6] == ("Ngày", "Bắt đầu", "Kết thúc", "Bàn", "Phòng", "Doanh nghiệp")
    data = sorted(rows[1:], key=lambda r: r[7])
    assert [(r[5], r[7], r[10]) for r in data] == [
        ("Công ty Cà Phê Cam Ranh", "Osaka Trading", "Đã xếp lịch"),
        ("Công ty Yến Sào Khánh Hòa", "Tokyo Foods, Inc.", "Đã xếp lịch")]
    # One table: the two meetings take the session's two slots.
    assert sorted((r[1], r[2], r[3]) for r in data) == [("09:00", "09:30", 1),
                                                        ("09:30", "10:00", 1)]


def test_print_xlsx_and_ics_name_the_room_and_table(client, officer, db, booked):
    event = booked["event"]
    rooms.set_rooms(event, "1 Hội trường A")
    db.session.commit()
    html = client.get(f"/meetings/{event.id}/agenda/print?firm={booked['nest'].id}"
                      ).get_data(as_text=True)
    assert "<th scope=\"col\">Phòng</th>" in html
    assert "<td>Hội trường A</td>" in html
    ws = load_workbook(io.BytesIO(client.get(f"/meetings/{event.id}/agenda.xlsx").data)
                       ).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert [(r[3], r[4]) for r in rows[1:]] == [(1, "Hội trường A")] * 2
    ev = Calendar.from_ical(client.get(
        f"/meetings/{event.id}/agenda.ics?firm={booked['nest'].id}").data).walk("VEVENT")[0]
    assert str(ev["location"]) == "Osaka, Hội trường B; tầng 2 \u2013 Hội trường A, bàn 1"
    assert "Hội trường A, bàn 1" in str(ev["description"]).splitlines()


@pytest.mark.parametrize(("lang", "heading", "day"), [
    ("vi", "Lịch gặp B2B", "Thứ Tư, 10 tháng 3, 2027"),
    ("en", "B2B meeting agenda", "Wednesday, March 10, 2027")])
def test_printable_agenda_renders_in_the_ui_language(client, officer, booked, lang, heading,
                                                     day):
    if lang == "en":
        _english(client)
    resp = client.get(f"/meetings/{booked['event'].id}/agenda/print?firm={booked['nest'].id}")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert heading in html
    assert day in html
    assert "Tokyo Foods, Inc." in html
    assert "Osaka Trading" not in html  # the other firm's meeting
    m = booked["nest_meeting"]
    assert format_time(m.session.slot_start(m.slot_index), "short", locale=lang) in html
    assert "meetings.css" in html  # the A4 print styles


def test_enterprise_user_gets_its_own_agenda_only(client, login_as, booked):
    b = booked
    login_as("enterprise", firm=b["nest"].firm)
    event_id = b["event"].id
    assert "Tokyo Foods" in client.get(
        f"/meetings/portal/{event_id}/agenda/print").get_data(as_text=True)
    cal = Calendar.from_ical(client.get(f"/meetings/portal/{event_id}/agenda.ics").data)
    assert len(cal.walk("VEVENT")) == 1
    # Another firm's meeting, the officers' exports: not reachable.
    assert client.get(f"/meetings/portal/meeting/{b['coffee_meeting'].id}").status_code == 404
    assert client.post(f"/meetings/portal/meeting/{b['coffee_meeting'].id}/answer",
                       data={"value": "no_show"}).status_code == 404
    assert client.get(f"/meetings/{event_id}/agenda.ics?firm={b['coffee'].id}"
                      ).status_code == 403


def test_enterprise_user_of_a_firm_not_in_the_event_gets_404(client, login_as, booked):
    login_as("enterprise", firm=factories.make_firm(name="Công ty Ngoài Sự Kiện"))
    event_id = booked["event"].id
    assert client.get(f"/meetings/portal/{event_id}/agenda.ics").status_code == 404
    assert client.get(f"/meetings/portal/{event_id}/agenda/print").status_code == 404


# --- held / no-show ------------------------------------------------------------------------

@pytest.mark.parametrize(("firm", "counterpart", "status"), [
    (None, None, "scheduled"), ("held", None, "held"), (None, "held", "held"),
    ("held", "held", "held"), ("held", "no_show", "no_show"), ("no_show", "held", "no_show"),
    ("no_show", None, "no_show")])
def test_one_no_from_either_side_marks_a_no_show(firm, counterpart, status):
    assert attendance.resolve_status(firm, counterpart) == status


def test_firm_says_no_in_the_portal_and_the_meeting_is_a_no_show(client, login_as, db,
                                                                  booked):
    m = booked["nest_meeting"]
    attendance.answer(m, "counterpart", "held", None)
    db.session.commit()
    login_as("enterprise", firm=booked["nest"].firm)
    client.post(f"/meetings/portal/meeting/{m.id}/answer", data={"value": "no_show"})
    db.session.expire_all()
    m = db.session.get(Meeting, m.id)
    assert (m.firm_answer, m.counterpart_answer, m.status) == ("no_show", "held", "no_show")
    assert m.interaction_id is None  # held, then not: its support-log entry is gone
    assert db.session.scalar(select(func.count()).select_from(Interaction)) == 0


def test_officer_override_wins_over_the_answers(client, officer, db, booked):
    m = booked["nest_meeting"]
    client.post(f"/meetings/meeting/{m.id}/answer", data={"side": "firm", "value": "no_show"})
    client.post(f"/meetings/meeting/{m.id}/mark", data={"status": "held", "note": "Gặp muộn"})
    client.post(f"/meetings/meeting/{m.id}/answer",
                data={"side": "counterpart", "value": "no_show"})
    db.session.expire_all()
    m = db.session.get(Meeting, m.id)
    assert (m.status, m.status_overridden) == ("held", True)
    assert m.interaction_id is not None


def test_held_meeting_is_logged_in_the_support_log_once(client, officer, db, booked):
    m = booked["nest_meeting"]
    for side in ("firm", "counterpart", "firm"):
        client.post(f"/meetings/meeting/{m.id}/answer", data={"side": side, "value": "held"})
    entries = list(db.session.scalars(select(Interaction)))
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.kind, entry.firm_id, entry.occurred_on, entry.opportunity_id) == (
        "b2b_meeting", booked["nest"].firm_id, date(2027, 3, 10),
        booked["event"].opportunity_id)
    assert "Tokyo Foods, Inc." in entry.summary
    assert entry.officer_id == officer.id


def test_check_in_is_recorded_once_and_can_be_undone(client, officer, db, booked):
    url = f"/meetings/{booked['event'].id}/checkin"
    data = {"day": "2027-03-10", "event_firm_id": booked["nest"].id}
    client.post(url, data=data)
    client.post(url, data=data)
    assert db.session.scalar(select(func.count()).select_from(MeetingCheckin)) == 1
    page = client.get(f"/meetings/{booked['event'].id}/day?day=2027-03-10")
    assert "Đã đến" in page.get_data(as_text=True)
    client.post(url, data={**data, "undo": "1"})
    assert db.session.scalar(select(func.count()).select_from(MeetingCheckin)) == 0


def test_check_in_on_a_day_without_sessions_is_refused(booked):
    with pytest.raises(UserError):
        attendance.check_in(booked["event"], date(2027, 3, 11),
                            event_firm_id=booked["nest"].id)


# --- feedback and outcomes -----------------------------------------------------------------

def _held(db, meeting) -> Meeting:
    attendance.answer(meeting, "firm", "held", None)
    db.session.commit()
    return meeting


@pytest.mark.parametrize("interest", ["0", "6", "", "nhiều"])
def test_interest_outside_1_to_5_shows_a_message_and_saves_nothing(client, officer, db,
                                                                    booked, interest):
    m = _held(db, booked["nest_meeting"])
    resp = client.post(f"/meetings/meeting/{m.id}/feedback",
                       data={"what": "feedback", "interest": interest, "next_step": "samples"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "invalid-feedback" in html
    assert ("Mức quan tâm từ 1 đến 5." in html) or ("Not a valid integer" in html)
    assert db.session.scalar(select(func.count()).select_from(MeetingFeedback)) == 0
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_service_refuses_interest_outside_1_to_5(db, booked):
    m = _held(db, booked["nest_meeting"])
    with pytest.raises(UserError) as err:
        attendance.save_feedback(m, {"interest": 9, "next_step": "none"}, given_by="officer",
                                 by=None)
    assert err.value.field == "interest"


def test_firm_feedback_with_a_next_step_creates_one_follow_up_task(client, login_as, db,
                                                                   booked):
    m = _held(db, booked["nest_meeting"])
    login_as("enterprise", firm=booked["nest"].firm)
    for step in ("samples", "quotation"):  # changed its mind: the same task, renamed
        resp = client.post(f"/meetings/portal/meeting/{m.id}",
                           data={"what": "feedback", "interest": "4", "next_step": step,
                                 "note": "Cần mẫu 500 g"})
        assert resp.status_code == 302
    fb = db.session.scalar(select(MeetingFeedback))
    assert (fb.interest, fb.next_step, fb.given_by) == (4, "quotation", "firm")
    tasks = list(db.session.scalars(select(Task)))
    assert len(tasks) == 1
    assert tasks[0].title == "Gửi báo giá cho Tokyo Foods, Inc."
    assert tasks[0].kind == "follow_up"
    assert tasks[0].interaction_id == m.interaction_id


def test_feedback_on_a_meeting_not_held_is_refused(client, officer, db, booked):
    m = booked["nest_meeting"]
    client.post(f"/meetings/meeting/{m.id}/feedback",
                data={"what": "feedback", "interest": "3", "next_step": "none"})
    assert db.session.scalar(select(func.count()).select_from(MeetingFeedback)) == 0


def test_contract_from_a_meeting_counts_in_the_programme_kpis_and_event_figures(
        client, officer, db, booked):
    programme = Programme(code=f"P-{uuid.uuid4().hex[:6]}", name="Go Global Khánh Hòa",
                          start_year=2026, end_year=2030)
    db.session.add(programme)
    db.session.flush()
    booked["event"].opportunity.programme_id = programme.id
    db.session.commit()
    held, missed = booked["nest_meeting"], booked["coffee_meeting"]
    client.post(f"/meetings/meeting/{held.id}/answer", data={"side": "firm", "value": "held"})
    client.post(f"/meetings/meeting/{missed.id}/answer",
                data={"side": "counterpart", "value": "no_show"})
    client.post(f"/meetings/meeting/{held.id}/feedback",
                data={"what": "feedback", "interest": "5", "next_step": "contract"})
    for _ in range(2):  # recorded twice: still one contract, one new market
        client.post(f"/meetings/meeting/{held.id}/feedback",
                    data={"what": "outcome", "outcome-contract_value_usd": "25000",
                          "outcome-new_market": "y"})
    outcomes = list(db.session.scalars(select(Outcome).order_by(Outcome.kind)))
    assert [(o.kind, o.value_usd, o.market) for o in outcomes] == [
        ("contract", 25000, "JP"), ("new_market", None, "JP")]
    scope = kpi.scope_for(programme, as_of=date(2027, 12, 31))
    assert kpi.compute("b2b_meetings_held", scope) == 1
    assert kpi.compute("contracts_signed", scope) == 1
    assert kpi.compute("contract_value_usd", scope) == 25000
    assert kpi.compute("new_markets", scope) == 1
    page = client.get(f"/meetings/{booked['event'].id}/day").get_data(as_text=True)
    for key, value in (("held", "1"), ("no_show", "1"), ("no_show_rate", "50%"),
                       ("follow_ups", "1"), ("contracts", "1"), ("new_markets", "1")):
        tile = page.split(f'data-figure="{key}"')[1].split("</div></div>")[0]
        assert tile.endswith(f">{value}"), key


def test_meeting_with_feedback_cannot_be_turned_into_a_no_show(client, officer, db, booked):
    m = _held(db, booked["nest_meeting"])
    attendance.save_feedback(m, {"interest": 3, "next_step": "none"}, given_by="officer",
                             by=None)
    db.session.commit()
    resp = client.post(f"/meetings/meeting/{m.id}/mark", data={"status": "no_show", "note": ""},
                       follow_redirects=True)
    assert "không thể đổi" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, m.id).status == "held"


def test_day_page_renders_in_english(client, officer, booked):
    _english(client)
    html = client.get(f"/meetings/{booked['event'].id}/day").get_data(as_text=True)
    assert "Meeting day and results" in html
    assert "No-show rate" in html


def test_time_zone_of_a_new_event_is_checked(client, officer, db, mission):
    resp = client.post(f"/meetings/opportunity/{mission.id}/new",
                       data={"name": "Gặp gỡ", "tables": "3", "time_zone": "Mars/Olympus"})
    assert "không hợp lệ" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MeetingEvent).where(
        MeetingEvent.opportunity_id == mission.id)) == 0


def test_viewer_reads_the_day_page_but_cannot_answer_or_check_in(client, login_as, db,
                                                                  booked):
    m = _held(db, booked["nest_meeting"])
    login_as("viewer")
    html = client.get(f"/meetings/{booked['event'].id}/day").get_data(as_text=True)
    assert "Tokyo Foods, Inc." in html
    assert "Điểm danh</button>" not in html
    assert client.get(f"/meetings/meeting/{m.id}/feedback").status_code == 200
    assert client.post(f"/meetings/meeting/{m.id}/answer",
                       data={"side": "firm", "value": "no_show"}).status_code == 403
    assert client.post(f"/meetings/{booked['event'].id}/checkin",
                       data={"day": "2027-03-10",
                             "event_firm_id": booked["nest"].id}).status_code == 403


def test_cancelled_meeting_leaves_the_participant_agenda(client, officer, db, booked):
    services.mark_meeting(booked["nest_meeting"], "cancelled", None)
    db.session.commit()
    cal = Calendar.from_ical(client.get(
        f"/meetings/{booked['event'].id}/agenda.ics?firm={booked['nest'].id}").data)
    assert cal.walk("VEVENT") == []


@pytest.mark.real_today
def test_a_meeting_cannot_be_marked_held_or_missed_before_its_day(db, booked):
    """The test event is on 10 March 2027: marked on an earlier day, by either side or an
    officer, it is refused with the day named, and nothing is logged."""
    m = booked["nest_meeting"]
    before = attendance.event_today(m.session.event)
    assert before < m.session.day
    with pytest.raises(UserError, match="chỉ ghi đã gặp") as err:
        attendance.answer(m, "firm", "held", None)
    assert err.value.field == "status"
    with pytest.raises(UserError):
        services.mark_meeting(m, "no_show", None)
    assert (m.status, m.firm_answer, m.interaction_id) == ("scheduled", None, None)


# --- before the meeting's day: no "did it happen?", no feedback ------------------------------

def _the_day_before(monkeypatch) -> None:
    """At the venue it is 9 March 2027, the day before the booked meetings."""
    monkeypatch.setattr(attendance, "event_today", lambda event: date(2027, 3, 9))


def test_portal_agenda_offers_did_it_happen_only_from_the_meetings_day(client, login_as,
                                                                       monkeypatch, booked):
    login_as("enterprise", firm=booked["nest"].firm)
    url = f"/portal/meetings/{booked['event'].id}"
    link = f"/meetings/portal/meeting/{booked['nest_meeting'].id}"
    assert link in client.get(url).get_data(as_text=True)  # on 20 March: after its day
    _the_day_before(monkeypatch)
    html = client.get(url).get_data(as_text=True)
    assert "Tokyo Foods, Inc." in html
    assert link not in html
    assert "Xác nhận đã gặp, phản hồi" not in html


def test_portal_meeting_page_of_a_future_meeting_says_when_answers_open(client, login_as,
                                                                       monkeypatch, booked):
    _the_day_before(monkeypatch)
    login_as("enterprise", firm=booked["nest"].firm)
    html = client.get(f"/meetings/portal/meeting/{booked['nest_meeting'].id}"
                      ).get_data(as_text=True)
    assert "xác nhận đã gặp và phản hồi mở từ ngày đó" in html
    assert "Cuộc gặp có diễn ra không?" not in html


def test_portal_feedback_on_a_future_meeting_is_refused_with_its_day(client, login_as, db,
                                                                     monkeypatch, booked):
    # Held by hand in the database, then the day is before it: the route still refuses.
    m = _held(db, booked["nest_meeting"])
    _the_day_before(monkeypatch)
    login_as("enterprise", firm=booked["nest"].firm)
    resp = client.post(f"/meetings/portal/meeting/{m.id}", follow_redirects=True,
                       data={"what": "feedback", "interest": "4", "next_step": "samples"})
    assert resp.status_code == 200
    assert "chỉ ghi phản hồi từ ngày đó" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MeetingFeedback)) == 0
    assert db.session.scalar(select(func.count()).select_from(Task)) == 0
