"""Firm search: folded search keys, token matching and typo correction.

Folding itself lives in matching.text (the one home of đ→d). Firm.search_text holds the folded
words of the firm's names, its products' names and its tax code; a query matches when every
folded query token starts a word of it (LIKE, so it runs the same on SQLite and PostgreSQL).
When that finds nothing, each token is corrected against the vocabulary of words in
search_text (edit distance 1, or 2 for long words) and any corrected variant may match.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, case, func, literal_column, or_, select, union

from crm.extensions import db
from crm.memory import settle_long_lived
from crm.models import Firm
from crm.models.firm import SEARCH_VECTOR
from matching.text import fold_words

MAX_TOKENS = 8  # longer queries are pasted paragraphs: the first words decide
MAX_VARIANTS = 6  # per token, so a typo never turns into a huge OR
_TAX_CODE = re.compile(r"^\d{3,10}(-\d{0,3})?$")


def search_text_for(firm: Firm) -> str:
    """Folded firm names, product names and tax code: what the firm list searches.

    Call after changing a firm's names or products (services do). Punctuation becomes a
    space so that every word can be matched from its start ("cà phê-Đắk Lắk").
    """
    parts = [firm.name, firm.name_en or "", firm.tax_code or ""]
    for product in firm.products:
        parts.append(product.name)
        parts.append(product.name_en or "")
    return fold_words(" ".join(p for p in parts if p))


def query_tokens(query: str | None) -> list[str]:
    """Distinct folded words of a query, in order ("Cà phê ĐẮK LẮK" -> ca, phe, dak, lak)."""
    words = fold_words((query or "").replace("_", " ")).split()
    seen: dict[str, None] = {}
    for word in words:
        seen.setdefault(word, None)
    return list(seen)[:MAX_TOKENS]


def tax_code_prefix(query: str | None) -> str | None:
    """The query when it looks like (the start of) a tax code, else None."""
    compact = re.sub(r"[\s.]", "", query or "")
    return compact if _TAX_CODE.match(compact) else None


def word_prefix(column: ColumnElement[str], token: str, dialect: str = "") -> ColumnElement[bool]:
    """`token` starts a word of the folded (lower-case) text in `column`."""
    # Tokens hold only letters and digits (query_tokens): no wildcard to escape. The text is
    # folded to lower case, so SQLite's case-sensitive GLOB will do, at twice LIKE's speed.
    if dialect == "sqlite":
        return or_(column.op("GLOB")(f"{token}*"), column.op("GLOB")(f"* {token}*"))
    return or_(column.like(f"{token}%"), column.like(f"% {token}%"))


def text_condition(variants: Sequence[Sequence[str]], dialect: str = "") -> ColumnElement[bool]:
    """Every token (given as its accepted variants) starts a word of Firm.search_text."""
    if dialect == "postgresql":
        # One GIN lookup per word prefix (ix_firms_search_fts) instead of rechecking LIKE on
        # every row a short prefix leaves: half the time for common words ("ca phe").
        # Tokens hold only letters and digits; quoted all the same, so none is an operator.
        query = " & ".join("(" + " | ".join(f"'{v}':*" for v in alts) + ")"
                           for alts in variants)
        return SEARCH_VECTOR.op("@@")(func.to_tsquery(literal_column("'simple'::regconfig"),
                                                      query))
    return and_(*(or_(*(word_prefix(Firm.search_text, v, dialect) for v in alts))
                  for alts in variants))


def relevance(tokens: Sequence[str], dialect: str = "") -> ColumnElement[int]:
    """Higher for firms whose own name holds the query, highest when it starts with it."""
    phrase = " ".join(tokens)
    score: ColumnElement[int] = case((word_prefix(Firm.name_search, phrase, dialect), 2),
                                     else_=0)
    if len(tokens) > 1:
        for token in tokens:
            score = score + case((word_prefix(Firm.name_search, token, dialect), 1), else_=0)
    return score


# --- typo tolerance -------------------------------------------------------------------------


def max_edits(word: str) -> int:
    """Edits tolerated for a query word: none for 1-2 letters, 1 up to 6, then 2."""
    if len(word) <= 2:
        return 0
    return 1 if len(word) <= 6 else 2


def edit_distance(a: str, b: str, limit: int = 2) -> int:
    """Damerau (optimal string alignment) distance; any value > limit means 'too far'."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


@dataclass
class Vocabulary:
    """Words of Firm.search_text with their firm counts, indexed by single deletions.

    Candidate corrections are the words sharing the query word or one of its deletions
    (the "symmetric delete" trick), checked with edit_distance: no scan of the vocabulary.
    """

    counts: dict[str, int] = field(default_factory=dict)
    by_delete: dict[str, set[str]] = field(default_factory=dict)
    mark: tuple[Any, int] | None = None  # (max updated_at, firm count) when last read
    _sorted: list[str] | None = field(default=None, repr=False)  # for prefix look-ups
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add_text(self, text: str) -> None:
        """Count the words of one search_text."""
        for word in set(text.split()):
            if word.isdigit():
                continue  # tax codes and numbers are never typos
            if word not in self.counts:
                self.counts[word] = 0
                self._sorted = None
                if len(word) >= 3:  # shorter words are too short to correct
                    for key in _deletes(word) | {word}:
                        self.by_delete.setdefault(key, set()).add(word)
            self.counts[word] += 1

    def known(self, token: str) -> bool:
        """Some word starts with `token`, so an exact search may find it (digits: maybe)."""
        if token.isdigit() or token in self.counts:
            return True
        if self._sorted is None:
            self._sorted = sorted(self.counts)
        i = bisect.bisect_left(self._sorted, token)
        return i < len(self._sorted) and self._sorted[i].startswith(token)

    def corrections(self, word: str) -> list[str]:
        """Vocabulary words within max_edits(word), nearest and most common first."""
        limit = max_edits(word)
        if limit == 0 or word.isdigit():
            return []
        keys = _deletes(word) | {word}
        if limit == 2:
            keys |= {d2 for d1 in _deletes(word) for d2 in _deletes(d1)}
        found: dict[str, int] = {}
        for key in keys:
            for cand in self.by_delete.get(key, ()):
                if cand != word and cand not in found:
                    dist = edit_distance(word, cand, limit)
                    if dist <= limit:
                        found[cand] = dist
        return sorted(found, key=lambda w: (found[w], -self.counts[w], w))[:MAX_VARIANTS]


def _freshness() -> tuple[Any, int]:
    """(latest firm change, highest firm id): one of them moves whenever a firm is added or
    edited, and both are read off an index (a count would scan every row on each search)."""
    last_change, last_id = db.session.execute(select(
        select(func.max(Firm.updated_at)).scalar_subquery(),
        select(func.max(Firm.id)).scalar_subquery())).one()
    return last_change, last_id or 0


def _vocabulary() -> Vocabulary:
    """This app's vocabulary, brought up to date with the firms changed since last use."""
    vocab = current_app.extensions.setdefault("crm_search_vocabulary", Vocabulary())
    with vocab.lock:
        mark = _freshness()
        if mark == vocab.mark:
            return vocab
        stmt: Any = select(Firm.id, Firm.search_text)
        if vocab.mark is not None:
            last_change, last_id = vocab.mark
            # New ids too: bulk loads may insert rows with timestamps older than the mark. Two
            # queries, each on its index, in a UNION (a firm both new and changed counts
            # once): PostgreSQL read `updated_at > a OR id > b` with a full scan (~50 ms at
            # 100,000 firms, on every search after any edit).
            stmt = select(Firm.id, Firm.search_text).where(Firm.id > last_id)
            if last_change is not None:
                stmt = union(stmt, select(Firm.id, Firm.search_text).where(
                    Firm.updated_at > last_change))
        for _fid, text in db.session.execute(stmt.execution_options(yield_per=5000)):
            vocab.add_text(text or "")
        if vocab.mark is None:
            settle_long_lived()  # the first, full read
        vocab.mark = mark
        return vocab


@dataclass(frozen=True)
class Correction:
    """Accepted spellings per query token, and the likeliest reading of the whole query."""

    variants: list[list[str]]
    words: list[str]

    @property
    def text(self) -> str:
        """The likeliest reading, to tell the user what was searched instead."""
        return " ".join(self.words)


def vocabulary() -> Vocabulary:
    """The words firms can be found by, up to date."""
    return _vocabulary()


def typo_variants(tokens: Sequence[str], unknown_only: bool = True) -> Correction | None:
    """Per token: itself plus its likely corrections; None when no token has any.

    First only the tokens that start no known word are corrected: "ca phe dak lac" keeps
    "ca phe dak" as typed. With `unknown_only=False` every token is, for typos that make
    another real word ("yếm" for "yến").
    """
    vocab = _vocabulary()
    variants = [[token] if unknown_only and vocab.known(token)
                else [token, *vocab.corrections(token)] for token in tokens]
    if all(len(alts) == 1 for alts in variants):
        return None
    # The commonest spelling is the likeliest reading ("yem" is a word, "yen" a far commoner one).
    words = [max(alts, key=lambda w: vocab.counts.get(w, 0)) for alts in variants]
    return Correction(variants, words)
