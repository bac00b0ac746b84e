"""The local index folder on disk: write a build and publish it atomically, one writer at a
time, and read it back, checked against what built it (layout: rag/stores/local/index.py).

A build is written into a fresh ``build-*`` folder, fsynced, and published by atomically
replacing ``CURRENT``; the old build folders are removed after. A crash at any point
leaves ``CURRENT`` naming a complete build. Nothing is pickled: ``.npy`` files are read
with pickles refused and the manifest is JSON.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

from rag.embed.base import Embedder
from rag.errors import IndexError_, IndexLockedError, IndexMismatchError, IndexMissingError, RagError, storage_error
from rag.ingest.chunking import ChunkSettings
from rag.stores.base import BM25Params, IndexSettings, embedder_problems, records_embedder
from rag.stores.local.ann import load_vector_search, save_vector_search
from rag.stores.local.bm25 import BM25Index
from rag.stores.local.index import Index
from rag.stores.local.storage import ArrayFile, ChunkTable, DocumentStore, load_array, write_documents
from rag.stores.plan import VectorPlan

FORMAT_VERSION = 3   # 3: documents carry their subject (place, body, years)
CURRENT = "CURRENT"
BM25_ARRAYS = ("terms", "indptr", "doc_ids", "weights")



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
    """Write ``index`` as a new build of the folder ``root`` and publish it; the build folder."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    _remove_unpublished(root)   # what a killed or failed writer left
    build = root / f"build-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.monotonic_ns() % 10**6}"
    tmp = root / f"{CURRENT}.tmp"
    try:
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
        tmp.write_text(build.name + "\n", encoding="utf-8")
        os.replace(tmp, root / CURRENT)
    except OSError as exc:   # a full disk or an I/O error: the live index stays as it was
        shutil.rmtree(build, ignore_errors=True)
        tmp.unlink(missing_ok=True)
        raise storage_error(exc, f"the index in {root}", "the index there was left as it was",
                            _build_bytes(index)) from exc
    _remove_unpublished(root)
    return build


def _build_bytes(index: Index) -> int:
    """About what a build of ``index`` takes on disk: vectors, postings, chunk table, and each
    document's text twice (the JSON row with its original) plus its 4-byte origin map."""
    text = sum(len(d.document.text) + len(d.text) for d in index.documents.values())
    arrays = len(index.chunks) * (index.dim * 4 + 8 * 7) + 8 * len(index.bm25.doc_ids) + 16 * len(index.bm25.terms)
    return arrays + 3 * text + 4 * sum(len(d.origin) for d in index.documents.values())


def _remove_unpublished(root: Path) -> None:
    """Build folders CURRENT does not name: the old ones after a publish, or the debris of a
    writer that was killed or failed. Readers of an old build keep its files open."""
    live = current_build(root)
    for folder in root.glob("build-*"):
        if folder.name != live:
            shutil.rmtree(folder, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())


@contextmanager
def index_lock(root: Path, wait_s: float = 0.0, writer: str = "rag index"):
    """One writer per index folder, whoever writes (``writer``: rag index, rag serve). The lock
    is an flock, so a killed writer never leaves it held; a second writer waits up to
    ``wait_s`` seconds, then stops with a message naming the holder."""
    root = Path(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
        handle = open(root / ".lock", "a+", encoding="utf-8")
    except OSError as exc:
        raise storage_error(exc, f"the lock file of {root}", "nothing was changed") from exc
    with handle:
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
        try:   # the holder's name is for messages only: a full disk must not stop the writer here
            handle.seek(0)
            handle.truncate()
            handle.write(f"{writer} (pid {os.getpid()})")
            handle.flush()
        except OSError:
            pass
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# ---------------------------------------------------------------- loading

def current_build(root: Path) -> str:
    """The name of the build ``CURRENT`` publishes ("" when there is none): what a reader
    compares to notice that another process committed."""
    try:
        return (Path(root) / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def index_exists(root: Path) -> bool:
    return (Path(root) / CURRENT).is_file()


def read_manifest(root: Path) -> tuple[Path, dict]:
    """(live build folder, its manifest), checked for format and shape."""
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
    if not (records_embedder(manifest) and isinstance(manifest.get("documents"), list)):
        raise IndexError_(f"the index manifest in '{root}' is damaged (embedder or documents); "
                          "rebuild it with: rag index --rebuild")
    return build, manifest


def settings_from_manifest(manifest: dict) -> IndexSettings:
    """The IndexSettings a manifest records."""
    try:
        return IndexSettings(ChunkSettings(**manifest["chunking"]), manifest["tokenizer"],
                             BM25Params(**manifest["bm25"]))
    except (KeyError, TypeError, RagError) as exc:
        raise IndexError_(f"the index manifest is damaged (chunking/tokenizer/bm25: {exc}); "
                          "rebuild it with: rag index --rebuild") from exc


def check_compatible(manifest: dict, settings: IndexSettings | None, embedder: Embedder | None,
                     root: Path) -> None:
    """IndexMismatchError saying how to fix it when the index was built with another embedder or settings."""
    problems = embedder_problems(manifest, embedder)
    if settings is not None and settings_from_manifest(manifest) != settings:
        problems.append(f"chunking/tokenizer settings {settings_from_manifest(manifest)} vs requested {settings}")
    if problems:
        raise IndexMismatchError(f"the index in '{root}' was built with other settings: {'; '.join(problems)}. "
                                 "Rebuild it with: rag index --rebuild (or use the settings it was built with)")


def _damaged(root: Path, what) -> IndexError_:
    return IndexError_(f"the index in '{root}' is damaged ({what}); rebuild it with: rag index --rebuild")


def load_index(root: Path, embedder: Embedder | None = None, settings: IndexSettings | None = None) -> Index:
    """The published index in ``root``, refused if ``embedder`` or ``settings`` differ from what
    built it. A writer that publishes while this reads removes the build being read (after its
    commit, the old build folders go): then the new build is read instead of failing."""
    for _ in range(5):
        live = current_build(root)
        try:
            return _load_build(root, embedder, settings)
        except IndexError_:
            if current_build(root) == live:
                raise   # nothing was published meanwhile: the index really is missing or damaged
    return _load_build(root, embedder, settings)


def _load_build(root: Path, embedder: Embedder | None, settings: IndexSettings | None) -> Index:
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
