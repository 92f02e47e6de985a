"""A firm's search document: the folded words of every field the firm list searches.

Stored in Firm.search_text, one line per field in FIELDS order, so the search index reads
one column per firm instead of six tables. Services recompute it whenever a firm or one of
its children changes (crm.firms.services._touch); it is derived data, never edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from matching.text import fold_words

# Field order of the stored document. HS titles and province names are added by the index
# from reference data (crm.search.engine), so that a corrected title needs no rewrite.
NAME, PRODUCT, HS, EXTRA, PLACE, DESCRIPTION, TAX, FORMER = range(8)
FIELDS = ("name", "product", "hs", "extra", "place", "description", "tax", "former")
PRODUCT_SEP = " ; "  # between products in the product line (never a folded word)
# Before the products' English names, whose head word comes last ("frozen whiteleg shrimp").
ENGLISH_SEP = " ;; "


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
    certifications = getattr(firm, "certifications", None) or ()
    extra = [
        *_texts(certifications, "scheme_code", "number"),
        *sorted({_scheme_names(c.scheme_code) for c in certifications}),
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
        list(getattr(firm, "former_names", None) or ()),
    ]
    # "_" is a word character: USDA_ORGANIC must read as two words.
    folded = [fold_words(" ".join(parts).replace("_", " ")) for parts in lines]
    # Products apart (PRODUCT_SEP): a product's first words say what it is ("Thức ăn cho tôm"
    # is feed), and words of two products are not next to each other.
    vietnamese = [w for w in (fold_words(t) for t in _texts(products, "name")) if w]
    english = [w for w in (fold_words(t) for t in _texts(products, "name_en")) if w]
    folded[PRODUCT] = PRODUCT_SEP.join(vietnamese) + (
        ENGLISH_SEP + PRODUCT_SEP.join(english) if english else "")
    if not folded[FORMER]:  # no former name: the document of migration 0013's format
        folded.pop()
    return "\n".join(folded)


def _scheme_names(code: str | None) -> str:
    """A scheme's Vietnamese and English names ("hữu cơ" finds USDA_ORGANIC holders)."""
    from flask import has_app_context

    if not code or not has_app_context():
        return ""
    from crm.display import _scheme_table

    return " ".join(_scheme_table().get(code, ()))


def fields_of(document: str | None) -> list[str]:
    """The document's field texts in FIELDS order (a document of an older format, one line of
    names and products, reads as the name field until it is recomputed)."""
    parts = (document or "").split("\n")
    return (parts + [""] * len(FIELDS))[:len(FIELDS)]


# --- rebuilding stored documents (migrations) ----------------------------------------------

BATCH = 2000  # firms per batch when documents are rebuilt
_KIDS = {
    "products": "SELECT firm_id, name, name_en, hs_code, description FROM products "
                "WHERE firm_id IN :ids ORDER BY id",
    "certifications": "SELECT firm_id, scheme_code, number FROM certifications "
                      "WHERE firm_id IN :ids",
    "trademarks": "SELECT firm_id, mark, registration_number FROM trademarks "
                  "WHERE firm_id IN :ids",
    "stores": "SELECT firm_id, platform, url FROM ecommerce_stores WHERE firm_id IN :ids",
}


def _children(conn: Any, sql: str, ids: list[int]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    stmt = sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))
    for row in conn.execute(stmt, {"ids": ids}).mappings():
        out.setdefault(row["firm_id"], []).append(SimpleNamespace(**row))
    return out


def rebuild_documents(conn: Any) -> None:
    """Recompute every firm's document from its rows, in batches (migrations 0011, 0013,
    which run before firms had former names: a later caller must read those too)."""
    last = 0
    while True:
        firms = conn.execute(sa.text(
            "SELECT id, name, name_en, tax_code, address, commune_code, description "
            "FROM firms WHERE id > :last ORDER BY id LIMIT :n"), {"last": last, "n": BATCH},
        ).mappings().all()
        if not firms:
            return
        ids = [f["id"] for f in firms]
        kids = {key: _children(conn, sql, ids) for key, sql in _KIDS.items()}
        rows = [{"id": f["id"], "doc": search_text_for(SimpleNamespace(
                    **f, **{k: v.get(f["id"], []) for k, v in kids.items()}))}
                for f in firms]
        conn.execute(sa.text("UPDATE firms SET search_text = :doc WHERE id = :id"), rows)
        last = ids[-1]
