"""Evidence for the decline thresholds in rag/answer/extract.py.

    python3 eval/decline_calibration.py [--per-set 250] [--store milvus:/tmp/calibration.db]

Asks bench questions (all out of scope for the seed reports) and the seed question set of
an index of the five seed reports (local, or put into the given store), and prints, for each
group, the highest top-chunk cosine and the share that the coverage rule alone would answer,
then the share of each group answered at other coverage thresholds."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from rag.answer.extract import DECLINE_BELOW, DENSE_CONFIDENT, compose
    from rag.answer.retrieve import Searcher
    from rag.embed.base import embed_in_batches
    from rag.embed.cache import shared_cache_dir
    from rag.embed.registry import get_embedder
    from rag.evaluate.questions import load_jsonl_questions
    from rag.ingest.squad import load_squad
    from rag.stores.local.index import build_index
    from rag.stores.uri import parse_store

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-set", type=int, default=250)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    parser.add_argument("--store", default="", help="a Milvus store to put the seeds in (default: local)")
    args = parser.parse_args()
    embedder = get_embedder("e5-small")
    spec = parse_store(args.store, "")
    if spec.kind == "milvus":
        from rag.ingest.documents import load_documents
        from rag.stores.base import IndexSettings
        from rag.stores.milvus.client import TOKENIZER
        from rag.stores.uri import sync
        store, _ = sync(spec, load_documents([ROOT / "seeds"]).documents, embedder, IndexSettings(tokenizer=TOKENIZER),
                        cache_dir=shared_cache_dir())
    else:
        store, _ = build_index([ROOT / "seeds"], embedder, cache_dir=shared_cache_dir())
    searcher = Searcher(store, embedder)
    threshold = DECLINE_BELOW[spec.kind]

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
    print(f"store {spec}: coverage >= {threshold}, or cosine >= {DENSE_CONFIDENT} with coverage >= 0.2")
    sweep = np.round(np.arange(0.30, 0.71, 0.05), 2)
    rows = []
    for label, questions in groups.items():
        coverage, cosine = measure(questions)
        print(f"{label:<32} n={len(questions):<4} max cosine {cosine.max():.3f}  "
              f"p50 cosine {np.median(cosine):.3f}  answered by coverage {np.mean(coverage >= threshold):.3f}  "
              f"cosine >= threshold {np.mean(cosine >= DENSE_CONFIDENT):.3f}")
        rows.append((label, [np.mean(coverage >= t) for t in sweep]))
    print("\nshare answered by coverage at threshold:")
    print(f"{'':<32} " + " ".join(f"{t:>5.2f}" for t in sweep))
    for label, shares in rows:
        print(f"{label:<32} " + " ".join(f"{x:>5.3f}" for x in shares))
    return 0


if __name__ == "__main__":
    sys.exit(main())
