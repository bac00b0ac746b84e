"""What a query costs when its index is not in the page cache: the `rag bench search` corpus of
``--size`` chunks (streamed into segments as `rag index` streams a folder), and per round the
page cache dropped, the index loaded and the 200 questions asked twice, cold then warm.

    python3 eval/cold_cache.py [--size 1000000] [--work DIR] [--rounds 2]

Dropping the cache writes /proc/sys/vm/drop_caches, so it needs root. It is dropped before the
asking process imports anything, as when a server starts on an index that is not cached (dropped
later, it would also evict the libraries' code pages, which a running server keeps). With
``--work`` the built index is kept there and reused, so that two checkouts (before and after a
change) can be timed in turn on the same index: copy this file into the other checkout's
``eval/`` and run it from there with the same ``--work``.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def asked_cold_then_warm(work: Path, size: int) -> dict:
    """In a fresh process: drop the page cache, load the index, ask every question twice."""
    subprocess.run("sync; echo 3 > /proc/sys/vm/drop_caches", shell=True, check=True)
    import json

    from rag.answer.retrieve import Searcher
    from rag.bench.common import time_asks
    from rag.bench.workers import latency
    from rag.embed.base import DEFAULT_EMBEDDER
    from rag.embed.registry import get_embedder
    from rag.stores.local.folder import load_index
    questions = json.loads((work / "questions.json").read_text(encoding="utf-8"))
    embedder = get_embedder(DEFAULT_EMBEDDER)
    embedder.embed_queries(["预热"])
    searcher = Searcher(load_index(work / f"index-{size}", embedder=embedder), embedder)
    return {"cold": latency(*time_asks(searcher, questions)[:2]), "warm": latency(*time_asks(searcher, questions)[:2])}


def main() -> int:
    from rag.bench.common import in_fresh_process
    from rag.bench.search import setup_work
    from rag.bench.workers import build_worker

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--work", help="keep (or reuse) the built corpus and index here")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    if not Path("/proc/sys/vm/drop_caches").exists():
        print("needs Linux's /proc/sys/vm/drop_caches (and root) to drop the page cache", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="rag-cold-cache-") as tmp:
        work = Path(args.work or tmp)
        if not (work / f"index-{args.size}").is_dir():
            noise = setup_work(work, args.bench_dir, questions=200)["noise"]
            in_fresh_process(build_worker, str(work), args.size, 0, noise["sigma"], None)
        for r in range(args.rounds):
            result = in_fresh_process(asked_cold_then_warm, work, args.size)
            for name in ("cold", "warm"):
                t = result[name]
                stages = {s: t["stage_ms_p50"][s] for s in ("embed_query", "bm25", "dense", "fusion", "answer")}
                print(f"round {r + 1} {name}: ask p50 {t['ask_ms_p50']} ms p95 {t['ask_ms_p95']} ms, "
                      f"stage p50 {stages}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
