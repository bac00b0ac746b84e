"""The embedding cache: vectors keyed by (what made them, text hash), so re-indexing embeds
only new or changed text. What made them is the embedder's name and revision
(rag.embed.base.vector_source): a cached vector is never mixed with a rebuilt model's."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from rag.embed.base import Embedder, embed_in_batches, vector_source
from rag.errors import storage_error
from rag.paths import embedding_cache_dir


def shared_cache_dir() -> Path:
    """Embedding cache for temporary indexes (bench sets, ``rag eval --docs``), kept across runs."""
    return embedding_cache_dir()


class EmbeddingCache:
    """Vectors keyed by sha256(vector source, text); two .npy files per vector source."""

    def __init__(self, folder: Path | None, embedder: Embedder):
        self.vectors: dict[str, np.ndarray] = {}
        self.paths = None
        self.source = vector_source(embedder)
        dim = embedder.dim
        if folder is None:
            return
        slug = hashlib.sha256(self.source.encode()).hexdigest()[:16]
        self.paths = (folder / f"{slug}.keys.npy", folder / f"{slug}.vectors.npy")
        try:
            keys = np.load(self.paths[0], allow_pickle=False)
            vecs = np.load(self.paths[1], allow_pickle=False)
            if vecs.ndim == 2 and vecs.shape == (len(keys), dim):
                self.vectors = dict(zip(keys.tolist(), vecs))
        except (OSError, ValueError):
            pass  # no cache yet, or a damaged one: embed again

    @staticmethod
    def key(source: str, text: str) -> str:
        return hashlib.sha256(f"{source}\0{text}".encode()).hexdigest()

    def save(self) -> None:
        if self.paths is None or not self.vectors:
            return
        self.paths[0].parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self.vectors.keys()))
        vecs = np.stack(list(self.vectors.values())).astype(np.float32)
        for path, array in zip(self.paths, (keys, vecs)):
            tmp = path.with_suffix(".tmp.npy")
            try:
                np.save(tmp, array, allow_pickle=False)
                os.replace(tmp, path)
            except OSError as exc:   # never a partial file: the cache is read whole or not at all
                tmp.unlink(missing_ok=True)
                raise storage_error(exc, f"the embedding cache in {path.parent}", "nothing was indexed") from exc


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
