"""What the benchmarks share: fresh processes per measurement, peak memory, percentiles,
and the timed hybrid ask with its gold hits."""
from __future__ import annotations

import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import numpy as np

SETS = ("cmrc2018_dev", "drcd_dev")   # the bench sets in ../shared/bench (SOURCES.md)


def peak_rss_mb() -> float:
    """This process's peak resident memory so far: VmHWM, which starts afresh at exec, where
    ru_maxrss would still count the parent that spawned the worker (the embedding model's
    ~1.2 GB, at every size)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident memory now (VmRSS)."""
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))


class MemoryCurve:
    """Samples this process's resident memory every ``every_s`` seconds in a thread, as
    (seconds since start, MB): how a streamed build's memory grows, or does not."""

    def __init__(self, every_s: float = 2.0):
        import threading
        self.every_s, self.points, self._stop = every_s, [], threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        start = time.perf_counter()
        while not self._stop.is_set():
            self.points.append((round(time.perf_counter() - start, 1), round(rss_mb())))
            self._stop.wait(self.every_s)

    def __enter__(self) -> "MemoryCurve":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def in_fresh_process(fn, *args):
    """``fn(*args)`` in a new (spawned) process, so each figure is that stage's own."""
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def peer_inputs(work, size: int, n_questions: int):
    """What a peer of ``rag bench search`` is built and asked from: the first ``n_questions``,
    the live query embedder, and the chunks' search texts, documents and vectors of the index of
    ``size`` in ``work``."""
    import json
    from pathlib import Path

    from rag.embed.base import DEFAULT_EMBEDDER
    from rag.embed.registry import get_embedder
    from rag.stores.local.folder import load_index
    w = Path(work)
    questions = json.loads((w / "questions.json").read_text(encoding="utf-8"))[:n_questions]
    embedder = get_embedder(DEFAULT_EMBEDDER)
    index = load_index(w / f"index-{size}", embedder=embedder)
    chunks = list(index.chunks)
    return (questions, embedder, [c.search_text for c in chunks], [c.doc for c in chunks],
            index.vector(index.chunks.ids()))


def percentiles(values) -> tuple[float, float]:
    return round(float(np.percentile(values, 50)), 2), round(float(np.percentile(values, 95)), 2)


def time_asks(searcher, questions: list[dict]) -> tuple[list[float], dict, list]:
    """Each question asked in hybrid mode: whole-ask ms, ms per stage, and gold hits in the top 5."""
    from rag.answer.extract import ask
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


def gold_ranks(gold: str, docs: list[str]) -> tuple[bool, bool]:
    """Whether the gold paragraph, and whether it or one of its copies ("name~n"), is among ``docs``."""
    return gold in docs, any(d.split("~")[0] == gold for d in docs)


def hit_rates(hits: list[tuple[bool, bool]]) -> dict:
    """hit@5 counts the gold paragraph itself; hit@5_any_copy also a perturbed copy of it, which
    shares 90% of its text: at 1M chunks a paragraph has ~145 copies, and which of them ranks
    first is mostly noise for any retriever."""
    return {"hit@5": round(float(np.mean([h[0] for h in hits])), 3),
            "hit@5_any_copy": round(float(np.mean([h[1] for h in hits])), 3)}
