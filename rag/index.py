"""Build, save and load the hybrid index.

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

import fcntl
import json
import os
import shutil
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .ann import VectorPlan, VectorSearch, build_vector_search, load_vector_search, plan_for, save_vector_search
from .bm25 import BM25Index, BM25Params, PostingsBuilder
from .chunking import Chunk, ChunkSettings, chunk_document
from .clean import CleanDocument, clean
from .documents import load_documents
from .embedding import EmbeddingCache, Embedder, embed_chunks
from .errors import DocumentError, IndexError_, IndexLockedError, IndexMismatchError, IndexMissingError, RagError
from .normalize import normalize
from .storage import ArrayFile, ChunkTable, DocumentStore, load_array, write_documents
from .tokens import DEFAULT_TOKENIZER, bigram_keys, get_tokenizer

FORMAT_VERSION = 2
CURRENT = "CURRENT"
BM25_ARRAYS = ("terms", "indptr", "doc_ids", "weights")


@dataclass(frozen=True)
class IndexSettings:
    chunking: ChunkSettings = field(default_factory=ChunkSettings)
    tokenizer: str = DEFAULT_TOKENIZER
    bm25: BM25Params = field(default_factory=BM25Params)

    def __post_init__(self):
        get_tokenizer(self.tokenizer)  # unknown names fail here, listing the valid ones


@dataclass(frozen=True, eq=False)
class Index:
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


@dataclass(frozen=True)
class BuildReport:
    documents: int
    chunks: int
    embedded: int                # chunks embedded now (the rest came from the cache)
    failures: tuple[DocumentError, ...]
    seconds: float
    duplicates: tuple[tuple[str, str], ...] = ()   # (skipped name, indexed name) with the same bytes
    stage_seconds: dict = field(default_factory=dict)  # clean_chunk, bm25, embed, vector_index
    changes: tuple[int, int, int] | None = None   # documents added, changed, removed (Milvus store updates)


# ---------------------------------------------------------------- building

def build_index(paths, embedder: Embedder, settings: IndexSettings = IndexSettings(),
                cache_dir: Path | None = None, progress=None) -> tuple[Index, BuildReport]:
    started = time.perf_counter()
    loaded = load_documents(paths)
    return build_from_documents(loaded.documents, embedder, settings, cache_dir, progress,
                                failures=loaded.failures, started=started)


@dataclass(frozen=True)
class Prepared:
    """Documents cleaned and chunked: what both searches are built from."""
    documents: dict[str, CleanDocument]
    chunks: list[Chunk]
    failures: tuple[DocumentError, ...]
    duplicates: tuple[tuple[str, str], ...]

    def chunk_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.documents, 0)
        for chunk in self.chunks:
            counts[chunk.doc] += 1
        return counts


def prepare(documents, settings: IndexSettings, failures=()) -> Prepared:
    cleaned, chunks, failures, first_by_hash, duplicates = {}, [], list(failures), {}, []
    for doc in documents:
        if doc.sha256 in first_by_hash:  # same bytes: indexed once, cited under the first name
            duplicates.append((doc.name, first_by_hash[doc.sha256]))
            continue
        cdoc = clean(doc)
        if not cdoc.paragraphs:
            failures.append(DocumentError(doc.path, "nothing left after cleaning: the file holds only page "
                                          "furniture or advertising"))
            continue
        first_by_hash[doc.sha256] = doc.name
        cleaned[doc.name] = cdoc
        chunks.extend(chunk_document(cdoc, settings.chunking, first_id=len(chunks)))
    return Prepared(cleaned, chunks, tuple(failures), tuple(duplicates))


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
    prepared = prepare(documents, settings, failures)
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


# ---------------------------------------------------------------- saving

def _whole(array) -> np.ndarray:
    return np.asarray(array[0:len(array)])   # an array, or every row of an ArrayFile


def _settings_dict(index: Index) -> dict:
    return {
        "format_version": FORMAT_VERSION,
        "built_at": index.built_at,
        "embedder": {"name": index.embedder_name, "dim": index.dim},
        "chunking": asdict(index.settings.chunking),
        "tokenizer": index.settings.tokenizer,
        "bm25": asdict(index.settings.bm25),
        "vector_index": index.dense.plan.to_json(),
        "counts": {"documents": len(index.documents), "chunks": len(index.chunks),
                   "terms": len(index.bm25.terms), "postings": int(index.bm25.indptr[-1])},
        "documents": [{"name": d.document.name, "sha256": d.document.sha256,
                       "encoding": d.document.encoding, "path": d.document.path}
                      for d in index.documents.values()],
        "duplicates": dict(index.duplicates),
    }


def save_index(index: Index, root: Path) -> Path:
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    build = root / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    build.mkdir()
    write_documents(build, index.documents)
    index.chunks.save(build)
    for name in BM25_ARRAYS:
        np.save(build / f"bm25_{name}.npy", _whole(getattr(index.bm25, name)))
    np.save(build / "vectors.npy", np.asarray(_whole(index.vectors), dtype=np.float32))   # no copy if float32
    save_vector_search(index.dense, build)
    (build / "manifest.json").write_text(json.dumps(_settings_dict(index), ensure_ascii=False, indent=2),
                                         encoding="utf-8")
    _fsync_tree(build)
    tmp = root / f"{CURRENT}.tmp"
    tmp.write_text(build.name + "\n", encoding="utf-8")
    os.replace(tmp, root / CURRENT)
    for old in root.glob("build-*"):
        if old.name != build.name:
            shutil.rmtree(old, ignore_errors=True)
    return build


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())


@contextmanager
def index_lock(root: Path, wait_s: float = 0.0):
    """One writer per index folder. The lock is an flock, so a killed writer never leaves
    it held; a second writer waits up to ``wait_s`` seconds, then stops with a message."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "a+", encoding="utf-8") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.seek(0)
                    holder = handle.read().strip() or "another process"
                    raise IndexLockedError(f"'{root}' is being written by {holder}; wait for it to finish "
                                           "(or pass --wait SECONDS)") from None
                time.sleep(0.1)
        handle.seek(0)
        handle.truncate()
        handle.write(f"rag index (pid {os.getpid()})")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- loading

def index_exists(root: Path) -> bool:
    return (Path(root) / CURRENT).is_file()


def read_manifest(root: Path) -> tuple[Path, dict]:
    root = Path(root)
    try:
        build = root / (root / CURRENT).read_text(encoding="utf-8").strip()
        manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexMissingError(f"no index in '{root}'; build one with: rag index [PATHS] --index {root}") from None
    except (OSError, ValueError) as exc:
        raise IndexError_(f"the index in '{root}' is damaged ({exc}); rebuild it with: rag index --rebuild") \
            from exc
    if not isinstance(manifest, dict):
        raise IndexError_(f"the index manifest in '{root}' is not a JSON object; rebuild it with: rag index --rebuild")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(f"the index in '{root}' has format version {manifest.get('format_version')}, "
                                 f"this version reads {FORMAT_VERSION}; rebuild it with: rag index --rebuild")
    embedder = manifest.get("embedder")
    if not (isinstance(embedder, dict) and isinstance(embedder.get("name"), str)
            and isinstance(embedder.get("dim"), int) and isinstance(manifest.get("documents"), list)):
        raise IndexError_(f"the index manifest in '{root}' is damaged (embedder or documents); "
                          "rebuild it with: rag index --rebuild")
    return build, manifest


def settings_from_manifest(manifest: dict) -> IndexSettings:
    try:
        return IndexSettings(ChunkSettings(**manifest["chunking"]), manifest["tokenizer"],
                             BM25Params(**manifest["bm25"]))
    except (KeyError, TypeError, RagError) as exc:
        raise IndexError_(f"the index manifest is damaged (chunking/tokenizer/bm25: {exc}); "
                          "rebuild it with: rag index --rebuild") from exc


def check_compatible(manifest: dict, settings: IndexSettings | None, embedder: Embedder | None,
                     root: Path) -> None:
    problems = []
    if embedder is not None and (manifest["embedder"]["name"], manifest["embedder"]["dim"]) != \
            (embedder.name, embedder.dim):
        problems.append(f"embedder {manifest['embedder']['name']} (dim {manifest['embedder']['dim']}) "
                        f"vs requested {embedder.name} (dim {embedder.dim})")
    if settings is not None and settings_from_manifest(manifest) != settings:
        problems.append(f"chunking/tokenizer settings {settings_from_manifest(manifest)} vs requested {settings}")
    if problems:
        raise IndexMismatchError(f"the index in '{root}' was built with other settings: {'; '.join(problems)}. "
                                 "Rebuild it with: rag index --rebuild (or use the settings it was built with)")


def _damaged(root: Path, what) -> IndexError_:
    return IndexError_(f"the index in '{root}' is damaged ({what}); rebuild it with: rag index --rebuild")


def load_index(root: Path, embedder: Embedder | None = None, settings: IndexSettings | None = None) -> Index:
    build, manifest = read_manifest(root)
    check_compatible(manifest, settings, embedder, root)
    dim = manifest["embedder"]["dim"]
    try:
        documents = DocumentStore(build, [str(d["name"]) for d in manifest["documents"]])
        chunks = ChunkTable.load(build, documents)
        terms, indptr = load_array(build / "bm25_terms.npy"), load_array(build / "bm25_indptr.npy")
        doc_ids, weights = ArrayFile(build / "bm25_doc_ids.npy"), ArrayFile(build / "bm25_weights.npy")
        vectors = ArrayFile(build / "vectors.npy")
        if vectors.shape != (len(chunks), dim):
            raise ValueError(f"vectors {vectors.shape} for {len(chunks)} chunks of dim {dim}")
        if not (terms.dtype == np.int64 and indptr.shape == (len(terms) + 1,)
                and int(indptr[-1]) == len(doc_ids) == len(weights)):
            raise ValueError("BM25 arrays do not match each other")
        dense = load_vector_search(build, VectorPlan(**manifest.get("vector_index", {})), vectors, dim)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:  # RuntimeError: faiss reading
        raise _damaged(root, exc) from exc
    bm25 = BM25Index(terms, indptr, doc_ids, weights, len(chunks), settings_from_manifest(manifest).bm25)
    duplicates = manifest.get("duplicates") or {}
    return Index(settings_from_manifest(manifest), manifest["embedder"]["name"], dim, documents, chunks, bm25,
                 vectors, dense, str(manifest.get("built_at", "")),
                 tuple(duplicates.items()) if isinstance(duplicates, dict) else ())


def add_documents(index: Index, documents, embedder: Embedder, cache_dir: Path | None = None,
                  progress=None) -> tuple[Index, BuildReport]:
    """A new index with ``documents`` added (a same-named document is replaced). Only their
    chunks are embedded: everything already indexed comes from the embedding cache."""
    merged = {name: doc.document for name, doc in index.documents.items()}
    merged.update((doc.name, doc) for doc in documents)
    return build_from_documents(list(merged.values()), embedder, index.settings, cache_dir, progress)
