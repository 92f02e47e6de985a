"""The demo data set: ~1,500 realistic firms, mostly in Khánh Hòa, Gia Lai and Hải Phòng,
plus one login per role. Built through the ORM so every model rule applies."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from stdnum.vn import mst

from crm import clock
from crm.demodata.activity import build_activity
from crm.demodata.builder import FirmMaker, Spec
from crm.demodata.vocab import PROVINCES
from crm.extensions import db
from crm.firms.sizing import size_class
from crm.models import (
    Certification,
    CertificationScheme,
    Contact,
    EcommerceStore,
    Firm,
    FirmMarket,
    HsCode,
    Interaction,
    Product,
    Task,
    Trademark,
    User,
)
from crm.search import search_text_for
from crm.validators import synthetic_tax_codes
from matching.text import fold

DEMO_PASSWORD = "demo-2026"  # nosec B105  # the documented logins of the demo database only
DEMO_USERS = (
    ("admin@demo.vn", "Quản trị viên Demo", "admin"),
    ("manager@demo.vn", "Lãnh đạo Trung tâm Demo", "manager"),
    ("officer@demo.vn", "Cán bộ Xúc tiến Demo", "officer"),
    ("viewer@demo.vn", "Người xem Demo", "viewer"),
    ("enterprise@demo.vn", "Doanh nghiệp Demo", "enterprise"),
)
SHOWCASE_NAME = "Công ty TNHH Yến Sào Thiên Ân Nha Trang"
SHOWCASE_COMMUNE = 22366  # Phường Nha Trang, Khánh Hòa
DEFAULT_FIRMS = 1500
# Spec keys holding children inserted in bulk after the firms (products go with the firm).
CHILDREN: dict[str, type] = {
    "certifications": Certification, "markets": FirmMarket, "contacts": Contact,
    "stores": EcommerceStore, "trademarks": Trademark,
}


def reference_lookups() -> tuple[set[str], dict[str, int | None]]:
    """HS codes and certificate validity (years) from the loaded reference tables."""
    hs_codes = set(db.session.scalars(select(HsCode.code)))
    validity = {
        code: years
        for code, years in db.session.execute(
            select(CertificationScheme.code, CertificationScheme.typical_validity_years)
        )
        if years != 0  # 0 = a per-shipment document, not a certificate a firm holds
    }
    return hs_codes, validity


def demo_exists() -> bool:
    """True when the demo logins are already in the database."""
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.email == DEMO_USERS[0][0])
    ) > 0


def build_demo(n_firms: int = DEFAULT_FIRMS, seed: int = 2026,
               today: date | None = None, activity: bool = True,
               planted: list[PlantedPair] | None = None) -> dict[str, int]:
    """Add the demo firms (n_firms plus a few near-duplicates), demo users and, with
    `activity`, a year of work on them (see crm.demodata.activity); flush only.

    Needs the schema and reference data. Returns counts of what was added; `planted`, when
    given, receives the duplicate and branch pairs planted on purpose.
    """
    today = today or clock.today()
    rng = random.Random(seed)
    hs_codes, validity = reference_lookups()
    maker = FirmMaker(today, hs_codes, validity)
    codes = {code: synthetic_tax_codes(10**6, prefix=p.tax_prefix)
             for code, p in PROVINCES.items()}

    specs: list[Spec] = [_showcase(maker, rng, next(codes[56]))]
    while len(specs) < n_firms:
        spec = maker.firm(rng, tax_code="")
        spec["tax_code"] = next(codes[spec["province_code"]])
        specs.append(spec)
    _unique_names(specs)
    specs += list(_near_duplicates(rng, specs, codes, planted))

    firms = [_to_orm(spec) for spec in specs]
    db.session.add_all(firms)
    db.session.flush()
    _insert_children(firms, specs)
    showcase = firms[0]
    users = {}
    for email, name, role in DEMO_USERS:
        user = User(email=email, name=name, role=role,
                    firm_id=showcase.id if role == "enterprise" else None)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        users[role] = user
    db.session.flush()
    counts = {
        "firms": len(firms),
        "products": sum(len(s["products"]) for s in specs),
        "certifications": sum(len(s["certifications"]) for s in specs),
        "markets": sum(len(s["markets"]) for s in specs),
        "users": len(DEMO_USERS),
    }
    if activity:
        counts |= build_activity(rng, today, firms, users, showcase, next(codes[56]))
        from crm.notices.demo import add_demo_notices

        counts["notices"] = add_demo_notices(by=users.get("officer"))
        counts["portfolio"] = _assign_portfolio(users["officer"], showcase)
    return counts


def _assign_portfolio(officer: User, showcase: Firm) -> int:
    """The demo officer follows the showcase firm and every firm they supported or have a
    task on, so the home page opens on their work; returns how many firms they follow."""
    touched = or_(
        Firm.id.in_(select(Interaction.firm_id).where(Interaction.officer_id == officer.id)),
        Firm.id.in_(select(Task.firm_id).where(Task.assignee_id == officer.id,
                                               Task.firm_id.is_not(None))),
        Firm.id == showcase.id)
    result = db.session.execute(update(Firm).where(touched).values(officer_id=officer.id))
    return result.rowcount or 0


def _showcase(maker: FirmMaker, rng: random.Random, tax_code: str) -> Spec:
    """The enterprise login's firm: a Khánh Hòa bird's nest exporter with a bit of everything."""
    spec = maker.firm(rng, tax_code, province=56, sector="birds_nest")
    spec.update(
        name=SHOWCASE_NAME, name_en="Thien An Nha Trang Bird's Nest Co., Ltd", legal_form="llc",
        commune_code=SHOWCASE_COMMUNE,
        address="25 Trần Phú, Phường Nha Trang, Khánh Hòa",
        website="https://yensaothienan.vn", founded_year=2009, employees=48,
        export_experience_years=7, is_pioneer=True, languages=["vi", "en", "zh"],
        sectors=["birds_nest"], verification_status="verified",
        description="Khai thác, sơ chế và chế biến yến sào đảo Hòn Nội; xuất khẩu chính ngạch "
                    "sang Trung Quốc từ 2023.",
    )
    spec["revenue_bn_vnd"], spec["capital_bn_vnd"] = Decimal("38.5"), Decimal("12")
    spec["export_revenue_usd"] = Decimal("850000")
    spec["size_class"] = size_class(48, spec["revenue_bn_vnd"], spec["capital_bn_vnd"],
                                    ["birds_nest"])
    spec["products"] = [
        {"name": "Tổ yến tinh chế", "name_en": "Cleaned edible bird's nest", "hs_code": "041090",
         "description": "Sản phẩm OCOP 4 sao cấp tỉnh.", "annual_capacity": Decimal(1200),
         "capacity_unit": "kg", "ocop_stars": 4},
        {"name": "Tổ yến thô", "name_en": "Raw edible bird's nest", "hs_code": "041090",
         "description": None, "annual_capacity": Decimal(2500), "capacity_unit": "kg",
         "ocop_stars": None},
        {"name": "Yến chưng đường phèn", "name_en": None, "hs_code": None,
         "description": "Chưa xác định mã HS.", "annual_capacity": Decimal(60000),
         "capacity_unit": "pieces", "ocop_stars": 3},
    ]
    spec["certifications"] = [
        maker.cert(rng, "HACCP", "valid"), maker.cert(rng, "GACC", "valid", product=0),
        maker.cert(rng, "HALAL", "expiring"), maker.cert(rng, "ISO22000", "expired"),
    ]
    spec["markets"] = [
        {"country_code": "CN", "kind": "current", "priority": None},
        {"country_code": "HK", "kind": "current", "priority": None},
        {"country_code": "AE", "kind": "target", "priority": 1},
        {"country_code": "US", "kind": "target", "priority": 2},
        {"country_code": "SA", "kind": "target", "priority": 3},
    ]
    spec["stores"] = [
        {"platform": "shopee", "market": "VN", "url": "https://shopee.vn/yensaothienan",
         "status": "active"},
        {"platform": "tiktok_shop", "market": "VN", "url": "https://www.tiktok.com/@yensaothienan",
         "status": "onboarding"},
    ]
    spec["trademarks"] = [{"country_code": "VN", "mark": "THIÊN ÂN YẾN SÀO",
                           "registration_number": "4-0412345-000", "registered_on": "2019-06-12"}]
    return spec


def _unique_names(specs: list[Spec]) -> None:
    """Give accidental namesakes a place or number: near-duplicates are added on purpose."""
    seen: dict[str, int] = {}
    for spec in specs:
        key = fold(spec["name"])
        if key in seen:
            seen[key] += 1
            spec["name"] = f"{spec['name']} {seen[key]}"
        else:
            seen[key] = 1


@dataclass(frozen=True)
class PlantedPair:
    """Two demo firms made related on purpose: 'duplicate' (one firm typed twice) or
    'branch' (a -001 branch of the original)."""

    kind: str
    original_tax_code: str
    copy_tax_code: str


def mistyped_tax_code(code: str, swap: bool) -> str:
    """`code` as a hurried hand types it, two neighbouring digits swapped or one digit wrong,
    so that its check digit no longer agrees (how one firm gets past the unique tax code)."""
    for pos in range(8, 2, -1):  # from the serial's end; never the province prefix
        digits = list(code)
        if swap:
            digits[pos - 1], digits[pos] = digits[pos], digits[pos - 1]
        else:
            digits[pos] = str((int(digits[pos]) + 1) % 10)
        typo = "".join(digits)
        if typo != code and not mst.is_valid(typo):
            return typo
    raise ValueError(f"no invalid typo of {code}")  # pragma: no cover: every code has one


def _near_duplicates(rng: random.Random, specs: list[Spec], codes: dict[int, Iterator[str]],
                     planted: list[PlantedPair] | None = None) -> Iterator[Spec]:
    """The same firm typed twice, as real lists have: another legal-form spelling or no
    diacritics, under a mistyped tax code; or a branch with a -001 tax code."""
    candidates = [s for s in specs[1:] if s["legal_form"] in ("llc", "jsc")]
    for i, original in enumerate(rng.sample(candidates, 15)):
        dup = {**original, "products": [dict(p) for p in original["products"]],
               "certifications": [], "markets": [dict(m) for m in original["markets"]],
               "contacts": [dict(c) for c in original["contacts"][:1]], "stores": [],
               "trademarks": [], "name_en": None, "verification_status": "unverified"}
        name = original["name"]
        kind = i % 3
        if kind == 0:
            for a, b in (("Công ty TNHH MTV", "Cty TNHH MTV"), ("Công ty TNHH", "CÔNG TY TNHH"),
                         ("Công ty CP", "Công ty Cổ phần"), ("Công ty Cổ phần", "CTCP")):
                if name.startswith(a):
                    name = b + name[len(a):]
                    break
        elif kind == 1:
            name = fold(name).upper()
        if kind in (0, 1):
            # Another valid tax code would make it another legal entity, not a duplicate;
            # the code it once took is still drawn, so every later firm keeps its own.
            next(codes[original["province_code"]])
            dup["tax_code"] = mistyped_tax_code(original["tax_code"], swap=kind == 1)
        else:
            dup["tax_code"] = f"{original['tax_code']}-001"
            dup["description"] = f"Chi nhánh của {name}."
        dup["name"] = name
        if planted is not None:
            planted.append(PlantedPair("duplicate" if kind in (0, 1) else "branch",
                                       original["tax_code"], dup["tax_code"]))
        yield dup


def _to_orm(spec: Spec) -> Firm:
    """A Firm with its products from a spec; search_text and name_search set."""
    firm = Firm(**{k: v for k, v in spec.items() if k not in CHILDREN and k != "products"})
    firm.products = [Product(**p) for p in spec["products"]]
    # The children inserted in bulk later are searched too (certificates, brands, stores).
    firm.search_text = search_text_for(SimpleNamespace(**{
        **spec, **{key: [SimpleNamespace(**c) for c in spec[key]]
                   for key in ("products", "certifications", "trademarks", "stores")}}))
    return firm


def _insert_children(firms: list[Firm], specs: list[Spec]) -> None:
    """Certificates, markets, contacts, stores and trademarks as bulk inserts: they hold no
    search keys, and the unit of work would double the build time."""
    rows: dict[type, list[dict[str, Any]]] = {model: [] for model in CHILDREN.values()}
    for firm, spec in zip(firms, specs, strict=True):
        for key, model in CHILDREN.items():
            for child in spec[key]:
                row = {**child, "firm_id": firm.id}
                if model is Certification:
                    index = row.pop("product")
                    row["product_id"] = firm.products[index].id if index is not None else None
                rows[model].append(row)
    for model, model_rows in rows.items():
        if model_rows:
            db.session.execute(insert(model), model_rows)
