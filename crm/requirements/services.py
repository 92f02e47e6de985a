"""Writes of market requirements: check, add or change, keep the history; never commit.

A rule is never deleted: it is ended (valid_until). Every change writes one
MarketRequirementChange (who, when, why, old -> new) and one audit event.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import exists, select

from crm import audit
from crm.errors import UserError
from crm.extensions import db
from crm.models import (
    CertificationScheme,
    Country,
    HsCode,
    MarketGroupMember,
    MarketRequirement,
    MarketRequirementChange,
    User,
)

MANDATORY = ("yes", "per_shipment", "no")
FIELDS = ("market", "hs_prefix", "requirement", "mandatory", "applies_to", "source_note",
          "valid_from", "valid_until")
_HS_PREFIX = re.compile(r"^[0-9]{2}([0-9]{2}){0,2}$")
TARGET = "market_requirement"  # audit target type


class RequirementError(UserError):
    """Bad input for a rule: one message per field (`errors`), the first as the message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    """The rule's fields from form data: codes upper-case, texts stripped, blanks None."""
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            value = value.strip() or None
        if value is not None and name in ("market", "requirement"):
            value = value.upper()
        out[name] = value
    return out


def _is_market(code: str) -> bool:
    return bool(db.session.scalar(select(
        exists().where(Country.code == code) | exists().where(MarketGroupMember.group == code))))


def _errors(v: dict[str, Any], row: MarketRequirement | None) -> dict[str, str]:
    """Every broken rule, by field (empty: the values can be saved)."""
    errors: dict[str, str] = {}
    if not v["market"]:
        errors["market"] = _("Hãy nhập thị trường.")
    elif not _is_market(v["market"]):
        errors["market"] = _("Không có thị trường %(code)s: nhập mã nước ISO (vd. US) hoặc "
                             "nhóm thị trường (vd. EU27).", code=v["market"])
    hs = v["hs_prefix"] or ""
    if not _HS_PREFIX.match(hs):
        errors["hs_prefix"] = _("Mã HS phải có 2, 4 hoặc 6 chữ số.")
    elif db.session.get(HsCode, hs) is None:
        errors["hs_prefix"] = _("Mã HS %(code)s không có trong danh mục HS.", code=hs)
    if not v["requirement"]:
        errors["requirement"] = _("Hãy nhập mã chứng nhận.")
    elif db.session.get(CertificationScheme, v["requirement"]) is None:
        errors["requirement"] = _("Không có chứng nhận mã %(code)s.", code=v["requirement"])
    if v["mandatory"] not in MANDATORY:
        errors["mandatory"] = _("Hãy chọn mức bắt buộc.")
    start, end = v["valid_from"], v["valid_until"]
    if start and end and end < start:
        errors["valid_until"] = _("Ngày hết hiệu lực phải từ ngày bắt đầu hiệu lực trở đi.")
    if not errors:
        clash = _overlapping(v, row)
        if clash is not None:
            errors["valid_from"] = _(
                "Quy định #%(id)d cùng thị trường, mã HS và chứng nhận đã có hiệu lực trong "
                "khoảng này: hãy sửa hoặc kết thúc nó.", id=clash.id)
    return errors


def _overlapping(v: dict[str, Any], row: MarketRequirement | None) -> MarketRequirement | None:
    """Another rule for the same market, HS prefix and certification whose dates overlap."""
    stmt = select(MarketRequirement).where(
        MarketRequirement.market == v["market"], MarketRequirement.hs_prefix == v["hs_prefix"],
        MarketRequirement.requirement == v["requirement"])
    if row is not None and row.id is not None:
        stmt = stmt.where(MarketRequirement.id != row.id)
    start, end = v["valid_from"] or date.min, v["valid_until"] or date.max
    for other in db.session.scalars(stmt.order_by(MarketRequirement.id)):
        if (other.valid_from or date.min) <= end and start <= (other.valid_until or date.max):
            return other
    return None


def _why(why: str | None) -> str:
    text = (why or "").strip()
    if not text:
        raise RequirementError({"why": _("Hãy ghi lý do thay đổi.")})
    return text


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _log(row: MarketRequirement, action: str, why: str, old: dict | None, new: dict | None,
         by: User | None) -> None:
    db.session.add(MarketRequirementChange(
        requirement_id=row.id, action=action, reason=why,
        user_id=by.id if by is not None else None,
        old_values={k: _json(v) for k, v in old.items()} if old is not None else None,
        new_values={k: _json(v) for k, v in new.items()} if new is not None else None,
    ))
    audit.record({"create": "create", "update": "update", "end": "requirement_end"}[action],
                 TARGET, row.id,
                 {"market": row.market, "hs_prefix": row.hs_prefix,
                  "requirement": row.requirement, "fields": sorted((new or {}).keys()),
                  "why": why},
                 user=by)


def create_requirement(values: dict[str, Any], why: str | None,
                       by: User | None = None) -> MarketRequirement:
    """Add a rule; RequirementError (per field) on bad input, nothing added."""
    v = _clean(values)
    errors = _errors(v, None)
    if not (why or "").strip():
        errors["why"] = _("Hãy ghi lý do thay đổi.")
    if errors:
        raise RequirementError(errors)
    row = MarketRequirement(**v)
    db.session.add(row)
    db.session.flush()
    _log(row, "create", _why(why), None, v, by)
    db.session.flush()
    return row


def update_requirement(row: MarketRequirement, values: dict[str, Any], why: str | None,
                       by: User | None = None) -> list[str]:
    """Change a rule's fields; returns the names changed (none: nothing written)."""
    v = _clean(values)
    errors = _errors(v, row)
    if not (why or "").strip():
        errors["why"] = _("Hãy ghi lý do thay đổi.")
    if errors:
        raise RequirementError(errors)
    changed = [name for name in FIELDS if getattr(row, name) != v[name]]
    if not changed:
        return []
    old = {name: getattr(row, name) for name in changed}
    for name in changed:
        setattr(row, name, v[name])
    db.session.flush()
    _log(row, "update", _why(why), old, {name: v[name] for name in changed}, by)
    db.session.flush()
    return changed


def end_requirement(row: MarketRequirement, valid_until: date | None, why: str | None,
                    by: User | None = None) -> None:
    """End a rule: its last day in force becomes `valid_until` (the rule stays, for history)."""
    errors: dict[str, str] = {}
    if valid_until is None:
        errors["valid_until"] = _("Hãy chọn ngày cuối cùng quy định còn hiệu lực.")
    elif row.valid_from and valid_until < row.valid_from:
        errors["valid_until"] = _("Ngày hết hiệu lực phải từ ngày bắt đầu hiệu lực trở đi.")
    elif row.valid_until is not None and valid_until > row.valid_until:
        errors["valid_until"] = _("Quy định đã kết thúc sớm hơn: hãy dùng trang sửa để kéo dài.")
    if not (why or "").strip():
        errors["why"] = _("Hãy ghi lý do thay đổi.")
    if errors:
        raise RequirementError(errors)
    old = {"valid_until": row.valid_until}
    row.valid_until = valid_until
    db.session.flush()
    _log(row, "end", _why(why), old, {"valid_until": valid_until}, by)
    db.session.flush()
