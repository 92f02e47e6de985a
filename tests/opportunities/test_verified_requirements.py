"""Hard requirements are met only by data an officer verified or entered (issue 15, item 5).

The story of the issue: an enterprise added an FDA registration in the portal and, before any
officer looked at it, became eligible and #2 of the Amazon US cohort with no mark at all.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from crm.models import Opportunity
from crm.ranking import firm_records
from tests import factories
from tests.conftest import login
from tests.opportunities.conftest import MISSION, make_nest_firm
from tests.verification.declare import declare_certification

TODAY = date.today()
AMAZON_US = {
    **MISSION, "kind": "ecommerce_cohort", "title": "Bán yến sào trên Amazon Hoa Kỳ",
    "platform": "amazon", "markets": "US", "required_certifications": [],
    "preferred_certifications": ["HACCP"], "starts_on": (TODAY + timedelta(days=90)).isoformat(),
    "ends_on": (TODAY + timedelta(days=120)).isoformat(),
    "deadline": (TODAY + timedelta(days=30)).isoformat(),
}


def _vn_date(change) -> date:
    """The day a change was made, in Vietnam."""
    at = change.at if change.at.tzinfo else change.at.replace(tzinfo=UTC)  # SQLite: naive UTC
    return at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _vn_day(change) -> str:
    """The day a change was made, in Vietnam, as the pages write it."""
    return _vn_date(change).strftime("%d/%m/%Y")


def _fda(firm) -> None:
    factories.make_certification(firm, scheme_code="FDA", issued_on=date(2025, 1, 1),
                                 expires_on=date(2030, 1, 1))


@pytest.fixture
def amazon(client, db):
    """Two bird's nest firms with a verified FDA registration, one without; an officer and the
    third firm's own enterprise user; the Amazon US cohort."""
    firms = {key: make_nest_firm(name, markets=("US",)) for key, name in (
        ("a", "Công ty Yến Sào Hòn Nội"), ("b", "Công ty Yến Nha Trang"),
        ("d", "Công ty Yến Cam Ranh"))}
    _fda(firms["a"])
    _fda(firms["b"])
    owner = factories.make_user("enterprise", firm=firms["d"])
    officer = factories.make_user("officer")
    db.session.commit()
    login(client, officer)
    resp = client.post("/opportunities/new", data=AMAZON_US)
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    opp = db.session.get(Opportunity, int(resp.headers["Location"].rstrip("/").split("/")[-1]))
    client.post("/logout")
    return firms, owner, officer, opp


def _sections(page: str) -> tuple[str, str]:
    cut = page.index("Chưa đủ điều kiện")
    return page[:cut], page[cut:]


def test_fda_declared_in_the_portal_waits_for_an_officer_then_counts(client, db, amazon):
    firms, owner, officer, opp = amazon
    d = firms["d"]
    login(client, officer)
    ranked, near = _sections(client.get(f"/opportunities/{opp.id}").get_data(as_text=True))
    assert d.name in near
    assert d.name not in ranked
    assert "khi có đăng ký cơ sở với FDA Hoa Kỳ còn hiệu lực" in near
    client.post("/logout")

    _cert, change = declare_certification(client, db, d, owner)

    login(client, officer)
    url = f"/opportunities/{opp.id}"
    ranked, near = _sections(client.get(url).get_data(as_text=True))
    assert d.name not in ranked  # the declaration alone does not make it eligible
    row = near[near.index(d.name):]
    row = row[:row.index("</tr>")]
    assert ("chờ xác minh đăng ký cơ sở với FDA Hoa Kỳ "
            f"(doanh nghiệp khai ngày {_vn_day(change)})") in row
    link = re.search(r'href="(/verification/changes/(\d+)\?next=[^"]+)"', row)
    assert link is not None
    assert int(link.group(2)) == change.id
    assert "khi có đăng ký cơ sở với FDA Hoa Kỳ còn hiệu lực" not in row

    href = html.unescape(link.group(1))
    back = parse_qs(urlsplit(href).query)["next"][0]
    assert back.startswith(url)
    page = client.get(href)
    assert page.status_code == 200
    assert f'name="next" value="{html.escape(back)}"' in page.get_data(as_text=True)
    resp = client.post(f"/verification/firms/{d.id}/review",
                       data={"decision": "verify", "change_id": str(change.id), "next": back})
    assert resp.headers["Location"].startswith(url)

    # the index built before is brought up to date: no reset, the firm's updated_at moved
    ranked, near = _sections(client.get(resp.headers["Location"]).get_data(as_text=True))
    assert d.name in ranked
    assert d.name not in near


def test_declared_certificate_is_marked_in_the_firm_record_for_matching(client, db, amazon):
    firms, owner, _officer, _opp = amazon
    d = firms["d"]
    cert, change = declare_certification(client, db, d, owner)
    [record] = firm_records([d.id])
    by_code = {c["code"]: c for c in record["certifications"]}
    assert by_code["FDA"]["verified"] is False
    assert by_code["FDA"]["declared_on"] == _vn_date(change).isoformat()
    assert by_code["HACCP"]["verified"] is True  # entered by staff
    assert by_code["HACCP"]["declared_on"] is None
    # the whole-registry read gives the same records
    whole = next(r for r in firm_records() if r["id"] == str(d.id))
    assert sorted(whole["certifications"], key=lambda c: c["code"]) == sorted(
        record["certifications"], key=lambda c: c["code"])
    assert cert.scheme_code == "FDA"


def test_self_declared_preferred_certificate_counts_and_is_marked_not_verified(
        client, db, amazon):
    _firms, _owner, officer, opp = amazon
    firm = factories.make_firm(name="Công ty Yến Vạn Ninh", employees=60, size_class="small",
                               export_experience_years=3, languages=["vi", "en"])
    factories.make_product(firm, name="Tổ yến tinh chế", hs_code="041090", annual_capacity=5,
                           capacity_unit="tonnes")
    factories.make_market(firm, "US", "target", priority=1)
    _fda(firm)
    owner = factories.make_user("enterprise", firm=firm)
    db.session.commit()
    _cert, change = declare_certification(client, db, firm, owner, scheme_code="HACCP",
                                          number="HACCP-01")
    login(client, officer)
    ranked, _near = _sections(client.get(f"/opportunities/{opp.id}").get_data(as_text=True))
    row = ranked[ranked.index(firm.name):]
    row = row[:row.index("</tr>")]
    assert "HACCP chưa xác minh" in row
    assert "có HACCP (tự khai, chưa xác minh)" in row  # in the readiness reason
    assert f"/verification/changes/{change.id}?next=" in row


def test_viewer_sees_the_mark_but_no_verify_link(client, db, amazon, login_as):
    firms, owner, _officer, opp = amazon
    declare_certification(client, db, firms["d"], owner)
    login_as("viewer")
    _ranked, near = _sections(client.get(f"/opportunities/{opp.id}").get_data(as_text=True))
    assert "chờ xác minh đăng ký cơ sở với FDA Hoa Kỳ" in near
    assert "/verification/changes/" not in near


def test_firm_page_shows_the_opportunity_waiting_for_verification(client, db, amazon):
    firms, owner, officer, opp = amazon
    d = firms["d"]
    _cert, change = declare_certification(client, db, d, owner)
    login(client, officer)
    page = client.get(f"/firms/{d.id}").get_data(as_text=True)
    section = page[page.index("Cơ hội phù hợp nhất"):]
    assert opp.title in section
    assert ("chờ xác minh đăng ký cơ sở với FDA Hoa Kỳ "
            f"(doanh nghiệp khai ngày {_vn_day(change)})") in section
    assert f"/verification/changes/{change.id}" in section


def test_verifying_one_change_reaches_the_index_while_others_still_wait(client, db, amazon):
    """The firm stays 'self-declared' (a product still waits), yet the index must re-read it."""
    firms, owner, officer, opp = amazon
    d = firms["d"]
    _cert, change = declare_certification(client, db, d, owner)
    login(client, owner)
    client.post(f"/firms/{d.id}/products/new", data={"name": "Nước yến sào", "hs_code": "2106"})
    client.post("/logout")
    login(client, officer)
    ranked, _near = _sections(client.get(f"/opportunities/{opp.id}").get_data(as_text=True))
    assert d.name not in ranked  # the index is built, without the firm among the ranked
    client.post(f"/verification/firms/{d.id}/review",
                data={"decision": "verify", "change_id": str(change.id)})
    db.session.expire_all()
    assert d.verification_status == "self_declared"
    ranked, _near = _sections(client.get(f"/opportunities/{opp.id}").get_data(as_text=True))
    assert d.name in ranked
