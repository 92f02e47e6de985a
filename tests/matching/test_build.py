"""The fast build paths give exactly what the simple per-record paths give."""

from __future__ import annotations

from datetime import date

import pytest

import matching.index as index_module
from matching import FirmIndex, match, rank
from matching import explain as ex
from matching import factors as fx
from matching.bench import generate_firms, opportunities
from matching.records import parse_firm
from matching.results import IneligibleFirm
from matching.text import fold, fold_many, fold_words, words_many
from matching.wording import Words

TODAY = date(2026, 12, 1)

TEXTS = [
    "",
    "Cà phê Đắk Lắk",
    "TỔ YẾN  tinh chế\t(50g)",
    "ΟΔΥΣΣΕΥΣ Σ ΣΑΣ",
    "İstanbul ﬁ ½ Ⅻ Straße ẞ",
    "a\u0301\u0323b e\u0338 \U0001d165\U0001d166x",
    "đồ gỗ-nội thất/ xuất khẩu",
    "  spaces   only  ",
    "한국어 テスト 中文",
]


def test_fold_many_equals_fold_one_by_one():
    assert fold_many(TEXTS) == [fold(t) for t in TEXTS]
    assert fold_many([]) == []
    with_nul = [*TEXTS, "a\x00b"]
    assert fold_many(with_nul) == [fold(t) for t in with_nul]


def test_words_many_equals_fold_words_split():
    flat, counts = words_many(TEXTS)
    expected = [fold_words(t).split() for t in TEXTS]
    assert flat == [w for ws in expected for w in ws]
    assert counts.tolist() == [len(ws) for ws in expected]
    assert words_many(["a\x00b"]) is None


def test_bulk_shelf_stability_equals_per_product():
    firms = [parse_firm(f) for f in generate_firms(300, seed=5)]
    products = [p for f in firms for p in f.products]
    texts = [f"{p.name} {p.description}" for p in products]
    bulk = fx.shelf_stable_many(texts, [p.hs_code for p in products])
    assert bulk == [fx.shelf_stable(p) for p in products]


def test_build_in_small_batches_gives_the_same_index(monkeypatch: pytest.MonkeyPatch):
    records = list(generate_firms(400, seed=11))
    records[3]["name"] = "Cơ sở \x00 Yến sào"  # a NUL: the per-text tokenising path
    whole = FirmIndex.build(records)
    monkeypatch.setattr(index_module, "BATCH", 7)
    batched = FirmIndex.build(records)
    assert [repr(whole.firm(i)) for i in range(len(records))] == [
        repr(batched.firm(i)) for i in range(len(records))
    ]
    for opp in opportunities():
        assert rank(whole, opp, today=TODAY, explain=True) == rank(
            batched, opp, today=TODAY, explain=True
        )


def test_grouped_ineligible_items_equal_per_firm_items():
    index = FirmIndex.build(generate_firms(600, seed=13))
    opps = opportunities()
    opps.append({**opps[0], "id": "CAP", "min_annual_capacity_tonnes": 40})
    for opp in opps:
        ranking = match(index, opp, today=TODAY)
        for item in ranking.ineligible():
            firm = index.firm(item.firm_id)
            a = fx.assess(firm, ranking.ctx, text_index=index.text)
            expected = ex.gaps_of(firm, a, ranking.ctx)
            assert item.gaps == expected, (opp["id"], item.firm_id)
            assert item.near_miss == (a.relevant and len(a.missing) == 1)
            assert item.score_if_eligible == pytest.approx(fx.final_score(a), abs=1.1e-4)


def test_document_ineligible_items_read_as_each_firm_alone():
    """to_dict() writes the full list from shared gaps with the words cached: each item must
    be what the per-firm oracle's gaps give written on their own, dates included."""
    index = FirmIndex.build(generate_firms(400, seed=17, unverified_share=0.3))
    opps = opportunities()
    opps.append({**opps[0], "id": "REQ3", "required_certifications": ["HALAL", "HACCP", "FDA"]})
    opps.append({**opps[1], "id": "CAP", "min_annual_capacity_tonnes": 40})
    seen: set[str] = set()
    for opp in opps:
        ranking = match(index, opp, today=TODAY)
        for got in ranking.to_dict()["ineligible"]:
            firm = index.firm(got["firm_id"])
            a = fx.assess(firm, ranking.ctx, text_index=index.text)
            assert got["score_if_eligible"] == pytest.approx(fx.final_score(a), abs=1.1e-4)
            alone = IneligibleFirm(firm.id, 0, got["score_if_eligible"],
                                   a.relevant and len(a.missing) == 1,
                                   ex.gaps_of(firm, a, ranking.ctx), firm.name)
            assert got == alone.to_dict(Words("en"), Words("vi")), (opp["id"], firm.id)
            seen.update(p.code for p in alone.gaps.parts)
    # the generated set does exercise every kind of gap with a date, and the others
    assert {"gap.expired", "gap.expires_before", "gap.unverified", "gap.unverified_undated",
            "gap.none", "gap.source", "gap.min_size", "gap.min_capacity"} <= seen
