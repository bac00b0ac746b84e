"""What an embedder is (the ``Embedder`` protocol) and the array maths every backend shares:
pooling, normalization, batching. Model calls live in rag/embed/backends.py; choosing a
backend by name in rag/embed/registry.py."""
from __future__ import annotations

import sys
from typing import Callable, Protocol, Sequence

import numpy as np

DEFAULT_EMBEDDER = "e5-small"


class Embedder(Protocol):
    """Turns questions and passages into L2-normalized vectors of ``dim`` floats."""
    name: str   # recorded in the index; a different name means re-embedding
    dim: int
    # optional ``revision``: which graph or weights the name runs now (a name may be rebuilt by a
    # new release: e5-small-int8 before and after its layers were fused); see vector_source

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def revision_of(embedder) -> str:
    """Which graph or weights the embedder's name runs now ("" for one without a revision)."""
    return getattr(embedder, "revision", "")


def vector_source(embedder) -> str:
    """What made an embedder's vectors: its name, and its revision when it has one. Cached
    vectors are kept under it, so a model rebuilt under the same name embeds again."""
    revision = revision_of(embedder)
    return f"{embedder.name}@{revision}" if revision else embedder.name


def l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def mean_pool(token_embeddings: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the real tokens (mask 1), as sentence-transformers' Pooling does."""
    weights = mask[..., None].astype(np.float32)
    return (token_embeddings * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)


def embed_in_batches(embed: Callable[[list[str]], np.ndarray], texts: Sequence[str], dim: int,
                     batch_size: int = 256, progress: bool | None = None) -> np.ndarray:
    """Embed many passages with a progress bar on stderr (shown when stderr is a terminal)."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show and len(texts):
        from tqdm import tqdm
        bar = tqdm(total=len(texts), desc="embedding", unit="chunk", file=sys.stderr)
    for start in range(0, len(texts), batch_size):
        batch = list(texts[start:start + batch_size])
        out[start:start + len(batch)] = embed(batch)
        if bar:
            bar.update(len(batch))
    if bar:
        bar.close()
    return out
