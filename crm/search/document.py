"""A firm's search document: the folded words of every field the firm list searches.

Stored in Firm.search_text, one line per field in FIELDS order, so the search index reads
one column per firm instead of six tables. Services recompute it whenever a firm or one of
its children changes (crm.firms.services._touch); it is derived data, never edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from matching.text import fold_words

# Field order of the stored document. HS titles and province names are added by the index
# from reference data (crm.search.engine), so that a corrected title needs no rewrite.
NAME, PRODUCT, HS, EXTRA, PLACE, DESCRIPTION, TAX = range(7)
FIELDS = ("name", "product", "hs", "extra", "place", "description", "tax")


def _texts(items: Iterable[Any], *attrs: str) -> list[str]:
    """The attributes' values of each item, one text per item, sorted (the document must not
    depend on the order in which children were loaded)."""
    out: list[str] = []
    for item in items or ():
        text = " ".join(str(v) for v in (getattr(item, a, None) for a in attrs) if v)
        if text:
            out.append(text)
    return sorted(out)


def search_text_for(firm: Any) -> str:
    """The firm's search document (see FIELDS); reads only plain attributes, so importers
    and generators may pass a namespace with the same names (missing ones count as empty).
    """
    from crm.display import commune_name

    products = getattr(firm, "products", None) or ()
    extra = [
        *_texts(getattr(firm, "certifications", None), "scheme_code", "number"),
        *_texts(getattr(firm, "trademarks", None), "mark", "registration_number"),
        *_texts(getattr(firm, "stores", None), "platform", "url"),
    ]
    place = [getattr(firm, "address", None) or "",
             commune_name(getattr(firm, "commune_code", None))]
    description = [getattr(firm, "description", None) or "",
                   *_texts(products, "description")]
    lines = [
        [firm.name or "", getattr(firm, "name_en", None) or ""],
        _texts(products, "name", "name_en"),
        _texts(products, "hs_code"),
        extra,
        place,
        description,
        [(getattr(firm, "tax_code", None) or "").replace("-", "")],
    ]
    return "\n".join(fold_words(" ".join(parts)) for parts in lines)


def fields_of(document: str | None) -> list[str]:
    """The document's field texts in FIELDS order (a document of an older format, one line of
    names and products, reads as the name field until it is recomputed)."""
    parts = (document or "").split("\n")
    return (parts + [""] * len(FIELDS))[:len(FIELDS)]
