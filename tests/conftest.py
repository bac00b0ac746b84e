import os
from pathlib import Path

import pytest

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BENCH = Path(os.environ.get("RAG_BENCH_DIR", ROOT.parent / "shared" / "bench"))


@pytest.fixture(scope="session")
def seed_documents():
    from rag.documents import load_documents
    result = load_documents([SEEDS])
    assert not result.failures
    return {d.name[:3]: d for d in result.documents}


@pytest.fixture(scope="session")
def cleaned_seeds(seed_documents):
    from rag.clean import clean
    return {key: clean(doc) for key, doc in seed_documents.items()}


@pytest.fixture(scope="session")
def hashing_index(tmp_path_factory):
    """Seeds indexed with the offline hashing embedder: fast, deterministic."""
    from rag.embedding import HashingEmbedder
    from rag.index import build_index
    embedder = HashingEmbedder(256)
    index, _ = build_index([SEEDS], embedder, cache_dir=tmp_path_factory.mktemp("cache"))
    return index, embedder


@pytest.fixture(scope="session")
def e5_model_dir():
    from rag.e5_convert import ensure_converted
    return ensure_converted()


@pytest.fixture(scope="session")
def e5_small(e5_model_dir):
    from rag.embedding import get_embedder
    return get_embedder("e5-small")


@pytest.fixture(scope="session")
def e5_searcher(tmp_path_factory, e5_small):
    """Seeds indexed with the real default embedder (converted e5-small in torch)."""
    from rag.index import build_index
    from rag.retrieve import Searcher
    index, _ = build_index([SEEDS], e5_small, cache_dir=tmp_path_factory.mktemp("e5cache"))
    return Searcher(index, e5_small)
