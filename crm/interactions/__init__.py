"""Support log: interactions with firms, follow-up tasks, outcomes and yearly indicators."""

from flask import Blueprint

bp = Blueprint("interactions", __name__)

from crm.interactions import routes  # noqa: E402

__all__ = ["bp", "routes"]
