"""Small builders shared by the meetings tests (the `event` fixture is in conftest.py)."""

from __future__ import annotations

from typing import Any

from crm.meetings import services
from crm.models import Counterpart, EventFirm


def counterpart(event: Any, **kw: Any) -> Counterpart:
    """A Japanese importer of bird's nest on the event; `kw` overrides its fields."""
    data = {"name": "Tokyo Foods", "kind": "importer", "country_code": "JP",
            "languages": "en, ja", "hs_prefixes": "0410"}
    data.update(kw)
    return services.add_counterpart(event, data)


def event_firm(event: Any, start: str = "Công ty Yến") -> EventFirm:
    """The event's firm whose name starts with `start` (the mission's bird's-nest firm)."""
    return next(ef for ef in event.firms if ef.firm.name.startswith(start))
