"""/api/v1/opportunities: CRUD, the ranking with reasons, and the pipeline (shortlist)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_babel import gettext as _

from crm import audit, clock, ranking, reasons
from crm.api import links
from crm.api import schemas as s
from crm.api.core import (
    CREATED_HEADERS,
    ERRORS,
    ETAG_HEADER,
    ApiBlueprint,
    ApiError,
    doc_versioned_get,
    doc_versioned_patch,
    idempotent,
    offset_page,
    problem_responses,
    require,
    row_or_404,
    user,
    versioned,
    versioned_update,
)
from crm.auth.policy import READ_ROLES, WRITE_ROLES
from crm.extensions import db
from crm.models import Opportunity, ShortlistEntry
from crm.opportunities import queries, services

blp = ApiBlueprint("api_opportunities", __name__,
                   description="Opportunities, their ranking and their pipeline")
LIST_MAX = 500  # what the opportunity list reads (crm.opportunities.queries.opportunity_list)


def _errors(*codes: int) -> Callable[[Any], Any]:
    """Document the problem answers of an operation of this blueprint."""
    return problem_responses(blp, *codes)


def _form_data(opp: Opportunity | None, data: dict[str, Any]) -> dict[str, Any]:
    """The service reads a whole form: fields not sent keep the opportunity's values."""
    if opp is None:
        return data
    keep = {key: getattr(opp, key) for key in s.OpportunityFields().fields}
    for factor, weight in (opp.weights or {}).items():
        keep[f"weight_{factor}"] = weight
    for key, quota in (opp.quotas or {}).items():
        keep[f"quota_{key}"] = quota
    keep["diversity"], keep["exposure_decay"] = opp.diversity, opp.exposure_decay
    return {**keep, **data}


@blp.route("/")
class Opportunities(MethodView):
    """The opportunity list and new opportunities."""

    @blp.arguments(s.OpportunityListArgs, location="query")
    @blp.response(200, s.OpportunityPage)
    @_errors(*ERRORS)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Opportunities, newest start first (the web list's search and filters)."""
        require("opportunities:read", READ_ROLES)
        found = queries.opportunity_list(args["q"], args.get("kind"), args.get("status"),
                                         limit=LIST_MAX)
        return offset_page(found, args, "opportunities")

    @idempotent
    @blp.arguments(s.OpportunityCreate)
    @blp.response(201, s.OpportunityOut, headers=CREATED_HEADERS)
    @blp.doc(**links.created("opportunity"))
    @_errors(*ERRORS, 409, 415)
    def post(self, data: dict[str, Any]) -> Any:
        """Add an opportunity."""
        require("opportunities:write", WRITE_ROLES)
        opp = services.create_opportunity(data, user(), clock.today())
        audit.record("create", "opportunity", opp.id)
        return versioned(opp, 201, location=url_for(
            "api_opportunities.OpportunityItem", opp_id=opp.id))


@blp.route("/<int:opp_id>")
class OpportunityItem(MethodView):
    """One opportunity."""

    @doc_versioned_get(blp, s.OpportunityOut)
    def get(self, opp_id: int) -> Any:
        """An opportunity."""
        require("opportunities:read", READ_ROLES)
        return versioned(row_or_404(Opportunity, opp_id))

    @doc_versioned_patch(blp, s.OpportunityFields, s.OpportunityOut, "opportunity")
    def patch(self, data: dict[str, Any], opp_id: int) -> Any:
        """Change the fields sent; refused (412) when the opportunity changed since read."""
        require("opportunities:write", WRITE_ROLES)
        opp = row_or_404(Opportunity, opp_id)

        def change(version: int) -> None:
            services.update_opportunity(opp, _form_data(opp, data), today=clock.today(),
                                        expected_version=version)
            audit.record("update", "opportunity", opp.id)

        return versioned_update(opp, change)


def _parts(parts: list[Any]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in parts]


@blp.route("/<int:opp_id>/ranking")
class Ranking(MethodView):
    """The ranking of firms for an opportunity."""

    @blp.arguments(s.RankingArgs, location="query")
    @blp.response(200, s.RankingOut)
    @_errors(*ERRORS)
    def get(self, args: dict[str, Any], opp_id: int) -> dict[str, Any]:
        """Eligible firms in rank order with their reasons (words in the request's language
        and the codes), and the first ineligible firms with what they lack."""
        require("opportunities:read", READ_ROLES)
        opp = row_or_404(Opportunity, opp_id)
        result = ranking.rank_opportunity(opp, clock.today(), top=args["top"],
                                          ineligible_limit=args["ineligible"])
        words = reasons.words()
        ranked = [{
            "firm_id": int(r.firm_id), "rank": r.rank, "score": r.score, "name": r.name,
            "unverified_preferred": list(r.unverified_preferred),
            "reasons": [{"factor": x.factor, "weight": round(x.weight, 4),
                         "text": reasons.reason_text(x, words), "parts": _parts(x.parts)}
                        for x in r.reasons],
        } for r in result.ranked]
        ineligible = [{
            "firm_id": int(i.firm_id), "name": i.name, "missing": list(i.missing),
            "text": reasons.gaps_text(i.gaps, words), "hint": reasons.hint_text(i.gaps, words),
            "parts": _parts(i.gaps.parts), "near_miss": bool(i.near_miss),
            "score_if_eligible": i.score_if_eligible,
        } for i in result.ineligible]
        return {"ranked": ranked, "ineligible": ineligible,
                "ineligible_total": result.ineligible_total, "indexed": result.indexed,
                "model_version": result.model_version}


@blp.route("/<int:opp_id>/entries")
class Entries(MethodView):
    """The opportunity's pipeline."""

    @blp.response(200, s.EntryOut(many=True))
    @_errors(*ERRORS)
    def get(self, opp_id: int) -> Any:
        """Every firm on the shortlist with its status and history."""
        require("opportunities:read", READ_ROLES)
        return row_or_404(Opportunity, opp_id).entries

    @idempotent
    @blp.arguments(s.ShortlistIn)
    @blp.response(201, s.EntryOut(many=True))
    @_errors(*ERRORS, 409, 415)
    def post(self, data: dict[str, Any], opp_id: int) -> Any:
        """Shortlist firms with their rank, score and reasons of now (a justification is
        needed for firms the ranking did not suggest)."""
        require("opportunities:write", WRITE_ROLES)
        opp = row_or_404(Opportunity, opp_id)
        entries = services.shortlist_firms(opp, data["firm_ids"], user(), clock.today(),
                                           data.get("justification"))
        audit.record("update", "opportunity", opp.id, {"part": "shortlist"})
        return entries, 201


def _entry(opp_id: int, entry_id: int) -> ShortlistEntry:
    entry = db.session.get(ShortlistEntry, entry_id)
    if entry is None or entry.opportunity_id != opp_id:
        raise ApiError(404)
    return entry


@blp.route("/<int:opp_id>/entries/<int:entry_id>")
class EntryItem(MethodView):
    """One firm on the shortlist."""

    @doc_versioned_get(blp, s.EntryOut)
    def get(self, opp_id: int, entry_id: int) -> Any:
        """An entry and its history."""
        require("opportunities:read", READ_ROLES)
        return versioned(_entry(opp_id, entry_id))


@blp.route("/<int:opp_id>/entries/<int:entry_id>/transitions")
class Transitions(MethodView):
    """Pipeline steps."""

    @blp.arguments(s.TransitionIn)
    @blp.response(200, s.EntryOut, headers=ETAG_HEADER)
    @_errors(*ERRORS, 409, 412, 415)
    def post(self, data: dict[str, Any], opp_id: int, entry_id: int) -> Any:
        """Move the entry one step (suggested → shortlisted → invited → confirmed …); the
        rules, slots and quotas are the web board's. If-Match (the entry's ETag) optional."""
        require("opportunities:write", WRITE_ROLES)
        entry = _entry(opp_id, entry_id)

        def change(_version: int) -> None:
            # No version to pass: the entry's version column catches a concurrent step.
            if data["to_status"] == entry.status:
                raise ApiError(422, _("Doanh nghiệp đã ở bước này."),
                               [{"field": "to_status", "in": "json",
                                 "message": _("Doanh nghiệp đã ở bước này.")}])
            services.change_status(entry, data["to_status"], user(), note=data.get("note"),
                                   today=clock.today())
            audit.record("update", "opportunity", opp_id, {"part": "shortlist"})

        return versioned_update(entry, change, required=False)
