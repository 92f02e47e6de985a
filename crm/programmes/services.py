"""Writes for programmes: targets (the values themselves are always computed)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from crm.errors import UserError
from crm.extensions import db
from crm.kpi import KPIS
from crm.models import Programme, ProgrammeTarget


def set_target(programme: Programme, data: dict[str, Any]) -> ProgrammeTarget:
    """Create or update the target of a KPI for the period (year None) or one year."""
    code = data.get("kpi_code")
    if code not in KPIS:
        raise UserError(_("Chỉ tiêu không có trong danh mục."), field="kpi_code")
    year = data.get("year") or None
    if year is not None and not programme.start_year <= int(year) <= programme.end_year:
        raise UserError(
            _("Năm phải trong giai đoạn %(a)d-%(b)d.", a=programme.start_year,
              b=programme.end_year),
            field="year",
        )
    value = data.get("target_value")
    if value is None or Decimal(str(value)) < 0:
        raise UserError(_("Không được âm."), field="target_value")
    note = (data.get("note") or "").strip()
    if len(note) > 2000:
        raise UserError(_("Tối đa %(n)d ký tự.", n=2000), field="note")
    target = db.session.scalar(select(ProgrammeTarget).where(
        ProgrammeTarget.programme_id == programme.id, ProgrammeTarget.kpi_code == code,
        ProgrammeTarget.year.is_(None) if year is None else ProgrammeTarget.year == int(year),
    ))
    if target is None:
        target = ProgrammeTarget(programme=programme, kpi_code=code, year=year)
        db.session.add(target)
    target.target_value = Decimal(str(value))
    target.note = note or None
    db.session.flush()
    return target


def delete_target(target: ProgrammeTarget) -> None:
    """Remove a target (its KPI stays in the catalogue)."""
    db.session.delete(target)
    db.session.flush()
