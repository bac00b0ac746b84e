"""The answer stage's latency on a bench set, its slowest questions, and where their time goes.

    python3 eval/answer_latency.py [--set cmrc2018_dev] [--sample 300] [--seed 1] [--profile 5]

Each sampled question is retrieved and answered over its set's own paragraphs (hybrid, k=5,
as `rag ask`); the answer stage (``timings_ms["answer"]``) is reported at p50 and p95, then the
slowest questions are answered again under cProfile, and the functions taking most of that
time are printed (the name-tagging cache emptied first, so they are profiled as first asked)."""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from rag import paths
    from rag.answer.extract import compose
    from rag.answer.retrieve import Searcher
    from rag.answer.span import tagged
    from rag.embed.base import DEFAULT_EMBEDDER
    from rag.embed.registry import get_embedder
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.uri import parse_store, temporary_store

    parser = argparse.ArgumentParser()
    parser.add_argument("--set", default="cmrc2018_dev")
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--profile", type=int, default=5, help="slowest questions to profile")
    args = parser.parse_args()

    documents, bench = load_squad(Path(paths.bench_dir()) / f"{args.set}.json")
    embedder = get_embedder(DEFAULT_EMBEDDER)
    searcher = Searcher(temporary_store(parse_store(None, ""), documents, embedder, IndexSettings()), embedder)
    questions = random.Random(args.seed).sample([q.question for q in bench], min(args.sample, len(bench)))
    compose(searcher, searcher.search(questions[0]))   # first use loads the gazetteer and jieba's tagger
    retrievals = [searcher.search(q) for q in questions]
    timed = sorted(((compose(searcher, r).timings_ms["answer"], r) for r in retrievals), key=lambda t: -t[0])
    times = [t for t, _ in timed]
    print(f"{args.set}: {len(times)} questions, answer stage p50 {statistics.median(times):.1f} ms, "
          f"p95 {sorted(times)[int(0.95 * len(times))]:.1f} ms, max {times[0]:.1f} ms")
    for ms, retrieval in timed[:max(args.profile, 10)]:
        print(f"  {ms:7.1f} ms  {retrieval.question}")
    if args.profile:
        tagged.cache_clear()   # answered once already: profile them as a first asking, untagged
        profile = cProfile.Profile()
        profile.enable()
        for _, retrieval in timed[:args.profile]:
            compose(searcher, retrieval)
        profile.disable()
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(15)
        print(f"\nthe {args.profile} slowest, profiled (cumulative time):\n{out.getvalue()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
