"""What scoring BM25 at query time costs against precomputed weights (README: Archives that
grow). Segments store term counts, not weights, because the corpus-wide average length changes
with every add or delete; this times both ways over the same postings, in memory, and checks
they agree. Usage: python3 eval/bm25_weights.py [--chunks 60000] [--questions 200]"""
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
    from rag.stores.local.bm25 import length_norm, own_stats, query_terms, score_terms
    from rag.stores.local.segment import build_lexical
    from rag.text.normalize import normalize
    from rag.text.tokens import bigram_tokens

    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=60_000)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    sources, questions = load_sources(args.bench_dir, 0)
    corpus, _, _ = make_corpus(sources, np.full(len(sources), 3), args.chunks, 0)
    postings = build_lexical(prepare(corpus, IndexSettings().chunking).chunks, IndexSettings())
    stats, params = own_stats(postings), BM25Params()
    norm = length_norm(postings.lengths, stats, params)
    tf = np.asarray(postings.tfs, np.float32)
    weights = (params.k1 + 1) * tf / (tf + norm[postings.doc_ids])   # what a precomputed index stores

    def precomputed(keys, factors):
        scores = np.zeros(postings.n_docs, np.float32)
        rows = np.searchsorted(postings.terms, keys)
        for row, key, factor in zip(rows, keys, factors.astype(np.float32)):
            if row < len(postings.terms) and postings.terms[row] == key:
                a, b = postings.indptr[row], postings.indptr[row + 1]
                scores[postings.doc_ids[a:b]] += weights[a:b] * factor
        return scores

    asked = [q.question for q in questions[:args.questions]]
    print(f"{postings.n_docs} chunks, {int(postings.indptr[-1])} postings, {len(asked)} questions")
    results = {}
    for name, fn in (("precomputed weights", precomputed),
                     ("query-time formula (ours)", lambda k, f: score_terms(postings, k, f, params, norm))):
        t0, results[name] = time.perf_counter(), []
        for q in asked:
            keys, counts = query_terms(bigram_tokens(normalize(q)))
            results[name].append(fn(keys, stats.idf(keys, params.epsilon) * counts))
        print(f"{name}: {(time.perf_counter() - t0) / len(asked) * 1000:.2f} ms per question")
    a, b = results.values()
    print(f"largest difference between the two: {max(float(np.abs(x - y).max()) for x, y in zip(a, b)):.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
