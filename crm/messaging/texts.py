"""Texts and dates shared by the messaging code: translated in a request, Vietnamese in
the worker and commands (firms read their e-mail in Vietnamese)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import force_locale, get_locale, gettext

DEFAULT_TZ = "Asia/Ho_Chi_Minh"
FALLBACK_LANGUAGE = "en"  # a foreign reader whose language the interface lacks reads English
_FORCED = "crm_text_language"  # set on `g` inside in_language()


def _(message: str, **values: Any) -> str:
    """gettext inside a request or in_language(); else the Vietnamese msgid itself (the
    worker and commands write to firms and officers in Vietnamese)."""
    if has_request_context() or (has_app_context() and g.get(_FORCED)):
        return gettext(message, **values)
    return message % values if values else message


def reader_language(languages: Iterable[str]) -> str:
    """The first of a reader's languages (ISO 639-1) the interface speaks, else English."""
    spoken = current_app.config.get("LANGUAGES", ("vi", "en")) if has_app_context() \
        else ("vi", "en")
    return next((code for code in languages if code in spoken), FALLBACK_LANGUAGE)


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """The block's texts in `language`, in a request or in the worker: for a reader with no
    account and no interface language of their own, e.g. a foreign buyer."""
    before = g.get(_FORCED)
    setattr(g, _FORCED, language)
    try:
        with force_locale(language):
            yield
    finally:
        setattr(g, _FORCED, before)


def text_language() -> str:
    """The language _() writes in now: in_language()'s, the request's, else Vietnamese."""
    if has_app_context() and g.get(_FORCED):
        return g.get(_FORCED)
    if has_request_context():
        return str(get_locale() or "vi")
    return "vi"


def local_date(day: date, language: str | None = None) -> str:
    """A date as its reader writes it (default: in text_language()): dd/mm/yyyy in
    Vietnamese, "Mar 10, 2027" in English."""
    language = language or text_language()
    return vn_date(day) if language == "vi" else format_date(day, "medium", locale=language)


def vietnam_today() -> date:
    """Today in Vietnam: expiry and deadlines are calendar dates there."""
    tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TZ) if has_app_context() \
        else DEFAULT_TZ
    return datetime.now(ZoneInfo(tz)).date()


def vn_date(day: date) -> str:
    """dd/mm/yyyy, as Vietnamese write dates."""
    return day.strftime("%d/%m/%Y")
