"""Ranking reasons in the user's language: matching's codes rendered through the app's catalogue.

Matching states reasons as codes with parameters (matching.wording.Part); this is the one place
the app turns them into words: its Babel catalogue for the sentences, its reference tables for
the names of countries, certification schemes and HS headings, Babel for numbers and dates.
Shortlist entries store the codes, so a snapshot taken in Vietnamese reads in English too;
entries stored before the codes existed keep their two ready-made sentences.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask_babel import get_locale, get_translations

from crm.display import country_name, hs_title, scheme_name
from matching import reference as ref
from matching.explain import Gaps, Reason
from matching.wording import Part, Words


def words() -> Words:
    """A renderer for the current request's locale."""
    translations = get_translations()
    return Words(lang=str(get_locale() or "vi"), gettext=translations.gettext,
                 country_name=country_name, cert_name=_scheme_short, hs_title=_heading)


def _scheme_short(code: str) -> str:
    """A scheme's short name where officers have one ("Halal"), else the table's name."""
    short = ref.short_cert_name(code, "vi" if str(get_locale()) == "vi" else "en")
    return short or scheme_name(code)


def _heading(code: str) -> str:
    """An HS heading's title short enough for a sentence: the Vietnamese titles are written
    that way; the nomenclature's English ones are cut to the words officers know them by."""
    if str(get_locale()) == "vi":
        return hs_title(code)
    short = ref.short_hs_title(code)
    if short:
        return short
    title = hs_title(code)
    return title.split(";")[0] if len(title) > 60 else title


def _parts(reason: Any) -> list[Part] | None:
    if isinstance(reason, Reason):
        return reason.parts
    if isinstance(reason, Mapping) and reason.get("parts") is not None:
        return [Part.from_dict(p) for p in reason["parts"]]
    return None


def reason_text(reason: Reason | Mapping[str, Any], renderer: Words | None = None) -> str:
    """One reason's sentence (typed, stored with its codes, or an old stored snapshot)."""
    parts = _parts(reason)
    if parts is not None:
        return (renderer or words()).parts(parts)
    if reason.get("detail_vi") and str(get_locale()) == "vi":
        return reason["detail_vi"]
    return reason.get("detail", "")


def gaps_text(gaps: Gaps | None, renderer: Words | None = None) -> str:
    """What an ineligible firm lacks."""
    return (renderer or words()).parts(gaps.parts) if gaps else ""


def hint_text(gaps: Gaps | None, renderer: Words | None = None) -> str:
    """What would make it eligible."""
    return (renderer or words()).hint(gaps.hint) if gaps and gaps.hint else ""


def stored(reasons: Iterable[Reason]) -> list[dict[str, Any]]:
    """Reasons as kept with a shortlist entry: factor, weight and the codes, no words."""
    return [{"factor": r.factor, "weight": round(r.weight, 4),
             "parts": [p.to_dict() for p in r.parts]} for r in reasons]
