"""Learning from outcomes: learned ranking weights per opportunity kind, tested on later
opportunities, switched on by a manager only where they beat the hand-set weights."""

from flask import Blueprint

# cli_group: `flask --app crm learn evaluate` (and `crm learn evaluate`).
bp = Blueprint("learning", __name__, cli_group="learn")

from crm.learning import cli, routes  # noqa: E402

__all__ = ["bp", "cli", "routes"]
