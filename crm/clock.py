"""The app's one clock: "today" is the date in the configured time zone (Asia/Ho_Chi_Minh).

A server runs on UTC: from 17:00 to midnight UTC, `date.today()` there is still yesterday in
Vietnam. Every page, export, reminder and ranking asks here, so a certificate badge and the
"fitting opportunities" on the same page agree on the date.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


def zone() -> ZoneInfo:
    """The configured time zone (BABEL_DEFAULT_TIMEZONE), Vietnam's outside an app."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def now() -> datetime:
    """The current time, aware, in the configured time zone."""
    return datetime.now(zone())


def today() -> date:
    """Today's date in the configured time zone."""
    return now().date()
