"""Opportunities through the app: ranking with reasons, shortlist pipeline, exports, roles."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from crm.models import Opportunity, ShortlistEntry, ShortlistEvent
from tests.office import libreoffice_rows
from tests.opportunities.conftest import MISSION


def _create(client, db, **over) -> Opportunity:
    resp = client.post("/opportunities/new", data={**MISSION, **over})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-3000:]
    opp_id = int(resp.headers["Location"].rstrip("/").split("/")[-1])
    return db.session.get(Opportunity, opp_id)


def _entries(db, opp) -> dict[int, ShortlistEntry]:
    db.session.expire_all()
    return {e.firm_id: e for e in db.session.scalars(
        select(ShortlistEntry).where(ShortlistEntry.opportunity_id == opp.id))}


def _move(client, opp, entries, to, note="") -> str:
    resp = client.post(f"/opportunities/{opp.id}/entries/bulk", data={
        "entry_ids": [e.id for e in entries], "to_status": to, "note": note},
        follow_redirects=True)
    return resp.get_data(as_text=True)


def test_opportunity_page_ranks_halal_firms_with_reasons_and_lists_near_miss(
        client, officer, db, nest_firms):
    opp = _create(client, db)
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    for key in ("a", "b", "c"):
        assert nest_firms[key].name in page
    assert page.index(nest_firms["a"].name) < page.index("Chưa đủ điều kiện")
    # The firm without Halal is a near-miss, with what it lacks.
    near_miss = page[page.index("Chưa đủ điều kiện"):]
    assert nest_firms["d"].name in near_miss
    assert "chưa có chứng nhận Halal" in near_miss
    assert "Đủ điều kiện khi có Halal còn hiệu lực ngày 10/03/2027" in near_miss
    assert "Sản phẩm" in page  # the product factor's reason, in Vietnamese


def test_ranking_filters_by_province_and_hides_near_misses(client, officer, db, nest_firms):
    opp = _create(client, db)
    page = client.get(f"/opportunities/{opp.id}?province=66&eligible_only=y").get_data(
        as_text=True)
    assert nest_firms["c"].name in page
    assert nest_firms["a"].name not in page
    assert nest_firms["d"].name not in page


def test_province_filter_applies_to_the_near_misses_too(client, officer, db, nest_firms):
    opp = _create(client, db)
    home = client.get(f"/opportunities/{opp.id}?province=56").get_data(as_text=True)
    assert nest_firms["d"].name in home[home.index("Chưa đủ điều kiện"):]  # Khánh Hòa
    assert nest_firms["c"].name not in home
    away = client.get(f"/opportunities/{opp.id}?province=66").get_data(as_text=True)
    assert nest_firms["c"].name in away
    assert nest_firms["d"].name not in away  # lacks Halal, but in another province
    from crm.models.base import utcnow

    nest_firms["d"].province_code = 66  # moves: the index re-reads it, the filter follows
    nest_firms["d"].updated_at = utcnow()
    db.session.commit()
    away = client.get(f"/opportunities/{opp.id}?province=66").get_data(as_text=True)
    assert nest_firms["d"].name in away[away.index("Chưa đủ điều kiện"):]


def test_ranking_sees_a_certificate_added_after_the_index_was_built(
        client, officer, db, nest_firms):
    from datetime import date

    from tests import factories

    opp = _create(client, db)
    client.get(f"/opportunities/{opp.id}")  # builds the index
    firm = nest_firms["d"]
    factories.make_certification(firm, scheme_code="HALAL", issued_on=date(2025, 1, 1),
                                 expires_on=date(2030, 1, 1))
    from crm.models.base import utcnow

    firm.updated_at = utcnow()  # what the firm services do on every profile change
    db.session.commit()
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert firm.name in page[:page.index("Chưa đủ điều kiện")]


def test_ranking_sees_a_change_committed_late_with_a_timestamp_below_the_mark(
        client, officer, db, nest_firms):
    """A transaction stamped before the mark it commits after must still be seen."""
    from datetime import date, timedelta

    from crm.models import Firm
    from tests import factories

    opp = _create(client, db)
    client.get(f"/opportunities/{opp.id}")  # builds the index
    mark = db.session.scalar(select(func.max(Firm.updated_at)))
    firm = nest_firms["d"]
    factories.make_certification(firm, scheme_code="HALAL", issued_on=date(2025, 1, 1),
                                 expires_on=date(2030, 1, 1))
    firm.updated_at = mark - timedelta(seconds=2)
    db.session.commit()
    page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert firm.name in page[:page.index("Chưa đủ điều kiện")]


def test_settled_index_reads_no_firm_rows_when_nothing_changed(app, db, nest_firms,
                                                               monkeypatch):
    """Once the slack below the mark has passed, a page's freshness check is one query."""
    import time

    from sqlalchemy import event

    from crm import ranking

    with app.test_request_context():
        ranking.live_index()  # builds
        now = time.monotonic()
        monkeypatch.setattr(ranking.index.time, "monotonic",
                            lambda: now + ranking.index.MARK_SLACK.total_seconds() + 1)
        ranking.live_index()  # reads the window once more, now settled
        statements: list[str] = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            ranking.live_index()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        assert len(statements) == 1, statements


def test_shortlist_invite_confirm_participate_records_every_step(
        client, officer, db, nest_firms):
    opp = _create(client, db)
    top = [nest_firms["a"].id, nest_firms["b"].id, nest_firms["c"].id]
    resp = client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": top})
    assert resp.status_code == 302
    entries = _entries(db, opp)
    a = entries[nest_firms["a"].id]
    assert a.status == "shortlisted"
    assert a.suggested
    assert a.rank_at_shortlist == 1
    assert float(a.score_at_shortlist) > 0
    assert a.reasons_at_shortlist
    assert a.reasons_at_shortlist[0]["parts"][0]["code"] == "product.hs"
    _move(client, opp, [a, entries[nest_firms["b"].id]], "invited")
    _move(client, opp, [a], "confirmed")
    _move(client, opp, [a], "participated")
    entries = _entries(db, opp)
    assert entries[nest_firms["a"].id].status == "participated"
    assert entries[nest_firms["b"].id].status == "invited"
    steps = [(ev.from_status, ev.to_status, ev.user_id) for ev in
             db.session.scalars(select(ShortlistEvent).where(
                 ShortlistEvent.entry_id == entries[nest_firms["a"].id].id)
                 .order_by(ShortlistEvent.id))]
    assert steps == [(None, "shortlisted", officer.id), ("shortlisted", "invited", officer.id),
                     ("invited", "confirmed", officer.id),
                     ("confirmed", "participated", officer.id)]
    board = client.get(f"/opportunities/{opp.id}/board").get_data(as_text=True)
    assert nest_firms["a"].name in board
    assert "Đã tham gia" in board


def test_participated_for_a_firm_never_invited_is_refused_with_a_reason(
        client, officer, db, nest_firms):
    opp = _create(client, db)
    client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": [nest_firms["a"].id]})
    entry = _entries(db, opp)[nest_firms["a"].id]
    page = _move(client, opp, [entry], "participated")
    assert "không thể chuyển từ" in page
    assert "Đã mời" in page
    assert _entries(db, opp)[nest_firms["a"].id].status == "shortlisted"


def test_bulk_change_is_all_or_nothing(client, officer, db, nest_firms):
    opp = _create(client, db)
    ids = [nest_firms["a"].id, nest_firms["b"].id]
    client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": ids})
    entries = _entries(db, opp)
    _move(client, opp, [entries[ids[0]]], "invited")
    _move(client, opp, [entries[ids[0]], entries[ids[1]]], "confirmed")  # b never invited
    entries = _entries(db, opp)
    assert entries[ids[0]].status == "invited"
    assert entries[ids[1]].status == "shortlisted"


def test_passing_over_a_higher_ranked_firm_needs_a_justification(
        client, officer, db, nest_firms):
    opp = _create(client, db)
    third = nest_firms["c"].id  # Đắk Lắk, smallest: ranked below a and b
    resp = client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": [third]},
                       follow_redirects=True)
    assert "Cần nêu lý do" in resp.get_data(as_text=True)
    assert _entries(db, opp) == {}
    client.post(f"/opportunities/{opp.id}/shortlist", data={
        "firm_ids": [third], "justification": "Ưu tiên hợp tác xã vùng Tây Nguyên"})
    entries = _entries(db, opp)
    assert entries[third].status == "shortlisted"
    assert entries[third].justification == "Ưu tiên hợp tác xã vùng Tây Nguyên"
    passed = [e for e in entries.values() if e.status == "passed_over"]
    assert {e.firm_id for e in passed} == {nest_firms["a"].id, nest_firms["b"].id}
    assert all(e.justification for e in passed)


def test_adding_a_firm_that_was_not_suggested_needs_a_justification(
        client, officer, db, nest_firms):
    opp = _create(client, db)
    d = nest_firms["d"]  # lacks Halal: never suggested
    client.post(f"/opportunities/{opp.id}/add-firm", data={"tax_code": d.tax_code})
    assert d.id not in _entries(db, opp)
    client.post(f"/opportunities/{opp.id}/add-firm", data={
        "tax_code": d.tax_code, "justification": "Đang xin chứng nhận Halal, dự kiến tháng 2"})
    entry = _entries(db, opp)[d.id]
    assert not entry.suggested
    assert entry.justification.startswith("Đang xin")


def test_confirming_beyond_slots_or_province_quota_is_refused(client, officer, db, nest_firms):
    opp = _create(client, db, slots="2", quota_province="1")
    ids = [nest_firms["a"].id, nest_firms["b"].id, nest_firms["c"].id]
    client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": ids})
    entries = _entries(db, opp)
    _move(client, opp, list(entries.values()), "invited")
    _move(client, opp, [entries[ids[0]]], "confirmed")
    page = _move(client, opp, [entries[ids[1]]], "confirmed")  # same province as a
    assert "hạn mức" in page
    _move(client, opp, [entries[ids[2]]], "confirmed")  # Đắk Lắk: fine
    entries = _entries(db, opp)
    assert [entries[i].status for i in ids] == ["confirmed", "invited", "confirmed"]
    # Both slots are taken now.
    db.session.get(Opportunity, opp.id).quotas = {}
    db.session.commit()
    page = _move(client, opp, [entries[ids[1]]], "confirmed")
    assert "Đã đủ 2 suất" in page
    assert _entries(db, opp)[ids[1]].status == "invited"


def test_shortlist_exports_open_in_pandas_with_vietnamese_headings(
        client, officer, db, nest_firms):
    opp = _create(client, db)
    ids = [nest_firms["a"].id, nest_firms["b"].id]
    client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": ids})
    resp = client.get(f"/opportunities/{opp.id}/export.xlsx")
    assert resp.status_code == 200
    df = pd.read_excel(io.BytesIO(resp.data), engine="openpyxl")
    assert list(df.columns[:6]) == ["STT", "Mã số thuế", "Tên doanh nghiệp", "Tỉnh/thành",
                                    "Quy mô", "Trạng thái"]
    assert list(df["Tên doanh nghiệp"]) == [nest_firms["a"].name, nest_firms["b"].name]
    assert set(df["Trạng thái"]) == {"Danh sách chọn"}
    assert list(df["Hạng khi chọn"]) == [1, 2]
    resp = client.get(f"/opportunities/{opp.id}/export.csv")
    assert resp.data.startswith("\ufeff".encode())
    df = pd.read_csv(io.BytesIO(resp.data), encoding="utf-8-sig", dtype={"Mã số thuế": str})
    assert list(df["Mã số thuế"]) == [nest_firms["a"].tax_code, nest_firms["b"].tax_code]
    assert "Khánh Hòa" in set(df["Tỉnh/thành"])


def test_shortlist_export_opens_in_libreoffice_with_the_same_rows(
        client, officer, db, nest_firms, tmp_path):
    opp = _create(client, db)
    ids = [nest_firms["a"].id, nest_firms["b"].id]
    client.post(f"/opportunities/{opp.id}/shortlist", data={"firm_ids": ids})
    rows = libreoffice_rows(client.get(f"/opportunities/{opp.id}/export.xlsx").data, tmp_path)
    assert rows[0][:3] == ["STT", "Mã số thuế", "Tên doanh nghiệp"]
    assert [r[2] for r in rows[1:]] == [nest_firms["a"].name, nest_firms["b"].name]
    assert [r[1] for r in rows[1:]] == [nest_firms["a"].tax_code, nest_firms["b"].tax_code]


@pytest.mark.parametrize(("field", "value"), [
    ("budget_vnd", "-1000"),
    ("cofunding_share", "120"),
    ("slots", "-2"),
    ("ends_on", "2027-03-01"),  # before starts_on
    ("deadline", "2027-04-01"),  # after starts_on
    ("hs_prefixes", "0410, 9999"),
    ("markets", "AE, XX"),
    ("required_certifications", ["NOPE"]),
])
def test_bad_opportunity_input_is_refused_at_the_field(client, officer, db, field, value):
    before = db.session.scalar(select(func.count()).select_from(Opportunity))
    resp = client.post("/opportunities/new", data={**MISSION, field: value})
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert f'id="{field}"' in html
    assert "is-invalid" in html
    assert db.session.scalar(select(func.count()).select_from(Opportunity)) == before


def test_distribution_opportunity_needs_a_known_partner_and_takes_its_wishes(
        client, officer, db):
    resp = client.post("/opportunities/new", data={
        "kind": "distribution_partner", "title": "Nhà phân phối tìm nguồn", "status": "open",
        "partner_id": "999999"})
    assert resp.status_code == 200
    assert "Không có đối tác này" in resp.get_data(as_text=True)
    client.post("/partners/new", data={
        "name": "Saigon Mart Dubai", "kind": "supermarket_chain", "diaspora_owned": "y",
        "country_code": "AE", "hs_prefixes": "0410", "keywords": "yến sào",
        "required_certifications": ["HALAL"]})
    from crm.models import Partner

    partner = db.session.scalar(select(Partner).where(Partner.name == "Saigon Mart Dubai"))
    opp = _create(client, db, kind="distribution_partner", partner_id=str(partner.id),
                  markets="", hs_prefixes="", keywords="", required_certifications=[])
    assert opp.markets == ["AE"]
    assert opp.hs_prefixes == ["0410"]
    assert opp.required_certifications == ["HALAL"]


def test_market_group_is_expanded_into_countries(client, officer, db):
    opp = _create(client, db, markets="GCC")
    assert "AE" in opp.markets
    assert "SA" in opp.markets
    assert "GCC" not in opp.markets


def test_firm_page_shows_the_open_opportunities_it_fits(client, officer, db, nest_firms):
    from flask import render_template_string

    opp = _create(client, db)
    with client.application.test_request_context():
        from flask_login import login_user

        login_user(officer)
        html = render_template_string('{% include "opportunities/_for_firm.html" %}',
                                      firm=nest_firms["a"])
    assert opp.title in html


def test_firm_page_sees_its_own_new_certificate_and_support_at_once(
        client, officer, db, nest_firms):
    """The firm page refreshes only its firm in the index: its own changes show at once."""
    from datetime import date

    from crm.models.base import utcnow
    from tests import factories

    opp = _create(client, db)
    firm = nest_firms["d"]  # lacks HALAL: a near-miss
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)  # builds the index
    assert opp.title in page
    assert "khi có Halal còn hiệu lực" in page
    factories.make_certification(firm, scheme_code="HALAL", issued_on=date(2025, 1, 1),
                                 expires_on=date(2030, 1, 1))
    firm.updated_at = utcnow()
    db.session.commit()
    page = client.get(f"/firms/{firm.id}").get_data(as_text=True)
    assert "khi có Halal còn hiệu lực" not in page
    # The ranking page, which refreshes every firm, agrees.
    ranking_page = client.get(f"/opportunities/{opp.id}").get_data(as_text=True)
    assert firm.name in ranking_page[:ranking_page.index("Chưa đủ điều kiện")]


def test_viewer_reads_the_ranking_but_cannot_shortlist(client, login_as, db, nest_firms):
    login_as("officer")
    opp = _create(client, db)
    client.post("/logout")
    login_as("viewer")
    assert client.get(f"/opportunities/{opp.id}").status_code == 200
    assert client.get(f"/opportunities/{opp.id}/board").status_code == 200
    resp = client.post(f"/opportunities/{opp.id}/shortlist",
                       data={"firm_ids": [nest_firms["a"].id]})
    assert resp.status_code == 403
    assert client.post("/opportunities/new", data=MISSION).status_code == 403


def test_enterprise_user_gets_403_on_staff_opportunity_pages(client, login_as, db):
    login_as("officer")
    opp = _create(client, db)
    client.post("/logout")
    login_as("enterprise")
    assert client.get("/opportunities/").status_code == 403
    assert client.get(f"/opportunities/{opp.id}").status_code == 403
    assert client.get(f"/opportunities/{opp.id}/export.xlsx").status_code == 403
