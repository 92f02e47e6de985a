"""Enterprise portal: a firm keeps its own profile, documents and answers to opportunities."""

from flask import Blueprint

from crm import history

history.install()  # every firm change is recorded, whoever makes it

bp = Blueprint("portal", __name__)

from crm.portal import inbox, meetings, routes  # noqa: E402

__all__ = ["bp", "inbox", "meetings", "routes"]
