"""The local store: an ``Index`` of segments (in memory, or loaded from its folder) behind the
``Store`` protocol. Each segment's BM25 postings are scored with the corpus-wide statistics
and its vectors searched with FAISS, tombstoned chunks left out; the per-segment best are
merged exactly, and hybrid mode fuses them by min-max-normalized weights over the
candidate pool, as one segment holding everything would."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag.stores.base import Hit, RankQuery, fuse, weighted_tokens, word_weight
from rag.stores.local.bm25 import best_chunks, query_terms, score_terms, top_k
from rag.stores.local.index import Index
from rag.stores.plan import segment_probe


def _best(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k best (id, score) pairs, best first, ties by lower id."""
    order = np.lexsort((ids, -scores))[:k]
    return ids[order], scores[order]


def nearest(index: Index, vector: np.ndarray, pool: int, allowed=None) -> tuple[np.ndarray, np.ndarray]:
    """(index-wide chunk ids, exact cosines) of the ``pool`` nearest live chunks over every
    segment (``allowed``: per segment, the local ids a filter allows): exact search in small
    segments; the approximate candidates of the IVF segments, each probed for its share of
    the lists one IVF over everything would probe, pooled and the best of them re-scored once,
    as that one IVF would (not ``rescore`` per segment)."""
    segments = list(zip(index.segments, index.bases, index.live))
    found, approximate = [], []
    for s, (seg, base, live) in enumerate(segments):
        if allowed is not None:   # a filter: exact cosines over the allowed chunks
            if len(allowed[s]):
                exact = np.asarray(seg.vectors[allowed[s]], dtype=np.float32) @ vector
                best = top_k(exact, pool)
                found.append((base + allowed[s][best], exact[best]))
        elif seg.dense.plan.kind == "flat":
            vals, local = seg.dense.search(vector, pool, live)
            found.append((base + local, vals))
        else:
            probe = segment_probe(seg.dense.plan, index.live_count)
            approximate.append((s, *seg.dense.candidates(vector, max(pool, seg.dense.plan.rescore), live, probe)))
    if approximate:
        rescore = max(max(pool, segments[s][0].dense.plan.rescore) for s, _, _ in approximate)
        scores = np.concatenate([v for _, v, _ in approximate])
        owner = np.concatenate([np.full(len(i), s) for s, _, i in approximate])
        local = np.concatenate([i for _, _, i in approximate])
        best = np.argsort(-scores, kind="stable")[:rescore]
        for s in np.unique(owner[best]).tolist():
            seg, base = segments[s][0], segments[s][1]
            vals, ids = seg.dense.rescore(vector, local[best][owner[best] == s], pool)
            found.append((base + ids, vals))
    return _best(*map(np.concatenate, zip(*found)), pool)


def _unmatched_too(index: Index, ids: np.ndarray, scores: np.ndarray, pool: int, allowed) -> tuple:
    """(ids ascending, scores) with live chunks no query term matches added at score 0, lowest
    ids first, when fewer than ``pool`` are matched: a question of no known word still ranks."""
    need = pool - int((scores > 0).sum())
    if need <= 0 or allowed is not None:   # a filter's chunks are all scored already
        return ids, scores
    extra = np.setdiff1d(index.chunks.ids()[:need + len(ids)], ids)
    ids, scores = np.concatenate([ids, extra]), np.concatenate([scores, np.zeros(len(extra), np.float32)])
    order = np.argsort(ids, kind="stable")
    return ids[order], scores[order]


class LocalStore:
    """An Index behind the Store protocol; ``root`` is its folder when it was loaded from one."""
    kind = "local"

    def __init__(self, index: Index, root: Path | None = None, build: str = ""):
        self.index, self.root = index, root   # root: the index folder, where updates are saved
        self.build = build                    # the commit it was read from or made
        self.settings, self.embedder_name, self.dim = index.settings, index.embedder_name, index.dim
        self.documents = index.documents
        self.chunks = index.chunks

    def rank(self, query: RankQuery, clock: Callable[[str], None]) -> list[Hit]:
        """The ``query.k`` best chunks: BM25 postings, FAISS, or both fused over the candidate pool."""
        index, mode = self.index, query.mode
        pool = min(index.live_count, query.pool)
        # a filter to some documents ranks their chunks only: exact cosines over them, no ANN
        allowed = None if query.documents is None else [
            seg.chunks.ids_of(set(query.documents) - gone) for seg, gone in zip(index.segments, index.deleted)]
        if pool <= 0 or (allowed is not None and not any(len(a) for a in allowed)):
            return []
        dense_ids = dense_vals = None
        if mode in ("hybrid", "dense"):
            dense_ids, dense_vals = nearest(index, query.vector, pool, allowed)
            clock("dense")
        scored = np.zeros(0, np.int64), np.zeros(0, np.float32)   # (index-wide ids ascending, BM25 scores)
        if mode in ("hybrid", "bm25"):
            keys, counts = query_terms(query.tokens)
            weights = index.stats.idf(keys, index.settings.bm25.epsilon) * counts
            if allowed is None:   # the exact best pool without scoring every posting, and fusion's ids
                scored = best_chunks(list(zip((s.postings for s in index.segments), index.bases)), index.norm,
                                     index.live_mask, keys, weights, index.settings.bm25, pool, dense_ids)
            else:
                allowed = [np.sort(ids) for ids in allowed]
                scored = (np.concatenate([base + ids for base, ids in zip(index.bases, allowed)]),
                          np.concatenate([score_terms(seg.postings, keys, weights, index.settings.bm25, norm)[ids]
                                          for seg, norm, ids in zip(index.segments, index.norms, allowed)]))
            scored = _unmatched_too(index, *scored, pool, allowed)
            clock("bm25")
            bm25_ids = scored[0][top_k(scored[1], pool)]   # ids ascending: ties by lower id
            clock("bm25_top_k")

        def bm25_of(ids: np.ndarray) -> np.ndarray:
            """BM25 scores of ids among those scored (every id ranked is), 0 for the others."""
            if not len(scored[0]):
                return np.zeros(len(ids), np.float32)
            at = np.minimum(np.searchsorted(scored[0], ids), len(scored[0]) - 1)
            return np.where(scored[0][at] == ids, scored[1][at], 0).astype(np.float32)

        if mode == "bm25":
            ids, ranking, dense = bm25_ids, bm25_of(bm25_ids), np.zeros(len(bm25_ids))
        elif mode == "dense":
            ids, ranking, dense = dense_ids, dense_vals, dense_vals
        else:
            ids = np.unique(np.concatenate([bm25_ids, dense_ids]))
            dense = index.vector(ids) @ query.vector
            ranking = fuse(bm25_of(ids), dense, query.dense_weight)
            order = np.lexsort((ids, -ranking))
            ids, ranking, dense = ids[order], ranking[order], dense[order]
        ids = ids[:query.k]
        hits = [Hit(index.chunk(int(i)), float(s), float(b), float(d))
                for i, s, b, d in zip(ids, ranking, bm25_of(ids), dense)]
        clock("fusion")
        return hits

    def word_weights(self, words: list[str]) -> np.ndarray:
        """Each word's weight from the corpus-wide document frequencies (stores.base.word_weight)."""
        stats = self.index.stats
        return np.asarray([word_weight(stats.doc_freq(weighted_tokens(self.index.tokenize(w), w)), stats.n_docs)
                           for w in words], dtype=np.float64)

    def hashes(self) -> dict[str, str]:
        return self.index.hashes()

    def chunk_counts(self) -> dict[str, int]:
        return self.chunks.counts_by_doc()

    def describe(self) -> str:
        merged = f", last merge {self.index.last_merge}" if self.index.last_merge else ""
        return (f"local index ({len(self.documents)} documents, {len(self.chunks)} chunks, "
                f"{len(self.index.segments)} segment{'s' if len(self.index.segments) != 1 else ''}{merged})")
