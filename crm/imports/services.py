"""Bulk import of firms: plan (the dry run) then apply, all-or-nothing unless asked otherwise.

The rules for every value are the firm services' own (crm/firms/services.py): each row's
mapping goes through the same cleaners the forms use, so a tax code, an HS code or a country
is judged in one place. Only the writing differs: instead of one flush per firm, rows are
added in chunks and their history is written in batches (crm.history.record_bulk), which is
what makes 100,000 rows fit in a minute.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import time
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy.orm import selectinload

from crm import history
from crm.config import INSTANCE_DIR
from crm.duplicates.names import legal_form_of, name_key
from crm.errors import UserError
from crm.extensions import db
from crm.firms import services as firm_services
from crm.imports import parsing
from crm.imports.lookups import Lookups, legal_form_code, load_lookups
from crm.imports.mapping import FIELDS, guess_mapping
from crm.models import (
    Certification,
    ChangeRecord,
    Contact,
    Firm,
    FirmMarket,
    Product,
    User,
)
from crm.models.base import utcnow
from crm.models.portal import FIELD_CREATED
from crm.validators import normalize_tax_code
from matching.text import fold

CHUNK_SIZE = 2000
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
# Firm columns filled from a cell of the same name.
TEXT_FIELDS = ("name", "name_en", "address", "website", "description")
NUMBER_FIELDS = ("revenue_bn_vnd", "capital_bn_vnd", "export_revenue_usd")
# Firm columns read to compare a row with the firm it updates.
FIRM_COLUMNS = (*firm_services.FIRM_FIELDS, "commune_code", "archived", "size_class",
                "search_text")
ERROR_HEADING = "Lỗi"  # column added to the rejected-rows file (Vietnamese, like the files)


class _NewFirm:
    """Stands in for a firm not created yet, so the shared cleaners can judge its values."""

    province_code = None
    commune_code = None
    markets: tuple = ()
    products: tuple = ()


# --- results ------------------------------------------------------------------------------

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
    firm: Any = None  # the firm as read (a plain copy), for updates

    def error(self, message: str) -> None:
        """Add a message to the row report."""
        self.errors.append(message)
        self.action = "error"


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
        """Counts per action and in total."""
        return {"total": len(self.rows), "create": self.count("create"),
                "update": self.count("update"), "unchanged": self.count("unchanged"),
                "error": self.count("error")}


# --- uploads kept between the dry run and the import -----------------------------------------

def upload_dir() -> Path:
    """instance/imports (or IMPORT_DIR): where uploads wait, never inside the web root."""
    path = Path(current_app.config.get("IMPORT_DIR") or INSTANCE_DIR / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_upload(stream: Any, filename: str, by: User | None) -> str:
    """Store an uploaded file under a random id after checking its type by content."""
    token = secrets.token_hex(16)
    path = upload_dir() / f"{token}.upload"
    if hasattr(stream, "save"):
        stream.save(path)
    else:
        path.write_bytes(stream.read())
    try:
        kind = parsing.detect_kind(path)
        table = parsing.read_table(path, kind)
    except UserError:
        path.unlink(missing_ok=True)
        raise
    meta = {"filename": Path(filename or "").name[:200], "kind": kind,
            "user_id": by.id if by is not None else None,
            "mapping": guess_mapping(table.headings), "uploaded_at": utcnow().isoformat()}
    _meta_path(token).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return token


def _meta_path(token: str) -> Path:
    return upload_dir() / f"{token}.json"


def load_upload(token: str, by: User | None = None) -> tuple[dict[str, Any], Path]:
    """The upload's metadata and file; KeyError when the id is unknown or not the user's."""
    if not TOKEN_RE.match(token or ""):
        raise KeyError(token)
    meta_path = _meta_path(token)
    path = upload_dir() / f"{token}.upload"
    if not meta_path.exists() or not path.exists():
        raise KeyError(token)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if by is not None and meta.get("user_id") not in (None, by.id) and by.role != "admin":
        raise KeyError(token)
    return meta, path


def save_mapping(token: str, mapping: list[str | None]) -> None:
    """Remember the user's column mapping for the upload."""
    meta_path = _meta_path(token)
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["mapping"] = mapping
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def rejected_path(token: str, kind: str) -> Path:
    """Where the rejected rows of an upload are written."""
    return upload_dir() / f"{token}.rejected.{kind}"


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
    merged: dict[int, int] = {}
    for firm_id, target in db.session.execute(
            select(ChangeRecord.firm_id, ChangeRecord.new_value).where(
                ChangeRecord.entity == "firm", ChangeRecord.field == "merged_into")):
        if isinstance(target, int):
            merged[firm_id] = target
    return _Existing(by_tax, by_name, names, merged, archived)


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
                chunk_size: int = CHUNK_SIZE) -> ImportReport:
    """Judge every row against the shared rules and the database; writes nothing."""
    return run_steps(plan_import_steps(table, mapping, chunk_size), progress)


def plan_import_steps(table: parsing.Table, mapping: list[str | None],
                      chunk_size: int = CHUNK_SIZE) -> Steps:
    """plan_import, yielding (rows judged, rows in all) after each chunk."""
    check_mapping(mapping)
    started = time.perf_counter()
    columns = {f: i for i, f in enumerate(mapping) if f}
    lookups = load_lookups()
    existing = _load_existing()
    report = ImportReport()
    seen: dict[Any, int] = {}
    total = len(table.rows)
    for start in range(0, total, chunk_size):
        chunk = table.rows[start:start + chunk_size]
        rows = [(_Row(values, columns, table.headings), RowResult(row=number))
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
        ("certifications", Certification, (Certification.scheme_code, Certification.issued_on)),
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
    values = _clean_firm_values(row, result, firm, data)
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
            if value is not None and old != value:
                result.values[key] = value
                result.diffs.append((lookups.label(key), old, value))
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
                   or result.certifications or result.contacts or result.contact_updates)
        result.action = "update" if changed else "unchanged"


def _firm_data(row: _Row, result: RowResult, firm: Any,
               lookups: Lookups) -> dict[str, Any]:
    """Cells turned into the plain mapping the firm services take (empty cells left out)."""
    data: dict[str, Any] = {}
    if firm is None or row.has("name"):
        data["name"] = parsing.to_text(row.raw("name"))
    for key in TEXT_FIELDS[1:]:
        if row.has(key):
            data[key] = parsing.to_text(row.raw(key))
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


def _clean_firm_values(row: _Row, result: RowResult, firm: Any,
                       data: dict[str, Any]) -> dict[str, Any]:
    """The firm services' cleaner, once for the row, field by field when it refuses."""
    target = firm if firm is not None else _NewFirm()
    # tax_code is left out: it is checked against the preloaded index, not one query a row.
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
    existing = {fold(p.name): p for p in firm.products} if firm is not None else {}
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
        elif clean["hs_code"] and clean["hs_code"] != current.hs_code:
            result.product_updates.append((current.id, {"hs_code": clean["hs_code"]}))
            result.diffs.append((f"{current.name} · {lookups.label('hs_codes')}", current.hs_code,
                                 clean["hs_code"]))


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
        return
    dates: dict[str, date | None] = {}
    for key in ("cert_issued_on", "cert_expires_on"):
        try:
            dates[key] = parsing.to_date(row.raw(key), key)
        except UserError as err:
            result.error(f"{row.heading(key)}: {err.message}")
            return
    have = [(c.scheme_code, c.issued_on) for c in firm.certifications] if firm else []
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
        if any(s == code and (issued is None or i == issued) for s, i in have):
            continue  # already held (with that issue date when the file gives one)
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


def _judge_contact(row: _Row, result: RowResult, firm: Any, lookups: Lookups) -> None:
    if not any(row.has(k) for k in ("contact_name", "phone", "email", "contact_position")):
        return
    data = {
        "name": parsing.to_text(row.raw("contact_name")) or _("Văn phòng"),
        "position": parsing.to_text(row.raw("contact_position")),
        "phone": parsing.to_phone_text(row.raw("phone")),
        "email": parsing.to_text(row.raw("email")),
    }
    current = None
    if firm is not None:
        current = next((c for c in firm.contacts if fold(c.name) == fold(data["name"])), None)
    if current is not None:
        merged = {"name": current.name, "position": current.position, "phone": current.phone,
                  "email": current.email, "notes": current.notes,
                  "is_primary": current.is_primary}
        merged.update({k: v for k, v in data.items() if v is not None and k != "name"})
        data = merged
    try:
        clean = firm_services._clean_contact(data)
    except UserError as err:
        column = {"name": "contact_name", "position": "contact_position"}.get(
            err.field or "", err.field or "contact_name")
        result.error(f"{row.heading(column)}: {err.message}")
        return
    if current is None:
        clean["is_primary"] = firm is None or not firm.contacts
        result.contacts.append(clean)
        result.diffs.append((lookups.label("contacts"), None, clean["name"]))
        return
    changes = {k: v for k, v in clean.items() if getattr(current, k) != v}
    if changes:
        result.contact_updates.append((current.id, changes))
        for key, value in changes.items():
            result.diffs.append((f"{current.name} · {key}", getattr(current, key), value))


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


def _derived(values: dict[str, Any], products: list[dict[str, Any]]) -> dict[str, Any]:
    """size_class and search_text by the firm services' own rule, on a plain copy."""
    shim = SimpleNamespace(**{k: values.get(k) for k in (
        "name", "name_en", "tax_code", "employees", "revenue_bn_vnd", "capital_bn_vnd",
        "sectors", "address", "commune_code", "description")},
        products=[SimpleNamespace(**p) for p in products])
    firm_services._refresh_derived_now(shim)  # type: ignore[arg-type]
    return {"size_class": shim.size_class, "search_text": shim.search_text}


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
            **_derived(values, result.products),
        })
    db.session.execute(insert(Firm.__table__), params)
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
        .options(selectinload(Firm.products)))}
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
        products = [{"name": p.name, "name_en": p.name_en} for p in firm.products]
        derived = _derived({k: getattr(firm, k) for k in (
            "name", "name_en", "tax_code", "employees", "revenue_bn_vnd", "capital_bn_vnd",
            "sectors")}, products + result.products)
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
    bad = {r.row: r for r in report.errors}
    rows = [(n, values) for n, values in table.rows if n in bad]
    headings = [*table.headings, ERROR_HEADING, "Dòng trong tệp gốc"]
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("Dong loi")
        ws.append(headings)
        for number, values in rows:
            ws.append([*values, "; ".join(bad[number].errors), number])
        wb.save(path)
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=table.delimiter)
        writer.writerow(headings)
        for number, values in rows:
            writer.writerow([*["" if v is None else v for v in values],
                             "; ".join(bad[number].errors), number])
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return len(rows)
