"""The firm's B2B meetings in the enterprise portal: its own events and requests only."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from crm.meetings import requests, services
from crm.models import Meeting, MeetingRequest
from crm.models.base import utcnow
from tests.meetings.helpers import counterpart as _cp


@pytest.fixture
def nest(event):
    """The bird's-nest firm's place in the event."""
    return next(ef for ef in event.firms if ef.firm.name.startswith("Công ty Yến"))


@pytest.fixture
def coffee(event):
    """The coffee firm's place in the event."""
    return next(ef for ef in event.firms if ef.firm.name.startswith("Công ty Cà Phê"))


def test_the_firm_sees_its_event_and_suggestions_with_reasons(client, login_as, db, event,
                                                               nest):
    _cp(event)
    db.session.commit()
    login_as("enterprise", firm=nest.firm)
    listing = client.get("/portal/meetings").get_data(as_text=True)
    assert "Gặp gỡ Osaka" in listing
    page = client.get(f"/portal/meetings/{event.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Tokyo Foods" in html
    assert "Chung ngôn ngữ: en" in html
    assert "Mã HS của doanh nghiệp (041090) đúng nhóm đối tác cần mua" in html


def test_the_firm_requests_a_meeting_with_a_priority(client, login_as, db, event, nest):
    cp = _cp(event)
    db.session.commit()
    user = login_as("enterprise", firm=nest.firm)
    resp = client.post(f"/portal/meetings/{event.id}/request", follow_redirects=True,
                       data={"counterpart_id": cp.id, "priority": "must"})
    assert "Đã gửi đề nghị gặp." in resp.get_data(as_text=True)
    req = db.session.scalar(db.select(MeetingRequest))
    assert (req.event_firm_id, req.requested_by, req.priority, req.created_by_id) == (
        nest.id, "firm", "must", user.id)
    # It now shows under "sent", with its state, and is no longer a suggestion.
    html = client.get(f"/portal/meetings/{event.id}").get_data(as_text=True)
    sent = html.split("Đề nghị doanh nghiệp đã gửi", 1)[1]
    assert "Tokyo Foods" in sent
    assert "Đã đề nghị" in sent
    assert "Rất muốn gặp" in sent


def test_a_second_request_for_the_same_pair_shows_a_message(client, login_as, db, event,
                                                            nest):
    cp = _cp(event)
    requests.create_request(event, nest.id, cp.id, "counterpart", by=None)
    db.session.commit()
    login_as("enterprise", firm=nest.firm)
    resp = client.post(f"/portal/meetings/{event.id}/request", follow_redirects=True,
                       data={"counterpart_id": cp.id, "priority": "meet"})
    assert "Đã có đề nghị gặp" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(MeetingRequest)) == 1


def test_the_firm_accepts_a_request_made_to_it(client, login_as, db, event, nest):
    cp = _cp(event)
    req = requests.create_request(event, nest.id, cp.id, "counterpart", by=None)
    db.session.commit()
    user = login_as("enterprise", firm=nest.firm)
    resp = client.post(f"/portal/meetings/requests/{req.id}/answer", data={"accept": "1"},
                       follow_redirects=True)
    assert "Đã chấp nhận đề nghị." in resp.get_data(as_text=True)
    db.session.expire_all()
    req = db.session.get(MeetingRequest, req.id)
    assert (req.status, req.answered_by_id) == ("accepted", user.id)


def test_the_firm_cannot_answer_its_own_request(client, login_as, db, event, nest):
    cp = _cp(event)
    req = requests.create_request(event, nest.id, cp.id, "firm", by=None)
    db.session.commit()
    login_as("enterprise", firm=nest.firm)
    resp = client.post(f"/portal/meetings/requests/{req.id}/answer", data={"accept": "1"},
                       follow_redirects=True)
    assert "đối tác sẽ trả lời" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingRequest, req.id).status == "requested"


def test_accepting_an_expired_request_in_the_portal_is_refused(client, login_as, db, event,
                                                               nest):
    cp = _cp(event)
    req = requests.create_request(event, nest.id, cp.id, "officer", by=None)
    req.expires_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    login_as("enterprise", firm=nest.firm)
    html = client.get(f"/portal/meetings/{event.id}").get_data(as_text=True)
    assert "Đề nghị đã hết hạn, không thể chấp nhận." in html
    resp = client.post(f"/portal/meetings/requests/{req.id}/answer", data={"accept": "1"},
                       follow_redirects=True)
    assert "không thể chấp nhận nữa" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingRequest, req.id).status == "requested"


def test_another_firms_request_is_404_and_logged(client, login_as, db, event, nest, coffee,
                                                 caplog):
    cp = _cp(event)
    req = requests.create_request(event, coffee.id, cp.id, "counterpart", by=None)
    db.session.commit()
    login_as("enterprise", firm=nest.firm)
    with caplog.at_level(logging.WARNING, logger="crm.access"):
        resp = client.post(f"/portal/meetings/requests/{req.id}/answer", data={"accept": "1"})
    assert resp.status_code == 404
    assert f"tried meeting request {req.id}" in caplog.text
    db.session.expire_all()
    assert db.session.get(MeetingRequest, req.id).status == "requested"


def test_an_event_the_firm_is_not_in_is_404(client, login_as, db, event):
    login_as("enterprise")  # a firm of its own, not in the event
    assert client.get(f"/portal/meetings/{event.id}").status_code == 404
    assert client.post(f"/portal/meetings/{event.id}/request",
                       data={"counterpart_id": "1"}).status_code == 404
    assert "Gặp gỡ Osaka" not in client.get("/portal/meetings").get_data(as_text=True)


def test_staff_cannot_use_the_portal_pages(client, officer, db, event):
    assert client.get(f"/portal/meetings/{event.id}").status_code == 403


def test_the_firm_sees_its_agenda_with_time_table_and_counterpart(client, login_as, db, event,
                                                                  nest, coffee):
    mine, theirs = _cp(event), _cp(event, name="Seoul Mart", country_code="KR",
                                   languages="ko")
    for ef, cp in ((nest, mine), (coffee, theirs)):
        req = requests.create_request(event, ef.id, cp.id, "officer", by=None)
        requests.answer_request(req, True, by=None)
    services.add_interpreter(event, {"name": "Chị Hà", "languages": "vi, ko"})
    services.build_agenda(event)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(Meeting)) == 2
    login_as("enterprise", firm=nest.firm)
    html = client.get(f"/portal/meetings/{event.id}").get_data(as_text=True)
    agenda = html.split("Lịch gặp của doanh nghiệp", 1)[1].split("Đề nghị gửi tới", 1)[0]
    assert "Tokyo Foods" in agenda
    assert "Seoul Mart" not in agenda  # the other firm's meeting
    assert "09:00" in agenda or "09:30" in agenda


def test_a_counterpart_of_another_event_cannot_be_requested_from_the_portal(client, login_as,
                                                                            db, mission, event,
                                                                            nest):
    other = services.create_event(mission, {"name": "Khác", "tables": 1}, by=None)
    cp = _cp(other)
    db.session.commit()
    login_as("enterprise", firm=nest.firm)
    resp = client.post(f"/portal/meetings/{event.id}/request", follow_redirects=True,
                       data={"counterpart_id": cp.id, "priority": "meet"})
    assert "không thuộc sự kiện này" in resp.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(MeetingRequest)) == 0
