"""UserError and the HTTP error pages: never a traceback to a user."""

from __future__ import annotations

import logging
import sys
from typing import NoReturn

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class UserError(Exception):
    """A rule broken by user input; `field` names the form field it belongs next to."""

    def __init__(self, message: str, field: str | None = None, link: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.link = link


class ConflictError(UserError):
    """Somebody else saved the same row first: a field message or flash on the web pages,
    412 Precondition Failed in the API."""

    def __init__(self, message: str | None = None) -> None:
        if message is None:
            from flask_babel import gettext as _

            message = _("Bản ghi vừa được người khác sửa; tải lại trang rồi thử lại.")
        super().__init__(message)


def register_error_handlers(app: Flask) -> None:
    """Render 4xx/5xx with templates/errors/*.html."""

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException) -> ResponseReturnValue:
        code = err.code or 500
        if request.path.startswith("/api/"):  # e.g. no route matched: still a problem document
            from crm.api.problems import problem

            return problem(code)
        template = f"errors/{code}.html" if code in (403, 404) else "errors/generic.html"
        return render_template(template, error=err), code

    @app.errorhandler(Exception)
    def unexpected(err: Exception) -> ResponseReturnValue:
        if app.testing:
            raise err  # tests must see the real error, users never do
        log.exception("Unhandled error")
        from crm.extensions import db

        db.session.rollback()
        return render_template("errors/500.html"), 500


def fail(message: str) -> NoReturn:
    """Command-line bad input: one line on stderr, exit code 2."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)
