"""Firm search: accents, case, đ→d, typos, product names and tax codes."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from crm.models import Firm
from crm.search import Vocabulary, edit_distance, max_edits, query_tokens, search_text_for
from crm.search.document import NAME, PRODUCT, TAX, fields_of
from tests.firms.pages import listed, make


@pytest.fixture(autouse=True)
def _only_our_firms_active(db):
    """Firms other tests left behind are archived here (rolled back after), so each test
    sees exactly the firms it made."""
    db.session.execute(update(Firm).values(archived=True))


@pytest.fixture
def coffee(db):
    return make("Công ty TNHH Cà phê Đắk Lắk", ("Cà phê nhân Robusta",))


@pytest.fixture
def birds_nest(db):
    return make("Công ty Yến sào Khánh Hòa", ("Tổ yến tinh chế",))


def test_search_finds_ca_phe_without_diacritics(officer, client, coffee, birds_nest):
    assert listed(client, q="ca phe dak lak") == [coffee.name]


def test_search_ignores_case(officer, client, coffee, birds_nest):
    assert listed(client, q="DAK LAK") == [coffee.name]


def test_search_folds_d_stroke_both_ways(officer, client, coffee):
    assert listed(client, q="Đắk") == [coffee.name]
    assert listed(client, q="dak") == [coffee.name]


def test_search_finds_firm_by_product_name(officer, client, coffee, birds_nest):
    assert listed(client, q="to yen tinh che") == [birds_nest.name]


def test_search_words_match_from_their_start(officer, client, birds_nest):
    nguyen = make("Công ty Nguyễn Gia")
    names = listed(client, q="yen")
    assert birds_nest.name in names
    assert nguyen.name not in names  # "yen" is not a word of "nguyen"


def test_search_tolerates_typo_in_firm_name(officer, client, coffee, birds_nest):
    assert listed(client, q="yếm sào") == [birds_nest.name]
    html = client.get("/firms/", query_string={"q": "yếm sào"}).get_data(as_text=True)
    assert "yen sao" in html  # the user is told what was searched instead


def test_search_tolerates_typo_dak_lac(officer, client, coffee, birds_nest):
    assert listed(client, q="ca phe dak lac") == [coffee.name]


def test_search_tolerates_typo_in_product_name(officer, client, coffee):
    cashew = make("Công ty TNHH Phú Quý", ("Hạt điều nhân",))
    assert listed(client, q="hat dieo") == [cashew.name]


def test_search_prefers_exact_matches_to_corrections(officer, client, birds_nest):
    yem = make("Cơ sở may Yếm Đào")
    assert listed(client, q="yem") == [yem.name]


def test_search_finds_firm_by_tax_code(officer, client, coffee, birds_nest):
    assert listed(client, q=coffee.tax_code) == [coffee.name]
    assert listed(client, q=f" {coffee.tax_code[:9]} ") == [coffee.name]


def test_search_finds_branch_by_tax_code_with_suffix(officer, client, coffee):
    branch = make("Chi nhánh Cà phê Đắk Lắk tại Hà Nội",
                  tax_code=f"{coffee.tax_code}-001")
    assert listed(client, q=f"{coffee.tax_code}-001") == [branch.name]


def test_search_with_no_match_says_so(officer, client, coffee):
    resp = client.get("/firms/", query_string={"q": "xyzzyq"})
    assert resp.status_code == 200
    assert coffee.name not in resp.get_data(as_text=True)


def test_query_tokens_fold_and_drop_repeats():
    assert query_tokens("  Cà phê ĐẮK LẮK, cà phê! ") == ["ca", "phe", "dak", "lak"]


def test_search_text_for_folds_names_products_and_tax_code(db):
    firm = make("Công ty Đông Á (Việt Nam)", ("Tôm thẻ đông lạnh",), name_en="Dong A Co.")
    fields = fields_of(search_text_for(firm))
    assert fields[NAME] == "cong ty dong a viet nam dong a co"
    assert fields[PRODUCT] == "tom the dong lanh"
    assert fields[TAX] == firm.tax_code.replace("-", "")


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("yem", "yen", 1), ("lac", "lak", 1), ("dieu", "dieo", 1), ("phe", "hpe", 1),
    ("thuysan", "thuy", 3), ("khanh", "khanh", 0),
])
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b, limit=2) == min(distance, 3)


def test_short_words_are_never_corrected():
    assert max_edits("ca") == 0
    assert max_edits("yem") == 1
    assert max_edits("robusta") == 2


def test_vocabulary_corrects_to_nearest_common_word():
    vocab = Vocabulary()
    for text in ("yen sao khanh hoa", "yen sao nha trang", "kem que", "tom dong lanh"):
        vocab.add_text(text)
    assert vocab.corrections("yem")[0] == "yen"
    assert vocab.corrections("robustaa") == []
    assert vocab.corrections("khanhh") == ["khanh"]
