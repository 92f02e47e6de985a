"""KPIs of alerts (kind "notice") for the programme dashboard.

- firms alerted: distinct firms sent at least one alert in the period;
- acknowledged within 7 days: of those, firms that pressed "Đã nắm" on an alert within 7
  days of receiving it;
- asked for help: firms that pressed "Cần hỗ trợ" on an alert;
- support given after an alert: firms with a support interaction logged by an officer on
  the alert's day or within 30 days after it, the interaction a help request opened itself
  not counted (it records the request, not the support).

Alerts belong to no programme: a programme with a province counts the firms of that
province, one without counts every firm; the period is the dashboard's (year or whole).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from crm.extensions import db
from crm.kpi import Scope
from crm.models import Firm, Interaction, Message

ACK_DAYS = 7
SUPPORT_DAYS = 30
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class AlertKpis:
    """The four figures, and shares of the firms alerted."""

    firms_alerted: int
    acknowledged_7d: int
    asked_help: int
    supported_after: int

    def share(self, value: int) -> float | None:
        """value as a percentage of the firms alerted (None when none were)."""
        return 100.0 * value / self.firms_alerted if self.firms_alerted else None


def _local(at: datetime) -> datetime:
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(TZ)


def _midnight_utc(day: date) -> datetime:
    # SQLite keeps UTC wall times: compare with the UTC instant of Vietnam's midnight.
    return datetime.combine(day, time(), TZ).astimezone(UTC)


def alert_kpis(scope: Scope, province: int | None = None) -> AlertKpis:
    """The alert KPIs of `scope`'s period, for firms of `province` (None: all) and of the
    scope's sector / province filters."""
    stmt = (select(Message.firm_id, Message.created_at, Message.acknowledged_at,
                   Message.help_requested_at, Message.help_interaction_id, Firm.sectors)
            .join(Firm, Firm.id == Message.firm_id).where(Message.kind == "notice"))
    if scope.start:
        stmt = stmt.where(Message.created_at >= _midnight_utc(scope.start))
    if scope.end:
        stmt = stmt.where(Message.created_at < _midnight_utc(scope.end + timedelta(days=1)))
    for code in {province, scope.province} - {None}:
        stmt = stmt.where(Firm.province_code == code)
    alerted: set[int] = set()
    acked: set[int] = set()
    helped: set[int] = set()
    first_day: dict[int, list[date]] = {}
    help_interactions: set[int] = set()
    for firm_id, created, ack, help_at, help_id, sectors in db.session.execute(stmt):
        if scope.sector and scope.sector not in (sectors or []):
            continue  # JSON lists are filtered here, as in crm.kpi
        alerted.add(firm_id)
        if ack is not None and _local(ack) - _local(created) <= timedelta(days=ACK_DAYS):
            acked.add(firm_id)
        if help_at is not None:
            helped.add(firm_id)
        if help_id is not None:
            help_interactions.add(help_id)
        first_day.setdefault(firm_id, []).append(_local(created).date())
    supported: set[int] = set()
    ids = sorted(alerted)
    for start in range(0, len(ids), 900):
        rows = db.session.execute(
            select(Interaction.id, Interaction.firm_id, Interaction.occurred_on)
            .where(Interaction.firm_id.in_(ids[start:start + 900])))
        for interaction_id, firm_id, on in rows:
            if interaction_id in help_interactions or firm_id in supported:
                continue
            if any(day <= on <= day + timedelta(days=SUPPORT_DAYS) for day in first_day[firm_id]):
                supported.add(firm_id)
    return AlertKpis(len(alerted), len(acked), len(helped), len(supported))
