"""The firm list: rows, filters, sorting, pagination, roles and bad input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from crm.extensions import db as _db
from crm.models import Firm
from tests import factories
from tests.firms.pages import listed, make


@pytest.fixture(autouse=True)
def _only_our_firms_active(db):
    """Firms other tests left behind are archived here (rolled back after), so each test
    sees exactly the firms it made."""
    db.session.execute(update(Firm).values(archived=True))


@pytest.fixture
def firms(db):
    """Three firms in three provinces, sizes and sectors."""
    return {
        "nest": make("Công ty Yến sào Khánh Hòa", (("Tổ yến tinh chế", "041090"),),
                     province_code=56, size_class="medium"),
        "coffee": make("Công ty Cà phê Đắk Lắk", (("Cà phê nhân", "090111"),),
                       province_code=66, size_class="micro"),
        "shrimp": make("Công ty Thủy sản Cà Mau", (("Tôm thẻ đông lạnh", "030617"),),
                       province_code=96, size_class="large"),
    }


def test_row_shows_name_link_tax_code_province_size_products_and_certificates(
        officer, client, firms):
    factories.make_certification(firms["nest"], scheme_code="HACCP",
                                 issued_on=date.today() - timedelta(days=30),
                                 expires_on=date.today() + timedelta(days=700))
    html = client.get("/firms/").get_data(as_text=True)
    assert f'href="/firms/{firms["nest"].id}"' in html
    assert firms["nest"].tax_code in html
    assert "Khánh Hòa" in html
    assert "Vừa" in html  # medium
    assert "Tổ yến tinh chế" in html
    assert "0410.90" in html
    assert ">HACCP</span>" in html


def test_result_count_is_shown(officer, client, firms):
    html = client.get("/firms/").get_data(as_text=True)
    assert re.search(r'id="result-count">\s*3 doanh nghiệp', html)


def test_filter_by_province(officer, client, firms):
    assert listed(client, province=66) == [firms["coffee"].name]


def test_plain_list_shows_no_filter_errors(officer, client, firms):
    html = client.get("/firms/").get_data(as_text=True)
    assert "Giá trị không hợp lệ" not in html
    assert "is-invalid" not in html


def test_unknown_province_is_reported_and_ignored(officer, client, firms):
    resp = client.get("/firms/?province=999")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Giá trị không hợp lệ" in html
    assert len(listed(client, province=999)) == 3


def test_filter_by_product_group_chapter_and_heading(officer, client, firms):
    assert listed(client, hs="03") == [firms["shrimp"].name]
    assert listed(client, hs="0901") == [firms["coffee"].name]
    assert listed(client, hs="04.10") == [firms["nest"].name]


def test_bad_product_group_is_reported(officer, client, firms):
    resp = client.get("/firms/?hs=abc")
    assert resp.status_code == 200
    assert "Mã HS gồm 2 đến 6 chữ số" in resp.get_data(as_text=True)


def test_filter_by_certificate_valid_today(officer, client, firms):
    today = date.today()
    factories.make_certification(firms["nest"], scheme_code="HALAL",
                                 issued_on=today - timedelta(days=10), expires_on=None)
    factories.make_certification(firms["coffee"], scheme_code="HALAL",
                                 issued_on=today - timedelta(days=800),
                                 expires_on=today - timedelta(days=1))  # expired
    factories.make_certification(firms["shrimp"], scheme_code="HALAL",
                                 issued_on=today + timedelta(days=5),
                                 expires_on=today + timedelta(days=900))  # not yet
    assert listed(client, cert="HALAL") == [firms["nest"].name]


def test_filter_by_target_market_country(officer, client, firms):
    factories.make_market(firms["coffee"], "JP")
    factories.make_market(firms["shrimp"], "JP", kind="current")
    assert listed(client, market="JP") == [firms["coffee"].name]


def test_filter_by_market_group(officer, client, firms):
    factories.make_market(firms["coffee"], "DE")
    factories.make_market(firms["nest"], "CN")
    assert listed(client, market="EU27") == [firms["coffee"].name]
    assert listed(client, market="RCEP") == [firms["nest"].name]


def test_product_group_certificate_and_market_filters_combine(officer, client, firms):
    today = date.today()
    for firm in (firms["coffee"], firms["shrimp"]):
        factories.make_market(firm, "JP")
        factories.make_certification(firm, scheme_code="HACCP",
                                     issued_on=today - timedelta(days=10), expires_on=None)
    factories.make_market(firms["nest"], "JP")
    assert listed(client, market="JP", hs="03") == [firms["shrimp"].name]
    assert listed(client, market="ASEAN", hs="03") == []
    assert listed(client, market="JP", cert="HACCP", sort="size") == [
        firms["shrimp"].name, firms["coffee"].name]


def test_filter_by_size_class(officer, client, firms):
    assert listed(client, size="large") == [firms["shrimp"].name]


def test_filters_combine_with_search(officer, client, firms):
    assert listed(client, q="cong ty", province=96, hs="03") == [firms["shrimp"].name]


def test_archived_firms_hidden_unless_asked(officer, client, firms):
    firms["coffee"].archived = True
    _db.session.flush()
    assert firms["coffee"].name not in listed(client)
    assert firms["coffee"].name not in listed(client, q="ca phe")
    shown = listed(client, archived="y", province=66)
    assert shown == [firms["coffee"].name]
    shown = listed(client, archived="y", q="cong ty")
    # Listed after the active firms.
    assert shown.index(firms["coffee"].name) > shown.index(firms["nest"].name)


def test_sort_by_name(officer, client, firms):
    assert listed(client, sort="name") == [
        firms["coffee"].name, firms["shrimp"].name, firms["nest"].name]


def test_sort_by_province_name(officer, client, firms):
    # Cà Mau, Đắk Lắk, Khánh Hòa: by name, đ sorted as d.
    assert listed(client, sort="province") == [
        firms["shrimp"].name, firms["coffee"].name, firms["nest"].name]


def test_sort_by_size_largest_first(officer, client, firms):
    assert listed(client, sort="size") == [
        firms["shrimp"].name, firms["nest"].name, firms["coffee"].name]


def test_sort_by_most_recently_updated(officer, client, firms):
    now = datetime.now(UTC)
    for age, key in enumerate(("nest", "shrimp", "coffee")):
        firms[key].updated_at = now - timedelta(days=age)
    _db.session.flush()
    assert listed(client, sort="updated") == [
        firms["nest"].name, firms["shrimp"].name, firms["coffee"].name]


def test_sort_by_relevance_puts_name_matches_first(officer, client, firms):
    seller = make("Công ty Thương mại Phú Quý", (("Yến sào chưng sẵn", "220299"),))
    assert listed(client, q="yen sao") == [firms["nest"].name, seller.name]


def test_sorts_apply_to_search_results_too(officer, client, firms):
    assert listed(client, q="cong ty", sort="size") == [
        firms["shrimp"].name, firms["nest"].name, firms["coffee"].name]
    assert listed(client, q="cong ty", sort="province")[0] == firms["shrimp"].name


@pytest.fixture
def many(db):
    """30 coffee firms in Đắk Lắk and 5 in Gia Lai: two pages of 25."""
    made = [make(f"Cà phê Buôn Ma Thuột {i:02d}", province_code=66) for i in range(30)]
    made += [make(f"Cà phê Pleiku {i:02d}", province_code=52) for i in range(5)]
    return made


def test_pagination_shows_second_page(officer, client, many):
    first = listed(client, province=66)
    second = listed(client, province=66, page=2)
    assert len(first) == 25
    assert len(second) == 5
    assert not set(first) & set(second)


def test_page_links_keep_filters(officer, client, many):
    html = client.get("/firms/?q=ca+phe&province=66&sort=name").get_data(as_text=True)
    links = re.findall(r'href="\s*(/firms/\?[^"]*page=2[^"]*)"', html)
    assert links
    link = links[0].replace("&amp;", "&")
    assert "province=66" in link
    assert "q=ca+phe" in link
    assert "sort=name" in link


def test_garbage_page_number_shows_first_page(officer, client, many):
    assert listed(client, province=66, page="abc") == listed(client, province=66)
    assert listed(client, province=66, page="-3") == listed(client, province=66)


def test_page_past_the_end_shows_last_page(officer, client, many):
    assert listed(client, province=66, page=99) == listed(client, province=66, page=2)
    assert listed(client, q="ca phe", page=10**12) == listed(client, q="ca phe", page=2)


def test_html_in_names_is_escaped(officer, client, db):
    make("<script>alert(1)</script> & Co")
    html = client.get("/firms/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html


def test_unknown_sort_and_market_are_ignored(officer, client, firms):
    resp = client.get("/firms/?sort=drop+table&market=XX&size=huge&cert=NOPE")
    assert resp.status_code == 200
    assert len(listed(client, sort="drop table", market="XX", size="huge", cert="NOPE")) == 3


def test_overlong_query_is_cut_not_refused(officer, client, firms):
    assert listed(client, q="ca phe " * 200) == [firms["coffee"].name]


@pytest.mark.parametrize("role", ["viewer", "manager", "admin", "officer"])
def test_staff_and_viewers_may_list_firms(login_as, client, firms, role):
    login_as(role)
    assert firms["nest"].name in listed(client)


def test_enterprise_user_gets_403(login_as, client, firms):
    login_as("enterprise")
    assert client.get("/firms/").status_code == 403


def test_anonymous_user_is_sent_to_login(client, firms):
    resp = client.get("/firms/")
    assert resp.status_code == 302
    assert "/login" in resp.headers["Location"]
