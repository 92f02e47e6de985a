"""Reads of the duplicate pages: the firms as linkage records, candidate pairs, decisions
and merges (crm/duplicates/linkage.py does the comparing)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload

from crm.duplicates.linkage import (
    THRESHOLD,
    FirmRecord,
    Linkage,
    PairScore,
    Stats,
    compare,
    email_key,
    find_pairs,
    phone_key,
    tax_root,
)
from crm.extensions import db
from crm.models import Contact, DuplicateDecision, Firm, FirmMerge, Product
from crm.models.base import utcnow
from matching.text import fold_words, words_many

UNDO_DAYS = 30  # a merge can be undone by a manager for this long
SORTS = ("score", "-score")  # best first (default) or weakest first
CACHE_KEY = "crm_duplicate_pairs"  # in app.extensions
CACHE_SIZE = 4  # thresholds kept at once
MAX_IDS = 5000  # firms loaded by id in one statement (SQLite binds at most 32,766 values)


@dataclass
class Candidate:
    """A pair as listed: both firms and how they compare."""

    first: FirmRecord
    second: FirmRecord
    pair: PairScore

    @property
    def kind(self) -> str:
        """'duplicate' or 'branch'."""
        return self.pair.relation

    @property
    def first_id(self) -> int:
        """The first firm's id (the head office of a branch pair)."""
        return self.first.id

    @property
    def second_id(self) -> int:
        """The second firm's id."""
        return self.second.id

    @property
    def score(self) -> float:
        """Probability that the two are one firm (0..1); 0 for a branch pair."""
        return self.pair.score


@dataclass
class Found:
    """Candidate duplicates and branch pairs among the active firms."""

    duplicates: list[Candidate]
    branches: list[Candidate]
    comparisons: int
    firms: int


def firm_records(ids: Collection[int] | None = None, detail: bool = True) -> list[FirmRecord]:
    """Active firms (all, or those of `ids`) as linkage records, with their phones, e-mails
    and, with `detail`, addresses and products; text folded in a few passes."""
    if ids is not None and len(ids) > MAX_IDS:  # past a database's bound parameters
        ordered = sorted(ids)
        return [r for i in range(0, len(ordered), MAX_IDS)
                for r in firm_records(ordered[i:i + MAX_IDS], detail)]
    where = [Firm.archived.is_(False)]
    if ids is not None:
        where.append(Firm.id.in_(list(ids)))
    phones: dict[int, set[str]] = defaultdict(set)
    emails: dict[int, set[str]] = defaultdict(set)
    for firm_id, phone, email in db.session.execute(
            select(Contact.firm_id, Contact.phone, Contact.email).join(Firm).where(*where)):
        if (key := phone_key(phone)) is not None:
            phones[firm_id].add(key)
        if (mail := email_key(email)) is not None:
            emails[firm_id].add(mail)
    hs: dict[int, set[str]] = defaultdict(set)
    product_rows = db.session.execute(
        select(Product.firm_id, Product.hs_code, Product.name).join(Firm).where(*where)
    ).all() if detail else []
    products: dict[int, set[str]] = defaultdict(set)
    for (firm_id, code, _name), folded in zip(
            product_rows, _words_of([r.name for r in product_rows]), strict=True):
        if code and len(code) >= 4:
            hs[firm_id].add(code[:4])
        if folded:
            products[firm_id].add(folded)
    rows = db.session.execute(select(
        Firm.id, Firm.name, Firm.tax_code, Firm.legal_form, Firm.province_code,
        Firm.commune_code, Firm.address, Firm.website).where(*where).order_by(Firm.id)).all()
    names = _words_of([r.name for r in rows])
    addresses = _words_of([r.address for r in rows]) if detail else [""] * len(rows)
    return [FirmRecord(
        id=r.id, name=r.name, tax_code=r.tax_code or "", legal_form=r.legal_form,
        province_code=r.province_code, commune_code=r.commune_code,
        address=r.address if detail else None, website=r.website if detail else None,
        phones=frozenset(phones.get(r.id, ())),
        emails=frozenset(emails.get(r.id, ())), hs_codes=frozenset(hs.get(r.id, ())),
        products=frozenset(products.get(r.id, ())), words=name, address_words=address)
        for r, name, address in zip(rows, names, addresses, strict=True)]


def _words_of(texts: list[str | None]) -> list[str]:
    """[fold_words(t) for t in texts], folded together (a few passes, not one per text)."""
    found = words_many([t or "" for t in texts])
    if found is None:  # a text with a NUL in it: one at a time
        return [fold_words(t) for t in texts]
    flat, counts = found
    out, at = [], 0
    for n in counts.tolist():
        out.append(" ".join(flat[at:at + n]))
        at += n
    return out


def _records_to_compare() -> tuple[list[FirmRecord], int]:
    """The records find_pairs needs, and the number of active firms.

    Only a firm with a missing or mistyped tax code can be a duplicate (linkage.relation):
    without any, only the firms sharing a valid 10-digit root (head office and branches)
    are loaded, which at 100,000 firms is the difference between a second and a glance.
    """
    roots: dict[str, list[int]] = defaultdict(list)
    total = 0
    any_open = False
    for firm_id, code in db.session.execute(
            select(Firm.id, Firm.tax_code).where(Firm.archived.is_(False))):
        total += 1
        root, valid, _branch = tax_root(code)
        if valid:
            roots[root].append(firm_id)
        else:
            any_open = True
    if any_open:
        # Blocking needs names, places, phones and e-mails of all; the addresses and
        # products only of the records it pairs (find_pairs asks for them).
        return firm_records(detail=False), total
    related = [i for ids in roots.values() if len(ids) > 1 for i in ids]
    return (firm_records(related) if related else []), total


def decided_pairs() -> set[tuple[int, int]]:
    """Pairs staff marked "not a duplicate" (smaller id first)."""
    return {(a, b) for a, b in db.session.execute(
        select(DuplicateDecision.first_firm_id, DuplicateDecision.second_firm_id))}


def find(threshold: float = THRESHOLD, province: int | None = None) -> Found:
    """Possible duplicates at or above `threshold` (best first) and branch pairs; a province
    keeps the pairs with at least one firm there. Pairs decided "not a duplicate" are left out.

    The pairs of the whole registry are kept per process until the data moves (data_stamp):
    paging, sorting and filtering by province then cost nothing.
    """
    cache: dict[tuple[Any, ...], Found] = current_app.extensions.setdefault(CACHE_KEY, {})
    key = (threshold, data_stamp())
    found = cache.get(key)
    if found is None:
        found = _find(threshold)
        while len(cache) >= CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = found
    if province is None:
        return found

    def here(pairs: list[Candidate]) -> list[Candidate]:
        return [c for c in pairs if province in (c.first.province_code,
                                                 c.second.province_code)]

    return Found(here(found.duplicates), here(found.branches), found.comparisons,
                 found.firms)


def data_stamp() -> tuple[Any, ...]:
    """Changes whenever what linkage reads changes: firms (an edit, a contact or product
    change moves updated_at), contacts, products and decisions added or removed."""
    def count_max(column: Any, *where: Any) -> tuple[Any, ...]:
        return tuple(db.session.execute(select(func.count(), func.max(column)).where(*where))
                     .one())

    return (count_max(Firm.updated_at, Firm.archived.is_(False)), count_max(Firm.id),
            count_max(Contact.id), count_max(Product.id), count_max(DuplicateDecision.id),
            str(db.engine.url))


def _find(threshold: float) -> Found:
    records, total = _records_to_compare()
    found: Linkage = find_pairs(records, threshold, skip=decided_pairs(),
                                complete=lambda ids: firm_records(ids))
    by_id = {r.id: r for r in records}

    def rows(pairs: Sequence[PairScore]) -> list[Candidate]:
        return [Candidate(by_id[p.first_id], by_id[p.second_id], p) for p in pairs]

    return Found(rows(found.duplicates), rows(found.branches), found.comparisons, total)


def candidate_pairs(threshold: float = THRESHOLD, province: int | None = None,
                    limit: int | None = None) -> list[Candidate]:
    """Possible duplicates (best first), then branch pairs."""
    found = find(threshold, province)
    out = found.duplicates + found.branches
    return out[:limit] if limit is not None else out


def sort_pairs(pairs: list[Candidate], sort: str) -> list[Candidate]:
    """By score, best first ('score') or weakest first ('-score')."""
    if sort == "-score":
        return sorted(pairs, key=lambda c: (c.pair.probability, c.first_id, c.second_id))
    return pairs  # find() returns them best first


def compare_firms(keep: Firm, drop: Firm) -> PairScore:
    """How two firms compare, with the value frequencies of all active firms."""
    records = firm_records()
    by_id = {r.id: r for r in records}
    stats = Stats.of(records)
    missing = [f for f in (keep, drop) if f.id not in by_id]
    for firm in missing:  # an archived firm: compare it as it is
        by_id[firm.id] = _record_of(firm)
    return compare(by_id[keep.id], by_id[drop.id], stats)


def _record_of(firm: Firm) -> FirmRecord:
    return FirmRecord(
        id=firm.id, name=firm.name, tax_code=firm.tax_code or "", legal_form=firm.legal_form,
        province_code=firm.province_code, commune_code=firm.commune_code, address=firm.address,
        website=firm.website,
        phones=frozenset(k for c in firm.contacts if (k := phone_key(c.phone))),
        emails=frozenset(k for c in firm.contacts if (k := email_key(c.email))),
        hs_codes=frozenset(p.hs_code[:4] for p in firm.products
                           if p.hs_code and len(p.hs_code) >= 4),
        products=frozenset(fold_words(p.name) for p in firm.products if p.name))


class ListPagination(Pagination):
    """A page of a list already in memory (pairs are scored in Python, not in SQL)."""

    def _query_items(self) -> list[Any]:
        items = self._query_args["items"]
        return items[self._query_offset:self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paginate_list(items: list[Any], page: int, per_page: int) -> Pagination:
    """One page of `items`; past the end, the last page."""
    from crm.paging import within_pages

    return within_pages(
        lambda p: ListPagination(page=p, per_page=per_page, error_out=False, items=items), page)


def decisions() -> Select[tuple[DuplicateDecision]]:
    """"Not a duplicate" decisions, newest first, with both firms and who decided."""
    return (select(DuplicateDecision)
            .options(joinedload(DuplicateDecision.first_firm),
                     joinedload(DuplicateDecision.second_firm),
                     joinedload(DuplicateDecision.decided_by))
            .order_by(DuplicateDecision.decided_at.desc(), DuplicateDecision.id.desc()))


def decision_for(first_id: int, second_id: int) -> DuplicateDecision | None:
    """The "not a duplicate" decision on this pair, if any."""
    a, b = sorted((first_id, second_id))
    return db.session.scalar(select(DuplicateDecision).where(
        DuplicateDecision.first_firm_id == a, DuplicateDecision.second_firm_id == b))


def merges(firm_id: int | None = None) -> Select[tuple[FirmMerge]]:
    """Merges, newest first; with `firm_id`, those the firm took part in."""
    stmt = (select(FirmMerge)
            .options(joinedload(FirmMerge.kept_firm), joinedload(FirmMerge.merged_firm),
                     joinedload(FirmMerge.merged_by), joinedload(FirmMerge.undone_by))
            .order_by(FirmMerge.merged_at.desc(), FirmMerge.id.desc()))
    if firm_id is not None:
        stmt = stmt.where(or_(FirmMerge.kept_firm_id == firm_id,
                              FirmMerge.merged_firm_id == firm_id))
    return stmt


def undo_deadline(merge: FirmMerge) -> datetime:
    """Until when `merge` can be undone."""
    at = merge.merged_at
    if at.tzinfo is None:  # SQLite gives naive datetimes back
        at = at.replace(tzinfo=utcnow().tzinfo)
    return at + timedelta(days=UNDO_DAYS)


def can_undo(merge: FirmMerge, now: datetime | None = None) -> bool:
    """Not undone yet and still within UNDO_DAYS."""
    return merge.undone_at is None and (now or utcnow()) <= undo_deadline(merge)


def merged_into(firm_id: int) -> int | None:
    """The firm this one was merged into, or None."""
    return db.session.scalar(select(Firm.merged_into_id).where(Firm.id == firm_id))


def merge_targets() -> dict[int, int]:
    """Every merged-away firm -> the firm it was merged into (for imports that match a row to
    a merged-away firm's tax code)."""
    return {a: b for a, b in db.session.execute(
        select(Firm.id, Firm.merged_into_id).where(Firm.merged_into_id.is_not(None)))}
