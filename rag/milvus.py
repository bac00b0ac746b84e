"""The Milvus store: the same chunks, vectors and BM25 search in Milvus (2.5+ server or
cluster, or Milvus Lite embedded in this process), for archives that outgrow one machine.

Two collections per store:
- ``<name>``: one row per chunk: the normalized text (``search_text``, what BM25 sees,
  analyzed by Milvus's jieba tokenizer), the original-script text and its spans for display,
  document, content hash, paragraphs, section, the dense vector, and the sparse BM25 vector
  that Milvus's BM25 function derives from ``search_text``;
- ``<name>_documents``: each cleaned document as JSON in parts, for citations (the paragraph,
  the original-file span, the PDF page), and its content hash for incremental updates.
What built the store (embedder, chunking, analyzer, vector index plan) is recorded in the
chunk collection's description and its ``rag.manifest`` property (Milvus Lite keeps only
properties), and checked when the store is opened. Hybrid search is Milvus's own
``hybrid_search`` with its ``WeightedRanker`` (scores normalized by arctan, not min-max as
in the local store); the decline threshold is calibrated for it (answer.DECLINE_BELOW).
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .ann import plan_for, VectorPlan
from .bm25 import BM25Params, term_idf
from .chunking import Chunk, ChunkSettings
from .clean import CleanDocument
from .embedding import EmbeddingCache, embed_chunks
from .errors import ConfigError, IndexError_, IndexLockedError, IndexMismatchError
from .index import BuildReport, IndexSettings, prepare
from .normalize import normalize
from .storage import document_from_row, document_row
from .store import ABSENT_TERM_FACTOR, Ranked, StoreSpec
from .tokens import STOP_CHARS

FORMAT_VERSION = 1
MANIFEST_PROPERTY = "rag.manifest"
PUNCTUATION = list("，。、；：？！“”‘’（）《》〈〉【】「」『』…—·－～,.;:?!()[]{}<>\"'`~@#$%^&*_+=|/\\-")
ANALYZER = {"tokenizer": {"type": "jieba", "mode": "search"},
            "filter": [{"type": "stop", "stop_words": PUNCTUATION + sorted(STOP_CHARS)}]}
TOKENIZER = "jieba"            # what the analyzer does, in this library's terms (query display, checks)
VARCHAR_MAX = 65535            # bytes, Milvus's limit for one VARCHAR value
DOCUMENT_PART = 16_000         # characters of document JSON per row (<= 4 bytes each in UTF-8)
DF_CAP = 16_384                # Milvus's largest search limit: document frequencies count up to this
DF_CACHE = 100_000             # tokens whose frequency a store object remembers (an update makes a new one)
INSERT_BATCH = 1000
CHUNK_FIELDS = ["doc", "section", "paragraph_start", "paragraph_end", "start", "end", "orig_start", "orig_end",
                "text"]


def _pymilvus():
    try:
        import pymilvus
    except ImportError as exc:
        raise ConfigError("the Milvus store needs pymilvus (and milvus-lite for milvus:FILE.db): "
                          "pip install 'rag-reports[milvus]'") from exc
    # pymilvus logs every failed call with a traceback, and Milvus Lite's in-process gRPC server each
    # call it does not implement (query iterators ask for a timestamp); the errors we raise say it all
    for name in ("pymilvus", "grpc._server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return pymilvus


@contextmanager
def _milvus_errors(spec: StoreSpec, doing: str):
    """pymilvus exceptions -> the library's errors, naming the store and what failed."""
    pymilvus = _pymilvus()
    try:
        yield
    except pymilvus.MilvusException as exc:
        message = getattr(exc, "message", str(exc))
        if "lock" in message.lower():
            raise IndexLockedError(f"{spec}: the data folder is open in another process (Milvus Lite allows one "
                                   "process per data folder; stop the other one or use a Milvus server)") from exc
        raise IndexError_(f"{spec}: Milvus failed while {doing}: {message}") from exc


def connect(spec: StoreSpec):
    pymilvus = _pymilvus()
    try:
        if spec.lite:
            Path(spec.location).parent.mkdir(parents=True, exist_ok=True)
            return pymilvus.MilvusClient(spec.location)
        return pymilvus.MilvusClient(uri=spec.location, user=os.environ.get("MILVUS_USER", ""),
                                     password=os.environ.get("MILVUS_PASSWORD", ""),
                                     token=os.environ.get("MILVUS_TOKEN", ""), timeout=30)
    except pymilvus.MilvusException as exc:
        raise IndexError_(f"cannot open the Milvus store {spec}: {getattr(exc, 'message', exc)}. For a server, "
                          "check that it runs (README: docker compose) and MILVUS_USER/MILVUS_PASSWORD or "
                          "MILVUS_TOKEN") from exc
    except (OSError, RuntimeError, ImportError) as exc:   # Milvus Lite failing to start in this process
        raise IndexError_(f"cannot open the Milvus store {spec}: {exc}") from exc


def documents_collection(spec: StoreSpec) -> str:
    return f"{spec.collection}_documents"


def _manifest(embedder_name: str, dim: int, settings: IndexSettings, plan: VectorPlan) -> dict:
    return {"format": "rag-reports milvus store", "format_version": FORMAT_VERSION,
            "embedder": {"name": embedder_name, "dim": dim}, "chunking": asdict(settings.chunking),
            "analyzer": ANALYZER, "bm25": {"k1": settings.bm25.k1, "b": settings.bm25.b},
            "vector_index": plan.to_json()}


def _read_manifest(client, spec: StoreSpec) -> dict:
    with _milvus_errors(spec, "reading the collection"):
        if not client.has_collection(spec.collection):
            raise IndexError_(f"no index in {spec}; build one with: rag index [PATHS] --store {spec}")
        info = client.describe_collection(spec.collection)
    for text in ((info.get("properties") or {}).get(MANIFEST_PROPERTY), info.get("description")):
        try:
            manifest = json.loads(text or "")
        except ValueError:
            continue
        if isinstance(manifest, dict) and manifest.get("format") == "rag-reports milvus store":
            if manifest.get("format_version") != FORMAT_VERSION:
                raise IndexMismatchError(f"{spec} has store format {manifest.get('format_version')}, this version "
                                         f"reads {FORMAT_VERSION}; rebuild it with: rag index --rebuild --store {spec}")
            return manifest
    raise IndexError_(f"the collection '{spec.collection}' in {spec} was not built by rag (no {MANIFEST_PROPERTY}); "
                      "use another collection name or rebuild it with: rag index --rebuild --store …")


def read_store_manifest(spec: StoreSpec) -> dict:
    return _read_manifest(connect(spec), spec)


def _settings(manifest: dict) -> IndexSettings:
    try:
        return IndexSettings(ChunkSettings(**manifest["chunking"]), TOKENIZER,
                             BM25Params(k1=manifest["bm25"]["k1"], b=manifest["bm25"]["b"]))
    except (KeyError, TypeError) as exc:
        raise IndexError_(f"the store manifest is damaged ({exc}); rebuild it with: rag index --rebuild") from exc


def _check(manifest: dict, spec: StoreSpec, embedder=None, settings: IndexSettings | None = None) -> None:
    problems = []
    built = manifest["embedder"]
    if embedder is not None and (built["name"], built["dim"]) != (embedder.name, embedder.dim):
        problems.append(f"embedder {built['name']} (dim {built['dim']}) vs requested {embedder.name} "
                        f"(dim {embedder.dim})")
    if settings is not None and _settings(manifest).chunking != settings.chunking:
        problems.append(f"chunking {_settings(manifest).chunking} vs requested {settings.chunking}")
    if manifest.get("analyzer") != ANALYZER:
        problems.append("the BM25 analyzer differs from this version's")
    if problems:
        raise IndexMismatchError(f"{spec} was built with other settings: {'; '.join(problems)}. Rebuild it with: "
                                 f"rag index --rebuild --store {spec} (or use the settings it was built with)")


class MilvusDocuments(Mapping):
    """name -> CleanDocument, fetched from the documents collection when first asked for."""

    CACHE = 512

    def __init__(self, client, spec: StoreSpec, rows: list[dict]):
        self.client, self.spec = client, spec
        self.names = [r["doc"] for r in rows]
        self.hashes = {r["doc"]: r["sha256"] for r in rows}
        self.chunk_counts = {r["doc"]: int(r["chunks"]) for r in rows}
        self._cache: OrderedDict[str, CleanDocument] = OrderedDict()

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):
        return iter(self.names)

    def __contains__(self, name) -> bool:
        return name in self.hashes

    def __getitem__(self, name: str) -> CleanDocument:
        if name not in self.hashes:
            raise KeyError(name)
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        with _milvus_errors(self.spec, f"reading document '{name}'"):
            parts = self.client.query(documents_collection(self.spec), filter=f"doc == {_literal(name)}",
                                      output_fields=["part", "parts", "body"], limit=VARCHAR_MAX)
        parts.sort(key=lambda p: p["part"])
        if not parts or len(parts) != parts[0]["parts"]:
            raise IndexError_(f"{self.spec}: document '{name}' is incomplete in the store; index it again")
        doc = document_from_row(json.loads("".join(p["body"] for p in parts)))
        self._cache[name] = doc
        if len(self._cache) > self.CACHE:
            self._cache.popitem(last=False)
        return doc


def _literal(text: str) -> str:
    """A Milvus filter string literal."""
    return json.dumps(text, ensure_ascii=False)


class _ChunkCount:
    """What the searcher and the page ask of a store's chunks: how many there are."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


class MilvusStore:
    kind = "milvus"

    def __init__(self, client, spec: StoreSpec, manifest: dict):
        self.client, self.spec, self.manifest = client, spec, manifest
        self.settings = _settings(manifest)
        self.embedder_name, self.dim = manifest["embedder"]["name"], int(manifest["embedder"]["dim"])
        self.plan = VectorPlan(**manifest["vector_index"])
        with _milvus_errors(spec, "loading the collections"):
            for name in (spec.collection, documents_collection(spec)):
                self.client.load_collection(name)
            rows = list(self._iterate(documents_collection(spec), "part == 0", ["doc", "sha256", "chunks"]))
        self.documents = MilvusDocuments(client, spec, rows)
        self.chunks = _ChunkCount(sum(self.documents.chunk_counts.values()))
        self._doc_freq: dict[str, int] = {}

    @classmethod
    def open(cls, spec: StoreSpec, embedder=None) -> "MilvusStore":
        client = connect(spec)
        manifest = _read_manifest(client, spec)
        _check(manifest, spec, embedder)
        return cls(client, spec, manifest)

    def _iterate(self, collection: str, filter: str, fields: list[str]):
        iterator = self.client.query_iterator(collection, batch_size=1000, filter=filter, output_fields=fields)
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()

    # ------------------------------------------------------------ searching

    def rank(self, query: str, tokens: list[str], qvec: np.ndarray | None, mode: str, k: int, pool: int,
             dense_weight: float, clock) -> list[Ranked]:
        pymilvus = _pymilvus()
        dense_req = dict(data=[qvec.tolist()] if qvec is not None else None, anns_field="dense",
                         param={"metric_type": "COSINE", "params": {"nprobe": self.plan.probe} if self.plan.probe else {}})
        sparse_req = dict(data=[query], anns_field="sparse", param={"metric_type": "BM25"})
        fields = CHUNK_FIELDS + (["dense"] if mode == "hybrid" else [])
        if not query.strip():   # nothing for BM25 to match (a question of question words only)
            if mode == "bm25":
                return []
            mode = "dense" if mode == "hybrid" else mode
        with _milvus_errors(self.spec, "searching"):
            if mode == "hybrid":
                ranker = pymilvus.WeightedRanker(dense_weight, 1 - dense_weight, norm_score=True)
                result = self.client.hybrid_search(
                    self.spec.collection, [pymilvus.AnnSearchRequest(**dense_req, limit=pool),
                                           pymilvus.AnnSearchRequest(**sparse_req, limit=pool)],
                    ranker, limit=k, output_fields=fields)[0]
            else:
                req = dense_req if mode == "dense" else sparse_req
                result = self.client.search(self.spec.collection, data=req["data"], anns_field=req["anns_field"],
                                            search_params=req["param"], limit=k, output_fields=fields)[0]
        clock("milvus")
        ranked = []
        for hit in result:
            row, score = hit["entity"], float(hit["distance"])
            chunk = Chunk(int(hit["id"]), row["doc"], row["section"], *(int(row[f]) for f in CHUNK_FIELDS[2:8]),
                          row["text"])
            if mode == "hybrid":
                ranked.append((chunk, score, float("nan"), float(np.asarray(row["dense"], np.float32) @ qvec)))
            elif mode == "dense":
                ranked.append((chunk, score, 0.0, score))
            else:   # Milvus Lite reports BM25 as a negative distance, a server as a positive score
                ranked.append((chunk, abs(score), abs(score), 0.0))
        clock("fusion")
        return ranked

    def word_weights(self, words: list[str]) -> np.ndarray:
        """As the local store's, with the analyzer's tokens (jieba's search mode) and document
        frequencies counted by BM25 searches for each token (exact up to DF_CAP chunks)."""
        import jieba

        stop = set(PUNCTUATION) | STOP_CHARS
        per_word = []
        for word in words:
            tokens = [t for t in dict.fromkeys(jieba.lcut_for_search(word)) if t.strip() and t not in stop]
            per_word.append([t for t in tokens if len(t) > 1] or tokens or [word])
        doc_freq = self._doc_freq
        unique = sorted({t for tokens in per_word for t in tokens} - set(doc_freq))
        if unique:
            with _milvus_errors(self.spec, "counting document frequencies"):
                result = self.client.search(self.spec.collection, data=unique, anns_field="sparse",
                                            search_params={"metric_type": "BM25"}, limit=DF_CAP, output_fields=[])
            if len(doc_freq) > DF_CACHE:
                doc_freq.clear()
            doc_freq.update((t, len(hits)) for t, hits in zip(unique, result))
        n = max(len(self.chunks), 1)
        weights = []
        for tokens in per_word:
            df = np.asarray([doc_freq[t] for t in tokens], dtype=np.float64)
            weights.append(term_idf(df, n).max() * (ABSENT_TERM_FACTOR if (df == 0).any() else 1.0))
        return np.asarray(weights, dtype=np.float64)

    def chunk_counts(self) -> dict[str, int]:
        return dict(self.documents.chunk_counts)

    def describe(self) -> str:
        return f"Milvus store {self.spec} ({len(self.documents)} documents, {len(self.chunks)} chunks)"

    def add_documents(self, documents, embedder, cache_dir: Path | None = None, progress=None):
        """Index ``documents`` (a same-named one is replaced); the rest stays as it is."""
        return sync(self.spec, documents, embedder, self.settings, cache_dir, progress, remove_missing=False)


# ---------------------------------------------------------------- building and updating

def _create(client, spec: StoreSpec, dim: int, manifest: dict) -> None:
    pymilvus = _pymilvus()
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
    docs = client.create_schema(auto_id=True, description=f"documents of the rag store {spec.collection}")
    docs.add_field("id", DataType.INT64, is_primary=True)
    docs.add_field("doc", DataType.VARCHAR, max_length=1024)
    docs.add_field("sha256", DataType.VARCHAR, max_length=64)
    for name in ("part", "parts", "chunks"):
        docs.add_field(name, DataType.INT64)
    docs.add_field("body", DataType.VARCHAR, max_length=VARCHAR_MAX)
    docs.add_field("placeholder", DataType.FLOAT_VECTOR, dim=2)   # Milvus requires a vector field in a collection
    params = client.prepare_index_params()
    params.add_index("placeholder", index_type="FLAT", metric_type="L2")
    client.create_collection(documents_collection(spec), schema=docs, index_params=params)


def _index_params(client, manifest: dict):
    """Exact search below ann.FLAT_BELOW chunks, IVF-SQ8 above (as the local store); BM25 always inverted."""
    params = _dense_index(client, VectorPlan(**manifest["vector_index"]))
    params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": manifest["bm25"]["k1"], "bm25_b": manifest["bm25"]["b"]})
    return params


def _chunk_row(chunk: Chunk, sha256: str, vector: np.ndarray) -> dict:
    row = {"doc": chunk.doc, "content_hash": sha256, "section": chunk.section, "text": chunk.text,
           "search_text": normalize(chunk.search_text), "dense": vector.tolist()}
    row.update((f, getattr(chunk, f)) for f in CHUNK_FIELDS[2:8])
    for f in ("section", "text", "search_text"):
        if len(row[f].encode("utf-8")) > VARCHAR_MAX:
            raise IndexError_(f"{chunk.doc}: a chunk's {f} is over Milvus's {VARCHAR_MAX}-byte limit "
                              f"(paragraph {chunk.paragraph_start}); split that paragraph or use the local store")
    return row


def _document_rows(doc: CleanDocument, chunks: int) -> list[dict]:
    body = json.dumps(document_row(doc), ensure_ascii=False)
    parts = [body[i:i + DOCUMENT_PART] for i in range(0, len(body), DOCUMENT_PART)]
    return [{"doc": doc.document.name, "sha256": doc.document.sha256, "part": i, "parts": len(parts),
             "chunks": chunks, "body": part, "placeholder": [0.0, 0.0]} for i, part in enumerate(parts)]


def sync(spec: StoreSpec, documents, embedder, settings: IndexSettings, cache_dir: Path | None = None,
         progress=None, remove_missing: bool = True, rebuild: bool = False, failures=()):
    """Make the store hold ``documents``: new ones and changed ones (by content hash) are
    cleaned, chunked, embedded and inserted, a changed one's old rows deleted first; with
    ``remove_missing`` documents not given are deleted. Returns (store, BuildReport)."""
    started = time.perf_counter()
    if settings.tokenizer != TOKENIZER:
        raise ConfigError(f"the Milvus store's BM25 analyzes with {TOKENIZER} (its own analyzer); "
                          f"drop --tokenizer {settings.tokenizer} or use the local store")
    client = connect(spec)
    with _milvus_errors(spec, "preparing the collections"):
        exists = client.has_collection(spec.collection)
        if exists and rebuild:
            for name in (spec.collection, documents_collection(spec)):
                client.drop_collection(name)
            exists = False
        if exists:
            manifest = _read_manifest(client, spec)
            _check(manifest, spec, embedder, settings)
        else:
            manifest = _manifest(embedder.name, embedder.dim, settings, plan_for(0))
            _create(client, spec, embedder.dim, manifest)
    store = MilvusStore(client, spec, manifest)
    prepared = prepare(documents, settings, failures)
    old = store.documents.hashes
    aliases = {name for name, _ in prepared.duplicates}   # same bytes as an indexed one: cited under that name
    changed = [n for n, d in prepared.documents.items() if n in old and old[n] != d.document.sha256]
    added = [n for n in prepared.documents if n not in old]
    removed = [n for n in old if n not in prepared.documents and n not in aliases] if remove_missing else []
    new_chunks = [c for c in prepared.chunks if c.doc in set(added) | set(changed)]
    cache = EmbeddingCache(cache_dir, embedder.name, embedder.dim)
    vectors, embedded = embed_chunks(new_chunks, embedder, cache, progress) if new_chunks else (np.zeros((0, embedder.dim), np.float32), 0)
    cache.save()
    # A document's rows in the documents collection go in last, as its commit mark: rows of a
    # document that an interrupted update left without them are deleted here with the stale ones.
    stale = added + changed + removed
    with _milvus_errors(spec, "updating the collections"):
        for a in range(0, len(stale), 100):
            names = "[" + ", ".join(_literal(n) for n in stale[a:a + 100]) + "]"
            client.delete(spec.collection, filter=f"doc in {names}")
            client.delete(documents_collection(spec), filter=f"doc in {names}")
        counts = prepared.chunk_counts()
        rows = [_chunk_row(c, prepared.documents[c.doc].document.sha256, v) for c, v in zip(new_chunks, vectors)]
        for a in range(0, len(rows), INSERT_BATCH):
            client.insert(spec.collection, rows[a:a + INSERT_BATCH])
        doc_rows = [r for n in added + changed for r in _document_rows(prepared.documents[n], counts[n])]
        for a in range(0, len(doc_rows), INSERT_BATCH):
            client.insert(documents_collection(spec), doc_rows[a:a + INSERT_BATCH])
        for name in (spec.collection, documents_collection(spec)):
            client.flush(name)   # seals the new rows into indexed segments (unsealed ones are scanned)
    store = MilvusStore(client, spec, manifest)
    store = _replan(store)
    report = BuildReport(len(store.documents), len(store.chunks), embedded, prepared.failures,
                         time.perf_counter() - started, prepared.duplicates,
                         changes=(len(added), len(changed), len(removed)))
    return store, report


def _replan(store: MilvusStore) -> MilvusStore:
    """Rebuild the dense index when the collection has grown (or shrunk) across a plan boundary."""
    plan = plan_for(len(store.chunks))
    current = store.plan
    if plan.kind == current.kind and (plan.kind == "flat" or 0.5 <= plan.lists / max(current.lists, 1) <= 2):
        return store
    client, spec = store.client, store.spec
    manifest = dict(store.manifest, vector_index=plan.to_json())
    text = json.dumps(manifest, ensure_ascii=False)
    with _milvus_errors(spec, "rebuilding the vector index"):
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
