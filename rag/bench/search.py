"""``rag bench search``: hybrid search from 10k to 1M chunks, ours beside two peers.

Corpora are made from the CMRC2018 + DRCD dev paragraphs: every paragraph once (so
every bench question keeps its gold paragraph), then perturbed copies (one Han
character in ten replaced, drawn from the corpus's own character frequencies) until
the size is reached. Embedding a million passages would take this machine a day,
so only the source chunks get real e5-small vectors; a copy's vector is its source
chunk's plus Gaussian noise scaled so that its cosine to the source equals what the
real embedder gives real perturbed copies (measured at the start of each run).
Questions are real, and so are their embeddings, made live inside every ask.

Each size runs in fresh processes (rag/bench/workers.py), so each figure is that stage's
own: the build, streamed into segments as ``rag index`` does (time, peak RSS); loading and
asking (peak RSS, load time, latency per stage, hit@5, dense recall@10 against exact
search); adding and deleting one report and merging everything into one segment; asking
again; then the peers over the same chunks and vectors: LangChain's EnsembleRetriever
(rag/bench/peer.py) and bm25s + FAISS HNSW (rag/bench/peer_bm25s.py).
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from rag.bench.common import hit_rates, in_fresh_process
from rag.bench.corpus import calibrate_noise, load_sources
from rag.embed.base import DEFAULT_EMBEDDER
from rag.errors import ConfigError

def _source_vectors(sources, embedder, settings):
    """Real vectors of every source chunk (embedding cache shared with rag eval and rag bench)."""
    from rag.embed.cache import EmbeddingCache, embed_chunks, shared_cache_dir
    from rag.ingest.prepare import prepare
    prepared = prepare(sources, settings.chunking)
    print(f"source corpus: {len(prepared.documents)} paragraphs, {len(prepared.chunks)} chunks "
          "(embedding those not cached yet)", file=sys.stderr, flush=True)
    cache = EmbeddingCache(shared_cache_dir(), embedder)
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


PEERS = ("langchain", "bm25s_hnsw")


def run(bench_dir, sizes=(10_000, 100_000, 1_000_000), questions: int = 200, peer_questions: int = 50,
        peers=PEERS, seed: int = 0, flat_below: int | None = None, sources: int = 0,
        out: Path | None = None, work: Path | None = None, segment_chunks: int | None = None) -> dict:
    """Per size, in fresh processes: build (streamed into segments), ask, add and delete a
    report, merge into one segment and ask again; then each peer in ``peers`` over the same
    chunks and vectors (``name`` or ``name:N``, run up to N chunks only: LangChain's takes
    ~25 min at 1M). ``segment_chunks`` sizes the build's segments (default: ``rag index``'s).
    ``out`` gets bench-search.json and .png, ``work`` keeps the corpora."""
    from rag.bench import peer, peer_bm25s
    from rag.bench.workers import ask_worker, build_worker, update_worker
    keep = work is not None
    work = Path(work or tempfile.mkdtemp(prefix="rag-bench-search-"))
    modules = {"langchain": peer, "bm25s_hnsw": peer_bm25s}
    try:
        limits = {p.partition(":")[0]: int(p.partition(":")[2] or 0) for p in peers}
    except ValueError:
        raise ConfigError(f"--peers takes NAME or NAME:CHUNKS, got {', '.join(peers)}") from None
    peers = list(limits)
    unknown = [p for p in peers if p not in modules]
    if unknown:
        raise ConfigError(f"unknown peer {', '.join(unknown)}; valid peers: {', '.join(PEERS)}")
    ready = []
    for name in peers:
        if modules[name].available():
            ready.append(name)
        else:
            print(f"peer {name} skipped: {modules[name].INSTALL_HINT}", file=sys.stderr)
    result = {"sizes": {}, "peers": {name: {} for name in peers}, **setup_work(work, bench_dir, sources, seed, questions)}
    noise = result["noise"]
    try:
        for size in sizes:
            ours = in_fresh_process(build_worker, str(work), size, seed, noise["sigma"], flat_below, segment_chunks)
            print(f"{size}: built {ours['chunks']} chunks in {ours['build_s']} s {ours['build_stages_s']}, "
                  f"{ours['segments']} segments, {ours['disk_mb']} MB, peak RSS {ours['build_rss_mb']} MB",
                  file=sys.stderr, flush=True)
            ours.update(in_fresh_process(ask_worker, str(work), size))
            hits = ours.pop("hits")
            print(f"{size}: load {ours['load_s']} s, ask p50 {ours['ask_ms_p50']} ms p95 {ours['ask_ms_p95']} ms "
                  f"(asked again {ours['asked_again']['ask_ms_p50']} / {ours['asked_again']['ask_ms_p95']} ms) "
                  f"over {ours['segments']} segments, RSS {ours['rss_mb']} MB, hit@5 {ours['hit@5']} "
                  f"(any copy {ours['hit@5_any_copy']}), dense recall@10 {ours['recall@10']}",
                  file=sys.stderr, flush=True)
            ours.update(in_fresh_process(update_worker, str(work), size, seed))
            print(f"{size}: add a {ours['added_chunks']}-chunk report {ours['add_s']} s, delete it {ours['delete_s']} s, "
                  f"merge into one segment {ours['merge_s']} s (peak RSS {ours['merge_rss_mb']} MB)",
                  file=sys.stderr, flush=True)
            optimized = in_fresh_process(ask_worker, str(work), size)
            optimized.pop("hits")
            ours["optimized"] = {k: optimized[k] for k in ("segments", "ask_ms_p50", "ask_ms_p95", "stage_ms_p50",
                                                           "asked_again", "hit@5", "hit@5_any_copy", "recall@10",
                                                           "rss_mb")}
            print(f"{size}: after --optimize ask p50 {optimized['ask_ms_p50']} ms p95 {optimized['ask_ms_p95']} ms "
                  f"(asked again {optimized['asked_again']['ask_ms_p50']} / {optimized['asked_again']['ask_ms_p95']} ms) "
                  f"({optimized['segments']} segment)", file=sys.stderr, flush=True)
            result["sizes"][str(size)] = ours
            for name in (p for p in ready if not limits[p] or size <= limits[p]):
                theirs = in_fresh_process(modules[name].peer_worker, str(work), size, peer_questions)
                theirs["ratio"] = round(theirs["ask_ms_p50"] / ours["ask_ms_p50"], 2)
                theirs["ratio_to_retrieval"] = round(theirs["ask_ms_p50"] / ours["retrieve_ms_p50"], 2)
                theirs["ours_same_questions"] = hit_rates(hits[:peer_questions])
                result["peers"][name][str(size)] = theirs
                print(f"{size}: {name} ask p50 {theirs['ask_ms_p50']} ms (ours {ours['ask_ms_p50']} ms: "
                      f"{theirs['ratio']}x; ours without answering {ours['retrieve_ms_p50']} ms: "
                      f"{theirs['ratio_to_retrieval']}x), hit@5 {theirs['hit@5']} (any copy {theirs['hit@5_any_copy']}) "
                      f"vs ours {theirs['ours_same_questions']}, RSS {theirs['rss_mb']} MB",
                      file=sys.stderr, flush=True)
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
                                  ("bm25s + FAISS HNSW", result["peers"].get("bm25s_hnsw", {}), "^"),
                                  ("LangChain EnsembleRetriever", result["peers"].get("langchain", {}), "s")):
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
