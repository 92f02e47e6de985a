"""THE KPI catalogue: every programme indicator, its definition, and how it is computed.

KPIs are never typed in: each one is computed from the support log (interactions) or
from recorded outcomes, for a programme, a year or the whole period, optionally narrowed
to one sector, province or market, or broken down by year, sector, province or market.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import aliased

from crm import clock
from crm.extensions import db
from crm.models import Firm, Interaction, Opportunity, Outcome, Programme

UNKNOWN = ""  # group key for records without a sector / province / market
BREAKDOWNS = ("year", "sector", "province", "market")


@dataclass(frozen=True)
class Kpi:
    """One indicator: code, names, definition and the rule that computes it."""

    code: str
    name: Any  # lazy Vietnamese msgid
    name_en: str
    definition: Any  # lazy Vietnamese msgid, shown beside the value
    source: str  # "interactions" or "outcomes"
    aggregate: str  # "count", "firms" (distinct), "events" (distinct date+summary), "sum"
    kinds: tuple[str, ...] = ()
    value_field: str | None = None  # for "sum"
    results: tuple[str, ...] = ()  # outcomes: only these follow-up results
    large_firms_only: bool = False
    unit: Any = field(default_factory=lambda: _l("doanh nghiệp"))

    @property
    def name_vi(self) -> str:
        """The Vietnamese name, whatever the interface language."""
        return self.name._args[0] if hasattr(self.name, "_args") else str(self.name)


CATALOGUE: tuple[Kpi, ...] = (
    Kpi(
        "training_participations", _l("Lượt doanh nghiệp được đào tạo"),
        "Firm-participations in training",
        _l("Số lượt tham gia: mỗi doanh nghiệp trong mỗi hoạt động loại «Đào tạo» đã diễn ra "
           "được tính một lượt (một doanh nghiệp học hai khóa là hai lượt)."),
        "interactions", "count", kinds=("training",), unit=_l("lượt"),
    ),
    Kpi(
        "training_events", _l("Hội nghị, hội thảo, khóa đào tạo đã tổ chức"),
        "Conferences and courses held",
        _l("Số khóa/hội thảo khác nhau: các lượt «Đào tạo» cùng ngày và cùng nội dung tóm tắt "
           "được tính là một khóa."),
        "interactions", "events", kinds=("training",), unit=_l("khóa"),
    ),
    Kpi(
        "firms_export_plan",
        _l("Doanh nghiệp được tư vấn, xây dựng kế hoạch vươn ra thị trường quốc tế"),
        "Firms consulted and given an export plan",
        _l("Số doanh nghiệp không trùng lặp có ít nhất một hoạt động loại «Xây dựng kế hoạch "
           "xuất khẩu» đã diễn ra."),
        "interactions", "firms", kinds=("export_plan",),
    ),
    Kpi(
        "firms_investment_abroad", _l("Doanh nghiệp được hỗ trợ đầu tư ra nước ngoài"),
        "Firms supported to invest abroad",
        _l("Số doanh nghiệp không trùng lặp có ít nhất một hoạt động loại «Đầu tư ra nước "
           "ngoài» đã diễn ra."),
        "interactions", "firms", kinds=("investment_abroad",),
    ),
    Kpi(
        "firms_value_chain", _l("Doanh nghiệp được hỗ trợ tham gia chuỗi giá trị"),
        "Firms supported to join value chains",
        _l("Số doanh nghiệp không trùng lặp có ít nhất một hoạt động loại «Tham gia chuỗi giá "
           "trị» đã diễn ra."),
        "interactions", "firms", kinds=("value_chain",),
    ),
    Kpi(
        "large_firms_value_chain", _l("Doanh nghiệp lớn tham gia chuỗi giá trị"),
        "Large firms supported to join value chains",
        _l("Như chỉ tiêu chuỗi giá trị, chỉ tính doanh nghiệp quy mô lớn (Nghị định 80/2021)."),
        "interactions", "firms", kinds=("value_chain",), large_firms_only=True,
    ),
    Kpi(
        "firms_ecommerce_support", _l("Doanh nghiệp được hỗ trợ TMĐT xuyên biên giới"),
        "Firms supported on cross-border e-commerce",
        _l("Số doanh nghiệp không trùng lặp có ít nhất một hoạt động loại «Đưa lên sàn TMĐT» "
           "đã diễn ra."),
        "interactions", "firms", kinds=("ecommerce_onboarding",),
    ),
    Kpi(
        "firms_active_ecommerce", _l("Doanh nghiệp mở gian hàng TMĐT xuyên biên giới"),
        "Firms that launched a cross-border e-commerce store",
        _l("Số doanh nghiệp không trùng lặp có kết quả «Mở gian hàng TMĐT» được ghi nhận."),
        "outcomes", "firms", kinds=("ecommerce_store",),
    ),
    Kpi(
        "firms_supported", _l("Doanh nghiệp được hỗ trợ"),
        "Firms supported",
        _l("Số doanh nghiệp không trùng lặp có ít nhất một hoạt động hỗ trợ (mọi loại) đã "
           "diễn ra."),
        "interactions", "firms",
    ),
    Kpi(
        "b2b_meetings_held", _l("Cuộc gặp giao thương (B2B) đã diễn ra"), "B2B meetings held",
        _l("Số hoạt động loại «Gặp gỡ giao thương (B2B)» đã diễn ra: mỗi cuộc gặp được ghi "
           "là đã gặp ở một sự kiện gặp gỡ được tính một lần."),
        "interactions", "count", kinds=("b2b_meeting",), unit=_l("cuộc gặp"),
    ),
    Kpi(
        "contracts_signed", _l("Hợp đồng được ký kết"), "Contracts signed",
        _l("Số kết quả loại «Hợp đồng» được ghi nhận."),
        "outcomes", "count", kinds=("contract",), unit=_l("hợp đồng"),
    ),
    Kpi(
        "contract_value_usd", _l("Giá trị hợp đồng (USD)"), "Contract value (USD)",
        _l("Tổng giá trị (USD) của các kết quả loại «Hợp đồng»."),
        "outcomes", "sum", kinds=("contract",), value_field="value_usd", unit="USD",
    ),
    Kpi(
        "new_markets", _l("Thị trường mới doanh nghiệp thâm nhập"), "New markets entered",
        _l("Số kết quả loại «Thị trường mới» (mỗi doanh nghiệp, mỗi thị trường một lần)."),
        "outcomes", "count", kinds=("new_market",), unit=_l("thị trường"),
    ),
    Kpi(
        "followup_agreements", _l("Kết quả sau hỗ trợ: đã ký thỏa thuận hoặc giao hàng"),
        "Follow-ups ending in an agreement or shipped orders",
        _l("Số kết quả theo dõi sau hoạt động có kết quả «Đã ký thỏa thuận» hoặc «Đã giao "
           "hàng»."),
        "outcomes", "count", kinds=("follow_up_result",),
        results=("agreement_signed", "orders_shipped"), unit=_l("kết quả"),
    ),
    Kpi(
        "budget_cost_vnd", _l("Kinh phí ngân sách đã sử dụng (VND)"), "Budget spent (VND)",
        _l("Tổng chi phí ngân sách ghi ở các hoạt động hỗ trợ đã diễn ra."),
        "interactions", "sum", value_field="cost_vnd", unit="VND",
    ),
    Kpi(
        "firm_contribution_vnd", _l("Kinh phí doanh nghiệp đối ứng (VND)"),
        "Firms' co-funding (VND)",
        _l("Tổng phần đóng góp của doanh nghiệp ghi ở các hoạt động hỗ trợ đã diễn ra."),
        "interactions", "sum", value_field="firm_contribution_vnd", unit="VND",
    ),
)
KPIS: dict[str, Kpi] = {k.code: k for k in CATALOGUE}


def kpi(code: str) -> Kpi:
    """The catalogue entry for `code` (KeyError if unknown)."""
    return KPIS[code]


@dataclass(frozen=True)
class Scope:
    """Which records count: programme, period, and optional sector/province/market."""

    programme_id: int | None = None
    start: date | None = None
    end: date | None = None
    sector: str | None = None
    province: int | None = None
    market: str | None = None


def scope_for(
    programme: Programme | None,
    year: int | None = None,
    *,
    as_of: date | None = None,
    sector: str | None = None,
    province: int | None = None,
    market: str | None = None,
) -> Scope:
    """A scope for a programme's year (or whole period when year is None), up to `as_of`.

    Records dated after `as_of` (default today) are planned, not done, so never counted.
    """
    as_of = as_of or clock.today()
    if year is not None:
        start, end = date(year, 1, 1), date(year, 12, 31)
    elif programme is not None:
        start, end = date(programme.start_year, 1, 1), date(programme.end_year, 12, 31)
    else:
        start, end = None, None
    end = min(end, as_of) if end else as_of
    return Scope(
        programme_id=programme.id if programme else None,
        start=start, end=end, sector=sector, province=province, market=market,
    )


def _interaction_rows(k: Kpi, scope: Scope) -> Select:
    value = getattr(Interaction, k.value_field) if k.value_field else Interaction.id
    stmt = (
        select(
            Interaction.firm_id, Interaction.occurred_on, Interaction.summary,
            Firm.province_code, Firm.sectors, Opportunity.markets, value,
        )
        .join(Firm, Firm.id == Interaction.firm_id)
        .outerjoin(Opportunity, Opportunity.id == Interaction.opportunity_id)
    )
    if k.kinds:
        stmt = stmt.where(Interaction.kind.in_(k.kinds))
    if scope.programme_id is not None:
        stmt = stmt.where(Interaction.programme_id == scope.programme_id)
    if scope.start:
        stmt = stmt.where(Interaction.occurred_on >= scope.start)
    if scope.end:
        stmt = stmt.where(Interaction.occurred_on <= scope.end)
    if k.large_firms_only:
        stmt = stmt.where(Firm.size_class == "large")
    if scope.province is not None:
        stmt = stmt.where(Firm.province_code == scope.province)
    return stmt


def _outcome_rows(k: Kpi, scope: Scope) -> Select:
    value = getattr(Outcome, k.value_field) if k.value_field else Outcome.id
    via_interaction = aliased(Interaction)
    stmt = (
        select(
            Outcome.firm_id, Outcome.occurred_on, Outcome.market,
            Firm.province_code, Firm.sectors, Outcome.market, value,
        )
        .join(Firm, Firm.id == Outcome.firm_id)
        .outerjoin(Opportunity, Opportunity.id == Outcome.opportunity_id)
        .outerjoin(via_interaction, via_interaction.id == Outcome.interaction_id)
    )
    if k.kinds:
        stmt = stmt.where(Outcome.kind.in_(k.kinds))
    if k.results:
        stmt = stmt.where(Outcome.result.in_(k.results))
    if scope.programme_id is not None:
        stmt = stmt.where(_attributed_to(scope.programme_id, via_interaction))
    if scope.start:
        stmt = stmt.where(Outcome.occurred_on >= scope.start)
    if scope.end:
        stmt = stmt.where(Outcome.occurred_on <= scope.end)
    if k.large_firms_only:
        stmt = stmt.where(Firm.size_class == "large")
    if scope.province is not None:
        stmt = stmt.where(Firm.province_code == scope.province)
    return stmt


def _rows(k: Kpi, scope: Scope) -> Iterable[dict[str, Any]]:
    stmt = _interaction_rows(k, scope) if k.source == "interactions" else _outcome_rows(k, scope)
    for firm_id, on, label, province, sectors, markets, value in db.session.execute(stmt):
        if isinstance(markets, str):
            markets = [markets]
        row = {
            "firm": firm_id, "on": on, "event": (on, label), "province": province,
            "sectors": list(sectors or []), "markets": list(markets or []), "value": value,
        }
        # JSON lists are filtered here: portable across SQLite and PostgreSQL.
        if scope.sector and scope.sector not in row["sectors"]:
            continue
        if scope.market and scope.market not in row["markets"]:
            continue
        yield row


def _aggregate(k: Kpi, rows: Iterable[dict[str, Any]]) -> Decimal:
    rows = list(rows)
    if k.aggregate == "count":
        if k.code == "new_markets":  # one firm entering one market counts once
            return Decimal(len({(r["firm"], r["event"][1]) for r in rows}))
        return Decimal(len(rows))
    if k.aggregate == "firms":
        return Decimal(len({r["firm"] for r in rows}))
    if k.aggregate == "events":
        return Decimal(len({r["event"] for r in rows}))
    return sum((Decimal(r["value"] or 0) for r in rows), Decimal(0))


def compute(code: str, scope: Scope) -> Decimal:
    """The value of KPI `code` over the records in `scope`."""
    k = KPIS[code]
    return _aggregate(k, _rows(k, scope))


def compute_for(
    code: str, programme: Programme | None, year: int | None = None, **filters: Any
) -> Decimal:
    """The value of KPI `code` for a programme's year or whole period (filters: sector,
    province, market, as_of)."""
    return compute(code, scope_for(programme, year, **filters))


def _group_keys(by: str, row: dict[str, Any]) -> list[Any]:
    if by == "year":
        return [row["on"].year]
    if by == "province":
        return [row["province"] or UNKNOWN]
    if by == "sector":
        return row["sectors"] or [UNKNOWN]
    if by == "market":
        return row["markets"] or [UNKNOWN]
    raise ValueError(f"unknown breakdown {by!r}")


def breakdown(code: str, scope: Scope, by: str) -> list[tuple[Any, Decimal]]:
    """KPI `code` per year, sector, province or market, largest first (years in order).

    A firm in two sectors (or an opportunity with two markets) counts in each of them.
    """
    k = KPIS[code]
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(k, scope):
        for key in _group_keys(by, row):
            groups[key].append(row)
    values = [(key, _aggregate(k, rows)) for key, rows in groups.items()]
    if by == "year":
        return sorted(values, key=lambda kv: kv[0])
    return sorted(values, key=lambda kv: (-kv[1], str(kv[0])))


def format_value(value: Decimal | float | int | None) -> str:
    """1234567.5 → '1.234.567,5' (Vietnamese grouping); None → '—'."""
    if value is None:
        return "—"
    text = f"{Decimal(str(value)):,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")



def interactions_in(scope: Scope) -> Select:
    """Interactions of the scope's programme and period, oldest first (for reports)."""
    stmt = select(Interaction).join(Firm, Firm.id == Interaction.firm_id)
    if scope.programme_id is not None:
        stmt = stmt.where(Interaction.programme_id == scope.programme_id)
    if scope.start:
        stmt = stmt.where(Interaction.occurred_on >= scope.start)
    if scope.end:
        stmt = stmt.where(Interaction.occurred_on <= scope.end)
    if scope.province is not None:
        stmt = stmt.where(Firm.province_code == scope.province)
    return stmt.order_by(Interaction.occurred_on, Interaction.id)


def outcomes_in(scope: Scope) -> Select:
    """Outcomes attributed to the scope's programme and period, oldest first (for reports)."""
    via_interaction = aliased(Interaction)
    stmt = (
        select(Outcome)
        .join(Firm, Firm.id == Outcome.firm_id)
        .outerjoin(Opportunity, Opportunity.id == Outcome.opportunity_id)
        .outerjoin(via_interaction, via_interaction.id == Outcome.interaction_id)
    )
    if scope.programme_id is not None:
        stmt = stmt.where(_attributed_to(scope.programme_id, via_interaction))
    if scope.start:
        stmt = stmt.where(Outcome.occurred_on >= scope.start)
    if scope.end:
        stmt = stmt.where(Outcome.occurred_on <= scope.end)
    if scope.province is not None:
        stmt = stmt.where(Firm.province_code == scope.province)
    return stmt.order_by(Outcome.occurred_on, Outcome.id)


def _attributed_to(pid: int, via_interaction: Any) -> Any:
    # An outcome counts for the programme it names, else the one of its opportunity
    # or of the interaction it followed.
    return or_(
        Outcome.programme_id == pid,
        and_(Outcome.programme_id.is_(None), Opportunity.programme_id == pid),
        and_(Outcome.programme_id.is_(None), via_interaction.programme_id == pid),
    )
