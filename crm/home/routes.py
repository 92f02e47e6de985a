"""The home page staff land on after login."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from crm import clock
from crm.auth.policy import READ_ROLES, roles_required
from crm.home import bp, queries
from crm.notices.reasons import SEVERITY_LABELS
from crm.programmes import queries as programme_queries


@bp.route("/")
@roles_required(READ_ROLES)
def index() -> ResponseReturnValue:
    """My tasks, my firms' expiring certificates and pending changes, deadlines this month,
    new notices, recent activity; a manager sees the team's, with the programme's KPIs."""
    today = clock.today()
    scope = queries.scope_for(current_user)
    pending, pending_total = queries.pending_verifications(scope)
    programme = kpi_rows = None
    if scope.team:
        programme = programme_queries.running(today)
        if programme is not None:
            kpi_rows = [r for r in programme_queries.target_rows(programme)
                        if r.year in (None, today.year)]
    return render_template(
        "home/index.html", today=today, scope=scope,
        overdue=queries.overdue_tasks(scope, today),
        upcoming=queries.upcoming_tasks(scope, today),
        certificates=queries.expiring_certificates(scope, today),
        soon_days=queries.EXPIRY_SOON_DAYS,
        pending=pending, pending_total=pending_total,
        deadlines=queries.deadlines_this_month(today),
        notices=queries.new_notices(),
        activity=queries.recent_activity(scope, today),
        portfolio_size=queries.portfolio_size(scope),
        team=queries.team(today) if scope.team else None,
        programme=programme, kpi_rows=kpi_rows, severities=SEVERITY_LABELS,
    )
