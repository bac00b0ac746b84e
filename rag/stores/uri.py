"""Choosing a store by URI, and the operations that work on either kind: open it, name
the embedder that built it, make it hold a set of documents (``sync``).

Store URIs (``--store``):
    local:PATH  or just PATH            an index folder (default: --index, i.e. index/)
    milvus:FILE.db                      Milvus Lite, embedded: FILE.db is its data folder
    milvus://HOST:PORT/COLLECTION       a Milvus server or cluster (MILVUS_USER, MILVUS_PASSWORD
    milvus+https://HOST:PORT/COLLECTION or MILVUS_TOKEN from the environment)
"""
from __future__ import annotations

import re
from pathlib import Path

from rag.errors import ConfigError, IndexMissingError
from rag.stores.base import DEFAULT_COLLECTION, BuildReport, IndexSettings, Store, StoreSpec

URI_HELP = "local:PATH, milvus:FILE.db (Milvus Lite) or milvus://HOST:PORT/COLLECTION (a Milvus server)"
COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")


def parse_store(uri: str | None, index_dir: str) -> StoreSpec:
    """``--store`` text -> StoreSpec; no URI means the local index folder ``index_dir``."""
    if not uri:
        return StoreSpec("local", str(index_dir))
    uri = uri.strip()
    if uri.startswith("local:"):
        return StoreSpec("local", uri[len("local:"):] or str(index_dir))
    for scheme, http in (("milvus://", "http"), ("milvus+https://", "https")):
        if uri.startswith(scheme):
            host, _, collection = uri[len(scheme):].partition("/")
            if not host:
                raise ConfigError(f"store '{uri}' names no host; use {URI_HELP}")
            return StoreSpec("milvus", f"{http}://{host}", _collection(uri, collection.strip("/")))
    if uri.startswith("milvus:"):
        path, _, collection = uri[len("milvus:"):].partition("#")
        if not path.endswith(".db"):
            raise ConfigError(f"store '{uri}': a Milvus Lite data file must end in .db (e.g. milvus:./reports.db)")
        return StoreSpec("milvus", path, _collection(uri, collection))
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]+):", uri)   # one letter ("C:\...") is a drive, not a store
    if scheme:
        raise ConfigError(f"unknown store '{scheme.group(1)}' in '{uri}'; valid stores: {URI_HELP}")
    return StoreSpec("local", uri)


def _collection(uri: str, name: str) -> str:
    name = name or DEFAULT_COLLECTION
    if not COLLECTION_NAME.fullmatch(name):
        raise ConfigError(f"store '{uri}': collection name '{name}' must be letters, digits and _ "
                          "(not starting with a digit)")
    return name


def open_store(spec: StoreSpec, embedder=None) -> Store:
    """The store at ``spec``, checked against ``embedder`` (None: whichever built it)."""
    if spec.kind == "local":
        from rag.stores.local.commit import open_local
        return open_local(Path(spec.location), embedder)
    from rag.stores.milvus.store import MilvusStore
    return MilvusStore.open(spec, embedder)


def store_embedder_name(spec: StoreSpec) -> str:
    """The name of the embedder that built the store (to load it before opening the store)."""
    if spec.kind == "local":
        from rag.stores.local.folder import read_manifest
        return read_manifest(Path(spec.location))[1]["embedder"]["name"]
    from rag.stores.milvus.client import read_store_manifest
    return read_store_manifest(spec)["embedder"]["name"]


def embedder_for(spec: StoreSpec, requested: str | None, rebuild: bool, default: str) -> str:
    """Which embedder a write uses: the one asked for, else the one that built the store
    (unless it is being rebuilt), else ``default`` for a new store."""
    if requested:
        return requested
    if not rebuild:
        try:
            return store_embedder_name(spec)
        except IndexMissingError:
            pass
    return default


def sync(spec: StoreSpec, documents, embedder, settings: IndexSettings, rebuild: bool = False, progress=None,
         failures=(), wait_s: float = 0.0, cache_dir: Path | None = None) -> tuple[Store, BuildReport]:
    """Make the store at ``spec`` hold exactly ``documents``: new and changed ones (by content
    hash) indexed, missing ones removed, committed at once. ``report.changes`` counts documents
    added, changed and removed (None for a new store). Raises NothingToIndexError, leaving the
    store as it was, when no document survives reading and cleaning. The embedding cache is
    the index folder's own for the local store, ``cache_dir`` (default the shared one) for Milvus."""
    if spec.kind == "local":
        from rag.stores.local.commit import sync_local
        return sync_local(Path(spec.location), documents, embedder, settings, rebuild, progress, failures, wait_s)
    from rag.embed.cache import shared_cache_dir
    from rag.stores.milvus.sync import sync_milvus
    documents = list(documents)   # read before the collection is touched (fills ``failures``)
    return sync_milvus(spec, documents, embedder, settings, cache_dir or shared_cache_dir(), progress,
                       rebuild=rebuild, failures=failures)


def build_store(spec: StoreSpec, paths, embedder, progress=None) -> tuple[Store, BuildReport]:
    """A new store at ``spec`` from the report files in ``paths``, with the kind's default
    settings (``rag serve``'s first run)."""
    from rag.ingest.documents import load_documents
    loaded = load_documents(paths)
    return sync(spec, loaded.documents, embedder, IndexSettings(), progress=progress,
                failures=loaded.failures)


def add_documents(store: Store, documents, embedder, cache_dir: Path | None = None, progress=None
                  ) -> tuple[Store, BuildReport]:
    """``documents`` indexed into ``store`` too (a same-named one is replaced, the rest kept),
    committed; the new store."""
    if store.kind == "local":
        from rag.stores.local.commit import add_local
        return add_local(store, documents, embedder, cache_dir, progress)
    from rag.stores.milvus.sync import sync_milvus
    return sync_milvus(store.spec, documents, embedder, store.settings, cache_dir, progress, remove_missing=False)


def document_hashes(store: Store) -> dict[str, str]:
    """name -> sha256 of each indexed file (the local store reads no document for it)."""
    if store.kind == "local":
        return store.hashes()
    return {name: doc.document.sha256 for name, doc in store.documents.items()}


def merge_segments(store: Store, embedder) -> Store | None:
    """The local index's segments merged as its merge policy says; the merged store, or None
    when nothing was merged (and always for Milvus, which merges its own)."""
    if store.kind != "local" or store.root is None:
        return None
    from rag.stores.local.commit import merge_local
    return merge_local(store, embedder)


def optimize(store: Store, embedder) -> Store:
    """The local index merged into one segment, its tombstoned chunks dropped (``rag index
    --optimize``); a Milvus collection compacts its own segments, so it is returned as it is."""
    if store.kind != "local" or store.root is None:
        return store
    from rag.stores.local.commit import merge_local
    return merge_local(store, embedder, everything=True) or store


def remove_documents(store: Store, names, embedder, uploads: Path | None = None) -> tuple[Store, BuildReport]:
    """The documents ``names`` deleted from ``store``, committed; the new store. Their copies in
    the page's ``uploads`` folder go too (``rag index`` would index them again). Refused, with
    the store unchanged, for a name it does not hold or when nothing would be left."""
    from rag.errors import QueryError, listing
    store = latest(store, embedder)
    names = list(dict.fromkeys(names))
    unknown = [n for n in names if n not in store.documents]
    if unknown:
        raise QueryError(f"没有名为 {'、'.join(unknown)} 的报告；已索引的报告：{listing(store.documents)}")
    if len(names) >= len(store.documents):
        raise QueryError("不能删除全部报告：索引中至少要留下一份报告（要重建索引，请用 rag index --rebuild）")
    if store.kind == "local":
        from rag.stores.local.commit import remove_local
        result = remove_local(store, set(names), embedder)
    else:
        from rag.stores.milvus.sync import sync_milvus
        keep = [d.document for n, d in store.documents.items() if n not in names]
        result = sync_milvus(store.spec, keep, embedder, store.settings, None, remove_missing=True)
    for name in names if uploads is not None else ():
        if Path(name).name == name and (uploads / name).is_file():   # a plain name: nothing outside the folder
            (uploads / name).unlink()
    return result


def store_version(store: Store) -> str:
    """Which commit of the store an answer came from (feedback records it): the local build's
    folder name, or a Milvus collection with its document count."""
    return getattr(store, "build", "") or f"{store.kind}:{len(store.documents)} documents"


def latest(store: Store, embedder) -> Store:
    """The store as last committed: a local index folder another process wrote to since it
    was read is opened again (a Milvus store is read live)."""
    if store.kind == "local":
        from rag.stores.local.commit import is_stale, open_local
        if is_stale(store):
            return open_local(store.root, embedder)
    return store


def temporary_store(spec: StoreSpec, documents, embedder, settings: IndexSettings) -> Store:
    """A store of exactly ``documents`` for one evaluation run: the local kind is built in
    memory (nothing written), a Milvus store is synced in place (a second run inserts nothing)."""
    from rag.embed.cache import shared_cache_dir
    if spec.kind == "local":
        from rag.stores.local.index import build_from_documents
        from rag.stores.local.store import LocalStore
        return LocalStore(build_from_documents(documents, embedder, settings, cache_dir=shared_cache_dir())[0])
    return sync(spec, documents, embedder, settings)[0]


def as_store(index_or_store) -> Store:
    """A store as it is; an ``Index`` (what build_index returns) as a LocalStore."""
    from rag.stores.local.index import Index
    if isinstance(index_or_store, Index):
        from rag.stores.local.store import LocalStore
        return LocalStore(index_or_store)
    return index_or_store
