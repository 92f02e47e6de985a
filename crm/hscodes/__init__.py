"""HS code suggestions for products without a code, and the worklist to confirm them."""

from flask import Blueprint

bp = Blueprint("hscodes", __name__)

from crm.hscodes import routes  # noqa: E402

__all__ = ["bp", "routes"]
