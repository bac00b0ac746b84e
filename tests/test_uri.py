"""Store URIs: which store a --store text names, and the errors that list the valid ones."""
import pytest

from rag.errors import ConfigError
from rag.stores.base import StoreSpec
from rag.stores.uri import parse_store


def test_store_uris():
    assert parse_store(None, "index") == StoreSpec("local", "index")
    assert parse_store("local:/data/ix", "index") == StoreSpec("local", "/data/ix")
    assert parse_store("/data/ix", "index") == StoreSpec("local", "/data/ix")
    lite = parse_store("milvus:./reports.db", "index")
    assert lite == StoreSpec("milvus", "./reports.db", "reports") and lite.lite and str(lite) == "milvus:./reports.db"
    assert parse_store("milvus:./a.db#bench_2024", "index").collection == "bench_2024"
    server = parse_store("milvus://10.0.0.5:19530/province", "index")
    assert server == StoreSpec("milvus", "http://10.0.0.5:19530", "province") and not server.lite
    assert str(server) == "milvus://10.0.0.5:19530/province"
    assert parse_store("milvus+https://db.example:443", "index") == StoreSpec("milvus", "https://db.example:443", "reports")
    with pytest.raises(ConfigError, match="unknown store 'elastic'.*milvus://HOST:PORT/COLLECTION"):
        parse_store("elastic://x", "index")
    with pytest.raises(ConfigError, match="must end in .db"):
        parse_store("milvus:./reports", "index")
    with pytest.raises(ConfigError, match="collection name '2024-reports'"):
        parse_store("milvus://h:19530/2024-reports", "index")


def test_removing_a_report_keeps_the_rest_committed(tmp_path, hashing_index):
    from rag.cli import main
    from rag.errors import QueryError
    from rag.stores.local.folder import load_index, save_index
    from rag.stores.local.commit import open_local
    from rag.stores.local.index import build_index
    from rag.stores.uri import remove_documents

    from helpers import SEEDS
    embedder = hashing_index[1]
    index, _ = build_index([SEEDS], embedder, cache_dir=tmp_path / "ix" / "cache")
    save_index(index, tmp_path / "ix")
    store = open_local(tmp_path / "ix", embedder)
    with pytest.raises(QueryError, match="没有名为 nope.txt 的报告"):
        remove_documents(store, ["nope.txt"], embedder)
    with pytest.raises(QueryError, match="不能删除全部报告"):
        remove_documents(store, list(store.documents), embedder)
    smaller, report = remove_documents(store, ["003_609a4863e0b5e6ba.txt"], embedder)
    assert report.documents == 4 and report.embedded == 0   # the rest's vectors come from the cache
    assert "003_609a4863e0b5e6ba.txt" not in load_index(tmp_path / "ix").documents
    assert set(smaller.documents) == set(index.documents) - {"003_609a4863e0b5e6ba.txt"}
    uploads = tmp_path / "ix" / "uploads"
    uploads.mkdir()
    (uploads / "004_4876da0bb4d70e24.txt").write_text("荣昌", encoding="utf-8")
    assert main(["remove", "004_4876da0bb4d70e24.txt", "--index", str(tmp_path / "ix")]) == 0
    assert len(load_index(tmp_path / "ix").documents) == 3 and not (uploads / "004_4876da0bb4d70e24.txt").exists()
    assert main(["remove", "004_4876da0bb4d70e24.txt", "--index", str(tmp_path / "ix")]) == 2
