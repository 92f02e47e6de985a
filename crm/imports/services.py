"""Bulk import of firms: plan (the dry run) then apply, all-or-nothing unless asked otherwise.

The rules for every value are the firm services' own (crm/firms/services.py): each row's
mapping goes through the same cleaners the forms use, so a tax code, an HS code or a country
is judged in one place. Only the writing differs: instead of one flush per firm, rows are
added in chunks and their history is written in batches (crm.history.record_bulk), which is
what makes 100,000 rows fit in a minute.
"""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from collections.abc import Callable, Collection, Generator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload

from crm import history, spreadsheets
from crm.display import commune_province
from crm.duplicates.names import legal_form_of, name_key
from crm.duplicates.queries import merge_targets
from crm.errors import UserError
from crm.extensions import db
from crm.firms import services as firm_services
from crm.imports import parsing
from crm.imports.lookups import Lookups, legal_form_code, load_lookups
from crm.imports.mapping import FIELDS, guess_mapping
from crm.models import (
    Certification,
    Contact,
    Firm,
    FirmMarket,
    ImportUpload,
    Product,
    User,
)
from crm.models.base import utcnow
from crm.models.portal import FIELD_CREATED
from crm.storage import FileStorage, storage
from crm.validators import normalize_tax_code
from matching.text import fold

CHUNK_SIZE = 2000
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
# Firm columns filled from a cell of the same name.
TEXT_FIELDS = ("name", "name_en", "address", "website", "description")
NUMBER_FIELDS = ("revenue_bn_vnd", "capital_bn_vnd", "export_revenue_usd")
# Firm columns read to compare a row with the firm it updates.
FIRM_COLUMNS = (*firm_services.FIRM_FIELDS, "commune_code", "archived", "size_class",
                "search_text", "former_names")
ERROR_HEADING = "Lỗi"  # column added to the rejected-rows file (Vietnamese, like the files)
ROW_HEADING = "Dòng trong tệp gốc"
# Firm values the search document and the size class are computed from (crm.search.document).
DERIVED_FROM = ("name", "name_en", "tax_code", "employees", "revenue_bn_vnd", "capital_bn_vnd",
                "sectors", "address", "commune_code", "description", "former_names")
CONTACT_FIELDS = {"name": "contact_name", "position": "contact_position", "phone": "phone",
                  "email": "email"}  # Contact column -> import field (for labels)
# (row, conflict key) pairs whose file value the officer chose, or True for all of them.
Take = bool | Collection[tuple[int, str]]


class _NewFirm:
    """Stands in for a firm not created yet, so the shared cleaners can judge its values."""

    province_code = None
    commune_code = None
    markets: tuple = ()
    products: tuple = ()


# --- results ------------------------------------------------------------------------------

@dataclass
class Conflict:
    """A value of the file that really differs from the stored one: kept unless taken."""

    key: str  # stable within the row: "employees", "contact:12:phone", "product:7:hs_code"
    label: str
    old: Any
    new: Any
    taken: bool = False


@dataclass
class RowResult:
    """What one spreadsheet row would do (dry run) or did (import)."""

    row: int
    action: str = "unchanged"  # create, update, unchanged, error
    name: str = ""
    tax_code: str | None = None
    firm_id: int | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # (what, old, new) for updates; (what, None, new) for added products, markets...
    diffs: list[tuple[str, Any, Any]] = field(default_factory=list)
    # What to write: cleaned firm values and sub-entities.
    values: dict[str, Any] = field(default_factory=dict)
    products: list[dict[str, Any]] = field(default_factory=list)
    product_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    markets: list[dict[str, Any]] = field(default_factory=list)
    certifications: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    contact_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    certification_updates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    firm: Any = None  # the firm as read (a plain copy), for updates
    # The officer's choices for this row's conflicts: all of them, or these keys.
    take_all: bool = False
    take: Collection[str] = ()

    def error(self, message: str) -> None:
        """Add a message to the row report."""
        self.errors.append(message)
        self.action = "error"

    def takes(self, key: str, label: str, old: Any, new: Any) -> bool:
        """Whether the file's `new` value replaces the stored `old` one (see `compare`);
        a real difference is noted as a conflict, kept unless the officer chose the file."""
        verdict = compare(key.rsplit(":", 1)[-1], old, new)
        if verdict in (SAME, WORSE):
            return False
        if verdict == CONFLICT:
            taken = self.take_all or key in self.take
            self.conflicts.append(Conflict(key, label, old, new, taken))
            return taken
        return True  # FILL, BETTER


@dataclass
class ImportReport:
    """The whole file: counts, row results and timing."""

    rows: list[RowResult] = field(default_factory=list)
    chunks: int = 0
    seconds: float = 0.0
    applied: bool = False
    history_rows: int = 0

    def count(self, action: str) -> int:
        """Rows with this action."""
        return sum(1 for r in self.rows if r.action == action)

    @property
    def errors(self) -> list[RowResult]:
        """Rows that cannot be imported."""
        return [r for r in self.rows if r.action == "error"]

    def summary(self) -> dict[str, int]:
        """Counts per action and in total; `kept`: conflicts where the stored value stays."""
        return {"total": len(self.rows), "create": self.count("create"),
                "update": self.count("update"), "unchanged": self.count("unchanged"),
                "error": self.count("error"),
                "kept": sum(not c.taken for _r, c in self.conflicts())}

    def conflicts(self) -> list[tuple[RowResult, Conflict]]:
        """Every conflict of the rows that can be imported, with its row."""
        return [(r, c) for r in self.rows if r.action != "error" for c in r.conflicts]


# --- the same value in another form ----------------------------------------------------------

SAME, FILL, BETTER, WORSE, CONFLICT = "same", "fill", "better", "worse", "conflict"
TEXT_COMPARED = frozenset({"name", "name_en", "address", "description", "position"})
_CUT = re.compile(r"\s*(?:\.\.\.|…)$")  # "Công ty CP Cà phê Đắk..." cut by a narrow column


def _form_rank(text: str) -> tuple[int, int]:
    """(letters with diacritics, 1 if mixed case): of two texts that fold alike, the one with
    more of both is the better written (“Cà phê Đắk Lắk” over “CA PHE DAK LAK”)."""
    letters = [c for c in text if c.isalpha()]
    mixed = any(c.isupper() for c in letters) and any(c.islower() for c in letters)
    return sum(not c.isascii() for c in letters), int(mixed)


def compare_text(old: str, new: str) -> str:
    """SAME, BETTER, WORSE or CONFLICT for a file text `new` against a stored text `old`."""
    if old == new:
        return SAME
    folded_old, folded_new = fold(old), fold(new)
    if folded_old == folded_new:
        rank_old, rank_new = _form_rank(old), _form_rank(new)
        if rank_old == rank_new:
            # Only spaces or letter case (SAME), or other diacritics: "Cà" and "Cá" differ.
            return SAME if " ".join(old.lower().split()) == " ".join(new.lower().split()) \
                else CONFLICT
        if rank_new[0] >= rank_old[0] and rank_new[1] >= rank_old[1]:
            return BETTER
        if rank_new[0] <= rank_old[0] and rank_new[1] <= rank_old[1]:
            return WORSE
        return CONFLICT  # more diacritics but upper case, say: the officer chooses
    cut = _CUT.sub("", folded_new)
    if cut and len(cut) < len(folded_old) and folded_old.startswith(cut):
        return WORSE  # the stored text, cut short
    return CONFLICT


def phone_key(phone: str | None) -> str:
    """The digits of a phone number with its leading 0: "+84 905 123 456", "0905.123.456"
    and "905123456" (a spreadsheet number that lost the 0) are one number."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("84") and len(digits) >= 11:
        return "0" + digits[2:]
    return "0" + digits if len(digits) in (9, 10) and not digits.startswith("0") else digits


def compare(key: str, old: Any, new: Any) -> str:
    """How a file value `new` stands to the stored `old` of the field `key`: FILL (nothing
    stored), SAME (also when written differently), BETTER (a better form of the same value:
    taken), WORSE (unaccented, upper case, cut short, a less precise HS code: never taken)
    or CONFLICT (a real difference: the officer chooses)."""
    if key == "former_names":  # the file's names are added to those stored (_firm_data)
        return SAME if list(old or []) == list(new or []) else BETTER
    if old is None or old == "":
        return FILL
    if old == new:
        return SAME
    if key in TEXT_COMPARED:
        return compare_text(str(old), str(new))
    if key in ("email", "website"):
        return SAME if str(old).lower() == str(new).lower() else compare_text(old, new)
    if key == "phone":
        return SAME if phone_key(old) == phone_key(new) else CONFLICT
    if key == "hs_code":
        if str(old).startswith(str(new)):
            return WORSE  # the file gives the heading of the stored subheading
        return BETTER if str(new).startswith(str(old)) else CONFLICT
    return CONFLICT


# --- uploads kept between the dry run and the import -----------------------------------------

def upload_storage() -> FileStorage:
    """Where uploads wait: instance/imports (or IMPORT_DIR) or the database, never the web root."""
    return storage("imports")


def _upload_name(token: str) -> str:
    return f"{token}.upload"


def rejected_name(token: str, kind: str) -> str:
    """The stored name of an upload's rejected rows."""
    return f"{token}.rejected.{kind}"


def save_upload(stream: Any, filename: str, by: User | None) -> str:
    """Store an uploaded file under a random id after checking its type by content.

    The file goes to the configured storage and the wizard's state (file name, kind, owner,
    mapping) to the import_uploads table: the dry run and the import may reach different
    app hosts. Flushes; the view commits.
    """
    token = secrets.token_hex(16)
    data = stream.read()
    with tempfile.TemporaryDirectory(prefix="crm-import-") as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        kind = parsing.detect_kind(path)
        table = parsing.read_table(path, kind)
    upload_storage().put(_upload_name(token), data)
    db.session.add(ImportUpload(token=token, filename=Path(filename or "").name[:200],
                                kind=kind, user_id=by.id if by is not None else None,
                                mapping=guess_mapping(table.headings)))
    db.session.flush()
    return token


def _upload_row(token: str) -> ImportUpload:
    if not TOKEN_RE.match(token or ""):
        raise KeyError(token)
    row = db.session.get(ImportUpload, token)
    if row is None:
        raise KeyError(token)
    return row


def load_upload(token: str, by: User | None = None) -> dict[str, Any]:
    """The upload's metadata; KeyError when the id is unknown, its file gone or not the user's."""
    row = _upload_row(token)
    if by is not None and row.user_id not in (None, by.id) and by.role != "admin":
        raise KeyError(token)
    if not upload_storage().exists(_upload_name(token)):
        raise KeyError(token)
    return {"token": token, "filename": row.filename, "kind": row.kind,
            "user_id": row.user_id, "mapping": list(row.mapping or []),
            "uploaded_at": row.uploaded_at}


def read_upload(token: str, kind: str) -> parsing.Table:
    """The uploaded spreadsheet, parsed (UserError when it cannot be read)."""
    with upload_storage().as_file(_upload_name(token)) as path:
        return parsing.read_table(path, kind)


def save_mapping(token: str, mapping: list[str | None]) -> None:
    """Remember the user's column mapping for the upload. Flushes; the view commits."""
    _upload_row(token).mapping = list(mapping)
    db.session.flush()


def check_mapping(mapping: list[str | None]) -> None:
    """A mapping needs a name or a tax code column, and each field at most once."""
    chosen = [f for f in mapping if f]
    if "name" not in chosen and "tax_code" not in chosen:
        raise UserError(_("Cần chọn ít nhất cột Tên doanh nghiệp hoặc Mã số thuế."),
                        field="mapping")
    doubles = sorted({str(FIELDS[f]) for f in chosen if chosen.count(f) > 1})
    if doubles:
        raise UserError(_("Mỗi trường chỉ chọn cho một cột: %(fields)s.",
                          fields=", ".join(doubles)), field="mapping")


# --- planning (the dry run) --------------------------------------------------------------------

@dataclass
class _Existing:
    """What the database already holds, loaded once: tax codes and name keys."""

    by_tax: dict[str, int]
    by_name: dict[tuple[int | None, str], list[int]]
    names: dict[int, str]
    merged_into: dict[int, int]
    archived: set[int]


def _load_existing() -> _Existing:
    by_tax: dict[str, int] = {}
    by_name: dict[tuple[int | None, str], list[int]] = {}
    names: dict[int, str] = {}
    archived: set[int] = set()
    for firm_id, tax_code, name, province, is_archived in db.session.execute(
            select(Firm.id, Firm.tax_code, Firm.name, Firm.province_code, Firm.archived)):
        by_tax[tax_code] = firm_id
        names[firm_id] = name
        if is_archived:
            archived.add(firm_id)
        else:
            by_name.setdefault((province, name_key(name)), []).append(firm_id)
    # Firm.merged_into_id, which an undone merge clears (the history keeps both events).
    return _Existing(by_tax, by_name, names, merge_targets(), archived)


class _Row:
    """Cell access by field for one row, with the column heading for messages."""

    def __init__(self, values: list[Any], columns: dict[str, int], headings: list[str]):
        self.values = values
        self.columns = columns
        self.headings = headings

    def raw(self, key: str) -> Any:
        index = self.columns.get(key)
        if index is None or index >= len(self.values):
            return None
        value = self.values[index]
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def has(self, key: str) -> bool:
        return self.raw(key) is not None

    def heading(self, key: str) -> str:
        index = self.columns.get(key)
        heading = self.headings[index] if index is not None else ""
        return heading or str(FIELDS.get(key, key))


# (done, total) after each chunk: long imports report progress (crm import, the import page).
Steps = Generator[tuple[int, int], None, ImportReport]


def run_steps(steps: Steps, progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Drive plan_import_steps or apply_import_steps to the end, telling `progress` each step."""
    while True:
        try:
            done, total = next(steps)
        except StopIteration as stop:
            return stop.value
        if progress:
            progress(done, total)


def plan_import(table: parsing.Table, mapping: list[str | None],
                progress: Callable[[int, int], None] | None = None,
                chunk_size: int = CHUNK_SIZE, take: Take = False) -> ImportReport:
    """Judge every row against the shared rules and the database; writes nothing.

    `take`: the conflicts whose file value replaces the stored one, as (row, key) pairs, or
    True for all; every other conflict keeps the stored value.
    """
    return run_steps(plan_import_steps(table, mapping, chunk_size, take), progress)


def plan_import_steps(table: parsing.Table, mapping: list[str | None],
                      chunk_size: int = CHUNK_SIZE, take: Take = False) -> Steps:
    """plan_import, yielding (rows judged, rows in all) after each chunk."""
    check_mapping(mapping)
    chosen: dict[int, set[str]] = {}
    if not isinstance(take, bool):
        for number, key in take:
            chosen.setdefault(number, set()).add(key)
    started = time.perf_counter()
    columns = {f: i for i, f in enumerate(mapping) if f}
    lookups = load_lookups()
    existing = _load_existing()
    report = ImportReport()
    seen: dict[Any, int] = {}
    total = len(table.rows)
    for start in range(0, total, chunk_size):
        chunk = table.rows[start:start + chunk_size]
        rows = [(_Row(values, columns, table.headings),
                 RowResult(row=number, take_all=take is True, take=chosen.get(number, ())))
                for number, values in chunk]
        for row, result in rows:
            _identify(row, result, existing, seen, lookups)
        ids = {r.firm_id for _row, r in rows if r.firm_id is not None and r.action != "error"}
        firms = _load_firms(ids)
        for row, result in rows:
            target = firms.get(result.firm_id) if result.firm_id else None
            with db.session.no_autoflush:
                _judge(row, result, target, lookups)
            if result.action == "create" and not result.errors:
                _warn_similar(row, result, existing)
            report.rows.append(result)
        report.chunks += 1
        yield min(start + chunk_size, total), total
    report.seconds = time.perf_counter() - started
    return report


def _identify(row: _Row, result: RowResult, existing: _Existing, seen: dict[Any, int],
              lookups: Lookups) -> None:
    """Tax code (or, without one, name + province) -> the existing firm; in-file duplicates."""
    result.name = parsing.to_text(row.raw("name")) or ""
    raw_tax = parsing.to_tax_code_text(row.raw("tax_code"))
    if raw_tax:
        try:
            result.tax_code = normalize_tax_code(raw_tax)
        except UserError as err:
            result.tax_code = raw_tax
            result.error(f"{row.heading('tax_code')}: {err.message}")
            return
        key: Any = result.tax_code
        firm_id = existing.by_tax.get(result.tax_code)
    else:
        key = ("name", parsing.to_text(row.raw("province")), name_key(result.name))
        firm_id = None
        if result.name:
            matches = _name_matches(row, result, existing, lookups)
            if len(matches) == 1:
                firm_id = matches[0]
            elif len(matches) > 1:
                result.error(_("Không có mã số thuế và có %(n)d doanh nghiệp cùng tên trong "
                               "tỉnh: cần mã số thuế để biết dòng này là doanh nghiệp nào.",
                               n=len(matches)))
                return
        if firm_id is None:
            result.error(_("Thiếu mã số thuế: không tạo được doanh nghiệp mới (mã số thuế là "
                           "khóa của doanh nghiệp) và không tìm thấy doanh nghiệp cùng tên "
                           "trong cùng tỉnh."))
            return
    if key in seen:
        result.error(_("Trùng với dòng %(row)d trong tệp (cùng %(what)s).", row=seen[key],
                       what=_("mã số thuế") if raw_tax else _("tên và tỉnh")))
        return
    seen[key] = result.row
    if firm_id is not None:
        if firm_id in existing.merged_into:
            # The firm was merged away: its data now lives in the kept firm.
            target = existing.merged_into[firm_id]
            result.warnings.append(_("Doanh nghiệp này đã được gộp vào %(name)s: dòng cập nhật "
                                     "doanh nghiệp đó.", name=existing.names.get(target, "")))
            firm_id = target
        elif firm_id in existing.archived:
            result.warnings.append(_("Doanh nghiệp đang ở trạng thái lưu trữ."))
        result.firm_id = firm_id
        result.action = "update"
    else:
        result.action = "create"


def _name_matches(row: _Row, result: RowResult, existing: _Existing,
                  lookups: Lookups) -> list[int]:
    province = lookups.province(parsing.to_text(row.raw("province")))
    return existing.by_name.get((province, name_key(result.name)), [])


def _warn_similar(row: _Row, result: RowResult, existing: _Existing) -> None:
    province = result.values.get("province_code")
    same = existing.by_name.get((province, name_key(result.name)), [])
    if same:
        result.warnings.append(_("Có thể trùng với doanh nghiệp đã có: %(name)s (mã số thuế "
                                 "khác).", name=existing.names.get(same[0], "")))


def _load_firms(ids: Iterable[int]) -> dict[int, SimpleNamespace]:
    """Light copies of firms and their sub-entities (plain rows: loading ORM objects for
    100,000 rows would take most of a minute)."""
    ids = list(ids)
    if not ids:
        return {}
    firm_cols = [Firm.id, *(getattr(Firm, k) for k in FIRM_COLUMNS)]
    firms = {r.id: SimpleNamespace(**r._asdict(), products=[], markets=[], certifications=[],
                                   contacts=[])
             for r in db.session.execute(select(*firm_cols).where(Firm.id.in_(ids)))}
    children = (
        ("products", Product, (Product.id, Product.name, Product.name_en, Product.hs_code)),
        ("markets", FirmMarket, (FirmMarket.country_code, FirmMarket.kind)),
        ("certifications", Certification, (Certification.id, Certification.scheme_code,
                                           Certification.issued_on, Certification.expires_on)),
        ("contacts", Contact, (Contact.id, Contact.name, Contact.position, Contact.phone,
                               Contact.email, Contact.notes, Contact.is_primary)),
    )
    for attr, model, cols in children:
        stmt = select(model.firm_id, *cols).where(model.firm_id.in_(ids)).order_by(model.id)
        for row in db.session.execute(stmt):
            values = row._asdict()
            getattr(firms[values.pop("firm_id")], attr).append(SimpleNamespace(**values))
    return firms


def _judge(row: _Row, result: RowResult, firm: Any, lookups: Lookups) -> None:
    """Clean every mapped value with the shared rules; note what would change."""
    if result.firm_id is not None and firm is None:
        result.error(_("Doanh nghiệp không còn trong hệ thống."))
        return
    data = _firm_data(row, result, firm, lookups)
    values = _clean_firm_values(row, result, data)
    _fit_scale(row, result, values)
    if firm is None:
        values["tax_code"] = result.tax_code
        result.values = {"sectors": [], "languages": [], **values}
        if result.name:
            result.name = values.get("name") or result.name
    else:
        result.name = firm.name
        result.firm = firm
        for key, value in values.items():
            old = getattr(firm, key)
            if value is not None and result.takes(key, lookups.label(key), old, value):
                result.values[key] = value
                result.diffs.append((lookups.label(key), old, value))
        _keep_former_name(result, firm, lookups)
        province = result.values.get("province_code")
        if province is not None and firm.commune_code is not None \
                and commune_province(firm.commune_code) != province:
            # The officer took another province: the stored commune is not in it.
            result.values["commune_code"] = None
            result.diffs.append((lookups.label("commune_code"), firm.commune_code, None))
    _judge_products(row, result, firm, lookups)
    _judge_markets(row, result, firm, lookups)
    _judge_certifications(row, result, firm, lookups)
    _judge_contact(row, result, firm, lookups)
    if result.errors:
        result.action = "error"
    elif firm is None:
        result.action = "create"
    else:
        changed = (result.values or result.products or result.product_updates or result.markets
                   or result.certifications or result.certification_updates
                   or result.contacts or result.contact_updates)
        result.action = "update" if changed else "unchanged"


def _keep_former_name(result: RowResult, firm: Any, lookups: Lookups) -> None:
    """A name the file changes goes on the firm's former names, as the firm service does."""
    new, old = result.values.get("name"), firm.name
    if not new or not old or new == old:
        return
    stored = list(firm.former_names or [])
    names = list(result.values.get("former_names", stored))
    if old not in names:
        names.append(old)
    if new in names:
        names.remove(new)
    if names != stored:
        if "former_names" not in result.values:
            result.diffs.append((lookups.label("former_names"), stored, names))
        result.values["former_names"] = names[-firm_services.MAX_FORMER_NAMES:]


def _firm_data(row: _Row, result: RowResult, firm: Any,
               lookups: Lookups) -> dict[str, Any]:
    """Cells turned into the plain mapping the firm services take (empty cells left out)."""
    data: dict[str, Any] = {}
    if firm is None or row.has("name"):
        data["name"] = parsing.to_text(row.raw("name"))
    for key in TEXT_FIELDS[1:]:
        if row.has(key):
            data[key] = parsing.to_text(row.raw(key))
    if row.has("former_names"):
        # "Tên cũ": one cell, names apart by ";" or lines; added to those stored, never
        # replacing them (a file lists what it knows, not every name the firm ever had).
        typed = re.split(r"[;\n]", parsing.to_text(row.raw("former_names")) or "")
        stored = list(getattr(firm, "former_names", None) or []) if firm is not None else []
        data["former_names"] = stored + [n.strip() for n in typed
                                         if n.strip() and n.strip() not in stored]
    converters: dict[str, Callable[[Any, str], Any]] = {
        "employees": parsing.to_int, "founded_year": parsing.to_year,
        **{k: parsing.to_number for k in NUMBER_FIELDS},
    }
    for key, convert in converters.items():
        if row.has(key):
            try:
                data[key] = convert(row.raw(key), key)
            except UserError as err:
                result.error(f"{row.heading(key)}: {err.message}")
    if row.has("province"):
        text = parsing.to_text(row.raw("province"))
        code = lookups.province(text)
        if code is None:
            result.error(_("%(col)s: không nhận ra tỉnh/thành phố “%(value)s” (một trong 34 "
                           "tỉnh/thành phố sau sắp xếp năm 2025).", col=row.heading("province"),
                           value=text))
        else:
            data["province_code"] = code
    if row.has("legal_form"):
        text = parsing.to_text(row.raw("legal_form"))
        code = legal_form_code(text)
        if code is None:
            result.error(_("%(col)s: không nhận ra loại hình “%(value)s”.",
                           col=row.heading("legal_form"), value=text))
        else:
            data["legal_form"] = code
    elif firm is None:
        data["legal_form"] = legal_form_of(data.get("name")) or "llc"
    return data


def _clean_firm_values(row: _Row, result: RowResult, data: dict[str, Any]) -> dict[str, Any]:
    """The firm services' cleaner, once for the row, field by field when it refuses."""
    # The file's values are judged on their own (a province is checked without the stored
    # commune: whether it replaces the stored province is the officer's choice).
    # tax_code is left out: it is checked against the preloaded index, not one query a row.
    target = _NewFirm()
    try:
        return firm_services._clean_firm(target, data)  # type: ignore[arg-type]
    except UserError:
        pass
    out: dict[str, Any] = {}
    for key, value in data.items():
        try:
            out.update(firm_services._clean_firm(target, {key: value}))  # type: ignore[arg-type]
        except UserError as err:
            column = "province" if key == "province_code" else key
            result.error(f"{row.heading(column)}: {err.message}")
    return out


def _fit_scale(row: _Row, result: RowResult, values: dict[str, Any]) -> None:
    """Numbers rounded to the decimals their column keeps, so that the dry run shows what
    will be stored and a re-import compares equal; a warning says when rounding changed one."""
    for key in NUMBER_FIELDS:
        number = values.get(key)
        if number is None:
            continue
        scale = Firm.__table__.c[key].type.scale
        rounded = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        if rounded != number:
            result.warnings.append(_("%(col)s: %(value)s được làm tròn thành %(rounded)s.",
                                     col=row.heading(key), value=number, rounded=rounded))
        values[key] = rounded


def _judge_products(row: _Row, result: RowResult, firm: Any, lookups: Lookups) -> None:
    names = parsing.to_list(row.raw("products"))
    hs_codes = parsing.to_list(row.raw("hs_codes"))
    if len(hs_codes) > max(len(names), 1) or (hs_codes and not names and firm is None):
        result.error(_("%(col)s: có %(n)d mã HS cho %(m)d sản phẩm; ghi mã HS theo thứ tự "
                       "sản phẩm.", col=row.heading("hs_codes"), n=len(hs_codes), m=len(names)))
        return
    if hs_codes and not names:
        result.error(_("%(col)s: có mã HS nhưng không có sản phẩm.", col=row.heading("hs_codes")))
        return
    existing: dict[str, Any] = {}
    for product in firm.products if firm is not None else ():
        existing.setdefault(fold(product.name), product)
    planned: set[str] = set()
    for i, name in enumerate(names):
        hs = hs_codes[i] if i < len(hs_codes) else None
        try:
            clean = lookups.cached(("product", name, hs), lambda n=name, h=hs:
                                   firm_services._clean_product({"name": n, "hs_code": h}))
        except UserError as err:
            heading = row.heading("hs_codes" if err.field == "hs_code" else "products")
            result.error(f"{heading}: {err.message}")
            continue
        key = fold(clean["name"])
        if key in planned:
            continue
        planned.add(key)
        current = existing.get(key)
        if current is None:
            result.products.append(clean)
            result.diffs.append((lookups.label("products"), None, _product_text(
                clean)))
            continue
        # The same product (same folded name): only better or chosen values replace its own.
        changes: dict[str, Any] = {}
        for column, label in (("name", "products"), ("hs_code", "hs_codes")):
            what = f"{current.name} · {lookups.label(label)}"
            new = clean[column]
            if new and result.takes(f"product:{current.id}:{column}", what,
                                    getattr(current, column), new):
                changes[column] = new
                result.diffs.append((what, getattr(current, column), new))
        if changes:
            result.product_updates.append((current.id, changes))


def _product_text(values: dict[str, Any]) -> str:
    return f"{values['name']} (HS {values['hs_code']})" if values.get("hs_code") else values["name"]


def _judge_markets(row: _Row, result: RowResult, firm: Any, lookups: Lookups) -> None:
    have = {(m.country_code, m.kind) for m in firm.markets} if firm is not None else set()
    for key, kind in (("markets_current", "current"), ("markets_target", "target")):
        for item in parsing.to_list(row.raw(key)):
            code = lookups.country(item)
            if code is None:
                group = lookups.group(item)
                if group:
                    result.warnings.append(_("%(col)s: “%(value)s” là một nhóm thị trường, "
                                             "không phải một quốc gia: bỏ qua, hãy ghi rõ quốc "
                                             "gia.", col=row.heading(key), value=item))
                else:
                    result.error(_("%(col)s: không nhận ra quốc gia “%(value)s”.",
                                   col=row.heading(key), value=item))
                continue
            try:
                clean = lookups.cached(("market", code, kind), lambda c=code, k=kind:
                                       firm_services._clean_market(  # type: ignore[arg-type]
                                           _NewFirm(), None, {"country_code": c, "kind": k}))
            except UserError as err:
                result.error(f"{row.heading(key)}: {err.message}")
                continue
            pair = (clean["country_code"], clean["kind"])
            if pair in have:
                continue
            have.add(pair)
            result.markets.append(clean)
            result.diffs.append((lookups.label(key), None, clean["country_code"]))


def _judge_certifications(row: _Row, result: RowResult, firm: Any,
                          lookups: Lookups) -> None:
    items = parsing.to_list(row.raw("certifications"))
    if not items:
        for key in ("cert_issued_on", "cert_expires_on"):
            if row.has(key):
                # Nowhere to store a date without its certificate: say so, never drop it quietly.
                result.warnings.append(_("%(col)s: không có chứng nhận trên dòng này nên ngày "
                                         "này không được lưu.", col=row.heading(key)))
        return
    dates: dict[str, date | None] = {}
    for key in ("cert_issued_on", "cert_expires_on"):
        try:
            dates[key] = parsing.to_date(row.raw(key), key)
        except UserError as err:
            result.error(f"{row.heading(key)}: {err.message}")
            return
    held = list(firm.certifications) if firm is not None else []
    planned: set[str] = set()
    for item in items:
        code = lookups.scheme(item)
        if code is None:
            result.error(_("%(col)s: không nhận ra loại chứng nhận “%(value)s”.",
                           col=row.heading("certifications"), value=item))
            continue
        if code in planned:
            continue
        planned.add(code)
        issued = dates["cert_issued_on"]
        same = [c for c in held if c.scheme_code == code and issued in (None, c.issued_on)]
        if same:
            # Already held (with that issue date when the file gives one): the file may still
            # know its expiry date.
            _judge_expiry(row, result, max(same, key=lambda c: c.issued_on),
                          dates["cert_expires_on"], lookups)
            continue
        if issued is None:
            result.error(_("%(col)s: chứng nhận %(code)s cần ngày cấp: thêm cột “Ngày cấp”.",
                           col=row.heading("certifications"), code=code))
            continue
        try:
            cert = {"scheme_code": code, "issued_on": issued,
                    "expires_on": dates["cert_expires_on"]}
            clean = lookups.cached(("cert", *cert.values()), lambda c=cert:
                                   firm_services._clean_certification(
                                       _NewFirm(), c))  # type: ignore[arg-type]
        except UserError as err:
            column = {"issued_on": "cert_issued_on", "expires_on": "cert_expires_on"}.get(
                err.field or "", "certifications")
            result.error(f"{row.heading(column)}: {err.message}")
            continue
        clean.pop("product", None)
        result.certifications.append(clean)
        result.diffs.append((lookups.label("certifications"), None, code))


def _judge_expiry(row: _Row, result: RowResult, cert: Any, expires: date | None,
                  lookups: Lookups) -> None:
    """The expiry date of a certificate the firm holds: filled in, or a conflict."""
    what = f"{cert.scheme_code} · {lookups.label('cert_expires_on')}"
    if expires is None or not result.takes(f"certification:{cert.id}:expires_on", what,
                                           cert.expires_on, expires):
        return
    if expires < cert.issued_on:
        result.error(_("%(col)s: ngày hết hạn không được trước ngày cấp.",
                       col=row.heading("cert_expires_on")))
        return
    result.certification_updates.append((cert.id, {"expires_on": expires}))
    result.diffs.append((what, cert.expires_on, expires))


def _matching_contact(contacts: Iterable[Any], clean: dict[str, Any]) -> Any:
    """The stored contact a row's contact is: same phone (digits), else same e-mail (any
    case), else same name (folded)."""
    contacts = list(contacts)
    phone = phone_key(clean["phone"])
    email = (clean["email"] or "").lower()
    return (next((c for c in contacts if phone and phone_key(c.phone) == phone), None)
            or next((c for c in contacts if email and (c.email or "").lower() == email), None)
            or next((c for c in contacts if fold(c.name) == fold(clean["name"])), None))


def _judge_contact(row: _Row, result: RowResult, firm: Any, lookups: Lookups) -> None:
    if not any(row.has(k) for k in CONTACT_FIELDS.values()):
        return
    named = parsing.to_text(row.raw("contact_name"))
    data = {
        "name": named or _("Văn phòng"),
        "position": parsing.to_text(row.raw("contact_position")),
        "phone": parsing.to_phone_text(row.raw("phone")),
        "email": parsing.to_text(row.raw("email")),
    }
    try:
        clean = firm_services._clean_contact(data)
    except UserError as err:
        result.error(f"{row.heading(CONTACT_FIELDS.get(err.field or '', 'contact_name'))}: "
                     f"{err.message}")
        return
    current = _matching_contact(firm.contacts, clean) if firm is not None else None
    if current is None:
        clean["is_primary"] = firm is None or not firm.contacts
        result.contacts.append(clean)
        result.diffs.append((lookups.label("contacts"), None, clean["name"]))
        return
    changes: dict[str, Any] = {}
    for key, column in CONTACT_FIELDS.items():
        new = clean[key]
        if new is None or (key == "name" and named is None):
            continue  # "Văn phòng", the name of a contact without one, never renames anybody
        what = f"{current.name} · {lookups.label(column)}"
        old = getattr(current, key)
        if result.takes(f"contact:{current.id}:{key}", what, old, new):
            changes[key] = new
            result.diffs.append((what, old, new))
    if changes:
        result.contact_updates.append((current.id, changes))


# --- applying --------------------------------------------------------------------------------

def apply_import(report: ImportReport, by: User | None = None, note: str | None = None,
                 partial: bool = False, chunk_size: int = CHUNK_SIZE,
                 progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Write the planned rows; all-or-nothing unless `partial` (errors are then left out).

    New firms go in as multi-row INSERTs, updated firms through the ORM (so their version
    moves); the history is written in batches. Never commits.
    """
    return run_steps(apply_import_steps(report, by, note, partial, chunk_size), progress)


def apply_import_steps(report: ImportReport, by: User | None = None, note: str | None = None,
                       partial: bool = False, chunk_size: int = CHUNK_SIZE) -> Steps:
    """apply_import, yielding (firms written, firms to write) after each chunk."""
    if report.errors and not partial:
        raise UserError(_("Tệp có %(n)d dòng lỗi: không nhập dòng nào. Sửa các dòng lỗi, hoặc "
                          "chọn nhập các dòng hợp lệ và nhận lại các dòng lỗi.",
                          n=len(report.errors)))
    todo = [r for r in report.rows if r.action in ("create", "update")]
    changes: list[tuple[int, str, int | None, str, Any, Any]] = []
    with history.paused():
        for start in range(0, len(todo), chunk_size):
            chunk = todo[start:start + chunk_size]
            changes.extend(_insert_firms([r for r in chunk if r.action == "create"]))
            changes.extend(_update_firms([r for r in chunk if r.action == "update"]))
            yield min(start + chunk_size, len(todo)), len(todo)
        db.session.flush()
    report.history_rows = history.record_bulk(changes, by=by, source="import", note=note)
    report.applied = True
    return report


def _derived(values: dict[str, Any], products: Iterable[Any] = (),
             certifications: Iterable[Any] = (), trademarks: Iterable[Any] = (),
             stores: Iterable[Any] = ()) -> dict[str, Any]:
    """size_class and search_text by the firm services' own rule, on a plain copy.

    Children are ORM objects or the planned values (dicts) of new ones; the search document
    (crm.search.document.search_text_for) reads all four kinds.
    """
    def plain(items: Iterable[Any]) -> list[Any]:
        return [SimpleNamespace(**i) if isinstance(i, dict) else i for i in items]

    shim = SimpleNamespace(**{k: values.get(k) for k in DERIVED_FROM},
                           products=plain(products), certifications=plain(certifications),
                           trademarks=plain(trademarks), stores=plain(stores))
    firm_services._refresh_derived_now(shim)  # type: ignore[arg-type]
    return {"size_class": shim.size_class, "search_text": shim.search_text}


def _same_keys(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every row with every key (None where a row has none). A multi-row INSERT takes its
    columns from the first row: a key missing there would be dropped for the whole batch,
    and one missing from a later row would fail it."""
    keys = list(dict.fromkeys(k for p in params for k in p))
    return [{k: p.get(k) for k in keys} for p in params]


def _folded_names(values: dict[str, Any]) -> str:
    # As Firm/Product._fold_name does for ORM objects (Core inserts skip @validates).
    return fold(" ".join(v for v in (values.get("name"), values.get("name_en")) if v))


def _insert_children(rows: list[RowResult], firm_ids: list[int], with_history: bool = True
                     ) -> list[tuple[int, str, int | None, str, Any, Any]]:
    """INSERT products, markets, certificates and contacts of many firms; history rows.

    RETURNING makes SQLite insert row by row, so it is used only when the history needs
    the new ids (sub-entities added to existing firms).
    """
    out: list[tuple[int, str, int | None, str, Any, Any]] = []
    specs = (("products", Product, "product"), ("markets", FirmMarket, "market"),
             ("certifications", Certification, "certification"),
             ("contacts", Contact, "contact"))
    for attr, model, entity in specs:
        params, owners = [], []
        for result, firm_id in zip(rows, firm_ids, strict=True):
            for values in getattr(result, attr):
                extra = {"name_search": _folded_names(values)} if model is Product else {}
                params.append({**values, **extra, "firm_id": firm_id})
                owners.append((firm_id, values))
        if not params:
            continue
        params = _same_keys(params)
        table = model.__table__
        if not with_history:
            db.session.execute(insert(table), params)
            continue
        new_ids = db.session.scalars(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), params).all()
        out.extend((firm_id, entity, new_id, FIELD_CREATED, None, _present(values))
                   for (firm_id, values), new_id in zip(owners, new_ids, strict=True))
    return out


def _insert_firms(rows: list[RowResult]) -> list[tuple[int, str, int | None, str, Any, Any]]:
    if not rows:
        return []
    now = utcnow()
    params = []
    for result in rows:
        values = result.values
        params.append({
            "legal_form": "llc", "verification_status": "unverified", "is_pioneer": False,
            "archived": False, "version": 1, "created_at": now, "updated_at": now,
            **values, "name_search": _folded_names(values),
            **_derived(values, result.products, result.certifications),
        })
    db.session.execute(insert(Firm.__table__), _same_keys(params))
    # The tax code is unique: one SELECT gives the new ids without a RETURNING per row.
    by_tax = {tax: fid for tax, fid in db.session.execute(select(Firm.tax_code, Firm.id).where(
        Firm.tax_code.in_([r.values["tax_code"] for r in rows])))}
    ids = [by_tax[r.values["tax_code"]] for r in rows]
    out: list[tuple[int, str, int | None, str, Any, Any]] = []
    for result, firm_id in zip(rows, ids, strict=True):
        result.firm_id = firm_id
        summary = _present(result.values)
        # One history row per new firm (its sub-entities inside): 100k firms, 100k rows.
        for attr, key in (("products", "name"), ("markets", "country_code"),
                          ("certifications", "scheme_code"), ("contacts", "name")):
            items = [v[key] for v in getattr(result, attr)]
            if items:
                summary[attr] = items
        out.append((firm_id, "firm", firm_id, FIELD_CREATED, None, summary))
    # Children of new firms are summarised above: their own history rows are not needed.
    _insert_children(rows, ids, with_history=False)
    return out


def _update_firms(rows: list[RowResult]) -> list[tuple[int, str, int | None, str, Any, Any]]:
    if not rows:
        return []
    firms = {f.id: f for f in db.session.scalars(
        select(Firm).where(Firm.id.in_([r.firm_id for r in rows]))
        .options(selectinload(Firm.products), selectinload(Firm.certifications),
                 selectinload(Firm.trademarks), selectinload(Firm.stores)))}
    out: list[tuple[int, str, int | None, str, Any, Any]] = []
    for result in rows:
        firm = firms[result.firm_id]
        for key, value in result.values.items():
            out.append((firm.id, "firm", firm.id, key, getattr(firm, key), value))
            setattr(firm, key, value)
        for product_id, values in result.product_updates:
            old = next(p for p in firm.products if p.id == product_id)
            for key, value in values.items():
                out.append((firm.id, "product", product_id, key, getattr(old, key), value))
                setattr(old, key, value)
        for contact_id, values in result.contact_updates:
            old = result.firm and next(
                (c for c in result.firm.contacts if c.id == contact_id), None)
            for key, value in values.items():
                out.append((firm.id, "contact", contact_id, key,
                            getattr(old, key, None) if old else None, value))
            db.session.execute(update(Contact).where(Contact.id == contact_id).values(**values))
        for cert_id, values in result.certification_updates:
            cert = next(c for c in firm.certifications if c.id == cert_id)
            for key, value in values.items():
                out.append((firm.id, "certification", cert_id, key, getattr(cert, key), value))
                setattr(cert, key, value)
        derived = _derived({k: getattr(firm, k) for k in DERIVED_FROM},
                           [*firm.products, *result.products],
                           [*firm.certifications, *result.certifications],
                           firm.trademarks, firm.stores)
        for key, value in derived.items():
            if getattr(firm, key) != value:
                setattr(firm, key, value)
        firm.updated_at = utcnow()  # the version moves: an open edit form sees a conflict
        result.firm = None
    db.session.flush()
    out.extend(_insert_children(rows, [r.firm_id for r in rows]))
    return out


def _present(values: dict[str, Any]) -> dict[str, Any]:
    return {k: history.jsonable(v) for k, v in values.items() if v not in (None, "", [])}


# --- the rejected rows, given back as a file ---------------------------------------------------

def write_rejected(table: parsing.Table, report: ImportReport, path: Path) -> int:
    """Write the rows that were not imported, with an error column; returns how many."""
    data, count = rejected_bytes(table, report, path.suffix.lstrip("."))
    path.write_bytes(data)
    return count


def rejected_bytes(table: parsing.Table, report: ImportReport, kind: str) -> tuple[bytes, int]:
    """The rows that were not imported, with an error column, as an xlsx or csv file.

    Cells go through crm.spreadsheets like every export, so that a cell such as
    `=HYPERLINK(...)` in the uploaded file is never evaluated by whoever opens the rejected
    rows (the import strips the apostrophe a CSV cell gets when the file comes back).
    """
    bad = {r.row: r for r in report.errors}
    rows = [[*(_as_written(v) for v in values), "; ".join(bad[number].errors), number]
            for number, values in table.rows if number in bad]
    # A sheet cell needs a heading to write (and the officer a name to fix the column by).
    headings = [h or f"({i})" for i, h in enumerate(table.headings, start=1)]
    headings += [ERROR_HEADING, ROW_HEADING]
    if kind == "xlsx":
        wb = spreadsheets.workbook()
        spreadsheets.add_table(wb, "Dong loi", headings, rows)
        return spreadsheets.xlsx_bytes(wb), len(rows)
    text = "".join(spreadsheets.csv_chunks(headings, rows, delimiter=table.delimiter))
    return text.encode("utf-8"), len(rows)


def _as_written(value: Any) -> Any:
    """A cell as the file had it: a date-time read from a workbook is a local time of the
    file (crm.spreadsheets would take a naive time for UTC and move it by the zone)."""
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else \
            value.isoformat(sep=" ")
    return value
