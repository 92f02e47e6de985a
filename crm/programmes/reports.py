"""The annual programme report and the activity-proposal form (annex 2 of seed 001).

Both are built once as plain rows, then rendered as a printable page or as .xlsx (written by
crm.spreadsheets, streaming rows: thousands of activities fit in little memory and time).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext
from sqlalchemy import func, select

from crm import clock, display, kpi, spreadsheets
from crm.extensions import db
from crm.interactions.labels import support_label
from crm.models import Interaction, Outcome, Programme
from crm.programmes import queries

DEFAULT_LEAD_UNIT = "Trung tâm Xúc tiến Đầu tư, Thương mại và Du lịch tỉnh Khánh Hòa"
PRINT_ROW_LIMIT = 500  # the printable page lists this many; the workbook lists all

OBJECTIVES = {
    "training": _l("Nâng cao năng lực doanh nghiệp tham gia thị trường quốc tế"),
    "consulting": _l("Tư vấn doanh nghiệp vươn ra thị trường quốc tế"),
    "export_plan": _l("Hỗ trợ doanh nghiệp xây dựng kế hoạch vươn ra thị trường quốc tế"),
    "trade_mission": _l("Kết nối giao thương, tìm kiếm đối tác, mở rộng thị trường xuất khẩu"),
    "trade_fair": _l("Quảng bá sản phẩm, kết nối giao thương tại hội chợ, triển lãm quốc tế"),
    "b2b_meeting": _l("Kết nối doanh nghiệp với nhà nhập khẩu, hệ thống phân phối nước ngoài"),
    "ecommerce_onboarding": _l(
        "Hỗ trợ doanh nghiệp kinh doanh trên sàn thương mại điện tử xuyên biên giới"
    ),
    "certification_support": _l("Hỗ trợ doanh nghiệp đáp ứng tiêu chuẩn của thị trường nhập khẩu"),
    "trademark_support": _l("Hỗ trợ doanh nghiệp bảo hộ nhãn hiệu tại thị trường nước ngoài"),
    "market_information": _l("Cung cấp thông tin thị trường, cảnh báo rủi ro cho doanh nghiệp"),
    "investment_abroad": _l("Hỗ trợ doanh nghiệp đầu tư ra nước ngoài"),
    "value_chain": _l("Hỗ trợ doanh nghiệp tham gia chuỗi giá trị khu vực và toàn cầu"),
    "other": _l("Hỗ trợ doanh nghiệp vươn ra thị trường quốc tế"),
}
# Results a trade activity is expected to bring, beyond the KPIs of its own kind.
TRADE_KINDS = frozenset({"trade_mission", "trade_fair", "b2b_meeting"})


def _vnd(value: Decimal | None) -> str:
    return _("%(v)s đồng", v=kpi.format_value(value))


# --- the annual report ----------------------------------------------------------------------


@dataclass
class ReportKpi:
    """One KPI line of the annual report."""

    kpi: kpi.Kpi
    year_target: Decimal | None
    year_actual: Decimal
    period_target: Decimal | None
    period_actual: Decimal  # cumulated from the programme's start to the end of the year

    @property
    def period_percent(self) -> float | None:
        """Cumulated progress against the period target, in %."""
        if not self.period_target:
            return None
        return float(self.period_actual / self.period_target * 100)


def report_kpis(programme: Programme, year: int, as_of: date | None = None) -> list[ReportKpi]:
    """Every KPI: target and actual of the year, period target and cumulated actual."""
    as_of = min(as_of or clock.today(), date(year, 12, 31))
    year_targets = {t.kpi_code: t.target_value for t in programme.targets if t.year == year}
    period_targets = {t.kpi_code: t.target_value for t in programme.targets if t.year is None}
    cumulated = kpi.Scope(programme_id=programme.id, start=date(programme.start_year, 1, 1),
                          end=as_of)
    return [
        ReportKpi(
            k, year_targets.get(k.code),
            kpi.compute_for(k.code, programme, year, as_of=as_of),
            period_targets.get(k.code), kpi.compute(k.code, cumulated),
        )
        for k in kpi.CATALOGUE
    ]


def year_scope(programme: Programme, year: int) -> kpi.Scope:
    """Records of the programme in `year`, done by today."""
    return kpi.scope_for(programme, year)


def activities(programme: Programme, year: int, limit: int | None = None) -> Iterator[Interaction]:
    """The programme's interactions of the year, streamed."""
    stmt = kpi.interactions_in(year_scope(programme, year))
    if limit:
        stmt = stmt.limit(limit)
    yield from db.session.scalars(stmt.execution_options(yield_per=500))


def outcomes(programme: Programme, year: int, limit: int | None = None) -> Iterator[Outcome]:
    """Outcomes attributed to the programme in `year`, streamed."""
    stmt = kpi.outcomes_in(year_scope(programme, year))
    if limit:
        stmt = stmt.limit(limit)
    yield from db.session.scalars(stmt.execution_options(yield_per=500))


def annual_report_rows(programme: Programme, year: int) -> int:
    """Data rows of the activities and outcomes sheets (for the audit trail: the activities
    name the officers)."""
    scope = year_scope(programme, year)
    return sum(db.session.scalar(select(func.count()).select_from(
        stmt.order_by(None).subquery())) or 0
        for stmt in (kpi.interactions_in(scope), kpi.outcomes_in(scope)))


def activity_row(it: Interaction) -> list[Any]:
    """One line of the activities sheet."""
    return [
        it.occurred_on, it.firm.tax_code, it.firm.name,
        display.province_name(it.firm.province_code),
        support_label(it.kind), it.summary, it.officer.name if it.officer else "",
        it.opportunity.title if it.opportunity else "",
        int(it.cost_vnd) if it.cost_vnd is not None else None,
        int(it.firm_contribution_vnd) if it.firm_contribution_vnd is not None else None,
    ]


def outcome_row(o: Outcome) -> list[Any]:
    """One line of the outcomes sheet."""
    return [
        o.occurred_on, o.firm.tax_code, o.firm.name, support_label(o.kind),
        support_label(o.result), o.partner.name if o.partner else (o.partner_name or ""),
        display.country_name(o.market) if o.market else "",
        float(o.value_usd) if o.value_usd is not None else None, o.note or "",
    ]


def activity_headings() -> list[str]:
    """Vietnamese headings of the activities sheet."""
    return [_("Ngày"), _("Mã số thuế"), _("Doanh nghiệp"), _("Tỉnh/thành"), _("Loại hoạt động"),
            _("Nội dung"), _("Cán bộ"), _("Cơ hội"), _("Chi phí ngân sách (VND)"),
            _("Doanh nghiệp đóng góp (VND)")]


def outcome_headings() -> list[str]:
    """Vietnamese headings of the outcomes sheet."""
    return [_("Ngày"), _("Mã số thuế"), _("Doanh nghiệp"), _("Loại kết quả"), _("Kết quả"),
            _("Đối tác"), _("Thị trường"), _("Giá trị (USD)"), _("Ghi chú")]


def kpi_headings(year: int) -> list[str]:
    """Vietnamese headings of the KPI sheet."""
    return [_("Mã chỉ tiêu"), _("Chỉ tiêu"), _("Định nghĩa"), _("Đơn vị"),
            _("Kế hoạch năm %(y)d", y=year), _("Thực hiện năm %(y)d", y=year),
            _("Mục tiêu giai đoạn"), _("Lũy kế giai đoạn"), _("Tỷ lệ lũy kế (%)")]


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def kpi_row(r: ReportKpi) -> list[Any]:
    """One line of the KPI sheet."""
    pct = r.period_percent
    return [r.kpi.code, str(r.kpi.name), str(r.kpi.definition), str(r.kpi.unit),
            _number(r.year_target), _number(r.year_actual), _number(r.period_target),
            _number(r.period_actual), round(pct, 1) if pct is not None else None]


def annual_report_xlsx(programme: Programme, year: int) -> bytes:
    """The annual report workbook: KPIs, activities, outcomes, before/after."""
    wb = spreadsheets.workbook()
    spreadsheets.add_rows(wb, _("Báo cáo"), [
        [_("BÁO CÁO KẾT QUẢ THỰC HIỆN CHƯƠNG TRÌNH NĂM %(y)d", y=year)],
        [_("Chương trình"), programme.name],
        [_("Mã chương trình"), programme.code],
        [_("Giai đoạn"), f"{programme.start_year}-{programme.end_year}"],
        [_("Ngày lập"), spreadsheets.local_time().date()],
        [_("Ghi chú"), _("Mọi chỉ tiêu được tính từ dữ liệu ghi nhận trong hệ thống, "
                         "không nhập tay; định nghĩa ở cột «Định nghĩa».")],
    ])
    spreadsheets.add_table(wb, _("Chỉ tiêu"), kpi_headings(year),
                           (kpi_row(r) for r in report_kpis(programme, year)),
                           widths=[None, 45, 70])
    spreadsheets.add_table(wb, pgettext("sheet", "Hoạt động"), activity_headings(),
                           (activity_row(it) for it in activities(programme, year)))
    spreadsheets.add_table(wb, _("Kết quả"), outcome_headings(),
                           (outcome_row(o) for o in outcomes(programme, year)))
    spreadsheets.add_table(wb, _("Trước-sau hỗ trợ"), before_after_headings(),
                           before_after_rows(programme))
    return spreadsheets.xlsx_bytes(wb)


def before_after_headings() -> list[str]:
    """Vietnamese headings of the before/after sheet."""
    return [_("Nhóm"), _("Số doanh nghiệp so sánh được"), _("Chỉ số"), _("Trung vị trước"),
            _("Trung vị sau"), _("Thay đổi")]


METRIC_LABELS = {
    "export_revenue_usd": _l("Kim ngạch xuất khẩu (USD)"),
    "export_markets": _l("Số thị trường xuất khẩu"),
}
GROUP_LABELS = {
    "supported": _l("Doanh nghiệp được hỗ trợ"),
    "not_supported": _l("Doanh nghiệp chưa được hỗ trợ"),
}


def before_after_rows(programme: Programme) -> list[list[Any]]:
    """Rows of the before/after comparison: group, firms, metric, before, after, change."""
    rows = []
    for group, comp in queries.before_after(programme).items():
        for metric in queries.METRICS:
            rows.append([str(GROUP_LABELS[group]), comp.firms, str(METRIC_LABELS[metric]),
                         _number(comp.before[metric]), _number(comp.after[metric]),
                         _number(comp.change(metric))])
    return rows


# --- the activity-proposal form (seed 001, annex 2) -----------------------------------------


def _expected_effect(activity: queries.PlannedActivity) -> str:
    names = [str(k.name) for k in kpi.CATALOGUE
             if k.source == "interactions" and activity.kind in k.kinds]
    if activity.kind in TRADE_KINDS:
        names += [str(kpi.KPIS["contracts_signed"].name), str(kpi.KPIS["new_markets"].name)]
    if activity.kind == "ecommerce_onboarding":
        names.append(str(kpi.KPIS["firms_active_ecommerce"].name))
    expected = len(activity.firms) or activity.slots or 0
    parts = []
    if expected:
        parts.append(_("Dự kiến %(n)d doanh nghiệp tham gia", n=expected))
    if names:
        parts.append(_("đóng góp chỉ tiêu: %(k)s", k="; ".join(names)))
    return ", ".join(parts) + ("." if parts else "")


def _period(activity: queries.PlannedActivity) -> str:
    if activity.starts_on is None:
        return _("Chưa xác định")
    start = activity.starts_on.strftime("%d/%m/%Y")
    if activity.ends_on and activity.ends_on != activity.starts_on:
        return f"{start} - {activity.ends_on.strftime('%d/%m/%Y')}"
    return start


def _products(activity: queries.PlannedActivity) -> str:
    names = []
    for p in activity.products:
        title = display.hs_title(p) if p.isdigit() else ""
        if len(title) > 60:  # HS descriptions run long; the form needs a name, not a legal text
            title = title[:60].rsplit(" ", 1)[0] + "…"
        names.append(f"{p} {title}".strip() if title else display.label(p))
    return ", ".join(names)


def proposal_fields(activity: queries.PlannedActivity, lead_unit: str,
                    programme: Programme) -> list[tuple[str, str]]:
    """The annex-2 fields of one activity, in the form's order, as (label, text)."""
    firms = activity.firms
    participants = ", ".join(f.name for f in firms[:10]) + ("…" if len(firms) > 10 else "")
    scale = []
    if activity.slots:
        scale.append(_("%(n)d doanh nghiệp", n=activity.slots))
    elif firms:
        scale.append(_("%(n)d doanh nghiệp", n=len(firms)))
    if participants:
        scale.append(_("gồm: %(names)s", names=participants))
    if activity.products:
        scale.append(_("sản phẩm, ngành hàng: %(p)s", p=_products(activity)))
    place = activity.place
    if activity.markets:
        markets = ", ".join(display.country_name(m) for m in activity.markets)
        place = f"{place} ({markets})" if place else markets
    budget = [_("Tổng kinh phí: %(v)s", v=_vnd(activity.budget_vnd))]
    budget.append(_("nguồn: ngân sách %(p)s", p=programme.name))
    if activity.cofunding_share:
        share = kpi.format_value(activity.cofunding_share)
        budget.append(_("doanh nghiệp đối ứng %(s)s%%", s=share))
    if activity.firm_contribution_vnd:
        budget.append(_("doanh nghiệp đóng góp %(v)s", v=_vnd(activity.firm_contribution_vnd)))
    return [
        (_("Mục tiêu"), str(OBJECTIVES.get(activity.kind, OBJECTIVES["other"]))),
        (_("Nội dung thực hiện"), activity.content or support_label(activity.kind)),
        (_("Quy mô (số lượng), đối tượng, sản phẩm, ngành hàng tham gia"), "; ".join(scale)),
        (_("Thời gian"), _period(activity)),
        (_("Địa điểm"), place),
        (_("Đơn vị chủ trì"), lead_unit),
        (_("Đơn vị phối hợp"), activity.partner_units),
        (_("Kinh phí thực hiện (tổng kinh phí, nguồn kinh phí)"), "; ".join(budget)),
        (_("Dự kiến hiệu quả đạt được"), _expected_effect(activity)),
    ]


@dataclass
class Proposal:
    """The filled proposal form: intro line and one block per activity."""

    year: int
    lead_unit: str
    total_vnd: Decimal
    items: list[tuple[queries.PlannedActivity, list[tuple[str, str]]]]

    @property
    def total_million_vnd(self) -> str:
        """Total budget in millions of đồng, as the form asks."""
        return kpi.format_value((self.total_vnd / 1_000_000).quantize(Decimal("0.1")))


def proposal(programme: Programme, year: int, lead_unit: str | None = None) -> Proposal:
    """The activity-proposal form of `year` filled from the programme's planned activities."""
    lead_unit = (lead_unit or DEFAULT_LEAD_UNIT).strip()[:255]
    planned = queries.planned_activities(programme, year)
    return Proposal(
        year=year, lead_unit=lead_unit,
        total_vnd=sum((a.budget_vnd for a in planned), Decimal(0)),
        items=[(a, proposal_fields(a, lead_unit, programme)) for a in planned],
    )


def proposal_headings() -> list[str]:
    """Vietnamese headings of the proposal sheet (annex 2 fields)."""
    return [_("STT"), _("Tên nhiệm vụ, hoạt động"), _("Mục tiêu"), _("Nội dung thực hiện"),
            _("Quy mô (số lượng), đối tượng, sản phẩm, ngành hàng tham gia"), _("Thời gian"),
            _("Địa điểm"), _("Đơn vị chủ trì"), _("Đơn vị phối hợp"),
            _("Kinh phí thực hiện (tổng kinh phí, nguồn kinh phí)"),
            _("Dự kiến hiệu quả đạt được")]


def proposal_xlsx(programme: Programme, p: Proposal) -> bytes:
    """The proposal form as a workbook: intro lines, then one row per activity."""
    wb = spreadsheets.workbook()
    spreadsheets.add_table(
        wb, pgettext("sheet", "Đề xuất"), proposal_headings(),
        ([n, activity.name, *[text for _label, text in fields]]
         for n, (activity, fields) in enumerate(p.items, start=1)),
        widths=(5, 35, 35, 45, 45, 18, 25, 30, 30, 40, 45))
    spreadsheets.add_rows(wb, _("Thông tin"), [
        [_("V/v đề xuất nhiệm vụ, hoạt động năm %(y)d", y=p.year)],
        [_("Kính gửi: Sở Công Thương")],
        [_("%(unit)s đề xuất thực hiện %(n)d nhiệm vụ, hoạt động trong năm %(y)d, với "
           "tổng kinh phí thực hiện %(total)s triệu đồng.",
           unit=p.lead_unit, n=len(p.items), y=p.year, total=p.total_million_vnd)],
        [_("Chương trình"), programme.name],
    ])
    return spreadsheets.xlsx_bytes(wb)
