"""What every /api/v1 endpoint shares: token authentication, scopes, one unit of work per
request, problem documents for every error, ETag/If-Match, cursors and Idempotency-Key.

The unit of work (`unit_of_work`) is the one place the API commits: every view of an
`ApiBlueprint` is wrapped in it when registered, so no API view commits or rolls back itself.
A successful response (< 400) commits; anything else rolls back; a service's UserError
becomes a 422 problem naming its field, a stale version a 412.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json as pyjson
import logging
from collections.abc import Callable, Sequence
from functools import wraps
from http import HTTPStatus
from typing import Any, TypeVar

import flask_babel
import flask_smorest
from flask import Response, current_app, g, request
from flask.views import MethodView
from flask_babel import gettext as _
from sqlalchemy import Select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from crm import audit
from crm.api.problems import PROBLEM_TYPE, field_errors, problem
from crm.auth import tokens
from crm.auth.policy import ALL_ROLES, WRITE_ROLES
from crm.errors import ConflictError, UserError
from crm.extensions import csrf, db, limiter
from crm.models import IdempotentRequest
from crm.unit_of_work import succeeded

log = logging.getLogger("crm.api")
T = TypeVar("T")

API_LIMITS = "120/minute;5000/hour"  # per token (per address before a token is known)
JSON_TYPES = ("application/json",)
IDEMPOTENCY_KEY_MAX = 100
MAX_LIMIT = 100
ERRORS = (401, 403, 404, 422, 429)  # the problems every operation documents
ETAG_HEADER = {"ETag": {"schema": {"type": "string"}}}
CREATED_HEADERS = {**ETAG_HEADER, "Location": {"schema": {"type": "string"}}}


def problem_responses(blp: flask_smorest.Blueprint, *codes: int) -> Callable[[Any], Any]:
    """Document the problem answers (HTTP status codes) of an operation of `blp`."""
    def deco(func: Any) -> Any:
        for code in codes:
            func = blp.alt_response(code, response=HTTPStatus(code).name)(func)
        return func
    return deco


class ApiError(Exception):
    """An error answered as a problem document."""

    def __init__(self, status: int, detail: str | None = None,
                 errors: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail or str(status))
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers


def row_or_404(model: type[T], row_id: int) -> T:
    """The row of `model` with this id, or a 404 problem."""
    row = db.session.get(model, row_id)
    if row is None:
        raise ApiError(404)
    return row


def _token_key() -> str:
    """Throttle per token (its public prefix), or per address without a well-formed token."""
    bearer = _bearer()
    if bearer and bearer.startswith(tokens.TOKEN_PREFIX) and bearer.count("_") >= 2:
        return "api-token:" + bearer.split("_")[1][:16]
    return "api-addr:" + (request.remote_addr or "")


def _bearer() -> str | None:
    scheme, _sp, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def authenticate() -> Response | None:
    """Every API request acts as the user of a live token; never as a browser session."""
    # The language is this request's Accept-Language: drop a locale cached in an app context
    # that outlives one request (tests, CLI-driven clients).
    flask_babel.refresh()
    has_body = bool(request.content_length) or "Transfer-Encoding" in request.headers
    if request.method in ("POST", "PUT", "PATCH") and (has_body or request.mimetype) \
            and request.mimetype not in JSON_TYPES:
        # Before authentication too: a wrong content type says nothing about tokens. A POST
        # without a body (completing a task) needs no content type.
        return problem(415, _("Gửi nội dung dạng application/json."))
    row = tokens.usable_token(_bearer())
    if row is None:
        g._login_user = None
        return problem(401, _("Cần một khóa API hợp lệ trong tiêu đề Authorization: "
                              "Bearer <khóa>."), headers={"WWW-Authenticate": "Bearer"})
    g._login_user = row.user  # current_user for the access policy (crm/auth/policy.py)
    g.api_token = row
    request.environ[audit.API_KEY_ENVIRON] = row.prefix
    tokens.note_use(row, request.remote_addr)
    return None


def require(scope: str, roles: frozenset[str]) -> None:
    """403 unless the token holds `scope` and its user's role is in `roles` (as on the web)."""
    row = g.api_token
    if scope not in (row.scopes or []):
        raise ApiError(403, _("Khóa này không có phạm vi %(scope)s.", scope=scope))
    if row.user.role not in roles:
        raise ApiError(403, _("Vai trò của bạn không được làm việc này."))


def user() -> Any:
    """The token's user."""
    return g.api_token.user


def _status_of(rv: Any) -> int:
    if isinstance(rv, Response):
        return rv.status_code
    if isinstance(rv, tuple) and len(rv) > 1 and isinstance(rv[1], int):
        return rv[1]
    return 200


def unit_of_work(view: Callable[..., Any]) -> Callable[..., Any]:
    """Commit after a successful request, roll back otherwise (the API's only commit).

    The rule is the web pages' (`crm.unit_of_work.succeeded`); only the rendering of a
    service's UserError differs: a problem document here, a field message there."""

    @wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            rv = view(*args, **kwargs)
            if succeeded(_status_of(rv)):
                db.session.commit()
            else:
                db.session.rollback()
            return rv
        except UserError as err:
            db.session.rollback()
            status = 412 if isinstance(err, ConflictError) else 422
            raise ApiError(status, err.message, [{"field": err.field, "in": "json",
                                                  "message": err.message}]
                           if err.field else None) from None
        except StaleDataError:
            db.session.rollback()
            raise ApiError(412, _("Bản ghi đã được người khác sửa; đọc lại rồi gửi kèm "
                                  "If-Match mới.")) from None
        except IntegrityError:
            # A concurrent request took the same unique value between our check and commit.
            db.session.rollback()
            raise ApiError(409, _("Xung đột với dữ liệu vừa được lưu; thử lại.")) from None
        except BaseException:
            db.session.rollback()
            raise

    return run


def _handle_api_error(err: ApiError) -> Response:
    return problem(err.status, err.detail, err.errors, err.headers)


def _handle_http(err: HTTPException) -> Response:
    code = err.code or 500
    data = getattr(err, "data", None) or {}
    if code in (400, 422) and data.get("messages"):
        errors = field_errors(data["messages"])
        if any(e["message"] == "Invalid JSON body." for e in errors):
            return problem(400, _("Nội dung JSON không đọc được."),
                           [{"field": "_body", "in": "json",
                             "message": _("Nội dung JSON không đọc được.")}])
        return problem(422, None, errors)
    headers = {}
    if code == 429:
        headers["Retry-After"] = "60"
    valid = getattr(err, "valid_methods", None)
    if code == 405 and valid:
        headers["Allow"] = ", ".join(valid)
    return problem(code, None, None, headers)


def _handle_unexpected(err: Exception) -> Response:
    if current_app.testing:
        raise err
    log.exception("Unhandled API error")
    db.session.rollback()
    return problem(500)


def _as_policy_view(cls: type[MethodView], name: str, *args: Any, **kwargs: Any) -> Any:
    """MethodView.as_view, marked as covered by the access policy: every method calls
    `require(scope, roles)` with the web's roles for that action (tests/test_access_policy)."""
    view = MethodView.as_view.__func__(cls, name, *args, **kwargs)  # type: ignore[attr-defined]
    view.allowed_roles = ALL_ROLES
    return view


class ApiBlueprint(flask_smorest.Blueprint):
    """A flask-smorest blueprint whose every view runs in the unit of work, behind a token."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.before_request(authenticate)
        self.register_error_handler(ApiError, _handle_api_error)
        self.register_error_handler(HTTPException, _handle_http)
        self.register_error_handler(Exception, _handle_unexpected)
        limiter.limit(API_LIMITS, key_func=_token_key)(self)
        csrf.exempt(self)  # no cookie authenticates here: only the Authorization header

    def add_url_rule(self, rule: str, endpoint: str | None = None,
                     view_func: Any = None, *args: Any, **options: Any) -> None:
        """Register the view so that it runs in the unit of work."""
        if isinstance(view_func, type) and issubclass(view_func, MethodView):
            view_func = type(view_func.__name__, (view_func,), {
                "dispatch_request": unit_of_work(view_func.dispatch_request),
                "as_view": classmethod(_as_policy_view),
                "__doc__": view_func.__doc__})
        elif view_func is not None:
            view_func = unit_of_work(view_func)  # functools.wraps keeps its _apidoc
        super().add_url_rule(rule, endpoint, view_func, *args, **options)


# --- ETag / If-Match -------------------------------------------------------------------------

def etag(version: int) -> str:
    """The strong ETag of a row's version (the column the web forms lock on)."""
    return f'"{version}"'


def if_match(required: bool = True) -> int | None:
    """The version named by If-Match (428 when required and missing, 412 when unreadable)."""
    raw = request.headers.get("If-Match")
    if raw is None:
        if required:
            raise ApiError(428, _("Gửi kèm If-Match với ETag đã đọc để không ghi đè thay đổi "
                                  "của người khác."))
        return None
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit() or len(value) > 12:
        raise ApiError(412, _("If-Match không khớp phiên bản hiện tại."))
    return int(value)


def check_match(current: int, required: bool = True) -> None:
    """412 unless If-Match names the current version."""
    wanted = if_match(required)
    if wanted is not None and wanted != current:
        raise ApiError(412, _("If-Match không khớp phiên bản hiện tại."))


def versioned(row: Any, status: int = 200, body: Any = None, location: str | None = None
              ) -> tuple[Any, int, dict[str, str]]:
    """The answer of a row with a version column: `body` (the row itself by default), the
    status and the row's ETag (and its Location, for a create)."""
    headers = {"ETag": etag(row.version)}
    if location is not None:
        headers["Location"] = location
    return (row if body is None else body), status, headers


def versioned_update(row: Any, change: Callable[[int], object], required: bool = True
                     ) -> tuple[Any, int, dict[str, str]]:
    """Change a row under If-Match and answer it with its new ETag.

    If-Match must name the row's version (428 when `required` and missing, 412 when it names
    another); `change(version)` runs the service, which checks the version again as it
    writes: a ConflictError or a stale flush is a 412 of the unit of work, nothing saved."""
    check_match(row.version, required)
    change(row.version)
    db.session.flush()  # the version moves on the flush; the ETag must name the new one
    return versioned(row)


def doc_versioned_get(blp: flask_smorest.Blueprint, schema: Any) -> Callable[[Any], Any]:
    """Document the GET of a versioned row: its schema, its ETag, the usual problems."""
    def deco(func: Any) -> Any:
        func = problem_responses(blp, *ERRORS)(func)
        return blp.response(200, schema, headers=ETAG_HEADER)(func)
    return deco


def doc_versioned_patch(blp: flask_smorest.Blueprint, schema_in: Any, schema_out: Any,
                        noun: str) -> Callable[[Any], Any]:
    """Document the PATCH of a versioned row: the fields, If-Match (required), the new
    ETag, and the problems of a change (409, 412 stale, 415, 428 without If-Match)."""
    def deco(func: Any) -> Any:
        func = problem_responses(blp, *ERRORS, 409, 412, 415, 428)(func)
        func = blp.doc(parameters=[{"in": "header", "name": "If-Match", "required": True,
                                    "schema": {"type": "string"},
                                    "description": f"the ETag of the {noun} as read"}])(func)
        func = blp.response(200, schema_out, headers=ETAG_HEADER)(func)
        return blp.arguments(schema_in)(func)
    return deco


# --- cursors -------------------------------------------------------------------------------

def encode_cursor(data: dict[str, Any]) -> str:
    """An opaque cursor."""
    raw = pyjson.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, kind: str) -> dict[str, Any]:
    """The data of a cursor made by encode_cursor for `kind`; 400-ish problem otherwise."""
    if not cursor:
        return {}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = pyjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict) or data.get("k") != kind or not isinstance(
            data.get("o"), int) or not 0 <= data["o"] <= 10**7:
        raise ApiError(422, None, [{"field": "cursor", "in": "query",
                                    "message": _("Con trỏ trang không hợp lệ.")}])
    return data


def offset_page(source: Select[Any] | Sequence[Any], args: dict[str, Any], kind: str
                ) -> dict[str, Any]:
    """One page of a query (or of a list already read) from `args` (limit, cursor): the
    items and the cursor of the next page (None on the last one)."""
    at = decode_cursor(args.get("cursor"), kind)
    offset, limit = at.get("o", 0), at.get("l", args["limit"])
    if isinstance(source, Select):
        # One row more than the page says whether there is a next one, without a count.
        rows = list(db.session.scalars(source.offset(offset).limit(limit + 1)))
    else:
        rows = list(source[offset:offset + limit + 1])
    more = len(rows) > limit
    return {"items": rows[:limit], "next_cursor": encode_cursor(
        {"k": kind, "o": offset + limit, "l": limit}) if more else None}


# --- Idempotency-Key ------------------------------------------------------------------------

def _request_hash() -> str:
    body = request.get_data(cache=True)
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(), body])
                          ).hexdigest()


def idempotent(create: Callable[..., Response]) -> Callable[..., Response]:
    """With an Idempotency-Key, a retried create returns the first answer instead of a second
    row; the same key with a different request is a 422. Kept in the create's transaction."""

    @wraps(create)
    def run(*args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return create(*args, **kwargs)
        key = key.strip()
        if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
            raise ApiError(422, None, [{"field": "Idempotency-Key", "in": "header",
                                        "message": _("Khóa chống lặp dài 1 đến %(n)d ký tự.",
                                                     n=IDEMPOTENCY_KEY_MAX)}])
        digest = _request_hash()
        seen = db.session.query(IdempotentRequest).filter_by(
            token_id=g.api_token.id, key=key).one_or_none()
        if seen is not None:
            if seen.request_hash != digest:
                raise ApiError(422, _("Khóa chống lặp này đã dùng cho một yêu cầu khác."),
                               [{"field": "Idempotency-Key", "in": "header",
                                 "message": _("Khóa chống lặp này đã dùng cho một yêu cầu "
                                              "khác.")}])
            resp = Response(seen.body, status=seen.status, mimetype="application/json")
            for name, value in (seen.headers or {}).items():
                resp.headers[name] = value
            resp.headers["Idempotent-Replayed"] = "true"
            return resp
        resp = create(*args, **kwargs)
        if resp.status_code < 400:
            kept = {k: v for k, v in resp.headers.items() if k in ("Location", "ETag")}
            db.session.add(IdempotentRequest(token_id=g.api_token.id, key=key,
                                             request_hash=digest, status=resp.status_code,
                                             body=resp.get_data(as_text=True), headers=kept))
        return resp

    run._apidoc = getattr(create, "_apidoc", {})  # type: ignore[attr-defined]
    return run


__all__ = ["CREATED_HEADERS", "ERRORS", "ETAG_HEADER", "MAX_LIMIT", "PROBLEM_TYPE",
           "WRITE_ROLES", "ApiBlueprint", "ApiError", "check_match", "decode_cursor",
           "doc_versioned_get", "doc_versioned_patch", "encode_cursor", "etag", "idempotent",
           "offset_page", "require", "row_or_404", "user", "versioned", "versioned_update"]
