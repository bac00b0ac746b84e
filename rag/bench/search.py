"""``rag bench search``: hybrid search from 10k to 1M chunks, ours beside a LangChain peer.

Corpora are made from the CMRC2018 + DRCD dev paragraphs: every paragraph once (so
every bench question keeps its gold paragraph), then perturbed copies (one Han
character in ten replaced, drawn from the corpus's own character frequencies) until
the size is reached. Embedding a million passages would take this machine a day,
so only the source chunks get real e5-small vectors; a copy's vector is its source
chunk's plus Gaussian noise scaled so that its cosine to the source equals what the
real embedder gives real perturbed copies (measured at the start of each run).
Questions are real, and so are their embeddings, made live inside every ask.

Each size runs in fresh processes, so each figure is that stage's own: the build,
then loading and asking (peak RSS, load time, latency per stage, hit@5, dense
recall@10 against exact search), then the peer (rag/bench/peer.py) over the same chunks
and vectors.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.bench.common import hit_rates, in_fresh_process, peak_rss_mb, percentiles, time_asks
from rag.bench.corpus import calibrate_noise, load_sources, make_corpus, synthesize_vectors
from rag.embed.base import DEFAULT_EMBEDDER

# ---------------------------------------------------------------- workers (each in a fresh process)

def build_worker(work: str, size: int, seed: int, sigma: float, flat_below: int | None) -> dict:
    """Build and save the corpus of ``size`` chunks in ``work``; build time per stage, disk, memory."""
    from rag.stores.base import IndexSettings
    from rag.stores.local.folder import save_index
    from rag.stores.local.index import build_stages
    w = Path(work)
    saved = json.loads((w / "args.json").read_text(encoding="utf-8"))
    kept = set(saved["kept"])
    sources = [d for d in load_sources(saved["bench_dir"], saved["sources"])[0] if d.name in kept]
    per_source = np.load(w / "chunks_per_source.npy")
    source_vectors = np.split(np.load(w / "source_vectors.npy"), np.cumsum(per_source)[:-1])
    docs, origin, is_copy = make_corpus(sources, per_source, size, seed)

    def synthesized(prepared):
        vectors = synthesize_vectors(source_vectors, origin, is_copy, prepared, sigma, seed)
        return vectors, 0

    index, prepared, stages, _ = build_stages(docs, IndexSettings(), DEFAULT_EMBEDDER, source_vectors[0].shape[1],
                                              synthesized, flat_below=flat_below)
    del stages["embed"]   # synthesizing vectors stands in for embedding, which the targets exclude
    t0 = time.perf_counter()
    build = save_index(index, w / f"index-{size}")
    stages["save"] = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in build.iterdir())
    return {"chunks": len(prepared.chunks), "documents": len(prepared.documents),
            "build_s": round(sum(stages.values()), 1), "build_stages_s": {k: round(v, 1) for k, v in stages.items()},
            "disk_mb": round(disk / 2**20, 1), "vector_index": index.dense.plan.to_json(),
            "build_rss_mb": round(peak_rss_mb())}


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
    index.dense.threads = search_threads
    totals, stages, hits = time_asks(Searcher(index, embedder), questions)
    rss = peak_rss_mb()   # before the recall check below, which loads every vector
    recall, exact_ms = dense_recall(index, embedder, [q["question"] for q in questions])
    p50, p95 = percentiles(totals)
    return {"load_s": round(load_s, 2), "ask_ms_p50": p50, "ask_ms_p95": p95, "rss_mb": round(rss),
            "stage_ms_p50": {s: percentiles(v)[0] for s, v in stages.items() if s != "total"},
            "stage_ms_p95": {s: percentiles(v)[1] for s, v in stages.items() if s != "total"},
            **hit_rates(hits), "hits": hits,
            "recall@10": recall, "exact_dense_ms_p50": exact_ms}


def exact_neighbours(vectors, dim: int, queries: np.ndarray, k: int = 10):
    """Flat index over every vector (read in blocks), and each query's exact top-k ids."""
    import faiss
    exact = faiss.IndexFlatIP(dim)
    for a in range(0, len(vectors), 100_000):
        exact.add(np.ascontiguousarray(vectors[a:a + 100_000], dtype=np.float32))
    return exact, exact.search(queries, k)[1]


def recall_at_10(search, queries: np.ndarray, truth: np.ndarray, pool: int = 10) -> tuple[float, list[float]]:
    """Share of the exact top 10 that ``search`` (a VectorSearch asked for ``pool``) finds in its
    top 10, and each search's milliseconds."""
    found, times = [], []
    for q, t in zip(queries, truth):
        t0 = time.perf_counter()
        ids = search.search(q, pool)[1]
        times.append((time.perf_counter() - t0) * 1000)
        found.append(len(set(ids[:10].tolist()) & set(t.tolist())) / 10)
    return float(np.mean(found)), times


def dense_recall(index, embedder, questions: list[str]) -> tuple[float, float]:
    """Recall@10 of the index's dense search against exact search, and exact search's latency."""
    from rag.stores.local.ann import search_threads
    qvecs = np.ascontiguousarray(embedder.embed_queries(questions), dtype=np.float32)
    exact, truth = exact_neighbours(index.vectors, index.dim, qvecs)
    times = []
    with search_threads():   # as a query runs
        for q in qvecs[:20]:
            t0 = time.perf_counter()
            exact.search(q[None, :], 10)
            times.append((time.perf_counter() - t0) * 1000)
    return round(recall_at_10(index.dense, qvecs, truth)[0], 4), percentiles(times)[0]


# ---------------------------------------------------------------- the run

def _source_vectors(sources, embedder, settings):
    """Real vectors of every source chunk (embedding cache shared with rag eval and rag bench)."""
    from rag.embed.cache import EmbeddingCache, embed_chunks, shared_cache_dir
    from rag.ingest.prepare import prepare
    prepared = prepare(sources, settings.chunking)
    print(f"source corpus: {len(prepared.documents)} paragraphs, {len(prepared.chunks)} chunks "
          "(embedding those not cached yet)", file=sys.stderr, flush=True)
    cache = EmbeddingCache(shared_cache_dir(), embedder.name, embedder.dim)
    vectors, embedded = embed_chunks(prepared.chunks, embedder, cache, progress=True)
    cache.save()
    return prepared, vectors, embedded


def setup_work(work: Path, bench_dir, sources: int = 0, seed: int = 0, questions: int = 200) -> dict:
    """The work folder every worker reads: the sources kept (the first ``sources`` paragraphs of
    each set; 0 = all), their chunks' real vectors and ``questions`` sampled with ``seed``;
    returns what the run reports about them (noise, embedder speed)."""
    n_sources, n_questions = sources, questions
    from rag.embed.registry import get_embedder
    from rag.stores.base import IndexSettings
    embedder, settings = get_embedder(DEFAULT_EMBEDDER), IndexSettings()
    all_sources, all_questions = load_sources(bench_dir, n_sources)
    prepared, flat, embedded = _source_vectors(all_sources, embedder, settings)
    sources = [d.document for d in prepared.documents.values()]  # duplicates and empty paragraphs dropped
    counts = prepared.chunk_counts()
    per_source = np.array([counts[d.name] for d in sources])
    source_vectors = np.split(flat, np.cumsum(per_source)[:-1])
    t0 = time.perf_counter()
    embedder.embed_passages([c.search_text for c in prepared.chunks[:64]])
    passages_per_s = 64 / (time.perf_counter() - t0)
    noise = calibrate_noise(sources, source_vectors, embedder, settings, seed)
    kept = {d.name for d in sources}
    rng = np.random.default_rng(seed)
    asked = [all_questions[i] for i in rng.permutation(len(all_questions)) if all_questions[i].doc in kept]
    asked = [{"question": q.question, "doc": q.doc} for q in asked[:n_questions]]
    print(f"noise: copies' cosine to their source {noise['cosine_mean']:.4f} (sigma {noise['sigma']:.5f}); "
          f"e5-small embeds {passages_per_s:.1f} chunks/s here, so 1M chunks would take "
          f"{1e6 / passages_per_s / 3600:.0f} h", file=sys.stderr, flush=True)
    work.mkdir(parents=True, exist_ok=True)
    (work / "args.json").write_text(json.dumps({"bench_dir": str(bench_dir), "sources": n_sources,
                                                "kept": [d.name for d in sources]}), encoding="utf-8")
    np.save(work / "chunks_per_source.npy", per_source)
    np.save(work / "source_vectors.npy", flat)
    (work / "questions.json").write_text(json.dumps(asked, ensure_ascii=False), encoding="utf-8")
    return {"questions": len(asked), "noise": noise,
            "embedder": {"name": embedder.name, "passages_per_s": round(passages_per_s, 1),
                         "source_chunks_embedded_now": embedded}}


def run(bench_dir, sizes=(10_000, 100_000, 1_000_000), questions: int = 200, peer_questions: int = 50,
        with_peer: bool = True, seed: int = 0, flat_below: int | None = None, sources: int = 0,
        out: Path | None = None, work: Path | None = None) -> dict:
    """Build, load and ask an index of each size in fresh processes, and the LangChain peer
    over the same chunks; ``out`` gets bench-search.json and .png, ``work`` keeps the corpora."""
    from rag.bench import peer
    keep = work is not None
    work = Path(work or tempfile.mkdtemp(prefix="rag-bench-search-"))
    result = {"sizes": {}, "peer": {}, **setup_work(work, bench_dir, sources, seed, questions)}
    noise = result["noise"]
    peer_ready = with_peer and peer.available()
    if with_peer and not peer_ready:
        print(f"peer skipped: {peer.INSTALL_HINT}", file=sys.stderr)
    try:
        for size in sizes:
            ours = in_fresh_process(build_worker, str(work), size, seed, noise["sigma"], flat_below)
            print(f"{size}: built {ours['chunks']} chunks in {ours['build_s']} s {ours['build_stages_s']}, "
                  f"{ours['disk_mb']} MB, {ours['vector_index']['kind']}", file=sys.stderr, flush=True)
            ours.update(in_fresh_process(ask_worker, str(work), size))
            hits = ours.pop("hits")
            print(f"{size}: load {ours['load_s']} s, ask p50 {ours['ask_ms_p50']} ms p95 {ours['ask_ms_p95']} ms, "
                  f"RSS {ours['rss_mb']} MB, hit@5 {ours['hit@5']} (any copy {ours['hit@5_any_copy']}), "
                  f"dense recall@10 {ours['recall@10']}",
                  file=sys.stderr, flush=True)
            result["sizes"][str(size)] = ours
            if peer_ready:
                theirs = in_fresh_process(peer.peer_worker, str(work), size, peer_questions)
                theirs["ratio"] = round(theirs["ask_ms_p50"] / ours["ask_ms_p50"], 1)
                theirs["ours_same_questions"] = hit_rates(hits[:peer_questions])
                result["peer"][str(size)] = theirs
                print(f"{size}: peer ask p50 {theirs['ask_ms_p50']} ms (ours {ours['ask_ms_p50']} ms: "
                      f"{theirs['ratio']}x), peer hit@5 {theirs['hit@5']} (any copy {theirs['hit@5_any_copy']}) "
                      f"vs ours {theirs['ours_same_questions']}", file=sys.stderr, flush=True)
            shutil.rmtree(work / f"index-{size}", ignore_errors=True)
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)
    if out:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "bench-search.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
        plot(result, out / "bench-search.png")
        print(f"wrote {out / 'bench-search.json'} and {out / 'bench-search.png'}", file=sys.stderr)
    return result


def plot(result: dict, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for label, series, marker in (("ours (hybrid ask)", result["sizes"], "o"),
                                  ("LangChain EnsembleRetriever", result["peer"], "s")):
        sizes = sorted(series, key=int)
        if sizes:
            ax.plot([series[s].get("chunks", int(s)) for s in sizes], [series[s]["ask_ms_p50"] for s in sizes],
                    marker=marker, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("chunks in the index")
    ax.set_ylabel("ask latency p50 (ms, query embedding included)")
    ax.set_title("Hybrid search latency against corpus size (2 CPU cores)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
