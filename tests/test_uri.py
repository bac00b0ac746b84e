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
