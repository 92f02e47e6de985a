"""A trade mission with two confirmed firms, ready for B2B meetings."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest

from crm.meetings import services
from crm.models import Opportunity, ShortlistEntry
from tests import factories


@pytest.fixture
def mission(db):
    """An opportunity with a confirmed bird's-nest firm and a confirmed coffee firm."""
    opp = Opportunity(code=f"O-{uuid.uuid4().hex[:8]}", kind="trade_mission",
                      title="Đoàn giao thương Nhật Bản", status="open")
    db.session.add(opp)
    db.session.flush()
    nest = factories.make_firm(name="Công ty Yến Sào Khánh Hòa", languages=["vi", "en"])
    factories.make_product(nest, hs_code="041090")
    factories.make_market(nest, "JP")
    coffee = factories.make_firm(name="Công ty Cà Phê Cam Ranh", languages=["vi"])
    factories.make_product(coffee, name="Cà phê rang", hs_code="090121")
    shortlisted = factories.make_firm(name="Công ty Chỉ Mới Chọn")
    for firm, status in ((nest, "confirmed"), (coffee, "confirmed"),
                         (shortlisted, "shortlisted")):
        db.session.add(ShortlistEntry(opportunity_id=opp.id, firm_id=firm.id, status=status))
    db.session.commit()
    return opp


@pytest.fixture
def event(db, mission):
    """A one-session event (09:00-10:00, 30-minute slots, 1 table) with its firms added."""
    ev = services.create_event(mission, {"name": "Gặp gỡ Osaka", "tables": 1}, by=None)
    services.add_session(ev, date(2027, 3, 10), time(9), time(10), 30)
    services.add_confirmed_firms(ev)
    # Committed (inside the test's outer transaction): a view's rollback must not undo it.
    db.session.commit()
    return ev


@pytest.fixture(autouse=True)
def after_the_test_events(request, monkeypatch):
    """The test events are in March 2027: by default the tests run on a day after them, so
    meetings can be marked held. `@pytest.mark.real_today` keeps the real date."""
    if request.node.get_closest_marker("real_today"):
        return
    from crm.meetings import attendance

    monkeypatch.setattr(attendance, "event_today", lambda event: date(2027, 3, 20))
