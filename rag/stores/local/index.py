"""The local index: immutable segments (rag/stores/local/segment.py) and the tombstones of
documents deleted from them, as one commit names them. Adding documents appends a segment
holding only theirs; replacing one tombstones the old copy; deleting only tombstones.
BM25 statistics are summed over the live chunks of every segment, so any sequence of
adds and deletes ranks as a fresh build of the same documents would.

On disk an index is a folder you can read by hand (rag/stores/local/folder.py)::

    index/
      CURRENT                 name of the live commit file (replaced atomically)
      commit-<gen>.json       format, embedder, settings; the segments, each with its tombstones
      seg-<time>/             manifest.json         the segment's documents and vector plan
                              documents.jsonl       one document a line (+ documents.offsets.npy, origins*.npy)
                              chunks.npy            chunk spans as integer columns (+ sections.json)
                              bm25_terms.npy        sorted term keys; bm25_indptr/doc_ids/tfs/lengths.npy
                              vectors.npy           float32 [chunks, dim]; vectors.ivf above 50k chunks
      cache/                  embedding cache keyed by (embedder name and revision, text hash)

Loading reads the small arrays and leaves documents, postings and vectors on disk, read
row by row as queries need them (storage.py), so a million-chunk index opens in seconds.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.embed.base import Embedder, revision_of
from rag.embed.cache import EmbeddingCache, embed_chunks
from rag.ingest.documents import load_documents
from rag.ingest.prepare import Prepared
from rag.stores.base import BuildReport, IndexSettings
from rag.stores.local.bm25 import CorpusStats, length_norm
from rag.stores.local.segment import Segment, build_lexical, build_segment
from rag.text.normalize import normalize
from rag.text.tokens import get_tokenizer


class LiveDocuments(Mapping):
    """name -> CleanDocument over every segment, tombstoned documents left out."""

    def __init__(self, segments, deleted):
        self.where = {name: s for s, (seg, gone) in enumerate(zip(segments, deleted))
                      for name in seg.documents if name not in gone}
        self._segments = segments

    def __len__(self) -> int:
        return len(self.where)

    def __iter__(self):
        return iter(self.where)

    def __contains__(self, name) -> bool:
        return name in self.where

    def __getitem__(self, name: str):
        return self._segments[self.where[name]].documents[name]


class LiveChunks(Sequence):
    """The live chunks of every segment in order; ``chunks[i]`` is the i-th live chunk, its
    ``id`` the index-wide chunk id (which counts tombstoned chunks too)."""

    def __init__(self, index: "Index"):
        self.index = index
        self._ids = None

    def ids(self) -> np.ndarray:
        if self._ids is None:
            self._ids = np.concatenate([base + (np.arange(len(seg)) if live is None else np.flatnonzero(live))
                                        for seg, base, live in zip(self.index.segments, self.index.bases,
                                                                   self.index.live)] or [np.zeros(0, np.int64)])
        return self._ids

    def __len__(self) -> int:
        return self.index.live_count

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self.index.chunk(int(g)) for g in self.ids()[i]]
        return self.index.chunk(int(self.ids()[i]))

    def __iter__(self):
        for seg, base, live in zip(self.index.segments, self.index.bases, self.index.live):
            for local in (range(len(seg)) if live is None else np.flatnonzero(live).tolist()):
                yield dataclasses.replace(seg.chunks[local], id=base + local)

    def ids_of(self, names) -> np.ndarray:
        """Index-wide ids of the live chunks of the documents ``names``, ascending."""
        parts = [base + seg.chunks.ids_of(set(names) - gone)
                 for seg, base, gone in zip(self.index.segments, self.index.bases, self.index.deleted)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def counts_by_doc(self) -> dict[str, int]:
        counts = {}
        for seg, gone in zip(self.index.segments, self.index.deleted):
            counts.update((n, c) for n, c in seg.chunks.counts_by_doc().items() if n not in gone)
        return counts


@dataclass(frozen=True, eq=False)
class Index:
    """Everything the local store searches: its segments and their tombstones, and the
    corpus-wide BM25 statistics of what is live."""
    settings: IndexSettings
    embedder_name: str
    dim: int
    segments: tuple[Segment, ...]
    deleted: tuple[frozenset, ...]   # per segment: names of its documents deleted since it was written
    stats: CorpusStats
    built_at: str = ""
    duplicates: tuple[tuple[str, str], ...] = ()  # (name not indexed, name indexed) of identical files
    last_merge: str = ""
    embedder_revision: str = ""      # which graph or weights of the embedder made the vectors (vector_source)
    bases: tuple[int, ...] = field(init=False)
    live: tuple = field(init=False)      # per segment: a bool mask of live chunks, or None when all are
    norm: np.ndarray = field(init=False)   # BM25 length norms under the corpus-wide average, index-wide
    norms: tuple = field(init=False)       # the same per segment (views)
    live_mask: object = field(init=False)  # index-wide bool mask of live chunks, or None when all are
    documents: LiveDocuments = field(init=False)
    chunks: LiveChunks = field(init=False)
    live_count: int = field(init=False)

    def __post_init__(self):
        sizes = [len(s) for s in self.segments]
        live = tuple(None if not gone else ~np.isin(np.arange(len(s)), s.chunks.ids_of(gone))
                     for s, gone in zip(self.segments, self.deleted))
        bases = tuple(int(b) for b in np.cumsum([0] + sizes)[:-1])
        lengths = [s.postings.lengths for s in self.segments]
        norm = length_norm(np.concatenate(lengths) if lengths else np.zeros(0, np.int32), self.stats, self.settings.bm25)
        whole = None if all(m is None for m in live) else np.concatenate(
            [np.ones(n, bool) if m is None else m for n, m in zip(sizes, live)])
        for name, value in (("bases", bases), ("live", live), ("norm", norm), ("live_mask", whole),
                            ("norms", tuple(norm[b:b + n] for b, n in zip(bases, sizes))),
                            ("documents", LiveDocuments(self.segments, self.deleted)),
                            ("live_count", int(sum(n if m is None else m.sum() for n, m in zip(sizes, live))))):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "chunks", LiveChunks(self))

    def locate(self, chunk_id: int) -> tuple[int, int]:
        """(segment position, chunk id within it) of an index-wide chunk id."""
        s = int(np.searchsorted(self.bases, chunk_id, side="right")) - 1
        return s, chunk_id - self.bases[s]

    def chunk(self, chunk_id: int):
        s, local = self.locate(chunk_id)
        return dataclasses.replace(self.segments[s].chunks[local], id=chunk_id)

    def vector(self, chunk_ids: np.ndarray) -> np.ndarray:
        """The vectors of index-wide chunk ids, in their order."""
        out = np.empty((len(chunk_ids), self.dim), dtype=np.float32)
        for s, (seg, base) in enumerate(zip(self.segments, self.bases)):
            rows = np.flatnonzero((chunk_ids >= base) & (chunk_ids < base + len(seg)))
            if len(rows):
                out[rows] = seg.vectors[chunk_ids[rows] - base]
        return out

    def hashes(self) -> dict[str, str]:
        """name -> sha256 of every live document's file, from the segments' manifests (none is read)."""
        return {name: self.segments[s].hashes[name] for name, s in self.documents.where.items()}

    def tokenize(self, text: str) -> list[str]:
        return get_tokenizer(self.settings.tokenizer)(normalize(text))


# ---------------------------------------------------------------- statistics

def segment_part(segment: Segment) -> tuple:
    p = segment.postings
    return p.terms, p.doc_freq(), p.n_docs, int(p.lengths.sum()), 1


def tombstone_part(segment: Segment, names, settings: IndexSettings) -> tuple:
    """What the chunks of the documents ``names`` add to the statistics, to take away:
    their postings, rebuilt from their text exactly as the segment's were."""
    gone = [segment.chunks[int(i)] for i in segment.chunks.ids_of(set(names))]
    p = build_lexical(gone, settings)
    return p.terms, p.doc_freq(), p.n_docs, int(p.lengths.sum()), -1


def assemble(settings: IndexSettings, embedder_name: str, dim: int, segments, deleted, **extra) -> Index:
    """An Index of ``segments`` and their tombstones, its statistics summed from scratch."""
    segments, deleted = tuple(segments), tuple(frozenset(d) for d in deleted)
    parts = [segment_part(s) for s in segments] + [tombstone_part(s, d, settings)
                                                   for s, d in zip(segments, deleted) if d]
    return Index(settings, embedder_name, dim, segments, deleted, CorpusStats.summed(parts), **extra)


def _tombstoned(index: Index, names) -> tuple[tuple[frozenset, ...], CorpusStats]:
    """Tombstones and statistics after deleting the documents ``names`` (those it holds)."""
    deleted, stats = list(index.deleted), index.stats
    for s, seg in enumerate(index.segments):
        here = {n for n in names if n in seg.documents and n not in deleted[s]}
        if here:
            deleted[s] = deleted[s] | here
            stats = stats.changed(*tombstone_part(seg, here, index.settings))
    return tuple(deleted), stats


# ---------------------------------------------------------------- building and changing

def build_index(paths, embedder: Embedder, settings: IndexSettings = IndexSettings(),
                cache_dir: Path | None = None, progress=None) -> tuple[Index, BuildReport]:
    """An index of the report files in ``paths`` (files and folders); unreadable files are
    listed in the report's failures. Vectors already in ``cache_dir`` are not re-embedded."""
    started = time.perf_counter()
    loaded = load_documents(paths)
    return build_from_documents(loaded.documents, embedder, settings, cache_dir, progress,
                                failures=loaded.failures, started=started)


def embedded_by(embedder: Embedder, cache_dir: Path | None, progress=None):
    """``vectors_for`` of build_segment: the chunks' vectors, only those not in the cache embedded."""
    def vectors_for(prepared: Prepared) -> tuple[np.ndarray, int]:
        cache = EmbeddingCache(cache_dir, embedder)
        vectors, embedded = embed_chunks(prepared.chunks, embedder, cache, progress)
        cache.save()
        return vectors, embedded
    return vectors_for


def build_from_documents(documents, embedder: Embedder, settings: IndexSettings = IndexSettings(),
                         cache_dir: Path | None = None, progress=None, failures=(),
                         started: float | None = None) -> tuple[Index, BuildReport]:
    """A one-segment index of already loaded documents (see build_index)."""
    started = time.perf_counter() if started is None else started
    segment, prepared, stages, embedded = build_segment(documents, settings, embedded_by(embedder, cache_dir, progress),
                                                        failures)
    index = assemble(settings, embedder.name, embedder.dim, [segment], [()], built_at=segment.built_at,
                     duplicates=prepared.duplicates, embedder_revision=revision_of(embedder))
    return index, BuildReport(len(prepared.documents), len(prepared.chunks), embedded, prepared.failures,
                              time.perf_counter() - started, prepared.duplicates, stages)


def with_segment(index: Index, segment: Segment, duplicates=(), replaces=()) -> Index:
    """``index`` with ``segment`` appended; the documents it holds, and ``replaces``, are
    tombstoned where older segments hold them."""
    deleted, stats = _tombstoned(index, set(segment.documents) | set(replaces))
    stats = stats.changed(*segment_part(segment)[:4], 1)
    kept = tuple((a, b) for a, b in index.duplicates if a not in segment.documents)
    return dataclasses.replace(index, segments=index.segments + (segment,), deleted=deleted + (frozenset(),),
                               stats=stats, built_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
                               duplicates=kept + tuple(duplicates))


def without_documents(index: Index, names) -> Index:
    """``index`` with the documents ``names`` tombstoned (a segment left with nothing live is dropped)."""
    deleted, stats = _tombstoned(index, names)
    keep = [s for s, seg in enumerate(index.segments) if set(seg.documents) - deleted[s]]
    return dataclasses.replace(index, segments=tuple(index.segments[s] for s in keep),
                               deleted=tuple(deleted[s] for s in keep), stats=stats,
                               built_at=time.strftime("%Y-%m-%dT%H:%M:%S"),
                               duplicates=tuple((a, b) for a, b in index.duplicates if b not in names and a not in names))


def add_documents(index: Index, documents, embedder: Embedder, cache_dir: Path | None = None, progress=None,
                  failures=()) -> tuple[Index, BuildReport]:
    """A new index with ``documents`` added in a new segment (a same-named document is
    replaced); only their chunks are cleaned, chunked, tokenized and embedded."""
    started = time.perf_counter()
    documents = list(documents)
    names = {d.name for d in documents}
    indexed = {sha: name for name, sha in index.hashes().items() if name not in names}   # unless being replaced
    segment, prepared, stages, embedded = build_segment(documents, index.settings,
                                                        embedded_by(embedder, cache_dir, progress), failures,
                                                        indexed=indexed)
    t0 = time.perf_counter()
    replaced = {name for name, _ in prepared.duplicates}   # now identical to another file: the old copy goes
    if prepared.documents:
        new = with_segment(index, segment, prepared.duplicates, replaced)
    else:
        new = without_documents(index, replaced) if replaced & set(index.documents) else index
    stages["statistics"] = time.perf_counter() - t0
    return new, BuildReport(len(new.documents), new.live_count, embedded, prepared.failures,
                            time.perf_counter() - started, prepared.duplicates, stages)
