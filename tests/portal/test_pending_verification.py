"""The portal tells the firm what waits for an officer and that it does not count yet."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import pytest

from crm.models import Document, Opportunity
from tests import factories
from tests.conftest import login
from tests.verification.declare import declare_certification


def _vn_day(change) -> str:
    at = change.at if change.at.tzinfo else change.at.replace(tzinfo=UTC)  # SQLite: naive UTC
    return at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y")


@pytest.fixture
def nest_firm(db):
    """A bird's nest firm targeting the US, without FDA registration, and its own user."""
    firm = factories.make_firm(name="Công ty Yến Cam Ranh", employees=60,
                               export_experience_years=3, languages=["vi", "en"])
    factories.make_product(firm, name="Tổ yến tinh chế", hs_code="041090", annual_capacity=5,
                           capacity_unit="tonnes")
    factories.make_certification(firm)
    factories.make_market(firm, "US", "target", priority=1)
    user = factories.make_user("enterprise", firm=firm)
    db.session.commit()
    return firm, user


def test_dashboard_lists_the_declared_certificate_until_an_officer_verifies_it(
        client, db, nest_firm):
    firm, user = nest_firm
    _cert, change = declare_certification(client, db, firm, user, number="FDA-12345")
    login(client, user)
    page = client.get("/portal/").get_data(as_text=True)
    section = page[page.index('id="declared-certifications"'):]
    section = section[:section.index("</ul>")]
    assert "FDA" in section
    assert "FDA-12345" in section
    assert f"khai ngày {_vn_day(change)}" in section
    assert "/portal/documents" in section  # no scan yet: how to speed the check up
    assert "chưa được tính cho các điều kiện bắt buộc" in page
    client.post("/logout")

    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    client.post(f"/verification/firms/{firm.id}/review",
                data={"decision": "verify", "change_id": str(change.id)})
    client.post("/logout")
    login(client, user)
    page = client.get("/portal/").get_data(as_text=True)
    assert 'id="declared-certifications"' not in page
    assert "Không có thay đổi nào đang chờ xác minh." in page


def test_dashboard_drops_the_upload_hint_once_a_scan_is_attached(client, db, nest_firm):
    firm, user = nest_firm
    cert, _change = declare_certification(client, db, firm, user)
    db.session.add(Document(firm_id=firm.id, certification_id=cert.id,
                            original_filename="fda.pdf", stored_name="y" * 32,
                            mime="application/pdf", size=10))
    db.session.commit()
    login(client, user)
    page = client.get("/portal/").get_data(as_text=True)
    section = page[page.index('id="declared-certifications"'):]
    section = section[:section.index("</ul>")]
    assert "Tải bản scan" not in section


def test_portal_opportunities_say_the_firm_waits_for_verification(client, db, nest_firm):
    firm, user = nest_firm
    today = date.today()
    opp = Opportunity(code="OPP-AMZ-US", kind="ecommerce_cohort", status="open",
                      title="Bán yến sào trên Amazon Hoa Kỳ", markets=["US"],
                      hs_prefixes=["0410"], keywords=["yến sào"], platform="amazon",
                      starts_on=today + timedelta(days=90), deadline=today + timedelta(days=30))
    db.session.add(opp)
    db.session.commit()
    _cert, change = declare_certification(client, db, firm, user)
    login(client, user)
    page = client.get("/portal/opportunities").get_data(as_text=True)
    card = page[page.index(opp.title):]
    assert "Chờ cán bộ xác minh" in card
    assert ("chờ xác minh đăng ký cơ sở với FDA Hoa Kỳ "
            f"(doanh nghiệp khai ngày {_vn_day(change)})") in card
    assert "Đủ điều kiện khi cán bộ xác minh đăng ký cơ sở với FDA Hoa Kỳ" in card
    assert "Đủ điều kiện</span>" not in card
    assert "/verification/changes/" not in page  # the officers' page is not the firm's
