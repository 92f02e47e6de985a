"""Reading a firm-list query the way an officer means it.

"cty tnhh tôm Nha Trang 0306.17" is a legal form (ignored), a product word, a place (Khánh
Hòa) and an HS code. The reader recognises, in this order: a tax code (the whole query), HS
codes, places (data/places.csv: today's provinces, pre-2025 provinces, cities), legal-form
words, and product phrases with their synonyms (data/synonyms.csv). What is left are plain
words. The engine (crm.search.engine) decides which firms match.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from matching.text import fold_words

DATA = Path(__file__).parent / "data"
MAX_WORDS = 12  # a pasted paragraph: the first words decide
MAX_QUERY = 300  # characters read of a query

# A whole query that is a tax code: 10 digits, or 13 for a branch ("0123456789-001").
_TAX = re.compile(r"^\d{10}(\d{3})?$")
# "MST 0123456789", "mã số thuế: ...", "tax code ..." before a tax code.
_TAX_WORDS = re.compile(r"^\s*(?:mst|m[aã] s[oố] thu[eế]|tax code|tin)\b", re.IGNORECASE)
# HS codes typed in the box: "0306", "030617", "0306.17", "2103.90", "HS 03", "HS: 0306".
_HS = re.compile(
    r"(?<![\w.])(?:(?:m[aã]\s+)?hs\s*:?\s*(\d{2}(?:[.\s]?\d{2}){0,3})"
    r"|(\d{4}(?:\.\d{2}){1,2}|\d{4}|\d{6}|\d{8}))(?![\w.])",
    re.IGNORECASE)

# Legal forms and their abbreviations (folded): they say what kind of firm, never what it
# sells, so they are not required to match. Key: words, value: the legal form they name.
LEGAL_FORMS: dict[tuple[str, ...], str | None] = {
    ("cong", "ty", "trach", "nhiem", "huu", "han"): "llc",
    ("trach", "nhiem", "huu", "han"): "llc",
    ("mot", "thanh", "vien"): "llc",
    ("cong", "ty", "co", "phan"): "jsc",
    ("co", "phan"): "jsc",
    ("hop", "tac", "xa"): "cooperative",
    ("doanh", "nghiep", "tu", "nhan"): "private",
    ("ho", "kinh", "doanh"): "household",
    ("cong", "ty"): None,
    ("doanh", "nghiep"): None,
    ("chi", "nhanh"): None,
    ("cty",): None, ("ct",): None, ("cti",): None, ("congty",): None,
    ("tnhh",): "llc", ("mtv",): "llc", ("llc",): "llc", ("ltd",): "llc",
    ("cp",): "jsc", ("ctcp",): "jsc", ("jsc",): "jsc", ("corp",): None,
    ("htx",): "cooperative", ("dntn",): "private", ("hkd",): "household",
    ("dn",): None, ("company",): None, ("co", "ltd"): "llc", ("inc",): None,
}
_LEGAL_MAX = max(len(k) for k in LEGAL_FORMS)


@dataclass
class Phrase:
    """Words that form one concept, and the other ways to say it (synonyms)."""

    words: tuple[str, ...]
    alternatives: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class Reading:
    """What a query was read as."""

    text: str  # the query as typed (trimmed)
    tax_code: str | None = None  # digits of a whole-query tax code
    hs_codes: list[str] = field(default_factory=list)  # digits
    places: list[tuple[int, str]] = field(default_factory=list)  # (province code, as typed)
    legal_forms: list[str] = field(default_factory=list)  # words ignored
    legal_kinds: set[str] = field(default_factory=set)  # llc, jsc... they name
    phrases: list[Phrase] = field(default_factory=list)  # everything else, in order
    typed: dict[str, str] = field(default_factory=dict)  # folded words -> as typed

    def shown(self, folded: str) -> str:
        """Folded words of the query as the user typed them ("dak lak" -> "Đắk Lắk")."""
        return self.typed.get(folded, folded)

    def without_place(self, typed: str) -> str:
        """The query again without one of its places (the chip's remove link), folded."""
        parts = [" ".join(p.words) for p in self.phrases] + self.legal_forms
        parts += [t for _c, t in self.places if t != typed] + self.hs_codes
        return " ".join(parts)

    @property
    def empty(self) -> bool:
        """Nothing to search for."""
        return not (self.tax_code or self.hs_codes or self.places or self.phrases)


@cache
def place_aliases() -> dict[tuple[str, ...], int]:
    """Folded place name (as words) -> today's province code, from data/places.csv.

    Each alias is also known with its words joined ("dak lak" -> "daklak").
    """
    out: dict[tuple[str, ...], int] = {}
    path = DATA / "places.csv"
    if not path.exists():
        return out
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            words = tuple(fold_words(row["alias"]).split())
            if not words:
                continue
            code = int(row["province_code"])
            out.setdefault(words, code)
            if len(words) > 1:
                out.setdefault(("".join(words),), code)
    return out


@cache
def synonym_groups() -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Folded phrase -> every phrase of its group (itself included), from data/synonyms.csv."""
    out: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    path = DATA / "synonyms.csv"
    if not path.exists():
        return out
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            group = [tuple(fold_words(t).split()) for t in row["terms"].split("|")]
            group = [g for g in dict.fromkeys(group) if g]
            for phrase in group:
                out.setdefault(phrase, []).extend(g for g in group if g not in out[phrase])
    return out


def _longest(words: list[str], i: int, table: dict[tuple[str, ...], object],
             longest: int) -> int:
    """Length of the longest key of `table` starting at words[i] (0 if none)."""
    for n in range(min(longest, len(words) - i), 0, -1):
        if tuple(words[i:i + n]) in table:
            return n
    return 0


def _as_typed(text: str, words: list[str]) -> list[str]:
    """The typed form of each folded word (the folded word itself where they do not align)."""
    typed: list[str] = []
    for token in re.split(r"[\W_]+", text):
        folded = fold_words(token).split()
        typed += [token] if len(folded) == 1 else folded
    return typed[:len(words)] if len(typed) >= len(words) else list(words)


def read_query(raw: str | None) -> Reading:
    """Read a query: tax code, HS codes, places, legal forms and phrases (see module doc)."""
    text = (raw or "").strip()[:MAX_QUERY]
    reading = Reading(text=text)
    compact = re.sub(r"[\s.\-:]", "", _TAX_WORDS.sub("", text))
    if _TAX.match(compact):
        reading.tax_code = compact
        return reading

    def take_hs(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(1) or match.group(2))
        if len(digits) in (2, 4, 6, 8) and digits not in reading.hs_codes:
            reading.hs_codes.append(digits)
        return " "

    rest = _HS.sub(take_hs, text)
    words = fold_words(rest.replace("_", " ")).split()[:MAX_WORDS]
    originals = _as_typed(rest, words)
    places = place_aliases()
    place_max = max((len(k) for k in places), default=0)
    synonyms = synonym_groups()
    syn_max = max((len(k) for k in synonyms), default=0)
    i = 0
    while i < len(words):
        n = _longest(words, i, places, place_max)  # type: ignore[arg-type]
        if n:
            # "Khánh Hòa" as a place, unless the words are also a product ("bến tre" is not)
            code = places[tuple(words[i:i + n])]
            if all(code != c for c, _ in reading.places):
                reading.places.append((code, " ".join(words[i:i + n])))
            reading.typed[" ".join(words[i:i + n])] = " ".join(originals[i:i + n])
            i += n
            continue
        n = _longest(words, i, LEGAL_FORMS, _LEGAL_MAX)  # type: ignore[arg-type]
        if n:
            key = tuple(words[i:i + n])
            reading.legal_forms.append(" ".join(key))
            if LEGAL_FORMS[key]:
                reading.legal_kinds.add(LEGAL_FORMS[key])  # type: ignore[arg-type]
            i += n
            continue
        n = _longest(words, i, synonyms, syn_max)  # type: ignore[arg-type]
        if n:
            key = tuple(words[i:i + n])
            reading.phrases.append(Phrase(key, [a for a in synonyms[key] if a != key]))
            reading.typed[" ".join(key)] = " ".join(originals[i:i + n])
            i += n
            continue
        if words[i] not in {p.words[0] for p in reading.phrases if len(p.words) == 1}:
            reading.phrases.append(Phrase((words[i],)))
            reading.typed[words[i]] = originals[i]
        i += 1
    if not reading.phrases and not reading.places and not reading.hs_codes \
            and reading.legal_forms:
        # Only legal-form words ("công ty tnhh"): search them as words after all.
        for form in reading.legal_forms:
            reading.phrases += [Phrase((w,)) for w in form.split()]
        reading.legal_forms = []
    return reading


def synonym_phrase(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """Other ways to say a phrase (after a typo was corrected into a known phrase)."""
    return [a for a in synonym_groups().get(words, []) if a != words]
