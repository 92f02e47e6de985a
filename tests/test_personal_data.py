"""Personal data (Decree 13/2023/NĐ-CP): a viewer sees no contact person's phone or e-mail on
any page or in any export; staff do; every export is in the audit trail with its row count."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from crm import history
from crm.firms import services as firm_services
from crm.models import (
    AuditEvent,
    Interaction,
    Opportunity,
    Partner,
    Programme,
    ShortlistEntry,
    ShortlistEvent,
)
from tests import factories

PHONE = "0905 111 222"
EMAIL = "an.nguyen@yensao.example.vn"
NAME = "Nguyễn Văn An"
HIDDEN = "ẩn (dữ liệu cá nhân)"


@pytest.fixture
def registry(db):
    """A firm with a contact person, on an opportunity's shortlist and in a programme."""
    firm = factories.make_firm(name="Công ty TNHH Yến Sào Cam Ranh")
    with history.recording("staff"):
        contact = firm_services.add_contact(firm, {"name": NAME, "phone": PHONE,
                                                   "email": EMAIL, "is_primary": True})
    officer = factories.make_user("officer", name="Cán bộ Trần Thị Bình")
    programme = Programme(code=f"P-{uuid.uuid4().hex[:8]}", name="Go Global Khánh Hòa",
                          start_year=2026, end_year=2030)
    db.session.add(programme)
    db.session.flush()
    opp = Opportunity(code=f"O-{uuid.uuid4().hex[:8]}", kind="trade_mission",
                      title="Đoàn yến sào sang UAE", status="open", programme_id=programme.id)
    db.session.add(opp)
    db.session.flush()
    other = factories.make_firm(name="Công ty Cổ phần Yến Việt")
    factories.make_contact(other, name="Lê Thị Cúc", phone="0258 999 888",
                           email="cuc@yenviet.example.vn")
    for rank, shortlisted in enumerate((firm, other), start=1):
        db.session.add(ShortlistEntry(opportunity_id=opp.id, firm_id=shortlisted.id,
                                      status="shortlisted", rank_at_shortlist=rank,
                                      added_by_id=officer.id))
    db.session.add(Interaction(firm=firm, programme=programme, kind="training",
                               occurred_on=date(min(max(date.today().year, 2026), 2030), 1, 1),
                               officer=officer, summary="Tập huấn xuất khẩu"))
    db.session.commit()
    return {"firm": firm, "contact": contact, "opp": opp, "programme": programme,
            "officer": officer}


def _export_urls(r: dict) -> dict[str, str]:
    year = min(max(date.today().year, 2026), 2030)
    return {
        "shortlist_xlsx": f"/opportunities/{r['opp'].id}/export.xlsx",
        "shortlist_csv": f"/opportunities/{r['opp'].id}/export.csv",
        "annual_report": f"/programmes/{r['programme'].id}/report.xlsx?year={year}",
        "proposal": f"/programmes/{r['programme'].id}/proposal.xlsx?year={year}",
    }


def _cells(resp) -> list[str]:
    """Every cell of a downloaded .xlsx or .csv, as text."""
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    if resp.mimetype == "text/csv":
        text = resp.get_data(as_text=True).lstrip("\ufeff")
        return [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    wb = openpyxl.load_workbook(io.BytesIO(resp.data))
    return [str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
            for c in row if c is not None]


def _exports(db) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                              .order_by(AuditEvent.id)).all()


# --- pages ---------------------------------------------------------------------------------

def test_viewer_sees_no_phone_or_email_of_contacts_on_the_firm_page(client, login_as,
                                                                    registry):
    login_as("viewer")
    page = client.get(f"/firms/{registry['firm'].id}").get_data(as_text=True)
    assert PHONE not in page
    assert EMAIL not in page
    assert NAME not in page
    assert HIDDEN in page


@pytest.mark.parametrize("role", ["officer", "manager", "admin"])
def test_staff_see_contact_phone_and_email_on_the_firm_page(client, login_as, registry, role):
    login_as(role)
    page = client.get(f"/firms/{registry['firm'].id}").get_data(as_text=True)
    assert PHONE in page
    assert EMAIL in page


def test_enterprise_user_sees_its_own_firms_contacts(client, login_as, registry):
    login_as("enterprise", firm=registry["firm"])
    page = client.get(f"/firms/{registry['firm'].id}").get_data(as_text=True)
    assert PHONE in page
    assert EMAIL in page


def test_viewer_cannot_open_a_contact_by_url(client, login_as, registry):
    login_as("viewer")
    firm, contact = registry["firm"], registry["contact"]
    assert client.get(f"/firms/{firm.id}/contacts/{contact.id}/edit").status_code == 403
    assert client.get(f"/admin/contacts/{contact.id}/erase").status_code == 403


def test_viewer_sees_no_contact_values_in_the_firm_history(client, login_as, registry, db):
    with history.recording("staff"):
        firm_services.update_contact(registry["firm"], registry["contact"], {
            "name": NAME, "phone": "0905 333 444", "email": EMAIL})
    db.session.commit()
    login_as("viewer")
    page = client.get(f"/verification/firms/{registry['firm'].id}/history").get_data(
        as_text=True)
    for value in (PHONE, "0905 333 444", EMAIL, NAME):
        assert value not in page
    assert HIDDEN in page


def test_officer_sees_contact_values_in_the_firm_history(client, login_as, registry):
    login_as("officer")
    page = client.get(f"/verification/firms/{registry['firm'].id}/history").get_data(
        as_text=True)
    assert PHONE in page
    assert EMAIL in page


def test_viewer_sees_no_contact_names_in_an_imported_firms_summary(client, login_as, db):
    firm = factories.make_firm()
    history.record_changes(firm, [("firm", firm.id, "+", None,
                                   {"name": firm.name, "contacts": [NAME]})], source="import")
    db.session.commit()
    login_as("viewer")
    page = client.get(f"/verification/firms/{firm.id}/history").get_data(as_text=True)
    assert NAME not in page
    assert HIDDEN in page


def test_viewer_sees_no_enterprise_users_name_in_history_or_shortlist(client, login_as, db,
                                                                       registry):
    firm = registry["firm"]
    member = factories.make_user("enterprise", firm=firm, name="Phạm Thị Dung")
    entry = db.session.scalar(select(ShortlistEntry).where(ShortlistEntry.firm_id == firm.id))
    db.session.add(ShortlistEvent(entry_id=entry.id, from_status="shortlisted",
                                  to_status="confirmed", user_id=member.id))
    with history.recording("self", by=member):
        firm_services.update_firm(firm, {"website": "yensaocamranh.vn"})
    db.session.commit()
    login_as("viewer")
    pages = [client.get(f"/verification/firms/{firm.id}/history"),
             client.get(f"/opportunities/{registry['opp'].id}/entries/{entry.id}")]
    for resp in pages:
        assert resp.status_code == 200
        assert "Phạm Thị Dung" not in resp.get_data(as_text=True)
    client.post("/logout")
    login_as("officer")
    page = client.get(f"/opportunities/{registry['opp'].id}/entries/{entry.id}")
    assert "Phạm Thị Dung" in page.get_data(as_text=True)


def test_viewer_sees_no_partner_contact_person(client, login_as, db):
    partner = Partner(name="Saigon Mart Dubai", kind="retail_chain", country_code="AE",
                      contact_name="Trần Văn Em", contact_email="em@saigonmart.example.ae",
                      contact_phone="+971 4 555 0101")
    db.session.add(partner)
    db.session.commit()
    login_as("viewer")
    for url in ("/partners/", f"/partners/{partner.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "em@saigonmart.example.ae" not in page
        assert "+971 4 555 0101" not in page
        assert "Trần Văn Em" not in page
    client.post("/logout")
    login_as("officer")
    assert "em@saigonmart.example.ae" in client.get(f"/partners/{partner.id}").get_data(
        as_text=True)


# --- exports -------------------------------------------------------------------------------

@pytest.mark.parametrize("export", ["shortlist_xlsx", "shortlist_csv", "annual_report",
                                    "proposal"])
def test_viewer_gets_no_phone_or_email_in_any_export(client, login_as, registry, export):
    login_as("viewer")
    cells = _cells(client.get(_export_urls(registry)[export]))
    assert cells  # the file has its headings and rows
    text = "\n".join(cells)
    assert PHONE not in text
    assert EMAIL not in text
    assert NAME not in text
    assert "Điện thoại" not in cells
    assert "Email" not in cells


@pytest.mark.parametrize("export", ["shortlist_xlsx", "shortlist_csv"])
def test_officer_gets_the_contact_columns_in_the_shortlist(client, login_as, registry,
                                                           export):
    login_as("officer")
    cells = _cells(client.get(_export_urls(registry)[export]))
    assert {"Người liên hệ", "Điện thoại", "Email"} <= set(cells)
    assert PHONE in cells
    assert EMAIL in cells


@pytest.mark.parametrize("role", ["officer", "viewer"])
@pytest.mark.parametrize("export", ["shortlist_xlsx", "shortlist_csv"])
def test_each_shortlist_export_writes_one_audit_event_with_its_row_count(
        client, login_as, db, registry, role, export):
    user = login_as(role)
    before = len(_exports(db))
    _cells(client.get(_export_urls(registry)[export]))
    events = _exports(db)[before:]
    assert len(events) == 1
    event = events[0]
    assert event.user_id == user.id
    assert (event.target_type, event.target_id) == ("opportunity", registry["opp"].id)
    assert event.detail["export"] == "shortlist"
    assert event.detail["format"] == export.rsplit("_", 1)[1]
    assert event.detail["rows"] == 2
    contacts_included = "contact_persons" in event.detail["personal_data"]
    assert contacts_included == (role == "officer")


def test_annual_report_export_records_its_rows_and_the_officer_names_it_holds(
        client, login_as, db, registry):
    user = login_as("manager")
    before = len(_exports(db))
    cells = _cells(client.get(_export_urls(registry)["annual_report"]))
    assert "Cán bộ Trần Thị Bình" in cells  # why the event lists staff names
    [event] = _exports(db)[before:]
    assert event.user_id == user.id
    assert event.detail["export"] == "annual_report"
    assert event.detail["rows"] == 1  # one activity, no outcome
    assert event.detail["personal_data"] == ["staff_names"]


def test_an_export_event_holds_no_personal_values(client, login_as, db, registry):
    login_as("officer")
    _cells(client.get(_export_urls(registry)["shortlist_xlsx"]))
    event = _exports(db)[-1]
    assert PHONE not in str(event.detail)
    assert EMAIL not in str(event.detail)


def test_admin_reads_each_export_with_its_rows_in_the_audit_log(client, login_as, registry):
    login_as("officer")
    _cells(client.get(_export_urls(registry)["shortlist_csv"]))
    client.post("/logout")
    login_as("admin")
    page = client.get("/admin/audit?action=export").get_data(as_text=True)
    assert "rows:</span> 2" in page
    assert "contact_persons, staff_names" in page
