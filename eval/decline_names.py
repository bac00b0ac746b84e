"""The decline rule's variants on held-out kinds of questions: with and without the rare-name
check (rag.answer.decline.names_missing) and at several dense thresholds.

    python3 eval/decline_names.py [--per-set 600] [--dense 0.86,0.87,0.88,0.89]

The groups are those of eval/decline_calibration.py, built the same way from each bench set:
answerable questions asked of their set, topical negatives (a year or name swapped for one
the paragraph lacks) and questions asked without their own paragraph; then the seed question
sets (eval/questions/). Each question is answered once with declining switched off, so every
variant of the rule is applied to the same signals and the same answer. Printed per variant:
the share declined, and for answerable questions also answer_hit (a gold answer in the answer
shown; declined counts as a miss).
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))


def asked(searcher, questions, golds, previous=None) -> list[tuple]:
    """(signals, answer text, gold answers) per question, answered whatever the rule says."""
    import rag.answer.extract as extract
    from rag.answer.conversation import rewrite
    rule, extract.answers = extract.answers, lambda s: s.candidates > 0
    try:
        out = []
        for i, q in enumerate(questions):
            answer = extract.compose(searcher, searcher.search(rewrite(q, previous[i] if previous else None), "hybrid", 5))
            out.append((answer.signals, answer.answer, golds[i]))
        return out
    finally:
        extract.answers = rule


def shares(rows, dense: float, names: bool) -> tuple[float, float | None]:
    """(share declined, answer_hit or None when no question is answerable) under one variant."""
    import rag.answer.decline as decline
    from rag.evaluate.scoring import contains_any
    kept, decline.DENSE_CONFIDENT = decline.DENSE_CONFIDENT, dense
    try:
        answered = [s is not None and decline.answers(s if names else replace(s, name_missing=0.0)) for s, _, _ in rows]
    finally:
        decline.DENSE_CONFIDENT = kept
    answerable = [bool(g) for _, _, g in rows]
    pool = [a for a, ok in zip(answered, answerable) if ok] if any(answerable) else answered
    hit = (sum(a and contains_any(t, g) for a, (_, t, g) in zip(answered, rows) if g) / sum(answerable)
           if any(answerable) else None)
    return 1 - sum(pool) / len(pool), hit


def main() -> int:
    from decline_calibration import topical_negatives
    from rag.answer.retrieve import Searcher
    from rag.embed.cache import shared_cache_dir
    from rag.embed.registry import get_embedder
    from rag.evaluate.questions import load_jsonl_questions
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import build_from_documents, build_index

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-set", type=int, default=600, help="questions per bench set for each group")
    parser.add_argument("--dense", default="0.86,0.87,0.88,0.89", help="dense thresholds to try")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    embedder = get_embedder("e5-small")
    rng = random.Random(0)   # eval/decline_calibration.py's draw, so its groups are these
    groups = {}
    seeds = Searcher(build_index([ROOT / "seeds"], embedder, cache_dir=shared_cache_dir())[0], embedder)
    for name in ("seeds", "wrong_place", "follow_ups", "topical_negatives"):
        qs = load_jsonl_questions(ROOT / "eval" / "questions" / f"{name}.jsonl")
        rows = asked(seeds, [q.question for q in qs], [q.answers for q in qs], [q.previous for q in qs])
        groups[f"seeds: {name} answerable"] = [r for r in rows if r[2]]
        groups[f"seeds: {name} unanswerable"] = [r for r in rows if not r[2]]
    n = args.per_set
    for name in ("cmrc2018_dev", "drcd_dev"):
        documents, questions = load_squad(Path(args.bench_dir) / f"{name}.json")
        rng.shuffle(questions)
        own = Searcher(build_from_documents(documents, embedder, IndexSettings(), cache_dir=shared_cache_dir())[0],
                       embedder)
        groups[f"{name} answerable"] = asked(own, [q.question for q in questions[:n]], [q.answers for q in questions[:n]])
        negatives = topical_negatives(questions[2 * n:5 * n], documents, rng)[:n]
        groups[f"{name} topical negatives"] = asked(own, negatives, [()] * len(negatives))
        removed_pool = questions[5 * n:][:n]
        removed = {q.doc for q in removed_pool}
        without = build_from_documents([d for d in documents if d.name not in removed], embedder, IndexSettings(),
                                       cache_dir=shared_cache_dir())[0]
        groups[f"{name} answer removed"] = asked(Searcher(without, embedder), [q.question for q in removed_pool],
                                                 [()] * len(removed_pool))
        print(f"{name}: {n} answerable, {len(negatives)} topical negatives, {len(removed_pool)} without their "
              "paragraph", file=sys.stderr, flush=True)
    variants = [(float(d), False) for d in args.dense.split(",")] + [(float(d), True) for d in args.dense.split(",")]
    print("| questions | n | " + " | ".join(f"dense {d}{' + names' if k else ''}" for d, k in variants) + " |")
    print("|---|---|" + "---|" * len(variants))
    for label, rows in groups.items():
        if not rows:
            continue
        cells = []
        for d, k in variants:
            declined, hit = shares(rows, d, k)
            cells.append(f"{declined:.3f}" + (f" / {hit:.3f}" if hit is not None else ""))
        print(f"| {label} | {len(rows)} | " + " | ".join(cells) + " |")
    print("\n(cells: share declined; for answerable questions, share declined / answer_hit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
