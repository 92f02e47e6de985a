"""Past opportunities with recorded outcomes: what learning from outcomes (crm/learning) needs.

The demo's year of work (activity.py) has one finished mission: far too few outcomes for the
learned weights to be tested on later opportunities. Here three kinds get a past of 16-18
closed opportunities each over the last ~2.5 years, shortlisted from the ranking as of their
start day and moved through the pipeline by the same services staff use. Whether an invited
firm takes part (and gets a result) is drawn from a propensity that follows plausible firm
traits: export experience and size for missions and fairs, existing online stores and
English for e-commerce cohorts. Distribution partner requests get no past, so the page also
shows what too little data looks like. Seeded on its own (HISTORY_SEED) so the rest of the
demo draws the same numbers as before.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from typing import Any

from crm.models import Firm, Opportunity, Programme, ShortlistEntry, User
from crm.opportunities.services import (
    bulk_change,
    change_status,
    create_opportunity,
    shortlist_firms,
)
from crm.ranking import rank_opportunity

HISTORY_SEED = 16_05
M = 1_000_000
# kind -> (how many, topics: (title, markets, HS prefixes))
HISTORY: dict[str, tuple[int, tuple[tuple[str, str, str], ...]]] = {
    "trade_mission": (16, (
        ("Đoàn giao thương thủy sản tại Hàn Quốc", "KR", "03, 1604, 1605"),
        ("Đoàn giao thương trái cây tại Trung Quốc", "CN", "0810, 0804"),
        ("Đoàn giao thương nông sản tại Nhật Bản", "JP", "0801, 0804, 0810, 2008"),
        ("Đoàn xúc tiến cà phê, hồ tiêu tại Đức", "DE", "0901, 0904"),
    )),
    "trade_fair": (18, (
        ("Gian hàng tại Seoul Food", "KR", "03, 1604, 1605"),
        ("Gian hàng tại SIAL Paris", "FR", "0901, 0904, 0801, 2008"),
        ("Gian hàng tại China-ASEAN Expo (Nam Ninh)", "CN", "0810, 03"),
        ("Gian hàng tại Seafood Expo Global", "BE", "03, 1604, 1605"),
    )),
    "ecommerce_cohort": (16, (
        ("Nhóm bán hàng trên Amazon Hoa Kỳ", "US", "0901, 0801, 2008"),
        ("Nhóm bán hàng trên Alibaba.com", "US", "03, 0901, 0904, 0801"),
        ("Nhóm bán hàng trên Shopee Singapore", "SG", "2008, 0801, 1905"),
    )),
}
PLATFORM = {"Amazon": "amazon", "Alibaba": "alibaba", "Shopee": "shopee"}
INVITE = 10  # firms invited per past opportunity (the top of the ranking that day)


def _propensity(firm: Firm, kind: str) -> float:
    """Chance that an invited firm takes part: higher for the traits that make it follow
    through (plausible, and not what the hand-set weights weigh most)."""
    years = min(firm.export_experience_years or 0, 8)
    bigger = firm.size_class in ("medium", "large")
    if kind == "trade_mission":
        z = -2.5 + 0.3 * years + 0.9 * bigger
    elif kind == "trade_fair":
        z = -1.2 + 1.5 * bigger + 0.12 * years
    else:
        stores = any(s.status == "active" for s in firm.stores)
        z = -2.3 + 1.6 * stores + 0.9 * ("en" in (firm.languages or []))
    return 1.0 / (1.0 + math.exp(-z))


def _spec(kind: str, n: int, topic: tuple[str, str, str], day: date,
          programme: Programme) -> dict[str, Any]:
    title, markets, hs = topic
    spec: dict[str, Any] = {
        "kind": kind, "status": "closed", "programme_id": programme.id,
        "title": f"{title} {day.year} (đợt {n})", "markets": markets, "hs_prefixes": hs,
        "starts_on": day, "ends_on": day + timedelta(days=4),
        "deadline": day - timedelta(days=30), "slots": INVITE,
        "budget_vnd": (600 + 50 * (n % 5)) * M, "cofunding_share": 40,
        "description": "Cơ hội đã kết thúc (dữ liệu mẫu để học từ kết quả).",
    }
    if kind == "ecommerce_cohort":
        spec["platform"] = next(p for name, p in PLATFORM.items() if name in title)
    return spec


def build_history(today: date, programme: Programme, manager: User, officer: User,
                  showcase: Firm) -> dict[str, int]:
    """Past opportunities of three kinds with invited firms and their outcomes; flush only."""
    rng = random.Random(HISTORY_SEED)
    made = {"past opportunities": 0, "past invitations": 0, "past participations": 0}
    for kind, (count, topics) in HISTORY.items():
        for i in range(count):
            days_ago = 45 + (count - 1 - i) * 55 + rng.randint(0, 20)
            day = today - timedelta(days=days_ago)
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            opp: Opportunity = create_opportunity(
                _spec(kind, i + 1, topics[i % len(topics)], day, programme), manager, day)
            ids = [int(r.firm_id) for r in
                   rank_opportunity(opp, day, top=INVITE + 2, ineligible_limit=0).ranked]
            # The enterprise login's firm keeps its own short story (one mission, one invitation).
            if len(ids) < 4 or showcase.id in ids:
                continue
            entries: list[ShortlistEntry] = shortlist_firms(opp, ids, manager, day)
            invited = entries[:INVITE]
            bulk_change(opp, [e.id for e in invited], "invited", officer,
                        note="Gửi thư mời.")
            for entry in invited:
                if rng.random() < _propensity(entry.firm, kind):
                    change_status(entry, "confirmed", officer)
                    change_status(entry, "participated", officer)
                    made["past participations"] += 1
                    if rng.random() < 0.35:
                        change_status(entry, "outcome", officer,
                                      note="Có đơn hàng sau chương trình.")
                else:
                    change_status(entry, "declined", officer, note="Doanh nghiệp không tham gia.")
            made["past opportunities"] += 1
            made["past invitations"] += len(invited)
    return made
