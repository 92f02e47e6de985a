"""FirmMaker: one plausible firm as plain dicts (firm columns plus its products, certificates,
markets, contacts, stores and trademarks). The demo turns them into ORM objects, the
synthetic generator into bulk Core inserts."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from crm.demodata.vocab import (
    BRAND_WORDS,
    CERT_ISSUERS,
    GIVEN_FEMALE,
    GIVEN_MALE,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    MOBILE_PREFIXES,
    PLATFORM_MARKETS,
    POSITIONS,
    PROVINCES,
    SECTORS,
    SURNAMES,
    SectorProfile,
)
from crm.display import commune_names, province_names
from crm.firms.sizing import size_class
from matching.text import fold

Spec = dict[str, Any]

LEGAL_FORM_WEIGHTS = {"llc": 44, "jsc": 14, "private": 5, "partnership": 1, "cooperative": 12,
                      "household": 22, "other": 2}
# Chance a firm of this size exports today.
EXPORT_CHANCE = {"micro": 0.15, "small": 0.4, "medium": 0.7, "large": 0.9, None: 0.1}
FOOD_SECTORS = frozenset({"birds_nest", "seafood", "coffee", "pepper_spices", "cashew_nuts",
                          "fruit_vegetables", "rice_agri", "food_processing"})
# Secondary sectors that go together in real firms.
RELATED = {
    "birds_nest": "food_processing", "seafood": "food_processing", "coffee": "pepper_spices",
    "pepper_spices": "coffee", "cashew_nuts": "fruit_vegetables", "fruit_vegetables":
    "rice_agri", "rubber": "furniture_wood", "furniture_wood": "handicrafts",
    "food_processing": "seafood", "logistics": "tourism",
}
STREETS = ("Trần Phú", "Lê Lợi", "Nguyễn Huệ", "Hùng Vương", "Quang Trung", "Lê Thánh Tôn",
           "Thống Nhất", "2 Tháng 4", "Hai Bà Trưng", "Nguyễn Trãi", "Lý Thường Kiệt",
           "Trần Hưng Đạo", "Phạm Văn Đồng", "Võ Nguyên Giáp", "Điện Biên Phủ")
STORE_STATUSES = (("active", 60), ("onboarding", 15), ("planned", 15), ("suspended", 5),
                  ("closed", 5))
OCOP_STARS = ((3, 60), (4, 32), (5, 8))


@lru_cache(maxsize=1)
def communes_by_province() -> dict[int, list[tuple[int, str]]]:
    """Post-2025 communes/wards per province, as (code, name) sorted by code."""
    out: dict[int, list[tuple[int, str]]] = {}
    for code, (name, province) in sorted(commune_names().items()):
        out.setdefault(province, []).append((code, name))
    return out


def _pick(rng: random.Random, weighted: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _ascii(text: str) -> str:
    """'Phúc Lộc' -> 'Phuc Loc' (folding lower-cases, so re-capitalise words)."""
    return " ".join(w.capitalize() for w in fold(text).split())


def _slug(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum())


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


class FirmMaker:
    """Makes firm specs; `hs_codes` and `validity` come from the loaded reference tables."""

    def __init__(self, today: date, hs_codes: set[str], validity: dict[str, int | None],
                 detail: bool = True):
        self.today = today
        self.hs_codes = hs_codes
        self.validity = validity
        self.detail = detail  # contacts, stores, trademarks, addresses: the demo wants them
        self._provinces = [(code, p.weight) for code, p in PROVINCES.items()]
        self._all_provinces = sorted(province_names())

    # -- people -------------------------------------------------------------------------
    def person(self, rng: random.Random) -> str:
        """A Vietnamese full name with diacritics."""
        surname = _pick(rng, SURNAMES)
        if rng.random() < 0.5:
            return f"{surname} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
        return f"{surname} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"

    def phone(self, rng: random.Random) -> str:
        """A mobile number as people write it: 0905 123 456."""
        digits = f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**7):07d}"
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"

    # -- the firm -----------------------------------------------------------------------
    def firm(self, rng: random.Random, tax_code: str, province: int | None = None,
             sector: str | None = None, anywhere: bool = False) -> Spec:
        """One firm with its children; `anywhere` spreads firms over all 34 provinces."""
        if province is None:
            if anywhere and rng.random() < 0.3:
                province = rng.choice(self._all_provinces)
            else:
                province = _pick(rng, self._provinces)
        profile = PROVINCES.get(province) or PROVINCES[rng.choice((56, 52, 31))]
        if sector is None:
            sector = _pick(rng, list(profile.sectors.items()))
        sectors = [sector]
        if sector in RELATED and rng.random() < 0.12:
            sectors.append(RELATED[sector])
        prof = SECTORS[sector]
        legal_form = _pick(rng, list(LEGAL_FORM_WEIGHTS.items()))
        if sector in ("logistics", "tourism", "rubber") and legal_form in ("household",
                                                                          "cooperative"):
            legal_form = "llc"
        place = rng.choice(profile.places)
        brand = self._brand(rng, place)
        name = self._name(rng, legal_form, prof, brand, place)

        employees, revenue, capital = self._size(rng, legal_form)
        size = size_class(employees, revenue, capital, sectors)
        founded = rng.randint(2005, 2024) if legal_form == "household" else \
            rng.randint(1992, 2023)
        exporter = sector not in ("tourism",) and rng.random() < EXPORT_CHANCE[size]
        name_en = None
        if legal_form in ("llc", "jsc") and (exporter or rng.random() < 0.15) \
                and rng.random() < 0.5:
            suffix = "Co., Ltd" if legal_form == "llc" else "JSC"
            name_en = f"{_ascii(brand)} {prof.word_en} {suffix}"

        products = self._products(rng, sectors, legal_form, size)
        markets = self._markets(rng, prof, exporter)
        codes = {m["country_code"] for m in markets}
        languages = ["vi"]
        if exporter or name_en:
            languages.append("en")
        for lang, countries in (("zh", {"CN", "HK", "TW"}), ("ja", {"JP"}), ("ko", {"KR"})):
            if codes & countries and rng.random() < 0.35:
                languages.append(lang)
        spec: Spec = {
            "tax_code": tax_code,
            "name": name,
            "name_en": name_en,
            "legal_form": legal_form,
            "province_code": province,
            "commune_code": None,
            "address": None,
            "website": None,
            "founded_year": founded,
            "employees": employees,
            "revenue_bn_vnd": revenue,
            "capital_bn_vnd": capital,
            "size_class": size,
            "sectors": sectors,
            "export_experience_years": (min(rng.randint(1, 20), self.today.year - founded + 1)
                                        if exporter else 0),
            "export_revenue_usd": self._export_revenue(rng, size) if exporter else None,
            "languages": languages,
            "is_pioneer": exporter and size in ("medium", "large") and rng.random() < 0.1,
            "description": self._description(prof, products, place),
            "verification_status": _pick(rng, (("unverified", 50), ("self_declared", 30),
                                               ("verified", 20))),
            "products": products,
            "certifications": self._certs(rng, prof, legal_form, products),
            "markets": markets,
            "contacts": [],
            "stores": [],
            "trademarks": [],
        }
        communes = communes_by_province()[province]
        commune_code, commune = rng.choice(communes)
        spec["commune_code"] = commune_code
        if self.detail:
            street = (f"{rng.randint(1, 399)} {rng.choice(STREETS)}" if rng.random() < 0.6
                      else f"Thôn {rng.randint(1, 12)}")
            spec["address"] = f"{street}, {commune}, {province_names()[province]}"
            if legal_form in ("llc", "jsc") and rng.random() < 0.45:
                tld = rng.choice((".vn", ".com.vn", ".com"))
                spec["website"] = f"https://{_slug(brand)}{_slug(prof.word_en)}{tld}"
            spec["contacts"] = self._contacts(rng, legal_form, brand)
            spec["stores"] = self._stores(rng, sector, brand)
            spec["trademarks"] = self._trademarks(rng, legal_form, brand, prof)
        else:
            spec["contacts"] = [{"name": self.person(rng), "position": None,
                                 "phone": self.phone(rng), "email": None, "is_primary": True}]
        return spec

    def _brand(self, rng: random.Random, place: str) -> str:
        first, second = rng.sample(BRAND_WORDS, 2)
        roll = rng.random()
        if roll < 0.2:
            return f"{first} {second} {place}"
        if roll < 0.3:
            return place
        return f"{first} {second}"

    def _name(self, rng: random.Random, legal_form: str, prof: SectorProfile, brand: str,
              place: str) -> str:
        word = rng.choice(prof.words)
        if legal_form == "llc":
            head = rng.choice(("Công ty TNHH", "Công ty TNHH", "Công ty TNHH MTV",
                               "Công ty TNHH Sản xuất Thương mại"))
            return f"{head} {word} {brand}"
        if legal_form == "jsc":
            head = rng.choice(("Công ty CP", "Công ty Cổ phần", "Công ty Cổ phần Xuất nhập khẩu"))
            return f"{head} {word} {brand}"
        if legal_form == "private":
            return f"Doanh nghiệp tư nhân {word} {brand}"
        if legal_form == "partnership":
            return f"Công ty Hợp danh {word} {brand}"
        if legal_form == "cooperative":
            kind = "Nông nghiệp" if word in ("Nông sản", "Trái cây", "Rau quả", "Cà phê",
                                             "Hồ tiêu", "Tiêu", "Điều") else word
            return f"{rng.choice(('HTX', 'Hợp tác xã'))} {kind} {place}"
        if legal_form == "household":
            if rng.random() < 0.5:
                return f"Hộ kinh doanh {self.person(rng)}"
            return f"{rng.choice(('Hộ kinh doanh', 'Cơ sở'))} {word} {brand}"
        return f"Tổ hợp tác {word} {place}"

    def _size(self, rng: random.Random, legal_form: str) -> tuple[int | None, Decimal | None,
                                                                  Decimal | None]:
        if rng.random() < 0.04:
            return None, None, None  # size unknown: real lists have gaps
        if legal_form == "household":
            target = "micro"
        elif legal_form == "cooperative":
            target = _pick(rng, (("micro", 60), ("small", 40)))
        elif legal_form == "jsc":
            target = _pick(rng, (("small", 30), ("medium", 35), ("large", 35)))
        else:
            target = _pick(rng, (("micro", 28), ("small", 45), ("medium", 17), ("large", 10)))
        workers, revenue, capital = {
            "micro": ((1, 10), (0.2, 3.0), (0.1, 3.0)),
            "small": ((11, 100), (3.0, 50.0), (1.0, 20.0)),
            "medium": ((101, 200), (50.0, 200.0), (20.0, 100.0)),
            "large": ((201, 2500), (200.0, 3000.0), (100.0, 1500.0)),
        }[target]
        employees = rng.randint(*workers)
        return (employees, _money(rng.uniform(*revenue)),
                _money(rng.uniform(*capital)) if rng.random() < 0.85 else None)

    def _export_revenue(self, rng: random.Random, size: str | None) -> Decimal:
        low, high = {"micro": (2e4, 2e5), "small": (1e5, 2e6), "medium": (1e6, 1e7),
                     "large": (5e6, 8e7), None: (1e4, 1e5)}[size]
        return Decimal(round(rng.uniform(low, high), -3))

    def _products(self, rng: random.Random, sectors: list[str], legal_form: str,
                  size: str | None) -> list[Spec]:
        out: list[Spec] = []
        count = rng.randint(1, 2) if legal_form == "household" else rng.randint(1, 4)
        specs = list(SECTORS[sectors[0]].products)
        chosen = rng.sample(specs, min(count, len(specs)))
        if len(sectors) > 1:
            chosen.append(rng.choice(SECTORS[sectors[1]].products))
        small = size in ("micro", "small", None) or legal_form in ("household", "cooperative")
        food = bool(FOOD_SECTORS & set(sectors)) or "handicrafts" in sectors
        for p in chosen:
            hs = p.hs if p.hs in self.hs_codes else None
            if hs and rng.random() < 0.04:
                hs = None  # officers often record a product before anyone classifies it
            stars = _pick(rng, OCOP_STARS) if small and food and rng.random() < 0.22 else None
            scale = {"micro": 1, "small": 5, "medium": 20, "large": 80, None: 1}[size]
            if p.unit == "kg":
                # Counted in kg means scarce (bird's nest): even the largest house harvests a
                # few tonnes a year, not a hundred.
                scale = {"micro": 1, "small": 3, "medium": 6, "large": 12, None: 1}[size]
            capacity = None
            if rng.random() < 0.8:
                base = {"tonnes": 20, "kg": 150, "pieces": 5000, "m3": 300, "litres": 20000,
                        "containers": 50}[p.unit]
                capacity = Decimal(round(base * scale * rng.uniform(0.3, 3.0)))
            description = None
            if hs is None:
                description = "Chưa xác định mã HS; mô tả theo phiếu khảo sát doanh nghiệp."
            if stars:
                description = f"Sản phẩm OCOP {stars} sao cấp tỉnh."
            out.append({"name": p.name, "name_en": p.name_en, "hs_code": hs,
                        "description": description, "annual_capacity": capacity,
                        "capacity_unit": p.unit if capacity is not None else None,
                        "ocop_stars": stars})
        return out

    def _certs(self, rng: random.Random, prof: SectorProfile, legal_form: str,
               products: list[Spec]) -> list[Spec]:
        chance = 0.35 if legal_form in ("household", "cooperative") else 0.8
        if rng.random() > chance:
            return []
        schemes = [c for c in prof.certs if c in self.validity]
        out = []
        for code in rng.sample(schemes, min(len(schemes), rng.randint(1, 4))):
            out.append(self.cert(rng, code, _pick(rng, (("valid", 76), ("expiring", 11),
                                                        ("expired", 13))),
                                 product=rng.randrange(len(products))
                                 if products and rng.random() < 0.3 else None))
        return out

    def cert(self, rng: random.Random, code: str, state: str,
             product: int | None = None) -> Spec:
        """A certificate in state valid, expiring (within 90 days) or expired."""
        years = self.validity.get(code)
        if not years:  # listed while conditions hold (EU_APPROVED): no expiry
            issued = self.today - timedelta(days=rng.randint(200, 3000))
            expires = None
        else:
            if state == "expired":
                expires = self.today - timedelta(days=rng.randint(1, 500))
            elif state == "expiring":
                expires = self.today + timedelta(days=rng.randint(1, 90))
            else:
                expires = self.today + timedelta(days=rng.randint(91, max(120, years * 365)))
            issued = expires - timedelta(days=years * 365)
        if code == "GACC":
            number = f"CVNM{rng.randrange(10**10):010d}"
        elif code == "FDA":
            number = f"{rng.randrange(10**11):011d}"
        else:
            number = f"{code}-{issued.year}-{rng.randrange(10**5):05d}"
        issuer = rng.choice(CERT_ISSUERS.get(code, CERT_ISSUERS["_"]))
        return {"scheme_code": code, "number": number, "issuer": issuer, "issued_on": issued,
                "expires_on": expires, "product": product}

    def _markets(self, rng: random.Random, prof: SectorProfile, exporter: bool) -> list[Spec]:
        pool = list(prof.markets)
        weights = [len(pool) - i for i in range(len(pool))]  # earlier = more common
        picked: list[str] = []
        want = (rng.randint(1, 4) if exporter else 0) + rng.randint(0, 3)
        while len(picked) < min(want, len(pool)):
            code = rng.choices(pool, weights)[0]
            if code not in picked:
                picked.append(code)
        n_current = min(len(picked), rng.randint(1, 4)) if exporter else 0
        out = [{"country_code": c, "kind": "current", "priority": None}
               for c in picked[:n_current]]
        out += [{"country_code": c, "kind": "target", "priority": i}
                for i, c in enumerate(picked[n_current:], start=1)]
        return out

    def _description(self, prof: SectorProfile, products: list[Spec], place: str) -> str:
        names = ", ".join(p["name"].lower() for p in products)
        return f"Sản xuất, kinh doanh {names}. Vùng nguyên liệu {place}."

    def _contacts(self, rng: random.Random, legal_form: str, brand: str) -> list[Spec]:
        if legal_form == "household":
            positions = ["Chủ hộ"]
        elif legal_form == "cooperative":
            positions = ["Chủ nhiệm HTX"] + (["Kế toán"] if rng.random() < 0.5 else [])
        else:
            positions = ["Giám đốc", *rng.sample(POSITIONS[1:], rng.randint(0, 2))]
        out = []
        domain = f"{_slug(brand)}.vn"
        for i, position in enumerate(positions):
            person = self.person(rng)
            email = None
            if legal_form not in ("household",) and rng.random() < 0.7:
                given = fold(person.split()[-1])
                email = f"{given}{rng.randint(1, 99)}@{domain}" if i else f"info@{domain}"
            out.append({"name": person, "position": position, "phone": self.phone(rng),
                        "email": email, "is_primary": i == 0})
        return out

    def _stores(self, rng: random.Random, sector: str, brand: str) -> list[Spec]:
        chance = 0.35 if sector in FOOD_SECTORS or sector == "handicrafts" else 0.1
        if rng.random() > chance:
            return []
        slug = _slug(brand)
        out = []
        for platform in rng.sample(list(PLATFORM_MARKETS), rng.randint(1, 3)):
            market = rng.choice(PLATFORM_MARKETS[platform])
            url = {
                "shopee": f"https://shopee.vn/{slug}", "lazada": f"https://www.lazada.vn/shop/{slug}",
                "tiktok_shop": f"https://www.tiktok.com/@{slug}",
                "amazon": f"https://www.amazon.com/s?me=A{rng.randrange(10**12)}",
                "alibaba": f"https://{slug}.en.alibaba.com",
            }[platform]
            out.append({"platform": platform, "market": market, "url": url,
                        "status": _pick(rng, STORE_STATUSES)})
        return out

    def _trademarks(self, rng: random.Random, legal_form: str, brand: str,
                    prof: SectorProfile) -> list[Spec]:
        if legal_form not in ("llc", "jsc") or rng.random() > 0.15:
            return []
        mark = f"{brand.upper()} {prof.words[0].upper()}" if rng.random() < 0.5 else brand
        countries = ["VN"] + (rng.sample(["CN", "US", "JP", "KR", "AE"], 1)
                              if rng.random() < 0.3 else [])
        out = []
        for country in countries:
            day = self.today - timedelta(days=rng.randint(200, 4000))
            number = (f"4-0{rng.randrange(10**6):06d}-000" if country == "VN"
                      else f"{country}{rng.randrange(10**8):08d}")
            out.append({"country_code": country, "mark": mark, "registration_number": number,
                        "registered_on": day.isoformat()})
        return out
