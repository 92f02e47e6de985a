"""Synthetic firm sets for benchmarks (`crm generate`): bulk Core inserts, up to 1,000,000
firms. Generated firms are recognised by their tax-code prefix, so a second run only adds
what is missing."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import func, insert, inspect, select

from crm import clock
from crm.demodata.builder import FirmMaker, Spec
from crm.demodata.demoset import reference_lookups
from crm.extensions import db
from crm.models import Certification, Contact, Firm, FirmMarket, HsCode, Product
from crm.models.base import refresh_statistics
from crm.search import search_text_for
from crm.validators import synthetic_tax_codes
from matching.text import fold

MAX_FIRMS = 1_000_000
# No province uses 99 as MST prefix, so these tax codes cannot be real firms'.
GENERATED_PREFIX = "99"
BATCH = 20_000

FIRM_COLUMNS = ("tax_code", "name", "name_en", "legal_form", "province_code", "commune_code",
                "address", "website", "founded_year", "employees", "revenue_bn_vnd",
                "capital_bn_vnd", "size_class", "sectors", "export_experience_years",
                "export_revenue_usd", "languages", "is_pioneer", "description",
                "verification_status")


def ensure_schema() -> None:
    """Bring the schema up to date (a database loaded by an earlier release too: Alembic does
    nothing when it is current) and load the reference data when the database is new.

    Once per app: the benches call it, then generate_firms calls it again, and reading the
    migration scripts alone takes a second or more."""
    if current_app.extensions.get("crm_schema_ensured"):
        return
    upgrade()
    tables = set(inspect(db.engine).get_table_names())
    if "hs_codes" not in tables or not db.session.scalar(
            select(func.count()).select_from(HsCode)):
        from crm.refdata import load_reference_data

        load_reference_data()
        db.session.commit()
    current_app.extensions["crm_schema_ensured"] = True


def generated_count() -> int:
    """How many generated (prefix-99) firms the database holds."""
    return db.session.scalar(
        select(func.count()).select_from(Firm)
        .where(Firm.tax_code.like(f"{GENERATED_PREFIX}%"))
    ) or 0


def generate_firms(n: int, seed: int = 0, today: date | None = None,
                   progress: Callable[[int], None] | None = None) -> int:
    """Add generated firms until the database holds `n` of them; return how many were added.

    Needs an app context. Commits after each batch of BATCH firms, so an interrupted run
    keeps what it wrote and the next run continues from there. Firm number i is always
    drawn from the same seed, so 50,000 then 100,000 gives the same set as 100,000 at once.
    """
    if not 0 <= n <= MAX_FIRMS:
        raise ValueError(f"n must be between 0 and {MAX_FIRMS}")
    ensure_schema()
    have = generated_count()
    if have >= n:
        return 0
    last = db.session.scalar(
        select(func.max(Firm.tax_code)).where(Firm.tax_code.like(f"{GENERATED_PREFIX}%"))
    )
    start = int(last[2:9]) + 1 if last else 1
    codes = synthetic_tax_codes(n - have, prefix=GENERATED_PREFIX, start=start)
    hs_codes, validity = reference_lookups()
    maker = FirmMaker(today or clock.today(), hs_codes, validity, detail=False)
    rng = random.Random()
    added = 0
    while have + added < n:
        size = min(BATCH, n - have - added)
        specs = []
        for i in range(have + added, have + added + size):
            rng.seed(seed * 10_000_019 + i)
            specs.append(maker.firm(rng, next(codes), anywhere=True))
        _insert_batch(specs)
        db.session.commit()
        added += size
        if progress:
            progress(have + added)
    refresh_statistics()
    return added


# Product names and name words repeat across thousands of firms: fold each once.
_fold_cached = lru_cache(maxsize=200_000)(fold)


def _joined_fold(parts: Sequence[str | None]) -> str:
    """The models' name_search: fold(" ".join(names)), part by part (folding works per
    character, so it is equal; tests compare it with the models' own)."""
    return " ".join(f for f in (_fold_cached(p) for p in parts if p) if f)


def _insert_batch(specs: list[Spec]) -> None:
    """Insert firms with RETURNING ids, then their children, all as executemany."""
    now = datetime.now(UTC)
    firm_rows = []
    for spec in specs:
        row = {k: spec[k] for k in FIRM_COLUMNS}
        row["name_search"] = _joined_fold((spec["name"], spec["name_en"]))
        # search_text_for reads only these attributes: a namespace spares an ORM object.
        row["search_text"] = search_text_for(SimpleNamespace(**{
            **spec, **{key: [SimpleNamespace(**c) for c in spec.get(key, ())]
                       for key in ("products", "certifications", "trademarks", "stores")}}))
        row.update(archived=False, version=1, created_at=now, updated_at=now)
        firm_rows.append(row)
    table = Firm.__table__
    ids = db.session.execute(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), firm_rows
    ).scalars().all()

    products: list[dict[str, Any]] = []
    certs: list[dict[str, Any]] = []
    markets: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    for firm_id, spec in zip(ids, specs, strict=True):
        for p in spec["products"]:
            products.append({
                **p, "firm_id": firm_id,
                "name_search": _joined_fold((p["name"], p["name_en"])),
            })
        for c in spec["certifications"]:
            certs.append({"firm_id": firm_id, "product_id": None, "scheme_code": c["scheme_code"],
                          "number": c["number"], "issuer": c["issuer"],
                          "issued_on": c["issued_on"], "expires_on": c["expires_on"]})
        for m in spec["markets"]:
            markets.append({**m, "firm_id": firm_id})
        for c in spec["contacts"]:
            contacts.append({**c, "firm_id": firm_id, "notes": None})
    for model, rows in ((Product, products), (Certification, certs), (FirmMarket, markets),
                        (Contact, contacts)):
        if rows:
            db.session.execute(insert(model.__table__), rows)
