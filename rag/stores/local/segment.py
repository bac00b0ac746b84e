"""One immutable segment of the local index: some documents, their chunk table, BM25
postings and vectors under the plan for their number (rag.stores.plan), and how one is
built. Segments never change once written; deleting a document tombstones it in the
commit point (rag/stores/local/index.py), and merging writes a new segment
(rag/stores/local/merge.py)."""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from rag.ingest.clean import CleanDocument
from rag.ingest.prepare import Prepared, prepare
from rag.stores.base import IndexSettings
from rag.stores.local.ann import VectorSearch, build_vector_search
from rag.stores.local.bm25 import Postings, PostingsBuilder
from rag.stores.local.storage import ChunkTable
from rag.stores.plan import plan_for
from rag.text.normalize import normalize
from rag.text.tokens import bigram_keys, get_tokenizer


@dataclass(frozen=True, eq=False)
class Segment:
    """What one segment holds; ``name`` is its folder once saved ("" while only in memory)."""
    name: str
    documents: Mapping[str, CleanDocument]   # a dict after a build, a lazy DocumentStore after loading
    chunks: ChunkTable
    postings: Postings
    vectors: object              # [n_chunks, dim] L2-normalized: an array, or an ArrayFile after loading
    dense: VectorSearch
    hashes: Mapping[str, str]    # document name -> sha256 of its file, without loading the document
    built_at: str = ""

    def __len__(self) -> int:
        return len(self.chunks)


def new_segment_name() -> str:
    return f"seg-{time.strftime('%Y%m%d-%H%M%S')}-{time.monotonic_ns() % 10**9:09d}"


def build_lexical(chunks, settings: IndexSettings, batch: int = 20_000) -> Postings:
    """BM25 postings of the chunks' search text, in batches; the default bigram tokenizer runs
    vectorized (tokens.bigram_keys), any other tokenizer token by token."""
    builder, tokenize = PostingsBuilder(), get_tokenizer(settings.tokenizer)
    for a in range(0, len(chunks), batch):
        texts = [normalize(c.search_text) for c in chunks[a:a + batch]]
        if settings.tokenizer == "bigram":
            builder.add(len(texts), *bigram_keys(texts))
        else:
            builder.add_tokens([tokenize(t) for t in texts])
    return builder.build()


def build_segment(documents, settings: IndexSettings, vectors_for, failures=(), flat_below: int | None = None,
                  indexed=None) -> tuple[Segment, Prepared, dict, int]:
    """Clean and chunk ``documents``, then both searches, each stage timed (seconds).
    ``vectors_for(prepared)`` gives the chunks' vectors and how many were embedded now
    (``rag bench search`` synthesizes them); ``flat_below`` overrides the exact-search
    threshold (ann.FLAT_BELOW); a file identical to one in ``indexed`` (sha256 -> name, held
    by other segments) is counted a duplicate, not indexed again."""
    stages, t0 = {}, time.perf_counter()
    prepared = prepare(documents, settings.chunking, failures, indexed)
    stages["clean_chunk"], t0 = time.perf_counter() - t0, time.perf_counter()
    postings = build_lexical(prepared.chunks, settings)
    stages["bm25"], t0 = time.perf_counter() - t0, time.perf_counter()
    vectors, embedded = vectors_for(prepared)
    stages["embed"], t0 = time.perf_counter() - t0, time.perf_counter()
    vectors = np.asarray(vectors, dtype=np.float32)
    dense = build_vector_search(vectors, plan_for(len(vectors), flat_below))
    segment = Segment("", prepared.documents, ChunkTable.from_chunks(prepared.chunks, prepared.documents),
                      postings, vectors, dense, {n: d.document.sha256 for n, d in prepared.documents.items()},
                      time.strftime("%Y-%m-%dT%H:%M:%S"))
    stages["vector_index"] = time.perf_counter() - t0
    return segment, prepared, stages, embedded
