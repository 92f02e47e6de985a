"""Market and regulation notices: intake from the sources' files, targeting the firms they
concern, officer review and sending (through crm.messaging)."""

from flask import Blueprint

bp = Blueprint("notices", __name__)

from crm.notices import routes  # noqa: E402

__all__ = ["bp", "routes"]
