"""Names typed in spreadsheets -> codes: provinces, countries, certification schemes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pycountry
from sqlalchemy import select

from crm.display import COUNTRY_VI, provinces
from crm.errors import UserError
from crm.extensions import db
from crm.models import CertificationScheme, Country, MarketGroupMember
from crm.models.firm import LEGAL_FORMS
from matching.text import fold_words

_PROVINCE_WORDS = re.compile(r"^(?:thanh pho|tinh|tp)\s+")
# Names people use that are not the official ones.
PROVINCE_ALIASES = {
    "hcm": 79, "tphcm": 79, "tp hcm": 79, "ho chi minh city": 79, "sai gon": 79,
    "saigon": 79, "hn": 1, "ha noi city": 1, "hanoi": 1, "da nang city": 48, "danang": 48,
    "hai phong city": 31, "can tho city": 92, "hue city": 46,
}
COUNTRY_ALIASES = {
    "my": "US", "hoa ky": "US", "usa": "US", "united states": "US", "america": "US",
    "uk": "GB", "anh": "GB", "vuong quoc anh": "GB", "england": "GB", "britain": "GB",
    "han quoc": "KR", "korea": "KR", "south korea": "KR", "nhat": "JP", "nhat ban": "JP",
    "japan": "JP", "trung quoc": "CN", "china": "CN", "dai loan": "TW", "taiwan": "TW",
    "hong kong": "HK", "uc": "AU", "australia": "AU", "nga": "RU", "russia": "RU",
    "duc": "DE", "phap": "FR", "ha lan": "NL", "netherlands": "NL", "holland": "NL",
    "y": "IT", "bi": "BE", "tay ban nha": "ES", "thai lan": "TH", "an do": "IN",
    "uae": "AE", "a rap": "SA", "a rap xe ut": "SA", "saudi arabia": "SA",
    "campuchia": "KH", "cambodia": "KH", "lao": "LA", "laos": "LA", "viet nam": "VN",
    "vietnam": "VN", "singapore": "SG", "malaysia": "MY", "indonesia": "ID",
    "philippines": "PH", "canada": "CA", "brazil": "BR", "mexico": "MX", "chile": "CL",
    "new zealand": "NZ", "nam phi": "ZA", "ai cap": "EG", "iran": "IR", "turkey": "TR",
    "tho nhi ky": "TR", "israel": "IL", "ba lan": "PL", "sec": "CZ", "thuy dien": "SE",
    "thuy si": "CH", "dan mach": "DK", "na uy": "NO", "phan lan": "FI", "ao": "AT",
    "bo dao nha": "PT", "hy lap": "GR", "myanmar": "MM", "mianma": "MM", "brunei": "BN",
}
# Market groups people write in a "markets" cell; a firm market is one country, so these
# are reported, not stored.
GROUP_ALIASES = {
    "eu": "EU27", "eu27": "EU27", "chau au": "EU27", "europe": "EU27", "lien minh chau au": "EU27",
    "asean": "ASEAN", "dong nam a": "ASEAN", "trung dong": "MIDDLE_EAST",
    "middle east": "MIDDLE_EAST", "chau phi": "AFRICA", "africa": "AFRICA",
    "nam my": "SOUTH_AMERICA", "my latinh": "SOUTH_AMERICA", "halal": "HALAL",
}
CERT_ALIASES = {
    "global gap": "GLOBALGAP", "globalg a p": "GLOBALGAP", "viet gap": "VIETGAP",
    "iso 22000": "ISO22000", "iso 9001": "ISO9001", "iso 14001": "ISO14001",
    "fssc 22000": "FSSC22000", "brc": "BRCGS", "huu co": "ORGANIC_EU", "organic": "ORGANIC_EU",
    "organic eu": "ORGANIC_EU", "usda": "USDA_ORGANIC", "usda organic": "USDA_ORGANIC",
    "rainforest alliance": "RAINFOREST", "fair trade": "FAIRTRADE",
}


def _squash(text: str) -> str:
    return text.replace(" ", "")


@dataclass
class Lookups:
    """Every code table loaded once per import, so 100k rows ask the database nothing."""

    provinces: dict[str, int] = field(default_factory=dict)
    countries: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    schemes: dict[str, str] = field(default_factory=dict)
    # Keeps reference rows alive in the session's identity map: the shared validators'
    # session.get() then finds them without a query.
    keep_alive: list[object] = field(default_factory=list)
    # Field labels in the user's language, made once (gettext per row is slow).
    labels: dict[str, str] = field(default_factory=dict)
    # Results of the shared cleaners for values that repeat from row to row (the same
    # country, HS code, certificate): same input, same answer, judged once.
    memo: dict[tuple, Any] = field(default_factory=dict)

    def cached(self, key: tuple, clean: Callable[[], Any]) -> Any:
        """clean() once per key; a UserError it raised is raised again for the same key."""
        try:
            outcome = self.memo[key]
        except KeyError:
            try:
                outcome = (True, clean())
            except UserError as err:
                outcome = (False, err)
            self.memo[key] = outcome
        ok, value = outcome
        if not ok:
            raise value
        return dict(value) if isinstance(value, dict) else value

    def label(self, key: str) -> str:
        """Label of a firm or import field."""
        return self.labels.get(key, key)

    def province(self, text: str | None) -> int | None:
        """Province code (cached per distinct text)."""
        key = ("province", text)
        if key not in self.memo:
            self.memo[key] = self._province(text)
        return self.memo[key]

    def _province(self, text: str | None) -> int | None:
        """Province code from a name with or without diacritics or 'Tỉnh'/'TP', or its code."""
        key = fold_words(text)
        if not key:
            return None
        if key.isdigit():
            return int(key)
        if key in self.provinces:
            return self.provinces[key]
        bare = _PROVINCE_WORDS.sub("", key)
        return self.provinces.get(bare) or self.provinces.get(_squash(bare))

    def country(self, text: str) -> str | None:
        """ISO alpha-2 from 'Nhật Bản', 'Japan', 'JP', 'JPN'."""
        memo_key = ("country", text)
        if memo_key not in self.memo:
            self.memo[memo_key] = self._country(text)
        return self.memo[memo_key]

    def _country(self, text: str) -> str | None:
        key = fold_words(text)
        return self.countries.get(key) or self.countries.get(_squash(key))

    def group(self, text: str) -> str | None:
        """A market group (EU27, ASEAN...) the text names, or None."""
        return self.groups.get(fold_words(text))

    def scheme(self, text: str) -> str | None:
        """Certification scheme code from 'HACCP', 'Halal', 'ISO 22000', 'GlobalGAP'."""
        key = fold_words(text)
        return self.schemes.get(key) or self.schemes.get(_squash(key))


def load_lookups() -> Lookups:
    """Build the lookups from the reference tables and display names."""
    from crm.firms.services import FIELD_LABELS
    from crm.imports.mapping import FIELDS

    out = Lookups()
    out.labels = {k: str(v) for k, v in (FIELD_LABELS | FIELDS).items()}
    for code, name in provinces():
        key = fold_words(name)
        bare = _PROVINCE_WORDS.sub("", key)
        for variant in (key, bare, _squash(bare)):
            out.provinces[variant] = code
    for alias, code in PROVINCE_ALIASES.items():
        out.provinces[alias] = code
        out.provinces[_squash(alias)] = code
    countries = list(db.session.scalars(select(Country)))
    out.keep_alive.extend(countries)
    known = {c.code for c in countries}
    for country in countries:
        out.countries[country.code.lower()] = country.code
        for name in (country.name_en, country.name_vi):
            if name:
                out.countries[fold_words(name)] = country.code
    for pc in pycountry.countries:
        if pc.alpha_2 not in known:
            continue
        out.countries[pc.alpha_3.lower()] = pc.alpha_2
        for attr in ("name", "common_name", "official_name"):
            name = getattr(pc, attr, None)
            if name:
                out.countries[fold_words(name)] = pc.alpha_2
    for code, name in COUNTRY_VI.items():
        out.countries[fold_words(name)] = code
    for alias, code in COUNTRY_ALIASES.items():
        if code in known:
            out.countries[alias] = code
            out.countries[_squash(alias)] = code
    groups = {g for g in db.session.scalars(select(MarketGroupMember.group).distinct())}
    for alias, group in GROUP_ALIASES.items():
        out.groups[alias] = group
    for group in groups:
        out.groups[fold_words(group)] = group
    schemes = list(db.session.scalars(select(CertificationScheme)))
    out.keep_alive.extend(schemes)
    for scheme in schemes:
        for variant in (scheme.code, scheme.code.replace("_", " ")):
            out.schemes[fold_words(variant)] = scheme.code
            out.schemes[_squash(fold_words(variant))] = scheme.code
    for alias, code in CERT_ALIASES.items():
        if code in out.schemes.values():
            out.schemes[alias] = code
            out.schemes[_squash(alias)] = code
    # Preload HS codes too: clean_hs_code() looks each one up with session.get().
    from crm.models import HsCode

    out.keep_alive.extend(db.session.scalars(select(HsCode)))
    return out


def legal_form_code(text: str | None) -> str | None:
    """'Công ty TNHH' / 'CTCP' / 'HTX' / 'llc' -> a LEGAL_FORMS code, or None if unknown."""
    from crm.display import LABELS
    from crm.duplicates.names import legal_form_of

    key = fold_words(text)
    if not key:
        return None
    if key in LEGAL_FORMS:
        return key
    for code in LEGAL_FORMS:
        if fold_words(str(LABELS.get(code, ""))) == key:
            return code
    return legal_form_of(key)
