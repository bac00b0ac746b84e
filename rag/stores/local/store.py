"""The local store: an ``Index`` (in memory, or loaded from its folder) behind the ``Store``
protocol. BM25 postings are scored here, vectors searched with FAISS, and hybrid mode fuses
them by min-max-normalized weights over the candidate pool."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from rag.errors import NothingToIndexError
from rag.stores.base import BuildReport, Hit, IndexSettings, RankQuery, fuse, weighted_tokens, word_weight
from rag.stores.local.bm25 import score as bm25_score
from rag.stores.local.bm25 import top_k
from rag.stores.local.folder import (
    check_compatible,
    current_build,
    index_exists,
    index_lock,
    load_index,
    read_manifest,
    save_index,
)
from rag.stores.local.index import Index, build_from_documents, with_documents, without_documents


class LocalStore:
    """An Index behind the Store protocol; ``root`` is its folder when it was loaded from one."""
    kind = "local"

    def __init__(self, index: Index, root: Path | None = None, build: str = ""):
        self.index, self.root = index, root   # root: the index folder, where updates are saved
        self.build = build                    # the build it was read from or committed as
        self.settings, self.embedder_name, self.dim = index.settings, index.embedder_name, index.dim
        self.documents = index.documents
        self.chunks = index.chunks

    def rank(self, query: RankQuery, clock: Callable[[str], None]) -> list[Hit]:
        """The ``query.k`` best chunks: BM25 postings, FAISS, or both fused over the candidate pool."""
        index, mode = self.index, query.mode
        pool = min(len(index.chunks), query.pool)
        # a filter to some documents ranks their chunks only: exact cosines over them, no ANN
        allowed = None if query.documents is None else index.chunks.ids_of(query.documents)
        if allowed is not None and not len(allowed):
            return []
        bm25_all = None
        if mode in ("hybrid", "bm25"):
            bm25_all = bm25_score(index.bm25, list(query.tokens))
            clock("bm25")
            bm25_ids = top_k(bm25_all, pool) if allowed is None else allowed[top_k(bm25_all[allowed], pool)]
            clock("bm25_top_k")
        if mode in ("hybrid", "dense"):
            if allowed is None:
                dense_vals, dense_ids = index.dense.search(query.vector, pool)
            else:
                exact = np.asarray(index.vectors[allowed], dtype=np.float32) @ query.vector
                best = top_k(exact, pool)
                dense_vals, dense_ids = exact[best], allowed[best]
            clock("dense")
        if mode == "bm25":
            ids, ranking, dense = bm25_ids, bm25_all[bm25_ids], np.zeros(len(bm25_ids))
        elif mode == "dense":
            ids, ranking, dense = dense_ids, dense_vals, dense_vals
        else:
            ids = np.unique(np.concatenate([bm25_ids, dense_ids]))
            dense = index.vectors[ids] @ query.vector
            ranking = fuse(bm25_all[ids], dense, query.dense_weight)
            order = np.lexsort((ids, -ranking))
            ids, ranking, dense = ids[order], ranking[order], dense[order]
        ids = ids[:query.k]
        bm25 = bm25_all[ids] if bm25_all is not None else np.zeros(len(ids))
        hits = [Hit(index.chunks[i], float(s), float(b), float(d)) for i, s, b, d in zip(ids, ranking, bm25, dense)]
        clock("fusion")
        return hits

    def word_weights(self, words: list[str]) -> np.ndarray:
        """Each word's weight from the BM25 postings' document frequencies (stores.base.word_weight)."""
        bm25 = self.index.bm25
        return np.asarray([word_weight(bm25.doc_freq(weighted_tokens(self.index.tokenize(w), w)), bm25.n_docs)
                           for w in words], dtype=np.float64)

    def chunk_counts(self) -> dict[str, int]:
        return self.chunks.counts_by_doc()

    def describe(self) -> str:
        return f"local index ({len(self.documents)} documents, {len(self.chunks)} chunks)"


def add_local(store: LocalStore, documents, embedder, cache_dir=None, progress=None, writer: str = "rag serve",
              wait_s: float = 30.0) -> tuple[LocalStore, BuildReport]:
    """``documents`` indexed too (a same-named one is replaced), the new build published."""
    return _commit(store, lambda index: with_documents(index, documents, embedder, cache_dir, progress), embedder,
                   writer, wait_s)


def remove_local(store: LocalStore, names, embedder, wait_s: float = 30.0) -> tuple[LocalStore, BuildReport]:
    """The documents ``names`` removed, the new build published."""
    cache_dir = store.root / "cache" if store.root is not None else None
    return _commit(store, lambda index: without_documents(index, names, embedder, cache_dir), embedder, "rag remove",
                   wait_s)


def _commit(store: LocalStore, change, embedder, writer: str, wait_s: float) -> tuple[LocalStore, BuildReport]:
    """The index ``change(index)`` builds, published. In a folder the write holds its lock and
    starts from the latest commit, not from ``store``'s copy: a report another process added
    meanwhile is kept."""
    if store.root is None:
        index, report = change(store.index)
        return LocalStore(index), report
    with index_lock(store.root, wait_s, writer):
        latest = open_local(store.root, embedder) if is_stale(store) else store
        index, report = change(latest.index)
        build = save_index(index, store.root)
    return LocalStore(index, store.root, build.name), report


def is_stale(store: LocalStore) -> bool:
    """Whether another process committed to the store's folder since it was read."""
    return store.root is not None and current_build(store.root) != store.build


def open_local(root: Path, embedder=None) -> LocalStore:
    """The published index in the folder ``root``, checked against ``embedder``."""
    build = current_build(root)   # read first: a commit in between only makes the store look stale
    return LocalStore(load_index(root, embedder=embedder), root, build)


def sync_local(root: Path, documents, embedder, settings: IndexSettings, rebuild: bool = False, progress=None,
               failures=(), wait_s: float = 0.0) -> tuple[LocalStore, BuildReport]:
    """Make the index folder ``root`` hold exactly ``documents``, under its writer lock: a new
    build from them (only chunks not in the folder's embedding cache are embedded), published
    atomically; documents added, changed and removed are counted against the previous build."""
    root = Path(root)
    started = time.perf_counter()
    with index_lock(root, wait_s):
        previous = None
        if index_exists(root) and not rebuild:
            _, previous = read_manifest(root)
            check_compatible(previous, settings, embedder, root)
        index, report = build_from_documents(documents, embedder, settings, cache_dir=root / "cache",
                                             progress=progress, failures=failures, started=started)
        if not report.documents:
            raise NothingToIndexError(report.failures, f"{root} was left unchanged")
        build = save_index(index, root)
    old = {d["name"]: d["sha256"] for d in previous["documents"]} if previous else {}
    old.update((name, old.get(first)) for name, first in (previous or {}).get("duplicates", {}).items())
    new = {d.document.name: d.document.sha256 for d in index.documents.values()}
    new.update((name, new[first]) for name, first in report.duplicates)
    changes = (sum(n not in old for n in new), sum(n in old and old[n] != h for n, h in new.items()),
               sum(n not in new for n in old))
    return LocalStore(index, root, build.name), BuildReport(
        report.documents, report.chunks, report.embedded, report.failures, report.seconds, report.duplicates,
        report.stage_seconds, changes)
