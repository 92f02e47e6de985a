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
from datetime import date
from typing import Any

import numpy as np

from crm.search import Vocabulary
from crm.search.document import (
    DESCRIPTION,
    ENGLISH_SEP,
    EXTRA,
    FIELDS,
    FORMER,
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

# How much a match in each field counts (name > product > the rest). A former name counts
# as a name, a shade below the current one: of two firms called so, the one still called so
# comes first.
WEIGHTS = np.zeros(len(FIELDS), dtype=np.float32)
WEIGHTS[[NAME, PRODUCT, HS, EXTRA, PLACE, DESCRIPTION, TAX, FORMER]] = (
    1.0, 0.85, 0.5, 0.6, 0.5, 0.45, 1.0, 0.95)
EXACT, PREFIX, SYNONYM, JOINED, CORRECTED = 1.0, 0.75, 0.9, 0.9, 0.7
EVIDENCE = 0.25  # share counted of the matches in fields other than the best one
# Fields whose adjacent words are indexed (a phrase matches there only with its words together).
PAIR_FIELDS = (NAME, PRODUCT, EXTRA, PLACE, DESCRIPTION, FORMER)
NOT_HEAD = 0.85  # a product match that does not start the product's name
PAIR_READINGS = 6  # readings per word tried when checking that phrase words are adjacent
MAX_PREFIX = 40  # words a prefix expands to, the commonest first
FREQUENT = 5  # a known word is also read as a near spelling whose pair is this much commoner
SIZE_RANK = {"large": 0, "medium": 1, "small": 2, "micro": 3}
NEVER = 2**31 - 1  # day number of a certificate without an end date (or not yet issued)
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


class _Space:
    """A set of slots (sorted) and each one's position in it.

    Scoring works on the firms a query can match, not on arrays over every firm: at
    1,000,000 firms a fields x firms array per query word was most of a search's time.
    """

    __slots__ = ("pos", "slots")

    def __init__(self, slots: np.ndarray, size: int) -> None:
        self.slots = slots
        self.pos = np.full(size, -1, dtype=np.int32)
        self.pos[slots] = np.arange(len(slots), dtype=np.int32)

    def __len__(self) -> int:
        return len(self.slots)

    def local(self, slots: np.ndarray) -> np.ndarray:
        """Positions in this space of those of `slots` that are in it."""
        found = self.pos[slots]
        return found[found >= 0]


def _union(parts: Iterable[np.ndarray], size: int) -> np.ndarray:
    """Sorted distinct slots of several slot arrays."""
    hit = np.zeros(size, dtype=bool)
    for part in parts:
        hit[part] = True
    return np.flatnonzero(hit)


def _day(value: Any) -> int:
    return value.toordinal() if value is not None else NEVER


@dataclass
class _Columns:
    """Per-slot attributes of the indexed firms (a slot is one version of a firm)."""

    firm_id: array = field(default_factory=lambda: array("q"))
    alive: bytearray = field(default_factory=bytearray)
    archived: bytearray = field(default_factory=bytearray)
    province: array = field(default_factory=lambda: array("i"))
    size: array = field(default_factory=lambda: array("b"))
    legal: array = field(default_factory=lambda: array("b"))  # index into SearchIndex.legal
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
    matched_slots: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    cert_counts: list[tuple[str, int]] = field(default_factory=list)  # filled by the caller
    market_counts: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class _Concept:
    label: str  # how the concept reads (corrected where a correction was used)
    slots: np.ndarray  # the slots it matches, sorted
    score: np.ndarray  # per matched slot (> 0)
    fields: np.ndarray  # fields x matched slots, weighted match (the best field is shown)
    words: set[str]
    corrected_from: str | None = None

    def field_of(self, slot: int) -> str | None:
        """The field that matched best in `slot`, None when the concept does not match it."""
        i = int(np.searchsorted(self.slots, slot))
        if i < len(self.slots) and self.slots[i] == slot:
            return FIELDS[int(self.fields[:, i].argmax())]
        return None


@dataclass
class _Certificates:
    """One scheme's certificates: holder slot, first and last valid day (day numbers)."""

    slots: array = field(default_factory=_slots)
    issued: array = field(default_factory=_slots)
    expires: array = field(default_factory=_slots)


class SearchIndex:
    """Postings per field (word -> slots), pair postings, HS prefixes and a vocabulary."""

    def __init__(self, hs_titles: dict[str, list[str]] | None = None,
                 commune_province: dict[int, int] | None = None,
                 market_groups: dict[str, list[str]] | None = None) -> None:
        self.lock = threading.RLock()
        self.cols = _Columns()
        self.slot_of: dict[int, int] = {}
        self.doc_key: dict[int, int] = {}
        self.postings: list[defaultdict[str, array]] = [defaultdict(_slots) for _ in FIELDS]
        self.pairs: list[defaultdict[str, array]] = [defaultdict(_slots) for _ in FIELDS]
        self.hs: defaultdict[str, array] = defaultdict(_slots)
        # Target markets by country and by market group, certificates by scheme: the
        # market and certificate filters and facets are answered here, not by the database
        # (EU27 alone was ~300,000 firm ids read per request at 1,000,000 firms).
        self.countries: defaultdict[str, array] = defaultdict(_slots)
        self.groups: defaultdict[str, array] = defaultdict(_slots)
        self.groups_of: dict[str, list[str]] = {}
        for group, members in (market_groups or {}).items():
            for country in members:
                self.groups_of.setdefault(country, []).append(group)
        self.certificates: defaultdict[str, _Certificates] = defaultdict(_Certificates)
        self._valid: dict[str, np.ndarray] = {}  # scheme -> slots valid on _valid_at's day
        self._valid_at: tuple[int, int] = (-1, -1)  # (size, day) the cache was made for
        self.legal: list[str] = []  # legal forms seen, indexed by cols.legal
        self._by_rank = np.zeros(0, dtype=np.int64)  # slots in name order
        self._by_updated = np.zeros(0, dtype=np.int64)
        self._updated_at = -1  # size when _by_updated was sorted
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
            name_key: str, count_words: bool = True) -> bool:
        """Index one firm (a newer version replaces the one indexed); True when it took a
        new slot (its markets and certificates are then to be added, see add_markets).

        A full build passes count_words=False and calls count_vocabulary() once at the end:
        counting each firm's words as it goes was a third of the build.
        """
        key = hash((document, province, archived, size, legal, updated, prior))
        if self.doc_key.get(firm_id) == key:
            return False
        self.remove(firm_id)
        cols = self.cols
        slot = len(cols.firm_id)
        cols.firm_id.append(firm_id)
        cols.alive.append(1)
        cols.archived.append(1 if archived else 0)
        cols.province.append(province or 0)
        cols.size.append(SIZE_RANK.get(size or "", 4))
        legal = legal or ""
        if legal not in self.legal:
            self.legal.append(legal)
        cols.legal.append(self.legal.index(legal))
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
        return True

    def add_markets(self, rows: Iterable[tuple[int, str]]) -> None:
        """Target markets (firm id, country code) of firms indexed, rows of one firm together
        (a firm's market groups are counted once)."""
        slot_of = self.slot_of
        last, seen = -1, set[str]()
        for firm_id, country in rows:
            slot = slot_of.get(firm_id)
            if slot is None:
                continue
            if slot != last:
                last, seen = slot, set()
            self.countries[country].append(slot)
            for group in self.groups_of.get(country, ()):
                if group not in seen:
                    seen.add(group)
                    self.groups[group].append(slot)

    def add_certificates(self, rows: Iterable[tuple[int, str, Any, Any]]) -> None:
        """Certificates (firm id, scheme, issued on, expires on) of firms indexed."""
        slot_of = self.slot_of
        for firm_id, scheme, issued, expires in rows:
            slot = slot_of.get(firm_id)
            if slot is None:
                continue
            kept = self.certificates[scheme]
            kept.slots.append(slot)
            kept.issued.append(_day(issued))
            kept.expires.append(_day(expires))
        self._valid_at = (-1, -1)

    def market_slots(self, market: str) -> np.ndarray:
        """Slots of firms targeting a country (2 letters) or a market group (ASEAN, EU27...)."""
        table = self.countries if len(market) == 2 else self.groups
        found = self._slots(table.get(market))
        return found if found is not None else np.zeros(0, dtype=np.int32)

    def certificate_slots(self, scheme: str, today: date) -> np.ndarray:
        """Slots of firms holding a certificate of `scheme` valid on `today` (issued, not
        expired), possibly repeated."""
        at = (self.size, today.toordinal())
        if self._valid_at != at:
            self._valid = {}
            self._valid_at = at
        found = self._valid.get(scheme)
        if found is None:
            kept = self.certificates.get(scheme)
            if kept is None or not len(kept.slots):
                found = np.zeros(0, dtype=np.int32)
            else:
                day = at[1]
                slots = np.frombuffer(kept.slots, dtype=np.int32)
                valid = ((np.frombuffer(kept.issued, dtype=np.int32) <= day)
                         & (np.frombuffer(kept.expires, dtype=np.int32) >= day))
                found = slots[valid]
            self._valid[scheme] = found
        return found

    def child_facets(self, found: np.ndarray, today: date,
                     top: int = 8) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
        """Firms among the slots `found` per certificate valid today and per market group."""
        hit = np.zeros(self.size, dtype=bool)
        hit[found] = True

        def count(parts: Iterable[tuple[str, np.ndarray]]) -> list[tuple[str, int]]:
            counts = []
            for code, slots in parts:
                mine = slots[hit[slots]]
                k = len(np.unique(mine)) if len(mine) else 0
                if k:
                    counts.append((code, k))
            return sorted(counts, key=lambda ck: (-ck[1], ck[0]))[:top]

        certs = count((scheme, self.certificate_slots(scheme, today))
                      for scheme in list(self.certificates))
        markets = count((group, np.frombuffer(slots, dtype=np.int32))
                        for group, slots in self.groups.items() if len(slots))
        return certs, markets

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

    def _word_slots(self, word: str, quality: float) -> list[tuple[int, np.ndarray]]:
        """(field, slots) where one reading of a query word is found."""
        out: list[tuple[int, np.ndarray]] = []
        for f in range(len(FIELDS)):
            if f == HS:  # HS titles hold whole words: no prefix readings there
                slots = self._title_slots(word) if quality != PREFIX else None
            else:
                slots = self._slots(self.postings[f].get(word))
            if slots is not None:
                out.append((f, slots))
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

    def _phrase(self, words: tuple[str, ...], quality: float, last: bool,
                before: str | None = None, after: str | None = None, correct: bool = True,
                within: np.ndarray | None = None,
                ) -> tuple[np.ndarray, np.ndarray, set[str], str | None]:
        """The slots (among `within`) where a phrase matches, with fields x those slots: its
        words next to each other in one field (in the HS titles and certificates: anywhere in
        the field); a single word: its readings. Also the words it may match, and its likely
        correction. Only the slots holding every word are scored (sparse)."""
        terms: set[str] = set()
        fixed: list[str] = []
        readings: list[list[str]] = []
        found_in: list[list[tuple[float, int, np.ndarray]]] = []  # per word: quality, field, slots
        reach: np.ndarray | None = None
        for i, word in enumerate(words):
            variants, correction = self._variants(
                word, last and i == len(words) - 1,
                words[i - 1] if i else before, words[i + 1] if i + 1 < len(words) else after,
                correct)
            fixed.append(correction or word)
            places = [(q, f, s) for w, q in variants for f, s in self._word_slots(w, q)]
            if word not in self.vocab.counts and len(words) == 1:
                joined = [(JOINED, f, s) for f in PAIR_FIELDS
                          if (s := self._slots(self.pairs[f].get(word))) is not None]
                if joined:  # typed joined ("daklak"): the pair "dak lak" indexed
                    places += joined
                    terms.update(self._split(word))
            terms.update(w for w, _q in variants)
            readings.append([w for w, _q in sorted(variants, key=lambda v: -v[1])][:PAIR_READINGS])
            found_in.append(places)
            hit = np.zeros(self.size, dtype=bool)
            for _q, _f, slots in places:
                hit[slots] = True
            reach = hit if reach is None else reach & hit
        assert reach is not None
        if within is not None:
            reach &= within
        space = _Space(np.flatnonzero(reach), self.size)
        m = len(space)
        acc: np.ndarray | None = None
        for places in found_in:
            grid = np.zeros((len(FIELDS), m), dtype=np.float32)
            for q, f, slots in places:
                loc = space.local(slots)
                row = grid[f]
                row[loc] = np.maximum(row[loc], q)
            acc = grid if acc is None else np.minimum(acc, grid)
        assert acc is not None
        if len(words) > 1:
            for f in range(len(FIELDS)):
                if f in PAIR_FIELDS:
                    acc[f] *= self._adjacent(readings, f, space)
                else:  # HS titles, tax code: words of a phrase anywhere mean nothing
                    acc[f] = 0
        # A product named by what it is ("Tôm thẻ đông lạnh") before one that only mentions
        # it ("Thức ăn cho tôm thẻ"): the phrase must start one of the firm's products.
        head = np.zeros(m, dtype=bool)
        for word in {*readings[0], *readings[-1]}:  # Vietnamese head first, English last
            slots = self._slots(self.heads.get(word))
            if slots is not None:
                head[space.local(slots)] = True
        acc[PRODUCT] = np.where(head, acc[PRODUCT], acc[PRODUCT] * NOT_HEAD)
        acc *= quality
        keep = acc.max(axis=0) > 0 if m else np.zeros(0, dtype=bool)
        corrected = " ".join(fixed) if fixed != list(words) else None
        return space.slots[keep], acc[:, keep], terms, corrected

    def _adjacent(self, readings: list[list[str]], f: int, space: _Space) -> np.ndarray:
        """Slots of `space` where each word is followed by the next in field f (any of their
        readings)."""
        ok = np.ones(len(space), dtype=bool)
        for first, second in itertools.pairwise(readings):
            hit = np.zeros(len(space), dtype=bool)
            for a in first:
                for b in second:
                    slots = self._slots(self.pairs[f].get(a + b))
                    if slots is not None:
                        hit[space.local(slots)] = True
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
            self._by_rank = np.fromiter((t[2] for t in ordered), dtype=np.int64,
                                        count=len(ordered))
            rank[self._by_rank] = np.arange(len(ordered))
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

    def _concept(self, words: tuple[str, ...], alternatives: list[tuple[str, ...]],
                 last: bool, before: str | None, after: str | None,
                 within: np.ndarray | None) -> _Concept:
        slots, grid, terms, corrected = self._phrase(words, EXACT, last, before, after,
                                                     within=within)
        alts = list(alternatives)
        if corrected:
            alts += synonym_phrase(tuple(corrected.split()))
        known = self.vocab.counts
        pieces = [(slots, grid)]
        for alt in alts:
            if not all(w in known for w in alt):
                continue  # a synonym no firm uses ("edible bird's nest"): nothing to find
            s, g, t, _c = self._phrase(alt, SYNONYM, False, correct=False, within=within)
            terms |= t
            if len(s):
                pieces.append((s, g))
        if len(pieces) > 1:  # the best reading of each slot, over the phrase and its synonyms
            slots = _union((s for s, _g in pieces), self.size)
            space = _Space(slots, self.size)
            grid = np.zeros((len(FIELDS), len(slots)), dtype=np.float32)
            for s, g in pieces:
                loc = space.local(s)
                grid[:, loc] = np.maximum(grid[:, loc], g)
        weighted = grid * WEIGHTS[:, None]
        top = weighted.max(axis=0) if len(slots) else np.zeros(0, dtype=np.float32)
        # More fields saying the same (product name, its HS title, the description) is more
        # evidence: coffee growers before a honey whose product names coffee blossoms.
        score = top + EVIDENCE * (weighted.sum(axis=0) - top)
        return _Concept(corrected or " ".join(words), slots, score, weighted, terms,
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
        size = self.size
        cols = self.cols
        allowed = mask if mask is not None else self.base_mask(False, None, None)
        concepts: list[_Concept] = []
        ignored: list[str] = []
        phrases = reading.phrases
        for i, phrase in enumerate(phrases):
            where = (i == len(phrases) - 1, phrases[i - 1].words[-1] if i else None,
                     phrases[i + 1].words[0] if i + 1 < len(phrases) else None)
            concept = self._concept(phrase.words, phrase.alternatives, *where, within=allowed)
            if not len(concept.slots) and not len(
                    self._concept(phrase.words, phrase.alternatives, *where, within=None).slots):
                ignored.append(" ".join(phrase.words))  # no firm at all has it: skip it
                continue
            concepts.append(concept)
        for code in reading.hs_codes:
            slots = self._slots(self.hs.get(code))
            slots = slots[allowed[slots]] if slots is not None else np.zeros(0, dtype=np.int32)
            score = np.full(len(slots), WEIGHTS[PRODUCT], dtype=np.float32)
            grid = np.zeros((len(FIELDS), len(slots)), dtype=np.float32)
            grid[HS] = score
            concepts.append(_Concept(f"HS {code}", slots, score, grid, {code}))
        # Place level: 1 in the province asked for, 2 when the place's own words are in the
        # firm's name or address too ("yến sào Cam Ranh": Cam Ranh firms, then Khánh Hòa).
        provinces = np.frombuffer(cols.province, dtype=np.int32)
        place_codes = [code for code, _w in reading.places]
        in_text = np.zeros(size, dtype=bool)
        for _code, typed in reading.places:
            s, g, _t, _c = self._phrase(tuple(typed.split()), EXACT, False, correct=False,
                                        within=allowed)
            in_text[s[g[[NAME, PLACE]].max(axis=0) > 0]] = True
        required = len(concepts)
        # The slots that can be found: those matching a concept (scores are added there only).
        if required:
            universe = _union((c.slots for c in concepts), size)
        elif reading.empty:  # no words at all: the filters alone (firm_page sends some here)
            universe = np.flatnonzero(allowed)
        else:  # a place only, or only words no firm has (then: nothing)
            universe = np.flatnonzero(allowed & (in_text | np.isin(provinces, place_codes)))
        place_level = np.zeros(len(universe), dtype=np.int8)
        if reading.places:
            place_level = (np.isin(provinces[universe], place_codes).astype(np.int8)
                           + in_text[universe])
        place = place_level > 0
        matched = np.zeros(len(universe), dtype=np.int32)
        strength = np.zeros(len(universe), dtype=np.float32)
        if required:
            space = _Space(universe, size)
            for c in concepts:
                loc = space.local(c.slots)  # every slot of a concept is in the universe
                matched[loc] += 1
                strength[loc] += c.score
            need = required if required <= 2 else required - 1
            candidates = matched >= need
        else:
            candidates = np.ones(len(universe), dtype=bool)
        full_mask = candidates & (matched == required)
        if reading.places:
            full_mask &= place
        found = universe[candidates]
        total = len(found)

        # Facets over the matches before the page is cut.
        counts = np.bincount(provinces[found], minlength=1) if total else np.zeros(1)
        province_counts = sorted(((int(c), int(k)) for c, k in enumerate(counts) if k and c),
                                 key=lambda ck: -ck[1])
        chapter_counts = []
        if total:
            hit = np.zeros(size, dtype=bool)
            hit[found] = True
            for code, arr in self.hs.items():
                if len(code) == 2:
                    k = int(hit[np.frombuffer(arr, dtype=np.int32)].sum())
                    if k:
                        chapter_counts.append((code, k))
            chapter_counts.sort(key=lambda ck: -ck[1])

        found_place = place[candidates]
        order = self._order(found, sort, matched[candidates], place_level[candidates],
                            strength[candidates], required, concepts, reading)
        page = order[offset:offset + limit]
        ids = [int(cols.firm_id[s]) for s in page]
        hits: dict[int, Hit] = {}
        for s in page.tolist():
            fields = [(f, c.label) for c in concepts if (f := c.field_of(s)) is not None]
            if found_place[int(np.searchsorted(found, s))]:
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
                      province_counts, chapter_counts[:12], firm_ids, matched_slots=found)

    def _in_order(self, ordered: np.ndarray, found: np.ndarray,
                  key: np.ndarray | None = None) -> np.ndarray:
        """The slots `found`, in the order of `ordered` (every slot), live firms before
        archived ones, then by the small per-slot `key` (stable: `ordered` breaks ties).
        A filter of a presorted list and a radix sort: no comparison sort of 1,000,000 rows."""
        hit = np.zeros(self.size, dtype=bool)
        hit[found] = True
        ordered = ordered[hit[ordered]]
        first = np.frombuffer(self.cols.archived, dtype=np.uint8)[ordered].astype(np.int16)
        if key is not None:
            first = first * 1000 + key[ordered]
        if not first.any():
            return ordered
        return ordered[np.argsort(first, kind="stable")]

    def _order(self, found: np.ndarray, sort: str, matched: np.ndarray, place: np.ndarray,
               strength: np.ndarray, required: int, concepts: list[_Concept],
               reading: Reading) -> np.ndarray:
        """`found` (sorted slots) in `sort` order; matched, place and strength are per slot
        of `found`."""
        cols = self.cols
        if not len(found):
            return found
        archived = np.frombuffer(cols.archived, dtype=np.uint8)[found]
        if sort in ("name", "province", "size"):
            self.name_rank()  # brings _by_rank up to date
            key = None  # then name, then firm id
            if sort == "province":
                key = self._province_rank()[np.frombuffer(cols.province, dtype=np.int32)]
            elif sort == "size":
                key = np.frombuffer(cols.size, dtype=np.int8)
            return self._in_order(self._by_rank, found,
                                  key.astype(np.int16) if key is not None else None)
        if sort == "updated":
            if self._updated_at != self.size:  # newest first, then the newest slot
                updated = np.frombuffer(cols.updated, dtype=np.float64)
                self._by_updated = np.lexsort((-np.arange(self.size), -updated))
                self._updated_at = self.size
            return self._in_order(self._by_updated, found)
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
            kinds = [i for i, kind in enumerate(self.legal) if kind in reading.legal_kinds]
            legal_bonus = np.isin(np.frombuffer(cols.legal, dtype=np.int8)[found],
                                  kinds).astype(np.float32)
        pairs = max(len(typed) - 1, 1)
        # The legal form asked for ("hkd", "ctcp") lifts households or joint-stock firms
        # among equals, but a name match of another form still beats a description match.
        relevance = (0.7 * strength / k + 0.25 * np.minimum(proximity / pairs, 1)
                     + 0.35 * legal_bonus + 0.05 * prior)
        tier = 4 * matched + place.astype(np.int32)  # concepts, then place
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
