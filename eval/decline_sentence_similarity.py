"""What a rescue by the embedder's similarity to the best sentences would trade: the
questions the coverage rule declines, answered again when the question's cosine to one of
the scorer's three best candidate sentences reaches a threshold (and the passage covers a
minimum of it), on answerable bench questions, on the same kind asked without their own
paragraph (the topic is there, the answer is not) and on topical negatives (a year or name
swapped for one the paragraph lacks: eval/decline_calibration.py's).

    python3 eval/decline_sentence_similarity.py [--per-set 600] [--removed 300]

Each bench set gives disjoint questions to the two groups, read at run time; nothing is
fitted, the table prints every threshold so that no single one is chosen on these questions.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

THRESHOLDS = (0.87, 0.88, 0.89, 0.90, 0.91)
MIN_COVERAGE = (0.0, 0.2, 0.3)


def best_sentence_cosines(searcher, question: str) -> tuple[bool, float, float]:
    """(answered by the product, coverage of its best passage, the highest cosine of the
    question to the scorer's three best candidate sentences; 0 when there are none, or when
    the product answers and no rescue is needed)."""
    from rag.answer.evidence import gather_evidence
    from rag.answer.extract import compose
    from rag.answer.sentences import default_scorer
    retrieval = searcher.search(question, "hybrid", 5)
    answer = compose(searcher, retrieval)
    coverage = answer.signals.coverage if answer.signals else 0.0
    if answer.answered:
        return True, coverage, 0.0
    evidence = gather_evidence(searcher, retrieval)
    if not evidence.candidates:
        return False, coverage, 0.0
    best = np.argsort(-default_scorer().probabilities(evidence.candidates))[:3]
    texts = [searcher.store.documents[c.doc].text[c.start:c.end] for c in (evidence.candidates[i] for i in best)]
    query = searcher.embedder.embed_queries([question])[0]
    return answer.answered, coverage, float((searcher.embedder.embed_passages(texts) @ query).max())


def main() -> int:
    from decline_calibration import topical_negatives
    from rag.answer.retrieve import Searcher
    from rag.embed.cache import shared_cache_dir
    from rag.embed.registry import get_embedder
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import build_from_documents

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-set", type=int, default=600, help="answerable questions per bench set")
    parser.add_argument("--removed", type=int, default=300, help="questions per set asked without their paragraph")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    embedder = get_embedder("e5-small")
    groups = {}
    for name in ("cmrc2018_dev", "drcd_dev"):
        documents, questions = load_squad(Path(args.bench_dir) / f"{name}.json")
        random.Random(0).shuffle(questions)
        index, _ = build_from_documents(documents, embedder, IndexSettings(), cache_dir=shared_cache_dir())
        own = Searcher(index, embedder)
        groups[f"{name} answerable"] = [best_sentence_cosines(own, q.question) for q in questions[:args.per_set]]
        asked = questions[args.per_set:args.per_set + args.removed]
        gone = {q.doc for q in asked}
        without, _ = build_from_documents([d for d in documents if d.name not in gone], embedder, IndexSettings(),
                                          cache_dir=shared_cache_dir())
        groups[f"{name} answer removed"] = [best_sentence_cosines(Searcher(without, embedder), q.question)
                                            for q in asked]
        start = args.per_set + args.removed
        swapped = topical_negatives(questions[start:start + 3 * args.removed], documents, random.Random(0))
        groups[f"{name} topical negatives"] = [best_sentence_cosines(own, q) for q in swapped[:args.removed]]
        print(f"{name}: {len(documents)} paragraphs", file=sys.stderr, flush=True)
    labels = list(groups)
    print("share declined: rule, then rule with the rescue at cosine >= t and coverage >= c")
    print("| t | c | " + " | ".join(labels) + " |")
    print("|---|---|" + "---|" * len(labels))
    print("| rule | | " + " | ".join(f"{np.mean([not a for a, _, _ in groups[g]]):.3f}" for g in labels) + " |")
    for t in THRESHOLDS:
        for c in MIN_COVERAGE:
            cells = [np.mean([not (a or cos >= t and cov >= c) for a, cov, cos in groups[g]]) for g in labels]
            print(f"| {t} | {c} | " + " | ".join(f"{v:.3f}" for v in cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
