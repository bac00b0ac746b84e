"""Okapi BM25 over segments: term-major postings per segment, scored with corpus-wide statistics.

Scores are exactly rank-bm25's ``BM25Okapi`` over all live chunks of all segments:
idf = ln((N - n + .5) / (n + .5)), negative idf replaced by epsilon * mean idf, each query
token counted as often as it occurs. A segment stores term frequencies and chunk lengths,
not weights, because N, the document frequencies and the average length change whenever a
segment is added or a document deleted (Lucene does the same): ``CorpusStats`` sums them
over the segments, less the tombstoned chunks, so a segmented index ranks exactly as a fresh
single-segment build of the same documents.

Terms are int64 keys (``tokens.term_key``); ``terms`` is sorted, and term ``t``'s postings
are ``doc_ids[indptr[t]:indptr[t+1]]`` (ascending) with ``tfs`` alike. A query reads only its
own terms' postings.

``best_chunks`` finds the exact k best without scoring every posting (MaxScore, Turtle and
Flood 1995): terms are added heaviest first, and once the weights of the terms left could
not lift an unscored chunk past the k-th best so far, the light terms' long postings are
only looked up for the chunks still in the running. Every chunk sums its terms in the same
order (heaviest first) on either path, so scores are bitwise those of scoring everything.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from rag.errors import IndexError_
from rag.stores.base import BM25Params
from rag.text.tokens import term_keys


def _rows_of(terms: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Row of each key in the sorted ``terms``, -1 where absent."""
    pos = np.searchsorted(terms, keys)
    found = pos < len(terms)
    found[found] = terms[pos[found]] == keys[found]
    return np.where(found, pos, -1)


@dataclass(frozen=True, eq=False)
class Postings:
    """One segment's BM25 postings term by term, and its chunks' lengths in tokens."""
    terms: np.ndarray    # [n_terms] sorted int64 term keys
    indptr: np.ndarray   # [n_terms + 1] int64 offsets into doc_ids / tfs
    doc_ids: object      # [nnz] int32 chunk ids within the segment: an array or a storage.ArrayFile
    tfs: object          # [nnz] uint16 (int32 if a count exceeds it), likewise
    lengths: np.ndarray  # [n_chunks] int32

    @property
    def n_docs(self) -> int:
        return len(self.lengths)

    def doc_freq(self) -> np.ndarray:
        return np.diff(self.indptr)


@dataclass(frozen=True, eq=False)
class CorpusStats:
    """What BM25 needs from the whole live corpus: every term's document frequency, the
    number of chunks and their total length, and rank-bm25's mean idf (for its floor)."""
    terms: np.ndarray    # sorted int64 keys of terms some live chunk holds
    df: np.ndarray       # int64
    n_docs: int
    total_length: int
    mean_idf: float

    @classmethod
    def of(cls, terms: np.ndarray, df: np.ndarray, n_docs: int, total_length: int) -> "CorpusStats":
        keep = df > 0
        terms, df = terms[keep], df[keep]
        raw = np.log(n_docs - df + 0.5) - np.log(df + 0.5)
        return cls(terms, df, int(n_docs), int(total_length), float(raw.mean()) if len(raw) else 0.0)

    @classmethod
    def summed(cls, parts) -> "CorpusStats":
        """Statistics of ``parts`` ((terms, df, n_docs, total_length, sign) each; sign -1 takes
        a part away, as for tombstoned chunks)."""
        parts = list(parts)
        if len(parts) == 1 and parts[0][4] == 1:
            return cls.of(parts[0][0], np.asarray(parts[0][1], np.int64), parts[0][2], parts[0][3])
        keys = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        counts = np.concatenate([np.asarray(p[1], np.int64) * p[4] for p in parts]) if parts else np.zeros(0, np.int64)
        terms, inverse = np.unique(keys, return_inverse=True)
        df = np.bincount(inverse, weights=counts, minlength=len(terms)).round().astype(np.int64)
        return cls.of(terms, df, sum(p[2] * p[4] for p in parts), sum(p[3] * p[4] for p in parts))

    def changed(self, terms: np.ndarray, df: np.ndarray, n_docs: int, total_length: int, sign: int) -> "CorpusStats":
        """These statistics with one part added (sign 1) or taken away (-1): a merge of a small
        sorted table into the large one, linear in the vocabulary, no sort."""
        rows = _rows_of(self.terms, terms)
        new_df = self.df.copy()
        np.add.at(new_df, rows[rows >= 0], sign * np.asarray(df, np.int64)[rows >= 0])
        fresh = rows < 0
        all_terms, all_df = self.terms, new_df
        if fresh.any() and sign > 0:
            at = np.searchsorted(self.terms, terms[fresh])
            all_terms, all_df = np.insert(self.terms, at, terms[fresh]), np.insert(new_df, at, df[fresh])
        return CorpusStats.of(all_terms, all_df, self.n_docs + sign * n_docs, self.total_length + sign * total_length)

    @property
    def avgdl(self) -> float:
        return self.total_length / self.n_docs if self.n_docs else 0.0

    def idf(self, keys: np.ndarray, epsilon: float) -> np.ndarray:
        """Okapi idf of each term key (0 for a term no live chunk holds), floored as rank-bm25 does."""
        rows = _rows_of(self.terms, keys)
        df = self._df_at(rows).astype(np.float64)
        idf = np.log(self.n_docs - df + 0.5) - np.log(df + 0.5)
        idf = np.where(idf < 0, epsilon * self.mean_idf, idf)
        return np.where(rows >= 0, idf, 0.0)

    def doc_freq(self, tokens) -> np.ndarray:
        return self._df_at(_rows_of(self.terms, term_keys(tokens)))

    def _df_at(self, rows: np.ndarray) -> np.ndarray:
        """Document frequencies at ``rows`` (-1: a term no live chunk holds, 0); an empty index holds none."""
        if not len(self.df):
            return np.zeros(len(rows), dtype=np.int64)
        return np.where(rows >= 0, self.df[np.maximum(rows, 0)], 0)


def own_stats(postings: Postings) -> CorpusStats:
    return CorpusStats.of(postings.terms, postings.doc_freq(), postings.n_docs, int(postings.lengths.sum()))


def length_norm(lengths: np.ndarray, stats: CorpusStats, params: BM25Params) -> np.ndarray:
    """k1 * (1 - b + b * length / avgdl) per chunk: the part of a weight that depends on the chunk."""
    avgdl = stats.avgdl or 1.0
    return (params.k1 * (1 - params.b + params.b * lengths.astype(np.float64) / avgdl)).astype(np.float32)


class PostingsBuilder:
    """Collects (chunk, term key) pairs batch by batch, in chunk order, and turns them into
    Postings. Each batch is reduced to distinct (term, chunk, count) at once, so memory holds
    postings, not tokens."""

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

    def build(self) -> Postings:
        if not self._batches:
            self.add_tokens([])
        terms = np.unique(np.concatenate([b[0] for b in self._batches]))
        term_col = np.concatenate([np.searchsorted(terms, b[0]).astype(np.int32)[b[1]] for b in self._batches])
        docs = np.concatenate([b[2] for b in self._batches])
        tf = np.concatenate([b[3] for b in self._batches])
        lengths = np.concatenate(self._lengths).astype(np.int32)
        self._batches, self._lengths = [], []
        # term-major: a linear counting sort (scipy's COO -> CSR), which keeps chunk order within a term
        by_term = sparse.csr_matrix((tf, (term_col, docs)), shape=(len(terms), max(self.n_docs, 1)))
        return Postings(terms, by_term.indptr.astype(np.int64), by_term.indices.astype(np.int32),
                        narrow_counts(by_term.data), lengths)


def narrow_counts(tf: np.ndarray) -> np.ndarray:
    """Term counts as uint16, half the disk of int32, unless one exceeds it."""
    return tf.astype(np.uint16) if not len(tf) or int(tf.max()) <= np.iinfo(np.uint16).max else tf.astype(np.int32)


def build_bm25(tokenized_docs: list[list[str]]) -> Postings:
    """Postings of already tokenized chunks."""
    builder = PostingsBuilder()
    builder.add_tokens(tokenized_docs)
    return builder.build()


def query_terms(query_tokens) -> tuple[np.ndarray, np.ndarray]:
    """The query's distinct term keys, sorted, and how often each occurs."""
    return np.unique(term_keys(query_tokens), return_counts=True)


def score(postings: Postings, query_tokens, stats: CorpusStats | None = None,
          params: BM25Params = BM25Params(), norm: np.ndarray | None = None) -> np.ndarray:
    """BM25 score of each of the segment's chunks for the query, with the statistics of the
    whole corpus (``stats``; default: the segment alone) and its chunks' ``length_norm``."""
    stats = own_stats(postings) if stats is None else stats
    norm = length_norm(postings.lengths, stats, params) if norm is None else norm
    keys, counts = query_terms(query_tokens)
    return score_terms(postings, keys, stats.idf(keys, params.epsilon) * counts, params, norm)


def by_weight(keys: np.ndarray, idf_times_count: np.ndarray, params: BM25Params) -> tuple[np.ndarray, np.ndarray]:
    """Query term keys heaviest first and their float32 factors idf * count * (k1 + 1): the order
    every chunk's score is summed in, so that pruned and full scoring agree to the bit."""
    factors = (idf_times_count * (params.k1 + 1)).astype(np.float32)
    order = np.argsort(-factors, kind="stable")
    return keys[order], factors[order]


def _postings_of(postings: Postings, row: int) -> tuple[np.ndarray, np.ndarray]:
    """Term ``row``'s chunk ids and counts (one read of each), checked against the segment."""
    a, b = int(postings.indptr[row]), int(postings.indptr[row + 1])
    try:
        docs, tfs = postings.doc_ids[a:b], postings.tfs[a:b]
        if len(docs) != b - a or len(tfs) != b - a or (len(docs) and not 0 <= docs[0] <= docs[-1] < postings.n_docs):
            raise ValueError(f"postings [{a}, {b}) name chunks outside 0..{postings.n_docs - 1} or are cut short")
    except (IndexError, ValueError) as exc:
        raise IndexError_(f"the index is damaged (BM25 postings of term {row}: {exc}); "
                          "rebuild it with: rag index --rebuild") from exc
    return docs, tfs


def _add(scores: np.ndarray, docs: np.ndarray, tf: np.ndarray, factor: float, norm: np.ndarray) -> None:
    tf = tf.astype(np.float32)   # a chunk occurs once in a term's postings: fancy-index += adds once
    scores[docs] += np.float32(factor) * tf / (tf + norm[docs])


def _prefetch(postings: Postings, rows: np.ndarray) -> None:
    """The postings of every term ``rows`` names (-1: none) asked of the disk at once, before
    they are read term by term (storage.ArrayFile.prefetch; in-memory arrays need nothing)."""
    if hasattr(postings.doc_ids, "prefetch"):
        for row in rows[rows >= 0].tolist():
            a, b = int(postings.indptr[row]), int(postings.indptr[row + 1])
            postings.doc_ids.prefetch(a, b)
            postings.tfs.prefetch(a, b)


def score_terms(postings: Postings, keys: np.ndarray, idf_times_count: np.ndarray, params: BM25Params,
                norm: np.ndarray) -> np.ndarray:
    """Every chunk's score from query term keys and their idf times count (computed once for
    all segments)."""
    scores = np.zeros(postings.n_docs, dtype=np.float32)
    keys, factors = by_weight(keys, idf_times_count, params)
    rows = _rows_of(postings.terms, keys)
    _prefetch(postings, rows)
    for row, factor in zip(rows.tolist(), factors.tolist()):
        if row >= 0:
            _add(scores, *_postings_of(postings, row), factor, norm)
    return scores


def _kth(values: np.ndarray, k: int) -> float:
    return float(np.partition(values, len(values) - k)[len(values) - k]) if len(values) >= k else -np.inf


# Chunks of the first postings scored (the heaviest terms': the rarest, the shortest lists) that
# bound the k-th best score from below: any distinct chunks' k-th best does, and these are where
# the best are, at a cost of this many chunks per check rather than of every chunk scored.
LEADERS = 8192
# Below this many postings for a question, scoring them all is as fast as pruning, the checks
# having fixed costs (python3 eval/bm25_pruning.py: 0.99x at 264k postings, 1.91x at 792k)
PRUNE_FROM = 500_000


def best_chunks(segments, norm: np.ndarray, live: np.ndarray | None, keys: np.ndarray,
                idf_times_count: np.ndarray, params: BM25Params, k: int,
                keep: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(index-wide chunk ids ascending, their exact scores) of candidates that include every
    live chunk among the ``k`` best, ties included, and the ids ``keep`` (chunks whose scores
    fusion needs). ``segments``: (postings, base id) each; ``norm`` and ``live`` (a mask, None
    when all are live) cover every chunk index-wide. Scores are score_terms's to the bit. The
    pruning is exact because a term adds less than its factor to any chunk (tf / (tf + norm) < 1)."""
    keys, factors = by_weight(keys, idf_times_count, params)
    rows = [_rows_of(p.terms, keys) for p, _ in segments]
    for (postings, _), r in zip(segments, rows):
        _prefetch(postings, r)
    factors = np.where(np.any([r >= 0 for r in rows], axis=0), factors, 0).astype(np.float32)
    lengths = [np.where(r >= 0, p.indptr[np.maximum(r, 0) + 1] - p.indptr[np.maximum(r, 0)], 0)
               for (p, _), r in zip(segments, rows)]
    # rank-bm25's idf floor may be negative, and short postings cost less than skipping them
    prune = (not len(factors) or factors.min() >= 0) and int(np.sum(lengths)) >= PRUNE_FROM
    # what terms t.. can still add to a chunk, with a margin for float32 rounding of the sums
    rest = np.concatenate([np.cumsum(factors[::-1].astype(np.float64))[::-1], [0.0]]) * (1 + 1e-5)
    scores = np.zeros(len(norm), dtype=np.float32)
    # each segment scores into its slice of the index-wide arrays: views, no copies of postings
    views = [(postings, base, scores[base:base + postings.n_docs], norm[base:base + postings.n_docs], r)
             for (postings, base), r in zip(segments, rows)]
    leaders, room, is_leader = [], LEADERS if prune else 0, np.zeros(len(norm) if prune else 0, bool)
    t = 0
    while t < len(keys):   # whole postings, heaviest terms first
        if prune and rest[t] < rest[0] - rest[t] and leaders and \
                rest[t] < _kth(scores[np.concatenate(leaders)], k):
            break   # no chunk unscored so far can reach the k-th best any more
        for postings, base, seg_scores, seg_norm, r in views:
            if r[t] >= 0:
                docs, tf = _postings_of(postings, int(r[t]))
                _add(seg_scores, docs, tf, factors[t], seg_norm)
                if room > 0:
                    piece = docs[:room].astype(np.int64) + base
                    piece = piece[~is_leader[piece]]
                    piece = piece if live is None else piece[live[piece]]
                    is_leader[piece] = True
                    leaders.append(piece)
                    room -= len(piece)
        t += 1
    scored = scores > 0
    if keep is not None:   # fusion's ids, scored or not
        scored[keep] = True
    ids = np.flatnonzero(scored if live is None else scored & live)
    kept = np.zeros(len(ids), bool) if keep is None or t == len(keys) else np.isin(ids, keep, kind="table")
    for t in range(t, len(keys)):   # the light terms, looked up only for the chunks still in the running
        running = (scores[ids] + rest[t] >= _kth(scores[ids], k)) | kept
        ids, kept = ids[running], kept[running]
        for postings, base, seg_scores, seg_norm, r in views:
            here = ids[np.searchsorted(ids, base):np.searchsorted(ids, base + postings.n_docs)] - base
            if r[t] < 0 or not len(here):
                continue
            docs, tf = _postings_of(postings, int(r[t]))
            if len(here) * 8 > len(docs):   # most of the postings are wanted: add them all
                _add(seg_scores, docs, tf, factors[t], seg_norm)
                continue
            at = np.minimum(np.searchsorted(docs, here), len(docs) - 1)
            hit = docs[at] == here
            _add(seg_scores, here[hit], tf[at[hit]], factors[t], seg_norm)
    return ids, scores[ids]


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first; ties by lower index, at the k-th place too."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
        cut = scores[part].min()   # argpartition keeps any of the chunks tied at the k-th place
        above = np.flatnonzero(scores > cut)
        part = np.concatenate([above, np.flatnonzero(scores == cut)[:k - len(above)]])
    else:
        part = np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]
