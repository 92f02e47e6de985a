"""Reads for the firm list: filters, search, sorting and one page of results."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, Select, and_, case, false, func, intersect, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from crm import search
from crm.display import provinces
from crm.extensions import db
from crm.models import (
    Certification,
    CertificationScheme,
    Country,
    Firm,
    FirmMarket,
    MarketGroupMember,
    Product,
)
from crm.models.firm import SIZE_CLASSES
from crm.replica import on_primary
from crm.search.engine import Result
from crm.search.live import firm_index
from crm.search.understand import Reading, read_query

SORTS = ("relevance", "name", "province", "size", "updated")


@dataclass(frozen=True)
class FirmFilters:
    """What the user asked the firm list for; None or '' means 'any'."""

    q: str = ""
    province: int | None = None
    hs_prefix: str | None = None
    cert: str | None = None
    market: str | None = None  # a country code (2 letters) or a market group (ASEAN, EU27...)
    size: str | None = None
    archived: bool = False
    sort: str = "relevance"
    officer: int | None = None  # the responsible officer's user id; 0 = firms with none

    @property
    def effective_sort(self) -> str:
        """Relevance only means something when searching; otherwise sort by name."""
        if self.sort not in SORTS or (self.sort == "relevance" and not self.q.strip()):
            return "name"
        return self.sort


@dataclass
class FirmListResult:
    """One page of the firm list, how the query was read and what the search engine found."""

    page: Pagination
    reading: Reading | None = None
    found: Result | None = None  # the engine's answer, for a text search

    @property
    def corrected(self) -> str | None:
        """The query as the engine corrected it, when a correction was used."""
        return self.found.corrected if self.found else None


@dataclass
class FirmQuery:
    """How the database fetches a tax-code lookup: one query finds the matches, counts them
    and sorts them by `order` (FirmPagination._scan_ids). Every other list is the index's."""

    where: list[ColumnElement[bool]]
    dialect: str  # of the session's database: the scan differs on SQLite
    order: list[ColumnElement[Any]] = field(default_factory=list)


def _hs_range(prefix: str) -> ColumnElement[bool]:
    # A range instead of LIKE 'p%' so both databases can use the hs_code index.
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(Product.hs_code >= prefix, Product.hs_code < upper)


def _child_sets(f: FirmFilters, today: date, hs: bool = True) -> list[Select[Any]]:
    """Firm ids of the product group, valid certificate and market filters, one select each
    (off the child tables' covering indexes, migration 0006); `hs` False leaves the product
    group out (the search index answers it)."""
    child_sets: list[Select[Any]] = []
    if f.hs_prefix and hs:
        child_sets.append(select(Product.firm_id).where(_hs_range(f.hs_prefix)))
    if f.cert:
        child_sets.append(select(Certification.firm_id).where(
            Certification.scheme_code == f.cert,
            Certification.issued_on <= today,
            or_(Certification.expires_on.is_(None), Certification.expires_on >= today),
        ))
    if f.market:
        if len(f.market) == 2:
            country = FirmMarket.country_code == f.market
        else:
            country = FirmMarket.country_code.in_(
                select(MarketGroupMember.country_code).where(MarketGroupMember.group == f.market))
        child_sets.append(select(FirmMarket.firm_id).where(FirmMarket.kind == "target", country))
    return child_sets


def _filter_conditions(f: FirmFilters, today: date) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if not f.archived:
        conds.append(Firm.archived == false())  # '= false': indexable, unlike 'IS false'
    if f.province:
        conds.append(Firm.province_code == f.province)
    if f.size:
        conds.append(Firm.size_class == f.size)
    if f.officer is not None:
        conds.append(_officer_condition(f.officer))
    child_sets = _child_sets(f, today)
    # IN (subquery) rather than a correlated EXISTS: both databases build the set of firm ids
    # once instead of probing the child table for each of 100k firms. Several sets are
    # intersected first: one IN per set let PostgreSQL walk every firm in name order probing
    # each set (~140 ms for market + product group), the intersection is a few thousand ids.
    if len(child_sets) == 1:
        conds.append(Firm.id.in_(child_sets[0]))
    elif child_sets:
        conds.append(Firm.id.in_(intersect(*child_sets)))
    return conds


def _officer_condition(officer: int) -> ColumnElement[bool]:
    return Firm.officer_id.is_(None) if officer == 0 else Firm.officer_id == officer


def _province_ranks() -> dict[int, int]:
    # Province codes are not in name order: rank them by their (folded) names.
    return {code: rank for rank, (code, _name) in enumerate(provinces())}


_SIZE_RANKS = {s: -i for i, s in enumerate(SIZE_CLASSES)}  # large first
_NAME_ORDER = (Firm.name_search, Firm.id)


def _dialect() -> str:
    """Name of the session's database dialect (the text scan differs on SQLite)."""
    return db.session.get_bind().dialect.name


def firm_query(f: FirmFilters, today: date, tax_prefix: str) -> FirmQuery:
    """How to fetch the firms whose tax code starts with `tax_prefix` (the one text search the
    database answers itself: its unique index) and pass the filters, in the requested order."""
    # A range, because SQLite's LIKE cannot use the index; a 10-digit code finds the firm
    # and its branches.
    where = [*_filter_conditions(f, today),
             Firm.tax_code >= tax_prefix, Firm.tax_code < tax_prefix + "~"]
    dialect = _dialect()
    sort = f.effective_sort
    provinces_rank = _province_ranks()
    # Archived firms last, when shown. SQLite reads name order off ix_firms_list_name with
    # it; PostgreSQL takes "archived = false" for "NOT archived", not a constant, and walked
    # the archived index to presort by it, so it gets no archived key.
    order: list[ColumnElement[Any]] = [Firm.archived] if f.archived or dialect == "sqlite" \
        else []
    if sort == "province":
        order.append(case(provinces_rank, value=Firm.province_code, else_=len(provinces_rank)))
    elif sort == "size":
        order.append(case(_SIZE_RANKS, value=Firm.size_class, else_=1))
    elif sort == "updated":
        order += [Firm.updated_at.desc(), Firm.id.desc()]
    return FirmQuery(where, dialect, order=[*order, *_NAME_ORDER])


class FirmPagination(Pagination):
    """A page of firms: first the page's ids (see FirmQuery), then those firms."""

    _total: int | None = None

    def _query_items(self) -> list[Any]:
        fq: FirmQuery = self._query_args["query"]
        ids = self._scan_ids(fq)
        if not ids:
            return []
        firms = {f.id: f for f in db.session.scalars(
            select(Firm).where(Firm.id.in_(ids))
            .options(selectinload(Firm.products), selectinload(Firm.certifications),
                     selectinload(Firm.officer)))}
        return [firms[i] for i in ids if i in firms]

    def _scan_ids(self, fq: FirmQuery) -> list[int]:
        if fq.dialect == "postgresql":
            stmt = _counted_page(fq)
        else:
            # SQLite: count(*) OVER () gives the total from the same pass over the matches.
            stmt = select(Firm.id, func.count().over()).where(*fq.where).order_by(*fq.order)
        rows = db.session.execute(stmt.limit(self.per_page).offset(self._query_offset)).all()
        if rows:
            self._total = int(rows[0][1])
        elif self._query_offset == 0:
            self._total = 0
        # Else (a page past the end) _query_count counts.
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        if self._total is not None:
            return self._total
        fq: FirmQuery = self._query_args["query"]
        return db.session.scalar(select(func.count()).select_from(Firm).where(*fq.where)) or 0


def _counted_page(fq: FirmQuery) -> Select[Any]:
    """PostgreSQL: the matches found once, then both counted and sorted.

    A window count there would keep and fully sort every match, where LIMIT alone keeps the
    best offset+limit (a top-N heapsort); a separate count ran the text search twice (for
    "ca phe", 14,000 matches: 31 ms to count plus 48 ms to sort, 43 ms in one). The CTE holds
    each match's sort keys, computed once.
    """
    keys = [(o.element, o.modifier is operators.desc_op) if isinstance(o, UnaryExpression)
            else (o, False) for o in fq.order]
    matches = select(Firm.id, *(expr.label(f"k{i}") for i, (expr, _desc) in enumerate(keys))
                     ).where(*fq.where).cte("matches").prefix_with("MATERIALIZED")
    total = select(func.count()).select_from(matches).scalar_subquery()
    return select(matches.c.id, total).order_by(*(
        matches.c[f"k{i}"].desc() if desc else matches.c[f"k{i}"]
        for i, (_expr, desc) in enumerate(keys)))


def _paginate(fq: FirmQuery, page: int, per_page: int) -> Pagination:
    found = FirmPagination(page=page, per_page=per_page, error_out=False, query=fq)
    if found.pages and page > found.pages:
        # A page past the end (an old link, a hand-edited URL): show the last one.
        found = FirmPagination(page=found.pages, per_page=per_page, error_out=False, query=fq)
    return found


def _tax_prefix(reading: Reading, query: str) -> str | None:
    """The tax code (or its start) a query asks for, in the stored form, or None."""
    if reading.tax_code:
        code = reading.tax_code
        return code if len(code) == 10 else f"{code[:10]}-{code[10:]}"
    if not reading.hs_codes:
        return search.tax_code_prefix(query)  # the first digits of a tax code
    return None


# Certificate and market facets are counted in the database: only for searches matching at
# most this many firms (a few ms); broader ones show the province and HS facets only.
FACET_MAX = 3000


class EnginePagination(Pagination):
    """A page of firms found by the search engine (crm.search.engine)."""

    def _query_items(self) -> list[Any]:
        args = self._query_args
        found: Result = args["engine"](self._query_offset, self.per_page)
        args["found"] = found
        if not found.ids:
            return []
        firms = {f.id: f for f in db.session.scalars(
            select(Firm).where(Firm.id.in_(found.ids))
            .options(selectinload(Firm.products), selectinload(Firm.certifications),
                     selectinload(Firm.officer)))}
        return [firms[i] for i in found.ids if i in firms]

    def _query_count(self) -> int:
        return self._query_args["found"].total

    @property
    def found(self) -> Result:
        """The engine's answer for this page."""
        return self._query_args["found"]


def _engine_page(f: FirmFilters, reading: Reading, page: int, per_page: int,
                 today: date) -> FirmListResult:
    with on_primary():  # the index's marks must not go back to a lagging replica's
        index = firm_index()
    with index.lock:
        mask = index.base_mask(f.archived, f.province, f.size)
        # Each child filter's firm ids, intersected here: PostgreSQL's INTERSECT misjudged
        # how few firms two filters leave and scanned every firm to join them (250 ms).
        hs_slots = index.hs_slots(f.hs_prefix) if f.hs_prefix else None
        if hs_slots is not None:  # its firms by HS prefix: no ids to read from the database
            allowed = np.zeros(len(mask), dtype=bool)
            allowed[hs_slots] = True
            mask &= allowed
        # Target markets and valid certificates are kept by the index too (at 1,000,000
        # firms, EU27's ~300,000 firm ids read from the database took 520 ms).
        kept = [index.market_slots(f.market) if f.market else None,
                index.certificate_slots(f.cert, today) if f.cert else None]
        for slots in kept:
            if slots is not None:
                allowed = np.zeros(len(mask), dtype=bool)
                allowed[slots] = True
                mask &= allowed
        children = _child_sets(FirmFilters(hs_prefix=f.hs_prefix), today,
                               hs=hs_slots is None)
        if f.officer is not None:  # a portfolio: its ids off ix_firms_officer_id
            children.append(select(Firm.id).where(_officer_condition(f.officer)))
        for child in children:
            allowed = np.zeros(len(mask), dtype=bool)
            allowed[index.slots_of(db.session.scalars(child))] = True
            mask &= allowed
        sort = f.effective_sort

        def run(offset: int, limit: int) -> Result:
            return index.search(reading, mask, sort, offset, limit)

        found = EnginePagination(page=page, per_page=per_page, error_out=False, engine=run)
        if found.pages and page > found.pages:
            # A page past the end (an old link, a hand-edited URL): show the last one.
            found = EnginePagination(page=found.pages, per_page=per_page, error_out=False,
                                     engine=run)
        result = found.found
        if 0 < result.total <= FACET_MAX:
            result.cert_counts, result.market_counts = index.child_facets(
                result.matched_slots, today)
    return FirmListResult(page=found, reading=reading, found=result)


def firm_page(f: FirmFilters, page: int, per_page: int, today: date) -> FirmListResult:
    """One page of the firm list: a tax code from the database, everything else from the
    search index."""
    reading = read_query(f.q)
    tax_prefix = _tax_prefix(reading, f.q)
    if tax_prefix:
        return FirmListResult(page=_paginate(firm_query(f, today, tax_prefix), page, per_page),
                              reading=reading)
    # Text, or the filters alone (the index keeps every firm's sort keys, so any page in any
    # order is a gather and an integer sort: the database walked deep pages row by row).
    return _engine_page(f, reading, page, per_page, today)


def scheme_choices() -> list[tuple[str, str, str]]:
    """(code, Vietnamese name, English name) of every certification scheme."""
    rows = db.session.execute(select(CertificationScheme.code, CertificationScheme.name_vi,
                                     CertificationScheme.name_en)
                              .order_by(CertificationScheme.code))
    return [(r[0], r[1], r[2]) for r in rows]


def market_group_names() -> list[str]:
    """Trade blocs known to the reference data (ASEAN, EU27, ...)."""
    return list(db.session.scalars(select(MarketGroupMember.group).distinct()
                                   .order_by(MarketGroupMember.group)))


def country_codes() -> list[str]:
    """Every ISO country code in the reference data."""
    return list(db.session.scalars(select(Country.code).order_by(Country.code)))
