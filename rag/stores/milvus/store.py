"""Searching a Milvus store (layout and manifest: rag/stores/milvus/client.py): chunks
ranked by Milvus's BM25 over this library's tokens, dense or hybrid search, documents read by
primary key for citations, and word weights from the store's own document-frequency table."""
from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from rag.errors import IndexError_
from rag.ingest.chunking import Chunk
from rag.ingest.clean import CleanDocument
from rag.stores.base import Hit, RankQuery, StoreSpec, fuse, weighted_tokens, word_weight
from rag.stores.documents import LazyDocuments, document_from_row
from rag.stores.milvus.client import (
    CHUNK_FIELDS,
    DF_CACHE,
    bm25_terms,
    check_manifest,
    filter_literal,
    connect,
    document_key,
    documents_collection,
    milvus_errors,
    read_manifest,
    settings_from_manifest,
    terms_collection,
)
from rag.stores.plan import VectorPlan
from rag.text.tokens import get_tokenizer


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


def _chunk(chunk_id: int, row: dict) -> Chunk:
    return Chunk(chunk_id, row["doc"], row["section"], *(int(row[f]) for f in CHUNK_FIELDS[2:8]), row["text"])


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
        """The ``query.k`` best chunks by Milvus's BM25, dense search, or both fused here as the
        local store fuses them (min-max over the candidate pool, stores.base.fuse): Milvus's own
        ``WeightedRanker`` maps scores through arctan, and Milvus 2.5's C++ engine treats BM25
        there as a distance (a better match scores lower), so its hybrid ranking is not used."""
        mode, k, pool, qvec = query.mode, query.k, query.pool, query.vector
        where = ""
        if query.documents is not None:
            if not query.documents:
                return []
            where = "doc in [" + ", ".join(filter_literal(n) for n in sorted(query.documents)) + "]"
        if not query.tokens:   # nothing for BM25 to match (a question of question words only)
            if mode == "bm25":
                return []
            mode = "dense" if mode == "hybrid" else mode
        with milvus_errors(self.spec, "searching"):
            if mode != "hybrid":
                found = self._search(mode, query, k, where, CHUNK_FIELDS)
                clock("milvus")
                hits = [Hit(_chunk(i, row), s, s if mode == "bm25" else 0.0, s if mode == "dense" else 0.0)
                        for i, s, row in found]
                clock("fusion")
                return hits
            by_dense = self._search("dense", query, pool, where, CHUNK_FIELDS)
            by_bm25 = self._search("bm25", query, pool, where, CHUNK_FIELDS + ["dense"])
            clock("milvus")
            rows = {i: row for i, _, row in by_dense + by_bm25}
            bm25 = {i: s for i, s, _ in by_bm25}
            dense = {i: s for i, s, _ in by_dense}
            dense.update((i, float(np.asarray(row["dense"], np.float32) @ qvec)) for i, _, row in by_bm25
                         if i not in dense)
            # the BM25 scores of dense-only candidates, so that fusion sees both scores of every candidate
            unscored = sorted(set(dense) - set(bm25))
            if unscored:
                only = "id in [" + ", ".join(map(str, unscored)) + "]"
                bm25.update((i, s) for i, s, _ in self._search("bm25", query, len(unscored), only, ["doc"]))
            clock("milvus_bm25")
        ids = np.asarray(sorted(rows), dtype=np.int64)
        bm25_scores = np.asarray([bm25.get(i, 0.0) for i in ids.tolist()])   # 0: no query word in the chunk
        dense_scores = np.asarray([dense[i] for i in ids.tolist()])
        ranking = fuse(bm25_scores, dense_scores, query.dense_weight)
        order = np.lexsort((ids, -ranking))[:k]
        hits = [Hit(_chunk(int(ids[i]), rows[int(ids[i])]), float(ranking[i]), float(bm25_scores[i]),
                    float(dense_scores[i])) for i in order]
        clock("fusion")
        return hits

    def _search(self, mode: str, query: RankQuery, limit: int, where: str, fields: list[str]):
        """(chunk id, score, row of ``fields``) for the ``limit`` best chunks by BM25 or cosine, best first."""
        if mode == "dense":
            data, field = [query.vector.tolist()], "dense"
            params = {"metric_type": "COSINE", "params": {"nprobe": self.plan.probe} if self.plan.probe else {}}
        else:
            data, field, params = [" ".join(bm25_terms(query.tokens))], "sparse", {"metric_type": "BM25"}
        result = self.client.search(self.spec.collection, data=data, anns_field=field, search_params=params,
                                    limit=limit, output_fields=fields, filter=where)[0]
        # Milvus Lite 3 reports BM25 as a negative distance, Milvus 2.5 as a positive score
        return [(int(hit["id"]), abs(float(hit["distance"])) if mode == "bm25" else float(hit["distance"]),
                 hit["entity"]) for hit in result]

    def word_weights(self, words: list[str]) -> np.ndarray:
        """As the local store's, with document frequencies from the terms collection (Milvus
        does not expose its BM25 statistics)."""
        tokenize = get_tokenizer(self.settings.tokenizer)
        per_word = [bm25_terms(weighted_tokens(tokenize(word), word)) for word in words]
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
