"""Staff side of the portal: verify self-declared changes, firm history, accounts."""

from flask import Blueprint

from crm import history

history.install()  # every firm change is recorded, whoever makes it

bp = Blueprint("verification", __name__)

from crm.verification import routes  # noqa: E402

__all__ = ["bp", "routes"]
