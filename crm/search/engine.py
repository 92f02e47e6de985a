"""The firm search engine: an in-memory inverted index of the firms' search documents.

Why in memory and not the databases' full-text engines: the same relevance on SQLite (the
embedded default) and PostgreSQL, typo tolerance and field weights in one place, and facet
counts for free. Each process keeps one index per app, built from one column
(Firm.search_text, see crm.search.document) and kept up to date like the ranking index: every
search first compares (latest change, highest id) with what the index has read, and reads
the firms changed since, so a saved edit is found by the next request in any worker.

Scoring, for each firm that matches: how many query concepts it matches (all beats some),
then whether it is in the place asked for (named in its address or name beats the province
alone), then the strength of the matches (field weight x exact / prefix / corrected, plus
evidence from other fields), words next to each other, the legal form asked for, and a
profile prior (verified, products described) before the id. Never the alphabet.
"""

from __future__ import annotations

import bisect
import itertools
import threading
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from crm.search import Vocabulary
from crm.search.document import (
    DESCRIPTION,
    ENGLISH_SEP,
    EXTRA,
    FIELDS,
    HS,
    NAME,
    PLACE,
    PRODUCT,
    PRODUCT_SEP,
    TAX,
    fields_of,
)
from crm.search.understand import Reading, synonym_phrase
from matching.text import fold_words

# How much a match in each field counts (name > product > the rest).
WEIGHTS = np.zeros(len(FIELDS), dtype=np.float32)
WEIGHTS[[NAME, PRODUCT, HS, EXTRA, PLACE, DESCRIPTION, TAX]] = (
    1.0, 0.85, 0.5, 0.6, 0.5, 0.45, 1.0)
EXACT, PREFIX, SYNONYM, JOINED, CORRECTED = 1.0, 0.75, 0.9, 0.9, 0.7
EVIDENCE = 0.25  # share counted of the matches in fields other than the best one
# Fields whose adjacent words are indexed (a phrase matches there only with its words together).
PAIR_FIELDS = (NAME, PRODUCT, EXTRA, PLACE, DESCRIPTION)
NOT_HEAD = 0.85  # a product match that does not start the product's name
PAIR_READINGS = 6  # readings per word tried when checking that phrase words are adjacent
MAX_PREFIX = 40  # words a prefix expands to, the commonest first
FREQUENT = 5  # a known word is also read as a near spelling whose pair is this much commoner
SIZE_RANK = {"large": 0, "medium": 1, "small": 2, "micro": 3}
# Generic words of HS titles that say nothing about the product.
_TITLE_STOP = frozenset((
    "a", "an", "and", "or", "of", "the", "in", "for", "to", "with", "not", "other", "others",
    "whether", "than", "but", "by", "on", "its", "their", "nes", "excluding", "including",
    "thereof", "be", "been", "put", "up", "such", "as", "parts", "fresh", "chilled", "frozen",
    "dried", "whole", "cut", "preserved", "prepared", "kind", "kinds", "used"))


def _slots() -> array:
    return array("i")


def _pairs(words: Sequence[str]) -> set[str]:
    return {a + b for a, b in itertools.pairwise(words)}


@dataclass
class _Columns:
    """Per-slot attributes of the indexed firms (a slot is one version of a firm)."""

    firm_id: array = field(default_factory=lambda: array("q"))
    alive: bytearray = field(default_factory=bytearray)
    archived: bytearray = field(default_factory=bytearray)
    province: array = field(default_factory=lambda: array("i"))
    size: array = field(default_factory=lambda: array("b"))
    legal: list[str] = field(default_factory=list)
    updated: array = field(default_factory=lambda: array("d"))
    prior: array = field(default_factory=lambda: array("f"))
    name_key: list[str] = field(default_factory=list)


@dataclass
class Hit:
    """Why one firm matched: (field name, query words) per concept it matched."""

    fields: list[tuple[str, str]]


@dataclass
class Result:
    """Firm ids in order, with counts, facets, what matched, and what the engine did."""

    ids: list[int]
    total: int
    full: int  # firms matching every concept and the place
    hits: dict[int, Hit]
    terms: set[str]  # folded words that matched, to highlight
    corrected: str | None
    ignored: list[str]  # query words no firm has
    province_counts: list[tuple[int, int]]
    chapter_counts: list[tuple[str, int]]
    matched_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cert_counts: list[tuple[str, int]] = field(default_factory=list)  # filled by the caller
    market_counts: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class _Concept:
    label: str  # how the concept reads (corrected where a correction was used)
    score: np.ndarray  # per slot, 0 when not matched
    fields: np.ndarray  # fields x slots, weighted match (the best field is read per row shown)
    words: set[str]
    corrected_from: str | None = None


class SearchIndex:
    """Postings per field (word -> slots), pair postings, HS prefixes and a vocabulary."""

    def __init__(self, hs_titles: dict[str, list[str]] | None = None,
                 commune_province: dict[int, int] | None = None) -> None:
        self.lock = threading.RLock()
        self.cols = _Columns()
        self.slot_of: dict[int, int] = {}
        self.doc_key: dict[int, int] = {}
        self.postings: list[defaultdict[str, array]] = [defaultdict(_slots) for _ in FIELDS]
        self.pairs: list[defaultdict[str, array]] = [defaultdict(_slots) for _ in FIELDS]
        self.hs: defaultdict[str, array] = defaultdict(_slots)
        self.heads: defaultdict[str, array] = defaultdict(_slots)  # first word of a product
        self.vocab = Vocabulary()
        # Title word -> HS codes (4 and 6 digits) whose title holds it.
        self.title_codes: dict[str, list[str]] = {}
        for code, words in (hs_titles or {}).items():
            for word in words:
                self.title_codes.setdefault(word, []).append(code)
        self.dead = 0
        self.mark: Any = None
        self._name_order: list[tuple[str, int, int]] = []  # (name key, firm id, slot)
        self._ranked = 0  # slots already in _name_order
        self._rank = np.zeros(0, dtype=np.int64)
        self._provinces: np.ndarray | None = None
        self._title_cache: dict[str, np.ndarray | None] = {}
        self._titles_at = 0

    # --- writing -----------------------------------------------------------------------

    def add(self, firm_id: int, document: str | None, province: int | None, archived: bool,
            size: str | None, legal: str | None, updated: float, prior: float,
            name_key: str, count_words: bool = True) -> None:
        """Index one firm (a newer version replaces the one indexed).

        A full build passes count_words=False and calls count_vocabulary() once at the end:
        counting each firm's words as it goes was a third of the build.
        """
        key = hash((document, province, archived, size, legal, updated, prior))
        if self.doc_key.get(firm_id) == key:
            return
        self.remove(firm_id)
        cols = self.cols
        slot = len(cols.firm_id)
        cols.firm_id.append(firm_id)
        cols.alive.append(1)
        cols.archived.append(1 if archived else 0)
        cols.province.append(province or 0)
        cols.size.append(SIZE_RANK.get(size or "", 4))
        cols.legal.append(legal or "")
        cols.updated.append(updated)
        cols.prior.append(prior)
        cols.name_key.append(name_key)
        self.slot_of[firm_id] = slot
        self.doc_key[firm_id] = key
        new_words: set[str] = set()
        for f, text in enumerate(fields_of(document)):
            if not text:
                continue
            words = text.split()
            if f == HS:
                # HS titles are matched at query time (title word -> codes -> firms).
                hs = self.hs
                for prefix in {c[:n] for c in words if c.isdigit()
                               for n in (2, 4, 6, 8) if len(c) >= n}:
                    hs[prefix].append(slot)
                continue
            if f == PRODUCT:  # products apart: their head words, pairs within each
                vietnamese, _sep, english = text.partition(ENGLISH_SEP)
                vi = [seg.split() for seg in vietnamese.split(PRODUCT_SEP)]
                en = [seg.split() for seg in english.split(PRODUCT_SEP)] if english else []
                for head in {seg[0] for seg in vi if seg} | {seg[-1] for seg in en if seg}:
                    self.heads[head].append(slot)
                segments = vi + en
                words = [w for seg in segments for w in seg]
                pair_set = {a + b for seg in segments for a, b in itertools.pairwise(seg)}
            else:
                pair_set = {a + b for a, b in itertools.pairwise(words)}
            postings = self.postings[f]
            distinct = set(words)
            for word in distinct:
                postings[word].append(slot)
            if f in PAIR_FIELDS:
                pairs = self.pairs[f]
                for pair in pair_set:
                    pairs[pair].append(slot)
            if count_words and f != TAX:
                new_words |= distinct
        if new_words:
            self.vocab.add_words(dict.fromkeys(new_words, 1))

    def count_vocabulary(self) -> None:
        """Count every indexed word once (after a full build) and the HS title words."""
        counts: dict[str, int] = {}
        for f, postings in enumerate(self.postings):
            if f != TAX:
                for word, slots in postings.items():
                    counts[word] = counts.get(word, 0) + len(slots)
        for word in self.title_codes:
            counts.setdefault(word, 1)
        self.vocab.add_words(counts)

    def remove(self, firm_id: int) -> None:
        """Forget a firm (its slot stays in the postings, marked dead)."""
        slot = self.slot_of.pop(firm_id, None)
        self.doc_key.pop(firm_id, None)
        if slot is not None:
            self.cols.alive[slot] = 0
            self.dead += 1

    @property
    def size(self) -> int:
        """Slots, live and dead."""
        return len(self.cols.firm_id)

    # --- reading -----------------------------------------------------------------------

    def _slots(self, arr: array | None) -> np.ndarray | None:
        return np.frombuffer(arr, dtype=np.int32) if arr is not None and len(arr) else None

    def _pair_count(self, a: str, b: str) -> int:
        key = a + b
        return sum(len(self.pairs[f].get(key, ())) for f in PAIR_FIELDS)

    def _commoner_pair(self, word: str, fix: str, before: str | None,
                       after: str | None) -> bool:
        """`fix` makes with a neighbour a pair the registry holds, `word` one it never does."""
        for pair, typed in (((before, fix), (before, word)), ((fix, after), (word, after))):
            if pair[0] and pair[1] and self._pair_count(*typed) == 0 \
                    and self._pair_count(*pair) >= FREQUENT:
                return True
        return False

    def _variants(self, word: str, last: bool, before: str | None = None,
                  after: str | None = None,
                  correct: bool = True) -> tuple[list[tuple[str, float]], str | None]:
        """(word, quality) readings of a query word, and its correction when one was used.

        An unknown word is read as its near spellings. A known word is too, but only when
        the pair it makes with a neighbouring query word is nowhere in the registry while a
        near spelling makes a common one ("yếm sào" -> "yến sào"; "chân trắng" stays).
        Synonyms (`correct` False) are spelled right: they are not corrected.
        """
        vocab = self.vocab
        known = word in vocab.counts or word.isdigit()
        variants: list[tuple[str, float]] = [(word, EXACT)]
        if len(word) >= 2 and not word.isdigit() and (last or not known):
            variants += [(w, PREFIX) for w in vocab.prefixed(word, MAX_PREFIX) if w != word]
        if word.isdigit() or not correct:
            return variants, None
        fixes = vocab.corrections(word)
        if known:
            fixes = [w for w in fixes if self._commoner_pair(word, w, before, after)]
        variants += [(w, CORRECTED) for w in fixes]
        # Said to the user as "also showing results for ...", prefixes or not.
        return variants, (fixes[0] if fixes else None)

    def _word_fields(self, variants: Iterable[tuple[str, float]], n: int) -> np.ndarray:
        """fields x slots: the best quality of any reading of the word in each field."""
        out = np.zeros((len(FIELDS), n), dtype=np.float32)
        for word, quality in variants:
            for f in range(len(FIELDS)):
                if f == HS:  # HS titles hold whole words: no prefix readings there
                    slots = self._title_slots(word) if quality != PREFIX else None
                else:
                    slots = self._slots(self.postings[f].get(word))
                if slots is not None:
                    row = out[f]
                    row[slots] = np.maximum(row[slots], quality)
        return out

    def _title_slots(self, word: str) -> np.ndarray | None:
        """Firms with a product whose HS code's title holds `word` (kept until firms are
        added: "fish" is in ~100 titles, whose firms are a union of large posting lists)."""
        if self._titles_at != self.size:
            self._title_cache.clear()
            self._titles_at = self.size
        if word in self._title_cache:
            return self._title_cache[word]
        parts = [self.hs[c] for c in self.title_codes.get(word, ()) if c in self.hs]
        found = None
        if parts:
            hit = np.zeros(self.size, dtype=bool)
            for part in parts:
                hit[np.frombuffer(part, dtype=np.int32)] = True
            found = np.flatnonzero(hit).astype(np.int32)
        self._title_cache[word] = found
        return found

    def _joined(self, word: str, n: int) -> np.ndarray | None:
        """fields x slots for a word typed joined ("daklak"): the pair "dak lak" indexed."""
        found = False
        out = np.zeros((len(FIELDS), n), dtype=np.float32)
        for f in PAIR_FIELDS:
            slots = self._slots(self.pairs[f].get(word))
            if slots is not None:
                out[f, slots] = JOINED
                found = True
        return out if found else None

    def _phrase(self, words: tuple[str, ...], quality: float, n: int, last: bool,
                before: str | None = None, after: str | None = None,
                correct: bool = True) -> tuple[np.ndarray, set[str], str | None]:
        """fields x slots for a phrase: its words next to each other in one field (in the HS
        titles and certificates: anywhere in the field); a single word: its readings. Also
        the words it may match, and its likely correction."""
        acc: np.ndarray | None = None
        terms: set[str] = set()
        fixed: list[str] = []
        readings: list[list[str]] = []
        for i, word in enumerate(words):
            variants, correction = self._variants(
                word, last and i == len(words) - 1,
                words[i - 1] if i else before, words[i + 1] if i + 1 < len(words) else after,
                correct)
            fixed.append(correction or word)
            grid = self._word_fields(variants, n)
            if word not in self.vocab.counts and len(words) == 1:
                joined = self._joined(word, n)
                if joined is not None:
                    grid = np.maximum(grid, joined)
                    terms.update(self._split(word))
            terms.update(w for w, _q in variants)
            readings.append([w for w, _q in sorted(variants, key=lambda v: -v[1])][:PAIR_READINGS])
            acc = grid if acc is None else np.minimum(acc, grid)
        assert acc is not None
        if len(words) > 1:
            for f in range(len(FIELDS)):
                if f in PAIR_FIELDS:
                    acc[f] *= self._adjacent(readings, f, n)
                else:  # HS titles, tax code: words of a phrase anywhere mean nothing
                    acc[f] = 0
        # A product named by what it is ("Tôm thẻ đông lạnh") before one that only mentions
        # it ("Thức ăn cho tôm thẻ"): the phrase must start one of the firm's products.
        head = np.zeros(n, dtype=bool)
        for word in {*readings[0], *readings[-1]}:  # Vietnamese head first, English last
            slots = self._slots(self.heads.get(word))
            if slots is not None:
                head[slots] = True
        acc[PRODUCT] = np.where(head, acc[PRODUCT], acc[PRODUCT] * NOT_HEAD)
        acc *= quality
        corrected = " ".join(fixed) if fixed != list(words) else None
        return acc, terms, corrected

    def _adjacent(self, readings: list[list[str]], f: int, n: int) -> np.ndarray:
        """Slots where each word is followed by the next in field f (any of their readings)."""
        ok = np.ones(n, dtype=bool)
        for first, second in itertools.pairwise(readings):
            hit = np.zeros(n, dtype=bool)
            for a in first:
                for b in second:
                    slots = self._slots(self.pairs[f].get(a + b))
                    if slots is not None:
                        hit[slots] = True
            ok &= hit
        return ok

    def name_rank(self) -> np.ndarray:
        """Each slot's place in name order (then firm id), kept sorted as firms are added:
        a name-sorted list of 100,000 firms is then one gather and one integer sort."""
        cols = self.cols
        if self._ranked < self.size:
            ordered = self._name_order
            if self.size - self._ranked > 1000:  # a build or a bulk load: sort them all
                ordered[:] = sorted(zip(cols.name_key, cols.firm_id, range(self.size),
                                        strict=True))
            else:
                for slot in range(self._ranked, self.size):
                    bisect.insort(ordered, (cols.name_key[slot], cols.firm_id[slot], slot))
            self._ranked = self.size
            rank = np.empty(self.size, dtype=np.int64)
            rank[np.fromiter((t[2] for t in ordered), dtype=np.int64, count=len(ordered))] = \
                np.arange(len(ordered))
            self._rank = rank
        return self._rank

    def _province_rank(self) -> np.ndarray:
        """Province code -> its place in the provinces' name order."""
        if self._provinces is None:
            from crm.display import provinces

            table = np.full(1000, 999, dtype=np.int32)
            for i, (code, _name) in enumerate(provinces()):
                table[code] = i
            self._provinces = table
        return self._provinces

    def _split(self, word: str) -> list[str]:
        """The two known words a joined word is made of ("daklak" -> dak, lak)."""
        counts = self.vocab.counts
        for i in range(2, len(word) - 1):
            if word[:i] in counts and word[i:] in counts:
                return [word[:i], word[i:]]
        return []

    def _concept(self, words: tuple[str, ...], alternatives: list[tuple[str, ...]], n: int,
                 last: bool, before: str | None, after: str | None) -> _Concept:
        grid, terms, corrected = self._phrase(words, EXACT, n, last, before, after)
        alts = list(alternatives)
        if corrected:
            alts += synonym_phrase(tuple(corrected.split()))
        known = self.vocab.counts
        for alt in alts:
            if not all(w in known for w in alt):
                continue  # a synonym no firm uses ("edible bird's nest"): nothing to find
            g, t, _c = self._phrase(alt, SYNONYM, n, False, correct=False)
            grid = np.maximum(grid, g)
            terms |= t
        weighted = grid * WEIGHTS[:, None]
        top = weighted.max(axis=0)
        # More fields saying the same (product name, its HS title, the description) is more
        # evidence: coffee growers before a honey whose product names coffee blossoms.
        score = top + EVIDENCE * (weighted.sum(axis=0) - top)
        return _Concept(corrected or " ".join(words), score, weighted, terms,
                        corrected_from=" ".join(words) if corrected else None)

    def search(self, reading: Reading, mask: np.ndarray | None, sort: str = "relevance",
               offset: int = 0, limit: int = 20) -> Result:
        """Firms matching `reading` among the slots `mask` allows, in `sort` order."""
        with self.lock:
            return self._search(reading, mask, sort, offset, limit)

    def base_mask(self, archived: bool, province: int | None, size: str | None) -> np.ndarray:
        """Live slots passing the simple filters (archived, province, size class)."""
        cols = self.cols
        mask = np.frombuffer(cols.alive, dtype=np.uint8).astype(bool)
        if not archived:
            mask &= np.frombuffer(cols.archived, dtype=np.uint8) == 0
        if province:
            mask &= np.frombuffer(cols.province, dtype=np.int32) == province
        if size:
            mask &= np.frombuffer(cols.size, dtype=np.int8) == SIZE_RANK.get(size, 4)
        return mask

    def hs_slots(self, prefix: str) -> np.ndarray | None:
        """Slots of firms with a product whose HS code starts with `prefix` (2, 4, 6 or 8
        digits: the prefixes indexed), or None when the index cannot tell."""
        if len(prefix) not in (2, 4, 6, 8):
            return None
        slots = self._slots(self.hs.get(prefix))
        return slots if slots is not None else np.zeros(0, dtype=np.int32)

    def slots_of(self, firm_ids: Iterable[int]) -> np.ndarray:
        """Live slots of the given firms."""
        get = self.slot_of.get
        return np.fromiter((s for s in map(get, firm_ids) if s is not None), dtype=np.int64)

    def _search(self, reading: Reading, mask: np.ndarray | None, sort: str, offset: int,
                limit: int) -> Result:
        n = self.size
        cols = self.cols
        allowed = mask if mask is not None else self.base_mask(False, None, None)
        concepts: list[_Concept] = []
        ignored: list[str] = []
        phrases = reading.phrases
        for i, phrase in enumerate(phrases):
            concept = self._concept(phrase.words, phrase.alternatives, n,
                                    last=i == len(phrases) - 1,
                                    before=phrases[i - 1].words[-1] if i else None,
                                    after=phrases[i + 1].words[0] if i + 1 < len(phrases)
                                    else None)
            if not (concept.score > 0).any():
                ignored.append(" ".join(phrase.words))  # no firm at all has it: skip it
                continue
            concepts.append(concept)
        for code in reading.hs_codes:
            score = np.zeros(n, dtype=np.float32)
            slots = self._slots(self.hs.get(code))
            if slots is not None:
                score[slots] = WEIGHTS[PRODUCT]
            grid = np.zeros((len(FIELDS), n), dtype=np.float32)
            grid[HS] = score
            concepts.append(_Concept(f"HS {code}", score, grid, {code}))
        # Place level: 1 in the province asked for, 2 when the place's own words are in the
        # firm's name or address too ("yến sào Cam Ranh": Cam Ranh firms, then Khánh Hòa).
        place_level = np.zeros(n, dtype=np.int8)
        if reading.places:
            provinces = np.frombuffer(cols.province, dtype=np.int32)
            in_province = np.isin(provinces, [code for code, _w in reading.places])
            in_text = np.zeros(n, dtype=bool)
            for _code, typed in reading.places:
                words = tuple(typed.split())
                grid, _t, _c = self._phrase(words, EXACT, n, False, correct=False)
                in_text |= grid[[NAME, PLACE]].max(axis=0) > 0
            place_level = in_province.astype(np.int8) + in_text
        place = place_level > 0
        required = len(concepts)
        matched = np.zeros(n, dtype=np.int32)
        strength = np.zeros(n, dtype=np.float32)
        for c in concepts:
            matched += c.score > 0
            strength += c.score
        if required:
            need = required if required <= 2 else required - 1
            candidates = allowed & (matched >= need)
        elif reading.empty:  # no words at all: the filters alone (firm_page sends some here)
            candidates = allowed.copy()
        else:  # a place only, or only words no firm has (then: nothing)
            candidates = allowed & place
        if not reading.places:
            full_mask = candidates & (matched == required)
        else:
            full_mask = candidates & (matched == required) & place
        found = np.flatnonzero(candidates)
        total = len(found)

        # Facets over the matches before the page is cut.
        provinces = np.frombuffer(cols.province, dtype=np.int32)
        counts = np.bincount(provinces[found], minlength=1) if total else np.zeros(1)
        province_counts = sorted(((int(c), int(k)) for c, k in enumerate(counts) if k and c),
                                 key=lambda ck: -ck[1])
        chapter_counts = []
        if total:
            for code, arr in self.hs.items():
                if len(code) == 2:
                    k = int(candidates[np.frombuffer(arr, dtype=np.int32)].sum())
                    if k:
                        chapter_counts.append((code, k))
            chapter_counts.sort(key=lambda ck: -ck[1])

        order = self._order(found, sort, matched, place_level, strength, required, concepts,
                            reading)
        page = order[offset:offset + limit]
        ids = [int(cols.firm_id[s]) for s in page]
        hits: dict[int, Hit] = {}
        for s in page:
            fields = [(FIELDS[int(c.fields[:, s].argmax())], c.label) for c in concepts
                      if c.score[s] > 0]
            if place[s]:
                fields += [("place", typed) for _c, typed in reading.places]
            hits[int(cols.firm_id[s])] = Hit(fields)
        terms: set[str] = set()  # not the place words: "Cà Mau" would mark every "cá"
        for c in concepts:
            terms |= c.words
        corrections = [c for c in concepts if c.corrected_from]
        corrected = None
        if corrections:
            labels = {c.corrected_from: c.label for c in corrections}
            corrected = " ".join(labels.get(" ".join(p.words), " ".join(p.words))
                                 for p in reading.phrases)
        firm_ids = np.frombuffer(cols.firm_id, dtype=np.int64)[found]
        return Result(ids, total, int(full_mask.sum()), hits, terms, corrected, ignored,
                      province_counts, chapter_counts[:12], firm_ids)

    def _order(self, found: np.ndarray, sort: str, matched: np.ndarray, place: np.ndarray,
               strength: np.ndarray, required: int, concepts: list[_Concept],
               reading: Reading) -> np.ndarray:
        cols = self.cols
        if not len(found):
            return found
        archived = np.frombuffer(cols.archived, dtype=np.uint8)[found]
        if sort in ("name", "province", "size"):
            keys = [self.name_rank()[found]]  # last key: name, then firm id
            if sort == "province":
                keys.append(self._province_rank()[np.frombuffer(cols.province,
                                                                dtype=np.int32)[found]])
            elif sort == "size":
                keys.append(np.frombuffer(cols.size, dtype=np.int8)[found])
            return found[np.lexsort((*keys, archived))]
        if sort == "updated":
            updated = np.frombuffer(cols.updated, dtype=np.float64)[found]
            return found[np.lexsort((-found, -updated, archived))]
        # Relevance.
        proximity = np.zeros(len(found), dtype=np.float32)
        typed = [w for p in reading.phrases for w in p.words]
        for pair in _pairs(typed) | _pairs([w for c in concepts for w in c.label.split()]):
            hit = np.zeros(self.size, dtype=bool)
            for f in PAIR_FIELDS:
                slots = self._slots(self.pairs[f].get(pair))
                if slots is not None:
                    hit[slots] = True
            proximity += hit[found]
        k = max(required, 1)
        prior = np.frombuffer(cols.prior, dtype=np.float32)[found]
        legal_bonus = np.zeros(len(found), dtype=np.float32)
        if reading.legal_kinds:
            legal_bonus = np.array([cols.legal[s] in reading.legal_kinds
                                    for s in found.tolist()], dtype=np.float32)
        pairs = max(len(typed) - 1, 1)
        # The legal form asked for ("hkd", "ctcp") lifts households or joint-stock firms
        # among equals, but a name match of another form still beats a description match.
        relevance = (0.7 * strength[found] / k + 0.25 * np.minimum(proximity / pairs, 1)
                     + 0.35 * legal_bonus + 0.05 * prior)
        tier = 4 * matched[found] + place[found].astype(np.int32)  # concepts, then place
        return found[np.lexsort((found, -relevance, -tier, archived))]


def hs_title_words(rows: Iterable[tuple[str, str | None, str | None]]) -> dict[str, list[str]]:
    """HS code -> distinct folded words of its English and Vietnamese titles (4 and 6 digits)."""
    out: dict[str, list[str]] = {}
    for code, en, vi in rows:
        if len(code) in (4, 6):
            words = fold_words(f"{en or ''} {vi or ''}").split()
            out[code] = list(dict.fromkeys(w for w in words if w not in _TITLE_STOP
                                           and not w.isdigit() and len(w) > 1))
    return out
