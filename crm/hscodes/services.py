"""HS suggestions in the app: the model kept per app, suggestions with their reasons, and
confirming one on a product.

The model (crm.hscodes.model) is built from the HS titles, the glossary, the search synonyms
and the registry's coded products. The titles part is hashed once per app (with the other
reference tables: `crm refdata` drops it); the whole model is rebuilt when the number of
coded products has changed notably since it was built, checked at most every
CHECK_SECONDS, so a page pays for the check (one count) rarely and for a rebuild (~0.3 s at
the demo's 3,000 coded products) more rarely still.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_login import current_user

from crm import display
from crm.auth.policy import WRITE_ROLES
from crm.errors import UserError
from crm.firms import services as firm_services
from crm.hscodes import queries
from crm.hscodes.model import (
    Phrasebook,
    Suggester,
    Suggestion,
    TitleIndex,
    english_words,
    read_glossary,
)
from crm.models import Firm, Product
from crm.search.understand import synonym_groups
from matching.text import fold_words

log = logging.getLogger("crm.hscodes")
CACHE_KEY = "crm_hs_suggester"
CHECK_SECONDS = 30.0  # how stale the "coded products changed?" answer may be
REBUILD_SHARE = 0.02  # rebuild when the coded products changed by this share (or ...)
REBUILD_MIN = 20  # ... by this many, whichever is larger; on any change below ...
SMALL_REGISTRY = 1000  # ... this many coded products (a rebuild there takes milliseconds)
TOP = 3
IMPORT_HINTS = 20  # products of an import file shown with their suggestions
EXAMPLE_CHARS = 40  # a product name quoted in a reason is cut to this length


@dataclass
class _Cached:
    model: Suggester
    coded: int  # coded products when built
    checked: float  # time.monotonic() of the last freshness check


def _base() -> tuple[TitleIndex, Phrasebook]:
    """The HS titles hashed and the phrase book: reference data, built once per app."""
    def load() -> tuple[TitleIndex, Phrasebook] | None:
        lines = queries.hs_lines()
        if not lines:
            return None  # reference data not loaded (yet): build nothing, keep nothing
        book = Phrasebook.build(synonym_groups(), read_glossary(), english_words(lines))
        return TitleIndex.build(lines), book

    base = display.reference_table("hs_suggestion_base", load, complete=lambda b: b is not None)
    if base is None:
        raise LookupError("the HS reference table is empty (run `crm refdata`)")
    return base


def _notable(before: int, now: int) -> bool:
    if before == now:
        return False
    if max(before, now) < SMALL_REGISTRY:
        return True
    return abs(now - before) >= max(REBUILD_MIN, REBUILD_SHARE * before)


def suggester() -> Suggester:
    """This app's model, rebuilt first when the coded products changed notably."""
    cached: _Cached | None = current_app.extensions.get(CACHE_KEY)
    now = time.monotonic()
    if cached is not None and now - cached.checked < CHECK_SECONDS:
        return cached.model
    coded = queries.coded_count()
    if cached is not None and not _notable(cached.coded, coded):
        cached.checked = now
        return cached.model
    titles, book = _base()
    model = Suggester(titles, queries.coded_products(), book)
    current_app.extensions[CACHE_KEY] = _Cached(model, coded, now)
    return model


def forget() -> None:
    """Drop this app's model (the next suggestion rebuilds it)."""
    current_app.extensions.pop(CACHE_KEY, None)


def product_text(product: Product | Mapping[str, Any]) -> str:
    """The text a product is classified by: its name and English name."""
    get = product.get if isinstance(product, Mapping) else lambda k: getattr(product, k, None)
    return " ".join(str(v).strip() for v in (get("name"), get("name_en")) if v)


def suggest(text: str, top: int = TOP) -> list[Suggestion]:
    """The `top` likeliest HS codes (4 digits, 6 when confident) for a product text; none
    while the HS reference table is empty."""
    if not text or not text.strip():
        return []
    try:
        model = suggester()
    except LookupError:
        log.warning("no HS suggestions: the HS reference table is empty")
        return []
    return model.suggest(text, top=top)


def form_suggestions(form: Any) -> dict[str, Any]:
    """What a product form shows beside its HS field: the JSON address it asks as the name is
    typed and, when the field is empty and the product named, the suggestions already.

    Enterprise users see no other firm's product names in the reasons.
    """
    examples = current_user.role in WRITE_ROLES
    shown: list[dict[str, Any]] = []
    if not (form.hs_code.data or "").strip():
        text = product_text({"name": form.name.data, "name_en": form.name_en.data})
        shown = as_dicts(suggest(text), examples=examples)
    return {"url": url_for("hscodes.suggest"), "suggestions": shown}


def why(suggestion: Suggestion, examples: bool = True) -> str:
    """Why a code is suggested, in the interface language.

    `examples` names some of the registry's alike products: not for enterprise users, who
    see only their own firm's data.
    """
    parts = []
    if suggestion.similar:
        names = [n if len(n) <= EXAMPLE_CHARS else n[:EXAMPLE_CHARS - 1] + "…"
                 for n in suggestion.examples] if examples else []
        if names:
            parts.append(_("giống %(n)d sản phẩm đã có mã: %(names)s", n=suggestion.similar,
                           names="; ".join(names)))
        else:
            parts.append(_("giống %(n)d sản phẩm đã có mã", n=suggestion.similar))
    if suggestion.title or not parts:
        parts.append(_("tên nhóm HS"))
    return " · ".join(parts)


def as_dicts(suggestions: Sequence[Suggestion], examples: bool = True) -> list[dict[str, Any]]:
    """Suggestions as shown: code, dotted code, HS title and why."""
    return [{"code": s.code, "shown": dotted(s.code), "title": display.hs_title(s.code),
             "why": why(s, examples)} for s in suggestions]


def dotted(code: str) -> str:
    """'090111' -> '0901.11'; 4 digits unchanged."""
    return f"{code[:4]}.{code[4:]}" if len(code) > 4 else code


def import_hints(table: Any, mapping: Sequence[str | None],
                 limit: int = IMPORT_HINTS) -> dict[str, Any] | None:
    """For an import's dry run: the file's products that come without an HS code, the most
    frequent first, each with its likeliest code (None when no column holds products).

    `table` is a crm.imports.parsing.Table, `mapping` the import field of each column. The
    import itself stores no suggested code: officers confirm them on the worklist afterwards.
    """
    from crm.imports.parsing import to_list

    if "products" not in mapping:
        return None
    col = list(mapping).index("products")
    hs_col = list(mapping).index("hs_codes") if "hs_codes" in mapping else None
    seen: dict[str, list[Any]] = {}  # folded name -> [name as first written, rows]
    for _row, values in table.rows:
        names = to_list(values[col] if col < len(values) else None)
        codes = to_list(values[hs_col]) if hs_col is not None and hs_col < len(values) else []
        for i, name in enumerate(names):
            if i < len(codes):
                continue  # the file gives this product a code
            entry = seen.setdefault(fold_words(name), [name, 0])
            entry[1] += 1
    ordered = sorted(seen.values(), key=lambda e: (-e[1], fold_words(e[0])))[:limit]
    return {"count": len(seen), "url": url_for("hscodes.worklist"),
            "products": [{"name": name, "rows": rows, "suggestions": as_dicts(suggest(name))}
                         for name, rows in ordered]}


def confirm(firm: Firm, product: Product, code: str) -> Product:
    """Give a product without an HS code the `code` an officer confirmed; flush only.

    Goes through the firm services' product update, so the firm's version, search document
    and history follow as for any product edit. Raises UserError (field "hs_code") for an
    unknown code or a product that has a code by now.
    """
    if product.hs_code:
        raise UserError(_("Sản phẩm này đã có mã HS %(code)s.", code=dotted(product.hs_code)),
                        field="hs_code")
    data = {column: getattr(product, column) for column in
            ("name", "name_en", "description", "annual_capacity", "capacity_unit",
             "ocop_stars")}
    data["hs_code"] = code
    return firm_services.update_product(firm, product, data)
