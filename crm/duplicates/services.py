"""Merging two records of one firm: nothing of either is lost, the merged-away one is archived."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Table, and_, delete, select, update

from crm import history
from crm.errors import UserError
from crm.extensions import db
from crm.firms import services as firm_services
from crm.models import Firm, User

# Firm fields the officer chooses between when both firms have a different value.
MERGE_FIELDS = (
    "name", "name_en", "legal_form", "province_code", "commune_code", "address", "website",
    "founded_year", "employees", "revenue_bn_vnd", "capital_bn_vnd", "sectors",
    "export_experience_years", "export_revenue_usd", "languages", "is_pioneer", "description",
)
# The history stays with the firm it happened to; the merge records point from one to the other.
NOT_REPOINTED = frozenset({"change_records"})


def _empty(value: Any) -> bool:
    return value in (None, "", [], False)


def conflicts(keep: Firm, drop: Firm) -> list[str]:
    """Fields where both firms hold a different, non-empty value."""
    return [f for f in MERGE_FIELDS
            if not _empty(getattr(keep, f)) and not _empty(getattr(drop, f))
            and getattr(keep, f) != getattr(drop, f)]


def firm_references() -> list[tuple[Table, str]]:
    """(table, column) of every foreign key to firms.id, found in the metadata (new tables too)."""
    firms = Firm.__table__
    out = []
    for table in db.metadata.sorted_tables:
        if table.name in NOT_REPOINTED or table is firms:
            continue
        for fk in table.foreign_keys:
            if fk.column is firms.c.id:
                out.append((table, fk.parent.name))
    return out


def _unique_sets(table: Table, column: str) -> list[list[str]]:
    """Column sets that must be unique and include `column` (constraints and indexes)."""
    from sqlalchemy import UniqueConstraint

    sets = [[c.name for c in con.columns] for con in table.constraints
            if isinstance(con, UniqueConstraint)]
    sets += [[c.name for c in ix.columns] for ix in table.indexes if ix.unique]
    return [s for s in sets if column in s]


def _repoint_rows(table: Table, old_id: int, new_id: int) -> None:
    """Every foreign key to `table`.id that points at old_id now points at new_id."""
    for other in db.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column is table.c.id:
                db.session.execute(update(other).where(fk.parent == old_id)
                                   .values({fk.parent.name: new_id}))


def _repoint(table: Table, column: str, keep_id: int, drop_id: int) -> int:
    """Move drop's rows to keep; where that would break a unique rule, keep's row stays and
    drop's row is folded into it (its own dependants re-pointed first)."""
    col = table.c[column]
    pk = next(iter(table.primary_key.columns))
    folded = 0
    for unique in _unique_sets(table, column):
        others = [table.c[c] for c in unique if c != column]
        if not others:
            continue
        for drop_row in db.session.execute(select(table).where(col == drop_id)).mappings().all():
            clash = db.session.scalar(select(pk).where(
                col == keep_id, and_(*(o == drop_row[o.name] for o in others))))
            if clash is not None:
                _repoint_rows(table, drop_row[pk.name], clash)
                db.session.execute(delete(table).where(pk == drop_row[pk.name]))
                folded += 1
    db.session.execute(update(table).where(col == drop_id).values({column: keep_id}))
    return folded


def merge_firms(keep: Firm, drop: Firm, choices: Mapping[str, str] | None = None,
                by: User | None = None) -> dict[str, int]:
    """Merge `drop` into `keep`: choose field values, move everything, archive `drop`.

    choices[field] = "drop" takes the other firm's value for a conflicting field; an empty
    field of `keep` is filled from `drop`. Flushes, never commits; returns moved-row counts.
    """
    if keep.id == drop.id:
        raise UserError(_("Không thể gộp một doanh nghiệp với chính nó."))
    if drop.archived:
        raise UserError(_("Doanh nghiệp này đã được lưu trữ (có thể đã gộp trước đó)."))
    choices = choices or {}
    note = _("Gộp %(drop)s (MST %(dtax)s) vào %(keep)s (MST %(ktax)s)", drop=drop.name,
             dtax=drop.tax_code, keep=keep.name, ktax=keep.tax_code)
    data: dict[str, Any] = {}
    for field in MERGE_FIELDS:
        mine, theirs = getattr(keep, field), getattr(drop, field)
        if (_empty(mine) and not _empty(theirs)) or (
                choices.get(field) == "drop" and theirs != mine):
            data[field] = theirs
    if "commune_code" in data and "province_code" not in data \
            and drop.province_code != keep.province_code:
        data["province_code"] = drop.province_code  # a commune comes with its province
    db.session.flush()
    counts: dict[str, int] = {}
    with history.recording("merge", by=by, note=note):
        for table, column in firm_references():
            col = table.c[column]
            ids = db.session.scalars(select(next(iter(table.primary_key.columns)))
                                     .where(col == drop.id)).all()
            if not ids:
                continue
            folded = _repoint(table, column, keep.id, drop.id)
            counts[table.name] = len(ids) - folded
            if folded:
                counts[f"{table.name} (gộp)"] = folded
        db.session.expire_all()  # the UPDATEs above bypassed the ORM
        firm_services.update_firm(keep, data, by=by)
        firm_services._touch(keep)
        pointer = _("[Đã gộp vào %(name)s, MST %(tax)s]", name=keep.name, tax=keep.tax_code)
        drop.description = f"{pointer}\n{drop.description or ''}".strip()
        firm_services.archive_firm(drop, by=by)
        db.session.flush()
    with history.paused():
        history.record_changes(keep, [
            ("firm", keep.id, "merged_from", None,
             {"id": drop.id, "name": drop.name, "tax_code": drop.tax_code, "moved": counts}),
        ], by=by, source="merge", note=note)
        history.record_changes(drop, [("firm", drop.id, "merged_into", None, keep.id)],
                               by=by, source="merge", note=note)
    return counts
