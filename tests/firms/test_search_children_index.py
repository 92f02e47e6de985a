"""The search index keeps each firm's target markets and certificates (the market and
certificate filters and facets no longer read firm ids from the database): a saved market or
certificate is filtered on at the next request, and "valid today" follows the calendar.
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import update

from crm.firms import services
from crm.models import Firm
from crm.search.live import firm_index
from tests.firms.pages import listed, make


@pytest.fixture(autouse=True)
def _only_our_firms_active(db):
    db.session.execute(update(Firm).values(archived=True))


def test_markets_and_certificates_saved_after_a_search_are_filtered_at_once(
        officer, client, db):
    tea = make("Công ty TNHH Chè Tân Cương")
    fruit = make("Công ty TNHH Rau Quả Đà Lạt")
    assert listed(client, market="JP") == []  # the index is built before the saves
    market = services.add_market(tea, {"country_code": "JP", "kind": "target"})
    services.add_market(fruit, {"country_code": "JP", "kind": "current"})  # not a target
    services.add_certification(fruit, {"scheme_code": "HACCP",
                                       "issued_on": date.today() - timedelta(days=3)})
    db.session.flush()
    assert listed(client, market="JP") == [tea.name]
    assert listed(client, market="RCEP") == [tea.name]  # Japan is in RCEP
    assert listed(client, market="EU27") == []
    assert listed(client, cert="HACCP") == [fruit.name]
    assert listed(client, cert="HACCP", market="JP") == []
    services.remove_market(tea, market)
    db.session.flush()
    assert listed(client, market="JP") == []


def test_certificate_validity_is_judged_on_the_day_asked(app, db):
    firm = make("Công ty TNHH Gạo Sóc Trăng")
    services.add_certification(firm, {"scheme_code": "GLOBALGAP",
                                      "issued_on": date(2026, 3, 1),
                                      "expires_on": date(2027, 2, 28)})
    db.session.flush()
    index = firm_index()
    slot = index.slot_of[firm.id]
    for day, valid in ((date(2026, 2, 28), False), (date(2026, 3, 1), True),
                       (date(2027, 2, 28), True), (date(2027, 3, 1), False)):
        assert (slot in index.certificate_slots("GLOBALGAP", day).tolist()) is valid, day
