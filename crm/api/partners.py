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
    CREATED_HEADERS,
    ERRORS,
    ApiBlueprint,
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
from crm.auth.policy import READ_ROLES, WRITE_ROLES, sees_personal_data
from crm.models import Partner
from crm.partners import queries, services

blp = ApiBlueprint("api_partners", __name__, description="The overseas partner directory")
PERSONAL = ("contact_name", "contact_email", "contact_phone")


def _errors(*codes: int) -> Callable[[Any], Any]:
    """Document the problem answers of an operation of this blueprint."""
    return problem_responses(blp, *codes)


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
    @blp.response(201, s.PartnerOut, headers=CREATED_HEADERS)
    @blp.doc(**links.created("partner"))
    @_errors(*ERRORS, 409, 415)
    def post(self, data: dict[str, Any]) -> Any:
        """Add a partner (HS prefixes, certifications and country checked against the
        reference tables)."""
        require("partners:write", WRITE_ROLES)
        partner = services.create_partner(data, by=user())
        return versioned(partner, 201, location=url_for(
            "api_partners.PartnerItem", partner_id=partner.id))


@blp.route("/<int:partner_id>")
class PartnerItem(MethodView):
    """One partner."""

    @doc_versioned_get(blp, s.PartnerOut)
    def get(self, partner_id: int) -> Any:
        """A partner."""
        require("partners:read", READ_ROLES)
        partner = row_or_404(Partner, partner_id)
        return versioned(partner, body=_shown(partner))

    @doc_versioned_patch(blp, s.PartnerFields, s.PartnerOut, "partner")
    def patch(self, data: dict[str, Any], partner_id: int) -> Any:
        """Change the fields sent; refused (412) when the partner changed since it was read."""
        require("partners:write", WRITE_ROLES)
        partner = row_or_404(Partner, partner_id)
        return versioned_update(partner, lambda version: services.update_partner(
            partner, _form_data(partner, data), expected_version=version, by=user()))
