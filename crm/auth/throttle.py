"""Login throttling (OWASP ASVS V6.3) with Flask-Limiter: per account and per address.

Only failed attempts count (a response other than the redirect of a successful step), so
officers behind one NAT address logging in at 8 a.m. are not locked out by each other.
The password step and the TOTP step share the account's budget.
"""

from __future__ import annotations

from flask import Flask, Response, request, session
from flask_limiter.util import get_remote_address

from crm.extensions import limiter

ACCOUNT_LIMITS = "5/minute;20/hour"
ADDRESS_LIMITS = "30/minute"


def _account_key() -> str:
    """The folded submitted e-mail, or the account waiting for its TOTP code."""
    from crm.auth.services import folded_email

    pending = session.get("totp_pending")
    email = pending["email"] if pending else request.form.get("email", "")
    return "account:" + folded_email(email)


def _failed(response: Response) -> bool:
    """A successful step redirects; anything else (the form again) is a failed try."""
    return response.status_code != 302


# One budget for the password and the TOTP step of an account, one per client address.
per_account = limiter.shared_limit(ACCOUNT_LIMITS, scope="login-account", key_func=_account_key,
                                   methods=["POST"], deduct_when=_failed)
per_address = limiter.shared_limit(ADDRESS_LIMITS, scope="login-address",
                                   key_func=get_remote_address, methods=["POST"],
                                   deduct_when=_failed)


def init_app(app: Flask) -> None:
    """Install the limiter; with RATELIMIT_ENABLED false it is installed but inactive.

    Installed either way so that a test can switch throttling on (limiter.enabled) for
    itself: Flask-Limiter only adds its request hooks when it starts enabled.
    """
    enabled = app.config["RATELIMIT_ENABLED"]
    app.config["RATELIMIT_ENABLED"] = True
    limiter.init_app(app)
    limiter.enabled = app.config["RATELIMIT_ENABLED"] = enabled
