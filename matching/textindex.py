"""TF-IDF over accent-folded text with character n-grams, factored through a word vocabulary.

A document's character n-grams (scikit-learn's ``char_wb`` analyzer, n = 3..4) are the sum of
the n-grams of its words, so the docs x n-grams count matrix equals D @ W, where D is docs x
words (about 10 non-zeros per firm) and W is words x n-grams (one row per distinct word). We
store D, W and each document's TF-IDF norm, never D @ W itself: the exact TF-IDF cosine of
every firm with a query is ``D @ (W_idf @ q) / norm`` — two sparse products — in a fraction
of the memory. New words met in an update or a query get their W row from the fitted
vocabulary (unseen n-grams are dropped, idf is not refitted), so updates never rebuild.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer

from matching.text import fold_words, words_many

# Legal-form and generic trade words that say nothing about what a firm sells (folded).
STOPWORDS = frozenset(
    [
        "cong",
        "ty",
        "tnhh",
        "cp",
        "htx",
        "dntn",
        "mtv",
        "tm",
        "dv",
        "xnk",
        "ltd",
        "co",
        "company",
        "jsc",
        "llc",
        "corp",
        "corporation",
        "inc",
        "limited",
        "joint",
        "stock",
        "member",
        "one",
        "thuong",
        "mai",
        "dich",
        "vu",
        "xuat",
        "nhap",
        "khau",
        "trading",
        "import",
        "export",
        "imports",
        "exports",
        "and",
        "the",
        "of",
        "for",
        "va",
        "tai",
        "cua",
        "cac",
        "doan",
        "xuc",
        "tien",
        "hoi",
        "cho",
        "mission",
        "fair",
        "seeking",
        "exporters",
        "exporter",
        "suppliers",
        "supplier",
        "products",
        "product",
        "vietnam",
        "viet",
        "nam",
        "group",
        "tap",
        "doan",
        "chi",
        "nhanh",
        "branch",
        "province",
        "tinh",
    ]
)
NGRAMS = (3, 4)
_SAMPLE = 200_000  # documents used to fit idf
_CHUNK = 25_000  # documents per docs x n-grams product (bounds the temporary memory)


def indexed(word: str) -> bool:
    """Whether a folded word is indexed (not a stopword, a digits-only or 1-letter token)."""
    return len(word) > 1 and word not in STOPWORDS and not word.isdigit()


def tokens(text: str) -> list[str]:
    """Folded words of `text` without stopwords, digits-only tokens and 1-letter tokens."""
    return [w for w in fold_words(text).split() if indexed(w)]


class TextIndex:
    """Factored TF-IDF index of one document per firm row."""

    def __init__(self) -> None:
        self.vectorizer = CountVectorizer(
            analyzer="char_wb", ngram_range=NGRAMS, lowercase=False, dtype=np.float32
        )
        self.tfidf = TfidfTransformer(norm=None, sublinear_tf=False)
        self.words: dict[str, int] = {}
        self._w_rows: list[sp.csr_matrix] = []
        self._w: sp.csr_matrix | None = None  # words x n-grams, idf-weighted, float32
        self.idf = np.zeros(0, dtype=np.float32)
        self._d_base: sp.csr_matrix = sp.csr_matrix((0, 0), dtype=np.float32)
        self._d_extra: list[tuple[int, np.ndarray, np.ndarray]] = []  # (row, word ids, counts)
        self.norms = np.zeros(0, dtype=np.float32)
        # documents tokenised by add_docs and not yet fitted
        self._rows: list[np.ndarray] = []
        self._cols: list[np.ndarray] = []
        self._lookup: dict[str, int] = {}  # every word met: its id, or -1 if not indexed
        self._n_docs = 0
        self._analyzer: tuple[dict, Any] | None = None

    # ---- building -------------------------------------------------------------------------
    def add_docs(self, docs: list[str]) -> None:
        """Tokenise documents as the next rows (before fit); word ids in first-seen order."""
        res = words_many(docs)
        if res is None:  # a text with a NUL character: the per-text path
            split = [fold_words(d).split() for d in docs]
            flat = [w for ws in split for w in ws]
            counts = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        else:
            flat, counts = res
        lookup = self._lookup
        words = self.words
        for w in dict.fromkeys(flat):
            if w not in lookup:
                if indexed(w):
                    lookup[w] = words[w] = len(words)
                else:
                    lookup[w] = -1
        ids = np.fromiter(map(lookup.__getitem__, flat), dtype=np.int32, count=len(flat))
        first = self._n_docs
        rows = np.repeat(np.arange(first, first + len(docs), dtype=np.int32), counts)
        keep = ids >= 0
        self._rows.append(rows[keep])
        self._cols.append(ids[keep])
        self._n_docs += len(docs)

    def fit(self, docs: list[str] | None = None) -> None:
        """Fit the n-gram vocabulary and idf on the documents added (and `docs`), index them
        as rows 0..n-1."""
        if docs is not None:
            self.add_docs(docs)
        rows = np.concatenate(self._rows) if self._rows else np.zeros(0, dtype=np.int32)
        cols = np.concatenate(self._cols) if self._cols else np.zeros(0, dtype=np.int32)
        n = self._n_docs
        self._rows, self._cols, self._lookup, self._n_docs = [], [], {}, 0
        words = sorted(self.words, key=self.words.get)
        if words:
            self.vectorizer.fit(words)
            w_counts = self.vectorizer.transform(words).astype(np.float32)
        else:
            self.vectorizer.fit(["placeholder"])
            w_counts = sp.csr_matrix((0, len(self.vectorizer.vocabulary_)), dtype=np.float32)
        vals = np.ones(len(rows), dtype=np.float32)
        d = sp.csr_matrix((vals, (rows, cols)), shape=(n, len(words)), dtype=np.float32)
        del rows, cols, vals
        d.sum_duplicates()
        self.idf = self._fit_idf(d, w_counts)
        self.tfidf.idf_ = self.idf
        self._w = (w_counts @ sp.diags(self.idf)).tocsr().astype(np.float32)
        self._w_rows = []
        self._d_base = d
        self.norms = self._norms(d)

    def _fit_idf(self, d: sp.csr_matrix, w_counts: sp.csr_matrix) -> np.ndarray:
        """TfidfTransformer(smooth_idf=True).fit(d[::step] @ w_counts).idf_, computed in chunks
        of documents so that the docs x n-grams sample is never held whole."""
        n = d.shape[0]
        if not n:
            self.tfidf.fit(sp.csr_matrix((1, w_counts.shape[1])))
            return self.tfidf.idf_.astype(np.float32)
        step = max(1, n // _SAMPLE)
        sample = d[::step]
        df = np.zeros(w_counts.shape[1], dtype=np.int64)
        for start in range(0, sample.shape[0], _CHUNK):
            x = (sample[start : start + _CHUNK] @ w_counts).tocsr()
            df += np.bincount(x.indices, minlength=w_counts.shape[1])
        # the formula of sklearn's TfidfTransformer.fit (smooth_idf, float32 counts)
        dff = df.astype(np.float32) + np.float32(1.0)
        idf = np.full_like(dff, fill_value=sample.shape[0] + 1, dtype=np.float32)
        idf /= dff
        np.log(idf, out=idf)
        idf += np.float32(1.0)
        return idf

    def _norms(self, d: sp.csr_matrix) -> np.ndarray:
        out = np.empty(d.shape[0], dtype=np.float32)
        w = self.word_matrix()
        for start in range(0, d.shape[0], _CHUNK):
            x = d[start : start + _CHUNK] @ w
            out[start : start + _CHUNK] = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        return out

    def _word_ids(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Word ids and counts of a text, adding unseen words (their n-grams, fitted idf)."""
        ids: dict[int, float] = {}
        for w in tokens(text):
            j = self.words.get(w)
            if j is None:
                j = len(self.words)
                self.words[w] = j
                row = self.vectorizer.transform([w]).astype(np.float32) @ sp.diags(self.idf)
                self._w_rows.append(sp.csr_matrix(row, dtype=np.float32))
            ids[j] = ids.get(j, 0.0) + 1.0
        keys = np.fromiter(ids.keys(), dtype=np.int32, count=len(ids))
        vals = np.fromiter(ids.values(), dtype=np.float32, count=len(ids))
        return keys, vals

    def word_matrix(self) -> sp.csr_matrix:
        """Words x n-grams matrix (idf-weighted), including words added after fit."""
        if self._w_rows:
            self._w = sp.vstack([self._w, *self._w_rows], format="csr", dtype=np.float32)
            self._w_rows = []
        return self._w

    def set_row(self, row: int, text: str) -> None:
        """Index `text` as document `row` (a new row at the end, or one being replaced)."""
        ids, counts = self._word_ids(text)
        w = self.word_matrix()
        vec = sp.csr_matrix((counts, (np.zeros_like(ids), ids)), shape=(1, w.shape[0])) @ w
        norm = float(np.sqrt(vec.multiply(vec).sum()))
        if row >= len(self.norms):
            grow = row + 1 - len(self.norms)
            self.norms = np.concatenate([self.norms, np.zeros(grow, dtype=np.float32)])
        self.norms[row] = norm
        self._d_extra.append((row, ids, counts))

    # ---- querying -------------------------------------------------------------------------
    def query_vector(self, parts: list[tuple[str, float]]) -> np.ndarray | None:
        """Weighted, l2-normalised TF-IDF n-gram vector of query parts; None if empty."""
        w = self.word_matrix()
        total = np.zeros(w.shape[1], dtype=np.float32)
        for text, weight in parts:
            words = tokens(text)
            if not words or weight <= 0:
                continue
            vec = self._ngram_counts(" ".join(words)) * self.idf
            norm = float(np.linalg.norm(vec))
            if norm > 0:
                total += weight * vec / norm
        norm = float(np.linalg.norm(total))
        return total / norm if norm > 0 else None

    def _ngram_counts(self, text: str) -> np.ndarray:
        """vectorizer.transform([text]) summed to one dense float32 row, without the
        per-call overhead of transform (same analyzer, same vocabulary)."""
        vocab = self.vectorizer.vocabulary_
        if self._analyzer is None or self._analyzer[0] is not vocab:
            self._analyzer = (vocab, self.vectorizer.build_analyzer())
        get = vocab.get
        idx = [j for j in map(get, self._analyzer[1](text)) if j is not None]
        counts = np.bincount(np.asarray(idx, dtype=np.intp), minlength=len(vocab))
        return counts.astype(np.float32)

    def cosine_all(self, q: np.ndarray, n_rows: int) -> np.ndarray:
        """Cosine of every document row (0..n_rows-1) with query vector `q` (float32)."""
        s_w = self.word_matrix() @ q  # score per word
        raw = np.zeros(n_rows, dtype=np.float32)
        nb = self._d_base.shape[0]
        if nb:
            raw[:nb] = self._d_base @ s_w[: self._d_base.shape[1]]
        for row, ids, counts in self._d_extra:
            raw[row] = float(counts @ s_w[ids])
        norms = self.norms[:n_rows]
        # in place, the values of np.where(norms > 0, raw / max(norms, 1e-12), 0) clipped
        np.divide(raw, np.maximum(norms, 1e-12), out=raw)
        raw[norms <= 0] = 0.0
        return np.clip(raw, 0.0, 1.0, out=raw)

    def row_cosine(self, row: int, q: np.ndarray, s_w: np.ndarray | None = None) -> float:
        """Cosine of indexed document `row` with query vector `q` (or its word scores s_w)."""
        if s_w is None:
            s_w = self.word_matrix() @ q
        norm = float(self.norms[row]) if row < len(self.norms) else 0.0
        if norm <= 0:
            return 0.0
        for r, ids, counts in reversed(self._d_extra):
            if r == row:
                return float(np.clip(counts @ s_w[ids] / norm, 0.0, 1.0))
        d = self._d_base
        if row >= d.shape[0]:
            return 0.0
        lo, hi = d.indptr[row], d.indptr[row + 1]
        raw = float(d.data[lo:hi] @ s_w[d.indices[lo:hi]])
        return float(np.clip(raw / norm, 0.0, 1.0))

    def cosine_text(self, text: str, q: np.ndarray) -> float:
        """Cosine of one free text with query vector `q` (the per-firm path)."""
        words = tokens(text)
        if not words:
            return 0.0
        counts = np.asarray(self.vectorizer.transform([" ".join(words)]).sum(axis=0)).ravel()
        vec = counts.astype(np.float32) * self.idf
        norm = float(np.linalg.norm(vec))
        return float(np.clip(vec @ q / norm, 0.0, 1.0)) if norm > 0 else 0.0

    def nbytes(self) -> int:
        """Approximate memory of the sparse matrices and norms."""
        w = self.word_matrix()
        return int(
            self._d_base.data.nbytes
            + self._d_base.indices.nbytes
            + self._d_base.indptr.nbytes
            + w.data.nbytes
            + w.indices.nbytes
            + w.indptr.nbytes
            + self.norms.nbytes
        )
