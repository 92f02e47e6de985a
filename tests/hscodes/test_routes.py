"""The worklist of products without an HS code, its one-click confirmation, the product
form's suggestions and the import dry run's hints."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from crm.hscodes import services
from crm.models import AuditEvent, ChangeRecord, Product
from tests.factories import make_firm, make_product

ROBUSTA = "Cà phê nhân Robusta"


@pytest.fixture
def registry(db):
    """Three firms with coded coffee, one with a coffee and a pepper without a code."""
    for _ in range(3):
        make_product(make_firm(), name=ROBUSTA, name_en="Robusta green coffee beans",
                     hs_code="090111")
    firm = make_firm(name="Công ty TNHH Nông Sản Chưa Mã")
    arabica = make_product(firm, name="Cà phê Arabica Cầu Đất", hs_code=None)
    pepper = make_product(firm, name="Hạt tiêu đen", hs_code=None)
    db.session.commit()
    return firm, arabica, pepper


def _confirm(client, product, code, page=1):
    return client.post(f"/hscodes/products/{product.id}/confirm",
                       data={"code": code, "page": page})


def test_worklist_lists_products_without_hs_with_their_top_suggestion(client, officer,
                                                                      registry):
    html = client.get("/hscodes/").get_data(as_text=True)
    assert "Cà phê Arabica Cầu Đất" in html
    assert "Hạt tiêu đen" in html
    assert "0901" in html
    assert "giống 3 sản phẩm đã có mã: Cà phê nhân Robusta" in html
    assert "0904" in html
    assert "tên nhóm HS" in html
    assert ">Robusta green coffee beans<" not in html  # coded products are not listed


def test_worklist_leaves_out_archived_firms(client, officer, registry, db):
    firm, _arabica, _pepper = registry
    firm.archived = True
    db.session.commit()
    html = client.get("/hscodes/").get_data(as_text=True)
    assert "Cà phê Arabica Cầu Đất" not in html
    assert "Mọi sản phẩm đều đã có mã HS." in html


def test_worklist_is_paged_and_a_page_past_the_end_shows_the_last(client, officer, db):
    firm = make_firm()
    for n in range(30):
        make_product(firm, name=f"Sản phẩm thử {n:02d}", hs_code=None)
    db.session.commit()
    first = client.get("/hscodes/").get_data(as_text=True)
    assert first.count("Sản phẩm thử") == 25
    assert "30 sản phẩm chưa có mã HS" in first
    last = client.get("/hscodes/?page=2").get_data(as_text=True)
    assert last.count("Sản phẩm thử") == 5
    huge = client.get("/hscodes/?page=1000000000000000000")
    assert huge.status_code == 200
    assert huge.get_data(as_text=True).count("Sản phẩm thử") == 5


def test_confirming_a_suggestion_codes_the_product_in_the_firm_history(client, officer,
                                                                       registry, db):
    firm, arabica, _pepper = registry
    version = firm.version
    resp = _confirm(client, arabica, "0901")
    assert resp.status_code == 302
    assert "/hscodes/" in resp.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Product, arabica.id).hs_code == "0901"
    change = db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.firm_id == firm.id, ChangeRecord.entity == "product",
        ChangeRecord.field == "hs_code")).one()
    assert (change.old_value, change.new_value, change.user_id) == (None, "0901", officer.id)
    assert change.source == "staff"
    assert firm.version > version
    assert "0901" in firm.search_text.split("\n")[2]  # the HS line of the search document
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.target_type == "firm", AuditEvent.target_id == firm.id,
        AuditEvent.action == "update")).first()


def test_a_confirmed_product_leaves_the_worklist(client, officer, registry):
    _firm, arabica, _pepper = registry
    _confirm(client, arabica, "090111")
    html = client.get("/hscodes/").get_data(as_text=True)
    assert f"/hscodes/products/{arabica.id}/confirm" not in html
    assert "Đã gán mã HS 0901.11 cho «Cà phê Arabica Cầu Đất»" in html


def test_confirming_an_unknown_code_changes_nothing_and_says_why(client, officer, registry,
                                                                 db):
    _firm, arabica, _pepper = registry
    html = client.post(f"/hscodes/products/{arabica.id}/confirm", data={"code": "9999"},
                       follow_redirects=True).get_data(as_text=True)
    assert "không có trong danh mục HS 2022" in html
    db.session.expire_all()
    assert db.session.get(Product, arabica.id).hs_code is None


def test_a_product_coded_meanwhile_is_not_recoded(client, officer, registry, db):
    _firm, arabica, _pepper = registry
    arabica.hs_code = "090111"
    db.session.commit()
    html = client.post(f"/hscodes/products/{arabica.id}/confirm", data={"code": "2101"},
                       follow_redirects=True).get_data(as_text=True)
    assert "đã có mã HS 0901.11" in html
    db.session.expire_all()
    assert db.session.get(Product, arabica.id).hs_code == "090111"


def test_confirming_without_a_csrf_token_is_refused(app, client, officer, registry, db,
                                                    monkeypatch):
    _firm, arabica, _pepper = registry
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _confirm(client, arabica, "0901").status_code == 400
    db.session.expire_all()
    assert db.session.get(Product, arabica.id).hs_code is None


@pytest.mark.parametrize("role", ["viewer", "enterprise"])
def test_only_staff_who_edit_reach_the_worklist(client, login_as, registry, role):
    _firm, arabica, _pepper = registry
    login_as(role)
    assert client.get("/hscodes/").status_code == 403
    assert _confirm(client, arabica, "0901").status_code == 403


def test_the_navigation_links_the_worklist_for_officers(client, officer):
    assert 'href="/hscodes/"' in client.get("/firms/").get_data(as_text=True)


def test_staff_product_form_suggests_codes_when_the_field_is_empty(client, officer, registry):
    firm, arabica, _pepper = registry
    html = client.get(f"/firms/{firm.id}/products/{arabica.id}/edit").get_data(as_text=True)
    assert 'class="hs-suggest mb-3"' in html
    assert 'data-code="0901"' in html
    assert "giống 3 sản phẩm đã có mã: Cà phê nhân Robusta" in html
    assert "hscodes.js" in html


def test_product_form_with_a_code_shows_no_suggestion(client, officer, registry, db):
    firm = make_firm()
    coded = make_product(firm, name="Cà phê Arabica", hs_code="090111")
    db.session.commit()
    html = client.get(f"/firms/{firm.id}/products/{coded.id}/edit").get_data(as_text=True)
    assert "hs-suggest-pick" not in html


def test_new_product_form_is_ready_to_ask_as_the_name_is_typed(client, officer, registry):
    firm, _arabica, _pepper = registry
    html = client.get(f"/firms/{firm.id}/products/new").get_data(as_text=True)
    assert 'data-url="/hscodes/suggest"' in html


def test_enterprise_product_form_suggests_without_other_firms_names(client, login_as, registry):
    firm, arabica, _pepper = registry
    login_as("enterprise", firm=firm)
    html = client.get(f"/firms/{firm.id}/products/{arabica.id}/edit").get_data(as_text=True)
    assert 'data-code="0901"' in html
    assert "giống 3 sản phẩm đã có mã" in html
    assert ROBUSTA not in html


def test_suggestions_answer_as_json_for_a_typed_name(client, officer, registry):
    data = client.get("/hscodes/suggest?q=ca+phe+nhan+moka").get_json()
    best = data["suggestions"][0]
    assert best["code"].startswith("0901")
    assert best["title"].startswith("Cà phê")
    assert "giống 3 sản phẩm đã có mã" in best["why"]
    assert len(data["suggestions"]) == 3
    assert client.get("/hscodes/suggest?q=").get_json() == {"suggestions": []}


def test_suggestions_json_for_an_enterprise_names_no_other_firms_product(client, login_as,
                                                                        registry):
    firm, _arabica, _pepper = registry
    login_as("enterprise", firm=firm)
    data = client.get("/hscodes/suggest?q=Cà+phê+nhân").get_json()
    assert data["suggestions"][0]["why"] == "giống 3 sản phẩm đã có mã"


def test_import_dry_run_lists_file_products_without_a_code_with_suggestions(
        app, client, officer, registry, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_DIR", str(tmp_path / "imports"))
    buf = io.StringIO()
    csv.writer(buf).writerows([
        ["Tên doanh nghiệp", "Mã số thuế", "Tỉnh/thành phố", "Sản phẩm chính", "Mã HS"],
        ["Công ty TNHH Cà Phê Mới", "3800000001", "Đắk Lắk", "Cà phê nhân Culi; Hạt tiêu đen",
         "0901"],
        ["Hộ kinh doanh Tiêu Xanh", "3800000002", "Gia Lai", "Hạt tiêu đen", ""],
    ])
    resp = client.post("/imports/", data={"file": (io.BytesIO(buf.getvalue().encode()),
                                                   "ds.csv")},
                       content_type="multipart/form-data")
    token = resp.headers["Location"].rsplit("/", 1)[-1]
    from crm.imports.mapping import guess_mapping

    mapping = guess_mapping(["Tên doanh nghiệp", "Mã số thuế", "Tỉnh/thành phố",
                             "Sản phẩm chính", "Mã HS"])
    html = client.post(f"/imports/{token}", data={f"col_{i}": f or ""
                                                  for i, f in enumerate(mapping)}
                       ).get_data(as_text=True)
    hints = html.split("Sản phẩm chưa có mã HS trong tệp", 1)[1]
    assert "1 sản phẩm khác nhau không có mã HS trong tệp" in hints
    assert "Hạt tiêu đen" in hints
    assert "0904" in hints
    assert "Cà phê nhân Culi" not in hints  # the file gives it 0901


def test_the_model_learns_a_notable_change_of_the_registry(app, db, registry, monkeypatch):
    first = services.suggester()
    assert services.suggester() is first  # kept
    monkeypatch.setattr(services, "CHECK_SECONDS", 0.0)
    assert services.suggester() is first  # checked: nothing changed
    firm = make_firm()
    make_product(firm, name="Gạo ST25", hs_code="100630")
    db.session.flush()
    rebuilt = services.suggester()
    assert rebuilt is not first
    assert rebuilt.size == first.size + 1
    assert services.suggest("Gạo ST24")[0].code == "100630"
