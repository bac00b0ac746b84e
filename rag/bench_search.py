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
recall@10 against exact search), then the peer (rag/peer.py) over the same chunks
and vectors.
"""
from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np

from .documents import Document

SETS = ("cmrc2018_dev", "drcd_dev")
PERTURB_SHARE = 0.1


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_fresh_process(fn, *args):
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _percentiles(values) -> tuple[float, float]:
    return round(float(np.percentile(values, 50)), 2), round(float(np.percentile(values, 95)), 2)


# ---------------------------------------------------------------- corpus

def load_sources(bench_dir: Path, per_set: int = 0):
    """Bench paragraphs (the first ``per_set`` of each set; 0 = all) and their questions."""
    from .squad import load_squad
    docs, questions = [], []
    for name in SETS:
        d, q = load_squad(Path(bench_dir) / f"{name}.json")
        d = d[:per_set] if per_set else d
        kept = {x.name for x in d}
        docs += d
        questions += [x for x in q if x.doc in kept]
    return docs, questions


def perturb(text: str, rng: np.random.Generator, alphabet: np.ndarray, weights: np.ndarray) -> str:
    """Replace PERTURB_SHARE of the Han characters by others of the corpus's frequency.
    Han for Han keeps every sentence end, so a copy chunks exactly like its source."""
    cps = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).copy()
    han = np.flatnonzero((cps >= 0x4E00) & (cps <= 0x9FFF))
    picked = han[rng.random(len(han)) < PERTURB_SHARE]
    cps[picked] = rng.choice(alphabet, size=len(picked), p=weights)
    return cps.tobytes().decode("utf-32-le")


def han_alphabet(docs) -> tuple[np.ndarray, np.ndarray]:
    cps = np.frombuffer("".join(d.text for d in docs).encode("utf-32-le"), dtype=np.uint32)
    values, counts = np.unique(cps[(cps >= 0x4E00) & (cps <= 0x9FFF)], return_counts=True)
    return values, counts / counts.sum()


def make_corpus(sources, chunks_per_source: np.ndarray, size: int, seed: int):
    """(documents, source row of each, whether each is a copy): every source once and perturbed
    copies up to ``size`` chunks, in random order. The order matters: a copy often ties with
    its source on BM25 (no replaced character touches the question's words), and both
    our ranking and rank-bm25's break ties by position, so sources first would favour ours."""
    import hashlib
    rng = np.random.default_rng(seed)
    alphabet, weights = han_alphabet(sources)
    docs, origin, total, copy = list(sources), list(range(len(sources))), int(chunks_per_source.sum()), 0
    order = rng.permutation(len(sources))
    while total < size:
        row = int(order[copy % len(sources)])
        text = perturb(sources[row].text, rng, alphabet, weights)
        name = f"{sources[row].name}~{copy // len(sources) + 1}"
        docs.append(Document(name, f"synthetic#{name}", text, "utf-8", hashlib.sha256(text.encode()).hexdigest()))
        origin.append(row)
        total += int(chunks_per_source[row])
        copy += 1
    shuffle = rng.permutation(len(docs))
    is_copy = shuffle >= len(sources)
    return [docs[i] for i in shuffle], np.asarray(origin, dtype=np.int64)[shuffle], is_copy


def noise_sigma(cosine: float, dim: int) -> float:
    """Per-dimension noise that gives a unit vector this expected cosine to its noisy copy:
    cos = 1 / sqrt(1 + dim * sigma^2)."""
    return float(np.sqrt((1 / cosine ** 2 - 1) / dim))


def synthesize_vectors(source_vectors: list[np.ndarray], doc_origin: np.ndarray, is_copy: np.ndarray, prepared,
                       sigma: float, seed: int) -> np.ndarray:
    """Real vectors for source chunks, noised copies of them for copies' chunks."""
    rng = np.random.default_rng(seed + 1)
    out = np.empty((len(prepared.chunks), source_vectors[0].shape[1]), dtype=np.float32)
    row_of = {name: i for i, name in enumerate(prepared.documents)}
    chunk_no, last_doc = 0, None
    for i, chunk in enumerate(prepared.chunks):
        chunk_no = chunk_no + 1 if chunk.doc == last_doc else 0
        last_doc = chunk.doc
        row = row_of[chunk.doc]
        src = source_vectors[doc_origin[row]]
        out[i] = src[min(chunk_no, len(src) - 1)]
        if is_copy[row]:
            out[i] += rng.normal(0, sigma, out.shape[1]).astype(np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


# ---------------------------------------------------------------- workers (each in a fresh process)

def build_worker(work: str, size: int, seed: int, sigma: float, flat_below: int | None) -> dict:
    from .index import IndexSettings, build_stages, save_index
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

    index, prepared, stages, _ = build_stages(docs, IndexSettings(), "e5-small", source_vectors[0].shape[1],
                                              synthesized, flat_below=flat_below)
    del stages["embed"]   # synthesizing vectors stands in for embedding, which the targets exclude
    t0 = time.perf_counter()
    build = save_index(index, w / f"index-{size}")
    stages["save"] = time.perf_counter() - t0
    disk = sum(p.stat().st_size for p in build.iterdir())
    return {"chunks": len(prepared.chunks), "documents": len(prepared.documents),
            "build_s": round(sum(stages.values()), 1), "build_stages_s": {k: round(v, 1) for k, v in stages.items()},
            "disk_mb": round(disk / 2**20, 1), "vector_index": index.dense.plan.to_json(),
            "build_rss_mb": round(_peak_rss_mb())}


def time_asks(searcher, questions: list[dict]) -> tuple[list[float], dict, list]:
    """Each question asked in hybrid mode: whole-ask ms, ms per stage, and gold hits in the top 5."""
    from .answer import ask
    for q in questions[:3]:  # warm-up: first-call costs (thread pools, page cache) are not per-query costs
        ask(searcher, q["question"])
    totals, stages, hits = [], {}, []
    for q in questions:
        t0 = time.perf_counter()
        answer = ask(searcher, q["question"], "hybrid", 5)
        totals.append((time.perf_counter() - t0) * 1000)
        for stage, ms in answer.timings_ms.items():
            stages.setdefault(stage, []).append(ms)
        hits.append(gold_ranks(q["doc"], [h.chunk.doc for h in answer.passages[:5]]))
    return totals, stages, hits


def ask_worker(work: str, size: int) -> dict:
    from .embedding import get_embedder
    from .index import load_index
    from .retrieve import Searcher
    w = Path(work)
    questions = json.loads((w / "questions.json").read_text(encoding="utf-8"))
    embedder = get_embedder("e5-small")
    embedder.embed_queries(["预热"])
    t0 = time.perf_counter()
    index = load_index(w / f"index-{size}", embedder=embedder)
    load_s = time.perf_counter() - t0
    totals, stages, hits = time_asks(Searcher(index, embedder), questions)
    rss = _peak_rss_mb()   # before the recall check below, which loads every vector
    recall, exact_ms = dense_recall(index, embedder, [q["question"] for q in questions])
    p50, p95 = _percentiles(totals)
    return {"load_s": round(load_s, 2), "ask_ms_p50": p50, "ask_ms_p95": p95, "rss_mb": round(rss),
            "stage_ms_p50": {s: _percentiles(v)[0] for s, v in stages.items() if s != "total"},
            "stage_ms_p95": {s: _percentiles(v)[1] for s, v in stages.items() if s != "total"},
            **hit_rates(hits), "hits": hits,
            "recall@10": recall, "exact_dense_ms_p50": exact_ms}


def gold_ranks(gold: str, docs: list[str]) -> tuple[bool, bool]:
    """Whether the gold paragraph, and whether it or one of its copies ("name~n"), is among ``docs``."""
    return gold in docs, any(d.split("~")[0] == gold for d in docs)


def hit_rates(hits: list[tuple[bool, bool]]) -> dict:
    """hit@5 counts the gold paragraph itself; hit@5_any_copy also a perturbed copy of it, which
    shares 90% of its text: at 1M chunks a paragraph has ~145 copies, and which of them ranks
    first is mostly noise for any retriever."""
    return {"hit@5": round(float(np.mean([h[0] for h in hits])), 3),
            "hit@5_any_copy": round(float(np.mean([h[1] for h in hits])), 3)}


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
    from .ann import search_threads
    qvecs = np.ascontiguousarray(embedder.embed_queries(questions), dtype=np.float32)
    exact, truth = exact_neighbours(index.vectors, index.dim, qvecs)
    times = []
    with search_threads():   # as a query runs
        for q in qvecs[:20]:
            t0 = time.perf_counter()
            exact.search(q[None, :], 10)
            times.append((time.perf_counter() - t0) * 1000)
    return round(recall_at_10(index.dense, qvecs, truth)[0], 4), _percentiles(times)[0]


# ---------------------------------------------------------------- the run

def _source_vectors(sources, embedder, settings):
    """Real vectors of every source chunk (embedding cache shared with rag eval and rag bench)."""
    from .embedding import EmbeddingCache, embed_chunks, shared_embedding_cache
    from .index import prepare
    prepared = prepare(sources, settings)
    print(f"source corpus: {len(prepared.documents)} paragraphs, {len(prepared.chunks)} chunks "
          "(embedding those not cached yet)", file=sys.stderr, flush=True)
    cache = EmbeddingCache(shared_embedding_cache(), embedder.name, embedder.dim)
    vectors, embedded = embed_chunks(prepared.chunks, embedder, cache, progress=True)
    cache.save()
    return prepared, vectors, embedded


def calibrate_noise(sources, source_vectors, embedder, settings, seed: int, sample: int = 32) -> dict:
    """Cosine between the real vectors of perturbed copies and their sources' chunks."""
    from .index import prepare
    rng = np.random.default_rng(seed + 2)
    alphabet, weights = han_alphabet(sources)
    rows = rng.choice(len(sources), sample, replace=False)
    copies = [Document(f"copy-{r}", "", perturb(sources[r].text, rng, alphabet, weights), "utf-8", f"h{r}")
              for r in rows]
    prepared = prepare(copies, settings)
    by_doc: dict[str, list] = {}
    for c in prepared.chunks:
        by_doc.setdefault(c.doc, []).append(c.search_text)
    cosines = []
    for r, copy in zip(rows, copies):
        vecs = embedder.embed_passages(by_doc.get(copy.name, []))
        src = source_vectors[r]
        cosines += [float(v @ src[min(j, len(src) - 1)]) for j, v in enumerate(vecs)]
    mean = float(np.mean(cosines))
    return {"copies": sample, "chunks": len(cosines), "cosine_mean": round(mean, 4),
            "sigma": noise_sigma(mean, source_vectors[0].shape[1])}


def setup_work(args, work: Path) -> dict:
    """The work folder every worker reads: the sources kept, their chunks' real vectors and
    the questions; returns what the run reports about them (noise, embedder speed)."""
    from .embedding import get_embedder
    from .index import IndexSettings
    embedder, settings = get_embedder("e5-small"), IndexSettings()
    all_sources, all_questions = load_sources(args.bench_dir, args.sources)
    prepared, flat, embedded = _source_vectors(all_sources, embedder, settings)
    sources = [d.document for d in prepared.documents.values()]  # duplicates and empty paragraphs dropped
    counts = prepared.chunk_counts()
    per_source = np.array([counts[d.name] for d in sources])
    source_vectors = np.split(flat, np.cumsum(per_source)[:-1])
    t0 = time.perf_counter()
    embedder.embed_passages([c.search_text for c in prepared.chunks[:64]])
    passages_per_s = 64 / (time.perf_counter() - t0)
    noise = calibrate_noise(sources, source_vectors, embedder, settings, args.seed)
    kept = {d.name for d in sources}
    rng = np.random.default_rng(args.seed)
    questions = [all_questions[i] for i in rng.permutation(len(all_questions)) if all_questions[i].doc in kept]
    questions = [{"question": q.question, "doc": q.doc} for q in questions[:args.questions]]
    print(f"noise: copies' cosine to their source {noise['cosine_mean']:.4f} (sigma {noise['sigma']:.5f}); "
          f"e5-small embeds {passages_per_s:.1f} chunks/s here, so 1M chunks would take "
          f"{1e6 / passages_per_s / 3600:.0f} h", file=sys.stderr, flush=True)
    work.mkdir(parents=True, exist_ok=True)
    (work / "args.json").write_text(json.dumps({"bench_dir": str(args.bench_dir), "sources": args.sources,
                                                "kept": [d.name for d in sources]}), encoding="utf-8")
    np.save(work / "chunks_per_source.npy", per_source)
    np.save(work / "source_vectors.npy", flat)
    (work / "questions.json").write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    return {"questions": len(questions), "noise": noise,
            "embedder": {"name": embedder.name, "passages_per_s": round(passages_per_s, 1),
                         "source_chunks_embedded_now": embedded}}


def run(args) -> dict:
    from . import peer
    sizes = [int(s) for s in args.sizes.split(",")]
    work = Path(args.work or tempfile.mkdtemp(prefix="rag-bench-search-"))
    result = {"sizes": {}, "peer": {}, **setup_work(args, work)}
    noise = result["noise"]
    peer_ready = not args.no_peer and peer.available()
    if not args.no_peer and not peer_ready:
        print(f"peer skipped: {peer.INSTALL_HINT}", file=sys.stderr)
    try:
        for size in sizes:
            ours = _in_fresh_process(build_worker, str(work), size, args.seed, noise["sigma"], args.flat_below)
            print(f"{size}: built {ours['chunks']} chunks in {ours['build_s']} s {ours['build_stages_s']}, "
                  f"{ours['disk_mb']} MB, {ours['vector_index']['kind']}", file=sys.stderr, flush=True)
            ours.update(_in_fresh_process(ask_worker, str(work), size))
            hits = ours.pop("hits")
            print(f"{size}: load {ours['load_s']} s, ask p50 {ours['ask_ms_p50']} ms p95 {ours['ask_ms_p95']} ms, "
                  f"RSS {ours['rss_mb']} MB, hit@5 {ours['hit@5']} (any copy {ours['hit@5_any_copy']}), "
                  f"dense recall@10 {ours['recall@10']}",
                  file=sys.stderr, flush=True)
            result["sizes"][str(size)] = ours
            if peer_ready:
                theirs = _in_fresh_process(peer.peer_worker, str(work), size, args.peer_questions)
                theirs["ratio"] = round(theirs["ask_ms_p50"] / ours["ask_ms_p50"], 1)
                theirs["ours_same_questions"] = hit_rates(hits[:args.peer_questions])
                result["peer"][str(size)] = theirs
                print(f"{size}: peer ask p50 {theirs['ask_ms_p50']} ms (ours {ours['ask_ms_p50']} ms: "
                      f"{theirs['ratio']}x), peer hit@5 {theirs['hit@5']} (any copy {theirs['hit@5_any_copy']}) "
                      f"vs ours {theirs['ours_same_questions']}", file=sys.stderr, flush=True)
            shutil.rmtree(work / f"index-{size}", ignore_errors=True)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if args.out:
        out = Path(args.out)
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
