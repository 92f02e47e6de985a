"""Targeting: tiers and reasons, markets and groups, registrations, the labelled set."""

from __future__ import annotations

from datetime import date

from crm.notices import quality
from crm.notices.adapters import Draft
from crm.notices.targeting import match_notice, words_to_hs
from tests import factories


def _draft(**kw) -> Draft:
    values = {"source": "manual", "external_id": "T-1", "measure": "sps", "title": "t",
              "where": "test"}
    values.update(kw)
    return Draft(**values)


def test_labelled_set_is_matched_with_full_precision_and_recall(db):
    ids = quality.build_labelled_firms()
    result = quality.evaluate(ids)
    assert [r for r in result.per_notice if r[1] or r[2]] == []
    assert result.precision == 1.0
    assert result.recall == 1.0


def test_four_digit_code_is_direct_and_names_product_and_market(db):
    firm = factories.make_firm()
    factories.make_product(firm, name="Tôm thẻ", hs_code="030617")
    factories.make_market(firm, "DE", "current")
    [m] = match_notice(_draft(markets=["EU27"], hs_codes=["0306"]))
    assert (m.firm_id, m.tier) == (firm.id, "direct")
    codes = {r["code"]: r["params"] for r in m.reasons}
    assert codes["hs"]["firm"] == "030617"
    assert codes["hs"]["notice"] == "0306"
    assert codes["market"] == {"country": "DE", "kind": "current", "group": "EU27"}


def test_right_product_in_another_market_is_not_matched(db):
    firm = factories.make_firm()
    factories.make_product(firm, hs_code="030617")
    factories.make_market(firm, "JP", "current")
    assert match_notice(_draft(markets=["US"], hs_codes=["0306"])) == []


def test_chapter_only_code_is_broad(db):
    firm = factories.make_firm()
    factories.make_product(firm, name="Cá ngừ hộp", hs_code="160414")
    factories.make_market(firm, "US", "current")
    [m] = match_notice(_draft(markets=["US"], hs_codes=["16"]))
    assert m.tier == "broad"


def test_fda_fei_on_a_certificate_is_exact_without_any_market(db):
    firm = factories.make_firm()
    factories.make_certification(firm, scheme_code="FDA", number="301-234-5678")
    [m] = match_notice(_draft(markets=["US"], identifiers=["3012345678"]))
    assert m.tier == "exact"
    assert m.reasons[0]["params"]["scheme"] == "FDA"


def test_valid_gacc_registration_stands_for_the_chinese_market(db):
    firm = factories.make_firm()
    factories.make_product(firm, name="Tổ yến", hs_code="041090")
    factories.make_certification(firm, scheme_code="GACC", number="CVNM1",
                                 issued_on=date(2024, 1, 1), expires_on=date(2029, 1, 1))
    [m] = match_notice(_draft(markets=["CN"], hs_codes=["0410"]), today=date(2026, 6, 1))
    assert {"code": "registration", "params": {"scheme": "GACC"}} in m.reasons
    expired = match_notice(_draft(markets=["CN"], hs_codes=["0410"]), today=date(2030, 1, 1))
    assert expired == []


def test_product_words_match_when_the_notice_has_no_hs_code(db):
    firm = factories.make_firm()
    factories.make_product(firm, name="Hồ tiêu đen", hs_code="090411")
    factories.make_market(firm, "NL", "target")
    [m] = match_notice(_draft(markets=["EU27"], product_text="Ethylene oxide in black pepper"))
    assert m.tier == "text"
    assert m.reasons[0]["params"]["word"] == "black pepper"


def test_longer_product_words_win_over_the_words_inside_them():
    assert {p for _, p in words_to_hs("Cá tra phi lê")} == {"0304"}  # not "trà" (tea)


def test_archived_firms_are_never_matched(db):
    firm = factories.make_firm(archived=True)
    factories.make_product(firm, hs_code="030617")
    factories.make_market(firm, "US", "current")
    factories.make_certification(firm, scheme_code="FDA", number="3012345678")
    assert match_notice(_draft(markets=["US"], hs_codes=["0306"],
                               identifiers=["3012345678"])) == []
