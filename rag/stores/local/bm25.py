"""Okapi BM25 as precomputed term-major postings (the bm25s approach).

Scores are exactly rank-bm25's ``BM25Okapi``: idf = ln((N - n + .5) / (n + .5)),
negative idf replaced by epsilon * mean idf, and each query token counted as
often as it occurs. Each (term, chunk) weight is computed once at build time and
stored term by term, so a query reads and adds up only its own terms' postings:
nothing else on the query path grows with the corpus.

Terms are int64 keys (``tokens.term_key``); ``terms`` is sorted, and term ``t``'s
postings are ``doc_ids[indptr[t]:indptr[t+1]]`` (ascending) with ``weights`` alike.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from rag.errors import IndexError_
from rag.stores.base import BM25Params
from rag.text.tokens import term_keys


@dataclass(frozen=True, eq=False)
class BM25Index:
    """BM25 postings term by term: a query reads only its own terms' rows."""
    terms: np.ndarray    # [n_terms] sorted int64 term keys
    indptr: np.ndarray   # [n_terms + 1] int64 offsets into doc_ids / weights
    doc_ids: object      # [nnz] int32, an array or a storage.ArrayFile (read on demand)
    weights: object      # [nnz] float32, likewise
    n_docs: int
    params: BM25Params

    def term_ids(self, tokens) -> np.ndarray:
        """Row of each token in ``terms``, -1 for a token the corpus lacks."""
        keys = term_keys(tokens)
        pos = np.searchsorted(self.terms, keys)
        found = pos < len(self.terms)
        found[found] = self.terms[pos[found]] == keys[found]
        return np.where(found, pos, -1)

    def doc_freq(self, tokens) -> np.ndarray:
        ids = self.term_ids(tokens)
        safe = np.maximum(ids, 0)
        return np.where(ids >= 0, self.indptr[safe + 1] - self.indptr[safe], 0)


def idf_values(doc_freq: np.ndarray, n_docs: int, epsilon: float) -> np.ndarray:
    idf = np.log(n_docs - doc_freq + 0.5) - np.log(doc_freq + 0.5)
    floor = epsilon * idf.mean() if len(idf) else 0.0
    return np.where(idf < 0, floor, idf)


class PostingsBuilder:
    """Collects (chunk, term key) pairs batch by batch, in chunk order, and turns them
    into a BM25Index. Each batch is reduced to distinct (term, chunk, count) at once,
    so memory holds postings, not tokens."""

    def __init__(self):
        self._batches = []   # (batch term keys, term row within batch, chunk id, count)
        self._lengths = []
        self.n_docs = 0

    def add(self, n_docs: int, owner: np.ndarray, keys: np.ndarray) -> None:
        """Tokens of ``n_docs`` further chunks: ``owner`` is each token's chunk within the batch."""
        batch_terms, term_row = np.unique(keys, return_inverse=True)
        width = max(n_docs, 1)
        pairs, counts = np.unique(term_row.astype(np.int64) * width + owner, return_counts=True)
        self._batches.append((batch_terms, (pairs // width).astype(np.int32),
                              (pairs % width + self.n_docs).astype(np.int32), counts.astype(np.int32)))
        self._lengths.append(np.bincount(owner, minlength=n_docs)[:n_docs])
        self.n_docs += n_docs

    def add_tokens(self, tokenized_docs: list[list[str]]) -> None:
        owner = np.repeat(np.arange(len(tokenized_docs), dtype=np.int64), [len(t) for t in tokenized_docs])
        self.add(len(tokenized_docs), owner, term_keys(t for tokens in tokenized_docs for t in tokens))

    def build(self, params: BM25Params) -> BM25Index:
        if not self._batches:
            self.add_tokens([])
        terms = np.unique(np.concatenate([b[0] for b in self._batches]))
        term_col = np.concatenate([np.searchsorted(terms, b[0]).astype(np.int32)[b[1]] for b in self._batches])
        docs = np.concatenate([b[2] for b in self._batches])
        tf = np.concatenate([b[3] for b in self._batches])
        lengths = np.concatenate(self._lengths).astype(np.float64)
        self._batches, self._lengths = [], []
        doc_freq = np.bincount(term_col, minlength=len(terms)).astype(np.float64)
        idf = idf_values(doc_freq, self.n_docs, params.epsilon)
        avgdl = lengths.mean() if self.n_docs else 0.0
        length_norm = params.k1 * (1 - params.b + params.b * lengths / (avgdl or 1.0))
        weights = np.empty(len(tf), dtype=np.float32)
        step = 1 << 24  # in slices: float64 temporaries for every posting at once would need ~10 GB at 1M chunks
        for a in range(0, len(tf), step):
            t = tf[a:a + step].astype(np.float64)
            weights[a:a + step] = idf[term_col[a:a + step]] * t * (params.k1 + 1) / (t + length_norm[docs[a:a + step]])
        # term-major: a linear counting sort (scipy's COO -> CSR), which keeps chunk order within a term
        by_term = sparse.csr_matrix((weights, (term_col, docs)), shape=(len(terms), max(self.n_docs, 1)))
        return BM25Index(terms, by_term.indptr.astype(np.int64), by_term.indices.astype(np.int32),
                         by_term.data.astype(np.float32), self.n_docs, params)


def build_bm25(tokenized_docs: list[list[str]], params: BM25Params = BM25Params()) -> BM25Index:
    """A BM25Index of already tokenized chunks."""
    builder = PostingsBuilder()
    builder.add_tokens(tokenized_docs)
    return builder.build(params)


def score(index: BM25Index, query_tokens: list[str]) -> np.ndarray:
    """BM25 score of every chunk for the query (unknown tokens score 0)."""
    scores = np.zeros(index.n_docs, dtype=np.float32)
    ids = index.term_ids(query_tokens)
    rows, counts = np.unique(ids[ids >= 0], return_counts=True)
    for row, count in zip(rows.tolist(), counts.tolist()):
        a, b = int(index.indptr[row]), int(index.indptr[row + 1])
        try:  # a chunk occurs once in a term's postings, so fancy-index += adds each weight once
            scores[index.doc_ids[a:b]] += index.weights[a:b] * np.float32(count)
        except (IndexError, ValueError) as exc:
            raise IndexError_(f"the index is damaged (BM25 postings of term {row}: {exc}); "
                              "rebuild it with: rag index --rebuild") from exc
    return scores


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (ties by lower index)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]
