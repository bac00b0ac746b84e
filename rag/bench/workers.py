"""The workers of ``rag bench search``, each run in a fresh process so that each figure is that
stage's own: the streamed build, loading and asking, adding and deleting a report and
merging, and the dense-search checks they share (rag/bench/search.py runs them)."""
from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from rag.bench.common import MemoryCurve, hit_rates, peak_rss_mb, percentiles, time_asks
from rag.bench.corpus import corpus_documents, corpus_plan, load_sources, synthesize_vectors
from rag.embed.base import DEFAULT_EMBEDDER

DIM = 384   # e5-small's

class SynthesizedEmbedder:
    """Stands in for e5-small where the benchmark excludes embedding (building, adding a
    report): its name and size, and unit vectors drawn at random."""

    def __init__(self, name: str, dim: int, seed: int = 0):
        self.name, self.dim, self.rng = name, dim, np.random.default_rng(seed)

    def embed_passages(self, texts) -> np.ndarray:
        v = self.rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    embed_queries = embed_passages


def _work(work: str):
    w = Path(work)
    saved = json.loads((w / "args.json").read_text(encoding="utf-8"))
    kept = set(saved["kept"])
    sources = [d for d in load_sources(saved["bench_dir"], saved["sources"])[0] if d.name in kept]
    per_source = np.load(w / "chunks_per_source.npy")
    return w, sources, per_source, np.split(np.load(w / "source_vectors.npy"), np.cumsum(per_source)[:-1])


def build_worker(work: str, size: int, seed: int, sigma: float, flat_below: int | None,
                 segment_chunks: int | None = None) -> dict:
    """Build the corpus of ``size`` chunks into an index folder in ``work`` as ``rag index``
    does, streamed into segments (of about ``segment_chunks``; default ``rag index``'s); build
    time per stage, disk, peak memory, segments."""
    from rag.stores.base import IndexSettings
    from rag.stores.local.commit import SEGMENT_CHUNKS, sync_local
    w, sources, per_source, source_vectors = _work(work)
    rows = {d.name: i for i, d in enumerate(sources)}
    rng = np.random.default_rng(seed + 1)

    def synthesized(prepared):
        return synthesize_vectors(source_vectors, rows, prepared, sigma, rng), 0

    t0 = time.perf_counter()
    documents = corpus_documents(sources, corpus_plan(per_source, size, seed), seed)
    with MemoryCurve(every_s=max(1.0, size / 100_000)) as curve:
        store, report = sync_local(w / f"index-{size}", documents, SynthesizedEmbedder(DEFAULT_EMBEDDER, DIM),
                                   IndexSettings(), vectors_for=synthesized, flat_below=flat_below,
                                   segment_chunks=segment_chunks or SEGMENT_CHUNKS)
    total = time.perf_counter() - t0
    stages = {k: round(v, 1) for k, v in report.stage_seconds.items() if k != "embed"}   # synthesized: excluded
    stages["save_and_merge"] = round(total - sum(report.stage_seconds.values()), 1)
    disk = sum(p.stat().st_size for p in (w / f"index-{size}").rglob("*") if p.is_file() and "cache" not in p.parts)
    plans = sorted({json.dumps(s.dense.plan.to_json()) for s in store.index.segments})
    return {"chunks": report.chunks, "documents": report.documents,
            "build_s": round(total - report.stage_seconds.get("embed", 0.0), 1), "build_stages_s": stages,
            "disk_mb": round(disk / 2**20, 1), "vector_index": [json.loads(p) for p in plans],
            "segments": len(store.index.segments), "build_rss_mb": round(peak_rss_mb()),
            "build_rss_curve": curve.points}


def ask_worker(work: str, size: int, search_threads: int | None = None) -> dict:
    """Load the built index of ``size`` and ask every question: latency per stage, memory,
    hit@5, dense recall@10; faiss searches with ``search_threads`` (default: the product's)."""
    from rag.answer.retrieve import Searcher
    from rag.embed.registry import get_embedder
    from rag.stores.local.folder import load_index
    w = Path(work)
    questions = json.loads((w / "questions.json").read_text(encoding="utf-8"))
    embedder = get_embedder(DEFAULT_EMBEDDER)
    embedder.embed_queries(["预热"])
    t0 = time.perf_counter()
    index = load_index(w / f"index-{size}", embedder=embedder)
    load_s = time.perf_counter() - t0
    for segment in index.segments:
        segment.dense.threads = search_threads
    searcher = Searcher(index, embedder)
    totals, stages, hits = time_asks(searcher, questions)
    # the same questions again: postings and vectors then come from the page cache, as in a
    # server asked all day (this VM keeps little of what was written in its page cache)
    again = latency(*time_asks(searcher, questions)[:2])
    rss = peak_rss_mb()   # before the recall check below, which loads every vector
    recall, exact_ms = dense_recall(index, embedder, [q["question"] for q in questions])
    return {"load_s": round(load_s, 2), **latency(totals, stages), "rss_mb": round(rss),
            "stage_ms_p95": {s: percentiles(v)[1] for s, v in stages.items() if s != "total"},
            "asked_again": again, "segments": len(index.segments), **hit_rates(hits), "hits": hits,
            "recall@10": recall, "exact_dense_ms_p50": exact_ms}


def latency(totals: list[float], stages: dict) -> dict:
    """Whole-ask and retrieval-only percentiles (what the peers do: no answer extraction), and
    each stage's median."""
    retrieval = [t - a for t, a in zip(totals, stages["answer"])]
    return {"ask_ms_p50": percentiles(totals)[0], "ask_ms_p95": percentiles(totals)[1],
            "retrieve_ms_p50": percentiles(retrieval)[0], "retrieve_ms_p95": percentiles(retrieval)[1],
            "stage_ms_p50": {s: percentiles(v)[0] for s, v in stages.items() if s != "total"}}


def update_worker(work: str, size: int, seed: int) -> dict:
    """Add one ~50-chunk report to the index of ``size`` and delete it again, as the page does
    (its embedding excluded: a stand-in embedder), then merge every segment into one as
    ``rag index --optimize`` does; seconds for each, and the merge's peak memory."""
    from rag.ingest.documents import Document
    from rag.ingest.prepare import prepare
    from rag.stores.local.commit import add_local, merge_local, open_local, remove_local
    w, sources, _, _ = _work(work)
    root = w / f"index-{size}"
    embedder = SynthesizedEmbedder(DEFAULT_EMBEDDER, DIM, seed)
    rng = np.random.default_rng(seed + 3)
    picked = rng.choice(len(sources), 16, replace=False)
    text = "\n".join(sources[int(i)].text for i in picked[:15])
    report = Document("新增报告.txt", "bench#新增报告.txt", text, "utf-8", f"{seed:064x}")
    store = open_local(root, embedder)
    # a served index's process has cleaned a report before: first-call costs (place tables, jieba) apart
    t0 = time.perf_counter()
    prepare([sources[int(picked[15])]], store.settings.chunking)
    warm_up_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store, added = add_local(store, [report], embedder, root / "cache")
    add_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    store, _ = remove_local(store, [report.name], embedder)
    delete_s = time.perf_counter() - t0
    before = peak_rss_mb()
    t0 = time.perf_counter()
    merged = merge_local(store, embedder, everything=True) or store
    return {"add_s": round(add_s, 3), "added_chunks": added.chunks - len(store.chunks),
            "first_clean_s": round(warm_up_s, 2),
            "add_stages_s": {k: round(v, 3) for k, v in added.stage_seconds.items()},
            "delete_s": round(delete_s, 3), "merge_s": round(time.perf_counter() - t0, 1),
            "merge_rss_mb": round(max(before, peak_rss_mb())), "segments_after_merge": len(merged.index.segments)}


def exact_neighbours(vectors, dim: int, queries: np.ndarray, k: int = 10):
    """Flat index over every vector (read in blocks), and each query's exact top-k ids."""
    import faiss
    exact = faiss.IndexFlatIP(dim)
    for a in range(0, len(vectors), 100_000):
        exact.add(np.ascontiguousarray(vectors[a:a + 100_000], dtype=np.float32))
    return exact, exact.search(queries, k)[1]


def recall_at_10(search, queries: np.ndarray, truth: np.ndarray, pool: int = 10) -> tuple[float, list[float]]:
    """Share of the exact top 10 that ``search(query, pool)`` finds in its top 10, and each
    search's milliseconds."""
    found, times = [], []
    for q, t in zip(queries, truth):
        t0 = time.perf_counter()
        ids = search(q, pool)[1]
        times.append((time.perf_counter() - t0) * 1000)
        found.append(len(set(ids[:10].tolist()) & set(t.tolist())) / 10)
    return float(np.mean(found)), times


def dense_recall(index, embedder, questions: list[str]) -> tuple[float, float]:
    """Recall@10 of the index's dense search against exact search, and exact search's latency
    (chunk ids index-wide: the benchmark deletes nothing before asking)."""
    from rag.stores.local.ann import search_threads
    qvecs = np.ascontiguousarray(embedder.embed_queries(questions), dtype=np.float32)
    exact, truth = exact_neighbours(_AllVectors(index), index.dim, qvecs)
    times = []
    with search_threads():   # as a query runs
        for q in qvecs[:20]:
            t0 = time.perf_counter()
            exact.search(q[None, :], 10)
            times.append((time.perf_counter() - t0) * 1000)
    from rag.stores.local.store import nearest
    search = lambda q, k: nearest(index, q, k)[::-1]   # noqa: E731 (cosines, ids) as recall_at_10 reads them
    return round(recall_at_10(search, qvecs, truth)[0], 4), percentiles(times)[0]


class _AllVectors:
    """Every segment's vectors in index-wide chunk order, sliced as one array."""

    def __init__(self, index):
        self.index = index

    def __len__(self) -> int:
        return sum(len(s) for s in self.index.segments)

    def __getitem__(self, key: slice) -> np.ndarray:
        return self.index.vector(np.arange(*key.indices(len(self))))


