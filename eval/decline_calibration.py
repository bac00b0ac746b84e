"""Evidence for the decline thresholds in rag/answer.py.

    python3 eval/decline_calibration.py [--per-set 250]

Asks bench questions (all out of scope for the seed reports) and the seed question set of
an index of the five seed reports, and prints, for each group, the highest top-chunk
cosine and the share that the coverage rule alone would answer."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from rag.answer import DECLINE_BELOW, DENSE_CONFIDENT, compose
    from rag.embedding import embed_in_batches, get_embedder
    from rag.evaluate import load_jsonl_questions
    from rag.embedding import shared_embedding_cache
    from rag.index import build_index
    from rag.retrieve import Searcher
    from rag.squad import load_squad

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-set", type=int, default=250)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    embedder = get_embedder("e5-small")
    index, _ = build_index([ROOT / "seeds"], embedder, cache_dir=shared_embedding_cache())
    searcher = Searcher(index, embedder)

    def measure(questions):
        vectors = embed_in_batches(embedder.embed_queries, questions, embedder.dim)
        coverage, cosine = [], []
        for q, v in zip(questions, vectors):
            retrieval = searcher.search(q, "hybrid", 5, query_vector=v)
            coverage.append(compose(searcher, retrieval).confidence)
            cosine.append(max(h.dense for h in retrieval.hits))
        return np.array(coverage), np.array(cosine)

    groups = {}
    for name in ("cmrc2018_dev", "drcd_dev"):
        _, bench = load_squad(Path(args.bench_dir) / f"{name}.json")
        step = max(1, len(bench) // args.per_set)
        groups[f"{name} (out of scope)"] = [q.question for q in bench[::step][:args.per_set]]
    seed = load_jsonl_questions(ROOT / "eval" / "questions" / "seeds.jsonl")
    groups["seeds unanswerable"] = [q.question for q in seed if not q.answers]
    groups["seeds answerable"] = [q.question for q in seed if q.answers]
    print(f"thresholds: coverage >= {DECLINE_BELOW}, or cosine >= {DENSE_CONFIDENT} with coverage >= 0.2")
    for label, questions in groups.items():
        coverage, cosine = measure(questions)
        print(f"{label:<32} n={len(questions):<4} max cosine {cosine.max():.3f}  "
              f"p50 cosine {np.median(cosine):.3f}  answered by coverage {np.mean(coverage >= DECLINE_BELOW):.3f}  "
              f"cosine >= threshold {np.mean(cosine >= DENSE_CONFIDENT):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
