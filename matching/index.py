"""FirmIndex: firms as columnar numpy arrays and sparse text features, built once.

Layout: one row per firm version. Multi-valued fields (products, certificates, markets,
languages, trademarks, stores, support history) are flat tables with a ``row`` column; rows are
appended in firm order, so every table's ``row`` column is sorted and a firm's entries are one
slice. ``upsert`` appends a new row and tombstones the old one; ``remove`` only tombstones. No
update refits anything: text uses the fitted n-gram vocabulary and idf (see textindex.py).
Dates are int32 day ordinals; missing bounds are sentinels (open interval).
"""

from __future__ import annotations

import bisect
import gc
import math
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np

from matching.factors import SIZE_SCORE, UNKNOWN_SIZE_SCORE, shelf_stable_many, size_class
from matching.records import (
    SIZES,
    Cert,
    Firm,
    Product,
    Store,
    Support,
    firms_from_dataframe,
    parse_firm,
)
from matching.textindex import TextIndex

BATCH = 50_000  # firms collected as Python tuples before they become numpy chunks
INCREMENTAL_ORDER_MAX = 256  # upserts slotted into the id order before it is sorted again
DAY_MIN = np.int32(0)
DAY_MAX = np.int32(np.iinfo(np.int32).max)


def day(d: date | None, default: np.int32) -> np.int32:
    """Day ordinal of a date, or `default` when missing."""
    return np.int32(d.toordinal()) if d is not None else default


class Vocab:
    """String <-> small int code."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.names: list[str] = []

    def add(self, name: str) -> int:
        """Code of `name`, adding it if new."""
        code = self.codes.get(name)
        if code is None:
            code = len(self.names)
            self.codes[name] = code
            self.names.append(name)
        return code

    def get(self, name: str) -> int:
        """Code of `name`, or -1 if unknown."""
        return self.codes.get(name, -1)


class Table:
    """Append-only columns kept as numpy chunks, concatenated lazily."""

    def __init__(self, **dtypes: Any) -> None:
        self.dtypes = dtypes
        self._chunks: dict[str, list[np.ndarray]] = {k: [] for k in dtypes}

    def append(self, **cols: Any) -> None:
        """Append rows given as equal-length sequences per column."""
        for k, dt in self.dtypes.items():
            self._chunks[k].append(np.asarray(cols[k], dtype=dt))

    def __getitem__(self, name: str) -> np.ndarray:
        chunks = self._chunks[name]
        if len(chunks) != 1:
            arr = np.concatenate(chunks) if chunks else np.zeros(0, dtype=self.dtypes[name])
            self._chunks[name] = [arr]
        return self._chunks[name][0]

    def __len__(self) -> int:
        return len(self["row"]) if "row" in self.dtypes else 0

    def span(self, row: int) -> slice:
        """Slice of this table's entries for firm `row` (row column is sorted)."""
        rows = self["row"]
        key = np.int32(row)  # same dtype as the column: no O(n) cast
        return slice(
            int(np.searchsorted(rows, key, "left")), int(np.searchsorted(rows, key, "right"))
        )

    def nbytes(self) -> int:
        """Memory held by the columns."""
        return sum(self[k].nbytes for k in self.dtypes)


def _as_firms(firms: Any) -> Iterable[Firm]:
    if hasattr(firms, "to_dict") and hasattr(firms, "columns"):
        return firms_from_dataframe(firms)
    return (f if isinstance(f, Firm) else parse_firm(f) for f in firms)


RECORD_CACHE = 20_000  # firm records kept rebuilt (a ranking page reads a few dozen)


class FirmIndex:
    """Vectorised features of many firms, ready for rank()."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.row_of: dict[str, int] = {}
        # Records rebuilt by firm(), by row: a row never changes once written (an upsert
        # appends a new row, a removal only clears `alive`), so a cached record stays true.
        self._records: dict[int, Firm] = {}
        self.names: list[str] = []
        self.names_en: list[str] = []
        self.countries = Vocab()
        self.langs = Vocab()
        self.certs = Vocab()
        self.platforms = Vocab()
        self.kinds = Vocab()
        self.provinces = Vocab()
        self.product_texts = Vocab()  # product names and descriptions, each distinct text once
        self.firms = Table(
            alive=bool,
            size=np.int8,
            size_score=np.float32,
            exp=np.float32,
            revenue=np.float32,
            employees=np.float32,
            founded=np.float32,
            province=np.int32,
        )
        self.products = Table(
            row=np.int32,
            hs_len=np.int8,
            hs2=np.int16,
            hs4=np.int16,
            hs6=np.int32,
            cap=np.float32,
            shelf=np.float32,
            ocop=np.int8,
            name=np.int32,
            desc=np.int32,
        )
        # verified: False for a self-declared certificate nobody has checked yet; declared:
        # the day it was declared (DAY_MIN unknown)
        self.cert_tab = Table(row=np.int32, code=np.int16, start=np.int32, end=np.int32,
                              verified=bool, declared=np.int32)
        self.markets = Table(row=np.int32, country=np.int16, target=bool)
        self.lang_tab = Table(row=np.int32, lang=np.int16)
        self.marks = Table(row=np.int32, code=np.int16)
        self.stores = Table(row=np.int32, platform=np.int16, market=np.int16, status=np.int8)
        self.support = Table(row=np.int32, kind=np.int16, day=np.int32)
        self.text = TextIndex()
        self._id_order: np.ndarray | None = None
        self._ids_sorted: list[str] = []  # self.ids in id order, kept with _id_order
        self._derived: Derived | None = None

    # ---- building -------------------------------------------------------------------------
    @classmethod
    def build(cls, firms: Iterable[Mapping | Firm] | Any) -> FirmIndex:
        """Build an index from firm records (spec dicts, Firm objects or a pandas DataFrame).

        Raises InputError (matching.records) for a firm without id or name, a malformed date,
        or a duplicate id.
        """
        from matching.records import InputError

        index = cls()
        batch = _Batch()
        row_of = index.row_of
        # The build makes no reference cycles; without the cyclic GC it does not rescan the
        # records and row tuples alive in the current batch again and again.
        enabled = gc.isenabled()
        gc.disable()
        try:
            for n, firm in enumerate(_as_firms(firms)):
                if firm.id in row_of:
                    raise InputError(f"duplicate id {firm.id!r} (record {n + 1})")
                index._add(firm, batch)
                if len(batch.firms) >= BATCH:
                    batch.flush(index)
            batch.flush(index)
            index.text.fit()
        finally:
            if enabled:
                gc.enable()
        return index

    def _add(self, firm: Firm, b: _Batch) -> int:
        row = len(self.ids)
        self.ids.append(firm.id)
        self.row_of[firm.id] = row
        self.names.append(firm.name)
        self.names_en.append(firm.name_en)
        size = size_class(firm.size, firm.employees)
        nan = np.nan
        b.firms.append(
            (
                True,
                SIZES.index(size) if size else -1,
                SIZE_SCORE.get(size, UNKNOWN_SIZE_SCORE),
                nan if firm.export_experience_years is None else firm.export_experience_years,
                nan if firm.export_revenue_usd is None else firm.export_revenue_usd,
                nan if firm.employees is None else firm.employees,
                nan if firm.founded_year is None else firm.founded_year,
                self.provinces.add(firm.province) if firm.province else -1,
            )
        )
        texts = self.product_texts
        for p in firm.products:
            h = p.hs_code
            n = len(h)
            b.products.append(
                (
                    row,
                    n,
                    int(h[:2]) if n >= 2 else -1,
                    int(h[:4]) if n >= 4 else -1,
                    int(h[:6]) if n >= 6 else -1,
                    nan if p.annual_capacity_tonnes is None else p.annual_capacity_tonnes,
                    0.0,  # shelf-stability, filled in by _Batch.flush (folded in bulk)
                    p.ocop_stars or 0,
                    texts.add(p.name),
                    texts.add(p.description),
                )
            )
            b.shelf_texts.append(f"{p.name} {p.description}")
            b.shelf_hs.append(h)
        if firm.certifications:
            certs = self.certs
            for c in firm.certifications:
                b.certs.append(
                    (
                        row,
                        certs.add(c.code),
                        day(c.valid_from, DAY_MIN),
                        day(c.valid_until, DAY_MAX),
                        c.verified,
                        day(c.declared_on, DAY_MIN),
                    )
                )
        countries = self.countries
        for m in firm.current_markets:
            b.markets.append((row, countries.add(m), False))
        for m in firm.target_markets:
            b.markets.append((row, countries.add(m), True))
        for lang in firm.languages:
            b.langs.append((row, self.langs.add(lang)))
        for t in firm.trademarks:
            b.marks.append((row, countries.add(t)))
        for s in firm.ecommerce:
            b.stores.append(
                (
                    row,
                    self.platforms.add(s.platform),
                    countries.add(s.market) if s.market else -1,
                    0 if s.status in ("", "active") else 1,
                )
            )
        for h in firm.support_history:
            if h.date is not None:
                b.support.append((row, self.kinds.add(h.kind), day(h.date, DAY_MIN)))
        b.docs.append(firm.text())
        return row

    def upsert(self, firm: Mapping | Firm) -> None:
        """Add a firm or replace the firm with the same id, without rebuilding the index."""
        if not isinstance(firm, Firm):
            firm = parse_firm(firm)
        old = self.row_of.get(firm.id)
        if old is not None:
            self.firms["alive"][old] = False
        batch = _Batch()
        row = self._add(firm, batch)
        batch.docs.clear()  # indexed with the fitted vocabulary below, not tokenised in bulk
        batch.flush(self)
        self.text.set_row(row, firm.text())

    def remove(self, firm_id: str) -> bool:
        """Remove a firm by id; False if it was not indexed."""
        row = self.row_of.pop(firm_id, None)
        if row is None:
            return False
        self.firms["alive"][row] = False
        return True

    # ---- reading --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.row_of)

    def id_order(self) -> np.ndarray:
        """Position of each row's firm id in sorted id order (for tie-breaking), cached.

        After a few upserts the new rows are slotted in (O(rows) numpy each) instead of
        sorting every id again: the sort cost ~25 ms at 100,000 firms on every ranking that
        followed a profile change.
        """
        known = 0 if self._id_order is None else len(self._id_order)
        n = len(self.ids)
        if known == n:
            return self._id_order  # type: ignore[return-value]
        if known > 0 and n - known <= INCREMENTAL_ORDER_MAX:
            order = self._id_order.copy()  # type: ignore[union-attr]
            for row in range(known, n):
                firm_id = self.ids[row]
                pos = bisect.bisect_right(self._ids_sorted, firm_id)
                order[order >= pos] += 1
                order = np.append(order, np.int32(pos))
                self._ids_sorted.insert(pos, firm_id)
            self._id_order = order
            return order
        rows = sorted(range(n), key=self.ids.__getitem__)
        self._ids_sorted = [self.ids[r] for r in rows]
        self._id_order = np.empty(n, dtype=np.int32)
        self._id_order[rows] = np.arange(n, dtype=np.int32)
        return self._id_order

    def derived(self) -> Derived:
        """Per-firm and per-entry arrays that do not depend on the opportunity, cached and
        extended for the rows upserts append (remove only changes `alive`, not part of them).
        Extending costs a few ms at 100,000 firms where computing afresh took ~25 ms."""
        d = self._derived
        if d is None:
            d = self._derived = Derived(self)
        elif d.n != self.n_rows:
            d = self._derived = d.extended(self)
        return d

    def __contains__(self, firm_id: object) -> bool:
        return firm_id in self.row_of

    @property
    def n_rows(self) -> int:
        """Number of rows, tombstoned ones included."""
        return len(self.ids)

    def firm(self, key: str | int) -> Firm:
        """The indexed record of a firm (by id or row), rebuilt from the arrays once.

        Shared between callers: read it, do not change it.
        """
        row = self.row_of[key] if isinstance(key, str) else int(key)
        record = self._records.get(row)
        if record is None:
            if len(self._records) >= RECORD_CACHE:
                self._records.clear()
            record = self._records[row] = self._rebuild(row)
        return record

    def _rebuild(self, row: int) -> Firm:
        """A firm record from the arrays of `row`."""
        f = self.firms
        size = int(f["size"][row])
        exp, rev, emp, founded = (
            float(f[k][row]) for k in ("exp", "revenue", "employees", "founded")
        )
        prov = int(f["province"][row])
        firm = Firm(
            id=self.ids[row],
            name=self.names[row],
            name_en=self.names_en[row],
            province=self.provinces.names[prov] if prov >= 0 else "",
            size=SIZES[size] if size >= 0 else "",
            employees=None if np.isnan(emp) else emp,
            founded_year=None if np.isnan(founded) else int(founded),
            export_experience_years=None if np.isnan(exp) else exp,
            export_revenue_usd=None if np.isnan(rev) else rev,
        )
        dv = self.derived()
        p = self.products
        lo, hi = int(dv.p_start[row]), int(dv.p_start[row + 1])
        texts = self.product_texts.names
        for n, h2, h4, h6, cap, name, desc, ocop in zip(
            *(p[k][lo:hi].tolist() for k in ("hs_len", "hs2", "hs4", "hs6", "cap")),
            *(p[k][lo:hi].tolist() for k in ("name", "desc", "ocop")),
            strict=True,
        ):
            hs = {2: f"{h2:02d}", 4: f"{h4:04d}", 6: f"{h6:06d}"}
            firm.products.append(
                Product(
                    name=texts[name],
                    hs_code=hs.get(n, ""),
                    description=texts[desc],
                    annual_capacity_tonnes=None if math.isnan(cap) else cap,
                    ocop_stars=ocop or None,
                )
            )
        c = self.cert_tab
        lo, hi = dv.span("cert", row)
        for code, s, e, ok, declared in zip(
            *(c[k][lo:hi].tolist() for k in ("code", "start", "end", "verified", "declared")),
            strict=True,
        ):
            firm.certifications.append(
                Cert(
                    self.certs.names[code],
                    date.fromordinal(s) if s != DAY_MIN else None,
                    date.fromordinal(e) if e != DAY_MAX else None,
                    ok,
                    date.fromordinal(declared) if declared != DAY_MIN else None,
                )
            )
        m = self.markets
        lo, hi = dv.span("markets", row)
        for country, target in zip(
            m["country"][lo:hi].tolist(), m["target"][lo:hi].tolist(), strict=True
        ):
            code = self.countries.names[country]
            (firm.target_markets if target else firm.current_markets).append(code)
        lo, hi = dv.span("langs", row)
        firm.languages = [self.langs.names[x] for x in self.lang_tab["lang"][lo:hi].tolist()]
        lo, hi = dv.span("marks", row)
        firm.trademarks = [self.countries.names[x] for x in self.marks["code"][lo:hi].tolist()]
        st = self.stores
        lo, hi = dv.span("stores", row)
        for plat, mkt, status in zip(
            *(st[k][lo:hi].tolist() for k in ("platform", "market", "status")), strict=True
        ):
            firm.ecommerce.append(
                Store(
                    self.platforms.names[plat],
                    self.countries.names[mkt] if mkt >= 0 else "",
                    "" if status == 0 else "inactive",
                )
            )
        su = self.support
        lo, hi = dv.span("support", row)
        for kind, d in zip(su["kind"][lo:hi].tolist(), su["day"][lo:hi].tolist(), strict=True):
            firm.support_history.append(Support(self.kinds.names[kind], date.fromordinal(d)))
        # size was derived from employees when missing; keep it (it is what scoring used)
        firm.size = SIZES[size] if size >= 0 else ""
        return firm

    def nbytes(self) -> int:
        """Approximate memory of the numeric arrays and sparse text matrices."""
        tables = (
            self.firms,
            self.products,
            self.cert_tab,
            self.markets,
            self.lang_tab,
            self.marks,
            self.stores,
            self.support,
        )
        return sum(t.nbytes() for t in tables) + self.text.nbytes()


def _starts(rows: np.ndarray, n: int, before: np.ndarray | None = None) -> np.ndarray:
    """Start of each firm's slice in a table whose row column is sorted (length n + 1).

    With `before` (the starts of the rows in front), `rows` are the entries of the n rows
    that follow, numbered from 0, and the result covers all of them.
    """
    # The start of row r is the number of entries of rows < r: a count and a running sum,
    # linear where a binary search per row was n log m (~1.5 ms a table at 100,000 firms).
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n)[:n], out=starts[1:])
    if before is None:
        return starts
    return np.concatenate([before[:-1], starts + before[-1]])


class Derived:
    """Arrays computed once from the index tables for every ranking (see FirmIndex.derived).

    The formulas are those of factors.py, applied to the parts that do not depend on the
    opportunity; rank.compute uses them unchanged, so scores are the same to the last bit.
    After upserts, `extended` computes them for the appended rows only: every table is
    append-only with a sorted ``row`` column, so the old rows' values cannot change.
    """

    def __init__(self, index: FirmIndex, previous: Derived | None = None) -> None:
        from matching import factors as fx

        n0 = previous.n if previous is not None else 0
        n = self.n = index.n_rows
        new = n - n0

        def tail(table: Table, *cols: str) -> list[np.ndarray]:
            # The entries of rows n0.. (the row column is sorted), row numbers made local.
            rows = table["row"]
            lo = int(np.searchsorted(rows, np.int32(n0), "left"))
            return [rows[lo:] - n0, *(table[c][lo:] for c in cols)]

        def joined(name: str, part: np.ndarray) -> np.ndarray:
            return part if previous is None else np.concatenate([getattr(previous, name), part])

        f = {k: index.firms[k][n0:] for k in ("exp", "revenue", "size_score")}
        p = index.products
        prow, hs_len, hs2, hs4, hs6, cap, shelf, ocop = tail(
            p, "hs_len", "hs2", "hs4", "hs6", "cap", "shelf", "ocop")
        self.prow = joined("prow", prow + n0)
        self.p_start = _starts(prow, new, previous.p_start if previous else None)
        self._tables = {
            "cert": index.cert_tab,
            "markets": index.markets,
            "langs": index.lang_tab,
            "marks": index.marks,
            "stores": index.stores,
            "support": index.support,
        }
        self._starts: dict[str, np.ndarray] = {}
        # distinct HS codes: HS-only tests run once per code and are gathered per product.
        # Code numbers are in order of first sight; nothing depends on their order.
        longest = np.where(
            hs_len == 6, hs6, np.where(hs_len == 4, hs4, np.where(hs_len == 2, hs2, 0))
        )
        key = hs_len.astype(np.int64) * 1_000_000 + longest.astype(np.int64)
        keys, first, inv = np.unique(key, return_index=True, return_inverse=True)
        self._code_ids: dict[int, int] = dict(previous._code_ids) if previous else {}
        fresh = [k for k in keys.tolist() if k not in self._code_ids]
        for k in fresh:
            self._code_ids[k] = len(self._code_ids)
        ids = np.asarray([self._code_ids[k] for k in keys.tolist()], dtype=np.int32)
        self.code_of = joined("code_of", ids[inv.reshape(-1)])
        at = first[np.isin(keys, np.asarray(fresh, dtype=np.int64))] if fresh else first[:0]
        for name, col in (("code_len", hs_len), ("code2", hs2), ("code4", hs4), ("code6", hs6)):
            setattr(self, name, joined(name, col[at]))
        coded = hs_len > 0
        self.coded = joined("coded", coded)
        self.firm_coded = joined("firm_coded", _any_rows(new, prow[coded]))
        p0 = len(previous.prow) if previous is not None else 0
        # Product positions of each distinct code: an opportunity's HS tests pass for a few
        # codes, and their products are read directly instead of testing all of them.
        self.by_code = (previous.by_code if previous else Grouped("at")).added(
            ids[inv.reshape(-1)], np.arange(p0, p0 + len(prow), dtype=np.int64))
        known = ~np.isnan(cap)
        self.cap_known = joined("cap_known", known)
        capv = np.nan_to_num(cap).astype(np.float64)
        self.capv = joined("capv", capv)
        # Capacity of all of a firm's products (NaN when none is known): the capacity of a firm
        # none of whose products fits the opportunity. Summed in product order, as rank does.
        cap_all = np.bincount(prow[known], weights=capv[known], minlength=new)
        self.cap_all = joined("cap_all", np.where(_any_rows(new, prow[known]), cap_all, np.nan))
        self.shelf = joined("shelf", shelf.astype(np.float64))
        self.ocop = joined("ocop", ocop.astype(np.float64))
        # Over all of a firm's products (the scope of a firm none of whose products fits):
        # shelf-stability share (0.5 without products) and best OCOP stars, as rank computes
        # them over the products in scope.
        n_products = np.bincount(prow, minlength=new)
        shelf_sum = np.bincount(prow, weights=shelf.astype(np.float64), minlength=new)
        self.shelf_all = joined("shelf_all", np.where(
            n_products > 0, shelf_sum / np.maximum(n_products, 1), 0.5))
        self.ocop_all = joined("ocop_all", _row_max(new, prow, ocop.astype(np.float64)))
        mrow, target = tail(index.markets, "target")
        exports = _any_rows(new, mrow[~target])
        self.exports = joined("exports", exports)
        self.exp = joined("exp", fx.experience_value(f["exp"].astype(np.float64), exports))
        lrow, lang = tail(index.lang_tab, "lang")
        self.english = joined("english", _any_rows(new, lrow[lang == index.langs.get("en")]))
        self.has_mark = joined("has_mark", _any_rows(new, tail(index.marks)[0]))
        self.revenue = joined("revenue", fx.revenue_value(f["revenue"].astype(np.float64)))
        self.size_score = joined("size_score", f["size_score"].astype(np.float64))
        srow, plat, market, status = tail(index.stores, "platform", "market", "status")
        cross = np.zeros(len(index.platforms.names) + 2, dtype=bool)
        cross[[index.platforms.get(x) for x in fx.CROSS_BORDER if index.platforms.get(x) >= 0]] = (
            True
        )
        abroad = (market >= 0) & (market != index.countries.get("VN"))
        other = np.where(cross[np.where(plat >= 0, plat, len(cross) - 1)] | abroad, 0.7, 0.4)
        self.store_other = joined("store_other", other)
        # Each firm's best store on any platform but the opportunity's (an inactive store
        # counts half): a store on the opportunity's platform is worth more anyway (1 or 0.5).
        self.store_best_other = joined("store_best_other", _row_max(
            new, srow, np.where(status == 0, other, other * 0.5)))
        # Entries of the tables grouped by their code: testing a few codes (the opportunity's
        # markets, languages, certificates, support kinds) reads only their entries instead of
        # scanning a whole table (and branchy boolean indexing over it) for each.
        def by(name: str, table: Table, key: str, *cols: str) -> Grouped:
            rows = table["row"]
            lo = int(np.searchsorted(rows, np.int32(n0), "left"))
            old = getattr(previous, name) if previous else Grouped("row", *cols)
            at = np.arange(lo, len(rows), dtype=np.int64)  # position in the table
            return old.added(table[key][lo:], rows[lo:],
                             *(at if c == "at" else table[c][lo:] for c in cols))

        self.by_cert = by("by_cert", index.cert_tab, "code", "start", "end", "verified",
                          "declared")
        self.by_country = by("by_country", index.markets, "country", "target")
        self.by_lang = by("by_lang", index.lang_tab, "lang")
        self.by_mark = by("by_mark", index.marks, "code")
        self.by_kind = by("by_kind", index.support, "kind", "day", "at")
        self.by_platform = by("by_platform", index.stores, "platform", "status")
        if previous is not None:
            for table, starts in previous._starts.items():
                self._starts[table] = _starts(tail(self._tables[table])[0], new, starts)

    def extended(self, index: FirmIndex) -> Derived:
        """These arrays for an index that has had rows appended since (upserts)."""
        return Derived(index, previous=self)

    def products_of(self, codes: np.ndarray, ordered: bool = False) -> np.ndarray:
        """Positions of the products whose code is one of `codes` (code ids); ascending if
        `ordered`, else grouped by code."""
        at = self.by_code.column(codes.tolist(), "at")
        return np.sort(at) if ordered and len(codes) > 1 else at

    def span(self, table: str, row: int) -> tuple[int, int]:
        """Start and end of firm `row`'s entries in one of the tables (starts cached)."""
        starts = self._starts.get(table)
        if starts is None:
            starts = self._starts[table] = _starts(self._tables[table]["row"], self.n)
        return int(starts[row]), int(starts[row + 1])


class Grouped:
    """The entries of one table grouped by a code column: code -> its entries' columns, in
    table order. Immutable: `added` returns a new one sharing the untouched groups."""

    def __init__(self, *fields: str) -> None:
        self.fields = fields
        self._groups: dict[int, tuple[np.ndarray, ...]] = {}
        self._empty: tuple[np.ndarray, ...] | None = None

    def added(self, keys: np.ndarray, *cols: np.ndarray) -> Grouped:
        """A copy with the entries `cols` (one array per field) added under their `keys`."""
        out = Grouped(*self.fields)
        out._groups = dict(self._groups)
        out._empty = self._empty or tuple(c[:0] for c in cols)
        if not len(keys):
            return out
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        bounds = np.flatnonzero(np.diff(sorted_keys)) + 1
        parts = [np.split(c[order], bounds) for c in cols]
        for i, key in enumerate(sorted_keys[np.r_[0, bounds]].tolist()):
            new = tuple(p[i] for p in parts)
            old = out._groups.get(key)
            out._groups[key] = new if old is None else tuple(
                np.concatenate([a, b]) for a, b in zip(old, new, strict=True))
        return out

    def get(self, code: int) -> dict[str, np.ndarray]:
        """The entries of `code`, column name -> array (empty for an unknown code)."""
        cols = self._groups.get(code)
        if cols is None:
            cols = self._empty or tuple(np.zeros(0) for _ in self.fields)
        return dict(zip(self.fields, cols, strict=True))

    def column(self, codes: Iterable[int], field: str = "row") -> np.ndarray:
        """One column of the entries of all `codes`, concatenated code after code."""
        j = self.fields.index(field)
        parts = [g[j] for g in map(self._groups.get, codes) if g is not None]
        if len(parts) == 1:
            return parts[0]
        if parts:
            return np.concatenate(parts)
        return self._empty[j] if self._empty else np.zeros(0, dtype=np.int64)


def _row_max(n: int, rows: np.ndarray, vals: np.ndarray) -> np.ndarray:
    """Per-row maximum of non-negative `vals` (0 for a row without any)."""
    out = np.zeros(n, dtype=np.float64)
    nz = vals > 0
    if nz.any():
        np.maximum.at(out, rows[nz], vals[nz])
    return out


def _any_rows(n: int, rows: np.ndarray) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[rows] = True
    return out


class _Batch:
    """Rows of up to BATCH firms collected as Python tuples, then turned into numpy chunks."""

    def __init__(self) -> None:
        self.firms: list[tuple] = []
        self.products: list[tuple] = []
        self.certs: list[tuple] = []
        self.markets: list[tuple] = []
        self.langs: list[tuple] = []
        self.marks: list[tuple] = []
        self.stores: list[tuple] = []
        self.support: list[tuple] = []
        self.shelf_texts: list[str] = []  # "name description" of each product
        self.shelf_hs: list[str] = []
        self.docs: list[str] = []  # text of each firm, tokenised in bulk

    def flush(self, index: FirmIndex) -> None:
        """Append the collected rows to the index tables and tokenise the documents."""
        pairs = (
            (index.firms, self.firms),
            (index.products, self.products),
            (index.cert_tab, self.certs),
            (index.markets, self.markets),
            (index.lang_tab, self.langs),
            (index.marks, self.marks),
            (index.stores, self.stores),
            (index.support, self.support),
        )
        for table, rows in pairs:
            cols = list(table.dtypes)
            if rows:
                data = list(zip(*rows, strict=True))
                if table is index.products:
                    data[cols.index("shelf")] = shelf_stable_many(self.shelf_texts, self.shelf_hs)
                table.append(**{k: data[i] for i, k in enumerate(cols)})
            else:
                table.append(**{k: () for k in cols})
            rows.clear()
        self.shelf_texts.clear()
        self.shelf_hs.clear()
        if self.docs:
            index.text.add_docs(self.docs)
            self.docs = []
