"""Reference data shipped in matching/data: HS titles, certifications, market groups, requirements.

Loaded once per process and cached; read only from the package's own copy of the files.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Groups used for "same market group" in market fit. Trade agreements (CPTPP, RCEP) span
# continents, so sharing one says little about the market; only regional blocs count.
REGIONAL_GROUPS = ("EU27", "GCC", "ASEAN", "EAEU", "MERCOSUR")

# Main business languages of common destination markets (ISO 639-1), for readiness.
MARKET_LANGUAGES: dict[str, tuple[str, ...]] = {
    "CN": ("zh",),
    "TW": ("zh",),
    "HK": ("zh", "en"),
    "SG": ("en", "zh"),
    "JP": ("ja",),
    "KR": ("ko",),
    "US": ("en",),
    "GB": ("en",),
    "AU": ("en",),
    "NZ": ("en",),
    "CA": ("en", "fr"),
    "IE": ("en",),
    "IN": ("en",),
    "DE": ("de",),
    "AT": ("de",),
    "FR": ("fr",),
    "BE": ("fr", "nl"),
    "NL": ("nl", "en"),
    "IT": ("it",),
    "ES": ("es",),
    "PT": ("pt",),
    "BR": ("pt",),
    "MX": ("es",),
    "AR": ("es",),
    "CL": ("es",),
    "PE": ("es",),
    "RU": ("ru",),
    "KZ": ("ru",),
    "AE": ("ar", "en"),
    "SA": ("ar",),
    "QA": ("ar", "en"),
    "KW": ("ar",),
    "OM": ("ar",),
    "BH": ("ar",),
    "EG": ("ar",),
    "TH": ("th",),
    "MY": ("ms", "en"),
    "ID": ("id",),
    "PH": ("en",),
    "KH": ("km",),
    "LA": ("lo",),
    "PL": ("pl",),
    "CZ": ("cs",),
    "SE": ("sv",),
}


@dataclass(frozen=True, slots=True)
class Certification:
    """A certification or market-access registration from certifications.csv."""

    code: str
    name_en: str
    name_vi: str
    scope: str
    validity_years: float | None


@dataclass(frozen=True, slots=True)
class Requirement:
    """One row of market_requirements.csv."""

    market: str
    hs_prefix: str
    requirement: str
    mandatory: str  # "yes" | "per_shipment" | "no"
    applies_to: str


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("matching").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def hs_titles() -> dict[str, tuple[str, str]]:
    """HS code -> (English title, Vietnamese title or "")."""
    return {r["code"]: (r["description_en"], r["description_vi"]) for r in _rows("hs_codes.csv")}


# Short English titles where the HS text is too long or generic for an officer.
_SHORT_HS_EN = {
    "0410": "edible animal products, incl. bird's nest",
    "03": "fish and seafood",
    "0306": "crustaceans (shrimp, crab)",
    "0307": "molluscs (squid, clams)",
    "08": "fruit and nuts",
    "0801": "coconuts, cashew nuts",
    "0810": "other fresh fruit (dragon fruit, durian)",
    "09": "coffee, tea and spices",
    "0901": "coffee",
    "0904": "pepper",
    "16": "prepared meat and fish",
    "1604": "prepared or preserved fish",
    "1605": "prepared crustaceans and molluscs",
    "44": "wood and articles of wood",
    "94": "furniture",
    "9403": "furniture",
    "61": "knitted apparel",
    "62": "woven apparel",
}

LANGUAGE_NAMES = {
    "en": ("English", "tiếng Anh"),
    "zh": ("Chinese", "tiếng Trung"),
    "ja": ("Japanese", "tiếng Nhật"),
    "ko": ("Korean", "tiếng Hàn"),
    "ar": ("Arabic", "tiếng Ả Rập"),
    "de": ("German", "tiếng Đức"),
    "fr": ("French", "tiếng Pháp"),
    "ru": ("Russian", "tiếng Nga"),
    "es": ("Spanish", "tiếng Tây Ban Nha"),
    "th": ("Thai", "tiếng Thái"),
    "vi": ("Vietnamese", "tiếng Việt"),
}


def language_name(code: str, lang: str = "en") -> str:
    """Name of a language code in English or Vietnamese (falls back to the code)."""
    names = LANGUAGE_NAMES.get(code)
    return names[1 if lang == "vi" else 0] if names else code


def hs_title(code: str, lang: str = "en") -> str:
    """Short title for an HS code or its nearest known ancestor."""
    titles = hs_titles()
    for n in (len(code), 4, 2):
        key = code[:n]
        if lang == "en" and key in _SHORT_HS_EN:
            return _SHORT_HS_EN[key]
        if key in titles:
            en, vi = titles[key]
            if lang == "vi" and vi:
                return vi if len(vi) <= 90 else vi.split(",")[0]
            return en.split(";")[0] if len(en) > 60 else en
    return ""


@cache
def certifications() -> dict[str, Certification]:
    """Certification code -> Certification."""
    out = {}
    for r in _rows("certifications.csv"):
        years = r["typical_validity_years"].strip()
        out[r["code"]] = Certification(
            r["code"], r["name_en"], r["name_vi"], r["scope"], float(years) if years else None
        )
    return out


def cert_name(code: str, lang: str = "en") -> str:
    """Short human name of a certification code (falls back to the code)."""
    cert = certifications().get(code)
    if cert is None:
        return code
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code][1 if lang == "vi" else 0]
    return cert.name_vi if lang == "vi" else cert.name_en


def short_cert_name(code: str, lang: str = "en") -> str | None:
    """The short name officers use for a well-known scheme ("Halal", "hữu cơ EU"), or None."""
    names = _SHORT_NAMES.get(code)
    return names[1 if lang == "vi" else 0] if names else None


_SHORT_NAMES = {
    "HALAL": ("Halal", "Halal"),
    "HACCP": ("HACCP", "HACCP"),
    "ISO22000": ("ISO 22000", "ISO 22000"),
    "FSSC22000": ("FSSC 22000", "FSSC 22000"),
    "BRCGS": ("BRCGS", "BRCGS"),
    "IFS": ("IFS Food", "IFS Food"),
    "ISO9001": ("ISO 9001", "ISO 9001"),
    "ISO14001": ("ISO 14001", "ISO 14001"),
    "GLOBALGAP": ("GlobalG.A.P.", "GlobalG.A.P."),
    "VIETGAP": ("VietGAP", "VietGAP"),
    "ASC": ("ASC", "ASC"),
    "BAP": ("BAP", "BAP"),
    "MSC": ("MSC", "MSC"),
    "KOSHER": ("Kosher", "Kosher"),
    "ORGANIC_EU": ("EU organic", "hữu cơ EU"),
    "USDA_ORGANIC": ("USDA Organic", "hữu cơ USDA"),
    "JAS_ORGANIC": ("Organic JAS", "hữu cơ JAS"),
    "FAIRTRADE": ("Fairtrade", "Fairtrade"),
    "RAINFOREST": ("Rainforest Alliance", "Rainforest Alliance"),
    "FSC": ("FSC", "FSC"),
    "PEFC": ("PEFC", "PEFC"),
    "FDA": ("US FDA facility registration", "đăng ký cơ sở với FDA Hoa Kỳ"),
    "GACC": ("China GACC registration", "mã số đăng ký GACC Trung Quốc"),
    "EU_APPROVED": ("EU approved-establishment listing", "danh sách cơ sở được EU phê duyệt"),
    "IUU_CATCH": ("EU catch certificate (IUU)", "giấy chứng nhận khai thác (IUU)"),
    "EUDR": ("EUDR due-diligence statement", "tuyên bố thẩm định EUDR"),
    "KR_MFDS": ("Korea MFDS facility registration", "đăng ký cơ sở với MFDS Hàn Quốc"),
}


@cache
def market_groups() -> dict[str, frozenset[str]]:
    """Group name (EU27, GCC, ...) -> member country codes."""
    groups: dict[str, set[str]] = {}
    for r in _rows("markets.csv"):
        groups.setdefault(r["group"], set()).add(r["country"])
    return {g: frozenset(c) for g, c in groups.items()}


@cache
def regional_groups_of(country: str) -> frozenset[str]:
    """Regional groups (see REGIONAL_GROUPS) a country belongs to."""
    groups = market_groups()
    return frozenset(g for g in REGIONAL_GROUPS if country in groups.get(g, ()))


def expand_markets(codes: list[str]) -> list[str]:
    """Country codes, with any group name (e.g. "EU27") replaced by its members."""
    groups = market_groups()
    out: list[str] = []
    for code in codes:
        for c in sorted(groups[code]) if code in groups else [code]:
            if c not in out:
                out.append(c)
    return out


@cache
def requirements() -> tuple[Requirement, ...]:
    """All rows of market_requirements.csv."""
    return tuple(
        Requirement(
            r["market"].strip(),
            r["hs_prefix"].strip(),
            r["requirement"].strip(),
            r["mandatory"].strip(),
            r["applies_to"].strip(),
        )
        for r in _rows("market_requirements.csv")
    )


def requirements_for_markets(markets: list[str]) -> list[Requirement]:
    """Rows whose market is one of `markets` or a group containing one of them."""
    groups = market_groups()
    wanted = set(markets)
    out = []
    for req in requirements():
        members = groups.get(req.market)
        if req.market in wanted or (members is not None and members & wanted):
            out.append(req)
    return out
