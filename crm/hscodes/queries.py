"""Reads for HS suggestions: coded products (the model's evidence) and products without a code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import contains_eager

from crm.extensions import db
from crm.hscodes.model import CodedProduct, HsLine
from crm.models import Firm, HsCode, Product


def hs_lines() -> list[HsLine]:
    """Every line of the HS nomenclature (reference table hs_codes)."""
    rows = db.session.execute(select(HsCode.code, HsCode.parent, HsCode.description_en,
                                     HsCode.description_vi))
    return [HsLine(code, parent, en, vi) for code, parent, en, vi in rows]


def coded_products() -> list[CodedProduct]:
    """Products with an HS code, of firms not archived (the registry's own classifications)."""
    rows = db.session.execute(
        select(Product.name, Product.name_en, Product.hs_code)
        .join(Firm, Firm.id == Product.firm_id)
        .where(Product.hs_code.is_not(None), Firm.archived == false()))
    return [CodedProduct(name, name_en, code) for name, name_en, code in rows]


def coded_count() -> int:
    """How many products coded_products() reads (tells when the model is out of date)."""
    return db.session.scalar(
        select(func.count()).select_from(Product).join(Firm, Firm.id == Product.firm_id)
        .where(Product.hs_code.is_not(None), Firm.archived == false())) or 0


def products_without_hs() -> Select[Any]:
    """Products without an HS code, of firms not archived, with their firm; by firm, product."""
    return (select(Product).join(Product.firm).options(contains_eager(Product.firm))
            .where(Product.hs_code.is_(None), Firm.archived == false())
            .order_by(Firm.name_search, Firm.id, Product.id))
