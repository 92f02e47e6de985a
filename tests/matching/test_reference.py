"""The reference the ranking applies: packaged files by default, a caller's own rows with
effective dates otherwise (issue 16, item 4)."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

import pytest

from matching import FirmIndex, Reference, match, opportunities_for_firm
from matching import reference as ref
from matching.factors import Context
from matching.records import parse_opportunity

START = date(2027, 3, 10)
TODAY = date(2026, 12, 1)

SHRIMP_FIRM = {
    "id": "KH-9001", "name": "Công ty Tôm Cam Ranh", "size": "small", "employees": 60,
    "export_experience_years": 3, "languages": ["vi", "en"],
    "products": [{"name": "Tôm thẻ chân trắng đông lạnh", "hs_code": "030617",
                  "annual_capacity_tonnes": 50}],
    "certifications": [{"code": "HACCP", "valid_from": "2024-01-01",
                        "valid_until": "2030-01-01"}],
    "target_markets": ["US"],
}
US_SHRIMP = {
    "id": "OPP-US-SHRIMP", "kind": "trade_mission", "title": "Tôm đông lạnh sang Hoa Kỳ",
    "markets": ["US"], "hs_prefixes": ["0306"], "keywords": ["tôm"],
    "starts_on": START.isoformat(),
}


def _fda(**dates: date | None) -> ref.Requirement:
    return ref.Requirement("US", "03", "FDA", "yes", "all seafood", "21 CFR 1 Subpart H",
                           **dates)


def _with_rules(*rules: ref.Requirement) -> Reference:
    """The packaged names, titles and groups with only these requirement rules."""
    return dataclasses.replace(ref.default(), requirements=rules)


@pytest.fixture(scope="module")
def shrimp_index() -> FirmIndex:
    return FirmIndex.build([SHRIMP_FIRM])


def _eligible(index: FirmIndex, reference: Reference | None) -> bool:
    ranking = match(index, US_SHRIMP, today=TODAY, reference=reference)
    return [index.ids[r] for r in ranking.ranked_rows] == ["KH-9001"]


def test_packaged_reference_requires_fda_for_us_seafood(shrimp_index):
    assert not _eligible(shrimp_index, None)
    [item] = match(shrimp_index, US_SHRIMP, today=TODAY).ineligible()
    assert "FDA" in item.missing


def test_rule_ending_before_the_opportunity_starts_does_not_apply(shrimp_index):
    assert not _eligible(shrimp_index, _with_rules(_fda(valid_until=START)))
    assert _eligible(shrimp_index, _with_rules(_fda(valid_until=date(2027, 3, 9))))


def test_rule_starting_after_the_opportunity_starts_does_not_apply(shrimp_index):
    assert _eligible(shrimp_index, _with_rules(_fda(valid_from=date(2027, 3, 11))))
    assert not _eligible(shrimp_index, _with_rules(_fda(valid_from=START)))


def test_without_a_start_date_rules_in_force_today_apply(shrimp_index):
    opp = {**US_SHRIMP, "starts_on": None}
    later = _with_rules(_fda(valid_from=date(2027, 1, 1)))
    ranking = match(shrimp_index, opp, today=TODAY, reference=later)
    assert len(ranking.ranked_rows) == 1
    ranking = match(shrimp_index, opp, today=date(2027, 1, 1), reference=later)
    assert len(ranking.ranked_rows) == 0


def test_firm_page_ranking_takes_the_reference_too(shrimp_index):
    ended = _with_rules(_fda(valid_until=date(2027, 1, 31)))
    [default_item] = opportunities_for_firm(shrimp_index, "KH-9001", [US_SHRIMP], TODAY)
    [item] = opportunities_for_firm(shrimp_index, "KH-9001", [US_SHRIMP], TODAY, ended)
    assert default_item["eligible"] is False
    assert item["eligible"] is True


def test_context_keeps_only_rules_in_force_on_the_opportunity_day():
    rules = _with_rules(
        _fda(valid_until=date(2027, 1, 1)),
        ref.Requirement("US", "03", "BAP", "no", "", valid_from=date(2027, 3, 1)),
        ref.Requirement("US", "03", "HACCP", "per_shipment", "", valid_from=date(2027, 6, 1)),
    )
    ctx = Context.build(parse_opportunity(US_SHRIMP), TODAY, reference=rules)
    assert ctx.day == START
    assert ctx.mandatory == []
    assert [r.requirement for r in ctx.preferences] == ["BAP"]
    assert ctx.reminders == []
    assert ctx.reference is rules


def test_rows_from_a_caller_become_a_reference():
    own = Reference.from_rows(
        [{"market": "EU27", "hs_prefix": "0901", "requirement": "EUDR", "mandatory": "yes",
          "applies_to": "coffee", "source_note": None, "valid_from": "2025-12-30",
          "valid_until": None}],
        [{"code": "EUDR", "name_en": "EUDR statement", "name_vi": "Tuyên bố EUDR",
          "scope": "legal", "typical_validity_years": None}],
        [("0901", "Coffee", "Cà phê")],
        [("EU27", "DE"), ("EU27", "FR")],
    )
    [rule] = own.requirements
    assert rule.valid_from == date(2025, 12, 30)
    assert rule.valid_until is None
    assert own.requirements_for_markets(["DE"], date(2026, 1, 5)) == [rule]
    assert own.requirements_for_markets(["DE"], date(2025, 12, 29)) == []
    assert own.expand_markets(["EU27"]) == ["DE", "FR"]
    assert own.regional_groups_of("FR") == frozenset({"EU27"})
    assert own.cert_name("EUDR", "vi") == "tuyên bố thẩm định EUDR"  # short names still win
    assert own.hs_title("090111", "vi") == "Cà phê"


def test_reference_cannot_be_changed_in_place():
    default = ref.default()
    with pytest.raises(dataclasses.FrozenInstanceError):
        default.requirements = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        default.market_groups["EU27"] = frozenset()  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        default.requirements[0].mandatory = "no"  # type: ignore[misc]


def test_module_helpers_read_the_packaged_files():
    default = ref.default()
    assert ref.requirements() == default.requirements
    assert len(ref.requirements()) == 94
    assert ref.requirements_for_markets(["US"]) == default.requirements_for_markets(["US"])
    assert ref.cert_name("FDA") == "US FDA facility registration"
    assert ref.expand_markets(["GCC"]) == default.expand_markets(["GCC"])
    assert "AE" in ref.expand_markets(["GCC"])


def test_command_line_ranks_with_the_packaged_files(run_cli, tmp_path):
    firms = tmp_path / "firms.jsonl"
    firms.write_text(json.dumps(SHRIMP_FIRM, ensure_ascii=False) + "\n", encoding="utf-8")
    opp = tmp_path / "opp.json"
    opp.write_text(json.dumps(US_SHRIMP, ensure_ascii=False), encoding="utf-8")
    proc = run_cli("rank", "--opportunity", str(opp), "--firms", str(firms),
                   "--today", TODAY.isoformat())
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["ranked"] == []
    [item] = doc["ineligible"]
    assert "FDA" in item["missing"]  # US,03,FDA,yes of market_requirements.csv


def test_market_groups_come_from_the_reference_passed_in_score_and_reason():
    # A caller's reference that counts Yemen in the GCC: a firm targeting Yemen is in the
    # group of a UAE mission, in the score (vectorised and per firm) and in its reason.
    packaged = ref.default()
    groups = {**packaged.market_groups, "GCC": packaged.market_groups["GCC"] | {"YE"}}
    own = dataclasses.replace(packaged, market_groups=groups)
    firm = {**SHRIMP_FIRM, "target_markets": ["YE"]}
    opp = {**US_SHRIMP, "id": "OPP-AE-SHRIMP", "markets": ["AE"]}
    index = FirmIndex.build([firm])

    [ranked] = match(index, opp, today=TODAY, reference=own).ranked()
    assert ranked.values["market"] == 0.5
    [market] = [r for r in ranked.reasons if r.factor == "market"]
    assert [(p.code, p.params) for p in market.parts] == [
        ("market.group", {"countries": ["YE"], "groups": ["GCC"]})]
    [mine] = opportunities_for_firm(index, "KH-9001", [opp], today=TODAY, reference=own)
    assert mine["score"] == ranked.score

    [packaged_view] = match(index, opp, today=TODAY).ranked()  # Yemen is in no group there
    assert packaged_view.values["market"] == 0.0
