"""Merging two records of one firm, cleanly and undoably; "not a duplicate" decisions.

A merge moves everything of the merged-away firm to the kept one. A row that is already
there (the same product, certificate, contact, market, store or trademark; the same
opportunity's shortlist entry, the same year's figures) is not copied a second time: its
empty values fill the kept twin, whatever pointed at it points at the twin, and it is
removed. Everything needed to undo this is kept in the FirmMerge row: moved row ids, the
removed rows' values, re-pointed references, filled values and the kept firm's old fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    Numeric,
    Table,
    UniqueConstraint,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from crm import audit, history
from crm.duplicates.linkage import phone_key
from crm.duplicates.queries import can_undo, decision_for
from crm.errors import UserError
from crm.extensions import db
from crm.firms import services as firm_services
from crm.models import DuplicateDecision, Firm, FirmMerge, User
from crm.models.base import utcnow
from matching.text import fold_words

# Firm fields the officer chooses between when both firms have a different value.
MERGE_FIELDS = (
    "name", "name_en", "legal_form", "province_code", "commune_code", "address", "website",
    "founded_year", "employees", "revenue_bn_vnd", "capital_bn_vnd", "sectors",
    "export_experience_years", "export_revenue_usd", "languages", "is_pioneer", "description",
)
# Tables whose rows stay with the firm they belong to: the history happened to that firm;
# decisions and merges name both firms on purpose.
NOT_REPOINTED = frozenset({"change_records", "duplicate_decisions", "firm_merges"})
# Never copied from a removed duplicate into its kept twin: derived or bookkeeping values.
NOT_FILLED = frozenset({"name_search", "search_text", "version", "created_at", "updated_at",
                        "is_primary"})
_SPACES = re.compile(r"[\s.\-_/]+")

Row = Mapping[str, Any]


def _empty(value: Any) -> bool:
    return value in (None, "", [], False)


def conflicts(keep: Firm, drop: Firm) -> list[str]:
    """Fields where both firms hold a different, non-empty value."""
    return [f for f in MERGE_FIELDS
            if not _empty(getattr(keep, f)) and not _empty(getattr(drop, f))
            and getattr(keep, f) != getattr(drop, f)]


def firm_references() -> list[tuple[Table, str]]:
    """(table, column) of every foreign key to firms.id, found in the metadata (new tables
    too), parents before children (products before the certificates that name them)."""
    firms = Firm.__table__
    out = []
    for table in db.metadata.sorted_tables:
        if table.name in NOT_REPOINTED or table is firms:
            continue
        for fk in table.foreign_keys:
            if fk.column is firms.c.id:
                out.append((table, fk.parent.name))
    return out


# --- what makes two rows the same ------------------------------------------------------------

def _code(value: Any) -> str:
    """A certificate or registration number as compared: case, spaces, dots, dashes and
    slashes left out ("HC-2025/01" = "hc 2025 01")."""
    return _SPACES.sub("", str(value or "")).lower()


def _url(value: Any) -> str:
    """A store address as compared: no scheme, no www., no trailing slash, lower case."""
    text = str(value or "").strip().lower().split("://", 1)[-1]
    return text.removeprefix("www.").rstrip("/")


def _same_product(a: Row, b: Row) -> bool:
    # The same folded name and HS code; a missing code does not make two products.
    return fold_words(a["name"]) == fold_words(b["name"]) and (
        a["hs_code"] == b["hs_code"] or not a["hs_code"] or not b["hs_code"])


def _same_certification(a: Row, b: Row) -> bool:
    if a["scheme_code"] != b["scheme_code"]:
        return False
    if a["number"] and b["number"]:
        return _code(a["number"]) == _code(b["number"])
    return not a["number"] and not b["number"] and a["issued_on"] == b["issued_on"]


def _same_contact(a: Row, b: Row) -> bool:
    pa, pb = phone_key(a["phone"]), phone_key(b["phone"])
    if pa and pa == pb:
        return True
    ea, eb = (a["email"] or "").strip().lower(), (b["email"] or "").strip().lower()
    return bool(ea) and ea == eb


def _same_store(a: Row, b: Row) -> bool:
    if a["platform"] != b["platform"]:
        return False
    if a["url"] and b["url"]:
        return _url(a["url"]) == _url(b["url"])
    return a["market"] == b["market"]


def _same_trademark(a: Row, b: Row) -> bool:
    if a["country_code"] != b["country_code"]:
        return False
    if a["registration_number"] and b["registration_number"]:
        return _code(a["registration_number"]) == _code(b["registration_number"])
    return bool(a["mark"]) and fold_words(a["mark"]) == fold_words(b["mark"])


def _same_on(*columns: str) -> Callable[[Row, Row], bool]:
    return lambda a, b: all(a[c] == b[c] for c in columns)


# table -> when a row of the merged-away firm is already there on the kept firm.
SAME_ROW: dict[str, Callable[[Row, Row], bool]] = {
    "products": _same_product,
    "certifications": _same_certification,
    "contacts": _same_contact,
    "firm_markets": _same_on("country_code", "kind"),
    "ecommerce_stores": _same_store,
    "trademarks": _same_trademark,
}


def _same_row_rule(table: Table, column: str) -> Callable[[Row, Row], bool] | None:
    """SAME_ROW's rule, else the table's unique constraints that include the firm column
    (one shortlist entry per opportunity, one row of figures per year)."""
    if table.name in SAME_ROW:
        return SAME_ROW[table.name]
    sets = [[c.name for c in con.columns] for con in table.constraints
            if isinstance(con, UniqueConstraint)]
    sets += [[c.name for c in ix.columns] for ix in table.indexes if ix.unique]
    others = [[c for c in s if c != column] for s in sets if column in s]
    others = [s for s in others if s]
    if not others:
        return None
    return lambda a, b: any(all(a[c] == b[c] for c in s) for s in others)


# --- storing rows in the undo record ---------------------------------------------------------

def _decode(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """A row stored with history.jsonable, back in its column types."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        col = table.c[name]
        if value is None or isinstance(col.type, JSON):
            out[name] = value
        elif isinstance(col.type, DateTime):
            out[name] = datetime.fromisoformat(value)
        elif isinstance(col.type, Date):
            out[name] = date.fromisoformat(value)
        elif isinstance(col.type, Float):
            out[name] = float(value)
        elif isinstance(col.type, Numeric):
            out[name] = Decimal(str(value))
        else:
            out[name] = value
    return out


def _pk(table: Table) -> Any:
    return next(iter(table.primary_key.columns))


def _references_to(table: Table) -> list[tuple[Table, Any]]:
    """(table, column) of every foreign key to `table`.id."""
    return [(other, fk.parent) for other in db.metadata.sorted_tables
            for fk in other.foreign_keys if fk.column is _pk(table)]


class _Merge:
    """The work of one merge, and the record of it for undoing."""

    def __init__(self, keep: Firm, drop: Firm) -> None:
        self.keep, self.drop = keep, drop
        self.moved: list[list[Any]] = []  # [table, column, pk]
        self.removed: list[list[Any]] = []  # [table, values]
        self.repointed: list[list[Any]] = []  # [table, column, pk, old, new]
        self.updated: list[list[Any]] = []  # [table, pk, column, old, new]
        self.counts: dict[str, dict[str, int]] = {}

    def _count(self, table: str, what: str) -> None:
        self.counts.setdefault(table, {"moved": 0, "folded": 0})[what] += 1

    def _repoint(self, table: Table, old_id: int, new_id: int) -> None:
        for other, col in _references_to(table):
            pk = _pk(other)
            ids = db.session.scalars(select(pk).where(col == old_id)).all()
            if ids:
                db.session.execute(update(other).where(pk.in_(ids)).values({col.name: new_id}))
                self.repointed += [[other.name, col.name, i, old_id, new_id] for i in ids]

    def _fold(self, table: Table, column: str, row: Row, twin: dict[str, Any]) -> None:
        """`row` is already there as `twin`: fill the twin's gaps, re-point, remove the row."""
        pk = _pk(table)
        fill = {c: row[c] for c in row
                if c not in (pk.name, column) and c not in NOT_FILLED
                and _empty(twin[c]) and not _empty(row[c])}
        if fill:
            db.session.execute(update(table).where(pk == twin[pk.name]).values(fill))
            self.updated += [[table.name, twin[pk.name], c, history.jsonable(twin[c]),
                              history.jsonable(v)] for c, v in fill.items()]
            twin.update(fill)
        self._repoint(table, row[pk.name], twin[pk.name])
        self.removed.append([table.name, {k: history.jsonable(v) for k, v in row.items()}])
        db.session.execute(delete(table).where(pk == row[pk.name]))
        self._count(table.name, "folded")

    def move_rows(self) -> None:
        """Every row of the merged-away firm to the kept firm, folding the ones already there."""
        for table, column in firm_references():
            col, pk = table.c[column], _pk(table)
            rows = [dict(r) for r in db.session.execute(
                select(table).where(col == self.drop.id).order_by(pk)).mappings()]
            if not rows:
                continue
            same = _same_row_rule(table, column)
            kept = [dict(r) for r in db.session.execute(
                select(table).where(col == self.keep.id).order_by(pk)).mappings()] \
                if same else []
            for row in rows:
                twin = next((k for k in kept if same and same(row, k)), None)
                if twin is not None:
                    self._fold(table, column, row, twin)
                    continue
                db.session.execute(update(table).where(pk == row[pk.name])
                                   .values({column: self.keep.id}))
                self.moved.append([table.name, column, row[pk.name]])
                self._count(table.name, "moved")
                kept.append({**row, column: self.keep.id})
        self._one_primary_contact()
        # Firms merged earlier into the merged-away one now point at the kept one.
        firms = Firm.__table__
        ids = db.session.scalars(select(firms.c.id).where(
            firms.c.merged_into_id == self.drop.id)).all()
        if ids:
            db.session.execute(update(firms).where(firms.c.id.in_(ids))
                               .values(merged_into_id=self.keep.id))
            self.repointed += [["firms", "merged_into_id", i, self.drop.id, self.keep.id]
                               for i in ids]

    def _one_primary_contact(self) -> None:
        table = db.metadata.tables["contacts"]
        moved = {pk for t, _c, pk in self.moved if t == "contacts"}
        primary = db.session.execute(select(table.c.id).where(
            table.c.firm_id == self.keep.id, table.c.is_primary.is_(True))
            .order_by(table.c.id)).scalars().all()
        if len(primary) < 2:
            return
        # The kept firm's own main contact stays the main one.
        stays = next((i for i in primary if i not in moved), primary[0])
        for contact_id in primary:
            if contact_id != stays:
                db.session.execute(update(table).where(table.c.id == contact_id)
                                   .values(is_primary=False))
                self.updated.append(["contacts", contact_id, "is_primary", True, False])

    def undo_record(self, fields: dict[str, list[Any]]) -> dict[str, Any]:
        """What undo_merge needs."""
        return {"fields": fields, "moved": self.moved, "removed": self.removed,
                "repointed": self.repointed, "updated": self.updated}


def merge_firms(keep: Firm, drop: Firm, choices: Mapping[str, str] | None = None,
                by: User | None = None) -> FirmMerge:
    """Merge `drop` into `keep`: choose field values, move and de-duplicate everything,
    archive `drop` with a link to `keep`; history and audit trail recorded.

    choices[field] = "drop" takes the other firm's value for a conflicting field; an empty
    field of `keep` is filled from `drop`. Flushes, never commits.
    """
    if keep.id == drop.id:
        raise UserError(_("Không thể gộp một doanh nghiệp với chính nó."))
    if drop.archived or drop.merged_into_id is not None:
        raise UserError(_("Doanh nghiệp này đã được lưu trữ (có thể đã gộp trước đó)."))
    if keep.archived:
        raise UserError(_("Doanh nghiệp giữ lại đang được lưu trữ: hãy khôi phục trước."))
    choices = choices or {}
    note = _("Gộp %(drop)s (MST %(dtax)s) vào %(keep)s (MST %(ktax)s)", drop=drop.name,
             dtax=drop.tax_code, keep=keep.name, ktax=keep.tax_code)
    data: dict[str, Any] = {}
    for name in MERGE_FIELDS:
        mine, theirs = getattr(keep, name), getattr(drop, name)
        if (_empty(mine) and not _empty(theirs)) or (
                choices.get(name) == "drop" and theirs != mine):
            data[name] = theirs
    if "commune_code" in data and "province_code" not in data \
            and drop.province_code != keep.province_code:
        data["province_code"] = drop.province_code  # a commune comes with its province
    work = _Merge(keep, drop)
    before = {name: history.jsonable(getattr(keep, name)) for name in data}
    with history.recording("merge", by=by, note=note):
        # The chosen values first: one that breaks a rule stops the merge before any move.
        firm_services.update_firm(keep, data, by=by)
        work.move_rows()
        db.session.expire_all()  # the statements above bypassed the ORM
        firm_services._touch(keep)
        firm_services._touch(drop)
        db.session.flush()
    fields = {name: [old, history.jsonable(getattr(keep, name))]
              for name, old in before.items()
              if old != history.jsonable(getattr(keep, name))}
    with history.paused():
        drop.archived = True
        drop.merged_into_id = keep.id
        db.session.flush()
    summary = {table: c for table, c in sorted(work.counts.items())}
    merge = FirmMerge(kept_firm_id=keep.id, merged_firm_id=drop.id,
                      merged_by_id=by.id if by is not None else None, merged_at=utcnow(),
                      summary=summary, undo=work.undo_record(fields))
    db.session.add(merge)
    db.session.flush()
    moved = {"id": drop.id, "name": drop.name, "tax_code": drop.tax_code, "merge_id": merge.id,
             "moved": {t: c["moved"] for t, c in summary.items() if c["moved"]},
             "folded": {t: c["folded"] for t, c in summary.items() if c["folded"]}}
    history.record_changes(keep, [("firm", keep.id, "merged_from", None, moved)],
                           by=by, source="merge", note=note)
    history.record_changes(drop, [("firm", drop.id, "archived", False, True),
                                  ("firm", drop.id, "merged_into", None, keep.id)],
                           by=by, source="merge", note=note)
    audit.record("merge", "firm", keep.id, {"merged_firm_id": drop.id, "merge_id": merge.id,
                                            **{k: moved[k] for k in ("moved", "folded")}},
                 user=by)
    return merge


# --- undo ------------------------------------------------------------------------------------

def undo_merge(merge: FirmMerge, by: User | None = None,
               now: datetime | None = None) -> list[str]:
    """Restore the merged-away firm and move back what came from it; flushes, never commits.

    Values somebody changed after the merge are left as they are now: their field names
    are returned (and kept in merge.undo_note).
    """
    keep, drop = merge.kept_firm, merge.merged_firm
    if merge.undone_at is not None:
        raise UserError(_("Lần gộp này đã được hủy."))
    if not can_undo(merge, now):
        raise UserError(_("Chỉ hủy được lần gộp trong vòng 30 ngày."))
    if keep.merged_into_id is not None:
        raise UserError(_("Doanh nghiệp giữ lại đã được gộp tiếp vào doanh nghiệp khác: hãy "
                          "hủy lần gộp sau trước."))
    if drop.merged_into_id != keep.id:
        raise UserError(_("Doanh nghiệp đã gộp không còn trỏ tới doanh nghiệp giữ lại."))
    undo = merge.undo or {}
    note = _("Hủy gộp %(drop)s (MST %(dtax)s) khỏi %(keep)s (MST %(ktax)s)", drop=drop.name,
             dtax=drop.tax_code, keep=keep.name, ktax=keep.tax_code)
    db.session.flush()
    tables = db.metadata.tables
    new_ids: dict[tuple[str, int], int] = {}
    skipped: list[str] = []
    for table_name, stored in undo.get("removed", []):
        table = tables[table_name]
        values = _decode(table, stored)
        pk = _pk(table)
        if db.session.scalar(select(pk).where(pk == values[pk.name])) is not None:
            old = values.pop(pk.name)  # the id was given to a new row meanwhile (SQLite)
            new_ids[(table_name, old)] = db.session.execute(
                insert(table).values(values).returning(pk)).scalar_one()
        else:
            try:
                with db.session.begin_nested():
                    db.session.execute(insert(table).values(values))
            except IntegrityError:
                skipped.append(table_name)  # e.g. the firm is on that shortlist again
    for table_name, column, row_id, old, new in reversed(undo.get("repointed", [])):
        table = tables[table_name]
        target = _target_table(table, column)
        row_id = new_ids.get((table_name, row_id), row_id)
        old = new_ids.get((target, old), old) if target else old
        db.session.execute(update(table).where(_pk(table) == row_id, table.c[column] == new)
                           .values({column: old}))
    for table_name, row_id, column, old, new in reversed(undo.get("updated", [])):
        table = tables[table_name]
        col = table.c[column]
        current = db.session.scalar(select(col).where(_pk(table) == row_id))
        if history.jsonable(current) == new:
            db.session.execute(update(table).where(_pk(table) == row_id)
                               .values({column: _decode(table, {column: old})[column]}))
    for table_name, column, row_id in undo.get("moved", []):
        table = tables[table_name]
        db.session.execute(update(table).where(_pk(table) == row_id,
                                               table.c[column] == keep.id)
                           .values({column: drop.id}))
    db.session.expire_all()
    firm_table = Firm.__table__
    restore: dict[str, Any] = {}
    for name, (old, new) in undo.get("fields", {}).items():
        if history.jsonable(getattr(keep, name)) == new:
            restore[name] = _decode(firm_table, {name: old})[name]
        else:
            skipped.append(name)  # changed again after the merge: left as it is now
    with history.recording("merge", by=by, note=note):
        firm_services.update_firm(keep, restore, by=by)
        firm_services._touch(keep)
        firm_services._touch(drop)
        db.session.flush()
    with history.paused():
        drop.archived = False
        drop.merged_into_id = None
        merge.undone_at = now or utcnow()
        merge.undone_by_id = by.id if by is not None else None
        merge.undo_note = ", ".join(skipped) or None
        db.session.flush()
    history.record_changes(keep, [("firm", keep.id, "merge_undone",
                                   {"id": drop.id, "name": drop.name, "merge_id": merge.id},
                                   None)], by=by, source="merge", note=note)
    history.record_changes(drop, [("firm", drop.id, "archived", True, False),
                                  ("firm", drop.id, "merged_into", keep.id, None)],
                           by=by, source="merge", note=note)
    audit.record("merge_undo", "firm", keep.id, {"merged_firm_id": drop.id,
                                                 "merge_id": merge.id,
                                                 "left_as_is": skipped}, user=by)
    return skipped


def _target_table(table: Table, column: str) -> str | None:
    """The table a foreign-key column points at."""
    for fk in table.c[column].foreign_keys:
        return fk.column.table.name
    return None


# --- "not a duplicate" -----------------------------------------------------------------------

def mark_not_duplicate(first: Firm, second: Firm, by: User | None = None,
                       note: str | None = None) -> DuplicateDecision:
    """Record that two firms are not one: the pair is never proposed again. Flushes."""
    if first.id == second.id:
        raise UserError(_("Không thể so một doanh nghiệp với chính nó."))
    existing = decision_for(first.id, second.id)
    if existing is not None:
        return existing
    a, b = sorted((first.id, second.id))
    decision = DuplicateDecision(first_firm_id=a, second_firm_id=b,
                                 decided_by_id=by.id if by is not None else None,
                                 decided_at=utcnow(), note=(note or "").strip()[:2000] or None)
    db.session.add(decision)
    db.session.flush()
    audit.record("not_duplicate", "firm", a, {"other_firm_id": b, "decision_id": decision.id},
                 user=by)
    return decision
