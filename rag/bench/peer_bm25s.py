"""The stronger peer of ``rag bench search``: what a skilled engineer assembles from libraries.
bm25s (BM25 as a sparse matrix, scored with numpy) over jieba words, and a FAISS HNSW
graph (32 links, efSearch 128) over the very vectors of our index, each query embedded live
by the same e5-small, the two fused exactly as ours are (min-max weights over the union
of each side's 50 best). Only the benchmark needs it: pip install -e ".[peer]".
"""
from __future__ import annotations

import time
from multiprocessing import get_context

import numpy as np

INSTALL_HINT = 'the bm25s peer is not installed; install it with: pip install -e ".[peer]"'
HNSW_LINKS, EF_CONSTRUCTION, EF_SEARCH = 32, 80, 128


def available() -> bool:
    try:
        import bm25s  # noqa: F401
        import jieba  # noqa: F401
    except ImportError:
        return False
    return True


def build_peer(texts: list[str], vectors: np.ndarray):
    """(bm25s retriever, HNSW index) over the chunks' texts and vectors."""
    import bm25s
    import faiss

    from rag.bench.peer import jieba_cut
    with get_context("fork").Pool(2) as pool:   # jieba is the slow part of the build, as for LangChain's
        tokenized = pool.map(jieba_cut, texts, chunksize=2000)
    retriever = bm25s.BM25()
    retriever.index(tokenized, show_progress=False)
    del tokenized
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = EF_CONSTRUCTION
    for a in range(0, len(vectors), 100_000):
        hnsw.add(np.ascontiguousarray(vectors[a:a + 100_000], dtype=np.float32))
    hnsw.hnsw.efSearch = EF_SEARCH
    return retriever, hnsw


def ask_peer(retriever, hnsw, vectors: np.ndarray, embedder, question: str, pool: int, dense_weight: float,
             k: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """The k best chunk ids of a hybrid ask, and the HNSW's 10 nearest (for recall@10)."""
    import faiss

    from rag.bench.peer import jieba_cut
    from rag.stores.base import fuse
    qvec = embedder.embed_queries([question])[0].astype(np.float32)
    scores = retriever.get_scores(jieba_cut(question))
    part = np.argpartition(-scores, pool)[:pool]
    faiss.omp_set_num_threads(1)   # one query at a time, as ours runs
    _, dense_ids = hnsw.search(qvec[None, :], max(pool, 10))
    dense_ids = dense_ids[0][dense_ids[0] >= 0]
    ids = np.union1d(part, dense_ids[:pool])
    fused = fuse(scores[ids], vectors[ids] @ qvec, dense_weight)
    return ids[np.argsort(-fused, kind="stable")[:k]], dense_ids[:10]


def peer_worker(work: str, size: int, n_questions: int) -> dict:
    """Build the bm25s + HNSW peer over the index of ``size``; ask it the first ``n_questions``."""
    from rag.bench.common import gold_ranks, hit_rates, peak_rss_mb, peer_inputs, percentiles
    from rag.bench.workers import exact_neighbours
    from rag.stores.base import FusionSettings
    questions, embedder, texts, names, vectors = peer_inputs(work, size, n_questions)
    t0 = time.perf_counter()
    retriever, hnsw = build_peer(texts, vectors)
    build_s = time.perf_counter() - t0
    del texts
    settings = FusionSettings()
    for q in questions[:3]:
        ask_peer(retriever, hnsw, vectors, embedder, q["question"], settings.candidates, settings.dense_weight)
    times, hits, nearest = [], [], []
    for q in questions:
        t0 = time.perf_counter()
        best, dense10 = ask_peer(retriever, hnsw, vectors, embedder, q["question"], settings.candidates,
                                 settings.dense_weight)
        times.append((time.perf_counter() - t0) * 1000)
        hits.append(gold_ranks(q["doc"], [names[i] for i in best]))
        nearest.append(dense10)
    rss = peak_rss_mb()
    qvecs = np.ascontiguousarray(embedder.embed_queries([q["question"] for q in questions]), dtype=np.float32)
    _, truth = exact_neighbours(vectors, vectors.shape[1], qvecs)
    recall = float(np.mean([len(set(n.tolist()) & set(t.tolist())) / 10 for n, t in zip(nearest, truth)]))
    p50, p95 = percentiles(times)
    return {"ask_ms_p50": p50, "ask_ms_p95": p95, **hit_rates(hits), "recall@10": round(recall, 4),
            "questions": len(questions), "build_s": round(build_s, 1), "rss_mb": round(rss)}
