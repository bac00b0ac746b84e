"""Accuracy of question analysis's answer types (rag/answer/question.py).

    python3 eval/question_types.py [--bench-dir ../shared/bench] [--per-set 300]

Two labelled sets: eval/questions/question_types.jsonl (the 84 seed questions, types read
and assigned by hand), and bench questions whose gold answer's form says what kind of answer
it is (money -> amount, a percent -> percentage, a year or date -> date, a number with a unit
-> quantity), read from the bench sets at run time; questions with other answers are left out,
so the bench figure covers those four kinds only.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORMS = (("percentage", re.compile(r"^[\d.]+\s*%$|^百分之")), ("amount", re.compile(r"^[\d.,]+\s*[万亿]*(元|美元|港元|新台币|圆)$")),
         ("date", re.compile(r"^(\d{3,4}年(\d{1,2}月(\d{1,2}日)?)?|\d{1,2}月\d{1,2}日)$")),
         ("quantity", re.compile(r"^[\d.,]+\s*[万亿千百]*(余|多)?[\u4e00-\u9fff]{0,2}$")))


def answer_form(answer: str) -> str | None:
    for kind, form in FORMS:
        if form.match(answer.strip()):
            return kind
    return None


def report(label: str, pairs: list[tuple[str, str]]) -> None:
    from rag.answer.question import analyze
    right = Counter()
    total = Counter(kind for _, kind in pairs)
    confusion = Counter()
    for question, kind in pairs:
        got = analyze(question).answer_type
        right[kind] += got == kind
        if got != kind:
            confusion[(kind, got)] += 1
    n = sum(total.values())
    print(f"{label}: {sum(right.values())}/{n} = {sum(right.values()) / n:.3f}")
    for kind in sorted(total):
        print(f"  {kind:<13} {right[kind]}/{total[kind]}")
    print("  most common confusions (label -> predicted):", confusion.most_common(5))


def main() -> int:
    from rag.ingest.squad import load_squad
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    parser.add_argument("--per-set", type=int, default=300)
    args = parser.parse_args()
    hand = [json.loads(line) for line in open(ROOT / "eval" / "questions" / "question_types.jsonl", encoding="utf-8")]
    report("seed questions, labelled by hand", [(r["question"], r["type"]) for r in hand])
    for name in ("cmrc2018_dev", "drcd_dev"):
        _, questions = load_squad(Path(args.bench_dir) / f"{name}.json")
        pairs = []
        for q in questions:
            kinds = {answer_form(a) for a in q.answers}
            if len(kinds) == 1 and None not in kinds:
                pairs.append((q.question, kinds.pop()))
        report(f"{name}, labelled by the gold answer's form", pairs[:args.per_set])
    return 0


if __name__ == "__main__":
    sys.exit(main())
