"""/api/v1: a REST API over the same services and access policy as the web pages.

flask-smorest builds the OpenAPI 3.1 document from the marshmallow schemas and the views;
crm/api/core.py holds what every endpoint shares (tokens, unit of work, problems).
"""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
from flask import Flask
from flask_smorest.utils import prepare_response

from crm.api.problems import PROBLEM_TYPE
from crm.api.schemas import ProblemSchema
from crm.validators import MAX_ROW_ID

PREFIX = "/api/v1"
API_VERSION = "1.0.0"


class Api(flask_smorest.Api):
    """flask-smorest's Api with problem documents: errors are handled per API blueprint
    (crm/api/core.py), so the HTML error pages of the rest of the app stay as they are."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        """None at app level: the API blueprints answer their own errors."""

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def install(app: Flask) -> Api:
    """Register /api/v1 on the app; returns the Api (its .spec is the OpenAPI document)."""
    from werkzeug.routing import IntegerConverter

    app.config.setdefault("API_TITLE", "Go Global CRM API")
    app.config.setdefault("API_VERSION", API_VERSION)
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    api = Api(app, spec_kwargs={
        "info": {"description": "Firms, opportunities, ranking and pipeline, support "
                                "interactions and tasks, partners, programmes and KPIs of the "
                                "Go Global CRM. Authenticate with `Authorization: Bearer <token>` "
                                "(`crm token create` or the Account page)."},
        "servers": [{"url": "/"}],
    })
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "ggc_<prefix>_<secret>"})
    api.spec.options["security"] = [{"bearer": []}]
    converter = app.url_map.converters["int"]
    if converter is not IntegerConverter:
        api.register_converter(converter, lambda _c: {"type": "integer", "minimum": 0,
                                                       "maximum": MAX_ROW_ID})
    from crm.api import firms, interactions, meta, opportunities, partners, programmes

    api.register_blueprint(firms.blp, url_prefix=f"{PREFIX}/firms")
    api.register_blueprint(opportunities.blp, url_prefix=f"{PREFIX}/opportunities")
    api.register_blueprint(interactions.blp, url_prefix=f"{PREFIX}/interactions")
    api.register_blueprint(partners.blp, url_prefix=f"{PREFIX}/partners")
    api.register_blueprint(programmes.blp, url_prefix=f"{PREFIX}/programmes")
    app.register_blueprint(meta.bp, url_prefix=PREFIX)
    app.extensions["crm_api"] = api
    return api


def openapi_document(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of the app's API, as served and as committed in docs/."""
    return app.extensions["crm_api"].spec.to_dict()
