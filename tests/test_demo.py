"""The demo data set: what a new user sees after `crm demo`."""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select
from stdnum.vn import mst

from crm import create_app
from crm.config import TestConfig
from crm.demodata.builder import FirmMaker
from crm.demodata.demoset import DEMO_PASSWORD, DEMO_USERS, build_demo, reference_lookups
from crm.display import commune_province
from crm.duplicates.queries import candidate_pairs
from crm.extensions import db
from crm.firms.sizing import size_class
from crm.interactions.queries import my_tasks
from crm.models import (
    Certification,
    ChangeRecord,
    EcommerceStore,
    Firm,
    FirmIndicator,
    Interaction,
    Opportunity,
    Outcome,
    Partner,
    Product,
    Programme,
    RegistrationRequest,
    ShortlistEntry,
    User,
)
from crm.portal.queries import opportunities_for
from crm.programmes.queries import before_after
from crm.refdata import load_reference_data
from crm.search import search_text_for
from crm.validators import normalize_tax_code
from matching.text import fold
from tests.conftest import drop_pg_schema, fresh_pg_schema

TODAY = date.today()


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An app whose own database (SQLite file, or a PostgreSQL schema) holds the demo set."""
    pg_url = os.environ.get("TEST_DATABASE_URL", "")
    schema = fresh_pg_schema(pg_url) if pg_url.startswith("postgresql") else None

    class DemoConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = (
            pg_url if schema else f"sqlite:///{tmp_path_factory.mktemp('demo') / 'demo.db'}"
        )
        SQLALCHEMY_ENGINE_OPTIONS = (
            {"connect_args": {"options": f'-csearch_path="{schema}",public'}} if schema else {}
        )

    app = create_app(DemoConfig)
    with app.app_context():
        upgrade()
        load_reference_data()
        db.session.commit()
        build_demo(today=TODAY)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if schema:
        drop_pg_schema(schema, pg_url)


@pytest.fixture
def demo(demo_app: Flask) -> Iterator[None]:
    """An app context on the demo database."""
    with demo_app.app_context():
        yield
        db.session.rollback()


def _firms() -> list[Firm]:
    return list(db.session.scalars(select(Firm)))


def test_demo_has_1500_firms_mostly_in_khanh_hoa_gia_lai_and_hai_phong(demo):
    provinces = Counter(f.province_code for f in _firms())
    assert sum(provinces.values()) >= 1500
    assert len(provinces) >= 4
    assert provinces.most_common(1)[0][0] == 56  # Khánh Hòa leads
    assert provinces[52] >= 200
    assert provinces[31] >= 100


def test_demo_communes_belong_to_their_provinces(demo):
    for firm in _firms():
        assert firm.commune_code is not None
        assert commune_province(firm.commune_code) == firm.province_code, firm.name


def test_demo_tax_codes_are_valid_and_unique(demo):
    codes = [f.tax_code for f in _firms()]
    assert len(codes) == len(set(codes))
    # Except the firms typed twice under a mistyped code (crm.demodata.demoset._near_duplicates).
    invalid = [code for code in codes if not mst.is_valid(code)]
    assert len(invalid) == 10
    assert all(normalize_tax_code(code) == code for code in codes if code not in invalid)


def test_demo_has_expired_and_soon_expiring_certificates(demo):
    states = Counter(c.expiry_state(TODAY) for c in db.session.scalars(select(Certification)))
    assert states["expired"] >= 50
    assert states["expiring"] >= 50
    assert states["valid"] > states["expired"]


def test_demo_has_products_known_only_by_description(demo):
    without_hs = list(db.session.scalars(select(Product).where(Product.hs_code.is_(None))))
    assert len(without_hs) >= 50
    # The seed documents' own misspelling of yến sào is kept, as real data has it.
    assert any("yem sao" in p.name_search for p in without_hs)


def test_demo_covers_the_key_sectors_by_hs_code(demo):
    hs = {code for code in db.session.scalars(select(Product.hs_code)) if code}
    for prefix in ("0410", "03", "1604", "0901", "0904", "0801", "0810", "0804", "9403", "61",
                   "62", "4001"):
        assert any(code.startswith(prefix) for code in hs), prefix


def test_demo_has_ocop_products_with_3_to_5_stars(demo):
    stars = Counter(db.session.scalars(select(Product.ocop_stars).where(
        Product.ocop_stars.is_not(None))))
    assert set(stars) == {3, 4, 5}


def test_demo_has_near_duplicate_firms(demo):
    firms = _firms()
    by_name: dict[str, set[str]] = {}
    for firm in firms:
        by_name.setdefault(fold(firm.name), set()).add(firm.tax_code)
    # The same name typed without diacritics or in capitals, under another tax code.
    assert sum(1 for codes in by_name.values() if len(codes) > 1) >= 5
    codes = {f.tax_code for f in firms}
    branches = [c for c in codes if "-" in c]
    assert len(branches) >= 3
    assert all(c.split("-")[0] in codes for c in branches)


def test_demo_names_are_vietnamese_with_some_english_names(demo):
    firms = _firms()
    assert any(f.name.startswith("Công ty TNHH Yến Sào") for f in firms)
    assert any(f.name.startswith("HTX Nông nghiệp") for f in firms)
    assert any(f.name.startswith("Hộ kinh doanh") for f in firms)
    assert any(f.name.startswith(("Công ty CP Thủy sản", "Công ty Cổ phần Thủy sản"))
               for f in firms)
    assert 100 <= sum(1 for f in firms if f.name_en) < len(firms) / 2


def test_demo_keeps_search_text_and_size_class_current(demo):
    for firm in _firms()[:300]:
        assert firm.search_text == search_text_for(firm)
        assert firm.size_class == size_class(firm.employees, firm.revenue_bn_vnd,
                                             firm.capital_bn_vnd, firm.sectors)


def test_demo_has_pioneers_exporters_and_ecommerce_stores(demo):
    firms = _firms()
    pioneers = sum(1 for f in firms if f.is_pioneer)
    assert 3 <= pioneers <= len(firms) * 0.1
    assert sum(1 for f in firms if f.current_markets) >= 300
    platforms = set(db.session.scalars(select(EcommerceStore.platform)))
    assert {"shopee", "lazada", "tiktok_shop", "amazon", "alibaba"} <= platforms


def test_enterprise_demo_login_belongs_to_a_khanh_hoa_birds_nest_firm(demo):
    user = db.session.scalar(select(User).where(User.email == "enterprise@demo.vn"))
    assert user.firm.province_code == 56
    assert "birds_nest" in user.firm.sectors


@pytest.mark.parametrize("email", [email for email, _name, _role in DEMO_USERS])
def test_each_demo_login_works_through_the_login_form(demo_app, email):
    client = demo_app.test_client()
    resp = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
    assert resp.status_code == 302
    assert "/login" not in resp.headers["Location"]


def test_demo_users_cover_every_role(demo):
    roles = set(db.session.scalars(select(User.role).where(User.email.like("%@demo.vn"))))
    assert roles == {"admin", "manager", "officer", "viewer", "enterprise"}
    assert db.session.scalar(select(func.count()).select_from(User)) == len(DEMO_USERS)


def test_same_seed_makes_the_same_firm(demo):
    hs_codes, validity = reference_lookups()
    maker = FirmMaker(TODAY, hs_codes, validity)
    first = maker.firm(random.Random(7), "4200000011")
    again = maker.firm(random.Random(7), "4200000011")
    assert first == again


# --- a year of work on the firms ------------------------------------------------------------

def _user(role: str) -> User:
    return db.session.scalar(select(User).where(User.email == f"{role}@demo.vn"))


def test_demo_has_the_local_go_global_programme_with_targets(demo):
    programme = db.session.scalar(select(Programme).where(Programme.code == "KH-LGG-2026-2030"))
    assert len(programme.targets) >= 10


def test_demo_partners_include_importers_diaspora_chains_and_platforms(demo):
    partners = list(db.session.scalars(select(Partner)))
    assert len(partners) >= 15
    kinds = Counter(p.kind for p in partners)
    assert kinds["importer"] >= 4
    assert kinds["ecommerce_platform"] == 4
    assert kinds["business_association"] >= 1
    diaspora = {p.country_code for p in partners if p.diaspora_owned
                and p.kind == "supermarket_chain"}
    assert {"DE", "CZ", "PL", "US", "AU"} <= diaspora
    assert any(p.hs_prefixes and p.required_certifications for p in partners)


def test_demo_has_opportunities_of_all_four_kinds_in_the_programme(demo):
    opps = list(db.session.scalars(select(Opportunity)))
    assert {o.kind for o in opps} == {"trade_mission", "trade_fair", "ecommerce_cohort",
                                      "distribution_partner"}
    assert all(o.programme_id for o in opps)
    halal = next(o for o in opps if "HALAL" in o.required_certifications)
    assert {"AE", "SA"} <= set(halal.markets)
    assert halal.starts_on.year > TODAY.year
    assert any(o.quotas for o in opps)
    assert all(o.slots and o.deadline and o.budget_vnd for o in opps)


def test_demo_shortlists_hold_entries_in_every_pipeline_status(demo):
    entries = list(db.session.scalars(select(ShortlistEntry)))
    assert len({e.opportunity_id for e in entries}) >= 3
    statuses = {e.status for e in entries}
    assert {"suggested", "shortlisted", "invited", "confirmed", "declined", "participated",
            "outcome", "passed_over"} <= statuses
    # Built from the ranking: entries carry the rank and reasons of the moment.
    assert sum(1 for e in entries if e.rank_at_shortlist and e.reasons_at_shortlist) >= 20


def test_demo_past_mission_is_done_with_participants_and_contracts(demo):
    mission = db.session.scalar(select(Opportunity).where(Opportunity.status == "done"))
    went = [e for e in mission.entries if e.status in ("participated", "outcome")]
    assert len(went) >= 4
    contracts = list(db.session.scalars(select(Outcome).where(
        Outcome.opportunity_id == mission.id, Outcome.kind == "contract")))
    assert contracts
    assert all(c.value_usd > 0 for c in contracts)


def test_demo_support_log_covers_the_year_with_costs(demo):
    interactions = list(db.session.scalars(select(Interaction)))
    assert 250 <= len(interactions) <= 400
    assert len({i.kind for i in interactions}) >= 10
    assert all(i.occurred_on <= TODAY for i in interactions)
    assert sum(i.cost_vnd or 0 for i in interactions) > 0
    assert sum(1 for i in interactions if i.firm_contribution_vnd) >= 100
    assert {i.officer.role for i in interactions} == {"officer", "manager"}
    kinds = Counter(o.kind for o in db.session.scalars(select(Outcome)))
    assert kinds["contract"] >= 4
    assert kinds["new_market"] >= 2
    assert kinds["ecommerce_store"] >= 2


def test_officer_sees_overdue_tasks_first(demo):
    tasks = my_tasks(_user("officer"), today=TODAY)
    overdue = [t for t in tasks if t.due_on < TODAY]
    assert 2 <= len(overdue) <= 8
    assert tasks[:len(overdue)] == overdue
    assert len(tasks) > len(overdue)  # upcoming ones follow
    assert {t.kind for t in tasks} == {"follow_up", "outcome_check"}


def test_supported_firms_grow_faster_than_the_others(demo):
    programme = db.session.scalar(select(Programme))
    compared = before_after(programme, as_of=TODAY)
    supported, others = compared["supported"], compared["not_supported"]
    assert supported.firms >= 30
    assert others.firms >= 30
    assert supported.change("export_revenue_usd") > 0
    assert supported.change("export_markets") > others.change("export_markets")
    years = set(db.session.scalars(select(FirmIndicator.year)))
    assert years == {TODAY.year - 2, TODAY.year - 1, TODAY.year}


def test_enterprise_firm_has_self_declared_changes_waiting_for_an_officer(demo):
    user = _user("enterprise")
    pending = list(db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.review_status == "pending")))
    assert len(pending) >= 2
    assert all(c.firm_id == user.firm_id and c.source == "self" and c.user_id == user.id
               for c in pending)
    assert user.firm.verification_status == "self_declared"


def test_demo_has_a_registration_request_waiting(demo):
    request = db.session.scalar(select(RegistrationRequest))
    assert request.status == "pending"
    assert db.session.scalar(select(Firm).where(Firm.tax_code == request.tax_code)) is None


def test_enterprise_firm_fits_an_open_opportunity_and_is_invited(demo):
    firm = _user("enterprise").firm
    rows, ranked = opportunities_for(firm, TODAY)
    assert ranked
    assert any(r.get("eligible") for r in rows)
    statuses = {e.opportunity.status: e.status for e in db.session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.firm_id == firm.id))}
    assert statuses == {"open": "invited", "done": "outcome"}


def test_duplicate_page_finds_the_demo_near_duplicates(demo):
    assert len(candidate_pairs()) >= 5


def test_demo_has_a_b2b_meeting_day_with_an_agenda_and_requests_to_answer(demo):
    """The fair's confirmed firms meet Japanese buyers: a preliminary agenda exists, every
    placed meeting is conflict-free, and some buyers' requests wait for the firms."""
    from crm.models import Meeting, MeetingEvent, MeetingRequest

    event = db.session.scalar(select(MeetingEvent))
    assert event is not None
    assert event.firms
    assert len(event.counterparts) >= 5
    meetings = [m for m in db.session.scalars(select(Meeting)) if m.status == "scheduled"]
    assert meetings
    seats = {(m.session_id, m.slot_index, m.table_no) for m in meetings}
    assert len(seats) == len(meetings)
    for side in ("event_firm_id", "counterpart_id"):
        busy = [(m.session_id, m.slot_index, getattr(m.request, side)) for m in meetings]
        assert len(set(busy)) == len(busy)
    waiting = db.session.scalars(select(MeetingRequest).where(
        MeetingRequest.status == "requested", MeetingRequest.requested_by == "counterpart"))
    assert list(waiting)
    assert event.agenda_published_at is None  # preliminary: the officer publishes it


def test_enterprise_firm_is_at_the_b2b_meeting_day_with_a_buyers_request_to_answer(demo):
    """The enterprise login can try the portal's side: its firm is a confirmed participant
    and the best-fitting buyer's request waits for its answer."""
    from crm.models import EventFirm, MeetingRequest

    firm = _user("enterprise").firm
    ef = db.session.scalar(select(EventFirm).where(EventFirm.firm_id == firm.id))
    assert ef is not None
    waiting = db.session.scalar(select(MeetingRequest).where(
        MeetingRequest.event_firm_id == ef.id, MeetingRequest.status == "requested",
        MeetingRequest.requested_by == "counterpart"))
    assert waiting is not None


def test_demo_past_mission_has_a_published_agenda_with_meetings_to_mark(demo):
    """The past mission's meeting day: agenda published, two meetings held (each in the
    support log as a B2B meeting), the others waiting for "held / no-show"."""
    from crm.models import Interaction, Meeting, MeetingEvent

    mission = db.session.scalar(select(Opportunity).where(Opportunity.status == "done"))
    event = db.session.scalar(select(MeetingEvent).where(
        MeetingEvent.opportunity_id == mission.id))
    assert event is not None
    assert event.agenda_published_at is not None
    meetings = [m for m in db.session.scalars(select(Meeting)) if m.session.event_id == event.id]
    held = [m for m in meetings if m.status == "held"]
    assert len(held) == 2
    assert len(meetings) > 2
    for m in held:
        logged = db.session.get(Interaction, m.interaction_id)
        assert (logged.kind, logged.occurred_on) == ("b2b_meeting", m.session.day)
        assert logged.occurred_on < TODAY
