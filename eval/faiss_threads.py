"""Why dense search runs with one OpenMP thread: hybrid ask latency at 10k chunks with faiss
searching on 2 threads (its default here) and on 1.

    python3 eval/faiss_threads.py [--size 10000]

The corpus, index and 200 questions are those of `rag bench search`; each setting asks in a
fresh process (ask_worker's search_threads)."""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from rag.bench.common import in_fresh_process
    from rag.bench.search import setup_work
    from rag.bench.workers import ask_worker, build_worker

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    seed = 0   # as rag bench search's default
    with tempfile.TemporaryDirectory(prefix="rag-faiss-threads-") as tmp:
        noise = setup_work(Path(tmp), args.bench_dir, seed=seed, questions=args.questions)["noise"]
        in_fresh_process(build_worker, tmp, args.size, seed, noise["sigma"], None)
        for threads in (2, 1):
            r = in_fresh_process(ask_worker, tmp, args.size, threads)
            stages = r["stage_ms_p50"]
            print(f"faiss threads {threads}: ask p50 {r['ask_ms_p50']} ms p95 {r['ask_ms_p95']} ms; "
                  f"stage p50: embed_query {stages['embed_query']} ms, dense {stages['dense']} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
