"""/api/v1/firms: the firm list's search, one firm, and what hangs off it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from flask_babel import gettext as _
from marshmallow import Schema

from crm import audit, clock
from crm.api import links
from crm.api import schemas as s
from crm.api.core import (
    CREATED_HEADERS,
    ERRORS,
    ApiBlueprint,
    ApiError,
    check_match,
    decode_cursor,
    doc_versioned_get,
    doc_versioned_patch,
    encode_cursor,
    etag,
    idempotent,
    problem_responses,
    require,
    user,
    versioned,
    versioned_update,
)
from crm.auth.policy import (
    ALL_ROLES,
    READ_ROLES,
    WRITE_ROLES,
    can_edit_firm,
    firm_or_404,
    sees_personal_data,
)
from crm.extensions import db
from crm.firms import queries, services
from crm.firms.forms import FirmForm
from crm.models import Certification, Contact, EcommerceStore, Firm, FirmMarket, Product
from crm.validators import hs_code_clean

blp = ApiBlueprint("api_firms", __name__, description="Firms and what hangs off them")
EDIT_ROLES = WRITE_ROLES | {"enterprise"}


def _doc_errors(*codes: int) -> Callable[[Any], Any]:
    """Document the problem answers of an operation of this blueprint."""
    return problem_responses(blp, *codes)


def _editable(firm_id: int) -> Firm:
    """The firm if the token's user may edit it: 404 for another enterprise's, 403 else."""
    firm = firm_or_404(firm_id)
    if not can_edit_firm(user(), firm):
        raise ApiError(403, _("Vai trò của bạn không được sửa doanh nghiệp này."))
    return firm


@blp.route("/")
class Firms(MethodView):
    """The firm list and new firms."""

    @blp.arguments(s.FirmListArgs, location="query")
    @blp.response(200, s.FirmPage)
    @_doc_errors(*ERRORS)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Search and filter firms, as the HTML firm list does (cursor pagination)."""
        require("firms:read", READ_ROLES)
        at = decode_cursor(args.get("cursor"), "firms")
        limit = at.get("l", args["limit"])
        page_no = at.get("o", 1) or 1
        filters = queries.FirmFilters(
            q=args["q"].strip(), province=args.get("province"),
            hs_prefix=hs_code_clean(args.get("hs")), cert=args.get("cert"),
            market=args.get("market"), size=args.get("size"), archived=args["archived"],
            sort=args["sort"])
        result = queries.firm_page(filters, page_no, limit, clock.today())
        page = result.page
        done = page.page != page_no or page.page >= (page.pages or 0)
        return {"items": [] if page.page != page_no else page.items, "total": page.total or 0,
                "next_cursor": None if done else encode_cursor(
                    {"k": "firms", "o": page_no + 1, "l": limit})}

    @idempotent
    @blp.arguments(s.FirmCreate)
    @blp.response(201, s.FirmOut, headers=CREATED_HEADERS)
    @blp.doc(**links.created("firm"))
    @_doc_errors(*ERRORS, 409, 415)
    def post(self, data: dict[str, Any]) -> Any:
        """Register a firm (staff)."""
        require("firms:write", WRITE_ROLES)
        firm = services.create_firm(data, by=user())
        audit.record("create", "firm", firm.id)
        return versioned(firm, 201, location=url_for("api_firms.FirmItem", firm_id=firm.id))


@blp.route("/<int:firm_id>")
class FirmItem(MethodView):
    """One firm."""

    @doc_versioned_get(blp, s.FirmOut)
    def get(self, firm_id: int) -> Any:
        """A firm (an enterprise token: its own firm only; any other id is a 404)."""
        require("firms:read", ALL_ROLES)
        return versioned(firm_or_404(firm_id))

    @doc_versioned_patch(blp, s.FirmFields, s.FirmOut, "firm")
    def patch(self, data: dict[str, Any], firm_id: int) -> Any:
        """Change the fields sent; refused (412) when the firm changed since it was read."""
        require("firms:write", EDIT_ROLES)
        firm = _editable(firm_id)

        def change(version: int) -> None:
            if user().role not in WRITE_ROLES:
                staff_only = [k for k in FirmForm.STAFF_ONLY if k in data]
                if staff_only:
                    raise ApiError(403, _("Chỉ cán bộ được sửa: %(f)s.",
                                          f=", ".join(staff_only)),
                                   [{"field": k, "in": "json",
                                     "message": _("Chỉ cán bộ được sửa trường này.")}
                                    for k in staff_only])
            services.update_firm(firm, data, expected_version=version, by=user())
            audit.record("update", "firm", firm.id)

        return versioned_update(firm, change)


# --- what hangs off a firm: one pattern, five kinds -----------------------------------------

def _children(name: str, model: type, relation: str, schema_in: type[Schema],
              schema_out: type[Schema], add: Callable[..., Any], update: Callable[..., Any],
              remove: Callable[..., Any], personal: bool = False) -> None:
    """GET/POST /firms/{id}/<name> and GET/PUT/DELETE /firms/{id}/<name>/{item_id}."""

    def readable(firm_id: int) -> Firm:
        require("firms:read", ALL_ROLES)
        firm = firm_or_404(firm_id)
        if personal and not sees_personal_data(user(), firm):
            raise ApiError(403, _("Vai trò của bạn không xem được dữ liệu cá nhân."))
        return firm

    def item_of(firm: Firm, item_id: int) -> Any:
        item = db.session.get(model, item_id)
        if item is None or item.firm_id != firm.id:
            raise ApiError(404)
        return item

    def writable(firm_id: int) -> Firm:
        require("firms:write", EDIT_ROLES)
        firm = _editable(firm_id)
        check_match(firm.version, required=False)
        return firm

    def collection_get(self: Any, firm_id: int) -> Any:
        return getattr(readable(firm_id), relation)

    def collection_post(self: Any, data: dict[str, Any], firm_id: int) -> Any:
        firm = writable(firm_id)
        item = add(firm, data)
        audit.record("update", "firm", firm.id, {"part": relation})
        return item, 201, {"Location": url_for(f"api_firms.{name}_item", firm_id=firm.id,
                                               item_id=item.id), "ETag": etag(firm.version)}

    def item_get(self: Any, firm_id: int, item_id: int) -> Any:
        return item_of(readable(firm_id), item_id)

    def item_put(self: Any, data: dict[str, Any], firm_id: int, item_id: int) -> Any:
        firm = writable(firm_id)
        item = update(firm, item_of(firm, item_id), data)
        audit.record("update", "firm", firm.id, {"part": relation})
        return item, 200, {"ETag": etag(firm.version)}

    def item_delete(self: Any, firm_id: int, item_id: int) -> Any:
        firm = writable(firm_id)
        remove(firm, item_of(firm, item_id))
        audit.record("update", "firm", firm.id, {"part": relation})
        return Response(status=204, headers={"ETag": etag(firm.version)})

    label = name.rstrip("s")
    collection_get.__doc__ = f"The firm's {name}."
    collection_post.__doc__ = f"Add a {label} to the firm (If-Match optional)."
    item_get.__doc__ = f"One {label} of the firm."
    item_put.__doc__ = f"Replace a {label} of the firm (If-Match optional)."
    item_delete.__doc__ = f"Delete a {label} of the firm (If-Match optional)."
    collection = type(f"{name}_list", (MethodView,), {
        "get": _doc_errors(*ERRORS)(blp.response(200, schema_out(many=True))(collection_get)),
        "post": idempotent(blp.arguments(schema_in)(blp.response(201, schema_out)(
            _doc_errors(*ERRORS, 409, 412, 415)(collection_post)))),
    })
    item = type(f"{name}_item", (MethodView,), {
        "get": _doc_errors(*ERRORS)(blp.response(200, schema_out)(item_get)),
        "put": blp.arguments(schema_in)(blp.response(200, schema_out)(
            _doc_errors(*ERRORS, 409, 412, 415)(item_put))),
        "delete": blp.response(204)(_doc_errors(*ERRORS, 409, 412)(item_delete)),
    })
    blp.route(f"/<int:firm_id>/{name}", endpoint=f"{name}_list")(collection)
    blp.route(f"/<int:firm_id>/{name}/<int:item_id>", endpoint=f"{name}_item")(item)


_children("contacts", Contact, "contacts", s.ContactIn, s.ContactOut, services.add_contact,
          services.update_contact, services.remove_contact, personal=True)
_children("products", Product, "products", s.ProductIn, s.ProductOut, services.add_product,
          services.update_product, services.remove_product)
_children("certifications", Certification, "certifications", s.CertificationIn,
          s.CertificationOut, services.add_certification, services.update_certification,
          services.remove_certification)
_children("markets", FirmMarket, "markets", s.MarketIn, s.MarketOut, services.add_market,
          services.update_market, services.remove_market)
_children("stores", EcommerceStore, "stores", s.StoreIn, s.StoreOut, services.add_store,
          services.update_store, services.remove_store)
