"""A counterpart's fit weighs the certifications it requires and the markets it buys for."""

from __future__ import annotations

from datetime import date

import pytest

from crm.errors import UserError
from crm.meetings import queries, reason_text, services
from crm.meetings.fit import counterpart_fit
from crm.models import ChangeRecord
from tests import factories


def _fit(**kw):
    args = {"counterpart_id": 1, "firm_hs": ["030617"], "firm_markets": set(),
            "firm_languages": {"vi", "en"}, "sought_hs": ["03"], "country": "JP",
            "languages": {"en"}}
    args.update(kw)
    return counterpart_fit(**args)


def _codes(fit):
    return {r.code: r.params for r in fit.reasons}


def test_a_firm_holding_the_required_certification_scores_higher_than_one_without():
    holder = _fit(required_certs=["HACCP"], certs_held={"HACCP"})
    lacking = _fit(required_certs=["HACCP"], certs_held=set())
    assert holder.score > lacking.score
    assert _codes(holder)["cert_held"] == ("HACCP",)
    assert _codes(lacking)["cert_missing"] == ("HACCP",)


def test_a_self_declared_certificate_does_not_count_and_says_so():
    fit = _fit(required_certs=["HACCP", "BAP"], certs_held={"BAP"}, certs_declared={"HACCP"})
    assert fit.score == _fit(required_certs=["HACCP", "BAP"], certs_held={"BAP"}).score
    assert _codes(fit)["cert_unverified"] == ("HACCP",)
    assert "cert_missing" not in _codes(fit)


def test_no_required_certification_costs_nothing():
    assert _fit().score == _fit(required_certs=["HACCP"], certs_held={"HACCP"}).score


def test_markets_the_counterpart_buys_for_count_exports_above_targets():
    exporting = _fit(country="SG", buys_for=["SG", "KR", "JP"], firm_markets={"KR"})
    targeting = _fit(country="SG", buys_for=["SG", "KR", "JP"], firm_targets={"KR"})
    neither = _fit(country="SG", buys_for=["SG", "KR", "JP"], firm_markets={"US"})
    assert exporting.score > targeting.score > neither.score
    assert _codes(exporting)["markets_current"] == ("KR",)
    assert _codes(targeting)["markets_target"] == ("KR",)
    assert not {"market", "markets_current", "markets_target"} & set(_codes(neither))


def test_the_missing_certification_reason_is_worded_in_vietnamese(app):
    with app.test_request_context():
        assert reason_text("cert_missing", ("HACCP",)) == (
            "Thiếu chứng nhận đối tác yêu cầu: HACCP")


def _nest(event):
    return next(ef for ef in event.firms if ef.firm.name.startswith("Công ty Yến"))


def test_suggestions_use_verified_certificates_valid_on_the_event_day(db, event):
    demanding = services.add_counterpart(event, {
        "name": "Strict Nest Buyer", "kind": "importer", "country_code": "JP",
        "languages": "en", "hs_prefixes": "0410", "required_certifications": "HACCP, ISO22000"})
    easy = services.add_counterpart(event, {
        "name": "Easy Nest Buyer", "kind": "importer", "country_code": "JP",
        "languages": "en", "hs_prefixes": "0410"})
    ef = _nest(event)
    # HACCP checked by staff and valid in March 2027; ISO22000 expired before the event.
    factories.make_certification(ef.firm, scheme_code="HACCP")
    factories.make_certification(ef.firm, scheme_code="ISO22000", issued_on=date(2024, 1, 1),
                                 expires_on=date(2027, 1, 1))
    rows = {s.counterpart.id: s.fit for s in queries.suggestions(event, ef)}
    assert rows[easy.id].score > rows[demanding.id].score
    assert _codes(rows[demanding.id])["cert_held"] == ("HACCP",)
    assert _codes(rows[demanding.id])["cert_missing"] == ("ISO22000",)


def test_a_certificate_the_firm_declared_itself_counts_once_verified(db, event):
    cp = services.add_counterpart(event, {
        "name": "Strict Nest Buyer", "kind": "importer", "country_code": "JP",
        "languages": "en", "hs_prefixes": "0410", "required_certifications": "HACCP"})
    ef = _nest(event)
    cert = factories.make_certification(ef.firm, scheme_code="HACCP")
    change = ChangeRecord(firm_id=ef.firm_id, entity="certification", entity_id=cert.id,
                          field="scheme_code", new_value="HACCP", source="self",
                          review_status="pending")
    db.session.add(change)
    db.session.flush()
    [row] = queries.suggestions(event, ef)
    assert _codes(row.fit)["cert_unverified"] == ("HACCP",)
    change.review_status = "accepted"
    db.session.flush()
    [row] = queries.suggestions(event, ef)
    assert _codes(row.fit)["cert_held"] == ("HACCP",)
    assert row.counterpart.id == cp.id


def test_a_counterpart_takes_markets_and_certifications_and_refuses_unknown_ones(db, event):
    cp = services.add_counterpart(event, {
        "name": "Hamburg Foods", "kind": "distributor", "country_code": "DE",
        "languages": "de, en", "markets": "de, at", "required_certifications": "haccp"})
    assert (cp.markets, cp.required_certifications) == (["DE", "AT"], ["HACCP"])
    with pytest.raises(UserError) as err:
        services.add_counterpart(event, {"name": "X", "kind": "importer", "country_code": "DE",
                                         "languages": "de", "markets": "Atlantis"})
    assert err.value.field == "markets"
    with pytest.raises(UserError) as err:
        services.add_counterpart(event, {"name": "Y", "kind": "importer", "country_code": "DE",
                                         "languages": "de", "required_certifications": "NOPE"})
    assert err.value.field == "required_certifications"


def test_officer_adds_a_counterpart_with_markets_and_sees_a_bad_one_next_to_the_field(
        client, officer, db, event):
    db.session.commit()
    url = f"/meetings/{event.id}/participants"
    data = {"name": "Hamburg Foods", "kind": "distributor", "country_code": "DE",
            "languages": "de, en", "markets": "Atlantis", "required_certifications": "HACCP"}
    page = client.post(url, data=data).get_data(as_text=True)
    assert "Thị trường “Atlantis” không nhận ra" in page
    assert "Hamburg Foods</td>" not in page
    page = client.post(url, data={**data, "markets": "DE, AT"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Đã thêm đối tác." in page
    assert "DE, AT" in page
