"""The suggestion model on its own: titles, phrase groups and a small registry, no database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from crm.hscodes.model import (
    CodedProduct,
    HsLine,
    Phrasebook,
    Suggester,
    TitleIndex,
    english_words,
    read_glossary,
)
from crm.search.understand import synonym_groups

HS_CSV = Path(__file__).resolve().parents[2] / "matching" / "data" / "hs_codes.csv"
REGISTRY = [
    CodedProduct("Cà phê nhân Robusta", "Robusta green coffee beans", "090111"),
    CodedProduct("Cà phê nhân Robusta loại 1", None, "090111"),
    CodedProduct("Cà phê Arabica", "Arabica green coffee", "090111"),
    CodedProduct("Mật ong hoa cà phê", "Coffee blossom honey", "040900"),
    CodedProduct("Tổ yến tinh chế", "Cleaned edible bird's nest", "041090"),
    CodedProduct("Áo khoác", "Jackets", "62"),
]


@pytest.fixture(scope="module")
def lines() -> list[HsLine]:
    with HS_CSV.open(encoding="utf-8") as fh:
        return [HsLine(r["code"], r["parent"] or None, r["description_en"],
                       r["description_vi"] or None) for r in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def book(lines) -> Phrasebook:
    return Phrasebook.build(synonym_groups(), read_glossary(), english_words(lines))


@pytest.fixture(scope="module")
def titles(lines) -> TitleIndex:
    return TitleIndex.build(lines)


@pytest.fixture(scope="module")
def model(titles, book) -> Suggester:
    return Suggester(titles, REGISTRY, book)


def headings(model: Suggester, text: str) -> list[str]:
    return [s.heading for s in model.suggest(text)]


def test_a_coded_product_of_the_registry_decides_for_a_similar_name(model):
    best = model.suggest("Cà phê nhân Arabica Cầu Đất")[0]
    assert best.heading == "0901"
    assert best.similar == 3  # the three coded coffees
    assert "Cà phê nhân Robusta" in best.examples


def test_the_registry_agreeing_on_a_subheading_gives_six_digits(model):
    assert model.suggest("Cà phê nhân Robusta sàng 18")[0].code == "090111"


def test_a_title_match_alone_gives_the_heading_only(model):
    best = model.suggest("Hạt tiêu đen")[0]
    assert best.code == "0904"
    assert best.similar == 0
    assert best.title


@pytest.mark.parametrize("text", ["Cà phê nhân Arabica", "ca phe nhan arabica",
                                  "CA PHE NHAN ARABICA", "Arabica green coffee beans"])
def test_vietnamese_with_or_without_diacritics_and_english_agree(model, text):
    assert headings(model, text)[0] == "0901"


def test_the_head_noun_decides_not_a_modifier(model):
    # "Mật ong hoa cà phê" is a honey: a coffee must not be suggested its heading.
    assert headings(model, "Cà phê hạt rang")[0] == "0901"
    assert headings(model, "Mật ong hoa cà phê rừng")[0] == "0409"


def test_diacritics_tell_mushrooms_from_mens_wear(book):
    assert "mushrooms" in book.expand("Nấm rơm tươi")
    shirt = book.expand("Áo sơ mi nam")
    assert "men s" in shirt or "men's" in shirt
    assert "mushrooms" not in shirt


def test_place_names_are_left_out(book):
    assert "khanh" not in book.expand("Yến sào Khánh Hòa")
    assert book.expand("Yến sào Khánh Hòa").startswith("yen sao")


def test_english_names_are_read_head_last(book):
    assert book.read("Frozen pangasius fillets").head.startswith("fillets")
    assert book.read("Cá tra phi lê đông lạnh").head.startswith("ca tra")


def test_suggestions_are_distinct_headings_best_first(model):
    found = model.suggest("Tôm sú đông lạnh", top=3)
    assert len(found) == 3
    assert len({s.heading for s in found}) == 3
    assert [s.score for s in found] == sorted((s.score for s in found), reverse=True)
    assert "0306" in [s.heading for s in found]


@pytest.mark.parametrize("text", ["", "   ", "!!! ---"])
def test_text_without_words_gets_no_suggestion(model, text):
    assert model.suggest(text) == []


def test_products_with_unknown_codes_are_not_learned(titles, book):
    model = Suggester(titles, [CodedProduct("Cà phê", None, "999999"),
                               CodedProduct("Cà phê", None, "")], book)
    assert model.size == 0


def test_a_model_without_registry_still_suggests_from_titles(titles, book):
    assert headings(Suggester(titles, [], book), "Mật ong rừng")[0] == "0409"
