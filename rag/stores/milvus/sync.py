"""Building and updating a Milvus store (layout: rag/stores/milvus/client.py): the two collections' schemas and
indexes, and ``sync_milvus``, which makes a store hold a set of documents, by content hash."""
from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import numpy as np

from rag.embed.base import revision_of
from rag.embed.cache import EmbeddingCache, embed_chunks
from rag.errors import IndexError_, NothingToIndexError
from rag.ingest.chunking import Chunk
from rag.ingest.clean import CleanDocument
from rag.ingest.prepare import prepare
from rag.stores.base import BuildReport, IndexSettings, StoreSpec
from rag.stores.documents import document_row
from rag.stores.milvus.client import (
    ANALYZER,
    CHUNK_FIELDS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST_PROPERTY,
    TERM_MAX,
    VARCHAR_MAX,
    bm25_terms,
    check_manifest,
    chunk_terms,
    connect,
    document_key,
    documents_collection,
    filter_literal,
    lite_engine,
    milvus_errors,
    pymilvus_module,
    read_manifest,
    terms_collection,
)
from rag.stores.milvus.store import MilvusStore
from rag.stores.plan import VectorPlan, plan_for
from rag.text.normalize import normalize
from rag.text.tokens import get_tokenizer

DOCUMENT_PART = 16_000         # characters of document JSON per row (<= 4 bytes each in UTF-8)
INSERT_BATCH = 1000


def _manifest(embedder, settings: IndexSettings, plan: VectorPlan) -> dict:
    revision = revision_of(embedder)
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "embedder": {"name": embedder.name, "dim": embedder.dim, **({"revision": revision} if revision else {})},
            "chunking": asdict(settings.chunking),
            "tokenizer": settings.tokenizer, "analyzer": ANALYZER, "bm25": {"k1": settings.bm25.k1, "b": settings.bm25.b},
            "vector_index": plan.to_json()}


def _create(client, spec: StoreSpec, dim: int, manifest: dict) -> None:
    pymilvus = pymilvus_module()
    DataType = pymilvus.DataType
    text = json.dumps(manifest, ensure_ascii=False)
    schema = client.create_schema(auto_id=True, description=text)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("doc", DataType.VARCHAR, max_length=1024)
    schema.add_field("content_hash", DataType.VARCHAR, max_length=64)
    schema.add_field("section", DataType.VARCHAR, max_length=VARCHAR_MAX)
    for name in CHUNK_FIELDS[2:8]:
        schema.add_field(name, DataType.INT64)
    schema.add_field("text", DataType.VARCHAR, max_length=VARCHAR_MAX)
    schema.add_field("search_text", DataType.VARCHAR, max_length=VARCHAR_MAX, enable_analyzer=True,
                     analyzer_params=ANALYZER)
    schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_function(pymilvus.Function(name="bm25", function_type=pymilvus.FunctionType.BM25,
                                          input_field_names=["search_text"], output_field_names=["sparse"]))
    client.create_collection(spec.collection, schema=schema, index_params=_index_params(client, manifest),
                             properties={MANIFEST_PROPERTY: text})
    docs = client.create_schema(auto_id=False, description=f"documents of the rag store {spec.collection}")
    docs.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)   # milvus.document_key
    docs.add_field("doc", DataType.VARCHAR, max_length=1024)
    docs.add_field("sha256", DataType.VARCHAR, max_length=64)
    for name in ("part", "parts", "chunks"):
        docs.add_field(name, DataType.INT64)
    docs.add_field("body", DataType.VARCHAR, max_length=VARCHAR_MAX)
    docs.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)   # Milvus requires a vector field in a collection
    params = client.prepare_index_params()
    params.add_index("placeholder", index_type="FLAT", metric_type="L2")
    params.add_index("doc", index_type="INVERTED")
    client.create_collection(documents_collection(spec), schema=docs, index_params=params)
    terms = client.create_schema(auto_id=False, description=f"document frequencies of the rag store {spec.collection}")
    terms.add_field("term", DataType.VARCHAR, is_primary=True, max_length=4 * TERM_MAX)
    terms.add_field("df", DataType.INT64)
    terms.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)
    params = client.prepare_index_params()
    params.add_index("placeholder", index_type="FLAT", metric_type="L2")
    client.create_collection(terms_collection(spec), schema=terms, index_params=params)


def _index_params(client, manifest: dict):
    """Exact search below ann.FLAT_BELOW chunks, IVF-SQ8 above (as the local store); BM25 always inverted."""
    params = _dense_index(client, VectorPlan(**manifest["vector_index"]))
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": manifest["bm25"]["k1"], "bm25_b": manifest["bm25"]["b"]})
    params.add_index("doc", index_type="INVERTED")   # updates and deletes select a document's rows
    return params


def _chunk_row(chunk: Chunk, sha256: str, vector: np.ndarray, tokenize) -> dict:
    terms = " ".join(bm25_terms(tokenize(normalize(chunk.search_text))))
    row = {"doc": chunk.doc, "content_hash": sha256, "section": chunk.section, "text": chunk.text,
           "search_text": terms, "dense": vector.tolist()}
    row.update((f, getattr(chunk, f)) for f in CHUNK_FIELDS[2:8])
    for f in ("section", "text", "search_text"):
        if len(row[f].encode("utf-8")) > VARCHAR_MAX:
            raise IndexError_(f"{chunk.doc}: a chunk's {f} is over Milvus's {VARCHAR_MAX}-byte limit "
                              f"(paragraph {chunk.paragraph_start}); split that paragraph or use the local store")
    return row


def _document_rows(doc: CleanDocument, chunks: int) -> list[dict]:
    body = json.dumps(document_row(doc), ensure_ascii=False)
    parts = [body[i:i + DOCUMENT_PART] for i in range(0, len(body), DOCUMENT_PART)]
    return [{"id": document_key(doc.document.name, i), "doc": doc.document.name, "sha256": doc.document.sha256,
             "part": i, "parts": len(parts), "chunks": chunks, "body": part, "placeholder": [0.0, 0.0]}
            for i, part in enumerate(parts)]


def sync_milvus(spec: StoreSpec, documents, embedder, settings: IndexSettings, cache_dir: Path | None = None,
                progress=None, remove_missing: bool = True, rebuild: bool = False, failures=()):
    """Make the store hold ``documents``: new ones and changed ones (by content hash) are
    cleaned, chunked, embedded and inserted, a changed one's old rows deleted first; with
    ``remove_missing`` documents not given are deleted. Returns (store, BuildReport)."""
    started = time.perf_counter()
    tokenize = get_tokenizer(settings.tokenizer)
    prepared = prepare(documents, settings.chunking, failures)
    if not prepared.documents and remove_missing:
        raise NothingToIndexError(prepared.failures, f"{spec} was left unchanged")
    client = connect(spec)
    with milvus_errors(spec, "preparing the collections"):
        exists = client.has_collection(spec.collection)
        if exists and rebuild:
            for name in (spec.collection, documents_collection(spec), terms_collection(spec)):
                client.drop_collection(name)
            exists = False
        if exists:
            manifest = read_manifest(client, spec)
            check_manifest(manifest, spec, embedder, settings)
        else:
            manifest = _manifest(embedder, settings, plan_for(0))
            _create(client, spec, embedder.dim, manifest)
    store = MilvusStore(client, spec, manifest)
    old = store.documents.hashes
    aliases = {name for name, _ in prepared.duplicates}   # same bytes as an indexed one: cited under that name
    changed = [n for n, d in prepared.documents.items() if n in old and old[n] != d.document.sha256]
    added = [n for n in prepared.documents if n not in old]
    removed = [n for n in old if n not in prepared.documents and n not in aliases] if remove_missing else []
    new_chunks = [c for c in prepared.chunks if c.doc in set(added) | set(changed)]
    cache = EmbeddingCache(cache_dir, embedder)
    vectors, embedded = embed_chunks(new_chunks, embedder, cache, progress) if new_chunks else (np.zeros((0, embedder.dim), np.float32), 0)
    cache.save()
    # A document's rows in the documents collection go in last, as its commit mark: rows of a
    # document that an interrupted update left without them are deleted here with the stale ones.
    stale = added + changed + removed
    with milvus_errors(spec, "updating the collections"):
        doc_freq_change = Counter()
        for text in _search_texts(store, changed + removed):
            doc_freq_change.subtract(chunk_terms(text))
        for a in range(0, len(stale), 100):
            names = "[" + ", ".join(filter_literal(n) for n in stale[a:a + 100]) + "]"
            client.delete(spec.collection, filter=f"doc in {names}")
            client.delete(documents_collection(spec), filter=f"doc in {names}")
        rows = [_chunk_row(c, prepared.documents[c.doc].document.sha256, v, tokenize)
                for c, v in zip(new_chunks, vectors)]
        for a in range(0, len(rows), INSERT_BATCH):
            client.insert(spec.collection, rows[a:a + INSERT_BATCH])
        for row in rows:
            doc_freq_change.update(chunk_terms(row["search_text"]))
        _update_terms(store, doc_freq_change)
        counts = prepared.chunk_counts()
        doc_rows = [r for n in added + changed for r in _document_rows(prepared.documents[n], counts[n])]
        for a in range(0, len(doc_rows), INSERT_BATCH):
            client.insert(documents_collection(spec), doc_rows[a:a + INSERT_BATCH])
        for name in (spec.collection, documents_collection(spec), terms_collection(spec)):
            client.flush(name)   # seals the new rows into indexed segments (unsealed ones are scanned)
    store = MilvusStore(client, spec, manifest)
    store = _replan(store)
    report = BuildReport(len(store.documents), len(store.chunks), embedded, prepared.failures,
                         time.perf_counter() - started, prepared.duplicates,
                         changes=(len(added), len(changed), len(removed)))
    return store, report


def _search_texts(store: MilvusStore, names: list[str]):
    """The indexed search text of every chunk of these documents, as the store holds it."""
    for a in range(0, len(names), 100):
        filter = "doc in [" + ", ".join(filter_literal(n) for n in names[a:a + 100]) + "]"
        yield from (row["search_text"] for row in store.iterate(store.spec.collection, filter, ["search_text"]))


def _update_terms(store: MilvusStore, change: Counter) -> None:
    """Add ``change`` (term -> chunks gained or lost) to the terms collection's frequencies."""
    terms = [t for t, d in change.items() if d]
    current = store.term_frequencies(terms) if len(store.chunks) else {}
    rows = [{"term": t, "df": current.get(t, 0) + change[t], "placeholder": [0.0, 0.0]} for t in terms]
    collection = terms_collection(store.spec)
    keep = [r for r in rows if r["df"] > 0]
    for a in range(0, len(keep), INSERT_BATCH):
        store.client.upsert(collection, keep[a:a + INSERT_BATCH])
    gone = [r["term"] for r in rows if r["df"] <= 0]
    for a in range(0, len(gone), INSERT_BATCH):
        store.client.delete(collection, ids=gone[a:a + INSERT_BATCH])


def _replan(store: MilvusStore) -> MilvusStore:
    """Rebuild the dense index when the collection has grown (or shrunk) across a plan boundary."""
    if lite_engine(store.spec) == 2:
        return store   # milvus-lite 2.5 builds no IVF_SQ8 and cannot alter the manifest: exact search stays
    plan = plan_for(len(store.chunks))
    current = store.plan
    if plan.kind == current.kind and (plan.kind == "flat" or 0.5 <= plan.lists / max(current.lists, 1) <= 2):
        return store
    client, spec = store.client, store.spec
    manifest = dict(store.manifest, vector_index=plan.to_json())
    text = json.dumps(manifest, ensure_ascii=False)
    with milvus_errors(spec, "rebuilding the vector index"):
        client.release_collection(spec.collection)
        client.drop_index(spec.collection, "dense")
        client.create_index(spec.collection, _dense_index(client, plan))
        client.alter_collection_properties(spec.collection, properties={MANIFEST_PROPERTY: text})
    return MilvusStore(client, spec, manifest)


def _dense_index(client, plan: VectorPlan):
    params = client.prepare_index_params()
    if plan.kind == "flat":
        params.add_index("dense", index_type="FLAT", metric_type="COSINE")
    else:
        params.add_index("dense", index_type="IVF_SQ8", metric_type="COSINE", params={"nlist": plan.lists})
    return params
