"""Rules of the B2B meeting services: bad input refused, agenda built and kept."""

from __future__ import annotations

from datetime import date, time

import pytest

from crm.errors import UserError
from crm.meetings import queries, services
from crm.models import Meeting


def _cp(event, **kw):
    data = {"name": "Tokyo Foods", "kind": "importer", "country_code": "JP",
            "languages": "ja", "hs_prefixes": "0410"}
    data.update(kw)
    return services.add_counterpart(event, data)


def test_only_confirmed_firms_join_the_event_once(db, event):
    assert sorted(ef.firm.name for ef in event.firms) == [
        "Công ty Cà Phê Cam Ranh", "Công ty Yến Sào Khánh Hòa"]
    assert services.add_confirmed_firms(event) == 0


@pytest.mark.parametrize(("start", "end", "slot", "field"), [
    (time(11), time(10), 30, "ends_at"),
    (time(11), time(12, 10), 30, "slot_minutes"),
    (time(9, 30), time(10, 30), 30, "starts_at"),  # overlaps 09:00-10:00
])
def test_bad_sessions_are_refused_with_the_field(db, event, start, end, slot, field):
    with pytest.raises(UserError) as err:
        services.add_session(event, date(2027, 3, 10), start, end, slot)
    assert err.value.field == field


def test_same_hours_on_another_day_are_fine(db, event):
    services.add_session(event, date(2027, 3, 11), time(9), time(10), 30)
    assert len(event.sessions) == 2


def test_duplicate_request_is_refused(db, event):
    cp = _cp(event)
    ef = event.firms[0]
    services.request_meeting(event, ef.id, cp.id, "firm", None)
    with pytest.raises(UserError):
        services.request_meeting(event, ef.id, cp.id, "officer", None)


def test_request_with_a_party_of_another_event_is_refused(db, event, mission):
    other = services.create_event(mission, {"name": "Khác", "tables": 1}, by=None)
    cp = _cp(other)
    with pytest.raises(UserError):
        services.request_meeting(event, event.firms[0].id, cp.id, "firm", None)


def test_bad_language_code_is_refused(db, event):
    with pytest.raises(UserError) as err:
        _cp(event, languages="japanese")
    assert err.value.field == "languages"


def test_counterpart_from_the_directory_takes_its_blanks_from_the_partner(db, event):
    from crm.models import Partner

    partner = Partner(name="Dubai Gulf Trading", kind="importer", country_code="AE",
                      hs_prefixes=["0901"], keywords="cà phê")
    db.session.add(partner)
    db.session.flush()
    cp = services.add_counterpart(event, {"partner_id": partner.id, "kind": "distributor",
                                          "languages": "en, ar"})
    assert (cp.name, cp.country_code, cp.hs_prefixes, cp.products_sought) == (
        "Dubai Gulf Trading", "AE", ["0901"], "cà phê")


def test_suggestions_rank_hs_and_market_fit_first_with_reasons(db, event):
    nest_buyer = _cp(event, name="Osaka Nest Importer", languages="ja, en")
    _cp(event, name="Seoul Coffee", country_code="KR", languages="ko", hs_prefixes="0901")
    nest = next(ef for ef in event.firms if ef.firm.name.startswith("Công ty Yến"))
    rows = queries.suggestions(event, nest)
    assert rows[0].counterpart.id == nest_buyer.id
    codes = [r.code for r in rows[0].fit.reasons]
    assert codes == ["hs_match", "market", "language"]
    assert [r.code for r in rows[1].fit.reasons] == ["interpreter"]
    assert rows[1].fit.needs_interpreter


def _accepted(event, cp, ef):
    req = services.request_meeting(event, ef.id, cp.id, "officer", None)
    services.answer_request(req, accept=True)
    return req


def test_agenda_places_accepted_requests_without_double_booking(db, event):
    cp = _cp(event, languages="en, vi")
    reqs = [_accepted(event, cp, ef) for ef in event.firms]
    result = services.build_agenda(event)
    assert (result.agenda.placed, result.agenda.upper_bound) == (2, 2)
    slots = sorted(r.meeting.slot_index for r in reqs)
    assert slots == [0, 1]  # same counterpart, one table: two different slots


def test_pair_without_shared_language_and_no_interpreter_is_not_placed(db, event):
    cp = _cp(event, languages="ja")
    coffee = next(ef for ef in event.firms if ef.languages == ["vi"])
    _accepted(event, cp, coffee)
    assert services.build_agenda(event).agenda.placed == 0
    services.add_interpreter(event, {"name": "Chị Hạnh", "languages": "vi, ja"})
    assert services.build_agenda(event).agenda.placed == 1
    assert db.session.scalar(db.select(Meeting)).interpreter.name == "Chị Hạnh"


def test_held_meeting_stays_put_when_the_agenda_is_rebuilt(db, event):
    cp = _cp(event, languages="en, vi")
    first = _accepted(event, cp, event.firms[0])
    services.build_agenda(event)
    services.mark_meeting(first.meeting, "held", "Gửi mẫu tuần sau")
    where = (first.meeting.session_id, first.meeting.slot_index, first.meeting.table_no)
    _accepted(event, cp, event.firms[1])
    result = services.build_agenda(event)
    db.session.expire_all()
    assert (first.meeting.session_id, first.meeting.slot_index, first.meeting.table_no) == where
    assert first.meeting.status == "held"
    assert first.meeting.outcome_note == "Gửi mẫu tuần sau"
    assert (result.kept, result.agenda.placed) == (1, 1)


def test_declining_drops_a_scheduled_meeting(db, event):
    cp = _cp(event, languages="en, vi")
    req = _accepted(event, cp, event.firms[0])
    services.build_agenda(event)
    services.answer_request(req, accept=False)
    db.session.expire_all()
    assert db.session.scalar(db.select(Meeting)) is None


def test_agenda_without_sessions_is_refused(db, mission):
    ev = services.create_event(mission, {"name": "Trống", "tables": 2}, by=None)
    with pytest.raises(UserError):
        services.build_agenda(ev)
