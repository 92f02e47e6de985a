"""Hard requirements are met only by verified data; self-declared data waits for an officer."""

from __future__ import annotations

import copy
import json
from datetime import date

import pytest

from matching import FirmIndex, match, opportunities_for_firm, rank
from matching import explain as ex
from matching import factors as fx
from matching.bench import generate_firms, opportunities
from tests.matching.helpers import HALAL, TODAY, assert_arrays_equal_oracle, by_id, halal_opp, nest


def _halal_opp(**extra: object) -> dict:
    return halal_opp(**{"preferred_certifications": ["HACCP"], **extra})


def _nest(fid: str, *certs: dict) -> dict:
    return nest(fid, target_markets=["AE"], certifications=list(certs))


HALAL_DECLARED = {**HALAL, "verified": False, "declared_on": "2026-11-20"}


def test_self_declared_required_certificate_makes_a_near_miss_waiting_for_verification():
    index = FirmIndex.build([_nest("SELF", HALAL_DECLARED), _nest("OK", HALAL)])
    result = rank(index, _halal_opp(), today=TODAY)
    assert [r["firm_id"] for r in result["ranked"]] == ["OK"]
    item = by_id(result["ineligible"])["SELF"]
    assert item["missing"] == ["HALAL"]
    assert item["near_miss"] is True
    assert item["detail_vi"] == "chờ xác minh Halal (doanh nghiệp khai ngày 20/11/2026)"
    assert item["detail"] == "Halal awaiting verification (declared on 20 Nov 2026)"
    assert item["unverified"] == [{"code": "HALAL", "declared_on": "2026-11-20"}]
    assert item["hint_vi"] == "đủ điều kiện khi cán bộ xác minh Halal"
    # it would rank exactly like the verified firm once checked
    assert item["score_if_eligible"] == result["ranked"][0]["score"]


def test_issue_story_fda_declared_in_the_portal_is_not_enough_for_amazon_us(firm_records,
                                                                             cases):
    """KH-0019 lacks FDA; declaring it made it #2 of the Amazon US cohort before any check."""
    opp = next(c for c in cases if c["opportunity"]["id"] == "OPP-AMAZON-US")["opportunity"]
    records = copy.deepcopy(firm_records)
    nest = next(f for f in records if f["id"] == "KH-0019")
    nest["certifications"].append({"code": "FDA", "valid_from": "2026-11-28",
                                   "verified": False, "declared_on": "2026-11-28"})
    index = FirmIndex.build(records)
    result = rank(index, opp, today=TODAY)
    assert "KH-0019" not in {r["firm_id"] for r in result["ranked"]}
    item = by_id(result["ineligible"])["KH-0019"]
    assert item["missing"] == ["FDA"]
    assert item["detail_vi"].startswith(
        "chờ xác minh đăng ký cơ sở với FDA Hoa Kỳ (doanh nghiệp khai ngày 28/11/2026)")
    assert "(bắt buộc tại Hoa Kỳ với HS 0410)" in item["detail_vi"]
    assert item["near_miss"] is True
    # an officer verifies it: the same record with the flag set is ranked #2
    nest["certifications"][-1]["verified"] = True
    index.upsert(nest)
    ranked = rank(index, opp, today=TODAY)["ranked"]
    assert [r["firm_id"] for r in ranked].index("KH-0019") == 1


def test_a_verified_certificate_beside_a_declared_one_meets_the_requirement():
    index = FirmIndex.build([_nest("BOTH", HALAL_DECLARED, HALAL)])
    result = rank(index, _halal_opp(), today=TODAY)
    assert [r["firm_id"] for r in result["ranked"]] == ["BOTH"]
    assert result["ineligible"] == []


@pytest.mark.parametrize(("flag", "counts"), [
    (None, True), (True, True), ("true", True), (False, False), ("false", False), (0, False),
])
def test_only_an_explicit_false_marks_a_certificate_unverified(flag, counts):
    cert = dict(HALAL) if flag is None else {**HALAL, "verified": flag}
    index = FirmIndex.build([_nest("A", cert)])
    ranked = rank(index, _halal_opp(), today=TODAY)["ranked"]
    assert bool(ranked) is counts


def test_declared_certificate_of_unknown_date_still_waits_for_verification():
    index = FirmIndex.build([_nest("A", {**HALAL, "verified": False})])
    item = rank(index, _halal_opp(), today=TODAY)["ineligible"][0]
    assert item["detail_vi"] == "chờ xác minh Halal (doanh nghiệp tự khai)"
    assert item["unverified"] == [{"code": "HALAL", "declared_on": None}]


def test_declared_certificate_that_expired_is_reported_as_expired():
    expired = {"code": "HALAL", "valid_from": "2024-01-01", "valid_until": "2026-01-31",
               "verified": False, "declared_on": "2026-11-20"}
    item = rank(FirmIndex.build([_nest("A", expired)]), _halal_opp(), today=TODAY)[
        "ineligible"][0]
    assert "expired on 31 Jan 2026" in item["detail"]
    assert "unverified" not in item


def test_declared_certificate_and_another_gap_give_both_in_the_hint():
    index = FirmIndex.build([_nest("A", HALAL_DECLARED)])
    opp = _halal_opp(required_certifications=["HALAL", "ISO22000"])
    item = rank(index, opp, today=TODAY)["ineligible"][0]
    assert item["missing"] == ["HALAL", "ISO22000"]
    assert item["near_miss"] is False
    assert item["hint"] == ("eligible once an officer verifies Halal and it holds "
                            "ISO 22000 valid on 10 Mar 2027")


def test_self_declared_preferred_certificate_counts_but_is_marked_not_verified():
    haccp = {"code": "HACCP", "valid_from": "2025-01-01"}
    firms = [_nest("CHECKED", HALAL, haccp),
             _nest("DECLARED", HALAL, {**haccp, "verified": False, "declared_on": "2026-11-02"})]
    ranked = by_id(rank(FirmIndex.build(firms), _halal_opp(), today=TODAY)["ranked"])
    assert ranked["DECLARED"]["score"] == ranked["CHECKED"]["score"]
    assert ranked["DECLARED"]["unverified_preferred"] == ["HACCP"]
    assert "unverified_preferred" not in ranked["CHECKED"]
    readiness = next(r for r in ranked["DECLARED"]["reasons"] if r["factor"] == "readiness")
    assert "có HACCP (tự khai, chưa xác minh)" in readiness["detail_vi"]
    assert "holds HACCP (self-declared, not verified)" in readiness["detail"]
    assert readiness["unverified_preferred"] == ["HACCP"]


def test_firm_page_view_lists_the_declared_requirement_and_preference():
    haccp = {"code": "HACCP", "valid_from": "2025-01-01", "verified": False}
    index = FirmIndex.build([_nest("A", HALAL_DECLARED, haccp)])
    [item] = opportunities_for_firm(index, "A", [_halal_opp()], today=TODAY)
    assert item["eligible"] is False
    assert item["gaps"].pending == [{"code": "HALAL", "declared_on": "2026-11-20"}]
    assert item["unverified_preferred"] == ["HACCP"]


def test_index_keeps_the_flag_and_the_declaration_date_through_upserts():
    index = FirmIndex.build([_nest("A", HALAL_DECLARED)])
    [cert] = index.firm("A").certifications
    assert (cert.verified, cert.declared_on) == (False, date(2026, 11, 20))
    index.upsert(_nest("A", HALAL))
    [cert] = index.firm("A").certifications
    assert (cert.verified, cert.declared_on) == (True, None)
    assert [r["firm_id"] for r in rank(index, _halal_opp(), today=TODAY)["ranked"]] == ["A"]


def test_vectorised_path_equals_the_per_firm_reference_with_declared_certificates():
    index = FirmIndex.build(generate_firms(600, seed=13, unverified_share=0.3))
    seen_pending = 0
    for opp in opportunities():
        ranking = match(index, opp, today=TODAY)
        ctx = ranking.ctx
        assert_arrays_equal_oracle(index, ranking)
        for item in ranking.ineligible():
            firm = index.firm(item.firm_id)
            expected = ex.gaps_of(firm, fx.assess(firm, ctx, text_index=index.text), ctx)
            assert item.gaps == expected, (opp["id"], item.firm_id)
            seen_pending += bool(item.unverified)
    assert seen_pending > 0  # the generated set does exercise the declared certificates


def test_command_line_reads_the_flag_from_the_firms_file(run_cli, tmp_path):
    firms = tmp_path / "firms.jsonl"
    firms.write_text("\n".join(json.dumps(f, ensure_ascii=False) for f in
                               [_nest("SELF", HALAL_DECLARED), _nest("OK", HALAL)]),
                     encoding="utf-8")
    opp = tmp_path / "opp.json"
    opp.write_text(json.dumps(_halal_opp()), encoding="utf-8")
    proc = run_cli("rank", "--opportunity", str(opp), "--firms", str(firms),
                   "--today", TODAY.isoformat())
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [r["firm_id"] for r in out["ranked"]] == ["OK"]
    assert out["ineligible"][0]["unverified"] == [{"code": "HALAL", "declared_on": "2026-11-20"}]


def test_malformed_declaration_date_names_the_field(run_cli, tmp_path):
    firms = tmp_path / "firms.jsonl"
    firms.write_text(json.dumps(_nest("A", {**HALAL_DECLARED, "declared_on": "20/11/2026"})),
                     encoding="utf-8")
    opp = tmp_path / "opp.json"
    opp.write_text(json.dumps(_halal_opp()), encoding="utf-8")
    proc = run_cli("rank", "--opportunity", str(opp), "--firms", str(firms))
    assert proc.returncode == 2
    assert "certifications[0].declared_on" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
