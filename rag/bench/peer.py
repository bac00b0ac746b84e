"""The peer of ``rag bench search``: what Chinese RAG projects such as Langchain-Chatchat
ship, LangChain's EnsembleRetriever (weights 0.6 / 0.4, its reciprocal-rank fusion)
over a BM25Retriever (rank-bm25 over jieba words) and a LangChain FAISS store (flat
inner product) holding the very vectors of our index, with the same e5-small
embedding each query live. Only the benchmark needs it: pip install -e ".[peer]".
"""
from __future__ import annotations

import time
from multiprocessing import get_context

import numpy as np

INSTALL_HINT = 'the LangChain peer is not installed; install it with: pip install -e ".[peer]"'


def available() -> bool:
    try:
        _ensemble_class()
        import langchain_community  # noqa: F401
    except ImportError:
        return False
    return True


def _ensemble_class():
    try:
        from langchain_classic.retrievers import EnsembleRetriever  # LangChain 1.x
    except ImportError:
        from langchain.retrievers import EnsembleRetriever  # LangChain 0.x
    return EnsembleRetriever


def jieba_cut(text: str) -> list[str]:
    import jieba
    jieba.setLogLevel(60)
    return jieba.lcut(text)


def _query_embeddings(embedder):
    """LangChain's Embeddings interface over our embedder."""
    from langchain_core.embeddings import Embeddings

    class QueryEmbeddings(Embeddings):
        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_queries([text])[0].tolist()

        def embed_documents(self, texts) -> list[list[float]]:
            return embedder.embed_passages(list(texts)).tolist()

    return QueryEmbeddings()


def build_peer(texts: list[str], names: list[str], vectors: np.ndarray, embedder, k: int = 5):
    import faiss
    from langchain_community.docstore.in_memory import InMemoryDocstore
    from langchain_community.retrievers import BM25Retriever
    from langchain_community.vectorstores import FAISS
    from langchain_community.vectorstores.utils import DistanceStrategy
    from langchain_core.documents import Document
    from rank_bm25 import BM25Okapi

    with get_context("fork").Pool(2) as pool:   # jieba is the slow part of the peer's build
        tokenized = pool.map(jieba_cut, texts, chunksize=2000)
    docs = [Document(page_content=t, metadata={"doc": n}, id=str(i)) for i, (t, n) in enumerate(zip(texts, names))]
    bm25 = BM25Retriever(vectorizer=BM25Okapi(tokenized), docs=docs, k=k, preprocess_func=jieba_cut)
    del tokenized
    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
    store = FAISS(_query_embeddings(embedder), flat, InMemoryDocstore({d.id: d for d in docs}),
                  {i: d.id for i, d in enumerate(docs)}, distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT)
    return _ensemble_class()(retrievers=[bm25, store.as_retriever(search_kwargs={"k": k})], weights=[0.6, 0.4])


def peer_worker(work: str, size: int, n_questions: int) -> dict:
    """Build the LangChain peer over the index of ``size`` and ask it the first ``n_questions``."""
    from rag.bench.common import gold_ranks, hit_rates, peak_rss_mb, peer_inputs, percentiles
    questions, embedder, texts, names, vectors = peer_inputs(work, size, n_questions)
    t0 = time.perf_counter()
    retriever = build_peer(texts, names, vectors, embedder)
    build_s = time.perf_counter() - t0
    del texts, names, vectors
    for q in questions[:3]:
        retriever.invoke(q["question"])
    times, hits = [], []
    for q in questions:
        t0 = time.perf_counter()
        docs = retriever.invoke(q["question"])
        times.append((time.perf_counter() - t0) * 1000)
        hits.append(gold_ranks(q["doc"], [d.metadata["doc"] for d in docs[:5]]))
    p50, p95 = percentiles(times)
    return {"ask_ms_p50": p50, "ask_ms_p95": p95, **hit_rates(hits),
            "questions": len(questions), "build_s": round(build_s, 1), "rss_mb": round(peak_rss_mb())}
