"""The firm search reads queries as officers type them: product + place, HS codes, legal
forms, English words, joined words, typos, descriptions, tax codes with a branch suffix,
bad input; and finds a saved edit at once. Runs on SQLite and, in CI, on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from crm.firms import services
from crm.models import Firm
from crm.search import search_text_for
from tests import factories
from tests.firms.pages import listed, make


@pytest.fixture(autouse=True)
def _only_our_firms_active(db):
    db.session.execute(update(Firm).values(archived=True))


@pytest.fixture
def registry(db):
    """A small registry: coffee in Đắk Lắk and elsewhere, shrimp, bird's nest, a honey
    producer whose product mentions coffee blossoms, a shrimp feed maker."""
    return {
        "coffee_dl": make("Công ty TNHH Cà phê Buôn Đôn", (("Cà phê nhân Robusta", "090111"),),
                          province_code=66, legal_form="llc"),
        "coffee_dl2": make("Hợp tác xã Nông sản Ea Kar", (("Cà phê rang xay", "090121"),),
                           province_code=66, legal_form="cooperative"),
        "coffee_gl": make("Công ty CP Cà phê Pleiku Xanh", (("Cà phê nhân", "090111"),),
                          province_code=52, legal_form="jsc"),
        "honey": make("Công ty TNHH Ong Mật Tây Nguyên", (("Mật ong hoa cà phê", "040900"),),
                      province_code=66),
        "shrimp": make("Công ty TNHH Thủy sản Minh Phú Cà Mau", (("Chế biến thủy sản", None),),
                       province_code=96,
                       description="Chuyên tôm thẻ chân trắng đông lạnh xuất khẩu."),
        "shrimp_hs": make("Công ty CP Hải sản Nha Trang", (("Tôm sú đông lạnh", "030617"),),
                          province_code=56, legal_form="jsc"),
        "feed": make("Công ty TNHH Thức ăn Chăn nuôi Việt", (("Thức ăn cho tôm", "230990"),),
                     province_code=75),
        "nest": make("Công ty TNHH Yến sào Hòn Nội", (("Tổ yến tinh chế", "041090"),),
                     province_code=56),
        "fashion": make("Hộ kinh doanh Áo yếm Thêu tay", (("Áo yếm lụa", "620442"),),
                        province_code=79),
    }


def test_product_and_place_finds_firms_of_that_province_first(officer, client, registry):
    names = listed(client, q="cà phê Đắk Lắk")
    assert set(names[:2]) == {registry["coffee_dl"].name, registry["coffee_dl2"].name}
    assert registry["coffee_gl"].name in names  # coffee elsewhere, after


def test_city_and_former_province_names_mean_todays_province(officer, client, registry):
    assert set(listed(client, q="ca phe Buon Ma Thuot")[:2]) == {
        registry["coffee_dl"].name, registry["coffee_dl2"].name}
    # Nha Trang is in Khánh Hòa; Phú Yên is part of Đắk Lắk since 2025.
    assert listed(client, q="tôm Nha Trang")[0] == registry["shrimp_hs"].name
    assert listed(client, q="cà phê Phú Yên")[0] in {registry["coffee_dl"].name,
                                                     registry["coffee_dl2"].name}


def test_place_alone_lists_the_province(officer, client, registry):
    assert set(listed(client, q="Cà Mau")) == {registry["shrimp"].name}


def test_hs_code_in_the_box_searches_products_not_tax_codes(officer, client, registry):
    for q in ("0901", "090111", "HS 0901", "0901.11"):
        names = listed(client, q=q)
        assert registry["coffee_dl"].name in names, q
        assert registry["honey"].name not in names, q
    assert listed(client, q="0306.17") == [registry["shrimp_hs"].name]
    html = client.get("/firms/", query_string={"q": "0306"}).get_data(as_text=True)
    assert "HS 0306" in html  # the page says how it read the query


def test_description_is_searched(officer, client, registry):
    assert listed(client, q="tôm thẻ chân trắng")[0] == registry["shrimp"].name


def test_english_product_words_find_vietnamese_products(officer, client, registry):
    names = listed(client, q="shrimp")
    assert names[0] == registry["shrimp_hs"].name  # its HS title says shrimps too
    assert registry["shrimp"].name in names  # "tôm" only in its description
    assert listed(client, q="bird's nest")[0] == registry["nest"].name
    assert registry["coffee_gl"].name in listed(client, q="coffee")


def test_legal_form_words_are_never_required(officer, client, registry):
    assert listed(client, q="cty tnhh thuy san")[0] == registry["shrimp"].name
    names = listed(client, q="ctcp ca phe")
    assert names[0] == registry["coffee_gl"].name  # the joint-stock one first
    assert registry["coffee_dl"].name in names
    assert registry["shrimp"].name in listed(client, q="dn thủy sản")


def test_joined_and_split_place_words(officer, client, registry):
    assert set(listed(client, q="daklak")) >= {registry["coffee_dl"].name,
                                               registry["coffee_dl2"].name}


def test_typo_making_another_word_still_finds_what_was_meant(officer, client, registry):
    names = listed(client, q="yếm sào")
    assert names[0] == registry["nest"].name
    assert registry["fashion"].name not in names[:1]


def test_typos_are_forgiven_and_said(officer, client, registry):
    assert listed(client, q="ca phee dak lak")[0] in {registry["coffee_dl"].name,
                                                      registry["coffee_dl2"].name}
    html = client.get("/firms/", query_string={"q": "thuy sna"}).get_data(as_text=True)
    assert 'id="corrected"' in html


def test_name_match_outranks_a_product_mention(officer, client, registry):
    names = listed(client, q="cà phê")
    assert names.index(registry["honey"].name) > names.index(registry["coffee_gl"].name)
    names = listed(client, q="tôm")
    assert names.index(registry["feed"].name) > names.index(registry["shrimp_hs"].name)


def test_branch_tax_code_with_suffix(officer, client, registry):
    base = registry["nest"].tax_code
    branch = make("Chi nhánh Yến sào Hòn Nội", tax_code=f"{base}-001")
    assert listed(client, q=f"{base}-001") == [branch.name]
    assert set(listed(client, q=base)) == {registry["nest"].name, branch.name}


@pytest.mark.parametrize("q", [
    "", "   ", "x" * 1000, "😀🎉", '"', "*", ":", "(", "NEAR", "-", "'", "cà phê AND (",
    "' OR 1=1 --", "咖啡 cà phê", "%_%", "0306.17.99.99", "HS", "0", "-001",
])
def test_bad_input_never_fails(officer, client, registry, q):
    resp = client.get("/firms/", query_string={"q": q})
    assert resp.status_code == 200


def test_saved_edit_is_found_by_the_next_search(officer, client, registry):
    firm = registry["feed"]
    assert listed(client, q="sầu riêng") == []
    services.add_product(firm, {"name": "Sầu riêng Ri6 cấp đông", "hs_code": "081060"})
    factories.db.session.commit()
    assert listed(client, q="sầu riêng") == [firm.name]
    services.update_firm(firm, {"name": "Công ty TNHH Trái cây Đông Nam"},
                         expected_version=firm.version)
    factories.db.session.commit()
    assert listed(client, q="trái cây đông nam") == [firm.name]
    # The old name is now a former name: still found, and the row says so (not "tên").
    assert listed(client, q="chăn nuôi") == [firm.name]
    html = client.get("/firms/", query_string={"q": "chăn nuôi"}).get_data(as_text=True)
    assert "tên cũ “chăn nuôi”" in html
    services.update_firm(firm, {"former_names": ""}, expected_version=firm.version)
    factories.db.session.commit()
    assert listed(client, q="chăn nuôi") == []


def test_rows_say_why_they_matched(officer, client, registry):
    html = client.get("/firms/", query_string={"q": "tôm sú"}).get_data(as_text=True)
    assert "match-why" in html
    assert "<mark>Tôm</mark> <mark>sú</mark> đông lạnh" in html
    html = client.get("/firms/", query_string={"q": "chân trắng"}).get_data(as_text=True)
    assert "<mark>chân</mark> <mark>trắng</mark>" in html  # the description's words


def test_facets_count_the_matches_by_province_chapter_certificate_and_market(
        officer, client, registry):
    factories.make_certification(registry["coffee_gl"], scheme_code="HACCP")
    registry["coffee_gl"].search_text = search_text_for(registry["coffee_gl"])
    factories.db.session.flush()
    html = client.get("/firms/", query_string={"q": "cà phê"}).get_data(as_text=True)
    facets = html[html.index('id="facets"'):html.index("</table>") if "</table>" in html
                  else None]
    assert re.search(r"Đắk Lắk <span class=\"text-muted\">\(3\)", facets)  # 2 growers + honey
    assert re.search(r"Gia Lai <span class=\"text-muted\">\(1\)", facets)
    assert re.search(r"HACCP <span class=\"text-muted\">\(1\)", facets)


def test_a_product_named_by_the_phrase_outranks_one_that_only_mentions_it(officer, client,
                                                                        db):
    feed = make("Công ty TNHH Thức ăn Chăn nuôi Hưng Vượng",
                (("Thức ăn cho tôm thẻ chân trắng", "230990"),))
    shrimp = make("Công ty CP Hải sản Biển Đông", (("Tôm thẻ chân trắng đông lạnh", "030617"),))
    assert listed(client, q="tôm thẻ chân trắng") == [shrimp.name, feed.name]


def test_phrase_words_of_two_products_are_not_a_phrase(officer, client, db):
    make("Công ty TNHH Minh Đức", (("Cá hải", None), ("Sản phẩm sấy", None)))
    assert listed(client, q="hải sản") == []  # "hải" ends one product, "sản" starts another
