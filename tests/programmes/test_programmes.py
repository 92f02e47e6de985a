"""Programmes through the app: seeded targets, KPIs computed from records, dashboard,
before/after comparison, annual report and activity proposal exports."""

from __future__ import annotations

import io
import itertools
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import func, select

from crm import kpi
from crm.models import FirmIndicator, Interaction, Opportunity, Programme, ProgrammeTarget
from crm.programmes import queries
from crm.programmes.seed import seed_programmes
from tests import factories
from tests.office import libreoffice_rows

THIS_YEAR = date.today().year


_codes = itertools.count(1)


@pytest.fixture
def programme(db):
    """A programme of its own (records of other tests never count), covering today."""
    p = Programme(code=f"T-{uuid.uuid4().hex[:10]}-{next(_codes)}", name="Chương trình thử",
                  province_code=56, start_year=THIS_YEAR - 1, end_year=THIS_YEAR + 1)
    db.session.add(p)
    db.session.commit()
    return p


def _interaction(firm, programme, kind="training", on=None, **kw):
    it = Interaction(firm=firm, programme=programme, kind=kind,
                     occurred_on=on or date.today() - timedelta(days=1),
                     summary=kw.pop("summary", "Khóa đào tạo xuất khẩu"), **kw)
    from crm.extensions import db

    db.session.add(it)
    db.session.flush()
    return it


def test_seed_creates_local_go_global_targets_once(db):
    first = seed_programmes()
    seed_programmes()
    count = db.session.scalar(select(func.count()).select_from(ProgrammeTarget).where(
        ProgrammeTarget.programme_id == first.id))
    targets = {(t.kpi_code, t.year): t.target_value for t in first.targets}
    assert count == len(targets)
    assert targets[("training_participations", None)] == 300
    assert targets[("firms_export_plan", None)] == 30
    assert targets[("large_firms_value_chain", None)] == 2
    assert targets[("firms_export_plan", 2027)] == 8
    assert (first.start_year, first.end_year, first.province_code) == (2026, 2030, 56)


def test_every_kpi_shows_its_definition(client, db, officer):
    programme = seed_programmes()
    db.session.commit()
    page = client.get("/programmes/kpis").get_data(as_text=True)
    for k in kpi.CATALOGUE:
        assert str(k.definition) in page
    dashboard = client.get(f"/programmes/{programme.id}/dashboard").get_data(as_text=True)
    assert str(kpi.KPIS["training_participations"].definition) in dashboard


def test_kpis_count_participations_distinct_firms_and_ignore_planned_activities(db, programme):
    a, b = factories.make_firm(), factories.make_firm(size_class="large")
    _interaction(a, programme, "training", summary="Khóa 1")
    _interaction(a, programme, "training", summary="Khóa 2")
    _interaction(b, programme, "training", summary="Khóa 1")
    _interaction(b, programme, "value_chain")
    _interaction(a, programme, "training", on=date.today() + timedelta(days=10))  # planned
    assert kpi.compute_for("training_participations", programme) == 3
    assert kpi.compute_for("training_events", programme) == 2
    assert kpi.compute_for("firms_supported", programme) == 2
    assert kpi.compute_for("large_firms_value_chain", programme) == 1


def test_kpi_breaks_down_by_sector_and_filters_by_province(db, programme):
    a = factories.make_firm(sectors=["seafood"], province_code=56)
    b = factories.make_firm(sectors=["seafood", "birds_nest"], province_code=1)
    _interaction(a, programme)
    _interaction(b, programme)
    scope = kpi.scope_for(programme)
    assert dict(kpi.breakdown("firms_supported", scope, "sector")) == {
        "seafood": 2, "birds_nest": 1}
    assert kpi.compute_for("firms_supported", programme, province=56) == 1
    assert kpi.compute_for("firms_supported", programme, sector="birds_nest") == 1


def _record_contract(client, firm, programme, value="250000"):
    return client.post("/support/outcomes/new", data={
        "firm_tax_code": firm.tax_code, "kind": "contract", "result": "",
        "occurred_on": date.today().isoformat(), "programme_id": str(programme.id),
        "opportunity_id": "0", "partner_id": "0", "partner_name": "Osaka Trading",
        "value_usd": value, "market": "JP", "platform": "", "note": "", "task_id": "",
        "interaction_id": "",
    })


def test_recorded_contract_moves_the_kpi_on_dashboard_and_in_the_excel_report(
    client, db, officer, programme
):
    firm = factories.make_firm(name="Công ty Thủy Sản Cam Ranh")
    db.session.commit()
    url = f"/programmes/{programme.id}/dashboard?year={THIS_YEAR}"
    before = client.get(url).get_data(as_text=True)
    assert 'data-kpi="contracts_signed"><td>' in before
    assert _record_contract(client, firm, programme).status_code == 302
    after = client.get(url).get_data(as_text=True)
    row = after[after.index('data-kpi="contract_value_usd"'):]
    assert "250.000" in row[:400]
    resp = client.get(f"/programmes/{programme.id}/report.xlsx?year={THIS_YEAR}")
    assert resp.status_code == 200
    book = io.BytesIO(resp.data)
    kpis = pd.read_excel(book, sheet_name="Chỉ tiêu")
    contracts = kpis[kpis["Mã chỉ tiêu"] == "contracts_signed"].iloc[0]
    assert contracts[f"Thực hiện năm {THIS_YEAR}"] == 1
    value = kpis[kpis["Mã chỉ tiêu"] == "contract_value_usd"].iloc[0]
    assert value[f"Thực hiện năm {THIS_YEAR}"] == 250000
    assert kpis["Định nghĩa"].notna().all()
    outcomes = pd.read_excel(book, sheet_name="Kết quả")
    assert list(outcomes["Doanh nghiệp"]) == ["Công ty Thủy Sản Cam Ranh"]
    assert list(outcomes["Đối tác"]) == ["Osaka Trading"]


def test_annual_report_opens_in_libreoffice_with_its_cover_sheet(
    client, db, officer, programme, tmp_path
):
    resp = client.get(f"/programmes/{programme.id}/report.xlsx?year={THIS_YEAR}")
    rows = libreoffice_rows(resp.data, tmp_path)  # the first sheet: Báo cáo
    assert rows[0][0] == f"BÁO CÁO KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH NĂM {THIS_YEAR}"
    fields = {r[0]: r[1] for r in rows[1:] if len(r) > 1}
    assert fields["Chương trình"] == programme.name
    assert fields["Mã chương trình"] == programme.code
    assert fields["Giai đoạn"] == f"{programme.start_year}-{programme.end_year}"


def test_printable_report_lists_kpis_activities_and_outcomes(client, db, officer, programme):
    firm = factories.make_firm(name="HTX Yến Sào Vạn Ninh")
    _interaction(firm, programme, "export_plan", summary="Lập kế hoạch xuất khẩu sang UAE")
    db.session.commit()
    page = client.get(f"/programmes/{programme.id}/report?year={THIS_YEAR}").get_data(
        as_text=True)
    assert "Lập kế hoạch xuất khẩu sang UAE" in page
    assert str(kpi.KPIS["firms_export_plan"].name) in page
    assert "programmes.css" in page  # print stylesheet


def test_annual_report_with_thousands_of_activities_exports_every_row(
    client, db, officer, programme
):
    firm = factories.make_firm()
    day = date.today() - timedelta(days=1)
    db.session.execute(Interaction.__table__.insert(), [
        {"firm_id": firm.id, "programme_id": programme.id, "kind": "training",
         "occurred_on": day, "summary": f"Lượt {n}", "created_at": day, "updated_at": day}
        for n in range(3000)
    ])
    db.session.commit()
    resp = client.get(f"/programmes/{programme.id}/report.xlsx?year={day.year}")
    sheet = pd.read_excel(io.BytesIO(resp.data), sheet_name="Hoạt động",
                          dtype={"Mã số thuế": str})
    assert len(sheet[sheet["Mã số thuế"] == firm.tax_code]) == 3000


def test_before_after_compares_medians_of_supported_and_not_supported_firms(db, programme):
    programme.start_year, programme.end_year = 2001, 2005
    start = programme.start_year
    supported = [factories.make_firm() for _ in range(3)]
    others = [factories.make_firm() for _ in range(2)]
    # supported firms: first support in `start`; figures the year before and two years later
    for firm, (before, after, m0, m1) in zip(
        supported, [(100, 300, 1, 3), (200, 200, 2, 2), (400, 1000, 1, 4)], strict=True
    ):
        _interaction(firm, programme, "consulting", on=date(start, 3, 1))
        db.session.add_all([
            FirmIndicator(firm_id=firm.id, year=start - 1, export_revenue_usd=before,
                          export_markets=m0),
            FirmIndicator(firm_id=firm.id, year=start + 1, export_revenue_usd=after,
                          export_markets=m1),
        ])
    for firm, (before, after) in zip(others, [(100, 110), (300, 290)], strict=True):
        db.session.add_all([
            FirmIndicator(firm_id=firm.id, year=start - 1, export_revenue_usd=before,
                          export_markets=1),
            FirmIndicator(firm_id=firm.id, year=start + 1, export_revenue_usd=after,
                          export_markets=1),
        ])
    lonely = factories.make_firm()  # figures only after: cannot be compared
    db.session.add(FirmIndicator(firm_id=lonely.id, year=start + 1, export_revenue_usd=5))
    db.session.flush()
    result = queries.before_after(programme)
    s, n = result["supported"], result["not_supported"]
    assert s.firms == 3
    assert s.before["export_revenue_usd"] == Decimal(200)
    assert s.after["export_revenue_usd"] == Decimal(300)
    assert s.before["export_markets"] == 1
    assert s.after["export_markets"] == 3
    assert n.firms == 2
    assert n.before["export_revenue_usd"] == Decimal(200)
    assert n.after["export_revenue_usd"] == Decimal(200)
    assert s.change("export_revenue_usd") == Decimal(100)


def test_proposal_form_is_filled_from_open_opportunities_and_planned_support(
    client, db, officer, programme
):
    next_year = THIS_YEAR + 1
    db.session.add(Opportunity(
        code="TF-DXB-1", kind="trade_fair", title="Hội chợ Gulfood Dubai",
        programme_id=programme.id, status="open", starts_on=date(next_year, 2, 10),
        ends_on=date(next_year, 2, 14), location="Dubai", markets=["AE"],
        slots=8, budget_vnd=450_000_000, cofunding_share=30,
    ))
    firm = factories.make_firm(sectors=["birds_nest"])
    _interaction(firm, programme, "training", on=date(next_year, 5, 5),
                 summary="Tập huấn TMĐT xuyên biên giới", cost_vnd=20_000_000)
    db.session.commit()
    page = client.get(f"/programmes/{programme.id}/proposal?year={next_year}").get_data(
        as_text=True)
    assert "Hội chợ Gulfood Dubai" in page
    assert "Tập huấn TMĐT xuyên biên giới" in page
    assert "470 triệu đồng" in page  # 450 + 20 million
    resp = client.get(f"/programmes/{programme.id}/proposal.xlsx?year={next_year}")
    sheet = pd.read_excel(io.BytesIO(resp.data))
    assert list(sheet["Tên nhiệm vụ, hoạt động"]) == [
        "Hội chợ Gulfood Dubai", "Tập huấn TMĐT xuyên biên giới"]
    assert "Dubai" in sheet.iloc[0]["Địa điểm"]
    assert "30%" in sheet.iloc[0]["Kinh phí thực hiện (tổng kinh phí, nguồn kinh phí)"]
    assert sheet["Dự kiến hiệu quả đạt được"].str.len().min() > 0


def test_manager_sets_a_target_but_negative_or_unknown_kpis_are_refused(
    client, db, login_as, programme
):
    login_as("manager")
    url = f"/programmes/{programme.id}"
    resp = client.post(url, data={"kpi_code": "contracts_signed", "year": str(THIS_YEAR),
                                  "target_value": "-3", "note": ""})
    assert "Không được âm." in resp.get_data(as_text=True)
    resp = client.post(url, data={"kpi_code": "made_up", "year": "", "target_value": "3"})
    assert "Chỉ tiêu không có trong danh mục." in resp.get_data(as_text=True)
    resp = client.post(url, data={"kpi_code": "contracts_signed", "year": str(THIS_YEAR),
                                  "target_value": "5", "note": ""})
    assert resp.status_code == 302
    assert any(t.kpi_code == "contracts_signed" and t.target_value == 5
               for t in programme.targets)


def test_viewer_reads_dashboards_and_reports_but_cannot_set_targets(
    client, db, login_as, programme
):
    login_as("viewer")
    for url in (f"/programmes/{programme.id}", f"/programmes/{programme.id}/dashboard",
                f"/programmes/{programme.id}/report", "/programmes/"):
        assert client.get(url).status_code == 200, url
    resp = client.post(f"/programmes/{programme.id}",
                       data={"kpi_code": "contracts_signed", "target_value": "5"})
    assert resp.status_code == 403


def test_enterprise_user_gets_403_on_programme_pages(client, db, login_as, programme):
    login_as("enterprise")
    for url in ("/programmes/", f"/programmes/{programme.id}/dashboard",
                f"/programmes/{programme.id}/report.xlsx"):
        assert client.get(url).status_code == 403, url


def test_programme_workbooks_keep_formula_like_text_as_text_under_a_frozen_filtered_header(
    client, db, officer, programme
):
    import openpyxl

    evil = '=HYPERLINK("http://evil.example","x")'
    firm = factories.make_firm(name="@SUM(A1)")
    _interaction(firm, programme, "training", summary="-2 ngày tập huấn")
    db.session.commit()
    resp = client.get(f"/programmes/{programme.id}/report.xlsx?year={THIS_YEAR}")
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    ws = book["Hoạt động"]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:J2"
    assert [(c.value, c.data_type) for c in (ws["C2"], ws["F2"])] == [
        ("@SUM(A1)", "s"), ("-2 ngày tập huấn", "s")]
    resp = client.get(f"/programmes/{programme.id}/proposal.xlsx",
                      query_string={"year": THIS_YEAR, "lead_unit": evil})
    book = openpyxl.load_workbook(io.BytesIO(resp.data))
    texts = [c for row in book["Thông tin"].iter_rows() for c in row if c.value]
    assert any(c.value.startswith(evil) and c.data_type == "s" for c in texts)
    assert all(c.data_type != "f" for ws in book for row in ws.iter_rows() for c in row)
