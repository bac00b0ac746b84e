"""What MaxScore pruning (rag/stores/local/bm25.py ``best_chunks``) saves against scoring every
posting, by corpus size, on the ``rag bench search`` kind of corpus (bench paragraphs and their
perturbed copies; README: Pruned BM25). One segment in memory; per size: the postings a
question names, ms per question both ways (pruning forced on), and whether the best 50 agree
bit for bit. Usage: python3 eval/bm25_pruning.py [--sizes 100000,300000] [--questions 200]"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from rag.bench.corpus import load_sources, make_corpus
    from rag.ingest.prepare import prepare
    from rag.stores.base import BM25Params, IndexSettings
    from rag.stores.local import bm25
    from rag.stores.local.segment import build_lexical
    from rag.text.normalize import normalize
    from rag.text.tokens import bigram_tokens, query_text

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,300000")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    sources, questions = load_sources(args.bench_dir, 0)
    asked = [questions[i].question for i in np.random.default_rng(0).permutation(len(questions))[:args.questions]]
    bm25.PRUNE_FROM = 0   # prune at every size, to see where it pays
    params, k = BM25Params(), 50
    for size in (int(s) for s in args.sizes.split(",")):
        corpus, _, _ = make_corpus(sources, np.full(len(sources), 3), size, 0)
        postings = build_lexical(prepare(corpus, IndexSettings().chunking).chunks, IndexSettings())
        stats = bm25.own_stats(postings)
        norm = bm25.length_norm(postings.lengths, stats, params)
        full_ms, pruned_ms, named, same = [], [], [], 0
        for q in asked:
            keys, counts = bm25.query_terms(bigram_tokens(query_text(normalize(q))))
            weights = stats.idf(keys, params.epsilon) * counts
            rows = bm25._rows_of(postings.terms, keys)
            named.append(int(sum(postings.indptr[r + 1] - postings.indptr[r] for r in rows if r >= 0)))
            t0 = time.perf_counter()
            scores = bm25.score_terms(postings, keys, weights, params, norm)
            best = bm25.top_k(scores, k)
            t1 = time.perf_counter()
            ids, found = bm25.best_chunks([(postings, 0)], norm, None, keys, weights, params, k)
            top = bm25.top_k(found, k)
            t2 = time.perf_counter()
            full_ms.append((t1 - t0) * 1000)
            pruned_ms.append((t2 - t1) * 1000)
            same += ids[top].tolist() == best.tolist() and np.array_equal(found[top], scores[best])
        full, pruned = np.median(full_ms), np.median(pruned_ms)
        print(f"{postings.n_docs} chunks: {np.median(named):,.0f} postings per question (p50); "
              f"p50 all postings {full:.2f} ms, pruned {pruned:.2f} ms ({full / pruned:.2f}x); "
              f"best {k} identical for {same} of {len(asked)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
