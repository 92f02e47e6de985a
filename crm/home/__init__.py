"""The staff home page: the officer's work of the day (or a manager's team's)."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from crm.home import routes  # noqa: E402

__all__ = ["bp", "routes"]
