"""Where an index lives, chosen by URI: the local store (index folder: BM25 postings and
FAISS vectors, the default) or Milvus (``rag/milvus.py``). Both give the searcher the same
things: the documents to cite, ranked chunks for a question, and corpus word weights for
the answer's coverage check.

Store URIs (``--store``):
    local:PATH  or just PATH            an index folder (default: --index, i.e. index/)
    milvus:FILE.db                      Milvus Lite, embedded: FILE.db is its data folder
    milvus://HOST:PORT/COLLECTION       a Milvus server or cluster (MILVUS_USER, MILVUS_PASSWORD
    milvus+https://HOST:PORT/COLLECTION or MILVUS_TOKEN from the environment)
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from .bm25 import score as bm25_score, term_idf, top_k
from .chunking import Chunk
from .errors import ConfigError
from .index import Index

STORE_KINDS = ("local", "milvus")
URI_HELP = "local:PATH, milvus:FILE.db (Milvus Lite) or milvus://HOST:PORT/COLLECTION (a Milvus server)"
DEFAULT_COLLECTION = "reports"
COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")

# (chunk, ranking score, BM25 score, dense cosine); NaN where a store does not report one
Ranked = tuple[Chunk, float, float, float]


@dataclass(frozen=True)
class StoreSpec:
    kind: str          # local | milvus
    location: str      # index folder, Milvus Lite data file, or server URI (http/https)
    collection: str = ""

    @property
    def lite(self) -> bool:
        return self.kind == "milvus" and not self.location.startswith(("http://", "https://"))

    def __str__(self) -> str:
        if self.kind == "local":
            return self.location
        if self.lite:
            return f"milvus:{self.location}" + ("" if self.collection == DEFAULT_COLLECTION else f"#{self.collection}")
        scheme, rest = self.location.split("://", 1)
        return f"milvus{'+https' if scheme == 'https' else ''}://{rest}/{self.collection}"


def parse_store(uri: str | None, index_dir: str) -> StoreSpec:
    """``--store`` text -> StoreSpec; no URI means the local index folder ``index_dir``."""
    if not uri:
        return StoreSpec("local", str(index_dir))
    uri = uri.strip()
    if uri.startswith("local:"):
        return StoreSpec("local", uri[len("local:"):] or str(index_dir))
    for scheme, http in (("milvus://", "http"), ("milvus+https://", "https")):
        if uri.startswith(scheme):
            host, _, collection = uri[len(scheme):].partition("/")
            if not host:
                raise ConfigError(f"store '{uri}' names no host; use {URI_HELP}")
            return StoreSpec("milvus", f"{http}://{host}", _collection(uri, collection.strip("/")))
    if uri.startswith("milvus:"):
        path, _, collection = uri[len("milvus:"):].partition("#")
        if not path.endswith(".db"):
            raise ConfigError(f"store '{uri}': a Milvus Lite data file must end in .db (e.g. milvus:./reports.db)")
        return StoreSpec("milvus", path, _collection(uri, collection))
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]+):", uri)   # one letter ("C:\...") is a drive, not a store
    if scheme:
        raise ConfigError(f"unknown store '{scheme.group(1)}' in '{uri}'; valid stores: {URI_HELP}")
    return StoreSpec("local", uri)


def _collection(uri: str, name: str) -> str:
    name = name or DEFAULT_COLLECTION
    if not COLLECTION_NAME.fullmatch(name):
        raise ConfigError(f"store '{uri}': collection name '{name}' must be letters, digits and _ "
                          "(not starting with a digit)")
    return name


def open_store(spec: StoreSpec, embedder=None):
    """The store at ``spec``, checked against ``embedder`` (None: whichever built it)."""
    if spec.kind == "local":
        from pathlib import Path

        from .index import load_index
        return LocalStore(load_index(Path(spec.location), embedder=embedder), Path(spec.location))
    from .milvus import MilvusStore
    return MilvusStore.open(spec, embedder)


def store_embedder_name(spec: StoreSpec) -> str:
    """The name of the embedder that built the store (to load it before opening the store)."""
    if spec.kind == "local":
        from pathlib import Path

        from .index import read_manifest
        return read_manifest(Path(spec.location))[1]["embedder"]["name"]
    from .milvus import read_store_manifest
    return read_store_manifest(spec)["embedder"]["name"]


def build_store(spec: StoreSpec, paths, embedder, progress=None):
    """A new store at ``spec`` from the report files in ``paths``, with default settings
    (``rag serve``'s first run); (store, BuildReport)."""
    from pathlib import Path

    from .documents import load_documents
    from .index import IndexSettings, build_index, save_index

    if spec.kind == "milvus":
        from .embedding import shared_embedding_cache
        from .milvus import TOKENIZER
        from .milvus_sync import sync
        loaded = load_documents(paths)
        return sync(spec, loaded.documents, embedder, IndexSettings(tokenizer=TOKENIZER), shared_embedding_cache(),
                    progress, failures=loaded.failures)
    root = Path(spec.location)
    index, report = build_index(paths, embedder, cache_dir=root / "cache", progress=progress)
    save_index(index, root)
    return LocalStore(index, root), report


def as_store(index_or_store):
    return LocalStore(index_or_store) if isinstance(index_or_store, Index) else index_or_store


def minmax(x: np.ndarray) -> np.ndarray:
    """Scale to [0, 1]; a constant vector maps to zeros (it ranks nothing)."""
    x = np.asarray(x, dtype=np.float64)
    if x.size == 0:
        return x
    span = x.max() - x.min()
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def fuse(bm25_scores: np.ndarray, dense_scores: np.ndarray, dense_weight: float) -> np.ndarray:
    """Weighted sum of min-max-normalized scores over one candidate pool."""
    return dense_weight * minmax(dense_scores) + (1 - dense_weight) * minmax(bm25_scores)


ABSENT_TERM_FACTOR = 2.0   # a word no report contains is strong evidence of an uncovered question


class LocalStore:
    """An index folder's ``Index``: BM25 postings scored here, vectors searched with FAISS,
    fused by min-max-normalized weights over the candidate pool."""

    kind = "local"

    def __init__(self, index: Index, root=None):
        self.index, self.root = index, root   # root: the index folder, where updates are saved
        self.settings, self.embedder_name, self.dim = index.settings, index.embedder_name, index.dim
        self.documents: Mapping = index.documents
        self.chunks = index.chunks

    def rank(self, query: str, tokens: list[str], qvec: np.ndarray | None, mode: str, k: int, pool: int,
             dense_weight: float, clock: Callable[[str], None]) -> list[Ranked]:
        index = self.index
        pool = min(len(index.chunks), pool)
        bm25_all = None
        if mode in ("hybrid", "bm25"):
            bm25_all = bm25_score(index.bm25, tokens)
            clock("bm25")
            bm25_ids = top_k(bm25_all, pool)
            clock("bm25_top_k")
        if mode in ("hybrid", "dense"):
            dense_vals, dense_ids = index.dense.search(qvec, pool)
            clock("dense")
        if mode == "bm25":
            ids, ranking, dense = bm25_ids, bm25_all[bm25_ids], np.zeros(len(bm25_ids))
        elif mode == "dense":
            ids, ranking, dense = dense_ids, dense_vals, dense_vals
        else:
            ids = np.unique(np.concatenate([bm25_ids, dense_ids]))
            dense = index.vectors[ids] @ qvec
            ranking = fuse(bm25_all[ids], dense, dense_weight)
            order = np.lexsort((ids, -ranking))
            ids, ranking, dense = ids[order], ranking[order], dense[order]
        ids = ids[:k]
        bm25 = bm25_all[ids] if bm25_all is not None else np.zeros(len(ids))
        ranked = [(index.chunks[i], float(s), float(b), float(d)) for i, s, b, d in zip(ids, ranking, bm25, dense)]
        clock("fusion")
        return ranked

    def word_weights(self, words: list[str]) -> np.ndarray:
        """A word weighs as much as its rarest BM25 token in the corpus, twice that if
        some token of it occurs nowhere (吉祥物 in a question about 冬奥会)."""
        weights = []
        for word in words:
            tokens = self.index.tokenize(word)
            longer = [t for t in tokens if len(t) > 1] or tokens or [word]
            doc_freq = self.index.bm25.doc_freq(longer)
            absent = bool((doc_freq == 0).any())   # every indexed term occurs in some chunk
            weights.append(term_idf(doc_freq, self.index.bm25.n_docs).max() * (ABSENT_TERM_FACTOR if absent else 1.0))
        return np.asarray(weights, dtype=np.float64)

    def chunk_counts(self) -> dict[str, int]:
        return self.chunks.counts_by_doc()

    def add_documents(self, documents, embedder, cache_dir=None, progress=None):
        """Index ``documents`` too (a same-named one is replaced) and publish the new build."""
        from .index import add_documents, save_index

        index, report = add_documents(self.index, documents, embedder, cache_dir, progress)
        if self.root is not None:
            save_index(index, self.root)
        return LocalStore(index, self.root), report

    def describe(self) -> str:
        return f"local index ({len(self.documents)} documents, {len(self.chunks)} chunks)"
