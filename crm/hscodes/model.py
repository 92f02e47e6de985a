"""The HS suggestion model: which HS headings a product text most likely belongs to.

Pure library (no Flask, no database): built from plain rows, so the app, the bench and the
tests build it the same way.

Three sources of evidence, in one TF-IDF space (scikit-learn; character 3-5-grams and words
over accent-folded text, matching.text.fold, so "cà phê", "ca phe" and "CA PHE" are alike):
- the registry's own coded products (name and English name): the nearest ones vote for
  their heading. This is the best evidence: "Cà phê nhân Robusta" coded 0901 by an officer
  says more about "cà phê nhân Arabica" than any title;
- the HS titles (English for every line, Vietnamese for a few headings), headings and their
  subheadings: a heading scores the best of its lines;
- phrase groups that carry a Vietnamese product word to its English words before matching
  ("tôm" -> shrimp, crustaceans): the search synonyms (crm/search/data/synonyms.csv) and the
  HS glossary (data/glossary.csv), since most titles are English only.

A suggestion is a 4-digit heading, or the 6-digit subheading when the close registry
neighbours of that heading agree on one.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize

from matching.text import fold

DATA = Path(__file__).parent / "data"
IGNORE = "ignore"  # glossary kind: phrases dropped from the text (places, grades)
# Glossary kind: a classifier word ("hạt", "quả", "củ"): it heads a phrase without being what
# the product is ("hạt tiêu" is pepper, not a seed), so it counts only standing alone.
CLASSIFIER = "classifier"

# Tuning (chosen on the labelled set; see crm/hscodes/bench.py for the figures):
NEIGHBOURS = 15  # registry products looked at per query
MIN_NEIGHBOUR = 0.3  # cosine below which a coded product is not "alike"
REGISTRY_WEIGHT = 1.0  # a perfect registry match against a perfect title match
CHAPTER_WEIGHT = 0.3  # products coded at chapter level (2 digits) lift that chapter's headings
SIX_DIGIT_SHARE = 0.8  # share of a heading's registry weight one subheading needs ...
SIX_DIGIT_MIN = 0.6  # ... from neighbours at least this alike, to be suggested at 6 digits
HEAD_REPEAT = 3  # the head phrase's implied words are given this many times
MAX_TEXT = 500  # characters of a product text read
_WORD = re.compile(r"(?u)\b\w+\b")

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    """One suggested HS code for a product text, with why."""

    code: str  # 4 digits, or 6 when the registry is confident
    score: float
    similar: int = 0  # coded products of the registry alike to the text, with this heading
    examples: tuple[str, ...] = ()  # names of some of them
    title: bool = False  # the heading's HS title matched the text

    @property
    def heading(self) -> str:
        """The 4-digit heading."""
        return self.code[:4]


@dataclass(frozen=True)
class HsLine:
    """One line of the HS nomenclature."""

    code: str
    parent: str | None
    en: str
    vi: str | None = None


@dataclass(frozen=True)
class CodedProduct:
    """A product of the registry with its HS code (any length: 2, 4 or 6 digits)."""

    name: str
    name_en: str | None
    hs_code: str


# --- phrases ---------------------------------------------------------------------------------


def _accented_words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFC", text.lower()).replace("_", " "))


def read_glossary(path: Path = DATA / "glossary.csv") -> list[tuple[list[str], str]]:
    """(terms, kind) rows of the HS glossary: Vietnamese product words and their English."""
    with path.open(encoding="utf-8") as fh:
        return [([t.strip() for t in row["terms"].split("|") if t.strip()],
                 (row.get("kind") or "").strip()) for row in csv.DictReader(fh)]


@dataclass(frozen=True)
class Reading:
    """A product text read for matching: all of it, and its head (what the product is)."""

    text: str  # folded words, ignored phrases left out, then the words they imply
    head: str  # the head phrase and the words it implies


@dataclass
class Phrasebook:
    """Finds known product phrases in a text and adds the other phrases of their groups.

    Glossary phrases are matched with their diacritics when the text has any ("nấm" is a
    mushroom, "nam" is men's), folded otherwise; the search synonyms are matched folded.
    """

    synonyms: dict[Phrase, set[str]] = field(default_factory=dict)
    accented: dict[Phrase, set[str]] = field(default_factory=dict)
    folded: dict[Phrase, set[str]] = field(default_factory=dict)
    ignored_accented: set[Phrase] = field(default_factory=set)
    ignored_folded: set[Phrase] = field(default_factory=set)
    classifiers: set[Phrase] = field(default_factory=set)
    english: frozenset[str] = frozenset()
    longest: int = 1

    @classmethod
    def build(cls, synonyms: Mapping[Phrase, Sequence[Phrase]],
              glossary: Iterable[tuple[list[str], str]],
              english: Iterable[str] = ()) -> Phrasebook:
        """From folded synonym groups (crm.search.understand.synonym_groups), glossary rows
        and English words (the HS titles': they tell an English name from a Vietnamese one)."""
        book = cls(english=frozenset(english))
        for phrase, group in synonyms.items():
            book.synonyms.setdefault(phrase, set()).update(" ".join(g) for g in group)
        for terms, kind in glossary:
            phrases = [tuple(_accented_words(t)) for t in terms]
            phrases = [p for p in phrases if p]
            if kind == IGNORE:
                book.ignored_accented.update(phrases)
                book.ignored_folded.update(tuple(fold(w) for w in p) for p in phrases)
                continue
            if kind == CLASSIFIER:
                book.classifiers.update(phrases)
            folded_all = {" ".join(fold(w) for w in p) for p in phrases}
            for p in phrases:
                book.accented.setdefault(p, set()).update(folded_all)
                book.folded.setdefault(tuple(fold(w) for w in p), set()).update(folded_all)
        keys = [*book.synonyms, *book.accented, *book.folded, *book.ignored_accented,
                *book.ignored_folded]
        book.longest = max((len(k) for k in keys), default=1)
        return book

    def _english(self, words: list[str], marked: bool) -> bool:
        """An English name ("Frozen pangasius fillets"): no diacritics, mostly English words."""
        if marked or not self.english:
            return False
        return sum(w in self.english for w in words) * 2 > len(words)

    def read(self, text: str) -> Reading:
        """Read a product text: its folded words and the phrases they imply, and its head.

        Vietnamese puts the head noun first ("kẹo dừa" is a candy, "dầu dừa" an oil, "thức
        ăn cho tôm" a feed), English last ("coconut oil"): the head phrase's implied words
        count HEAD_REPEAT times. With diacritics, a glossary phrase heading a longer phrase
        counts too ("kẹo dừa": coconut candy, and candy).
        """
        words = _accented_words(text[:MAX_TEXT])
        folded = [fold(w) for w in words]
        marked = words != folded  # typed with diacritics: trust them
        table = self.accented if marked else self.folded
        ignored = self.ignored_accented if marked else self.ignored_folded
        spans: list[tuple[list[str], list[str]]] = []  # (words, implied phrases)
        i = 0
        while i < len(words):
            for n in range(min(self.longest, len(words) - i), 0, -1):
                key, fkey = tuple(words[i:i + n]), tuple(folded[i:i + n])
                if (key if marked else fkey) in ignored:
                    i += n
                    break
                found = table.get(key if marked else fkey, set()) | self.synonyms.get(fkey, set())
                if found:
                    # The head inside the phrase: "kẹo" of "kẹo dừa", "cà phê" of "cà phê
                    # nhân"; glossary words only with diacritics ("ca" of "ca phe" is no fish).
                    for b in range(1, n):
                        found |= self.synonyms.get(fkey[:b], set())
                        if marked and key[:b] not in self.classifiers:
                            found |= table.get(key[:b], set())
                    spans.append((folded[i:i + n], sorted(found - {" ".join(fkey)})))
                    i += n
                    break
            else:
                spans.append(([folded[i]], []))
                i += 1
        if not spans:
            return Reading("", "")
        head = len(spans) - 1 if self._english(folded, marked) else 0
        keep = [w for span_words, _ in spans for w in span_words]
        extra = [p for k, (_, implied) in enumerate(spans)
                 for p in implied * (HEAD_REPEAT if k == head else 1)]
        head_words, head_implied = spans[head]
        return Reading(" ".join(keep + extra), " ".join(head_words + head_implied))

    def expand(self, text: str) -> str:
        """The text as matched: folded words, ignored phrases left out, the words implied."""
        return self.read(text).text


def english_words(lines: Iterable[HsLine]) -> set[str]:
    """The words of the English HS titles (folded)."""
    return {w for line in lines for w in _WORD.findall(fold(line.en))}


# --- the model -------------------------------------------------------------------------------


def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    # Hashing: nothing to fit, so the titles are hashed once and only the registry part is
    # hashed again when the registry changes; the IDF weights are refitted on both.
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=2**20,
                              alternate_sign=False, norm=None)
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), n_features=2**20,
                              alternate_sign=False, norm=None, token_pattern=_WORD.pattern)
    return chars, words


def _hash(texts: list[str]) -> sparse.csr_matrix:
    chars, words = _vectorizers()
    return sparse.hstack([chars.transform(texts), words.transform(texts)]).tocsr()


@dataclass
class TitleIndex:
    """The HS nomenclature, hashed once: one row per heading (4 digits) or subheading (6)."""

    codes: list[str]  # the line's code
    headings: np.ndarray  # index into `heading_codes` of each line's heading
    heading_codes: list[str]
    counts: sparse.csr_matrix
    parents: dict[str, str | None]

    @classmethod
    def build(cls, lines: Iterable[HsLine]) -> TitleIndex:
        """Hash the title (English and Vietnamese) of every heading and subheading."""
        lines = list(lines)
        parents = {line.code: line.parent for line in lines}
        chapters = {line.code: line for line in lines if len(line.code) == 2}
        rows = [line for line in lines if len(line.code) in (4, 6)]
        heading_codes = sorted({line.code[:4] for line in rows})
        where = {code: i for i, code in enumerate(heading_codes)}
        texts = []
        for line in rows:
            text = f"{line.en} {line.vi or ''}"
            chapter = chapters.get(line.code[:2])
            if chapter is not None and len(line.code) == 4:
                text += f" {chapter.en}"  # "Furniture" for 9403's "n.e.c. in chapter 94"
            texts.append(fold(text))
        return cls(codes=[line.code for line in rows],
                   headings=np.array([where[line.code[:4]] for line in rows]),
                   heading_codes=heading_codes, counts=_hash(texts), parents=parents)


class Suggester:
    """Top HS headings for a product text: the registry's coded products and the HS titles."""

    def __init__(self, titles: TitleIndex, products: Iterable[CodedProduct],
                 phrases: Phrasebook) -> None:
        self.titles = titles
        self.phrases = phrases
        # Products with the same text are one neighbour that counts for all of them.
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        names: dict[str, str] = {}
        heads: dict[str, str] = {}
        known = set(titles.parents)
        self.size = 0
        for p in products:
            code = (p.hs_code or "").strip()
            if len(code) not in (2, 4, 6) or code not in known:
                continue
            reading = phrases.read(f"{p.name} {p.name_en or ''}")
            if not reading.text:
                continue
            text = reading.text
            groups[text][code] += 1
            names.setdefault(text, p.name)
            # The Vietnamese name's head: "Mật ong hoa cà phê" is a honey, not a coffee.
            heads.setdefault(text, phrases.read(p.name).head or reading.head)
            self.size += 1
        self.product_texts = list(groups)
        self.product_codes = [groups[t] for t in self.product_texts]
        self.product_names = [names[t] for t in self.product_texts]
        self.product_heads = [heads[t] for t in self.product_texts]
        counts = sparse.vstack([titles.counts, _hash(self.product_texts)]).tocsr() \
            if self.product_texts else titles.counts
        self.tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        weighted = normalize(self.tfidf.transform(counts))
        n_titles = titles.counts.shape[0]
        self.title_matrix = weighted[:n_titles].T.tocsr()
        self.product_matrix = weighted[n_titles:].T.tocsr()
        self.head_matrix = (normalize(self.tfidf.transform(_hash(self.product_heads))).T.tocsr()
                            if self.product_texts else None)
        self.chapter_of = np.array([c[:2] for c in titles.heading_codes])

    def vectors(self, text: str) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """The text read (Phrasebook.read), and its head, as unit TF-IDF rows."""
        reading = self.phrases.read(text)
        rows = normalize(self.tfidf.transform(_hash([reading.text, reading.head])))
        return rows[0], rows[1]

    def suggest(self, text: str, top: int = 3) -> list[Suggestion]:
        """The `top` most likely headings for a product name or description, best first."""
        if not text or not text.strip():
            return []
        q, q_head = self.vectors(text)
        if q.nnz == 0:
            return []
        n_headings = len(self.titles.heading_codes)
        title_score = np.zeros(n_headings)
        line_sims = (q @ self.title_matrix).toarray().ravel()
        np.maximum.at(title_score, self.titles.headings, line_sims)

        registry = np.zeros(n_headings)
        similar: dict[int, int] = Counter()
        examples: dict[int, list[str]] = defaultdict(list)
        sub_weight: dict[int, Counter[str]] = defaultdict(Counter)
        chapter_lift: Counter[str] = Counter()
        where = {code: i for i, code in enumerate(self.titles.heading_codes)}
        if self.head_matrix is not None:
            # Alike as a whole and in the head: the geometric mean of the two cosines.
            sims = np.sqrt((q @ self.product_matrix).toarray().ravel()
                           * (q_head @ self.head_matrix).toarray().ravel())
            k = min(NEIGHBOURS, len(sims))
            best = np.argpartition(-sims, k - 1)[:k]
            for j in sorted(best, key=lambda j: -sims[j]):
                sim = float(sims[j])
                if sim < MIN_NEIGHBOUR:
                    continue
                total = sum(self.product_codes[j].values())
                for code, count in self.product_codes[j].items():
                    share = count / total
                    if len(code) == 2:
                        chapter_lift[code] = max(chapter_lift[code], sim * share)
                        continue
                    h = where.get(code[:4])
                    if h is None:
                        continue
                    # Scaled from MIN_NEIGHBOUR (0) to identical (1): a neighbour that shares
                    # only a modifier ("cao su" of "găng tay cao su") must not outvote titles.
                    strength = (sim - MIN_NEIGHBOUR) / (1 - MIN_NEIGHBOUR)
                    registry[h] = max(registry[h], strength * share)
                    similar[h] += count
                    if len(examples[h]) < 2 and self.product_names[j] not in examples[h]:
                        examples[h].append(self.product_names[j])
                    if len(code) == 6 and sim >= SIX_DIGIT_MIN:
                        sub_weight[h][code] += sim * count
                    elif sim >= SIX_DIGIT_MIN:
                        sub_weight[h][""] += sim * count

        score = title_score + REGISTRY_WEIGHT * registry
        if chapter_lift:
            lift = np.array([chapter_lift.get(c, 0.0) for c in self.chapter_of])
            score += CHAPTER_WEIGHT * lift * (title_score > 0)
        order = np.argsort(-score, kind="stable")[:top]
        out = []
        for h in order:
            if score[h] <= 0:
                break
            code = self.titles.heading_codes[h]
            subs = sub_weight.get(h)
            if subs:
                sub, weight = subs.most_common(1)[0]
                if sub and weight >= SIX_DIGIT_SHARE * sum(subs.values()):
                    code = sub
            out.append(Suggestion(code=code, score=round(float(score[h]), 4),
                                  similar=similar.get(h, 0), examples=tuple(examples.get(h, ())),
                                  # the title carried it at least as much as the registry
                                  title=bool(title_score[h] > 0 and title_score[h]
                                             >= REGISTRY_WEIGHT * registry[h])))
        return out
