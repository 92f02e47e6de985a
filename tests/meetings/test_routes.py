"""The B2B meeting pages, as an officer and a viewer use them."""

from __future__ import annotations

from crm.models import Meeting, MeetingEvent, MeetingRequest
from tests.meetings.helpers import counterpart as _cp


def test_officer_creates_an_event_under_the_opportunity(client, officer, db, mission):
    resp = client.post(f"/meetings/opportunity/{mission.id}/new",
                       data={"name": "Gặp gỡ Tokyo", "location": "Tokyo Big Sight",
                             "tables": "12"})
    assert resp.status_code == 302
    event = db.session.scalar(db.select(MeetingEvent).where(
        MeetingEvent.opportunity_id == mission.id))
    assert (event.name, event.tables) == ("Gặp gỡ Tokyo", 12)


def test_uneven_session_shows_a_message_and_saves_nothing(client, officer, db, event):
    resp = client.post(f"/meetings/{event.id}/sessions", follow_redirects=True,
                       data={"day": "2027-03-11", "starts_at": "09:00", "ends_at": "10:10",
                             "slot_minutes": "30"})
    assert "không chia hết" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(MeetingEvent, event.id).sessions) == 1


def test_suggestion_becomes_a_request_then_an_agenda(client, officer, db, event):
    cp = _cp(event)
    db.session.commit()
    nest = next(ef for ef in event.firms if ef.firm.name.startswith("Công ty Yến"))
    page = client.get(f"/meetings/{event.id}/firms/{nest.id}/suggestions")
    assert "Tokyo Foods" in page.get_data(as_text=True)
    assert "Chung ngôn ngữ: en" in page.get_data(as_text=True)
    client.post(f"/meetings/{event.id}/requests",
                data={"event_firm_id": nest.id, "counterpart_id": cp.id,
                      "requested_by": "firm", "back": "suggestions"})
    req = db.session.scalar(db.select(MeetingRequest))
    assert (req.status, req.requested_by) == ("requested", "firm")
    client.post(f"/meetings/requests/{req.id}/answer", data={"accept": "1"})
    resp = client.post(f"/meetings/{event.id}/agenda/build", follow_redirects=True)
    html = resp.get_data(as_text=True)
    assert "Đã xếp 1/1" in html
    assert "Tokyo Foods" in html
    assert "09:00" in html
    meeting = db.session.scalar(db.select(Meeting))
    client.post(f"/meetings/meeting/{meeting.id}/mark",
                data={"status": "no_show", "note": "Đối tác không đến"})
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)
    assert (meeting.status, meeting.outcome_note) == ("no_show", "Đối tác không đến")


def test_setup_and_participant_pages_render(client, officer, db, event):
    _cp(event)
    db.session.commit()
    for url in (f"/meetings/opportunity/{event.opportunity_id}", f"/meetings/{event.id}",
                f"/meetings/{event.id}/participants", f"/meetings/{event.id}/requests"):
        resp = client.get(url)
        assert resp.status_code == 200, url
    assert "Tokyo Foods" in client.get(f"/meetings/{event.id}/participants").get_data(
        as_text=True)


def test_viewer_reads_the_agenda_but_cannot_build_it(client, login_as, db, event):
    db.session.commit()
    login_as("viewer")
    page = client.get(f"/meetings/{event.id}/agenda")
    assert page.status_code == 200
    assert "Xếp lịch gặp" not in page.get_data(as_text=True)
    assert client.post(f"/meetings/{event.id}/agenda/build").status_code == 403
    assert client.post(f"/meetings/{event.id}/participants",
                       data={"name": "X"}).status_code == 403


def test_enterprise_user_cannot_see_events(client, login_as, db, event):
    db.session.commit()
    login_as("enterprise")
    assert client.get(f"/meetings/{event.id}").status_code == 403


def test_english_agenda_page_is_translated(client, officer, db, event):
    db.session.commit()
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    html = client.get(f"/meetings/{event.id}/agenda").get_data(as_text=True)
    assert "Build agenda" in html
