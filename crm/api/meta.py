"""The OpenAPI document and its documentation page (no token needed, nothing from a CDN)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint("api_meta", __name__)


@bp.route("/openapi.json")
def openapi_json() -> ResponseReturnValue:
    """The OpenAPI 3.1 document, generated from the code (docs/openapi.json is a copy)."""
    from crm.api import openapi_document

    return jsonify(openapi_document(current_app))


@bp.route("/docs")
def docs() -> ResponseReturnValue:
    """The API reference as a plain page rendered here from the same document."""
    from crm.api import openapi_document

    spec = openapi_document(current_app)
    operations = [
        (path, method.upper(), op) for path, item in spec["paths"].items()
        for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")
    ]
    return render_template("api/docs.html", spec=spec, operations=operations)
