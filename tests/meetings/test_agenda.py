"""Preliminary and final agendas, and moving a meeting by hand (services and pages)."""

from __future__ import annotations

from datetime import date, time

import pytest

from crm.errors import UserError
from crm.meetings import agenda, rooms, services
from crm.models import Meeting, MeetingEvent


def _cp(event, name="Tokyo Foods", languages="en, vi"):
    return services.add_counterpart(event, {"name": name, "kind": "importer",
                                            "country_code": "JP", "languages": languages})


def _accepted(event, ef, cp):
    req = services.request_meeting(event, ef.id, cp.id, "officer", None)
    services.answer_request(req, accept=True)
    return req


def _meeting(req, session, slot, table, interpreter=None):
    m = Meeting(request_id=req.id, session_id=session.id, slot_index=slot, table_no=table,
                interpreter_id=interpreter.id if interpreter else None, status="scheduled")
    req.meeting = m
    return m


def _where(m):
    return (m.session_id, m.slot_index, m.table_no, m.interpreter_id)


def test_published_meetings_stay_when_the_agenda_is_rebuilt(db, event):
    cp = _cp(event)
    first = _accepted(event, event.firms[0], cp)
    agenda.build_agenda(event, time_limit=5)
    assert agenda.publish_agenda(event) == 1
    kept_id, where = first.meeting.id, _where(first.meeting)
    second = _accepted(event, event.firms[1], cp)
    result = agenda.build_agenda(event, time_limit=5)
    db.session.expire_all()
    assert (first.meeting.id, _where(first.meeting)) == (kept_id, where)
    assert first.meeting.published_at is not None
    assert (result.kept, result.agenda.placed) == (1, 1)
    # The new request goes around it: same counterpart, one table, so the other slot.
    assert second.meeting.slot_index != first.meeting.slot_index
    assert second.meeting.published_at is None  # preliminary until published again
    assert db.session.get(MeetingEvent, event.id).agenda_published_at is not None


def test_a_preliminary_agenda_is_replanned_from_scratch(db, event):
    cp = _cp(event)
    _accepted(event, event.firms[0], cp)
    agenda.build_agenda(event, time_limit=5)
    result = agenda.build_agenda(event, time_limit=5)
    assert (result.kept, result.agenda.placed) == (0, 1)
    # CP-SAT proved the optimum; with as many meetings either way the earliest slots win.
    assert result.agenda.engine == "cp-sat" or result.agenda.status.startswith("as good as")
    assert (result.agenda.placements[0].slot, result.agenda.placements[0].table) == (0, 1)


def test_publishing_an_empty_agenda_is_refused(db, event):
    with pytest.raises(UserError, match="Chưa có cuộc gặp nào"):
        agenda.publish_agenda(event)


@pytest.fixture
def two_tables(db, event):
    """Two tables, two sessions; firm A meets Tokyo at 09:00 table 1, firm B meets Osaka at
    09:00 table 2, firm A meets Osaka at 09:30 table 1."""
    event.tables = 2
    s1 = event.sessions[0]
    s2 = services.add_session(event, date(2027, 3, 11), time(9), time(10), 30)
    tokyo, osaka = _cp(event), _cp(event, "Osaka Trading")
    a, b = event.firms
    m1 = _meeting(_accepted(event, a, tokyo), s1, 0, 1)
    m2 = _meeting(_accepted(event, b, osaka), s1, 0, 2)
    m3 = _meeting(_accepted(event, a, osaka), s1, 1, 1)
    db.session.add_all([m1, m2, m3])
    db.session.commit()
    return {"s1": s1, "s2": s2, "m1": m1, "m2": m2, "m3": m3, "osaka": osaka, "a": a, "b": b}


def _refused(db, meeting, session, slot, table, field, text):
    before = _where(meeting)
    with pytest.raises(UserError) as err:
        agenda.move_meeting(meeting, session.id, slot, table)
    db.session.rollback()
    assert (err.value.field, text in err.value.message) == (field, True), err.value.message
    db.session.expire_all()
    assert _where(db.session.get(Meeting, meeting.id)) == before  # nothing saved


def test_moving_onto_a_taken_table_is_refused(db, two_tables):
    t = two_tables
    _refused(db, t["m3"], t["s1"], 0, 2, "table_no", "Bàn 2 lúc 09:00 đã có cuộc gặp")


def test_moving_to_a_slot_where_a_party_is_busy_is_refused(db, two_tables):
    t = two_tables
    # Firm A already meets Tokyo at 09:00 (table 1); table 2 is freed by moving m2 away first.
    agenda.move_meeting(t["m2"], t["s2"].id, 0, 2)
    db.session.commit()
    _refused(db, t["m3"], t["s1"], 0, 2, "slot", "đã có cuộc gặp khác lúc 09:00")


def test_moving_outside_a_partys_sessions_is_refused(db, two_tables):
    t = two_tables
    t["osaka"].session_ids = [t["s1"].id]
    db.session.commit()
    _refused(db, t["m3"], t["s2"], 0, 1, "slot", "không tham dự phiên này")


def test_moving_where_no_interpreter_is_free_is_refused(db, event, two_tables):
    t = two_tables
    seoul = _cp(event, "Seoul Mart", languages="ko")
    hanh = services.add_interpreter(event, {"name": "Chị Hạnh", "languages": "vi, ko"})
    b_seoul = _accepted(event, t["b"], seoul)
    a_seoul_busy = _meeting(b_seoul, t["s2"], 0, 1, hanh)
    coffee_korea = _cp(event, "Busan Coffee", languages="ko")
    late = _meeting(_accepted(event, t["a"], coffee_korea), t["s2"], 1, 1, hanh)
    db.session.add_all([a_seoul_busy, late])
    db.session.commit()
    _refused(db, late, t["s2"], 0, 2, "slot", "phiên dịch viên")


def _two_rooms(db, two_tables) -> dict:
    """Table 1 in Hall A, table 2 in Hall B; firm A meets in Hall A at 09:00 and 09:30."""
    rooms.set_rooms(two_tables["s1"].event, "1 Hall A; 2 Hall B")
    db.session.commit()
    return two_tables


def test_a_move_that_leaves_no_time_to_change_rooms_is_refused(db, two_tables):
    t = _two_rooms(db, two_tables)
    # 09:30 at table 2 (free) would take firm A from Hall A at 09:00 straight to Hall B.
    _refused(db, t["m3"], t["s1"], 1, 2, "slot", "cần một lượt trống để sang Hall B")
    # The next day's first slot follows a break: changing rooms there is fine.
    agenda.move_meeting(t["m3"], t["s2"].id, 0, 2)
    assert _where(t["m3"])[:3] == (t["s2"].id, 0, 2)


def test_move_page_shows_the_room_buffer_next_to_the_slot(client, officer, db, two_tables):
    t = _two_rooms(db, two_tables)
    resp = client.post(f"/meetings/meeting/{t['m3'].id}/move",
                       data={"slot": f"{t['s1'].id}:1", "table_no": "2"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "lúc 09:00 ở Hall A, liền lượt này: cần một lượt trống để sang Hall B" in html
    assert "invalid-feedback" in html
    db.session.expire_all()
    assert _where(db.session.get(Meeting, t["m3"].id))[:3] == (t["s1"].id, 1, 1)


def test_a_meeting_moved_by_hand_is_kept_by_a_rebuild(db, two_tables):
    t = two_tables
    agenda.move_meeting(t["m3"], t["s2"].id, 1, 2)
    db.session.commit()
    assert t["m3"].moved_by_hand
    agenda.build_agenda(t["m3"].session.event, time_limit=5)
    db.session.expire_all()
    moved = db.session.get(Meeting, t["m3"].id)
    assert (moved.session_id, moved.slot_index, moved.table_no) == (t["s2"].id, 1, 2)


def test_a_held_meeting_cannot_be_moved(db, two_tables):
    t = two_tables
    services.mark_meeting(t["m1"], "held", None)
    db.session.commit()
    _refused(db, t["m1"], t["s2"], 0, 1, "slot", "đã diễn ra")


def test_move_page_shows_the_conflict_next_to_the_field_and_saves_nothing(
        client, officer, db, two_tables):
    t = two_tables
    resp = client.post(f"/meetings/meeting/{t['m3'].id}/move",
                       data={"slot": f"{t['s1'].id}:0", "table_no": "2"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Bàn 2 lúc 09:00 đã có cuộc gặp" in html
    assert "invalid-feedback" in html  # rendered with the field, not as a banner
    db.session.expire_all()
    assert _where(db.session.get(Meeting, t["m3"].id))[:3] == (t["s1"].id, 1, 1)


def test_officer_moves_a_meeting_and_publishes_the_agenda(client, officer, db, two_tables):
    t = two_tables
    resp = client.post(f"/meetings/meeting/{t['m3'].id}/move",
                       data={"slot": f"{t['s2'].id}:1", "table_no": "2"})
    assert resp.status_code == 302
    resp = client.post(f"/meetings/{t['s1'].event_id}/agenda/publish", follow_redirects=True)
    assert "Lịch chính thức" in resp.get_data(as_text=True)
    db.session.expire_all()
    moved = db.session.get(Meeting, t["m3"].id)
    assert (moved.session_id, moved.slot_index, moved.table_no) == (t["s2"].id, 1, 2)
    assert moved.moved_by_hand
    assert moved.published_at is not None


def test_viewer_can_neither_move_nor_publish(client, login_as, db, two_tables):
    login_as("viewer")
    t = two_tables
    assert client.get(f"/meetings/meeting/{t['m3'].id}/move").status_code == 403
    assert client.post(f"/meetings/{t['s1'].event_id}/agenda/publish").status_code == 403


def test_overlapping_session_page_shows_a_message_and_saves_nothing(client, officer, db, event):
    resp = client.post(f"/meetings/{event.id}/sessions", follow_redirects=True,
                       data={"day": "2027-03-10", "starts_at": "09:30", "ends_at": "10:30",
                             "slot_minutes": "30"})
    assert "trùng giờ" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(MeetingEvent, event.id).sessions) == 1
