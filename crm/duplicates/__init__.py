"""Duplicate firms: candidate pairs and the merge screen."""

from flask import Blueprint

bp = Blueprint("duplicates", __name__)

from crm.duplicates import routes  # noqa: E402

__all__ = ["bp", "routes"]
