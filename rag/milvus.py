"""The Milvus store: the same chunks, vectors and BM25 search in Milvus (2.5+ server or
cluster, or Milvus Lite embedded in this process), for archives that outgrow one machine.

Three collections per store:
- ``<name>``: one row per chunk: the normalized text (``search_text``, what BM25 sees,
  analyzed by Milvus's jieba tokenizer), the original-script text and its spans for display,
  document, content hash, paragraphs, section, the dense vector, and the sparse BM25 vector
  that Milvus's BM25 function derives from ``search_text``;
- ``<name>_documents``: each cleaned document as JSON in parts, for citations (the paragraph,
  the original-file span, the PDF page), and its content hash for incremental updates;
- ``<name>_terms``: how many chunks hold each analyzer token, kept by every update, for the
  answer's word weights (Milvus keeps BM25 statistics but does not expose them).
What built the store (embedder, chunking, analyzer, vector index plan) is recorded in the
chunk collection's description and its ``rag.manifest`` property (Milvus Lite keeps only
properties), and checked when the store is opened. Hybrid search is Milvus's own
``hybrid_search`` with its ``WeightedRanker`` (scores normalized by arctan, not min-max as
in the local store); the decline threshold is calibrated for it (answer.DECLINE_BELOW).
Building and updating a store: rag/milvus_sync.py.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from .ann import VectorPlan
from .bm25 import BM25Params, term_idf
from .chunking import Chunk, ChunkSettings
from .clean import CleanDocument
from .errors import ConfigError, IndexError_, IndexLockedError, IndexMismatchError, IndexMissingError
from .index import IndexSettings
from .storage import LazyDocuments, document_from_row
from .store import ABSENT_TERM_FACTOR, Ranked, StoreSpec
from .tokens import STOP_CHARS

FORMAT = "rag-reports milvus store"
FORMAT_VERSION = 1
MANIFEST_PROPERTY = "rag.manifest"
PUNCTUATION = list("，。、；：？！“”‘’（）《》〈〉【】「」『』…—·－～,.;:?!()[]{}<>\"'`~@#$%^&*_+=|/\\-")
# jieba in its default search mode; the string form, since Milvus 2.5's C++ engine rejects the
# {"type": "jieba", ...} form ("tokenizer name should be string")
ANALYZER = {"tokenizer": "jieba", "filter": [{"type": "stop", "stop_words": PUNCTUATION + sorted(STOP_CHARS)}]}
TOKENIZER = "jieba"            # what the analyzer does, in this library's terms (query display, checks)
VARCHAR_MAX = 65535            # bytes, Milvus's limit for one VARCHAR value
TERM_MAX = 64                  # longer tokens (URLs, long Latin runs) are not counted: too rare to weigh
DF_CACHE = 100_000             # tokens whose frequency a store object remembers (an update makes a new one)
CHUNK_FIELDS = ["doc", "section", "paragraph_start", "paragraph_end", "start", "end", "orig_start", "orig_end",
                "text"]


def _pymilvus():
    try:
        import pymilvus
    except ImportError as exc:
        raise ConfigError("the Milvus store needs pymilvus (and milvus-lite for milvus:FILE.db): "
                          "pip install 'rag-reports[milvus]'") from exc
    # pymilvus logs every failed call with a traceback, Milvus Lite a failed start, and its in-process
    # gRPC server each call it does not implement (query iterators ask for a timestamp); the errors
    # we raise say it all
    for name in ("pymilvus", "milvus_lite", "grpc._server"):
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
        raise IndexError_(f"{spec}: Milvus failed while {doing}: {message}") from exc


def connect(spec: StoreSpec):
    pymilvus = _pymilvus()
    try:
        if spec.lite:
            Path(spec.location).parent.mkdir(parents=True, exist_ok=True)
            # pymilvus pings every 10 s; Milvus Lite's in-process server allows one ping per 5 minutes
            # and answers more with GOAWAY ("too_many_pings" on stderr, then a reconnect)
            return pymilvus.MilvusClient(spec.location, grpc_options={"grpc.keepalive_time_ms": 600_000})
        return pymilvus.MilvusClient(uri=spec.location, user=os.environ.get("MILVUS_USER", ""),
                                     password=os.environ.get("MILVUS_PASSWORD", ""),
                                     token=os.environ.get("MILVUS_TOKEN", ""), timeout=30)
    except pymilvus.MilvusException as exc:
        if spec.lite and _held_elsewhere(Path(spec.location)):
            raise IndexLockedError(f"{spec}: the data folder is open in another process (Milvus Lite allows one "
                                   "process per data folder; stop the other one or use a Milvus server)") from exc
        raise IndexError_(f"cannot open the Milvus store {spec}: {getattr(exc, 'message', exc)}. For a server, "
                          "check that it runs (README: docker compose) and MILVUS_USER/MILVUS_PASSWORD or "
                          "MILVUS_TOKEN") from exc
    except (OSError, RuntimeError, ImportError) as exc:   # Milvus Lite failing to start in this process
        raise IndexError_(f"cannot open the Milvus store {spec}: {exc}") from exc


def _held_elsewhere(data_dir: Path) -> bool:
    """Whether another process holds Milvus Lite's lock on ``data_dir`` (an flock on its LOCK file)."""
    try:
        with open(data_dir / "LOCK", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except BlockingIOError:
        return True
    except OSError:
        return False
    return False


def documents_collection(spec: StoreSpec) -> str:
    return f"{spec.collection}_documents"


def terms_collection(spec: StoreSpec) -> str:
    return f"{spec.collection}_terms"


STOP_TOKENS = frozenset(PUNCTUATION) | STOP_CHARS


def analyzer_tokens(text: str) -> list[str]:
    """What the BM25 analyzer makes of ``text`` (jieba's search mode, lower-cased, stop words
    dropped), unique, in order: the terms whose document frequencies the store keeps."""
    import jieba

    tokens = (t.strip().lower() for t in jieba.cut_for_search(text))
    return [t for t in dict.fromkeys(tokens) if t and t not in STOP_TOKENS and len(t) <= TERM_MAX]


def _read_manifest(client, spec: StoreSpec) -> dict:
    with _milvus_errors(spec, "reading the collection"):
        if not client.has_collection(spec.collection):
            raise IndexMissingError(f"no index in {spec}; build one with: rag index [PATHS] --store {spec}")
        info = client.describe_collection(spec.collection)
    for text in ((info.get("properties") or {}).get(MANIFEST_PROPERTY), info.get("description")):
        try:
            manifest = json.loads(text or "")
        except ValueError:
            continue
        if isinstance(manifest, dict) and manifest.get("format") == FORMAT:
            if manifest.get("format_version") != FORMAT_VERSION:
                raise IndexMismatchError(f"{spec} has store format {manifest.get('format_version')}, this version "
                                         f"reads {FORMAT_VERSION}; rebuild it with: rag index --rebuild --store {spec}")
            embedder = manifest.get("embedder")
            if not (isinstance(embedder, dict) and isinstance(embedder.get("name"), str)
                    and isinstance(embedder.get("dim"), int) and isinstance(manifest.get("vector_index"), dict)):
                raise IndexError_(f"the manifest of {spec} is damaged (embedder or vector_index); rebuild it with: "
                                  f"rag index --rebuild --store {spec}")
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


class MilvusDocuments(LazyDocuments):
    """name -> CleanDocument, fetched from the documents collection when first asked for."""

    def __init__(self, client, spec: StoreSpec, rows: list[dict]):
        super().__init__([r["doc"] for r in rows])
        self.client, self.spec = client, spec
        self.hashes = {r["doc"]: r["sha256"] for r in rows}
        self.chunk_counts = {r["doc"]: int(r["chunks"]) for r in rows}
        self.parts = {r["doc"]: int(r["parts"]) for r in rows}

    def _load(self, name: str) -> CleanDocument:
        keys = [document_key(name, part) for part in range(self.parts[name])]
        with _milvus_errors(self.spec, f"reading document '{name}'"):
            parts = [row for a in range(0, len(keys), 1000) for row in self.client.get(
                documents_collection(self.spec), ids=keys[a:a + 1000], output_fields=["part", "parts", "body"])]
        parts.sort(key=lambda p: p["part"])
        if not parts or len(parts) != parts[0]["parts"]:
            raise IndexError_(f"{self.spec}: document '{name}' is incomplete in the store; index it again")
        try:
            return document_from_row(json.loads("".join(p["body"] for p in parts)))
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexError_(f"{self.spec}: the stored document '{name}' is damaged ({exc}); index it again "
                              "with: rag index --rebuild --store …") from exc


def document_key(name: str, part: int) -> str:
    """Primary key of a part of a document's JSON: read by key, not by a filter on ``doc``."""
    return f"{hashlib.blake2b(name.encode('utf-8'), digest_size=16).hexdigest()}:{part}"


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
            for name in (spec.collection, documents_collection(spec), terms_collection(spec)):
                self.client.load_collection(name)
            rows = list(self.iterate(documents_collection(spec), "part == 0", ["doc", "sha256", "chunks", "parts"]))
        self.documents = MilvusDocuments(client, spec, rows)
        self.chunks = _ChunkCount(sum(self.documents.chunk_counts.values()))
        self._doc_freq: dict[str, int] = {}

    @classmethod
    def open(cls, spec: StoreSpec, embedder=None) -> "MilvusStore":
        client = connect(spec)
        manifest = _read_manifest(client, spec)
        _check(manifest, spec, embedder)
        return cls(client, spec, manifest)

    def iterate(self, collection: str, filter: str, fields: list[str]):
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
        """As the local store's, with the analyzer's tokens and their document frequencies
        from the terms collection (Milvus does not expose its BM25 statistics)."""
        per_word = []
        for word in words:
            tokens = analyzer_tokens(word)
            per_word.append([t for t in tokens if len(t) > 1] or tokens or [word])
        doc_freq = self._doc_freq
        unique = sorted({t for tokens in per_word for t in tokens} - set(doc_freq))
        if unique:
            found = self.term_frequencies(unique)
            if len(doc_freq) > DF_CACHE:
                doc_freq.clear()
            doc_freq.update((t, found.get(t, 0)) for t in unique)
        n = max(len(self.chunks), 1)
        weights = []
        for tokens in per_word:
            df = np.asarray([doc_freq[t] for t in tokens], dtype=np.float64)
            weights.append(term_idf(df, n).max() * (ABSENT_TERM_FACTOR if (df == 0).any() else 1.0))
        return np.asarray(weights, dtype=np.float64)

    def term_frequencies(self, terms: list[str]) -> dict[str, int]:
        """Chunks containing each term, for the terms the store has seen (primary-key lookups)."""
        found = {}
        with _milvus_errors(self.spec, "reading document frequencies"):
            for a in range(0, len(terms), 1000):
                rows = self.client.get(terms_collection(self.spec), ids=terms[a:a + 1000], output_fields=["df"])
                found.update((r["term"], int(r["df"])) for r in rows)
        return found

    def chunk_counts(self) -> dict[str, int]:
        return dict(self.documents.chunk_counts)

    def describe(self) -> str:
        return f"Milvus store {self.spec} ({len(self.documents)} documents, {len(self.chunks)} chunks)"

    def add_documents(self, documents, embedder, cache_dir: Path | None = None, progress=None):
        """Index ``documents`` (a same-named one is replaced); the rest stays as it is."""
        from .milvus_sync import sync
        return sync(self.spec, documents, embedder, self.settings, cache_dir, progress, remove_missing=False)
