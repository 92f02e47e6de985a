"""One unit of work per request: the one place the web pages commit or roll back.

The rule, for the HTML pages and the API alike: services add and flush, never commit; a
request that ends well commits once, at its end; a request that fails (an exception, an
error status, a service's UserError) rolls back, so nothing is saved half-way. The two
renderings of a UserError differ: a message next to the form field (or a flash message
when it has no field) here, a problem document in crm/api/core.py.

- `install(app)`: commits a successful POST/PUT/PATCH/DELETE after its view, rolls back a
  failed one. GET pages are not committed: one that must write (an export's audit event,
  a message marked read) says so with `with unit_of_work():`.
- `form_errors(form)`: a `with` block around the service call; a UserError becomes a field
  message or a flash message and the request's writes are rolled back.
- `unit_of_work()`: the CLI's and background jobs' explicit transaction, and a request's
  deliberate early commit (the work must be seen by another transaction before the request
  ends, e.g. a streamed import that writes after the response has started).
- `discard()`: roll back on purpose (a dry run) and keep the end of the request from
  committing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from flask import (
    Flask,
    current_app,
    flash,
    has_request_context,
    make_response,
    render_template,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

from crm.errors import ConflictError, UserError
from crm.extensions import db

log = logging.getLogger(__name__)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FAILED = "crm.unit_of_work.failed"  # in the WSGI environ: `g` may outlive one request


def succeeded(status: int) -> bool:
    """The rule shared with the API: a response below 400 commits, anything else rolls back."""
    return status < 400


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block (and the session before it) did, or roll back if it raised."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def discard() -> None:
    """Roll back this request's writes; the end of the request will not commit either."""
    db.session.rollback()
    if has_request_context():
        request.environ[_FAILED] = True


def failed() -> bool:
    """True once this request's unit of work was discarded."""
    return has_request_context() and bool(request.environ.get(_FAILED))


@dataclass
class Outcome:
    """What a `form_errors` block left: the error (None if it went well) and its messages."""

    error: UserError | None = None
    general: list[str] = field(default_factory=list)  # messages of no field, when not flashed
    links: dict[str, str] = field(default_factory=dict)  # field → link given by the error

    @property
    def ok(self) -> bool:
        """True when the block ran to its end without a UserError."""
        return self.error is None


def _field_name(form: Any, field_: str | None, aliases: dict[str, str] | None,
                fallback: str | None) -> str | None:
    name = (aliases or {}).get(field_ or "", field_) or fallback
    return name if form is not None and name and name in form else None


@contextmanager
def form_errors(form: Any = None, *, aliases: dict[str, str] | None = None,
                fallback: str | None = None, category: str = "danger",
                flash_general: bool = True,
                conflict: Callable[[], UserError] | None = None) -> Iterator[Outcome]:
    """Run a service call; a UserError rolls the request back and is shown to the user.

    The message goes next to `form[err.field]` (`aliases` renames a service's field to the
    form's, `fallback` is the field for errors that name none); otherwise it is flashed with
    `category`, or kept in `Outcome.general` when `flash_general` is False. The block's work
    is flushed at its end so that a stale version (`conflict()` says what to show) or a
    broken rule surfaces here rather than in the commit at the end of the request.
    """
    outcome = Outcome()
    try:
        yield outcome
        db.session.flush()
    except StaleDataError:
        discard()  # first: the conflict message may read the row as the other save left it
        err: UserError = conflict() if conflict is not None else ConflictError()
        _show(outcome, form, err, aliases, fallback, category, flash_general)
    except UserError as err_:
        _show(outcome, form, err_, aliases, fallback, category, flash_general)


def _show(outcome: Outcome, form: Any, err: UserError, aliases: dict[str, str] | None,
          fallback: str | None, category: str, flash_general: bool) -> None:
    discard()  # nothing saved half-way
    outcome.error = err
    # An error may name several fields at once (`errors`: field → message).
    several = getattr(err, "errors", None)
    pairs = list(several.items()) if isinstance(several, dict) and several \
        else [(err.field, err.message)]
    for field_, message in pairs:
        name = _field_name(form, field_, aliases, fallback)
        if name is not None:
            form[name].errors = [*form[name].errors, message]
            if err.link:
                outcome.links[name] = err.link
        elif flash_general:
            flash(message, category)
        else:
            outcome.general.append(message)


def _end(response: Response) -> Response:
    """Commit a successful write request, roll back a failed one."""
    if request.method not in WRITE_METHODS:
        return response
    if failed() or not succeeded(response.status_code):
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        session.pop("_flashes", None)  # a "saved" message must not outlive a failed commit
        if current_app.testing:
            raise  # tests must see the real error, users never do
        log.exception("Commit at the end of the request failed")
        return make_response(render_template("errors/500.html"), 500)
    return response


def _teardown(exc: BaseException | None) -> None:
    """An exception that no handler turned into a response: nothing of it is kept."""
    if exc is not None:
        db.session.rollback()


def _uncaught_user_error(err: UserError) -> ResponseReturnValue:
    """A UserError no `form_errors` caught: its message on the error page, nothing saved."""
    discard()
    return render_template("errors/user_error.html", message=err.message), 422


def install(app: Flask) -> None:
    """Give every request of `app` its unit of work."""
    app.after_request(_end)
    app.teardown_request(_teardown)
    app.register_error_handler(UserError, _uncaught_user_error)
