"""Bulk import of firms from .xlsx and .csv spreadsheets."""

from flask import Blueprint

bp = Blueprint("imports", __name__)

from crm.imports import routes  # noqa: E402

__all__ = ["bp", "routes"]
