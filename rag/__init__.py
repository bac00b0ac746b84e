"""Cited question answering over Chinese work reports.

    import rag
    loaded = rag.load_documents(["seeds"])
    embedder = rag.get_embedder("e5-small")
    spec = rag.parse_store("index", "index")
    store, report = rag.sync(spec, loaded.documents, embedder, rag.IndexSettings())
    answer = rag.ask(rag.Searcher(store, embedder), "张掖市建成了多少个四级综治中心?")
    print(answer.answer, [c.doc for c in answer.citations])

The names below are the library's public API; they are imported on first use, so
``import rag`` stays cheap. How the package is laid out: ARCHITECTURE.md.
"""
from importlib import import_module

_API = {
    "load_documents": "rag.ingest.documents", "Document": "rag.ingest.documents",
    "get_embedder": "rag.embed.registry", "Embedder": "rag.embed.base",
    "parse_store": "rag.stores.uri", "open_store": "rag.stores.uri", "sync": "rag.stores.uri",
    "add_documents": "rag.stores.uri",
    "StoreSpec": "rag.stores.base", "IndexSettings": "rag.stores.base", "FusionSettings": "rag.stores.base",
    "BuildReport": "rag.stores.base", "Store": "rag.stores.base", "Hit": "rag.stores.base",
    "Searcher": "rag.answer.retrieve", "ask": "rag.answer.extract", "Answer": "rag.answer.extract",
    "Citation": "rag.answer.extract", "generate": "rag.answer.generate", "llm_from_spec": "rag.answer.generate",
    "RagError": "rag.errors",
}
__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        value = getattr(import_module(_API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rag' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(__all__))
