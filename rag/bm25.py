"""Okapi BM25 as sparse-matrix arithmetic (the bm25s approach).

Scores are exactly rank-bm25's ``BM25Okapi``: idf = ln((N - n + .5) / (n + .5)),
negative idf replaced by epsilon * mean idf, and each query token counted as
often as it occurs. The per-(term, document) weights are computed once at build
time, so a query only sums a few matrix columns.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class BM25Params:
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(frozen=True, eq=False)
class BM25Index:
    vocab: dict[str, int]
    weights: sparse.csc_matrix   # [n_docs, n_terms] precomputed term weights
    params: BM25Params

    @property
    def n_docs(self) -> int:
        return self.weights.shape[0]


def idf_values(doc_freq: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    idf = np.log(n_docs - doc_freq + 0.5) - np.log(doc_freq + 0.5)
    floor = epsilon * idf.mean() if len(idf) else 0.0
    return np.where(idf < 0, floor, idf)


def build_bm25(tokenized_docs: list[list[str]], params: BM25Params = BM25Params()) -> BM25Index:
    vocab: dict[str, int] = {}
    rows, cols, counts = [], [], []
    lengths = np.zeros(len(tokenized_docs), dtype=np.float64)
    for d, tokens in enumerate(tokenized_docs):
        lengths[d] = len(tokens)
        tf: dict[int, int] = {}
        for t in tokens:
            tid = vocab.setdefault(t, len(vocab))
            tf[tid] = tf.get(tid, 0) + 1
        rows.extend([d] * len(tf))
        cols.extend(tf.keys())
        counts.extend(tf.values())
    n_docs, n_terms = len(tokenized_docs), len(vocab)
    rows_a, cols_a = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    tf_a = np.asarray(counts, dtype=np.float64)
    doc_freq = np.bincount(cols_a, minlength=n_terms).astype(np.float64)
    idf = idf_values(doc_freq, n_docs, params.epsilon)
    avgdl = lengths.mean() if n_docs else 0.0
    norm = params.k1 * (1 - params.b + params.b * lengths[rows_a] / (avgdl or 1.0))
    data = idf[cols_a] * tf_a * (params.k1 + 1) / (tf_a + norm)
    weights = sparse.csc_matrix((data.astype(np.float32), (rows_a, cols_a)), shape=(n_docs, n_terms))
    return BM25Index(vocab, weights, params)


def score(index: BM25Index, query_tokens: list[str]) -> np.ndarray:
    """BM25 score of every document for the query (unknown tokens score 0)."""
    counts: dict[int, int] = {}
    for t in query_tokens:
        tid = index.vocab.get(t)
        if tid is not None:
            counts[tid] = counts.get(tid, 0) + 1
    if not counts:
        return np.zeros(index.n_docs, dtype=np.float32)
    cols = np.fromiter(counts.keys(), dtype=np.int64)
    mult = np.fromiter(counts.values(), dtype=np.float32)
    return np.asarray(index.weights[:, cols] @ mult).ravel()


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (ties by lower index)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


def term_idf(index: BM25Index, terms) -> np.ndarray:
    """Plain idf (no epsilon floor) of each term; a term the corpus lacks gets the
    highest possible idf, so unknown words weigh most in coverage."""
    doc_freq = np.diff(index.weights.indptr)
    n = index.n_docs
    df = np.array([doc_freq[index.vocab[t]] if t in index.vocab else 0 for t in terms], dtype=np.float64)
    return np.log((n - df + 0.5) / (df + 0.5) + 1.0)
