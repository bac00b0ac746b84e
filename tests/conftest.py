import os

import pytest

from helpers import LAUNCH_ARGS, SEEDS

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Fixtures that need something a test must say it needs (its marker), so that the fast subset
# (pytest -m "not model and not milvus and not browser and not slow") never pulls them in.
NEEDS = {"e5_small": "model", "e5_model_dir": "model", "e5_searcher": "model", "browser": "browser"}


def pytest_collection_modifyitems(config, items):
    unmarked = [f"{item.nodeid} uses the fixture '{fixture}' but is not marked {marker}"
                for item in items for fixture, marker in NEEDS.items()
                if fixture in item.fixturenames and item.get_closest_marker(marker) is None]
    if unmarked:
        raise pytest.UsageError("tests must say what they need:\n" + "\n".join(unmarked))


@pytest.fixture(scope="session")
def seed_documents():
    from rag.ingest.documents import load_documents
    result = load_documents([SEEDS])
    assert not result.failures
    return {d.name[:3]: d for d in result.documents}


@pytest.fixture(scope="session")
def cleaned_seeds(seed_documents):
    from rag.ingest.clean import clean
    return {key: clean(doc) for key, doc in seed_documents.items()}


@pytest.fixture(scope="session")
def hashing_index(tmp_path_factory):
    """Seeds indexed with the offline hashing embedder: fast, deterministic."""
    from rag.embed.backends import HashingEmbedder
    from rag.stores.local.index import build_index
    embedder = HashingEmbedder(256)
    index, _ = build_index([SEEDS], embedder, cache_dir=tmp_path_factory.mktemp("cache"))
    return index, embedder


@pytest.fixture(scope="session")
def e5_model_dir():
    from rag.embed.e5_convert import ensure_converted
    return ensure_converted()


@pytest.fixture(scope="session")
def e5_small(e5_model_dir):
    from rag.embed.registry import get_embedder
    return get_embedder("e5-small")


@pytest.fixture(scope="session")
def e5_searcher(tmp_path_factory, e5_small):
    """Seeds indexed with the real default embedder (e5-small, run by ONNX Runtime)."""
    from rag.answer.retrieve import Searcher
    from rag.stores.local.index import build_index
    index, _ = build_index([SEEDS], e5_small, cache_dir=tmp_path_factory.mktemp("e5cache"))
    return Searcher(index, e5_small)


@pytest.fixture(scope="session")
def browser():
    import shutil

    from playwright.sync_api import sync_playwright
    chromium = shutil.which("chromium")
    if chromium is None and os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs it with apt")
    if chromium is None:
        pytest.skip("Debian chromium not installed (apt-get install chromium fonts-wqy-microhei)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=LAUNCH_ARGS)
        yield b
        b.close()
