"""Behaviour of matching.rank on hand-written firms and the labelled set."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from matching import FirmIndex, match, opportunities_for_firm, rank
from matching import explain as ex
from matching import factors as fx
from matching.bench import generate_firms, opportunities
from matching.evaluate import evaluate
from tests.matching.helpers import TODAY, assert_arrays_equal_oracle, by_id, case, halal_opp, nest


# ---- hard requirements ------------------------------------------------------------------
def test_ineligible_firms_that_fit_the_products_come_before_unrelated_ones():
    """A furniture firm strong on everything but products is no near-miss for a bird's nest
    mission: the nest firm lacking Halal is listed first although it would score less."""
    furniture = {"id": "A-FURNITURE", "name": "Nội thất", "size": "large",
                 "export_experience_years": 20, "languages": ["en", "ar"],
                 "current_markets": ["AE"], "target_markets": ["AE"],
                 "products": [{"name": "Bàn ghế gỗ", "hs_code": "940360",
                               "annual_capacity_tonnes": 5000}]}
    bare = nest("Z-NEST", size="micro", certifications=[])
    ranking = match(FirmIndex.build([furniture, bare]), halal_opp(), today=TODAY)
    listed = ranking.ineligible()
    assert [i.firm_id for i in listed] == ["Z-NEST", "A-FURNITURE"]
    assert listed[0].near_miss
    assert listed[1].score_if_eligible > listed[0].score_if_eligible



def test_expired_certificate_makes_firm_ineligible(index, cases):
    result = rank(index, case(cases, "OPP-UAE-HALAL")["opportunity"], today=TODAY)
    item = by_id(result["ineligible"])["KH-0019"]
    assert item["missing"] == ["HALAL"]
    assert "expired on 31 Jan 2026" in item["detail"]
    assert "đã hết hạn ngày 31/01/2026" in item["detail_vi"]
    assert "KH-0019" not in {r["firm_id"] for r in result["ranked"]}


def test_certificate_expiring_before_start_is_reported_as_such(index, cases):
    result = rank(index, case(cases, "OPP-UAE-HALAL")["opportunity"], today=TODAY)
    item = by_id(result["ineligible"])["KH-0004"]
    assert item["missing"] == ["HALAL"]
    assert item["detail"] == (
        "Halal certificate expires on 1 Feb 2027, before the mission departs on 10 Mar 2027"
    )
    assert "trước" in item["detail_vi"]


def test_certificate_counts_on_start_date_not_today():
    firms = [nest("A", certifications=[{"code": "HALAL", "valid_from": "2027-01-01"}])]
    index = FirmIndex.build(firms)
    assert [r["firm_id"] for r in rank(index, halal_opp(), today=TODAY)["ranked"]] == ["A"]
    no_start = halal_opp(starts_on=None)
    result = rank(index, no_start, today=TODAY)
    assert result["ranked"] == []
    assert "only valid from 1 Jan 2027" in result["ineligible"][0]["detail"]


def test_mandatory_market_requirement_excludes_seafood_without_eu_approval(index, cases):
    result = rank(index, case(cases, "OPP-EU-SEAFOOD")["opportunity"], today=TODAY)
    bad = by_id(result["ineligible"])
    assert bad["KH-0006"]["missing"] == ["EU_APPROVED"]
    assert "required in European Union (EU) for HS 03" in bad["KH-0006"]["detail"]
    ranked = [r["firm_id"] for r in result["ranked"]]
    assert ranked[:2] == ["KH-0005", "KH-0007"]  # both are on the EU approved list


def test_mandatory_requirement_applies_only_to_fitting_products():
    # a pepper firm does not need EU approval for a seafood fair it does not fit
    firms = [{"id": "P", "name": "Tiêu", "products": [{"name": "Hạt tiêu", "hs_code": "0904"}]}]
    opp = {"id": "O", "kind": "trade_fair", "markets": ["DE"], "hs_prefixes": ["03"]}
    assert rank(FirmIndex.build(firms), opp, today=TODAY)["ineligible"] == []


def test_per_shipment_rows_are_reminders_not_exclusions():
    firms = [{"id": "C", "name": "Cà phê", "products": [{"name": "Cà phê", "hs_code": "090111"}]}]
    opp = {"id": "O", "kind": "trade_fair", "markets": ["DE"], "hs_prefixes": ["0901"]}
    result = rank(FirmIndex.build(firms), opp, today=TODAY)
    assert result["ineligible"] == []
    reasons = result["ranked"][0]["reasons"]
    assert any(r["factor"] == "reminder" and "EUDR" in r["detail"] for r in reasons)


def test_minimum_size_excludes_smaller_firms_and_unknown_size_is_a_reminder():
    firms = [nest("MICRO", size="micro"), nest("UNKNOWN", size=None), nest("SMALL")]
    result = rank(FirmIndex.build(firms), halal_opp(min_size="small"), today=TODAY)
    assert by_id(result["ineligible"])["MICRO"]["missing"] == ["MIN_SIZE"]
    ranked = by_id(result["ranked"])
    assert set(ranked) == {"UNKNOWN", "SMALL"}
    assert any("size not recorded" in r["detail"] for r in ranked["UNKNOWN"]["reasons"])


def test_minimum_capacity_excludes_firms_below_it():
    low = nest(
        "LOW", products=[{"name": "Tổ yến", "hs_code": "041090", "annual_capacity_tonnes": 0.5}]
    )
    result = rank(
        FirmIndex.build([low, nest("OK")]), halal_opp(min_annual_capacity_tonnes=1.0), today=TODAY
    )
    assert by_id(result["ineligible"])["LOW"]["missing"] == ["MIN_CAPACITY"]
    assert [r["firm_id"] for r in result["ranked"]] == ["OK"]


def test_capacity_of_other_products_does_not_stand_in_for_an_unknown_one():
    """The nest's capacity is unknown: 0.5 t of fish sauce must not exclude the firm from a
    bird's nest mission, neither on the ranking nor on the firm page."""
    firm = nest("MIXED", products=[
        {"name": "Tổ yến", "hs_code": "041090"},
        {"name": "Nước mắm", "hs_code": "210390", "annual_capacity_tonnes": 0.5}])
    index = FirmIndex.build([firm])
    opp = halal_opp(min_annual_capacity_tonnes=1.0)
    [ranked] = rank(index, opp, today=TODAY)["ranked"]
    assert ranked["firm_id"] == "MIXED"
    [mine] = opportunities_for_firm(index, "MIXED", [opp], today=TODAY)
    assert mine["eligible"]
    assert mine["score"] == ranked["score"]


def test_near_miss_has_hint(index, cases):
    result = rank(index, case(cases, "OPP-UAE-HALAL")["opportunity"], today=TODAY)
    item = by_id(result["ineligible"])["DL-0021"]
    assert item["near_miss"] is True
    assert item["hint"] == "eligible once it holds Halal valid on 10 Mar 2027"
    assert item["hint_vi"] == "đủ điều kiện khi có Halal còn hiệu lực ngày 10/03/2027"
    assert "Halal" in item["hint_vi"]


# ---- text matching ------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["to yen tinh che", "TỔ YẾN TINH CHẾ", "yếm sào thô"])
def test_text_only_product_without_hs_is_found(name):
    firms = [
        {"id": "T", "name": "Hộ kinh doanh Cam Lâm", "products": [{"name": name}]},
        {"id": "X", "name": "Công ty may mặc", "products": [{"name": "Áo sơ mi"}]},
    ]
    opp = {
        "id": "O",
        "kind": "trade_mission",
        "markets": ["CN"],
        "hs_prefixes": ["0410"],
        "keywords": ["yến sào"],
    }
    result = rank(FirmIndex.build(firms), opp, today=TODAY)
    assert [r["firm_id"] for r in result["ranked"]] == ["T"]


def test_uncoded_product_gets_hs_unknown_reminder(index, cases):
    result = rank(index, case(cases, "OPP-CN-BIRDNEST")["opportunity"], today=TODAY)
    reasons = by_id(result["ranked"])["KH-0002"]["reasons"]
    assert any("no HS code for" in r["detail"] and "GACC" in r["detail"] for r in reasons)


# ---- reasons, determinism, ties ---------------------------------------------------------------
def test_every_ranked_firm_has_reasons_in_english_and_vietnamese(index, cases):
    for c in cases:
        for item in rank(index, c["opportunity"], today=TODAY)["ranked"]:
            assert item["reasons"], item["firm_id"]
            for r in item["reasons"]:
                assert {"factor", "weight", "detail", "detail_vi"} <= set(r)
                assert r["detail"]
                assert r["detail_vi"]


def test_explain_adds_contributions_that_sum_to_the_score(index, cases):
    opp = case(cases, "OPP-UAE-HALAL")["opportunity"]
    for item in rank(index, opp, today=TODAY, explain=True)["ranked"]:
        # the tie-break term (at most 0.003) is a reason of its own, "ties"
        total = sum(r.get("contribution", 0.0) for r in item["reasons"])
        assert total == pytest.approx(item["score"], abs=1e-3)


def test_ranks_are_gapless_scores_sorted_and_in_unit_interval(index, cases):
    for c in cases:
        ranked = rank(index, c["opportunity"], today=TODAY, top=5)["ranked"]
        assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
        assert all(0.0 <= r["score"] <= 1.0 for r in ranked)
        keys = [(-r["score"], r["firm_id"]) for r in ranked]
        assert keys == sorted(keys)


def test_ties_are_broken_by_firm_id():
    firms = [nest(fid) for fid in ("KH-0300", "KH-0100", "KH-0200")]
    result = rank(FirmIndex.build(firms), halal_opp(), today=TODAY, top=2)
    scores = {r["score"] for r in result["ranked"]}
    assert len(scores) == 1
    assert [r["firm_id"] for r in result["ranked"]] == ["KH-0100", "KH-0200"]


def test_same_input_gives_same_output(firm_records, cases):
    opp = case(cases, "OPP-DE-DIASPORA")["opportunity"]
    first = rank(FirmIndex.build(firm_records), opp, today=TODAY, explain=True)
    second = rank(FirmIndex.build(list(reversed(firm_records))), opp, today=TODAY, explain=True)
    assert first == second


# ---- vectorised path == per-firm reference ----------------------------------------------------
def test_vectorised_scores_match_per_firm_reference(index, cases):
    for c in cases:
        assert_arrays_equal_oracle(index, match(index, c["opportunity"], today=TODAY))


def test_vectorised_values_equal_the_oracle_on_generated_firms():
    """Random firms with what the labelled set has little of: inactive stores, OCOP stars,
    products of unknown capacity, firms without products; every kind of opportunity."""
    records = list(generate_firms(500, seed=21, unverified_share=0.2))
    for i, firm in enumerate(records):
        if i % 3 == 0:
            for store in firm["ecommerce"]:
                store["status"] = "inactive"
        if i % 4 == 1:
            for k, product in enumerate(firm["products"]):
                product["ocop_stars"] = 3 + k % 3
        if i % 5 == 2:
            firm["products"][0].pop("annual_capacity_tonnes")
        if i % 37 == 0:
            firm["products"] = []
    index = FirmIndex.build(records)
    opps = opportunities()
    opps.append({**opps[1], "id": "CAP", "min_annual_capacity_tonnes": 40})
    for opp in opps:
        assert_arrays_equal_oracle(index, match(index, opp, today=TODAY))


def test_ineligible_details_match_per_firm_reference(index, cases):
    for c in cases:
        m = match(index, c["opportunity"], today=TODAY)
        ctx = m.ctx
        for item in m.ineligible():
            firm = index.firm(item.firm_id)
            expected = ex.gaps_of(firm, fx.assess(firm, ctx, text_index=index.text), ctx)
            assert item.gaps == expected, item.firm_id


def test_reasons_from_the_arrays_equal_the_per_firm_oracle(index, cases):
    """The ranked firms' reasons are read from compute()'s arrays, never scored again: they
    must say what the per-firm scorer would have said, firm by firm."""
    for c in cases:
        m = match(index, c["opportunity"], today=TODAY, top=len(index.ids), explain=True)
        for item in m.ranked():
            firm = index.firm(item.firm_id)
            a = fx.assess(firm, m.ctx, text_index=index.text)
            expected = ex.reasons(firm, a, m.ctx, True, item.penalty, index.text, item.row)
            assert [(r.factor, r.parts) for r in item.reasons] == [
                (r.factor, r.parts) for r in expected], item.firm_id
            for got, want in zip(item.reasons, expected, strict=True):
                assert got.contribution == pytest.approx(want.contribution, abs=1e-6)


# ---- updates ----------------------------------------------------------------------------------
def test_upsert_and_remove_without_rebuild(firm_records, cases):
    index = FirmIndex.build(firm_records)
    opp = case(cases, "OPP-UAE-HALAL")["opportunity"]
    renewed = copy.deepcopy(next(f for f in firm_records if f["id"] == "KH-0019"))
    renewed["certifications"].append(
        {"code": "HALAL", "valid_from": "2026-11-01", "valid_until": "2028-11-01"}
    )
    index.upsert(renewed)
    result = rank(index, opp, today=TODAY)
    assert "KH-0019" in {r["firm_id"] for r in result["ranked"]}
    assert "KH-0019" not in {r["firm_id"] for r in result["ineligible"]}
    index.upsert(
        {
            "id": "NEW-1",
            "name": "HTX yen sao Van Ninh",
            "size": "small",
            "products": [{"name": "yen sao tinh che", "hs_code": "041090"}],
            "certifications": [{"code": "HALAL"}],
            "target_markets": ["AE"],
        }
    )
    assert "NEW-1" in {r["firm_id"] for r in rank(index, opp, today=TODAY)["ranked"]}
    assert index.remove("KH-0001") is True
    assert index.remove("KH-0001") is False
    result = rank(index, opp, today=TODAY)
    ids = {r["firm_id"] for r in result["ranked"]} | {r["firm_id"] for r in result["ineligible"]}
    assert "KH-0001" not in ids
    assert len(index) == len(firm_records)


def test_upserted_index_scores_like_a_fresh_build(firm_records, cases):
    opp = case(cases, "OPP-AMAZON-US")["opportunity"]
    index = FirmIndex.build(firm_records[:20])
    for f in firm_records[20:]:
        index.upsert(f)
    fresh = FirmIndex.build(firm_records)
    a = rank(index, opp, today=TODAY)
    b = rank(fresh, opp, today=TODAY)
    # idf was fitted on fewer documents, so scores may differ slightly; the hard
    # requirements and the set of ranked firms must not
    assert by_id(a["ineligible"]).keys() == by_id(b["ineligible"]).keys()
    assert {r["firm_id"] for r in a["ranked"][:3]} == {r["firm_id"] for r in b["ranked"][:3]}


def test_ties_break_by_firm_id_after_upserts_as_after_a_full_sort(firm_records, cases):
    opp = case(cases, "OPP-UAE-HALAL")["opportunity"]
    index = FirmIndex.build(firm_records)
    index.id_order()  # ordered once; the upserts below are slotted into that order
    twin = copy.deepcopy(next(f for f in firm_records if f["id"] == "KH-0003"))
    added = []
    for new_id in ("KH-0003A", "AA-0001", "ZZ-9999", "KH-0003B"):
        added.append({**copy.deepcopy(twin), "id": new_id})
        index.upsert(added[-1])
    index.upsert(copy.deepcopy(twin))  # the same firm again: a new row, the old one dead
    got = rank(index, opp, today=TODAY, top=60)["ranked"]
    index._id_order = None  # the same index with its id order sorted from scratch
    assert got == rank(index, opp, today=TODAY, top=60)["ranked"]
    twins = [r["firm_id"] for r in got if r["firm_id"] in {"KH-0003", *(f["id"] for f in added)}]
    assert len(twins) == 5
    assert twins == sorted(twins)  # equal scores, in firm_id order
    order = index.id_order()
    assert sorted(order.tolist()) == list(range(index.n_rows))


def test_arrays_extended_after_upserts_equal_arrays_computed_afresh(firm_records, cases):
    index = FirmIndex.build(firm_records)
    before = index.derived()  # computed once; the upserts below only extend it
    for table in ("cert", "markets", "langs", "marks", "stores", "support"):
        before.span(table, 0)  # the starts of each table too
    changed = copy.deepcopy(next(f for f in firm_records if f["id"] == "KH-0019"))
    changed["certifications"].append({"code": "HALAL", "valid_until": "2028-11-01"})
    changed["languages"] = ["en"]
    index.upsert(changed)
    index.upsert({
        "id": "NEW-2", "name": "Cong ty moi", "employees": 40, "export_revenue_usd": 250000,
        "export_experience_years": 3, "current_markets": ["JP"], "trademarks": ["AE"],
        "products": [{"name": "banh trang", "hs_code": "190590", "annual_capacity_tonnes": 12},
                     {"name": "mat ong", "hs_code": "0409", "ocop_stars": 4}],
        "ecommerce": [{"platform": "a-platform-never-seen", "market": "US"}],
    })
    index.upsert({"id": "NEW-3", "name": "Ho kinh doanh khong san pham"})
    extended = index.derived()
    fresh = type(extended)(index)
    assert extended.n == fresh.n == index.n_rows
    for name in ("prow", "p_start", "coded", "firm_coded", "cap_known", "capv", "shelf", "ocop",
                 "exports", "exp", "english", "has_mark", "revenue", "size_score",
                 "store_other", "cap_all", "shelf_all", "ocop_all", "store_best_other"):
        np.testing.assert_array_equal(getattr(extended, name), getattr(fresh, name), name)
    for name, vocab in (("by_cert", index.certs), ("by_country", index.countries),
                        ("by_lang", index.langs), ("by_mark", index.countries),
                        ("by_kind", index.kinds), ("by_platform", index.platforms)):
        for code in range(len(vocab.names)):  # every code's entries, in table order
            got, want = getattr(extended, name).get(code), getattr(fresh, name).get(code)
            for col in want:
                np.testing.assert_array_equal(got[col], want[col], (name, code, col))
    for dv in (extended, fresh):  # each product is listed once, under its own HS code
        codes = np.arange(len(dv.code_len))
        at = dv.products_of(codes, ordered=True)
        np.testing.assert_array_equal(at, np.arange(len(dv.prow)))
        for code in codes.tolist():
            assert (dv.code_of[dv.products_of(np.asarray([code]))] == code).all()
    for name in ("code_len", "code2", "code4", "code6"):  # code numbers may differ, not codes
        np.testing.assert_array_equal(getattr(extended, name)[extended.code_of],
                                      getattr(fresh, name)[fresh.code_of], name)
    for table in ("cert", "markets", "langs", "marks", "stores", "support"):
        for row in (0, index.n_rows - 3, index.n_rows - 1):
            assert extended.span(table, row) == fresh.span(table, row)

    for c in cases:
        index._derived = extended
        got = rank(index, c["opportunity"], today=TODAY, top=60)
        index._derived = fresh
        assert got == rank(index, c["opportunity"], today=TODAY, top=60), c["id"]


def test_dataframe_input_gives_same_ranking(firm_records, cases):
    opp = case(cases, "OPP-JP-FRUIT")["opportunity"]
    from_df = rank(FirmIndex.build(pd.DataFrame(firm_records)), opp, today=TODAY)
    assert from_df == rank(FirmIndex.build(firm_records), opp, today=TODAY)


# ---- fairness switches ---------------------------------------------------------------------
def test_exposure_decay_lowers_recently_supported_firm_and_can_be_switched_off():
    recent = nest("A", support_history=[{"kind": "trade_mission", "date": "2026-10-01"}])
    index = FirmIndex.build([recent, nest("B")])
    on = rank(index, halal_opp(), today=TODAY)
    assert [r["firm_id"] for r in on["ranked"]] == ["B", "A"]
    assert any(r["factor"] == "exposure" for r in on["ranked"][1]["reasons"])
    off = rank(index, halal_opp(exposure_decay=False), today=TODAY)
    assert [r["firm_id"] for r in off["ranked"]] == ["A", "B"]


def test_diversity_spreads_slots_across_provinces():
    firms = [nest(f"KH-{i}", province="Khánh Hòa") for i in range(4)]
    firms.append(
        nest(
            "HP-9",
            province="Hải Phòng",
            certifications=[{"code": "HALAL", "valid_from": "2025-01-01"}],
            size="micro",
        )
    )
    index = FirmIndex.build(firms)
    plain = [r["firm_id"] for r in rank(index, halal_opp(), today=TODAY, top=3)["ranked"]]
    assert "HP-9" not in plain
    diverse = rank(index, halal_opp(diversity={"strength": 0.3}), today=TODAY, top=3)
    ids = [r["firm_id"] for r in diverse["ranked"]]
    assert "HP-9" in ids
    scores = [r["score"] for r in diverse["ranked"]]
    assert scores == sorted(scores, reverse=True)


def test_weights_can_be_overridden_per_opportunity():
    big = nest("BIG", size="large")
    aligned = nest("MKT", size="micro", target_markets=["AE"])
    index = FirmIndex.build([big, aligned])
    by_capacity = rank(index, halal_opp(weights={"capacity": 5}), today=TODAY)
    by_market = rank(index, halal_opp(weights={"market": 5}), today=TODAY)
    assert by_capacity["ranked"][0]["firm_id"] == "BIG"
    assert by_market["ranked"][0]["firm_id"] == "MKT"


# ---- CRM helpers and evaluation -------------------------------------------------------------
def test_opportunities_for_firm_lists_eligible_first(index, cases):
    opps = [c["opportunity"] for c in cases]
    result = opportunities_for_firm(index, "KH-0001", opps, today=TODAY)
    ids = [r["opportunity"] for r in result]
    assert ids[0] in {"OPP-UAE-HALAL", "OPP-CN-BIRDNEST"}
    amazon = next(r for r in result if r["opportunity"] == "OPP-AMAZON-US")
    assert amazon["eligible"] is False
    assert amazon["missing"] == ["FDA"]


def test_labelled_set_quality(index, cases):
    report = evaluate(index, cases, TODAY, k=10)
    assert report["violations"] == 0, report["cases"]
    assert report["ndcg"] >= 0.85, report["cases"]
    assert report["recall"] >= 0.9, report["cases"]


def test_expected_ineligible_firms_are_listed_with_their_gaps(index, cases):
    for c in cases:
        got = by_id(rank(index, c["opportunity"], today=TODAY)["ineligible"])
        for fid, missing in c["ineligible"].items():
            assert got[fid]["missing"] == missing, (c["opportunity"]["id"], fid)
