"""Login, logout, account security (password, TOTP), language switch and the access policy."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from crm.auth import policy, routes, throttle  # noqa: E402

__all__ = ["bp", "policy", "routes", "throttle"]
