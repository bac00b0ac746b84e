"""The embedding cache: vectors keyed by (what made them, text hash), so re-indexing embeds
only new or changed text. What made them is the embedder's name and revision
(rag.embed.base.vector_source): a cached vector is never mixed with a rebuilt model's."""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from rag.embed.base import Embedder, embed_in_batches, vector_source
from rag.errors import storage_error
from rag.paths import embedding_cache_dir


def shared_cache_dir() -> Path:
    """Embedding cache for temporary indexes (bench sets, ``rag eval --docs``), kept across runs."""
    return embedding_cache_dir()


class EmbeddingCache:
    """Vectors keyed by sha256(vector source, text); one .npz file (keys and vectors together)
    per vector source, so two processes indexing at once never pair one's keys with the other's
    vectors: each replaces the file whole, and the last to save wins (the other's new vectors
    are embedded again when next needed)."""

    def __init__(self, folder: Path | None, embedder: Embedder):
        self.vectors: dict[str, np.ndarray] = {}
        self.path = None
        self.source = vector_source(embedder)
        if folder is None:
            return
        slug = hashlib.sha256(self.source.encode()).hexdigest()[:16]
        self.path = folder / f"{slug}.npz"
        try:
            keys, vecs = _read_saved(self.path)
            if vecs.ndim == 2 and vecs.shape == (len(keys), embedder.dim):
                self.vectors = dict(zip(keys.tolist(), vecs))
        except (OSError, ValueError, KeyError):
            pass  # no cache yet, or a damaged one: embed again

    @staticmethod
    def key(source: str, text: str) -> str:
        return hashlib.sha256(f"{source}\0{text}".encode()).hexdigest()

    def save(self) -> None:
        if self.path is None or not self.vectors:
            return
        folder, tmp = self.path.parent, None
        try:   # never a partial file: the cache is read whole or not at all
            folder.mkdir(parents=True, exist_ok=True)
            # a name of its own: another process saving beside this one never renames it away
            handle, name = tempfile.mkstemp(dir=folder, prefix=self.path.stem, suffix=".tmp.npz")
            tmp = Path(name)
            with os.fdopen(handle, "wb") as out:
                np.savez(out, keys=np.array(list(self.vectors)),
                         vectors=np.stack(list(self.vectors.values())).astype(np.float32))
            os.replace(tmp, self.path)
        except OSError as exc:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            raise storage_error(exc, f"the embedding cache in {folder}", "nothing was indexed") from exc
        for old in _older_files(self.path):
            old.unlink(missing_ok=True)


def _older_files(path: Path) -> tuple[Path, Path]:
    """The two .npy files (keys, vectors) releases before 2026-12-06 kept instead of ``path``."""
    return path.with_suffix(".keys.npy"), path.with_suffix(".vectors.npy")


def _read_saved(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(keys, vectors) from the cache file, or from the older pair (read once, then replaced)."""
    if path.exists():
        with np.load(path, allow_pickle=False) as saved:
            return saved["keys"], saved["vectors"]
    keys, vectors = _older_files(path)
    return np.load(keys, allow_pickle=False), np.load(vectors, allow_pickle=False)


def embed_chunks(chunks, embedder: Embedder, cache: EmbeddingCache, progress=None) -> tuple[np.ndarray, int]:
    keys = [EmbeddingCache.key(cache.source, c.search_text) for c in chunks]
    missing = sorted({k: i for i, k in enumerate(keys) if k not in cache.vectors}.values())
    if missing:
        fresh = embed_in_batches(embedder.embed_passages, [chunks[i].search_text for i in missing],
                                 embedder.dim, progress=progress)
        for i, vec in zip(missing, fresh):
            cache.vectors[keys[i]] = vec
    vectors = np.stack([cache.vectors[k] for k in keys]) if keys else np.zeros((0, embedder.dim), np.float32)
    return vectors.astype(np.float32), len(missing)
