"""Security headers on every response (OWASP ASVS V3): no inline script, no framing."""

from __future__ import annotations

from flask import Flask, Response, abort, request

# Inline style attributes are allowed (progress bars, chart sizes); inline script is not.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def install(app: Flask) -> None:
    """Add the headers in an after_request hook; refuse NUL characters in any input."""

    @app.before_request
    def _refuse_nul() -> None:
        # No field of the CRM legitimately holds NUL, and PostgreSQL cannot store or even
        # compare it (the query fails): answer 400 before any view reads the value.
        values = [v for md in (request.args, request.form) for key, vs in md.lists()
                  for v in (key, *vs)]
        values += [f.filename or "" for f in request.files.values()]
        if any("\x00" in v for v in values):
            abort(400)

    @app.after_request
    def _headers(resp: Response) -> Response:
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return resp
