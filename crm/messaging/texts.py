"""Texts and dates shared by the messaging code: translated in a request, Vietnamese in
the worker and commands (firms read their e-mail in Vietnamese)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context, has_request_context
from flask_babel import gettext

DEFAULT_TZ = "Asia/Ho_Chi_Minh"


def _(message: str, **values: Any) -> str:
    """gettext inside a request; the Vietnamese msgid itself in the worker and commands."""
    if has_request_context():
        return gettext(message, **values)
    return message % values if values else message


def vietnam_today() -> date:
    """Today in Vietnam: expiry and deadlines are calendar dates there."""
    tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TZ) if has_app_context() \
        else DEFAULT_TZ
    return datetime.now(ZoneInfo(tz)).date()


def vn_date(day: date) -> str:
    """dd/mm/yyyy, as Vietnamese write dates."""
    return day.strftime("%d/%m/%Y")
