"""Firms: the enterprise registry (list and search, firm page, edit forms)."""

from flask import Blueprint

bp = Blueprint("firms", __name__)

from crm.firms import routes, routes_list, routes_portfolio  # noqa: E402

__all__ = ["bp", "routes", "routes_list", "routes_portfolio"]
