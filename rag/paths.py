"""Every environment variable the product reads, and the folders outside an index that it
keeps things in. The rest of the library takes paths and settings as arguments; only this
module looks at ``os.environ``."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import ConfigError

STORE = "RAG_STORE"                # default --store URI
AUTH = "RAG_AUTH"                  # USER:PASSWORD for the page
API_KEY = "RAG_API_KEY"            # bearer token for the HTTP API
BENCH_DIR = "RAG_BENCH_DIR"        # the bench sets (default ../shared/bench)
CACHE_DIR = "RAG_CACHE_DIR"        # shared embedding cache root
MODEL_CACHE = "RAG_MODEL_CACHE"    # the converted e5-small model
CONFIG = "RAG_CONFIG"              # JSON config file (LLM URL and key)
LLM_TIMEOUT = "RAG_LLM_TIMEOUT"
MILVUS_USER, MILVUS_PASSWORD, MILVUS_TOKEN = "MILVUS_USER", "MILVUS_PASSWORD", "MILVUS_TOKEN"
OPENAI_BASE_URL, OPENAI_API_KEY = "OPENAI_BASE_URL", "OPENAI_API_KEY"

DEFAULT_BENCH_DIR = "../shared/bench"


def env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def _xdg_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"))


def embedding_cache_dir() -> Path:
    """Embedding cache for temporary indexes (bench sets, ``rag eval --docs``), kept across runs."""
    base = os.environ.get(CACHE_DIR)
    return (Path(base) if base else _xdg_cache() / "rag-reports") / "embeddings"


def model_cache_dir() -> Path:
    """Where the default model is converted to, once."""
    base = os.environ.get(MODEL_CACHE)
    return Path(base) if base else _xdg_cache() / "rag-reports" / "models"


def bench_dir() -> str:
    return env(BENCH_DIR, DEFAULT_BENCH_DIR)


def config_path() -> Path:
    return Path(os.environ.get(CONFIG) or Path.home() / ".config" / "rag-reports" / "config.json")


@dataclass(frozen=True)
class MilvusCredentials:
    """Login for a Milvus server, from the environment; the password and token are never printed."""
    user: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)


def milvus_credentials() -> MilvusCredentials:
    return MilvusCredentials(os.environ.get(MILVUS_USER, ""), os.environ.get(MILVUS_PASSWORD, ""),
                             os.environ.get(MILVUS_TOKEN, ""))


@dataclass(frozen=True)
class LLMSettings:
    """Where an OpenAI-compatible model is, from the environment or the config file."""
    base_url: str | None
    api_key: str = field(default="", repr=False)   # never printed
    timeout_s: float = 30.0


def llm_settings() -> LLMSettings:
    """OPENAI_BASE_URL / OPENAI_API_KEY / RAG_LLM_TIMEOUT, else the config file's
    ``openai_base_url`` / ``openai_api_key`` / ``timeout_s``."""
    stored = {}
    path = config_path()
    if path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConfigError(f"{path}: not valid JSON ({exc.msg})") from exc
        if not isinstance(stored, dict):
            raise ConfigError(f"{path}: must be a JSON object")
    return LLMSettings(os.environ.get(OPENAI_BASE_URL) or stored.get("openai_base_url"),
                       os.environ.get(OPENAI_API_KEY) or stored.get("openai_api_key") or "not-needed",
                       float(os.environ.get(LLM_TIMEOUT) or stored.get("timeout_s") or 30))
