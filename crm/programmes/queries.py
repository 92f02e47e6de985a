"""Reads for programmes: KPI progress, before/after comparison, planned activities."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

from sqlalchemy import func, select

from crm import clock, kpi
from crm.extensions import db
from crm.models import (
    Firm,
    FirmIndicator,
    Interaction,
    Opportunity,
    Programme,
    ProgrammeTarget,
)


def programmes() -> list[Programme]:
    """Every programme, newest first."""
    return list(db.session.scalars(
        select(Programme).order_by(Programme.start_year.desc(), Programme.id)
    ))


def running(today: date | None = None) -> Programme | None:
    """The programme whose period holds this year (the latest started, if several): what
    the support form and the home page default to."""
    year = (today or clock.today()).year
    return db.session.scalar(
        select(Programme).where(Programme.start_year <= year, Programme.end_year >= year)
        .order_by(Programme.start_year.desc(), Programme.id.desc()).limit(1))


def programme_years(programme: Programme) -> list[int]:
    """The programme's years, in order."""
    return list(range(programme.start_year, programme.end_year + 1))


@dataclass
class KpiRow:
    """One KPI with its target (if any) and the value computed from records."""

    kpi: kpi.Kpi
    year: int | None  # None = whole period
    actual: Decimal
    target: ProgrammeTarget | None = None

    @property
    def percent(self) -> float | None:
        """Progress against the target, 0..∞ (None without a target)."""
        if self.target is None or not self.target.target_value:
            return None
        return float(self.actual / self.target.target_value * 100)


def target_rows(programme: Programme, *, as_of: date | None = None,
                **filters: Any) -> list[KpiRow]:
    """Every target of the programme with its actual, whole-period targets first."""
    rows = [
        KpiRow(kpi.KPIS[t.kpi_code], t.year,
               kpi.compute_for(t.kpi_code, programme, t.year, as_of=as_of, **filters), t)
        for t in programme.targets if t.kpi_code in kpi.KPIS
    ]
    rows.sort(key=lambda r: (r.year is not None, r.year or 0, r.target.id if r.target else 0))
    return rows


def catalogue_rows(programme: Programme, year: int | None, *, as_of: date | None = None,
                   **filters: Any) -> list[KpiRow]:
    """Every KPI of the catalogue for a year (or the whole period), with its target if set."""
    targets = {t.kpi_code: t for t in programme.targets if t.year == year}
    return [
        KpiRow(k, year, kpi.compute_for(k.code, programme, year, as_of=as_of, **filters),
               targets.get(k.code))
        for k in kpi.CATALOGUE
    ]


# --- before / after -------------------------------------------------------------------------

METRICS = ("export_revenue_usd", "export_markets")


@dataclass
class Comparison:
    """Medians of a group of firms before and after a reference year."""

    firms: int = 0
    before: dict[str, Decimal | None] = field(default_factory=dict)
    after: dict[str, Decimal | None] = field(default_factory=dict)

    def change(self, metric: str) -> Decimal | None:
        """Median after minus median before."""
        a, b = self.after.get(metric), self.before.get(metric)
        return None if a is None or b is None else a - b


def first_support_dates(programme: Programme, as_of: date | None = None) -> dict[int, date]:
    """Firm id → date of its first interaction in the programme (done, not planned)."""
    as_of = as_of or clock.today()
    rows = db.session.execute(
        select(Interaction.firm_id, func.min(Interaction.occurred_on))
        .where(Interaction.programme_id == programme.id, Interaction.occurred_on <= as_of)
        .group_by(Interaction.firm_id)
    )
    return {firm_id: first for firm_id, first in rows}


def _median(values: list[Decimal]) -> Decimal | None:
    return Decimal(str(median(values))) if values else None


def _compare(series: dict[int, dict[int, FirmIndicator]], reference: dict[int, int]) -> Comparison:
    """For each firm: the latest year before its reference year vs its latest year from it."""
    before: dict[str, list[Decimal]] = defaultdict(list)
    after: dict[str, list[Decimal]] = defaultdict(list)
    counted = 0
    for firm_id, ref_year in reference.items():
        years = series.get(firm_id, {})
        earlier = [y for y in years if y < ref_year]
        later = [y for y in years if y >= ref_year]
        if not earlier or not later:
            continue  # no figures on one side: the firm cannot be compared
        b, a = years[max(earlier)], years[max(later)]
        counted += 1
        for metric in METRICS:
            vb, va = getattr(b, metric), getattr(a, metric)
            if vb is not None and va is not None:
                before[metric].append(Decimal(vb))
                after[metric].append(Decimal(va))
    return Comparison(
        firms=counted,
        before={m: _median(before[m]) for m in METRICS},
        after={m: _median(after[m]) for m in METRICS},
    )


def before_after(programme: Programme, as_of: date | None = None) -> dict[str, Comparison]:
    """Supported firms (≥1 interaction in the programme) against firms not yet supported.

    Supported: the year before first support (latest year with figures before it) against
    the latest year with figures. Not yet supported: the same around the programme's start
    year. Medians of export revenue (USD) and number of export markets, from FirmIndicator.
    """
    first = first_support_dates(programme, as_of)
    series: dict[int, dict[int, FirmIndicator]] = defaultdict(dict)
    for row in db.session.scalars(select(FirmIndicator)):
        series[row.firm_id][row.year] = row
    supported = {fid: day.year for fid, day in first.items()}
    others = {fid: programme.start_year for fid in series if fid not in first}
    return {"supported": _compare(series, supported), "not_supported": _compare(series, others)}


# --- planned activities (annex 2 of seed 001) -----------------------------------------------

OPPORTUNITY_TO_INTERACTION = {
    "trade_mission": "trade_mission",
    "trade_fair": "trade_fair",
    "ecommerce_cohort": "ecommerce_onboarding",
    "distribution_partner": "b2b_meeting",
}


@dataclass
class PlannedActivity:
    """One activity of the proposal form, from an open opportunity or planned interactions."""

    name: str
    kind: str  # an interaction kind
    content: str
    starts_on: date | None
    ends_on: date | None
    place: str
    partner_units: str
    firms: list[Firm]
    slots: int | None
    products: list[str]
    budget_vnd: Decimal
    firm_contribution_vnd: Decimal
    cofunding_share: Decimal | None = None
    opportunity: Opportunity | None = None
    markets: list[str] = field(default_factory=list)


def planned_activities(programme: Programme, year: int,
                       today: date | None = None) -> list[PlannedActivity]:
    """Open/draft opportunities of the programme in `year`, and interactions dated after today.

    Planned interactions with the same kind, date and summary are one activity.
    """
    today = today or clock.today()
    activities: list[PlannedActivity] = []
    opportunities = db.session.scalars(
        select(Opportunity).where(
            Opportunity.programme_id == programme.id,
            Opportunity.status.in_(("draft", "open")),
        ).order_by(Opportunity.starts_on, Opportunity.id)
    )
    listed: set[int] = set()
    for opp in opportunities:
        if opp.starts_on is not None and opp.starts_on.year != year:
            continue
        listed.add(opp.id)
        firms = [e.firm for e in opp.entries
                 if e.status in ("shortlisted", "invited", "confirmed", "participated")]
        activities.append(PlannedActivity(
            name=opp.title,
            kind=OPPORTUNITY_TO_INTERACTION.get(opp.kind, "other"),
            content=opp.description or "",
            starts_on=opp.starts_on, ends_on=opp.ends_on,
            place=opp.location or "",
            partner_units=opp.partner.name if opp.partner else "",
            firms=firms, slots=opp.slots,
            products=list(opp.hs_prefixes or []) + list(opp.keywords or []),
            budget_vnd=Decimal(opp.budget_vnd or 0),
            firm_contribution_vnd=Decimal(0),
            cofunding_share=opp.cofunding_share,
            opportunity=opp, markets=list(opp.markets or []),
        ))
    planned = db.session.scalars(
        select(Interaction).where(
            Interaction.programme_id == programme.id,
            Interaction.occurred_on > today,
            Interaction.occurred_on >= date(year, 1, 1),
            Interaction.occurred_on <= date(year, 12, 31),
        ).order_by(Interaction.occurred_on, Interaction.id)
    )
    grouped: dict[tuple, list[Interaction]] = defaultdict(list)
    for it in planned:
        if it.opportunity_id in listed:
            continue  # already part of its opportunity's activity
        grouped[(it.kind, it.occurred_on, it.summary)].append(it)
    for (kind, on, summary), items in grouped.items():
        sectors = sorted({s for it in items for s in (it.firm.sectors or [])})
        activities.append(PlannedActivity(
            name=summary.split("\n")[0][:200], kind=kind, content=summary,
            starts_on=on, ends_on=on, place="", partner_units="",
            firms=[it.firm for it in items], slots=None, products=sectors,
            budget_vnd=sum((Decimal(it.cost_vnd or 0) for it in items), Decimal(0)),
            firm_contribution_vnd=sum(
                (Decimal(it.firm_contribution_vnd or 0) for it in items), Decimal(0)
            ),
        ))
    activities.sort(key=lambda a: (a.starts_on or date(year, 12, 31), a.name))
    return activities

