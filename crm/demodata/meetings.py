"""The demo's B2B meeting day: FOODEX Japan's confirmed firms meeting Japanese buyers.

Built through the meetings services, as an officer would: an event with two days of
sessions, tables and interpreters, the confirmed firms, buyers (one from the partner
directory), requests from the suggestions (most accepted, a few still waiting) and a
preliminary agenda, so every step after it (publish, print, .ics, held / no-show, feedback,
outcomes) can be tried on the demo.
"""

from __future__ import annotations

from datetime import time, timedelta

from sqlalchemy import select

from crm.extensions import db
from crm.meetings.agenda import build_agenda, publish_agenda
from crm.meetings.queries import suggestions
from crm.meetings.services import (
    add_confirmed_firms,
    add_counterpart,
    add_interpreter,
    add_session,
    answer_request,
    create_event,
    mark_meeting,
    request_meeting,
)
from crm.models import Firm, Meeting, MeetingSession, Opportunity, Partner, User

__all__ = ["add_demo_meeting_day", "add_demo_past_meetings"]

BUYERS = (
    {"name": "Maruha Seafood Trading Co., Ltd.", "kind": "importer", "languages": "ja, en",
     "hs_prefixes": "03, 1604, 1605", "products_sought": "tôm đông lạnh, cá ngừ, mực",
     "required_certifications": "HACCP, BAP", "markets": "JP, KR"},
    {"name": "Osaka Tropical Fruits K.K.", "kind": "importer", "languages": "ja",
     "hs_prefixes": "0810, 0804, 2008", "products_sought": "thanh long, xoài, trái cây sấy",
     "required_certifications": "GLOBALGAP"},
    {"name": "Shinsei Foods Distribution", "kind": "distributor", "languages": "ja",
     "hs_prefixes": "1604, 1605, 2008", "products_sought": "đồ hộp thủy sản, trái cây sấy"},
    {"name": "Hokuriku Fresh Mart (chuỗi siêu thị)", "kind": "retail_chain",
     "languages": "ja, en", "hs_prefixes": "03, 0810, 2008",
     "products_sought": "thủy sản đông lạnh, trái cây nhiệt đới",
     "required_certifications": "HACCP", "markets": "JP, TW"},
    {"name": "Nihon Swiftlet Trading K.K.", "kind": "importer", "languages": "ja, en",
     "hs_prefixes": "0410, 2106, 2202", "products_sought": "tổ yến tinh chế, nước yến",
     "required_certifications": "HACCP, ISO22000", "markets": "JP, TW, HK"},
    {"name": "Tokyo Asian Grocery (Việt kiều)", "kind": "retail_chain", "languages": "vi, ja",
     "hs_prefixes": "03, 1605, 2008, 0804", "products_sought": "hàng Việt: nước mắm, thủy sản"},
)


def add_demo_meeting_day(fair: Opportunity, officer: User, showcase: Firm | None = None) -> int:
    """Add the meeting event of `fair` (its confirmed firms); flush only. Returns the
    number of meetings on the preliminary agenda (0 when the fair has no confirmed firm).
    The buyer's request to `showcase` (the enterprise login's firm) waits for its answer."""
    event = create_event(fair, {"name": f"Gặp gỡ B2B tại {fair.title}", "tables": 10,
                                "location": fair.location, "time_zone": "Asia/Tokyo"},
                         by=officer)
    if add_confirmed_firms(event) == 0:
        return 0
    day = fair.starts_on or fair.deadline
    for offset in (0, 1):
        add_session(event, day + timedelta(days=offset), time(9, 30), time(12, 10), 20)
        add_session(event, day + timedelta(days=offset), time(13, 30), time(16, 10), 20)
    add_interpreter(event, {"name": "Nguyễn Thu Hà", "languages": "vi, ja"})
    add_interpreter(event, {"name": "Trần Minh Khoa", "languages": "vi, en"})
    directory = db.session.scalar(select(Partner).where(Partner.country_code == "JP",
                                                        Partner.diaspora_owned.is_(True))
                                  .order_by(Partner.id).limit(1))
    if directory is not None:
        add_counterpart(event, {"partner_id": directory.id, "kind": "diaspora_association",
                                "languages": "vi, ja"})
    for buyer in BUYERS:
        add_counterpart(event, {**buyer, "country_code": "JP"})
    waiting = 0
    for n, ef in enumerate(event.firms):
        for k, suggestion in enumerate(suggestions(event, ef)[:3]):
            # Buyers ask for the best fit; firms ask for the next ones.
            by_buyer = k == 0
            req = request_meeting(event, ef.id, suggestion.counterpart.id,
                                  "counterpart" if by_buyer else "firm", officer,
                                  priority="must" if by_buyer else "meet", notify=False)
            if by_buyer and (n % 3 == 2 or (showcase is not None
                                             and ef.firm_id == showcase.id)):
                waiting += 1  # left for the firm to answer in the portal
                continue
            answer_request(req, True, by=officer)
    return build_agenda(event, time_limit=5).agenda.placed


CHINESE_BUYERS = (
    {"name": "Guangzhou Jiannan Bird's Nest Trading", "kind": "importer", "languages": "zh",
     "hs_prefixes": "0410", "products_sought": "tổ yến thô, tổ yến tinh chế",
     "required_certifications": "GACC"},
    {"name": "Shenzhen Ocean Fresh Co.", "kind": "importer", "languages": "zh, en",
     "hs_prefixes": "03, 1604, 1605", "products_sought": "tôm, cá đông lạnh, đồ hộp"},
    {"name": "Jiangnan Fruit Wholesale Market (sạp 118)", "kind": "distributor",
     "languages": "zh", "hs_prefixes": "0810, 0804", "products_sought": "thanh long, sầu riêng"},
    {"name": "Hội doanh nhân Việt Nam tại Quảng Châu", "kind": "diaspora_association",
     "languages": "vi, zh", "hs_prefixes": "0410, 03, 0810", "products_sought": "hàng Việt"},
)


def add_demo_past_meetings(mission: Opportunity, officer: User) -> int:
    """The past mission's meeting day, agenda published: two meetings already marked held,
    the rest waiting for "held / no-show" (the day has passed), so the outcome flow can be
    tried and counted in the programme's KPIs. Returns the meetings on the agenda."""
    event = create_event(mission, {"name": f"Gặp gỡ B2B — {mission.title}", "tables": 6,
                                   "location": mission.location, "time_zone": "Asia/Shanghai"},
                         by=officer)
    if add_confirmed_firms(event) == 0:
        return 0
    day = (mission.starts_on or mission.deadline) + timedelta(days=1)
    add_session(event, day, time(9, 0), time(12, 0), 30)
    add_interpreter(event, {"name": "Lưu Gia Huy", "languages": "vi, zh"})
    for buyer in CHINESE_BUYERS:
        add_counterpart(event, {**buyer, "country_code": "CN"})
    for ef in event.firms:
        for suggestion in suggestions(event, ef)[:2]:
            req = request_meeting(event, ef.id, suggestion.counterpart.id, "firm", officer,
                                  notify=False)
            answer_request(req, True, by=officer)
    placed = build_agenda(event, time_limit=5).agenda.placed
    if placed:
        publish_agenda(event)
        first = select(Meeting).join(MeetingSession).where(
            MeetingSession.event_id == event.id).order_by(Meeting.slot_index, Meeting.table_no)
        for meeting in db.session.scalars(first.limit(2)):
            mark_meeting(meeting, "held", "Đối tác hẹn gửi đơn hàng thử.", by=officer)
    return placed
