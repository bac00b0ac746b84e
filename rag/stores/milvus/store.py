"""Searching a Milvus store (layout and manifest: rag/stores/milvus/client.py): chunks
ranked by Milvus's BM25, dense or hybrid search, documents read by primary key for
citations, and word weights from the store's own document-frequency table."""
from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from rag.errors import IndexError_
from rag.ingest.chunking import Chunk
from rag.ingest.clean import CleanDocument
from rag.stores.base import Hit, RankQuery, StoreSpec, weighted_tokens, word_weight
from rag.stores.documents import LazyDocuments, document_from_row
from rag.stores.milvus.client import (
    CHUNK_FIELDS,
    DF_CACHE,
    analyzer_tokens,
    check_manifest,
    filter_literal,
    connect,
    document_key,
    documents_collection,
    milvus_errors,
    pymilvus_module,
    read_manifest,
    settings_from_manifest,
    terms_collection,
)
from rag.stores.plan import VectorPlan


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
        with milvus_errors(self.spec, f"reading document '{name}'"):
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


class _ChunkCount:
    """What the searcher and the page ask of a store's chunks: how many there are."""

    def __init__(self, n: int):
        self.n = n

    def __len__(self) -> int:
        return self.n


class MilvusStore:
    """A Milvus collection trio (client.py) behind the Store protocol."""

    kind = "milvus"

    def __init__(self, client, spec: StoreSpec, manifest: dict):
        self.client, self.spec, self.manifest = client, spec, manifest
        self.settings = settings_from_manifest(manifest)
        self.embedder_name, self.dim = manifest["embedder"]["name"], int(manifest["embedder"]["dim"])
        self.plan = VectorPlan(**manifest["vector_index"])
        with milvus_errors(spec, "loading the collections"):
            for name in (spec.collection, documents_collection(spec), terms_collection(spec)):
                self.client.load_collection(name)
            rows = list(self.iterate(documents_collection(spec), "part == 0", ["doc", "sha256", "chunks", "parts"]))
        self.documents = MilvusDocuments(client, spec, rows)
        self.chunks = _ChunkCount(sum(self.documents.chunk_counts.values()))
        self._doc_freq: dict[str, int] = {}

    @classmethod
    def open(cls, spec: StoreSpec, embedder=None) -> "MilvusStore":
        """The store at ``spec``, checked against ``embedder`` (None: whichever built it)."""
        client = connect(spec)
        manifest = read_manifest(client, spec)
        check_manifest(manifest, spec, embedder)
        return cls(client, spec, manifest)

    def iterate(self, collection: str, filter: str, fields: list[str]):
        iterator = self.client.query_iterator(collection, batch_size=1000, filter=filter, output_fields=fields)
        try:
            while batch := iterator.next():
                yield from batch
        finally:
            iterator.close()

    # ------------------------------------------------------------ searching

    def rank(self, query: RankQuery, clock: Callable[[str], None]) -> list[Hit]:
        """The ``query.k`` best chunks by Milvus's BM25, dense or hybrid search."""
        mode, k, pool, qvec = query.mode, query.k, query.pool, query.vector
        pymilvus = pymilvus_module()
        dense_req = dict(data=[qvec.tolist()] if qvec is not None else None, anns_field="dense",
                         param={"metric_type": "COSINE", "params": {"nprobe": self.plan.probe} if self.plan.probe else {}})
        sparse_req = dict(data=[query.text], anns_field="sparse", param={"metric_type": "BM25"})
        fields = CHUNK_FIELDS + (["dense"] if mode == "hybrid" else [])
        if query.documents is not None:
            if not query.documents:
                return []
            where = "doc in [" + ", ".join(filter_literal(n) for n in sorted(query.documents)) + "]"
            dense_req["expr"] = sparse_req["expr"] = where
        if not query.text.strip():   # nothing for BM25 to match (a question of question words only)
            if mode == "bm25":
                return []
            mode = "dense" if mode == "hybrid" else mode
        with milvus_errors(self.spec, "searching"):
            if mode == "hybrid":
                ranker = pymilvus.WeightedRanker(query.dense_weight, 1 - query.dense_weight, norm_score=True)
                result = self.client.hybrid_search(
                    self.spec.collection, [pymilvus.AnnSearchRequest(**dense_req, limit=pool),
                                           pymilvus.AnnSearchRequest(**sparse_req, limit=pool)],
                    ranker, limit=k, output_fields=fields)[0]
            else:
                req = dense_req if mode == "dense" else sparse_req
                result = self.client.search(self.spec.collection, data=req["data"], anns_field=req["anns_field"],
                                            search_params=req["param"], limit=k, output_fields=fields,
                                            filter=req.get("expr", ""))[0]
        clock("milvus")
        hits = []
        for hit in result:
            row, score = hit["entity"], float(hit["distance"])
            chunk = Chunk(int(hit["id"]), row["doc"], row["section"], *(int(row[f]) for f in CHUNK_FIELDS[2:8]),
                          row["text"])
            if mode == "hybrid":
                hits.append(Hit(chunk, score, float("nan"), float(np.asarray(row["dense"], np.float32) @ qvec)))
            elif mode == "dense":
                hits.append(Hit(chunk, score, 0.0, score))
            else:   # Milvus Lite reports BM25 as a negative distance, a server as a positive score
                hits.append(Hit(chunk, abs(score), abs(score), 0.0))
        clock("fusion")
        return hits

    def word_weights(self, words: list[str]) -> np.ndarray:
        """As the local store's, with the analyzer's tokens and their document frequencies
        from the terms collection (Milvus does not expose its BM25 statistics)."""
        per_word = [weighted_tokens(analyzer_tokens(word), word) for word in words]
        doc_freq = self._doc_freq
        unique = sorted({t for tokens in per_word for t in tokens} - set(doc_freq))
        if unique:
            found = self.term_frequencies(unique)
            if len(doc_freq) > DF_CACHE:
                doc_freq.clear()
            doc_freq.update((t, found.get(t, 0)) for t in unique)
        n = max(len(self.chunks), 1)
        return np.asarray([word_weight([doc_freq[t] for t in tokens], n) for tokens in per_word], dtype=np.float64)

    def term_frequencies(self, terms: list[str]) -> dict[str, int]:
        """Chunks containing each term, for the terms the store has seen (primary-key lookups)."""
        found = {}
        with milvus_errors(self.spec, "reading document frequencies"):
            for a in range(0, len(terms), 1000):
                rows = self.client.get(terms_collection(self.spec), ids=terms[a:a + 1000], output_fields=["df"])
                found.update((r["term"], int(r["df"])) for r in rows)
        return found

    def chunk_counts(self) -> dict[str, int]:
        return dict(self.documents.chunk_counts)

    def describe(self) -> str:
        return f"Milvus store {self.spec} ({len(self.documents)} documents, {len(self.chunks)} chunks)"
