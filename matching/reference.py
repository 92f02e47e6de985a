"""Reference data: HS titles, certifications, market groups, market requirements.

`Reference` holds one consistent set. The files shipped in matching/data are the default
(`default()`, read once per process): the command line ranks with them. An application with its
own reference (the CRM keeps the requirements in its database, editable by an admin) builds a
`Reference.from_rows(...)` and passes it to `matching.rank.match(..., reference=...)`.
The module-level helpers below read the default reference.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

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
    """A certification a market requires (or prefers) for an HS prefix, with its effective dates.

    `valid_from` / `valid_until` are the first and last day the rule is in force (inclusive);
    None is open.
    """

    market: str
    hs_prefix: str
    requirement: str
    mandatory: str  # "yes" | "per_shipment" | "no"
    applies_to: str
    source_note: str = ""
    valid_from: date | None = None
    valid_until: date | None = None

    def in_force(self, day: date) -> bool:
        """Whether the rule applies on `day`."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("matching").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    text = str(value).strip()
    return date.fromisoformat(text) if text else None


def _text(row: Mapping[str, Any], key: str) -> str:
    return str(row.get(key) or "").strip()


def _requirement(row: Requirement | Mapping[str, Any]) -> Requirement:
    if isinstance(row, Requirement):
        return row
    return Requirement(
        _text(row, "market"),
        _text(row, "hs_prefix"),
        _text(row, "requirement"),
        _text(row, "mandatory"),
        _text(row, "applies_to"),
        _text(row, "source_note"),
        _day(row.get("valid_from")),
        _day(row.get("valid_until")),
    )


def _certification(row: Certification | Mapping[str, Any]) -> Certification:
    if isinstance(row, Certification):
        return row
    years = row.get("typical_validity_years", row.get("validity_years"))
    years = str(years).strip() if years is not None else ""
    return Certification(
        _text(row, "code"),
        _text(row, "name_en"),
        _text(row, "name_vi"),
        _text(row, "scope"),
        float(years) if years else None,
    )


@dataclass(frozen=True, eq=False)
class Reference:
    """The reference the ranking reads: requirement rules (with effective dates), certification
    names, HS titles and market groups. Immutable; build it once and pass it around.

    `Reference.from_files()` reads the packaged CSV files (the command line, and the default
    when no reference is passed); `Reference.from_rows(...)` takes a caller's own rows (the
    CRM builds it from its database: crm.refdata.matching_reference).
    """

    requirements: tuple[Requirement, ...]
    certifications: Mapping[str, Certification]
    hs_titles: Mapping[str, tuple[str, str]]  # code -> (English, Vietnamese or "")
    market_groups: Mapping[str, frozenset[str]]
    _regional: Mapping[str, frozenset[str]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Read-only views: a Reference is shared by every request of a process. A view is
        # kept as is, so dataclasses.replace(ref, requirements=...) does not copy the tables.
        object.__setattr__(self, "requirements", tuple(self.requirements))
        for name in ("certifications", "hs_titles", "market_groups"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))
        regional: dict[str, set[str]] = {}
        for g in REGIONAL_GROUPS:
            for country in self.market_groups.get(g, ()):
                regional.setdefault(country, set()).add(g)
        object.__setattr__(
            self, "_regional", MappingProxyType({c: frozenset(g) for c, g in regional.items()})
        )

    @classmethod
    def from_rows(
        cls,
        requirements: Iterable[Requirement | Mapping[str, Any]],
        certifications: Iterable[Certification | Mapping[str, Any]],
        hs_codes: Iterable[tuple[str, str, str | None]],
        market_groups: Iterable[tuple[str, str]],
    ) -> Reference:
        """A reference from the caller's rows.

        `requirements`: Requirement or mappings with the columns of market_requirements.csv
        (plus optional valid_from / valid_until, ISO text or date); `certifications`:
        Certification or mappings like certifications.csv; `hs_codes`: (code, English,
        Vietnamese or None); `market_groups`: (group, country code) pairs.
        """
        groups: dict[str, set[str]] = {}
        for group, country in market_groups:
            groups.setdefault(group, set()).add(country)
        certs = (_certification(c) for c in certifications)
        return cls(
            requirements=tuple(_requirement(r) for r in requirements),
            certifications={c.code: c for c in certs},
            hs_titles={code: (en, vi or "") for code, en, vi in hs_codes},
            market_groups={g: frozenset(c) for g, c in groups.items()},
        )

    @classmethod
    def from_files(cls) -> Reference:
        """The reference shipped in matching/data (a new object: use `default()` to share one)."""
        return cls.from_rows(
            _rows("market_requirements.csv"),
            _rows("certifications.csv"),
            ((r["code"], r["description_en"], r["description_vi"]) for r in _rows("hs_codes.csv")),
            ((r["group"], r["country"]) for r in _rows("markets.csv")),
        )

    def regional_groups_of(self, country: str) -> frozenset[str]:
        """Regional groups (see REGIONAL_GROUPS) a country belongs to."""
        return self._regional.get(country, frozenset())

    def expand_markets(self, codes: list[str]) -> list[str]:
        """Country codes, with any group name (e.g. "EU27") replaced by its members."""
        out: list[str] = []
        for code in codes:
            members = self.market_groups.get(code)
            for c in sorted(members) if members is not None else [code]:
                if c not in out:
                    out.append(c)
        return out

    def requirements_for_markets(
        self, markets: list[str], day: date | None = None
    ) -> list[Requirement]:
        """Rules whose market is one of `markets` or a group containing one of them; only
        those in force on `day` when it is given."""
        wanted = set(markets)
        out = []
        for req in self.requirements:
            if day is not None and not req.in_force(day):
                continue
            members = self.market_groups.get(req.market)
            if req.market in wanted or (members is not None and members & wanted):
                out.append(req)
        return out

    def hs_title(self, code: str, lang: str = "en") -> str:
        """Short title for an HS code or its nearest known ancestor."""
        for n in (len(code), 4, 2):
            key = code[:n]
            if lang == "en" and key in _SHORT_HS_EN:
                return _SHORT_HS_EN[key]
            if key in self.hs_titles:
                en, vi = self.hs_titles[key]
                if lang == "vi" and vi:
                    return vi if len(vi) <= 90 else vi.split(",")[0]
                return en.split(";")[0] if len(en) > 60 else en
        return ""

    def cert_name(self, code: str, lang: str = "en") -> str:
        """Short human name of a certification code (falls back to the code)."""
        cert = self.certifications.get(code)
        if cert is None:
            return code
        if code in _SHORT_NAMES:
            return _SHORT_NAMES[code][1 if lang == "vi" else 0]
        return cert.name_vi if lang == "vi" else cert.name_en


@cache
def default() -> Reference:
    """The packaged reference (matching/data), read once per process."""
    return Reference.from_files()


def hs_titles() -> Mapping[str, tuple[str, str]]:
    """HS code -> (English title, Vietnamese title or "") of the packaged reference."""
    return default().hs_titles


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


def short_hs_title(code: str) -> str | None:
    """The short English title officers know an HS code by ("coffee", "pepper"), or None."""
    for n in (len(code), 4, 2):
        if code[:n] in _SHORT_HS_EN:
            return _SHORT_HS_EN[code[:n]]
    return None


def hs_title(code: str, lang: str = "en") -> str:
    """Short title for an HS code or its nearest known ancestor (packaged reference)."""
    return default().hs_title(code, lang)


def certifications() -> Mapping[str, Certification]:
    """Certification code -> Certification (packaged reference)."""
    return default().certifications


def cert_name(code: str, lang: str = "en") -> str:
    """Short human name of a certification code (falls back to the code)."""
    return default().cert_name(code, lang)


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


def market_groups() -> Mapping[str, frozenset[str]]:
    """Group name (EU27, GCC, ...) -> member country codes (packaged reference)."""
    return default().market_groups


def regional_groups_of(country: str) -> frozenset[str]:
    """Regional groups (see REGIONAL_GROUPS) a country belongs to."""
    return default().regional_groups_of(country)


def expand_markets(codes: list[str]) -> list[str]:
    """Country codes, with any group name (e.g. "EU27") replaced by its members."""
    return default().expand_markets(codes)


def requirements() -> tuple[Requirement, ...]:
    """All rules of the packaged reference (market_requirements.csv)."""
    return default().requirements


def requirements_for_markets(markets: list[str], day: date | None = None) -> list[Requirement]:
    """Rules of the packaged reference for `markets` (in force on `day` when given)."""
    return default().requirements_for_markets(markets, day)
