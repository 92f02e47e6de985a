"""The page number of a list from the request, and one page of it: every list pages here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from crm.extensions import db

# A hand-typed huge page number stays inside SQL integers: ?page=10**18 meant an OFFSET of
# 50 * 10**18, past SQLite's 64-bit integers (OverflowError, a 500) before this guard.
MAX_PAGE = 1_000_000

P = TypeVar("P", bound=Pagination)


def page_number(name: str = "page") -> int:
    """The page asked for in the query string: garbage, zero or negative → 1, huge → MAX_PAGE."""
    raw = request.args.get(name, "").strip().removeprefix("+")
    if not (raw.isascii() and raw.isdigit()):  # "abc", "-1", "1.5", "²", "" (none asked)
        return 1
    if len(raw) > len(str(MAX_PAGE)):  # int() of thousands of digits is refused, and slow
        return MAX_PAGE
    return min(max(int(raw), 1), MAX_PAGE)


def within_pages(make: Callable[[int], P], page: int) -> P:
    """make(page), or make(last page) when `page` is past the end (an old link, an edited URL);
    page 1 of an empty list, whose pager then offers no "previous" page."""
    found = make(page)
    last = max(found.pages, 1)
    return make(last) if page > last else found


def paginate(stmt: Select[Any], per_page: int, page: int | None = None) -> Pagination:
    """One page of `stmt`, by default the request's ?page=, never past the last page."""
    return within_pages(
        lambda p: db.paginate(stmt, page=p, per_page=per_page, error_out=False),
        page_number() if page is None else page)
