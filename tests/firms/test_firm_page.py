"""The firm page: everything about a firm on one screen, escaped, with certificate flags."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import flask_babel

from crm.display import forget_reference_cache
from crm.models import EcommerceStore, HsCode, Trademark
from tests import factories


def full_firm(db):
    """A firm with every section filled."""
    # The page counts days in Vietnam's calendar.
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    firm = factories.make_firm(
        name="Công ty TNHH Yến Sào Khánh Hòa Xanh", name_en="Green Khanh Hoa Bird's Nest",
        province_code=56, commune_code=22423, address="12 Trần Phú, Cam Ranh",
        website="https://yenxanh.vn", founded_year=2008, employees=80,
        revenue_bn_vnd=Decimal("45.5"), capital_bn_vnd=Decimal("20"), size_class="small",
        sectors=["birds_nest"], export_experience_years=6, export_revenue_usd=Decimal("350000"),
        languages=["vi", "zh"], is_pioneer=True, description="Tổ yến đảo thiên nhiên.",
        verification_status="verified",
    )
    factories.make_contact(firm, name="Phạm Thu Hà", position="Giám đốc", is_primary=True,
                           email="ha@yenxanh.vn")
    product = factories.make_product(firm, name="Tổ yến tinh chế", name_en="Cleaned bird's nest",
                                     hs_code="041090", annual_capacity=Decimal("2.5"),
                                     capacity_unit="tonnes", ocop_stars=4)
    factories.make_certification(firm, scheme_code="HACCP", number="HC-EXPIRED",
                                 issued_on=today - timedelta(days=800),
                                 expires_on=today - timedelta(days=10))
    factories.make_certification(firm, scheme_code="ISO22000", number="ISO-SOON",
                                 issued_on=today - timedelta(days=700),
                                 expires_on=today + timedelta(days=30), product=product)
    factories.make_certification(firm, scheme_code="HALAL", number="HL-OK",
                                 issued_on=today - timedelta(days=10),
                                 expires_on=today + timedelta(days=900))
    factories.make_market(firm, "CN", kind="current")
    factories.make_market(firm, "AE", kind="target", priority=1)
    db.session.add(EcommerceStore(firm=firm, platform="tiktok_shop", market="SG",
                                  url="https://shop.tiktok.com/yenxanh", status="active"))
    db.session.add(Trademark(firm=firm, country_code="CN", mark="Yến Xanh",
                             registration_number="CN-998877", registered_on="2023-05-02"))
    db.session.commit()
    return firm


def cert_row(page: str, number: str) -> str:
    match = re.search(rf'<tr class="cert-(\w+)">(?:(?!</tr>).)*{number}', page, re.S)
    assert match, number
    return match.group(0)


def test_firm_page_shows_every_section(client, db, officer):
    firm = full_firm(db)
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    for text in [
        firm.tax_code, "Green Khanh Hoa Bird&#39;s Nest", "Khánh Hòa", "Phường Ba Ngòi",
        "12 Trần Phú, Cam Ranh", "https://yenxanh.vn", "2008", "Nhỏ",  # size class label
        "Yến sào", "Tiên phong", "Đã xác minh", "Tổ yến đảo thiên nhiên.",
        "Phạm Thu Hà", "Giám đốc", "ha@yenxanh.vn",
        "Tổ yến tinh chế", "041090", "★★★★", "tấn",
        "HACCP", "HC-EXPIRED", "Toàn doanh nghiệp",
        "Trung Quốc", "UAE", "Ưu tiên 1",
        "TikTok Shop", "Singapore", "https://shop.tiktok.com/yenxanh",
        "Yến Xanh", "CN-998877",
        "Tạo lúc", "Cập nhật lúc",
    ]:
        assert text in page, text


def test_hs_line_shows_its_vietnamese_title_and_english_in_english(client, db, officer):
    firm = full_firm(db)  # 041090: bird's nest, where the official title speaks of insects
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert "Tổ yến (yến sào) và sản phẩm ăn được gốc động vật khác" in page
    assert "edible products of animal origin" not in page
    client.post("/lang/en", data={"next": f"/firms/{firm.id}"})
    flask_babel.refresh()  # the test's app context outlives a request: drop the cached locale
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert "edible products of animal origin" in page


def test_hs_line_without_vietnamese_text_shows_its_headings_vietnamese(client, db, officer):
    firm = full_firm(db)
    db.session.get(HsCode, "041090").description_vi = None  # as most 6-digit lines have
    db.session.flush()
    forget_reference_cache()
    try:
        page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    finally:
        forget_reference_cache()  # later tests read the table as it is rolled back to
    assert "Tổ yến và sản phẩm ăn được gốc động vật khác (kể cả côn trùng)" in page
    assert "edible products of animal origin" not in page


def test_expired_and_expiring_certificates_are_flagged(client, db, officer):
    firm = full_firm(db)
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    expired = cert_row(page, "HC-EXPIRED")
    assert 'class="cert-expired"' in expired
    assert "Đã hết hạn" in page.split("HC-EXPIRED")[1].split("</tr>")[0]
    soon = page.split("ISO-SOON")[1].split("</tr>")[0]
    assert "Hết hạn sau 30 ngày" in soon
    assert 'class="cert-expiring"' in cert_row(page, "ISO-SOON")
    assert "Tổ yến tinh chế" in cert_row(page, "ISO-SOON")  # a product certificate names it
    valid = page.split("HL-OK")[1].split("</tr>")[0]
    assert "hết hạn" not in valid.lower()


def test_script_in_text_fields_is_shown_escaped(client, db, officer):
    evil = "<script>alert('x')</script>"
    firm = factories.make_firm(name=f"Công ty {evil}", description=evil, address=evil)
    factories.make_contact(firm, name=evil, notes=evil)
    factories.make_product(firm, name=evil, description=evil)
    db.session.commit()
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page
    edit = client.get(f"/firms/{firm.id}/edit").get_data(as_text=True)
    assert "<script>alert" not in edit


def test_stored_javascript_url_is_not_a_link(client, db, officer):
    firm = factories.make_firm(website="javascript:alert(1)")
    db.session.commit()
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert 'href="javascript:' not in page


def test_empty_firm_page_says_what_is_missing(client, db, officer):
    firm = factories.make_firm(employees=None, size_class=None)
    db.session.commit()
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert "Chưa có sản phẩm." in page
    assert "Chưa có chứng nhận." in page
    assert "Chưa đủ dữ liệu" in page  # size class cannot be derived without workers


def test_enterprise_user_sees_edit_but_not_archive_on_its_page(client, db, login_as):
    user = login_as("enterprise")
    page = client.get(f"/firms/{user.firm_id}").get_data(as_text=True)
    assert "Sửa hồ sơ" in page
    assert f"/firms/{user.firm_id}/archive" not in page


def test_communes_of_a_province_for_the_form(client, db, officer):
    rows = client.get("/firms/communes/56").get_json()
    assert [22423, "Phường Ba Ngòi"] in rows
    assert all(code != 4 for code, _name in rows)  # Ba Đình is in Hà Nội
