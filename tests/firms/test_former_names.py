"""Former firm names: a rename keeps the old name, officers edit the list, imports read a
"Tên cũ" column, and the search still finds the firm by its old name, saying so.
Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from crm.errors import UserError
from crm.firms import services
from crm.imports import parsing
from crm.imports import services as import_services
from crm.imports.mapping import guess_field, guess_mapping
from crm.models import Firm
from crm.validators import synthetic_tax_codes
from tests import factories
from tests.firms.pages import listed, make
from tests.firms.test_forms import field_error, firm_form, hidden, page
from tests.imports.conftest import csv_bytes, write


@pytest.fixture(autouse=True)
def _only_our_firms_active(db):
    db.session.execute(update(Firm).values(archived=True))


def _why(client, q: str) -> str:
    html = client.get("/firms/", query_string={"q": q}).get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", "", w) for w in
                    re.findall(r'match-why">(.*?)</div>', html, re.S))


def test_a_renamed_firm_is_still_found_by_its_old_name(officer, client, db):
    firm = make("Công ty TNHH Hải Long", (("Cá ngừ đông lạnh", "030487"),))
    other = make("Công ty TNHH Thủy sản Bình Minh", (("Cá ngừ đông lạnh", "030487"),))
    assert listed(client, q="hai long") == [firm.name]
    services.update_firm(firm, {"name": "Công ty CP Thủy sản Đại Dương Xanh"})
    db.session.flush()
    assert firm.former_names == ["Công ty TNHH Hải Long"]
    assert listed(client, q="Hải Long") == ["Công ty CP Thủy sản Đại Dương Xanh"]
    assert listed(client, q="dai duong xanh") == ["Công ty CP Thủy sản Đại Dương Xanh"]
    why = _why(client, "hai long")
    assert "tên cũ “hai”" in why
    assert "tên cũ “long”" in why
    assert why.count("(Công ty TNHH Hải Long)") == 1  # the former name itself, once
    assert other.name not in listed(client, q="hai long")


def test_a_current_name_match_ranks_above_a_former_name_match(officer, client, db):
    renamed = make("Công ty TNHH Sao Mai")
    services.update_firm(renamed, {"name": "Công ty TNHH Biển Bạc"})
    current = make("Công ty CP Sao Mai Việt")
    db.session.flush()
    assert listed(client, q="sao mai") == [current.name, renamed.name]
    why = _why(client, "sao mai")
    assert why.index("tên “sao”") < why.index("tên cũ “sao”")  # the current name's row first


def test_renames_keep_every_old_name_once_and_a_name_taken_back_is_current(db):
    firm = make("Công ty A")
    services.update_firm(firm, {"name": "Công ty B"})
    services.update_firm(firm, {"name": "Công ty C"})
    services.update_firm(firm, {"name": "Công ty C", "description": "x"})  # no rename
    assert firm.former_names == ["Công ty A", "Công ty B"]
    services.update_firm(firm, {"name": "Công ty A"})
    assert firm.former_names == ["Công ty B", "Công ty C"]


def test_former_names_are_cleaned_and_bad_ones_refused(db):
    firm = make("Công ty A")
    services.update_firm(firm, {"former_names": "  Công ty X \n\nCông ty Y\nCông ty X\n"})
    assert firm.former_names == ["Công ty X", "Công ty Y"]
    with pytest.raises(UserError) as err:
        services.update_firm(firm, {"former_names": "Công ty\x07 Z"})
    assert err.value.field == "former_names"
    with pytest.raises(UserError) as err:
        services.update_firm(firm, {"former_names": "x" * 300})
    assert err.value.field == "former_names"
    with pytest.raises(UserError) as err:
        services.update_firm(firm, {"former_names": [f"Tên {i}" for i in range(21)]})
    assert err.value.field == "former_names"
    assert firm.former_names == ["Công ty X", "Công ty Y"]


def test_officer_edits_former_names_on_the_firm_form_one_per_line(client, db, officer):
    firm = factories.make_firm(name="Công ty TNHH Gốm Minh Long")
    db.session.commit()
    body = page(client.get(f"/firms/{firm.id}/edit"))
    data = firm_form(tax_code=firm.tax_code, name="Công ty TNHH Gốm Sứ Minh Long I",
                     former_names="Xí nghiệp Gốm Minh Long\r\nCơ sở Gốm Lý Ngọc Minh",
                     version=hidden(body, "version"), fingerprint=hidden(body, "fingerprint"))
    resp = client.post(f"/firms/{firm.id}/edit", data=data)
    assert resp.status_code == 302, page(resp)[:2000]
    db.session.expire_all()
    assert firm.former_names == ["Xí nghiệp Gốm Minh Long", "Cơ sở Gốm Lý Ngọc Minh",
                                 "Công ty TNHH Gốm Minh Long"]
    body = page(client.get(f"/firms/{firm.id}/edit"))
    assert "Xí nghiệp Gốm Minh Long\nCơ sở Gốm Lý Ngọc Minh\nCông ty TNHH Gốm Minh Long" in body
    assert "Cơ sở Gốm Lý Ngọc Minh" in page(client.get(f"/firms/{firm.id}"))
    assert listed(client, q="ly ngoc minh") == ["Công ty TNHH Gốm Sứ Minh Long I"]


def test_a_bad_former_name_is_reported_next_to_the_field(client, db, officer):
    firm = factories.make_firm(name="Công ty TNHH Gốm Bát Tràng")
    db.session.commit()
    body = page(client.get(f"/firms/{firm.id}/edit"))
    data = firm_form(tax_code=firm.tax_code, name=firm.name, former_names="y" * 300,
                     version=hidden(body, "version"), fingerprint=hidden(body, "fingerprint"))
    resp = client.post(f"/firms/{firm.id}/edit", data=data)
    assert resp.status_code == 200
    assert "Quá dài" in field_error(page(resp), "former_names")
    db.session.expire_all()
    assert not firm.former_names


def test_import_reads_a_former_names_column_and_a_rename_keeps_the_old_name(
        app, db, tmp_path, officer, client):
    assert guess_field("Tên cũ") == "former_names"
    assert guess_field("Former names") == "former_names"
    assert guess_field("Tên doanh nghiệp") == "name"
    firm = make("Công ty TNHH Tiêu Chư Sê")
    firm.former_names = ["Hộ kinh doanh Tiêu Sê"]
    db.session.flush()
    tax = next(synthetic_tax_codes(1, prefix="48"))
    rows = [["Mã số thuế", "Tên doanh nghiệp", "Tên cũ"],
            [firm.tax_code, "Công ty CP Hồ Tiêu Gia Lai",
             "Cơ sở Tiêu Chư Sê Một; Hộ kinh doanh Tiêu Sê"],
            [tax, "Công ty TNHH Điều Bình Phước", "Xưởng Điều Đồng Xoài"]]
    table = parsing.read_table(write(tmp_path, "f.csv", csv_bytes(rows)))
    # The new name is a conflict the officer decides: kept, the file's former names still
    # join those stored (they only add).
    report = import_services.plan_import(table, guess_mapping(table.headings))
    assert not report.errors, [r.errors for r in report.errors]
    import_services.apply_import(report)
    db.session.expire_all()
    assert firm.name == "Công ty TNHH Tiêu Chư Sê"
    assert firm.former_names == ["Hộ kinh doanh Tiêu Sê", "Cơ sở Tiêu Chư Sê Một"]
    # Taken: the firm is renamed and its old name kept.
    table = parsing.read_table(write(tmp_path, "g.csv", csv_bytes(rows)))
    report = import_services.plan_import(table, guess_mapping(table.headings), take=True)
    import_services.apply_import(report)
    db.session.expire_all()
    assert firm.name == "Công ty CP Hồ Tiêu Gia Lai"
    assert firm.former_names == ["Hộ kinh doanh Tiêu Sê", "Cơ sở Tiêu Chư Sê Một",
                                 "Công ty TNHH Tiêu Chư Sê"]
    created = db.session.scalar(select(Firm).where(Firm.tax_code == tax))
    assert created.former_names == ["Xưởng Điều Đồng Xoài"]
    assert listed(client, q="tieu chu se") == ["Công ty CP Hồ Tiêu Gia Lai"]
    assert listed(client, q="xuong dieu dong xoai") == ["Công ty TNHH Điều Bình Phước"]
