"""The decline rule's variants on held-out kinds of questions: with and without the rare-name
check (rag.answer.decline.names_missing) and at several dense thresholds.

    python3 eval/decline_names.py [--per-set 600] [--dense 0.86,0.87,0.88,0.89] [--traditional 0,0.01]
                                  [--apart-everywhere]

The groups are those of eval/decline_calibration.py (``held_out_groups``: answerable
questions asked of their set, others asked of the seed reports, topical negatives, a year or
name swapped for one the paragraph lacks, and questions asked without their own paragraph),
and the seed question sets (eval/questions/). Each question is answered once with declining switched off, so every
variant of the rule is applied to the same signals and the same answer. Printed per variant:
the share declined, and for answerable questions also answer_hit (a gold answer in the answer
shown; declined counts as a miss).
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))


HAN = re.compile(r"[\u4e00-\u9fff]")


def traditional(question: str) -> bool:
    """Written in Traditional script: OpenCC's t2s changes one of its Han characters."""
    from rag.text.normalize import normalize
    return any(a != b for a, b in zip(question, normalize(question)) if HAN.match(a))


def asked(searcher, questions, golds, previous=None) -> list[tuple]:
    """(signals, answer text, gold answers, whether the question is in Traditional script) per
    question, answered whatever the rule says."""
    from rag.answer import extract
    from rag.answer.conversation import rewrite
    rule, extract.answers = extract.answers, lambda s, report_figure=False: s.candidates > 0
    try:
        out = []
        for i, q in enumerate(questions):
            answer = extract.compose(searcher, searcher.search(rewrite(q, previous[i] if previous else None), "hybrid", 5))
            out.append((answer.signals, answer.answer, golds[i], traditional(q)))
        return out
    finally:
        extract.answers = rule


def shares(rows, dense: float, names: bool, shift: float = 0.0) -> tuple[float, float | None]:
    """(share declined, answer_hit or None when no question is answerable) under one variant;
    ``shift`` lowers the dense threshold for questions in Traditional script."""
    from rag.answer import decline
    from rag.evaluate.scoring import contains_any
    kept = decline.DENSE_CONFIDENT
    answered = []
    try:
        for s, _, _, trad in rows:
            decline.DENSE_CONFIDENT = dense - (shift if trad else 0.0)
            answered.append(s is not None and decline.answers(s if names else replace(s, name_missing=0.0)))
    finally:
        decline.DENSE_CONFIDENT = kept
    answerable = [bool(g) for _, _, g, _ in rows]
    pool = [a for a, ok in zip(answered, answerable) if ok] if any(answerable) else answered
    hit = (sum(a and contains_any(t, g) for a, (_, t, g, _) in zip(answered, rows) if g) / sum(answerable)
           if any(answerable) else None)
    return 1 - sum(pool) / len(pool), hit


def main() -> int:
    from decline_calibration import held_out_groups

    from rag.answer.retrieve import Searcher
    from rag.embed.cache import shared_cache_dir
    from rag.embed.registry import get_embedder
    from rag.evaluate.questions import load_jsonl_questions
    from rag.stores.local.index import build_index

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-set", type=int, default=600, help="questions per bench set for each group")
    parser.add_argument("--dense", default="0.86,0.87,0.88,0.89", help="dense thresholds to try")
    parser.add_argument("--traditional", default="0",
                        help="amounts to lower the dense threshold by for questions in Traditional script, e.g. 0,0.01")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    parser.add_argument("--apart-everywhere", action="store_true",
                        help="count a word no passage writes by its characters in every document, not in reports only")
    args = parser.parse_args()
    if args.apart_everywhere:
        from rag.answer import evidence
        evidence.APART_ONLY_IN_REPORTS = False
    embedder = get_embedder("e5-small")
    groups = {}
    seeds = Searcher(build_index([ROOT / "seeds"], embedder, cache_dir=shared_cache_dir())[0], embedder)
    for name in ("seeds", "wrong_place", "follow_ups", "topical_negatives"):
        qs = load_jsonl_questions(ROOT / "eval" / "questions" / f"{name}.jsonl")
        rows = asked(seeds, [q.question for q in qs], [q.answers for q in qs], [q.previous for q in qs])
        groups[f"seeds: {name} answerable"] = [r for r in rows if r[2]]
        groups[f"seeds: {name} unanswerable"] = [r for r in rows if not r[2]]
    for label, searcher, questions, golds in held_out_groups(Path(args.bench_dir), args.per_set, embedder, seeds):
        groups[label] = asked(searcher, questions, golds)
    variants = [(float(d), k, float(t)) for t in args.traditional.split(",") for k in (False, True)
                for d in args.dense.split(",")]
    print("| questions | n | " + " | ".join(f"dense {d}{' + names' if k else ''}{f' (Traditional -{t})' if t else ''}"
                                           for d, k, t in variants) + " |")
    print("|---|---|" + "---|" * len(variants))
    for label, rows in groups.items():
        if not rows:
            continue
        cells = []
        for d, k, t in variants:
            declined, hit = shares(rows, d, k, t)
            cells.append(f"{declined:.3f}" + (f" / {hit:.3f}" if hit is not None else ""))
        print(f"| {label} | {len(rows)} | " + " | ".join(cells) + " |")
    print("\n(cells: share declined; for answerable questions, share declined / answer_hit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
