"""Rooms of a meeting event: tables grouped in halls, a free slot on a room change."""

from __future__ import annotations

from datetime import date, time

import pytest

from crm.errors import UserError
from crm.meetings import rooms, services
from crm.models import Meeting, MeetingEvent, MeetingRequest


def test_rooms_are_read_from_ranges_and_names():
    parsed = rooms.parse_rooms("1-20 Hội trường A; 21\u201340: Hall B\n41 VIP", 41)
    assert parsed == [{"name": "Hội trường A", "first": 1, "last": 20},
                      {"name": "Hall B", "first": 21, "last": 40},
                      {"name": "VIP", "first": 41, "last": 41}]


@pytest.mark.parametrize(("text", "words"), [
    ("1-20 A; 15-30 B", "Bàn 15 đã thuộc phòng A"),
    ("1-50 A", "bàn phải từ 1 đến 40"),
    ("5-2 A", "bàn phải từ 1 đến 40"),
    ("1-20", "thiếu tên phòng"),
    ("Hall A", "cần dạng"),
])
def test_bad_rooms_are_refused_with_a_clear_message(text, words):
    with pytest.raises(UserError) as err:
        rooms.parse_rooms(text, 40)
    assert words in err.value.message
    assert err.value.field == "rooms"


def _two_firms_two_buyers(event: MeetingEvent) -> None:
    """Two tables, one session of two back-to-back slots; each firm meets both buyers."""
    event.tables = 2
    cps = [services.add_counterpart(event, {"name": name, "kind": "importer",
                                            "country_code": "JP", "languages": "vi, en"})
           for name in ("Tokyo Foods", "Osaka Trading")]
    for ef in event.firms:
        for cp in cps:
            req = services.request_meeting(event, ef.id, cp.id, "officer", None, notify=False)
            services.answer_request(req, True)


def test_the_agenda_leaves_a_free_slot_to_whoever_changes_rooms(db, event):
    # The fixture's session, 09:00-10:00 in 30-minute slots: two back-to-back slots.
    other = services.create_event(event.opportunity, {"name": "Hai phòng", "tables": 2},
                                  by=None)
    services.add_session(other, date(2027, 3, 10), time(9), time(9, 40), 20)
    services.add_confirmed_firms(other)
    for ev in (event, other):
        _two_firms_two_buyers(ev)
    rooms.set_rooms(other, "1 Hall A; 2 Hall B")
    assert services.build_agenda(event).agenda.placed == 4  # one room: everyone meets
    # Two rooms: a meeting right after one in the other room needs a free slot first.
    assert services.build_agenda(other).agenda.placed < 4
    meetings = db.session.scalars(db.select(Meeting).join(Meeting.request)
                                  .where(MeetingRequest.event_id == other.id))
    seats: dict[tuple[str, int], dict[int, int]] = {}
    for m in meetings:
        for who in (("firm", m.request.event_firm_id), ("cp", m.request.counterpart_id)):
            seats.setdefault(who, {})[m.slot_index] = m.table_no
    for tables in seats.values():
        if 0 in tables and 1 in tables:
            assert tables[0] == tables[1]  # back-to-back only in the same room


def test_officer_saves_rooms_and_sees_them_and_a_bad_one_is_refused(client, officer, db,
                                                                      event):
    event.tables = 4
    db.session.commit()
    resp = client.post(f"/meetings/{event.id}/rooms", data={"rooms": "1-2 Sảnh A; 3-4 Sảnh B"},
                       follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "Đã lưu các phòng." in page
    assert "Sảnh A: bàn 1-2" in page
    resp = client.post(f"/meetings/{event.id}/rooms", data={"rooms": "1-9 Sảnh C"},
                       follow_redirects=True)
    assert "bàn phải từ 1 đến 4" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert [r["name"] for r in db.session.get(MeetingEvent, event.id).rooms] == ["Sảnh A",
                                                                                   "Sảnh B"]
