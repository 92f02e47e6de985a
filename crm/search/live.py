"""One search index per app, brought up to date with the database before each search.

Freshness: the index remembers (latest Firm.updated_at, highest Firm.id) it has read. Each
search reads both (one query, off two indexes); when either moved, the firms changed since
are re-read, including those whose change carries a timestamp up to SLACK seconds older than
the mark (a transaction that committed after a later one), so a saved edit, an import or a
merge is found by the next request in every worker. Re-reading an unchanged firm costs a
hash comparison. A firm's target markets and certificates are read with it (every change of
them moves the firm's updated_at, crm.firms.services._touch). When too many slots hold
replaced versions, the index is rebuilt.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import func, or_, select

from crm.display import _hs_table
from crm.extensions import db
from crm.memory import settle_long_lived
from crm.models import Certification, Firm, FirmMarket
from crm.refdata import market_groups
from crm.search.engine import SearchIndex, hs_title_words

KEY = "crm_search_index"
SLACK = timedelta(seconds=5)
REBUILD_DEAD = 0.3  # rebuild when this share of slots hold replaced versions


def _columns() -> tuple[Any, ...]:
    return (Firm.id, Firm.search_text, Firm.province_code, Firm.archived, Firm.size_class,
            Firm.legal_form, Firm.updated_at, Firm.verification_status, Firm.name_search)


def _mark() -> tuple[Any, int]:
    last_change, last_id = db.session.execute(select(
        select(func.max(Firm.updated_at)).scalar_subquery(),
        select(func.max(Firm.id)).scalar_subquery())).one()
    return last_change, last_id or 0


def _prior(document: str | None, status: str | None) -> float:
    """A profile prior for ties: verified firms and firms with described products first."""
    lines = (document or "").split("\n")
    products = len(lines[1].split()) if len(lines) > 1 else 0
    described = len(lines[5].split()) if len(lines) > 5 else 0
    return (0.5 * (status == "verified") + 0.3 * min(products, 12) / 12
            + 0.2 * min(described, 30) / 30)


def _add_rows(index: SearchIndex, rows: Any, count_words: bool = True) -> list[int]:
    """Index the firms of `rows`; the ids of those that took a new slot."""
    added = []
    for fid, doc, province, archived, size, legal, updated, status, name_key in rows:
        stamp = updated.timestamp() if updated is not None else 0.0
        if index.add(fid, doc, province, bool(archived), size, legal, stamp,
                     _prior(doc, status), name_key or "", count_words):
            added.append(fid)
    return added


def _add_children(index: SearchIndex, firm_ids: list[int] | None) -> None:
    """Target markets and certificates of the given firms (None: of every firm)."""
    markets = select(FirmMarket.firm_id, FirmMarket.country_code).where(
        FirmMarket.kind == "target").order_by(FirmMarket.firm_id)
    certs = select(Certification.firm_id, Certification.scheme_code, Certification.issued_on,
                   Certification.expires_on)
    if firm_ids is None:
        index.add_markets(db.session.execute(markets.execution_options(yield_per=20000)))
        index.add_certificates(db.session.execute(certs.execution_options(yield_per=20000)))
        return
    for start in range(0, len(firm_ids), 900):  # SQLite allows ~32k bound values
        chunk = firm_ids[start:start + 900]
        index.add_markets(db.session.execute(markets.where(FirmMarket.firm_id.in_(chunk))))
        index.add_certificates(db.session.execute(certs.where(
            Certification.firm_id.in_(chunk))))


def _build(mark: tuple[Any, int]) -> SearchIndex:
    titles = hs_title_words((code, en, vi) for code, (_p, en, vi) in _hs_table().items())
    index = SearchIndex(hs_titles=titles, market_groups=market_groups())
    stmt = select(*_columns()).order_by(Firm.id).execution_options(yield_per=5000)
    _add_rows(index, db.session.execute(stmt), count_words=False)
    _add_children(index, None)
    index.count_vocabulary()
    index.mark = mark
    return index


def firm_index() -> SearchIndex:
    """This app's search index, up to date with the database."""
    exts = current_app.extensions
    index: SearchIndex | None = exts.get(KEY)
    mark = _mark()
    if index is not None and index.mark == mark:
        return index
    if index is None or mark[1] < index.mark[1]:
        # First use, or firms were deleted (the highest id went down): read them all.
        index = _build(mark)
        exts[KEY] = index
        settle_long_lived()
        return index
    with index.lock:
        if index.mark == mark:
            return index
        last_change, last_id = index.mark
        cond = Firm.id > last_id
        if last_change is not None:
            cond = or_(cond, Firm.updated_at >= last_change - SLACK)
        added = _add_rows(index, db.session.execute(select(*_columns()).where(cond)))
        if added:  # a changed firm's markets and certificates move with it to its new slot
            _add_children(index, added)
        index.mark = mark
        rebuild = index.dead > max(REBUILD_DEAD * index.size, 5000)
    if rebuild:
        started = time.monotonic()
        fresh = _build(mark)
        exts[KEY] = fresh
        settle_long_lived()
        current_app.logger.info("search index rebuilt in %.1f s", time.monotonic() - started)
        return fresh
    return index


def reset() -> None:
    """Forget this app's index (tests that swap databases; `crm refdata`)."""
    current_app.extensions.pop(KEY, None)
