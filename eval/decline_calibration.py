"""A calibrated decline model beside the product's coverage rule (rag/answer/decline.py):
a logistic model over every answer's signals, fitted and measured under cross-validation.

    python3 eval/decline_calibration.py [--per-set 400] [--folds 5] [--max-declined 0.02]

Fitted on held-out kinds of questions, never on the seed sets:
- answerable: bench questions asked of their own set's paragraphs (label: answer);
- out of scope: bench questions asked of the five seed reports (label: decline);
- topical negatives: bench questions whose year or name is swapped for one their paragraph
  does not contain, asked of their set (the topic is indexed, the asked fact is not: decline);
- answer removed: bench questions asked of their set without their own paragraph, whose
  article's other paragraphs stay indexed (the topic is there, the answer is not: decline).
Each bench set gives disjoint questions to each group, read at run time. The threshold is the
one that declines the most negatives while declining at most ``--max-declined`` of the
answerable questions, both measured on held-out folds. Then it is checked, unfitted, on the
seed question set, the wrong-place and follow-up sets and the seed topical negatives
(eval/questions/), each figure printed beside the rule's on the same questions.
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def signals_of(searcher, questions: list[str], previous=None) -> tuple[np.ndarray, np.ndarray]:
    """Each question's signals and whether any sentence qualifies (none: always declined)."""
    from rag.answer.conversation import rewrite
    from rag.answer.decline import FEATURES, Signals
    from rag.answer.extract import compose
    rows, qualifies = [], []
    for i, q in enumerate(questions):
        asked = rewrite(q, previous[i] if previous else None)
        answer = compose(searcher, searcher.search(asked, "hybrid", 5))
        # a question across reports that no report answers has no signals: it is declined
        rows.append(answer.signals or Signals(*([0.0] * len(FEATURES)), 0))
        qualifies.append(answer.signals is not None and answer.signals.candidates > 0)
    return rows, np.asarray(qualifies)


def topical_negatives(questions, documents, rng: random.Random) -> list[str]:
    """Questions whose year or name is swapped for one their gold paragraph lacks."""
    import jieba.posseg as pseg
    text = {d.name: d.text for d in documents}
    names = sorted({w for q in questions for w, f in pseg.lcut(q.question) if f in ("nr", "ns", "nt") and len(w) >= 2})
    out = []
    for q in questions:
        paragraph = text[q.doc]
        years = [y for y in re.findall(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)", q.question) if y in paragraph]
        if years:
            shifted = next((str(int(years[0]) + d) for d in (3, -3, 7, -7, 11) if str(int(years[0]) + d) not in paragraph),
                           None)
            if shifted:
                out.append(q.question.replace(years[0], shifted, 1))
                continue
        own = [w for w, f in pseg.lcut(q.question) if f in ("nr", "ns", "nt") and len(w) >= 2 and w in paragraph]
        if own:
            other = rng.choice(names)
            if other not in paragraph and other not in q.question:
                out.append(q.question.replace(own[0], other, 1))
    return out


def held_out_groups(bench_dir: Path, n: int, embedder, seeds, draw: int = 0):
    """Per bench set, each group as (label, searcher, questions, their gold answers): ``n``
    answerable questions asked of their set, ``n`` others asked of the seed reports (``seeds``),
    up to ``n`` topical negatives, and ``n`` asked without their own paragraph; disjoint, drawn
    with a fixed seed (``draw``), so every script reading them gets the same questions."""
    from rag.answer.retrieve import Searcher
    from rag.embed.cache import shared_cache_dir
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import build_from_documents
    rng = random.Random(draw)
    for name in ("cmrc2018_dev", "drcd_dev"):
        documents, questions = load_squad(bench_dir / f"{name}.json")
        rng.shuffle(questions)
        own = Searcher(build_from_documents(documents, embedder, IndexSettings(), cache_dir=shared_cache_dir())[0],
                       embedder)
        yield f"{name} answerable", own, [q.question for q in questions[:n]], [q.answers for q in questions[:n]]
        yield (f"{name} out of scope (asked of the seeds)", seeds, [q.question for q in questions[n:2 * n]],
               [()] * len(questions[n:2 * n]))
        negatives = topical_negatives(questions[2 * n:5 * n], documents, rng)[:n]
        yield f"{name} topical negatives", own, negatives, [()] * len(negatives)
        removed = questions[5 * n:][:n]
        gone = {q.doc for q in removed}
        without = build_from_documents([d for d in documents if d.name not in gone], embedder, IndexSettings(),
                                       cache_dir=shared_cache_dir())[0]
        yield f"{name} answer removed", Searcher(without, embedder), [q.question for q in removed], [()] * len(removed)
        print(f"{name}: {len(documents)} paragraphs; {n} answerable, {n} out of scope, {len(negatives)} topical "
              f"negatives, {len(removed)} asked without their paragraph", file=sys.stderr, flush=True)


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """Logistic regression by Newton's method with an L2 penalty on the weights (not the bias)."""
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-z @ w))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        w -= np.linalg.solve(hess, grad)
    weights = w[:-1] / scale
    return weights, float(w[-1] - (weights * mean).sum())


def probabilities(x, weights, bias):
    return 1 / (1 + np.exp(-(x @ weights + bias)))


def rule_declines(signals) -> np.ndarray:
    """What the product does: rag.answer.decline.answers."""
    from rag.answer.decline import answers
    return np.asarray([not answers(s) for s in signals])


def matrix(signals) -> np.ndarray:
    return np.asarray([s.vector() for s in signals])


def choose_threshold(p_pos, p_neg, max_declined: float) -> float:
    """The highest threshold that declines at most ``max_declined`` of the answerable."""
    candidates = np.unique(np.concatenate([p_pos, p_neg, [0.5]]))
    ok = [t for t in candidates if np.mean(p_pos < t) <= max_declined]
    return float(max(ok)) if ok else float(candidates.min())


def main() -> int:
    from rag.answer.decline import FEATURES
    from rag.answer.retrieve import Searcher
    from rag.embed.cache import shared_cache_dir
    from rag.embed.registry import get_embedder
    from rag.evaluate.questions import load_jsonl_questions
    from rag.stores.local.index import build_index

    parser = argparse.ArgumentParser()
    parser.add_argument("--per-set", type=int, default=400, help="questions per bench set for each group")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--max-declined", type=float, default=0.02, help="share of answerable questions declined")
    parser.add_argument("--max-rescued", type=float, default=0.02,
                        help="share of the negatives the rule declines that the rescue may answer")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    embedder = get_embedder("e5-small")
    seeds = Searcher(build_index([ROOT / "seeds"], embedder, cache_dir=shared_cache_dir())[0], embedder)
    groups = {}   # name -> (signals, qualifies, label)
    for label, searcher, questions, golds in held_out_groups(Path(args.bench_dir), args.per_set, embedder, seeds):
        groups[label] = (*signals_of(searcher, questions), int(any(golds)))
    signals = [s for g in groups.values() for s in g[0]]
    x = matrix(signals)
    qualifies = np.concatenate([g[1] for g in groups.values()])
    y = np.concatenate([np.full(len(g[0]), g[2]) for g in groups.values()])
    group_of = np.concatenate([np.full(len(g[0]), i) for i, g in enumerate(groups.values())])
    # cross-validated probabilities: each question scored by a model that never saw it
    folds = np.random.default_rng(0).permutation(len(x)) % args.folds
    held_out = np.zeros(len(x))
    for k in range(args.folds):
        train = (folds != k) & qualifies
        weights, bias = fit(x[train], y[train])
        held_out[folds == k] = probabilities(x[folds == k], weights, bias)
    held_out[~qualifies] = 0.0
    threshold = choose_threshold(held_out[y == 1], held_out[y == 0], args.max_declined)
    rule = rule_declines(signals)
    print(f"\ncross-validated ({args.folds} folds), threshold {threshold:.3f}: share declined by the model (by the rule)")
    for i, (label, g) in enumerate(groups.items()):
        print(f"  {label:<44} n={len(g[0]):<4} declined {np.mean(held_out[group_of == i] < threshold):.3f} "
              f"({rule[group_of == i].mean():.3f})")
    # the rule, with the questions it declines answered when the model is very sure: the
    # lowest threshold that answers at most --max-rescued of the negatives the rule declines
    negatives = (y == 0) & rule
    candidates = np.unique(held_out[negatives]) if negatives.any() else np.array([1.0])
    rescue = float(min((t for t in candidates if np.mean(held_out[negatives] >= t) <= args.max_rescued),
                       default=1.0))
    rescued = rule & (held_out < rescue)
    print(f"\nthe rule, rescued where the model's cross-validated probability >= {rescue:.3f}: share declined")
    for i, (label, g) in enumerate(groups.items()):
        print(f"  {label:<44} n={len(g[0]):<4} declined {rescued[group_of == i].mean():.3f}")
    weights, bias = fit(x[qualifies], y[qualifies])
    print("\nweights (fitted on all):", {f: round(w, 3) for f, w in zip(FEATURES, weights)}, "bias", round(bias, 3))
    print("\nheld out (never fitted on): share declined by the model (by the rule) [by the rescued rule]")
    for name in ("seeds", "wrong_place", "follow_ups", "topical_negatives"):
        questions = load_jsonl_questions(ROOT / "eval" / "questions" / f"{name}.jsonl")
        sig, ok = signals_of(seeds, [q.question for q in questions], [q.previous for q in questions])
        p = probabilities(matrix(sig), weights, bias)
        declined = ~ok | (p < threshold)
        by_rule = rule_declines(sig)
        by_rescued = by_rule & (p < rescue)
        answerable = np.array([bool(q.answers) for q in questions])
        for label, mask in (("answerable", answerable), ("unanswerable", ~answerable)):
            if mask.any():
                print(f"  {name} {label:<14} n={mask.sum():<4} declined {declined[mask].mean():.3f} "
                      f"({by_rule[mask].mean():.3f}) [{by_rescued[mask].mean():.3f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
