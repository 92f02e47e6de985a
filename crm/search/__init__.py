"""Search: folded tokens, word-prefix conditions and typo correction.

The firm list's search lives in this package: document.py (what a firm is found by),
understand.py (how a query is read), engine.py (the index and its ranking), live.py (one
index per app, kept up to date). Folding itself lives in matching.text (the one home of đ→d).
Partners and opportunities, short lists, keep the word-prefix SQL condition below.
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, or_

from matching.text import fold_words

MAX_TOKENS = 8  # longer queries are pasted paragraphs: the first words decide
MAX_VARIANTS = 6  # per token, so a typo never turns into a huge OR
_TAX_CODE = re.compile(r"^\d{3,10}(-\d{0,3})?$")


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
        """Count the words of one text."""
        self.add_words(dict.fromkeys(set(text.split()), 1))

    def add_words(self, counts: dict[str, int]) -> None:
        """Add to the count of each word (new words become correctable)."""
        known = self.counts
        for word, n in counts.items():
            if word.isdigit():
                continue  # tax codes and numbers are never typos
            if word not in known:
                known[word] = 0
                self._sorted = None
                if len(word) >= 3:  # shorter words are too short to correct
                    for key in _deletes(word) | {word}:
                        self.by_delete.setdefault(key, set()).add(word)
            known[word] += n

    def prefixed(self, prefix: str, limit: int) -> list[str]:
        """Up to `limit` words starting with `prefix`, the commonest first."""
        if self._sorted is None:
            self._sorted = sorted(self.counts)
        lo = bisect.bisect_left(self._sorted, prefix)
        hi = bisect.bisect_left(self._sorted, prefix + "\uffff")
        found = self._sorted[lo:hi]
        if len(found) > limit:
            found = sorted(found, key=lambda w: -self.counts[w])[:limit]
        return found

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




from crm.search.document import search_text_for  # noqa: E402  (re-exported: services use it)

__all__ = ["Vocabulary", "edit_distance", "max_edits", "query_tokens", "search_text_for",
           "tax_code_prefix", "word_prefix"]
