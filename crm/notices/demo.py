"""Demo notices: the fixture files imported as an officer would (crm demo)."""

from __future__ import annotations

from importlib import resources

from crm.models import User

DEMO_FILES = (("eping", "eping_notifications.json", None), ("rasff", "rasff_export.json", None),
              ("fda_refusal", "fda_refusals.csv", "fda_refusal_charges.csv"),
              ("moit_trade_remedy", "moit_trade_remedies.xlsx", None))


def add_demo_notices(by: User | None = None) -> int:
    """Import the fixture notices and match them to the demo firms (flush only)."""
    from crm.notices.services import import_notices

    root = resources.files("crm.notices").joinpath("fixtures")
    added = 0
    for source, name, charges in DEMO_FILES:
        extra = root.joinpath(charges).read_bytes() if charges else None
        report = import_notices(source, root.joinpath(name).read_bytes(), charges=extra, by=by)
        added += len(report.added)
    return added
