"""The local index folder on disk: segments written once, a commit file naming the live ones
with their tombstones, published by atomically replacing ``CURRENT``; one writer at a time;
read back checked against what built it (layout: rag/stores/local/index.py).

A crash at any point leaves ``CURRENT`` naming a complete commit: segments and the commit
file are fsynced before ``CURRENT`` moves, and what no commit names is removed after (or
by the next writer). Nothing is pickled: ``.npy`` files are read with pickles refused and
the manifests are JSON.
"""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from rag.embed.base import Embedder
from rag.errors import IndexError_, IndexLockedError, IndexMismatchError, IndexMissingError, RagError, storage_error
from rag.ingest.chunking import ChunkSettings
from rag.stores.base import BM25Params, IndexSettings, embedder_problems, records_embedder
from rag.stores.local.ann import load_vector_search, save_vector_search
from rag.stores.local.bm25 import Postings
from rag.stores.local.index import Index, assemble
from rag.stores.local.segment import Segment, new_segment_name
from rag.stores.local.storage import ArrayFile, ChunkTable, DocumentStore, load_array, write_documents
from rag.stores.plan import VectorPlan

FORMAT_VERSION = 4   # 4: segments with tombstones under one commit point
CURRENT = "CURRENT"
POSTINGS = ("terms", "indptr", "doc_ids", "tfs", "lengths")
WRITING = ".writing"   # in a segment folder being written: the writer's pid


def _whole(array) -> np.ndarray:
    return np.asarray(array[0:len(array)])   # an array, or every row of an ArrayFile


# ---------------------------------------------------------------- writing

def segment_manifest(segment: Segment, dim: int) -> dict:
    return {"format_version": FORMAT_VERSION, "built_at": segment.built_at, "dim": dim,
            "vector_index": segment.dense.plan.to_json(),
            "counts": {"documents": len(segment.documents), "chunks": len(segment),
                       "terms": len(segment.postings.terms), "postings": int(segment.postings.indptr[-1])},
            "documents": [{"name": name, "sha256": segment.hashes[name]} for name in segment.documents]}


def begin_segment(root: Path) -> Path:
    """A new, empty segment folder, marked as being written by this process."""
    folder = Path(root) / new_segment_name()
    folder.mkdir()
    try:
        (folder / WRITING).write_text(str(os.getpid()), encoding="utf-8")
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return folder


def finish_segment(folder: Path, manifest: dict) -> None:
    """The segment's manifest written, everything fsynced, the being-written mark removed."""
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    (folder / WRITING).unlink()
    for path in folder.iterdir():
        with open(path, "rb") as f:
            os.fsync(f.fileno())


def write_segment(segment: Segment, root: Path, dim: int) -> str:
    """``segment`` saved as a new folder of ``root``; its name. Nothing names it until a commit.
    A full disk or an I/O error removes the folder and says what the segment needs."""
    folder = None
    try:
        folder = begin_segment(root)
        write_documents(folder, segment.documents)
        segment.chunks.save(folder)
        for name in POSTINGS:
            np.save(folder / f"bm25_{name}.npy", _whole(getattr(segment.postings, name)))
        np.save(folder / "vectors.npy", np.asarray(_whole(segment.vectors), dtype=np.float32))   # no copy if float32
        save_vector_search(segment.dense, folder)
        finish_segment(folder, segment_manifest(segment, dim))
    except OSError as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        raise storage_error(exc, f"the index in {root}", "the index there was left as it was",
                            _segment_bytes(segment, dim)) from exc
    return folder.name


def commit_manifest(index: Index, generation: int) -> dict:
    return {
        "format_version": FORMAT_VERSION, "generation": generation,
        "built_at": index.built_at, "last_merge": index.last_merge,
        "embedder": {"name": index.embedder_name, "dim": index.dim,
                     **({"revision": index.embedder_revision} if index.embedder_revision else {})},
        "chunking": asdict(index.settings.chunking), "tokenizer": index.settings.tokenizer,
        "bm25": asdict(index.settings.bm25),
        "segments": [{"name": s.name, "chunks": len(s), "deleted": sorted(gone)}
                     for s, gone in zip(index.segments, index.deleted)],
        "counts": {"documents": len(index.documents), "chunks": index.live_count, "segments": len(index.segments)},
        "duplicates": dict(index.duplicates),
    }


def save_index(index: Index, root: Path) -> Index:
    """Write the segments of ``index`` not saved yet into ``root`` and commit them; the index
    as saved (its segments read back from their folders, so memory holds no copy)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        segments = []
        for segment in index.segments:
            if not segment.name:
                written.append(write_segment(segment, root, index.dim))
                segment = load_segment(root, written[-1])
            segments.append(segment)
        saved = replace(index, segments=tuple(segments))
        publish(saved, root)
    except (OSError, RagError) as exc:   # a full disk or an I/O error: the live index stays as it was
        for name in written:
            shutil.rmtree(root / name, ignore_errors=True)
        if isinstance(exc, OSError):
            raise storage_error(exc, f"the index in {root}", "the index there was left as it was") from exc
        raise
    remove_unpublished(root)
    return saved


def publish(index: Index, root: Path) -> str:
    """Write the commit file of ``index`` (every segment saved already) and make it live."""
    generation = _generation(current_build(root)) + 1
    name = f"commit-{generation:06d}.json"
    tmp = root / f"{CURRENT}.tmp"
    try:
        with open(root / name, "w", encoding="utf-8") as f:
            f.write(json.dumps(commit_manifest(index, generation), ensure_ascii=False, indent=1))
            f.flush()
            os.fsync(f.fileno())
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, root / CURRENT)
    except OSError:
        if current_build(root) != name:
            (root / name).unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
        raise
    return name


def _generation(commit: str) -> int:
    try:
        return int(commit.removeprefix("commit-").removesuffix(".json"))
    except ValueError:
        return 0


def _segment_bytes(segment: Segment, dim: int) -> int:
    """About what ``segment`` takes on disk: vectors, postings, chunk table, and each document's
    text twice (the JSON row with its original) plus its 4-byte origin map."""
    text = sum(len(d.document.text) + len(d.text) for d in segment.documents.values())
    arrays = len(segment) * (dim * 4 + 8 * 8) + 6 * int(segment.postings.indptr[-1]) + 16 * len(segment.postings.terms)
    return arrays + 3 * text + 4 * sum(len(d.origin) for d in segment.documents.values())


def _alive(pid_text: str) -> bool:
    try:
        os.kill(int(pid_text), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def remove_unpublished(root: Path) -> None:
    """Segments and commit files the live commit does not name: the old ones after a commit or
    merge, or the debris of a writer that was killed or failed. A segment still being
    written by a live process (a merge in the background) is left alone. Readers of an old
    commit keep its files open."""
    root = Path(root)
    live = current_build(root)
    named = set()
    if live:
        try:
            named = {s["name"] for s in json.loads((root / live).read_text(encoding="utf-8"))["segments"]}
        except (OSError, ValueError, KeyError, TypeError):
            return   # a damaged commit: leave everything for a rebuild to replace
    for folder in list(root.glob("seg-*")) + list(root.glob("build-*")):
        if folder.name in named:
            continue
        try:
            if _alive((folder / WRITING).read_text(encoding="utf-8").strip()):
                continue
        except OSError:
            pass
        shutil.rmtree(folder, ignore_errors=True)
    for path in root.glob("commit-*.json"):
        if path.name != live:
            path.unlink(missing_ok=True)
    (root / f"{CURRENT}.tmp").unlink(missing_ok=True)


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
    """The name of the commit ``CURRENT`` publishes ("" when there is none): what a reader
    compares to notice that another process committed."""
    try:
        return (Path(root) / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def index_exists(root: Path) -> bool:
    return (Path(root) / CURRENT).is_file()


def _damaged(root: Path, what) -> IndexError_:
    return IndexError_(f"the index in '{root}' is damaged ({what}); rebuild it with: rag index --rebuild")


def read_manifest(root: Path) -> tuple[Path, dict]:
    """(live commit file, its manifest), checked for format and shape."""
    root = Path(root)
    try:
        commit = root / (root / CURRENT).read_text(encoding="utf-8").strip()
        manifest = json.loads(commit.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexMissingError(f"no index in '{root}'; build one with: rag index [PATHS] --index {root}") from None
    except (OSError, ValueError) as exc:
        raise _damaged(root, exc) from exc
    if not isinstance(manifest, dict):
        raise IndexError_(f"the index manifest in '{root}' is not a JSON object; rebuild it with: rag index --rebuild")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise IndexMismatchError(f"the index in '{root}' has format version {manifest.get('format_version')}, "
                                 f"this version reads {FORMAT_VERSION}; rebuild it with: rag index --rebuild")
    segments = manifest.get("segments")
    if not (records_embedder(manifest) and isinstance(segments, list)
            and all(isinstance(s, dict) and isinstance(s.get("name"), str) and isinstance(s.get("deleted"), list)
                    for s in segments)):
        raise _damaged(root, "embedder or segments in the commit file")
    return commit, manifest


def committed_documents(root: Path, manifest: dict) -> dict[str, str]:
    """name -> sha256 of every live document a commit names, from its segments' manifests."""
    out = {}
    for entry in manifest["segments"]:
        try:
            seg = json.loads((Path(root) / entry["name"] / "manifest.json").read_text(encoding="utf-8"))
            gone = set(entry["deleted"])
            out.update((d["name"], d["sha256"]) for d in seg["documents"] if d["name"] not in gone)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise _damaged(root, f"segment {entry['name']}: {exc}") from exc
    return out


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


def load_index(root: Path, embedder: Embedder | None = None, settings: IndexSettings | None = None) -> Index:
    """The published index in ``root``, refused if ``embedder`` or ``settings`` differ from what
    built it. A writer that commits while this reads removes segments it no longer needs:
    then the new commit is read instead of failing."""
    for _ in range(5):
        live = current_build(root)
        try:
            return _load_commit(root, embedder, settings)
        except IndexError_:
            if current_build(root) == live:
                raise   # nothing was published meanwhile: the index really is missing or damaged
    return _load_commit(root, embedder, settings)


def _load_commit(root: Path, embedder: Embedder | None, settings: IndexSettings | None) -> Index:
    _, manifest = read_manifest(root)
    check_compatible(manifest, settings, embedder, root)
    dim = manifest["embedder"]["dim"]
    segments = [load_segment(root, entry["name"], dim) for entry in manifest["segments"]]
    duplicates = manifest.get("duplicates") or {}
    return assemble(settings_from_manifest(manifest), manifest["embedder"]["name"], dim, segments,
                    [entry["deleted"] for entry in manifest["segments"]], built_at=str(manifest.get("built_at", "")),
                    duplicates=tuple(duplicates.items()) if isinstance(duplicates, dict) else (),
                    last_merge=str(manifest.get("last_merge", "")),
                    embedder_revision=str(manifest["embedder"].get("revision", "")))


def load_segment(root: Path, name: str, dim: int | None = None) -> Segment:
    """The segment folder ``name`` of ``root``: small arrays read, the rest left on disk."""
    folder = Path(root) / name
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        dim = manifest["dim"] if dim is None else dim
        if manifest.get("format_version") != FORMAT_VERSION or manifest["dim"] != dim:
            raise ValueError(f"segment format {manifest.get('format_version')}, dim {manifest.get('dim')}")
        hashes = {str(d["name"]): str(d["sha256"]) for d in manifest["documents"]}
        documents = DocumentStore(folder, list(hashes))
        chunks = ChunkTable.load(folder, documents)
        terms, indptr = load_array(folder / "bm25_terms.npy"), load_array(folder / "bm25_indptr.npy")
        doc_ids, tfs = ArrayFile(folder / "bm25_doc_ids.npy"), ArrayFile(folder / "bm25_tfs.npy")
        lengths = load_array(folder / "bm25_lengths.npy")
        vectors = ArrayFile(folder / "vectors.npy")
        if vectors.shape != (len(chunks), dim) or lengths.shape != (len(chunks),):
            raise ValueError(f"vectors {vectors.shape}, lengths {lengths.shape} for {len(chunks)} chunks of dim {dim}")
        if not (terms.dtype == np.int64 and indptr.shape == (len(terms) + 1,)
                and int(indptr[-1]) == len(doc_ids) == len(tfs)):
            raise ValueError("BM25 arrays do not match each other")
        dense = load_vector_search(folder, VectorPlan(**manifest.get("vector_index", {})), vectors, dim)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:  # RuntimeError: faiss reading
        raise _damaged(root, f"segment {name}: {exc}") from exc
    return Segment(name, documents, chunks, Postings(terms, indptr, doc_ids, tfs, lengths), vectors, dense, hashes,
                   str(manifest.get("built_at", "")))
