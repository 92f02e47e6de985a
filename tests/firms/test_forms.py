"""Create/edit forms of a firm and its sub-entities: every bad input is refused with a message
next to its field and nothing is saved; concurrent edits never overwrite each other."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from crm.errors import UserError
from crm.firms import services
from crm.models import Certification, Contact, EcommerceStore, Firm, FirmMarket, Product, Trademark
from crm.validators import synthetic_tax_codes
from tests import factories

KHANH_HOA = 56
BA_NGOI = 22423  # a ward of Khánh Hòa
BA_DINH = 4  # a ward of Hà Nội
_codes = synthetic_tax_codes(1000, prefix="79")


def firm_form(**overrides) -> dict:
    """Valid POST data of the firm form."""
    data = {
        "tax_code": next(_codes),
        "name": "Công ty TNHH Yến Sào Nha Trang",
        "name_en": "Nha Trang Bird's Nest Co., Ltd",
        "legal_form": "llc",
        "province_code": str(KHANH_HOA),
        "commune_code": str(BA_NGOI),
        "address": "12 Trần Phú",
        "website": "yensaonhatrang.vn",
        "founded_year": "2010",
        "employees": "45",
        "revenue_bn_vnd": "30,5",
        "capital_bn_vnd": "12",
        "sectors": ["birds_nest", "food_processing"],
        "export_experience_years": "5",
        "export_revenue_usd": "250000",
        "languages": "vi, en, zh",
        "verification_status": "verified",
        "description": "Sản xuất yến sào tinh chế.",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def page(resp) -> str:
    return resp.get_data(as_text=True)


def field_error(body: str, field: str) -> str:
    """The error text rendered next to `field` (empty when none)."""
    # The first error after the field's input and before the next input.
    match = re.search(
        rf'id="{field}"[^>]*>(?:(?!<(?:input|select|textarea)\b).)*?'
        r'<div class="invalid-feedback d-block">(.*?)</div>', body, re.S)
    return html.unescape(match.group(1)) if match else ""


def firm_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Firm))


def hidden(body: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', body)
    assert match, f"no hidden {name}"
    return html.unescape(match.group(1))


# --- creating and editing a firm --------------------------------------------------------

def test_officer_creates_firm_with_size_class_derived(client, db, officer):
    data = firm_form()
    resp = client.post("/firms/new", data=data)
    assert resp.status_code == 302, page(resp)[:2000]
    firm = db.session.scalar(select(Firm).where(Firm.tax_code == data["tax_code"]))
    assert firm.size_class == "small"  # 45 workers, 30.5 bn VND revenue
    assert firm.revenue_bn_vnd == Decimal("30.5")
    assert firm.website == "https://yensaonhatrang.vn"
    assert firm.languages == ["vi", "en", "zh"]
    assert firm.sectors == ["birds_nest", "food_processing"]
    assert "yen sao nha trang" in firm.search_text


def test_invalid_tax_code_is_refused_next_to_the_field(client, db, officer):
    before = firm_count(db)
    resp = client.post("/firms/new", data=firm_form(tax_code="0123456788"))
    assert resp.status_code == 200
    assert "Mã số thuế không hợp lệ" in field_error(page(resp), "tax_code")
    assert firm_count(db) == before


def test_duplicate_tax_code_is_refused_with_a_link_to_the_existing_firm(client, db, officer):
    existing = factories.make_firm(name="Công ty Cổ phần Thủy sản Cam Ranh")
    db.session.commit()
    before = firm_count(db)
    resp = client.post("/firms/new", data=firm_form(tax_code=existing.tax_code))
    body = page(resp)
    assert "Công ty Cổ phần Thủy sản Cam Ranh" in field_error(body, "tax_code")
    assert f'href="/firms/{existing.id}"' in body
    assert firm_count(db) == before


def test_missing_required_name_is_refused(client, db, officer):
    before = firm_count(db)
    resp = client.post("/firms/new", data=firm_form(name=""))
    assert "Vui lòng nhập" in field_error(page(resp), "name")
    assert firm_count(db) == before


def test_over_long_name_is_refused(client, db, officer):
    before = firm_count(db)
    resp = client.post("/firms/new", data=firm_form(name="Yến " * 100))
    assert "Quá dài" in field_error(page(resp), "name")
    assert firm_count(db) == before


def test_service_refuses_over_long_text_from_imports(app, db):
    with app.test_request_context(), pytest.raises(UserError) as err:
        services.create_firm({"tax_code": next(_codes), "name": "A", "address": "x" * 501})
    assert err.value.field == "address"


def test_commune_of_another_province_is_refused(client, db, officer):
    before = firm_count(db)
    resp = client.post("/firms/new", data=firm_form(commune_code=str(BA_DINH)))
    assert "không thuộc tỉnh" in field_error(page(resp), "commune_code")
    assert firm_count(db) == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("founded_year", str(date.today().year + 1), "Năm thành lập từ 1900"),
        ("founded_year", "1850", "Năm thành lập từ 1900"),
        ("employees", "-3", "Cần một số từ 0"),
        ("employees", "nhiều", "Cần một số nguyên"),
        ("revenue_bn_vnd", "99999999999", "Cần một số từ 0"),
        ("languages", "vi, vietnamese", "Mã ngôn ngữ không hợp lệ"),
        ("website", "not a url", "Địa chỉ web không hợp lệ"),
    ],
)
def test_bad_firm_numbers_and_codes_are_refused(client, db, officer, field, value, message):
    before = firm_count(db)
    resp = client.post("/firms/new", data=firm_form(**{field: value}))
    assert message in field_error(page(resp), field)
    assert firm_count(db) == before


def test_edit_saves_and_recomputes_size_class(client, db, officer):
    firm = factories.make_firm(employees=5, size_class="micro")
    db.session.commit()
    body = page(client.get(f"/firms/{firm.id}/edit"))
    data = firm_form(tax_code=firm.tax_code, employees="150", revenue_bn_vnd="120",
                     version=hidden(body, "version"), fingerprint=hidden(body, "fingerprint"))
    resp = client.post(f"/firms/{firm.id}/edit", data=data)
    assert resp.status_code == 302, page(resp)[:2000]
    db.session.expire_all()
    assert firm.employees == 150
    assert firm.size_class == "medium"


# --- optimistic locking -----------------------------------------------------------------

def test_second_save_of_the_same_loaded_version_gets_a_conflict(client, db, officer):
    firm = factories.make_firm(name="Công ty TNHH Cà Phê Gia Lai")
    db.session.commit()
    # Two people open the edit form of the same version.
    first = page(client.get(f"/firms/{firm.id}/edit"))
    second = page(client.get(f"/firms/{firm.id}/edit"))
    loaded = {"version": hidden(first, "version"), "fingerprint": hidden(first, "fingerprint")}
    assert loaded["version"] == hidden(second, "version")

    resp = client.post(f"/firms/{firm.id}/edit", data=firm_form(
        tax_code=firm.tax_code, name="Cà Phê Gia Lai (người thứ nhất)", employees="30", **loaded))
    assert resp.status_code == 302

    resp = client.post(f"/firms/{firm.id}/edit", data=firm_form(
        tax_code=firm.tax_code, name="Cà Phê Gia Lai (người thứ hai)", employees="99", **loaded))
    body = page(resp)
    assert resp.status_code == 200
    assert "Hồ sơ đã được người khác sửa lúc" in body
    assert "tải lại để xem thay đổi" in body
    assert "Tên doanh nghiệp" in body.split("Phần đã thay đổi:")[1][:300]
    db.session.expire_all()
    assert firm.name == "Cà Phê Gia Lai (người thứ nhất)"
    assert firm.employees == 30


def test_a_contact_added_meanwhile_makes_a_stale_firm_edit_conflict(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    loaded = page(client.get(f"/firms/{firm.id}/edit"))
    client.post(f"/firms/{firm.id}/contacts/new", data={"name": "Trần Thị Bình"})
    resp = client.post(f"/firms/{firm.id}/edit", data=firm_form(
        tax_code=firm.tax_code, name="Tên mới", version=hidden(loaded, "version"),
        fingerprint=hidden(loaded, "fingerprint")))
    body = page(resp)
    assert "Hồ sơ đã được người khác sửa lúc" in body
    assert "Người liên hệ" in body.split("Phần đã thay đổi:")[1][:300]
    db.session.expire_all()
    assert firm.name != "Tên mới"


def test_write_racing_another_save_is_refused_by_the_version_column(app, db):
    firm = factories.make_firm()
    # Another transaction bumps the version after we read the firm.
    db.session.execute(
        update(Firm).where(Firm.id == firm.id).values(version=Firm.version + 1),
        execution_options={"synchronize_session": False},
    )
    firm.name = "Ghi đè"
    with pytest.raises(StaleDataError):
        db.session.flush()


def test_stale_data_error_is_shown_as_a_conflict(client, db, officer, monkeypatch):
    firm = factories.make_firm(name="Công ty Gốc")
    db.session.commit()
    loaded = page(client.get(f"/firms/{firm.id}/edit"))

    def racing_update(*_args, **_kwargs):
        raise StaleDataError("firms row changed by another request")

    monkeypatch.setattr(services, "update_firm", racing_update)
    resp = client.post(f"/firms/{firm.id}/edit", data=firm_form(
        tax_code=firm.tax_code, name="Tên mới", version=hidden(loaded, "version")))
    assert "Hồ sơ đã được người khác sửa lúc" in page(resp)
    db.session.expire_all()
    assert firm.name == "Công ty Gốc"


# --- sub-entities -----------------------------------------------------------------------

def count(db, model, firm) -> int:
    stmt = select(func.count()).select_from(model).where(model.firm_id == firm.id)
    return db.session.scalar(stmt)


def test_product_with_hs_code_typed_with_a_dot_is_saved(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/products/new", data={
        "name": "Nước yến sào", "name_en": "Bird's nest drink", "hs_code": "0410.90",
        "annual_capacity": "12,5", "capacity_unit": "tonnes", "ocop_stars": "4"})
    assert resp.status_code == 302, page(resp)[:2000]
    product = db.session.scalar(select(Product).where(Product.firm_id == firm.id))
    assert product.hs_code == "041090"
    assert product.annual_capacity == Decimal("12.5")
    db.session.refresh(firm)
    assert "nuoc yen sao" in firm.search_text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"name": "Tổ yến", "hs_code": "9999"}, "hs_code", "không có trong danh mục HS"),
        ({"name": "Tổ yến", "hs_code": "04109"}, "hs_code", "không có trong danh mục HS"),
        ({"name": "", "hs_code": "0410"}, "name", "Vui lòng nhập"),
        ({"name": "Tổ yến", "annual_capacity": "10"}, "capacity_unit", "đơn vị"),
        ({"name": "Tổ yến", "annual_capacity": "-1", "capacity_unit": "kg"},
         "annual_capacity", "Cần một số từ 0"),
        ({"name": "Tổ yến", "ocop_stars": "6"}, "ocop_stars", "Giá trị không hợp lệ"),
        ({"name": "Y" * 256}, "name", "Quá dài"),
    ],
)
def test_bad_product_is_refused_and_not_saved(client, db, officer, data, field, message):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/products/new", data=data)
    assert message in field_error(page(resp), field)
    assert count(db, Product, firm) == 0


def test_certificate_expiring_before_issue_is_refused(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/certifications/new", data={
        "scheme_code": "HACCP", "issued_on": "2025-06-01", "expires_on": "2025-05-31"})
    assert "Ngày hết hạn không được trước ngày cấp" in field_error(page(resp), "expires_on")
    assert count(db, Certification, firm) == 0


def test_certificate_needs_a_catalogue_scheme_and_an_issue_date(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/certifications/new",
                       data={"scheme_code": "MADE_UP", "issued_on": "2025-06-01"})
    assert "không có trong danh mục" in field_error(page(resp), "scheme_code")
    resp = client.post(f"/firms/{firm.id}/certifications/new", data={"scheme_code": "HACCP"})
    assert "Vui lòng nhập" in field_error(page(resp), "issued_on")
    assert count(db, Certification, firm) == 0


def test_certificate_cannot_name_a_product_of_another_firm(client, db, officer):
    firm = factories.make_firm()
    other_product = factories.make_product(factories.make_firm())
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/certifications/new", data={
        "scheme_code": "HACCP", "issued_on": "2025-06-01", "product_id": str(other_product.id)})
    assert "không thuộc doanh nghiệp" in field_error(page(resp), "product_id")
    assert count(db, Certification, firm) == 0


def test_certificate_of_one_product_is_saved(client, db, officer):
    firm = factories.make_firm()
    product = factories.make_product(firm)
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/certifications/new", data={
        "scheme_code": "HACCP", "number": "HC-123", "issued_on": "2025-06-01",
        "expires_on": "2028-06-01", "product_id": str(product.id)})
    assert resp.status_code == 302, page(resp)[:2000]
    cert = db.session.scalar(select(Certification).where(Certification.firm_id == firm.id))
    assert cert.product_id == product.id


@pytest.mark.parametrize(
    ("kind", "model", "data", "field"),
    [
        ("markets", FirmMarket, {"country_code": "XX", "kind": "target"}, "country_code"),
        ("stores", EcommerceStore, {"platform": "amazon", "market": "ZZ", "status": "active"},
         "market"),
        ("trademarks", Trademark, {"mark": "Yến Việt", "country_code": "QQ"}, "country_code"),
    ],
)
def test_unknown_country_is_refused(client, db, officer, kind, model, data, field):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/{kind}/new", data=data)
    assert "không có trong danh mục ISO 3166" in field_error(page(resp), field)
    assert count(db, model, firm) == 0


def test_target_market_with_priority_is_saved_and_duplicates_refused(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    data = {"country_code": "CN", "kind": "target", "priority": "1"}
    assert client.post(f"/firms/{firm.id}/markets/new", data=data).status_code == 302
    resp = client.post(f"/firms/{firm.id}/markets/new", data=data)
    assert "đã có" in field_error(page(resp), "country_code")
    assert count(db, FirmMarket, firm) == 1


def test_store_url_must_be_a_web_address(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/stores/new", data={
        "platform": "shopee", "url": "javascript:alert(1)", "status": "active"})
    assert "Địa chỉ web không hợp lệ" in field_error(page(resp), "url")
    assert count(db, EcommerceStore, firm) == 0


def test_contact_needs_a_name_and_a_valid_email(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/contacts/new", data={"name": ""})
    assert "Vui lòng nhập" in field_error(page(resp), "name")
    resp = client.post(f"/firms/{firm.id}/contacts/new", data={"name": "An", "email": "an@"})
    assert "Email không hợp lệ" in field_error(page(resp), "email")
    assert count(db, Contact, firm) == 0


def test_only_one_primary_contact(client, db, officer):
    firm = factories.make_firm()
    first = factories.make_contact(firm, is_primary=True)
    db.session.commit()
    client.post(f"/firms/{firm.id}/contacts/new", data={"name": "Lê Văn Cường", "is_primary": "y"})
    db.session.expire_all()
    assert not first.is_primary
    assert [c.name for c in firm.contacts if c.is_primary] == ["Lê Văn Cường"]


def test_editing_and_removing_a_product_keeps_its_certificate_for_the_firm(client, db, officer):
    firm = factories.make_firm()
    product = factories.make_product(firm, name="Tổ yến thô")
    cert = factories.make_certification(firm, product=product)
    db.session.commit()
    version = firm.version
    resp = client.post(f"/firms/{firm.id}/products/{product.id}/edit",
                       data={"name": "Tổ yến tinh chế", "hs_code": "0410"})
    assert resp.status_code == 302
    resp = client.post(f"/firms/{firm.id}/products/{product.id}/remove")
    assert resp.status_code == 302
    db.session.expire_all()
    assert firm.products == []
    assert cert.product_id is None
    assert cert in firm.certifications
    assert firm.version == version + 2
    assert "to yen" not in firm.search_text


def test_trademark_date_round_trips_through_the_edit_form(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    client.post(f"/firms/{firm.id}/trademarks/new", data={
        "mark": "Yến Khánh Hòa", "country_code": "CN", "registered_on": "2024-03-15"})
    mark = db.session.scalar(select(Trademark).where(Trademark.firm_id == firm.id))
    assert mark.registered_on == "2024-03-15"
    body = page(client.get(f"/firms/{firm.id}/trademarks/{mark.id}/edit"))
    assert 'value="2024-03-15"' in body


def test_duplicate_tax_code_is_reported_together_with_other_field_errors(client, db, officer):
    existing = factories.make_firm()
    db.session.commit()
    resp = client.post("/firms/new", data=firm_form(tax_code=existing.tax_code, employees="-5"))
    body = page(resp)
    assert "đã có trong hệ thống" in field_error(body, "tax_code")
    assert f'href="/firms/{existing.id}"' in body
    assert "Cần một số từ 0" in field_error(body, "employees")


def test_saving_a_firm_with_its_own_tax_code_is_not_a_duplicate(client, db, officer):
    firm = factories.make_firm()
    db.session.commit()
    resp = client.post(f"/firms/{firm.id}/edit", data=firm_form(
        tax_code=firm.tax_code, version=str(firm.version)))
    assert resp.status_code == 302
