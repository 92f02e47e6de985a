"""Programmes: targets, KPI dashboard, before/after view and reports."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)

from crm.programmes import routes  # noqa: E402

__all__ = ["bp", "routes"]
