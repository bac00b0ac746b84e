"""Ask latency of the local store and Milvus Lite over the same corpus, by size.

    python3 eval/milvus_latency.py [--sizes 10000,50000] [--questions 200]

It runs on whichever Milvus Lite is installed (printed): Milvus Lite 3 (Python) or, from a venv
with milvus-lite 2.5.1, Milvus 2.5's C++ engine (.ci/run makes such a venv).

Corpora are the ones `rag bench search` makes (bench paragraphs plus perturbed copies, with
synthesized vectors for the copies: rag/bench/corpus.py). The vectors reach Milvus through a
pre-filled embedding cache, so neither store embeds a passage; the questions are embedded
live, as in `rag ask`. Each size runs in a fresh process: the local store is timed first,
then Milvus Lite is filled and timed (it runs inside the process and keeps sealing and
indexing after an insert, which would slow whatever runs beside it). The figures are p50 /
p95 of the whole ask (retrieval and answer) in hybrid mode, and p50 per stage.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(searcher, questions: list[dict]) -> dict:
    from rag.bench.common import hit_rates, percentiles, time_asks

    totals, stages, hits = time_asks(searcher, questions)
    p50, p95 = percentiles(totals)
    return {"ask_ms_p50": p50, "ask_ms_p95": p95, **hit_rates(hits),
            "stage_ms_p50": {s: percentiles(v)[0] for s, v in stages.items() if s != "total"}}


def measure(work: str, bench_dir: str, size: int, sigma: float, seed: int, n_questions: int) -> dict:
    from importlib.metadata import version

    from rag.answer.retrieve import Searcher
    from rag.bench.corpus import load_sources, make_corpus, synthesize_vectors
    from rag.embed.cache import EmbeddingCache
    from rag.embed.registry import get_embedder
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import assemble
    from rag.stores.local.segment import build_segment
    from rag.stores.uri import parse_store, sync

    work = Path(work)
    embedder = get_embedder("e5-small")
    kept = set(json.loads((work / "args.json").read_text(encoding="utf-8"))["kept"])
    sources = [d for d in load_sources(bench_dir, 0)[0] if d.name in kept]
    per_source = np.load(work / "chunks_per_source.npy")
    source_vectors = np.split(np.load(work / "source_vectors.npy"), np.cumsum(per_source)[:-1])
    questions = json.loads((work / "questions.json").read_text(encoding="utf-8"))[:n_questions]
    docs, _, _ = make_corpus(sources, per_source, size, seed)
    rows, rng = {d.name: i for i, d in enumerate(sources)}, np.random.default_rng(seed + 1)

    def synthesized(prepared):
        return synthesize_vectors(source_vectors, rows, prepared, sigma, rng), 0

    segment, prepared, _, _ = build_segment(docs, IndexSettings(), synthesized)
    index = assemble(IndexSettings(), embedder.name, embedder.dim, [segment], [()])
    figures = {"chunks": len(prepared.chunks), "local": timed(Searcher(index, embedder), questions)}
    cache = EmbeddingCache(work / f"cache-{size}", embedder)
    for i, chunk in enumerate(prepared.chunks):
        cache.vectors[EmbeddingCache.key(cache.source, chunk.search_text)] = np.asarray(segment.vectors[i])
    cache.save()
    t0 = time.perf_counter()
    spec = parse_store(f"milvus:{work / f'milvus-{size}.db'}", "")
    store, report = sync(spec, docs, embedder, IndexSettings(), cache_dir=work / f"cache-{size}")
    figures["milvus_insert_s"] = round(time.perf_counter() - t0, 1)
    figures["milvus_dense_index"] = store.plan.kind
    figures["engine"] = f"milvus-lite {version('milvus-lite')}, pymilvus {version('pymilvus')}"
    if report.embedded:
        raise SystemExit(f"{report.embedded} chunks were embedded: the cache should have held them all")
    figures["milvus"] = timed(Searcher(store, embedder), questions)
    return figures


def main() -> int:
    from rag.bench.common import in_fresh_process
    from rag.bench.search import setup_work

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="rag-milvus-latency-"))
    setup = setup_work(work, args.bench_dir, seed=args.seed, questions=args.questions)
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        figures = in_fresh_process(measure, str(work), args.bench_dir, size, setup["noise"]["sigma"], args.seed,
                                    args.questions)
        print(json.dumps(figures, ensure_ascii=False), flush=True)
        rows.append(figures)
    print("\n" + (rows[0]["engine"] if rows else ""))
    print(f"{'chunks':>8} | {'local p50 / p95 ms':>20} | {'Milvus Lite p50 / p95 ms':>25} | ratio | "
          f"hit@5 any copy local / Milvus | Milvus insert s")
    for f in rows:
        local, milvus = f["local"], f["milvus"]
        print(f"{f['chunks']:>8} | {local['ask_ms_p50']:>9} / {local['ask_ms_p95']:<8} | "
              f"{milvus['ask_ms_p50']:>12} / {milvus['ask_ms_p95']:<10} | "
              f"{milvus['ask_ms_p50'] / local['ask_ms_p50']:.1f}x | "
              f"{local['hit@5_any_copy']} / {milvus['hit@5_any_copy']} | {f['milvus_insert_s']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
