"""A stand-in for crm.messaging.services.send_alert (the messaging engineer's), recording calls."""

from __future__ import annotations

import sys
import types

import pytest


@pytest.fixture
def sent_alerts(monkeypatch) -> list[dict]:
    """Calls to send_alert, each as its keyword arguments plus firm_id; a dedupe key seen
    before adds nothing, as the interface promises."""
    calls: list[dict] = []
    seen: set[str] = set()

    def send_alert(firm_id, *, kind, subject, body, link, source_type, source_id, by,
                   dedupe_key):
        if dedupe_key in seen:
            return None
        seen.add(dedupe_key)
        calls.append({"firm_id": firm_id, "kind": kind, "subject": subject, "body": body,
                      "link": link, "source_type": source_type, "source_id": source_id,
                      "by": by, "dedupe_key": dedupe_key})
        return None

    package = types.ModuleType("crm.messaging")
    module = types.ModuleType("crm.messaging.services")
    module.send_alert = send_alert  # type: ignore[attr-defined]
    package.services = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "crm.messaging", package)
    monkeypatch.setitem(sys.modules, "crm.messaging.services", module)
    return calls
