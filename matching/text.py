"""Text folding: the one home of case and diacritics folding (đ→d)."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

import numpy as np

_D_MAP = str.maketrans({"đ": "d", "Đ": "d", "ð": "d"})
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_NON_WORD_KEEP_SEP = re.compile(r"[^\w\x00]+", re.UNICODE)
_SEP = "\x00"  # joins many texts for batch folding; never changed by any folding step


@lru_cache(maxsize=1 << 16)
def fold(text: str | None) -> str:
    """Lower-case, strip diacritics (đ→d) and collapse whitespace.

    "Cà phê Đắk Lắk" -> "ca phe dak lak". Used for search keys and matching.
    """
    if not text:
        return ""
    if text.isascii():  # NFKD and the combining-mark filter leave ASCII unchanged
        return _SPACE.sub(" ", text.lower()).strip()
    text = text.translate(_D_MAP)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", stripped.lower()).strip()


def fold_words(text: str | None) -> str:
    """Fold and replace punctuation by spaces, for tokenising names."""
    return _SPACE.sub(" ", _NON_WORD.sub(" ", fold(text))).strip()


class _Combining:
    """Which code points are combining marks, classified lazily as they are met."""

    def __init__(self) -> None:
        self.known = np.zeros(0x110000, dtype=bool)
        self.known[:0x300] = True  # no combining mark below U+0300
        self.table = np.zeros(0x110000, dtype=bool)

    def mask(self, cps: np.ndarray) -> np.ndarray:
        """Boolean mask of the combining marks among code points `cps`."""
        new = cps[~self.known[cps]]
        if len(new):
            for cp in np.unique(new).tolist():
                self.table[cp] = unicodedata.combining(chr(cp)) != 0
            self.known[new] = True
        return self.table[cps]


@cache
def _combining() -> _Combining:
    return _Combining()


def _fold_d(text: str) -> str:
    """text.translate(_D_MAP), faster on long strings."""
    for ch in "đĐð":
        if ch in text:
            text = text.replace(ch, "d")
    return text


def _fold_joined(texts: list[str]) -> str | None:
    """fold() of many texts at once, joined by _SEP but before whitespace handling.

    Every step (đ→d, NFKD, dropping combining marks, lower) acts on each text separately when
    they are joined by a NUL: NUL is a starter that neither decomposes nor combines and is not
    cased, so the result is the per-text result joined by NUL. None if a text contains a NUL.
    """
    big = _SEP.join(texts)
    if big.count(_SEP) != max(len(texts) - 1, 0):
        return None
    if not big.isascii():
        big = unicodedata.normalize("NFKD", _fold_d(big))
        if not big.isascii():
            cps = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
            keep = ~_combining().mask(cps)
            if not keep.all():
                big = cps[keep].tobytes().decode("utf-32-le")
    return big.lower()


def fold_many(texts: list[str]) -> list[str]:
    """[fold(t) for t in texts], computed in a few passes over all texts together."""
    big = _fold_joined(texts)
    if big is None:
        return [fold(t) for t in texts]
    return [p.strip() for p in _SPACE.sub(" ", big).split(_SEP)] if texts else []


def words_many(texts: list[str]) -> tuple[list[str], np.ndarray] | None:
    """All words of fold_words(t) for every t, flattened, and the number of words per text.

    Same words as ``fold_words(t).split()``; None if a text contains a NUL (use the per-text
    path then).
    """
    big = _fold_joined(texts)
    if big is None:
        return None
    big = _NON_WORD_KEEP_SEP.sub(" ", big)
    parts = big.split(_SEP)
    per_text = [p.split() for p in parts] if texts else []
    counts = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
    flat: list[str] = []
    for ws in per_text:
        flat += ws
    return flat, counts
