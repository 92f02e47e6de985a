"""/api/v1/partners: the overseas partner directory (list with search, read, create, update).

The same services and rules as the web's partner pages (crm/partners); staff read it,
officers and up write it; a viewer does not see the contact person (personal data).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask.views import MethodView

from crm.api import links
from crm.api import schemas as s
from crm.api.core import (
    ApiBlueprint,
    ApiError,
    check_match,
    etag,
    idempotent,
    offset_page,
    problem_responses,
    require,
    user,
)
from crm.auth.policy import READ_ROLES, WRITE_ROLES, sees_personal_data
from crm.extensions import db
from crm.models import Partner
from crm.partners import queries, services

blp = ApiBlueprint("api_partners", __name__, description="The overseas partner directory")
ERRORS = (401, 403, 404, 422, 429)
PERSONAL = ("contact_name", "contact_email", "contact_phone")


def _errors(*codes: int) -> Callable[[Any], Any]:
    """Document the problem answers of an operation of this blueprint."""
    return problem_responses(blp, *codes)


def _partner(partner_id: int) -> Partner:
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise ApiError(404)
    return partner


def _shown(partner: Partner) -> Any:
    """The partner as this token's user may see it: no contact person for a viewer."""
    if sees_personal_data(user()):
        return partner
    out = {name: getattr(partner, name) for name in s.PartnerOut().fields}
    return out | dict.fromkeys(PERSONAL)


def _form_data(partner: Partner, data: dict[str, Any]) -> dict[str, Any]:
    """The service reads a whole form: fields not sent keep the partner's values."""
    return {name: getattr(partner, name) for name in s.PartnerFields().fields} | data


@blp.route("/")
class Partners(MethodView):
    """The partner directory and new partners."""

    @blp.arguments(s.PartnerListArgs, location="query")
    @blp.response(200, s.PartnerPage)
    @_errors(*ERRORS)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search (name, city, products wanted; accents optional) and filter partners."""
        require("partners:read", READ_ROLES)
        filters = queries.PartnerFilters(
            q=args["q"], country=(args.get("country") or "").upper() or None,
            kind=args.get("kind"), diaspora=args["diaspora"], archived=args["archived"])
        page = offset_page(queries.partner_select(filters), args, "partners")
        page["items"] = [_shown(p) for p in page["items"]]
        return page

    @idempotent
    @blp.arguments(s.PartnerCreate)
    @blp.response(201, s.PartnerOut, headers={"ETag": {"schema": {"type": "string"}},
                                              "Location": {"schema": {"type": "string"}}})
    @blp.doc(**links.created("partner"))
    @_errors(*ERRORS, 409, 415)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a partner (HS prefixes, certifications and country checked against the
        reference tables)."""
        require("partners:write", WRITE_ROLES)
        partner = services.create_partner(data, by=user())
        return partner, 201, {"ETag": etag(partner.version), "Location": url_for(
            "api_partners.PartnerItem", partner_id=partner.id)}


@blp.route("/<int:partner_id>")
class PartnerItem(MethodView):
    """One partner."""

    @blp.response(200, s.PartnerOut, headers={"ETag": {"schema": {"type": "string"}}})
    @_errors(*ERRORS)
    def get(self, partner_id: int) -> Any:
        """A partner."""
        require("partners:read", READ_ROLES)
        partner = _partner(partner_id)
        return _shown(partner), 200, {"ETag": etag(partner.version)}

    @blp.arguments(s.PartnerFields)
    @blp.response(200, s.PartnerOut, headers={"ETag": {"schema": {"type": "string"}}})
    @blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True,
                          "schema": {"type": "string"},
                          "description": "the ETag of the partner as read"}])
    @_errors(*ERRORS, 409, 412, 415, 428)
    def patch(self, data: dict[str, Any], partner_id: int) -> Any:
        """Change the fields sent; refused (412) when the partner changed since it was read."""
        require("partners:write", WRITE_ROLES)
        partner = _partner(partner_id)
        check_match(partner.version)
        services.update_partner(partner, _form_data(partner, data),
                                expected_version=partner.version, by=user())
        db.session.flush()
        return partner, 200, {"ETag": etag(partner.version)}
