"""The local store's index in memory, and how it is built: BM25 postings over the chunks'
search text and the chunks' vectors under the plan for their number (rag.stores.plan).
Saving and loading the index folder: rag/stores/local/folder.py.

On disk an index is a folder you can read by hand::

    index/
      CURRENT                 name of the live build folder (replaced atomically)
      build-<time>/           manifest.json        format, embedder, settings, vector plan, documents
                              documents.jsonl      one document a line (+ documents.offsets.npy, origins.npy)
                              chunks.npy           chunk spans as integer columns (+ sections.json)
                              bm25_terms.npy       sorted term keys; bm25_indptr/doc_ids/weights.npy postings
                              vectors.npy          float32 [chunks, dim]; vectors.ivf above 50k chunks
      cache/                  embedding cache keyed by (embedder name, text hash)

A build is written into a fresh folder and published by replacing ``CURRENT``,
so a crash mid-build leaves the previous index usable. Nothing is pickled.
Loading reads the small arrays and leaves documents, postings and vectors on disk,
read row by row as queries need them (storage.py), so a million-chunk index
opens in seconds.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.embed.base import Embedder
from rag.embed.cache import EmbeddingCache, embed_chunks
from rag.ingest.clean import CleanDocument
from rag.ingest.documents import load_documents
from rag.ingest.prepare import Prepared, prepare
from rag.stores.base import BuildReport, IndexSettings
from rag.stores.local.ann import VectorSearch, build_vector_search
from rag.stores.local.bm25 import BM25Index, PostingsBuilder
from rag.stores.local.storage import ChunkTable
from rag.stores.plan import plan_for
from rag.text.normalize import normalize
from rag.text.tokens import bigram_keys, get_tokenizer


@dataclass(frozen=True, eq=False)
class Index:
    """Everything the local store searches: documents, chunk table, BM25 postings, vectors."""
    settings: IndexSettings
    embedder_name: str
    dim: int
    documents: Mapping[str, CleanDocument]   # a dict after a build, a lazy DocumentStore after loading
    chunks: ChunkTable
    bm25: BM25Index
    vectors: object              # [n_chunks, dim] L2-normalized: an array, or an ArrayFile after loading
    dense: VectorSearch
    built_at: str = ""
    duplicates: tuple[tuple[str, str], ...] = ()  # (name not indexed, name indexed) of identical files

    def tokenize(self, text: str) -> list[str]:
        return get_tokenizer(self.settings.tokenizer)(normalize(text))


# ---------------------------------------------------------------- building

def build_index(paths, embedder: Embedder, settings: IndexSettings = IndexSettings(),
                cache_dir: Path | None = None, progress=None) -> tuple[Index, BuildReport]:
    """An index of the report files in ``paths`` (files and folders); unreadable files are
    listed in the report's failures. Vectors already in ``cache_dir`` are not re-embedded."""
    started = time.perf_counter()
    loaded = load_documents(paths)
    return build_from_documents(loaded.documents, embedder, settings, cache_dir, progress,
                                failures=loaded.failures, started=started)


def build_lexical(chunks, settings: IndexSettings, batch: int = 20_000) -> BM25Index:
    """BM25 over the chunks' search text, in batches; the default bigram tokenizer runs
    vectorized (tokens.bigram_keys), any other tokenizer token by token."""
    builder, tokenize = PostingsBuilder(), get_tokenizer(settings.tokenizer)
    for a in range(0, len(chunks), batch):
        texts = [normalize(c.search_text) for c in chunks[a:a + batch]]
        if settings.tokenizer == "bigram":
            builder.add(len(texts), *bigram_keys(texts))
        else:
            builder.add_tokens([tokenize(t) for t in texts])
    return builder.build(settings.bm25)


def build_stages(documents, settings: IndexSettings, embedder_name: str, dim: int, vectors_for,
                 failures=(), flat_below: int | None = None) -> tuple[Index, Prepared, dict, int]:
    """Clean and chunk, then both searches, each stage timed (seconds). ``vectors_for(prepared)``
    gives the chunks' vectors and how many were embedded now (``rag bench search`` synthesizes
    them); ``flat_below`` overrides the exact-search threshold (ann.FLAT_BELOW)."""
    stages, t0 = {}, time.perf_counter()
    prepared = prepare(documents, settings.chunking, failures)
    stages["clean_chunk"], t0 = time.perf_counter() - t0, time.perf_counter()
    bm25 = build_lexical(prepared.chunks, settings)
    stages["bm25"], t0 = time.perf_counter() - t0, time.perf_counter()
    vectors, embedded = vectors_for(prepared)
    stages["embed"], t0 = time.perf_counter() - t0, time.perf_counter()
    dense = build_vector_search(vectors, plan_for(len(vectors), flat_below))
    index = Index(settings, embedder_name, dim, prepared.documents,
                  ChunkTable.from_chunks(prepared.chunks, prepared.documents), bm25, vectors, dense,
                  time.strftime("%Y-%m-%dT%H:%M:%S"), prepared.duplicates)
    stages["vector_index"] = time.perf_counter() - t0
    return index, prepared, stages, embedded


def build_from_documents(documents, embedder: Embedder, settings: IndexSettings = IndexSettings(),
                         cache_dir: Path | None = None, progress=None, failures=(),
                         started: float | None = None) -> tuple[Index, BuildReport]:
    """An index of already loaded documents (see build_index)."""
    started = time.perf_counter() if started is None else started

    def embed(prepared: Prepared) -> tuple[np.ndarray, int]:
        cache = EmbeddingCache(cache_dir, embedder.name, embedder.dim)
        vectors, embedded = embed_chunks(prepared.chunks, embedder, cache, progress)
        cache.save()
        return vectors, embedded

    index, prepared, stages, embedded = build_stages(documents, settings, embedder.name, embedder.dim, embed,
                                                     failures)
    return index, BuildReport(len(prepared.documents), len(prepared.chunks), embedded, prepared.failures,
                              time.perf_counter() - started, prepared.duplicates, stages)


def with_documents(index: Index, documents, embedder: Embedder, cache_dir: Path | None = None,
                  progress=None) -> tuple[Index, BuildReport]:
    """A new index with ``documents`` added (a same-named document is replaced). Only their
    chunks are embedded: everything already indexed comes from the embedding cache."""
    merged = {name: doc.document for name, doc in index.documents.items()}
    merged.update((doc.name, doc) for doc in documents)
    return build_from_documents(list(merged.values()), embedder, index.settings, cache_dir, progress)


def without_documents(index: Index, names, embedder: Embedder, cache_dir: Path | None = None
                      ) -> tuple[Index, BuildReport]:
    """A new index without the documents ``names``; the rest's vectors come from the embedding cache."""
    kept = [doc.document for name, doc in index.documents.items() if name not in names]
    return build_from_documents(kept, embedder, index.settings, cache_dir)
