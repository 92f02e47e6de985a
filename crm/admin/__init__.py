"""Administration: the audit log viewer and user management (admins only)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from crm.admin import routes  # noqa: E402

__all__ = ["bp", "routes"]
