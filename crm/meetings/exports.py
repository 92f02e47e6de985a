"""Agendas as files: the organiser's workbook (crm.spreadsheets) and iCalendar (RFC 5545).

Session times are wall-clock times at the venue, so calendar events carry the event's time
zone (TZID with its VTIMEZONE); a calendar program shows them in its user's own zone.
UIDs are made from the request, not the meeting row: rebuilding the agenda replaces the
rows, and a calendar that imports the file again must update the same events, not add more.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from icalendar import Calendar, Event

from crm import spreadsheets
from crm.meetings import MEETING_STATUS_LABELS
from crm.meetings.attendance import NEXT_STEP_LABELS
from crm.meetings.day_queries import AgendaItem, feedback_by_meeting
from crm.meetings.rooms import seat
from crm.models import MeetingEvent
from matching.text import fold

PRODID = "-//Go Global CRM//B2B meetings//VI"
ICS_MIMETYPE = "text/calendar"  # Flask adds "; charset=utf-8" to text types
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SEQUENCE_EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
DASH = "\u2013"  # the en dash between two names, as the pages show it


def filename(stem: str, name: str, ext: str) -> str:
    """An ASCII file name: "lich-gap-cong-ty-yen-sao.ics" (diacritics folded, đ → d)."""
    slug = re.sub(r"[^a-z0-9]+", "-", fold(name).lower()).strip("-")[:60] or "agenda"
    return f"{stem}-{slug}.{ext}"


def meeting_uid(item: AgendaItem, domain: str) -> str:
    """A UID that stays the same while the pair's meeting is moved or the agenda rebuilt."""
    req = item.meeting.request
    return f"b2b-{req.event_id}-{req.id}@{domain}"


def _summary(item: AgendaItem, viewpoint: str) -> str:
    if viewpoint == "firm":
        return _("Gặp %(name)s", name=item.counterpart_name)
    if viewpoint == "counterpart":
        return _("Gặp %(name)s", name=item.firm_name)
    return f"{item.firm_name} {DASH} {item.counterpart_name}"


def agenda_ics(event: MeetingEvent, items: Sequence[AgendaItem], *, viewpoint: str,
               domain: str, calendar_name: str) -> bytes:
    """One VEVENT per meeting of `items`; viewpoint "firm", "counterpart" or "event"
    decides whom the summary names."""
    tz = ZoneInfo(event.time_zone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", event.time_zone)
    stamp = datetime.now(UTC).replace(microsecond=0)
    for item in items:
        ev = Event()
        ev.add("uid", meeting_uid(item, domain))
        ev.add("dtstamp", stamp)
        ev.add("dtstart", item.starts.replace(tzinfo=tz))
        ev.add("dtend", item.ends.replace(tzinfo=tz))
        ev.add("summary", _summary(item, viewpoint))
        place = seat(event, item.table_no)
        ev.add("location", f"{event.location} {DASH} {place}" if event.location else place)
        lines = [event.name, f"{item.firm_name} {DASH} {item.counterpart_name}", place]
        if item.interpreter:
            lines.append(_("Phiên dịch: %(name)s", name=item.interpreter))
        ev.add("description", "\n".join(lines))
        ev.add("status", "CONFIRMED")
        updated = item.meeting.updated_at
        if updated is not None:
            updated = updated if updated.tzinfo else updated.replace(tzinfo=UTC)
            ev.add("last-modified", updated.astimezone(UTC).replace(microsecond=0))
            # A later change must win over an earlier import of the same UID: minutes since
            # 2020 grow with every change and stay far below SEQUENCE's 32-bit limit.
            ev.add("sequence", max(0, int((updated - SEQUENCE_EPOCH).total_seconds() // 60)))
        cal.add_component(ev)
    cal.add_missing_timezones()  # the VTIMEZONE of every TZID used
    return cal.to_ical()


def xlsx_headings() -> list[str]:
    """Columns of the organiser's workbook, in the interface language."""
    return [_("Ngày"), _("Bắt đầu"), _("Kết thúc"), _("Bàn"), _("Phòng"), _("Doanh nghiệp"),
            _("Mã số thuế"), _("Đối tác"), _("Quốc gia"), _("Phiên dịch"), _("Trạng thái"),
            _("Doanh nghiệp trả lời"), _("Đối tác trả lời"), _("Mức quan tâm (1-5)"),
            _("Bước tiếp theo")]


def agenda_xlsx(event: MeetingEvent, items: Sequence[AgendaItem],
                cover: Sequence[tuple[str, Any]] = ()) -> bytes:
    """All meetings of the event, one row each (cancelled ones too, with their status)."""
    feedback = feedback_by_meeting([i.meeting.id for i in items])

    def label(code: str | None) -> str:
        return str(MEETING_STATUS_LABELS.get(code or "", "")) if code else ""

    def rows() -> Any:
        for i in items:
            fb = feedback.get(i.meeting.id)
            yield (i.day, i.starts_at.strftime("%H:%M"), i.ends_at.strftime("%H:%M"),
                   i.table_no, i.room or "", i.firm_name, i.firm_tax_code, i.counterpart_name,
                   i.counterpart_country, i.interpreter or "", label(i.status),
                   label(i.meeting.firm_answer), label(i.meeting.counterpart_answer),
                   fb.interest if fb else None,
                   str(NEXT_STEP_LABELS.get(fb.next_step, "")) if fb else "")

    wb = spreadsheets.workbook()
    spreadsheets.add_table(wb, _("Lịch gặp"), xlsx_headings(), rows())
    spreadsheets.add_rows(wb, _("Sự kiện"), [
        (_("Sự kiện"), event.name), (_("Địa điểm"), event.location or ""),
        (_("Múi giờ"), event.time_zone), *cover])
    return spreadsheets.xlsx_bytes(wb)
