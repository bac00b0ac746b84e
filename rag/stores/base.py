"""What every store is and what passes through it: the ``Store`` protocol, the settings an
index is built with, the query a store ranks for and the hits it returns, the build report,
and the pure maths both stores share (min-max fusion, idf word weights).

Two stores implement the protocol: the local index folder (``rag.stores.local``: BM25
postings and FAISS vectors) and Milvus (``rag.stores.milvus``). ``rag.stores.uri`` picks one
from a ``--store`` URI.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sized
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from rag.embed.base import revision_of
from rag.errors import DocumentError
from rag.ingest.chunking import Chunk, ChunkSettings
from rag.ingest.clean import CleanDocument
from rag.text.tokens import DEFAULT_TOKENIZER, get_tokenizer

MODES = ("hybrid", "bm25", "dense")
STORE_KINDS = ("local", "milvus")
DEFAULT_COLLECTION = "reports"


@dataclass(frozen=True)
class StoreSpec:
    """Where a store lives, as parsed from a ``--store`` URI (rag.stores.uri)."""
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


@dataclass(frozen=True)
class BM25Params:
    """Okapi BM25's parameters (rank-bm25's defaults)."""
    k1: float = 1.5
    b: float = 0.75
    epsilon: float = 0.25


@dataclass(frozen=True)
class IndexSettings:
    """How an index is built; recorded in it, and a mismatch is refused on opening."""
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    tokenizer: str = DEFAULT_TOKENIZER
    bm25: BM25Params = field(default_factory=BM25Params)

    def __post_init__(self):
        get_tokenizer(self.tokenizer)  # unknown names fail here, listing the valid ones


@dataclass(frozen=True)
class FusionSettings:
    """How hybrid mode fuses BM25 and dense scores."""
    dense_weight: float = 0.4   # share of the dense score in hybrid mode (tuned: README, Figures)
    candidates: int = 50        # per-mode pool that fusion re-ranks


@dataclass(frozen=True, eq=False)
class RankQuery:
    """What a store ranks chunks for: one question, prepared by the searcher."""
    text: str                    # normalized question with question phrases cut out (what BM25 analyzes)
    tokens: tuple[str, ...]      # ``text`` in the store's BM25 tokens
    vector: np.ndarray | None    # the question's embedding (hybrid and dense modes)
    mode: str                    # one of MODES
    k: int                       # hits wanted
    pool: int                    # candidates per mode that fusion re-ranks
    dense_weight: float          # share of the dense score in hybrid mode
    documents: frozenset[str] | None = None   # rank only these documents' chunks (None: all)


@dataclass(frozen=True)
class Hit:
    """One ranked chunk and its scores."""
    chunk: Chunk
    score: float       # the mode's ranking score (fused score in hybrid mode)
    bm25: float        # the chunk's BM25 score (0 where it holds none of the question's words)
    dense: float       # cosine to the question (0 in bm25 mode)


@dataclass(frozen=True)
class BuildReport:
    """What a build or sync did: counts, files skipped (with reasons), time per stage."""
    documents: int
    chunks: int
    embedded: int                # chunks embedded now (the rest came from the cache)
    failures: tuple[DocumentError, ...]
    seconds: float
    duplicates: tuple[tuple[str, str], ...] = ()   # (skipped name, indexed name) with the same bytes
    stage_seconds: dict = field(default_factory=dict)  # clean_chunk, bm25, embed, vector_index
    changes: tuple[int, int, int] | None = None   # documents added, changed, removed by a sync (None: a build)
    notes: tuple[str, ...] = ()   # what went wrong after the commit, which stands (a merge that failed)


class Store(Protocol):
    """An index the searcher can ask: documents to cite, ranked chunks, corpus word weights.
    A store is read-only; writes go through rag.stores.uri (sync, add_documents), which
    commit and return a new store."""
    kind: str                                   # one of STORE_KINDS
    settings: IndexSettings
    embedder_name: str                          # the embedder that built it (queries must use the same)
    dim: int
    documents: Mapping[str, CleanDocument]      # name -> cleaned document, loaded lazily
    chunks: Sized

    def rank(self, query: RankQuery, clock: Callable[[str], None]) -> list[Hit]:
        """The ``query.k`` best chunks, best first; ``clock(stage)`` after each timed stage."""

    def word_weights(self, words: list[str]) -> np.ndarray:
        """Weight of each question word for the answer's coverage check (idf-like)."""

    def chunk_counts(self) -> dict[str, int]:
        """Chunks per document name."""

    def describe(self) -> str:
        """One line for people: what and how much."""


# ---------------------------------------------------------------- what built a store

def records_embedder(manifest: dict) -> bool:
    """Whether a manifest names the embedder that built the store (name and dimension)."""
    embedder = manifest.get("embedder")
    return isinstance(embedder, dict) and isinstance(embedder.get("name"), str) and isinstance(embedder.get("dim"), int)


def embedder_problems(manifest: dict, embedder) -> list[str]:
    """Why ``embedder`` cannot search a store whose manifest names another one ([] if it can)."""
    built = manifest["embedder"]
    if embedder is None:
        return []
    if (built["name"], built["dim"]) != (embedder.name, embedder.dim):
        return [f"embedder {built['name']} (dim {built['dim']}) vs requested {embedder.name} (dim {embedder.dim})"]
    # the same name rebuilt by a newer release (a store written before revisions were recorded has none)
    built_revision, revision = built.get("revision", ""), revision_of(embedder)
    if built_revision and revision and built_revision != revision:
        return [f"embedder {built['name']} as {built_revision} vs this installation's {revision}"]
    return []


# ---------------------------------------------------------------- shared maths

ABSENT_TERM_FACTOR = 2.0   # a word no report contains is strong evidence of an uncovered question


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


def term_idf(doc_freq: np.ndarray, n_docs: int) -> np.ndarray:
    """Plain idf (no epsilon floor) from document frequencies; a term the corpus lacks
    (frequency 0) gets the highest possible idf, so unknown words weigh most in coverage."""
    df = np.asarray(doc_freq, dtype=np.float64)
    return np.log((n_docs - df + 0.5) / (df + 0.5) + 1.0)


def word_weight(doc_freq: np.ndarray, n_docs: int) -> float:
    """A word weighs as much as its rarest token, twice that if some token of it occurs
    nowhere (吉祥物 in a question about 冬奥会)."""
    doc_freq = np.asarray(doc_freq, dtype=np.float64)
    absent = bool((doc_freq == 0).any())
    return float(term_idf(doc_freq, n_docs).max() * (ABSENT_TERM_FACTOR if absent else 1.0))


def weighted_tokens(tokens: list[str], word: str) -> list[str]:
    """The tokens a word is weighed by: its longer ones when it has any (bigrams over characters)."""
    return [t for t in tokens if len(t) > 1] or tokens or [word]
