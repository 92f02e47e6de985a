"""Meeting requests: directions, priority, expiry, quotas, bad input, the firm's message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm.errors import UserError
from crm.meetings import requests, services
from crm.models import MeetingRequest, Message
from crm.models.base import utcnow
from tests.meetings.helpers import counterpart as _cp
from tests.meetings.helpers import event_firm as _firm


def _count(db) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(MeetingRequest))


def test_a_request_gets_a_priority_and_expires_a_week_later_at_most(db, event):
    cp = _cp(event)
    now = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
    req = requests.create_request(event, _firm(event).id, cp.id, "firm", by=None,
                                  priority="must", now=now)
    assert (req.priority, req.status) == ("must", "requested")
    assert requests.as_utc(req.expires_at) == now + timedelta(days=7)


def test_expiry_never_falls_after_the_first_session(db, event):
    cp = _cp(event)
    # The session is on 10/03/2027 at 09:00 Vietnam time = 02:00 UTC; a request made on
    # 08/03 expires then, not a week later.
    now = datetime(2027, 3, 8, 0, 0, tzinfo=UTC)
    req = requests.create_request(event, _firm(event).id, cp.id, "counterpart", by=None,
                                  now=now)
    assert requests.as_utc(req.expires_at) == datetime(2027, 3, 10, 2, 0, tzinfo=UTC)


def test_accepting_an_expired_request_is_refused_and_nothing_changes(db, event):
    cp = _cp(event)
    req = requests.create_request(event, _firm(event).id, cp.id, "counterpart", by=None)
    req.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert requests.request_state(req) == "expired"
    with pytest.raises(UserError, match="hết hạn"):
        requests.answer_request(req, True, by=None)
    db.session.rollback()
    assert db.session.get(MeetingRequest, req.id).status == "requested"
    requests.answer_request(req, False, by=None)  # declining it is still allowed
    assert req.status == "declined"


def test_a_duplicate_request_for_the_same_pair_is_refused_in_either_direction(db, event):
    cp = _cp(event)
    ef = _firm(event)
    requests.create_request(event, ef.id, cp.id, "firm", by=None)
    with pytest.raises(UserError, match="Đã có đề nghị gặp"):
        requests.create_request(event, ef.id, cp.id, "counterpart", by=None)
    assert _count(db) == 1


def test_a_request_to_oneself_is_refused(db, event):
    ef = _firm(event)
    same = _cp(event, name=ef.firm.name.upper())  # the firm also listed as a buyer
    with pytest.raises(UserError, match="chính mình"):
        requests.create_request(event, ef.id, same.id, "firm", by=None)
    assert _count(db) == 0


def test_a_counterpart_of_another_event_is_refused(db, mission, event):
    other = services.create_event(mission, {"name": "Khác", "tables": 1}, by=None)
    cp = _cp(other)
    with pytest.raises(UserError, match="không thuộc sự kiện"):
        requests.create_request(event, _firm(event).id, cp.id, "firm", by=None)


def test_bad_priority_is_refused(db, event):
    cp = _cp(event)
    with pytest.raises(UserError, match="ưu tiên"):
        requests.create_request(event, _firm(event).id, cp.id, "firm", by=None,
                                priority="urgent")


def test_priority_not_records_a_refusal_that_blocks_the_pair(db, event):
    cp = _cp(event)
    ef = _firm(event)
    req = requests.create_request(event, ef.id, cp.id, "firm", by=None, priority="not")
    assert (req.status, req.expires_at) == ("declined", None)
    with pytest.raises(UserError):
        requests.create_request(event, ef.id, cp.id, "counterpart", by=None)


def test_the_quota_stops_the_next_request_but_not_officers(db, event):
    a, b, c = _cp(event), _cp(event, name="Osaka Trading"), _cp(event, name="Kobe Mart")
    ef = _firm(event)
    requests.set_quota(event, "2")
    requests.create_request(event, ef.id, a.id, "firm", by=None)
    requests.create_request(event, ef.id, b.id, "firm", by=None)
    with pytest.raises(UserError, match="tối đa"):
        requests.create_request(event, ef.id, c.id, "firm", by=None)
    requests.create_request(event, ef.id, c.id, "officer", by=None)  # not counted
    assert requests.quota_left(event, ef) == 0


def test_a_declined_request_frees_its_place_in_the_quota(db, event):
    a, b = _cp(event), _cp(event, name="Osaka Trading")
    ef = _firm(event)
    requests.set_quota(event, "1")
    first = requests.create_request(event, ef.id, a.id, "firm", by=None)
    requests.answer_request(first, False, by=None)
    requests.create_request(event, ef.id, b.id, "firm", by=None)
    assert requests.quota_left(event, ef) == 0


def test_a_lapsed_request_frees_its_place_in_the_quota(db, event):
    a, b = _cp(event), _cp(event, name="Osaka Trading")
    ef = _firm(event)
    requests.set_quota(event, "1")
    first = requests.create_request(event, ef.id, a.id, "firm", by=None)
    first.expires_at = utcnow() - timedelta(minutes=5)
    db.session.flush()
    requests.create_request(event, ef.id, b.id, "firm", by=None)
    assert requests.quota_left(event, ef) == 0


@pytest.mark.parametrize("raw", ["0", "-1", "abc", "1000"])
def test_a_bad_quota_is_refused(db, event, raw):
    with pytest.raises(UserError, match="Giới hạn"):
        requests.set_quota(event, raw)


def test_a_request_to_the_firm_sends_it_a_portal_message(db, event):
    cp = _cp(event)
    ef = _firm(event)
    req = requests.create_request(event, ef.id, cp.id, "counterpart", by=None)
    message = db.session.scalar(db.select(Message).where(
        Message.source_type == "meeting_request", Message.source_id == req.id))
    assert message.firm_id == ef.firm_id
    assert "Tokyo Foods" in message.subject
    assert message.link == f"/portal/meetings/{event.id}"


def test_the_firms_own_request_sends_it_no_message(db, event):
    cp = _cp(event)
    requests.create_request(event, _firm(event).id, cp.id, "firm", by=None)
    assert db.session.scalar(db.select(db.func.count()).select_from(Message).where(
        Message.source_type == "meeting_request")) == 0


def test_officer_proposes_a_request_with_priority_and_expiry(client, officer, db, event):
    cp = _cp(event)
    db.session.commit()
    ef = _firm(event)
    day = (utcnow() + timedelta(days=3)).date()
    resp = client.post(f"/meetings/{event.id}/requests", follow_redirects=True, data={
        "event_firm_id": ef.id, "counterpart_id": cp.id, "requested_by": "officer",
        "priority": "must", "expires_on": day.isoformat()})
    assert "Đã gửi đề nghị gặp." in resp.get_data(as_text=True)
    req = db.session.scalar(db.select(MeetingRequest))
    assert (req.priority, req.requested_by, req.created_by_id) == ("must", "officer", officer.id)
    assert requests.as_utc(req.expires_at) > utcnow() + timedelta(days=3)


def test_officer_sees_a_clear_message_for_a_past_expiry_and_nothing_is_saved(client, officer,
                                                                                db, event):
    cp = _cp(event)
    db.session.commit()
    resp = client.post(f"/meetings/{event.id}/requests", follow_redirects=True, data={
        "event_firm_id": _firm(event).id, "counterpart_id": cp.id,
        "requested_by": "officer", "expires_on": "2020-01-01"})
    assert "Hạn trả lời phải từ hôm nay trở đi." in resp.get_data(as_text=True)
    assert _count(db) == 0


def test_officer_cannot_accept_an_expired_request_on_the_counterparts_behalf(client, officer,
                                                                               db, event):
    cp = _cp(event)
    req = requests.create_request(event, _firm(event).id, cp.id, "firm", by=None)
    req.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.get(f"/meetings/{event.id}/requests").get_data(as_text=True)
    assert "Đã hết hạn" in page
    resp = client.post(f"/meetings/requests/{req.id}/answer", data={"accept": "1"},
                       follow_redirects=True)
    assert "không thể chấp nhận nữa" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(MeetingRequest, req.id).status == "requested"


def test_officer_sets_the_quota_and_a_bad_one_shows_a_message(client, officer, db, event):
    client.post(f"/meetings/{event.id}/requests/quota", data={"request_quota": "5"})
    db.session.expire_all()
    assert event.request_quota == 5
    resp = client.post(f"/meetings/{event.id}/requests/quota", data={"request_quota": "x"},
                       follow_redirects=True)
    assert "Giới hạn đề nghị phải là số nguyên" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert event.request_quota == 5
