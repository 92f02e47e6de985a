"""Record linkage rules: what may be one firm, how a pair scores, and blocking at scale."""

from __future__ import annotations

import random

import pytest

from crm.duplicates.linkage import (
    THRESHOLD,
    FirmRecord,
    Stats,
    compare,
    find_pairs,
    phone_key,
    tax_root,
)
from crm.validators import synthetic_tax_codes

CODES = synthetic_tax_codes(10_000, prefix="42")


def _code() -> str:
    return next(CODES)


def _typo(code: str) -> str:
    """The code with its last serial digit changed: the check digit no longer agrees."""
    bad = code[:8] + str((int(code[8]) + 1) % 10) + code[9]
    assert not tax_root(bad)[1]
    return bad


def _record(firm_id: int, name: str, tax_code: str, **kw) -> FirmRecord:
    values = {"province_code": 56, "commune_code": 22366, "address": None}
    values.update(kw)
    return FirmRecord(id=firm_id, name=name, tax_code=tax_code, **values)


def _pair(a: FirmRecord, b: FirmRecord, *others: FirmRecord):
    return compare(a, b, Stats.of([a, b, *others]))


def _level(pair, code: str) -> str:
    return next(c.level for c in pair.components if c.code == code)


def test_two_different_valid_tax_codes_are_never_the_same_firm():
    a = _record(1, "Công ty TNHH Yến Sào Khánh Hòa", _code(), phones=frozenset({"905123456"}))
    b = _record(2, "CONG TY TNHH YEN SAO KHANH HOA", _code(), phones=frozenset({"905123456"}))
    pair = _pair(a, b)
    assert pair.relation == "distinct"
    assert pair.probability == 0
    assert find_pairs([a, b]).duplicates == []


def test_a_13_digit_code_of_another_firms_10_digits_is_its_branch_not_a_duplicate():
    head_code = _code()
    head = _record(1, "Công ty CP Hải sản Biển Đông", head_code)
    branch = _record(2, "Chi nhánh Hải Phòng Công ty CP Hải sản Biển Đông", f"{head_code}-001")
    found = find_pairs([head, branch])
    assert found.duplicates == []
    assert [(p.first_id, p.second_id, p.reason) for p in found.branches] == [(1, 2, "branch_of")]


def test_same_firm_typed_twice_with_a_mistyped_tax_code_scores_above_the_threshold():
    code = _code()
    a = _record(1, "Công ty TNHH Yến Sào Khánh Hòa", code, phones=frozenset({"905123456"}),
                hs_codes=frozenset({"0410"}))
    b = _record(2, "CONG TY TNHH YEN SAO KHANH HOA", _typo(code),
                phones=frozenset({"905123456"}), hs_codes=frozenset({"0410"}))
    pair = _pair(a, b, *(_record(10 + i, f"Công ty TNHH Thử {i}", _code()) for i in range(50)))
    assert pair.relation == "duplicate"
    assert pair.probability >= THRESHOLD
    assert _level(pair, "name") == "exact"
    assert _level(pair, "tax_code") == "typo"
    assert _level(pair, "phone") == "same"
    assert _level(pair, "products") == "shared"


def test_every_component_is_shown_with_a_level_and_weight():
    a = _record(1, "Công ty TNHH Cà phê Ban Mê", _typo(_code()))
    b = _record(2, "Cà phê Ban Mê", _code())
    pair = _pair(a, b)
    assert [c.code for c in pair.components] == [
        "name", "tax_code", "phone", "email", "address", "products"]
    assert all(c.level for c in pair.components)
    assert pair.weight == pytest.approx(-8.0 + sum(c.weight for c in pair.components))


def test_legal_form_words_do_not_make_names_differ():
    a = _record(1, "Công ty TNHH MTV Rau quả Khang Vạn", _typo(_code()))
    b = _record(2, "Cty TNHH MTV Rau qua Khang Van", _code())
    assert _level(_pair(a, b), "name") == "exact"


def test_a_cooperative_and_a_company_of_the_same_words_are_not_one_name():
    a = _record(1, "Hợp tác xã Dệt may Tây Sơn", _typo(_code()))
    b = _record(2, "CTCP Dệt may Tây Sơn", _code())
    assert _level(_pair(a, b), "name") == "other_form"


def test_household_names_are_person_names_and_a_different_given_name_is_another_person():
    a = _record(1, "HKD Nguyễn Minh Khang", _typo(_code()), legal_form="household")
    b = _record(2, "Nguyễn Minh An", _code(), legal_form="household")
    pair = _pair(a, b)
    assert _level(pair, "name") == "person_different"
    assert pair.probability < 0.01


def test_household_names_differing_only_in_diacritics_are_different_people():
    a = _record(1, "Hộ kinh doanh Trần Văn Hùng", _typo(_code()), legal_form="household")
    b = _record(2, "Hộ kinh doanh Trần Văn Hưng", _code(), legal_form="household")
    assert _level(_pair(a, b), "name") == "person_different"


def test_a_household_name_typed_without_diacritics_is_the_same_person():
    a = _record(1, "Hộ kinh doanh Trần Văn Hùng", _typo(_code()), legal_form="household")
    b = _record(2, "HKD TRAN VAN HUNG", _code(), legal_form="household")
    assert _level(_pair(a, b), "name") == "person_same"


def test_numbered_namesakes_are_different_firms():
    a = _record(1, "Công ty TNHH Thủy sản Minh Phát 2", _typo(_code()))
    b = _record(2, "Công ty TNHH Thủy sản Minh Phát", _code())
    pair = _pair(a, b)
    assert _level(pair, "name") == "numbered"
    assert pair.probability < THRESHOLD


def test_another_province_counts_against():
    a = _record(1, "Công ty TNHH Nông sản Thuận Phát", _typo(_code()), province_code=66)
    b = _record(2, "Công ty TNHH Nông sản Thuận Phát", _code(), province_code=52)
    assert _level(_pair(a, b), "address") == "other_province"


def test_phone_numbers_are_compared_by_their_digits():
    assert phone_key("+84 905 123 456") == phone_key("0905.123.456") == "905123456"
    assert phone_key("12") is None


def test_decided_pairs_are_not_proposed():
    code = _code()
    a = _record(1, "Công ty TNHH Yến Sào Khánh Hòa", code)
    b = _record(2, "Yen Sao Khanh Hoa", _typo(code))
    assert [(p.first_id, p.second_id) for p in find_pairs([a, b]).duplicates] == [(1, 2)]
    assert find_pairs([a, b], skip={(1, 2)}).duplicates == []


def test_blocking_compares_few_pairs_among_many_firms():
    rng = random.Random(7)
    words = ["Thủy sản", "Cà phê", "Yến sào", "Hồ tiêu", "Điều", "Nông sản", "Gỗ", "Dệt may"]
    brands = ["Minh", "Phát", "Hưng", "Thịnh", "An", "Phú", "Long", "Việt", "Nam", "Hòa",
              "Tân", "Đức", "Thành", "Khang", "Bảo", "Lộc", "Gia", "Sơn", "Hải", "Quang"]
    codes = synthetic_tax_codes(20_000, prefix="79")
    records = []
    for i in range(20_000):
        code = next(codes)
        if i % 20 == 0:
            code = _typo(code)  # 1,000 firms whose tax code does not decide
        name = f"Công ty TNHH {rng.choice(words)} {' '.join(rng.sample(brands, 3))}"
        records.append(_record(i + 1, name, code, province_code=rng.choice((56, 52, 31, 79)),
                               commune_code=None))
    found = find_pairs(records, THRESHOLD)
    # All pairs with an open side would be ~20 million; blocking keeps it to a few per firm.
    assert found.comparisons < 60_000
