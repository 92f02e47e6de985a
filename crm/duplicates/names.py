"""Firm name keys for duplicate detection: folded, legal-form words removed."""

from __future__ import annotations

import re

from matching.text import fold_words

# Legal-form words, folded, longest first so "cong ty tnhh mot thanh vien" goes in one piece.
LEGAL_WORDS = sorted((
    "cong ty trach nhiem huu han mot thanh vien", "cong ty trach nhiem huu han",
    "cong ty tnhh mot thanh vien", "cong ty tnhh mtv", "cong ty tnhh", "cong ty co phan",
    "cong ty cp", "cty tnhh mtv", "cty tnhh", "cty cp", "cty co phan", "ctcp", "cong ty",
    "cty", "tnhh mtv", "tnhh", "mot thanh vien", "mtv", "co phan", "hop tac xa", "htx",
    "doanh nghiep tu nhan", "dntn", "ho kinh doanh", "hkd", "to hop tac", "lien hiep htx",
    "chi nhanh", "joint stock company", "jsc", "co ltd", "company limited", "limited",
    "ltd", "company", "corporation", "corp", "llc", "cooperative", "co",
), key=len, reverse=True)
_LEGAL_RE = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in LEGAL_WORDS) + r")\b")
_SPACE = re.compile(r"\s+")

# Folded name prefix -> legal form code (crm.models.firm.LEGAL_FORMS).
LEGAL_FORM_PREFIXES = (
    ("cong ty tnhh", "llc"), ("cty tnhh", "llc"), ("cong ty trach nhiem huu han", "llc"),
    ("cong ty co phan", "jsc"), ("cong ty cp", "jsc"), ("ctcp", "jsc"), ("cty cp", "jsc"),
    ("cty co phan", "jsc"), ("cong ty hop danh", "partnership"), ("hop tac xa", "cooperative"),
    ("htx", "cooperative"), ("doanh nghiep tu nhan", "private"), ("dntn", "private"),
    ("ho kinh doanh", "household"), ("hkd", "household"),
)


def name_key(name: str | None) -> str:
    """'Công ty TNHH Yến Sào Khánh Hòa' -> 'yen sao khanh hoa' (what makes the name its own)."""
    return key_of_words(fold_words(name))


def key_of_words(words: str) -> str:
    """name_key() of a name already folded into words (fold_words)."""
    core = _SPACE.sub(" ", _LEGAL_RE.sub(" ", words)).strip()
    return core or words


def legal_form_of(name: str | None) -> str | None:
    """The legal form a name announces ('HTX ...' -> cooperative), or None."""
    return legal_form_of_words(fold_words(name))


def legal_form_of_words(words: str) -> str | None:
    """legal_form_of() of a name already folded into words (fold_words)."""
    for prefix, form in LEGAL_FORM_PREFIXES:
        if words == prefix or words.startswith(prefix + " "):
            return form
    return None
