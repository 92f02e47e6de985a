"""Rooms of a meeting event: its tables grouped in halls ("1-20 Hall A; 21-40 Hall B"), so
the scheduler (crm/meetings/solver.py, Layout.table_rooms) leaves a free slot to a
participant who has to walk to another room between two back-to-back meetings."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from crm.errors import UserError
from crm.extensions import db
from crm.models import MeetingEvent

MAX_ROOMS = 50
NAME_MAX = 60
# "1-20 Hội trường A", "21-40: Hall B" (or an en dash), "41 VIP"
_ROOM = re.compile(r"^(\d+)\s*(?:[-\u2013]\s*(\d+))?\s*[:,.]?\s*(.*)$")
_SPLIT = re.compile(r"[;\n]+")


def parse_rooms(text: str | None, tables: int) -> list[dict]:
    """The rooms written as "first-last name" separated by ";" or new lines; refused with a
    message when a range is malformed, outside 1..tables, overlaps another or has no name."""
    rooms: list[dict] = []
    taken: dict[int, str] = {}
    for raw in _SPLIT.split(text or ""):
        item = raw.strip()
        if not item:
            continue
        match = _ROOM.match(item)
        if match is None:
            raise UserError(_("“%(value)s”: cần dạng “1-20 Hội trường A”.", value=item),
                            field="rooms")
        first = int(match.group(1))
        last = int(match.group(2) or first)
        name = match.group(3).strip()
        if not name:
            raise UserError(_("“%(value)s”: thiếu tên phòng.", value=item), field="rooms")
        if len(name) > NAME_MAX:
            raise UserError(_("Tên phòng tối đa %(n)d ký tự.", n=NAME_MAX), field="rooms")
        if not 1 <= first <= last <= tables:
            raise UserError(_("“%(value)s”: bàn phải từ 1 đến %(n)d, số đầu không lớn hơn số "
                              "cuối.", value=item, n=tables), field="rooms")
        for table in range(first, last + 1):
            if table in taken:
                raise UserError(_("Bàn %(table)d đã thuộc phòng %(room)s.", table=table,
                                  room=taken[table]), field="rooms")
            taken[table] = name
        rooms.append({"name": name, "first": first, "last": last})
    if len(rooms) > MAX_ROOMS:
        raise UserError(_("Tối đa %(n)d phòng.", n=MAX_ROOMS), field="rooms")
    return rooms


def set_rooms(event: MeetingEvent, text: str | None) -> None:
    """Save the event's rooms (blank: every table in one room). Flush, never commit."""
    event.rooms = parse_rooms(text, event.tables)
    db.session.flush()


def rooms_text(event: MeetingEvent) -> str:
    """The rooms as the form shows them."""
    return "; ".join(f"{r['first']}-{r['last']} {r['name']}" if r["last"] != r["first"]
                     else f"{r['first']} {r['name']}" for r in event.rooms or [])


def room_name(event: MeetingEvent, table: int) -> str | None:
    """The room of a table, None when the event has no rooms or the table is in none."""
    for room in event.rooms or []:
        if room["first"] <= table <= room["last"]:
            return room["name"]
    return None


def seat(event: MeetingEvent, table: int) -> str:
    """Where a meeting sits, as agendas, calendars and reminders name it: "Hội trường A,
    bàn 3", or "Bàn 3" when the table is in no room."""
    room = room_name(event, table)
    if room:
        return _("%(room)s, bàn %(n)s", room=room, n=table)
    return _("Bàn %(n)s", n=table)


def table_rooms(event: MeetingEvent) -> tuple[int, ...]:
    """The solver's room index of each table (tables in no room share index 0); () without
    rooms: one room, no buffer."""
    if not event.rooms:
        return ()
    index = {t: n for n, room in enumerate(event.rooms, start=1)
             for t in range(room["first"], room["last"] + 1)}
    return tuple(index.get(t, 0) for t in range(1, event.tables + 1))
