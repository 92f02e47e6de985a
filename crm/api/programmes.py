"""/api/v1/programmes: support programmes, their targets and KPI figures (read only).

The figures are the dashboard's (crm.programmes.queries.catalogue_rows over crm/kpi.py):
computed from the support log and recorded outcomes, never typed in.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.views import MethodView
from flask_babel import gettext as _

from crm.api import schemas as s
from crm.api.core import (
    ERRORS,
    ApiBlueprint,
    ApiError,
    offset_page,
    problem_responses,
    require,
    row_or_404,
)
from crm.auth.policy import READ_ROLES
from crm.models import Programme
from crm.programmes import queries

blp = ApiBlueprint("api_programmes", __name__,
                   description="Support programmes, targets and KPI figures (read only)")


def _errors(*codes: int) -> Callable[[Any], Any]:
    """Document the problem answers of an operation of this blueprint."""
    return problem_responses(blp, *codes)


@blp.route("/")
class Programmes(MethodView):
    """Every programme."""

    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.ProgrammePage)
    @_errors(*ERRORS)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Programmes with their targets, newest first."""
        require("programmes:read", READ_ROLES)
        return offset_page(queries.programmes(), args, "programmes")


@blp.route("/<int:programme_id>")
class ProgrammeItem(MethodView):
    """One programme."""

    @blp.response(200, s.ProgrammeOut)
    @_errors(*ERRORS)
    def get(self, programme_id: int) -> Any:
        """A programme and its targets."""
        require("programmes:read", READ_ROLES)
        return row_or_404(Programme, programme_id)


@blp.route("/<int:programme_id>/kpis")
class ProgrammeKpis(MethodView):
    """The programme's KPI figures."""

    @blp.arguments(s.KpiArgs, location="query")
    @blp.response(200, s.KpiOut(many=True))
    @_errors(*ERRORS)
    def get(self, args: dict[str, Any], programme_id: int) -> list[dict[str, Any]]:
        """Every KPI of the catalogue for a year of the programme (or its whole period, to
        today), with its target and progress, narrowed by sector, province or market as on
        the dashboard."""
        require("programmes:read", READ_ROLES)
        programme = row_or_404(Programme, programme_id)
        year = args.get("year")
        if year is not None and not programme.start_year <= year <= programme.end_year:
            message = _("Năm nằm ngoài giai đoạn %(a)d-%(b)d của chương trình.",
                        a=programme.start_year, b=programme.end_year)
            raise ApiError(422, message, [{"field": "year", "in": "query", "message": message}])
        rows = queries.catalogue_rows(
            programme, year, sector=args.get("sector"), province=args.get("province"),
            market=(args.get("market") or "").upper() or None)
        return [{
            "code": row.kpi.code, "name": str(row.kpi.name),
            "definition": str(row.kpi.definition), "unit": str(row.kpi.unit),
            "year": row.year, "actual": row.actual,
            "target": row.target.target_value if row.target else None,
            "percent": row.percent,
        } for row in rows]
