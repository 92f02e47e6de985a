"""Market requirements: which certification a market requires for which products, when (admins).

The rules are the database's (seeded once from matching/data/market_requirements.csv); the
ranking reads them through crm.refdata.matching_reference.
"""

from flask import Blueprint

bp = Blueprint("requirements", __name__)

from crm.requirements import routes  # noqa: E402

__all__ = ["bp", "routes"]
