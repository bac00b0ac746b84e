"""How often answers lead with a figure, date or name, and how often rightly, per answer type,
read from `rag eval` report folders: the `leads` and `lead_right` of the summary, split by
the kind of question, and computable for reports written before `rag eval` counted them.

    python3 eval/leads.py ../shared/bench/drcd_dev.json eval/reports/drcd_dev-<time> [more reports]

An answer leads when its text opens with its exact answer and 。 (rag.answer.extract); the
lead is right when it is a gold answer or part of one (rag.evaluate.scoring.lead_right).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from rag.answer.question import analyze
    from rag.evaluate.questions import load_question_set
    from rag.evaluate.scoring import lead_right
    parser = argparse.ArgumentParser()
    parser.add_argument("questions", help="the question set the reports were run on")
    parser.add_argument("reports", nargs="+", help="eval/reports/<set>-<time> folders")
    args = parser.parse_args()
    gold = {q.id: q.answers for q in load_question_set(Path(args.questions))[0]}
    for report in args.reports:
        results = [json.loads(line) for line in (Path(report) / "results.jsonl").open(encoding="utf-8")]
        answered = [r for r in results if r["answered"] and r["answerable"] and not r.get("error")]
        leads, right = Counter(), Counter()
        for r in answered:
            if r["span"] and r["answer"].startswith(r["span"] + "。"):
                kind = analyze(r["question"]).answer_type
                leads[kind] += 1
                right[kind] += lead_right(r["span"], gold[r["id"]])
        total, good = sum(leads.values()), sum(right.values())
        print(f"{Path(report).name}: {len(answered)} answered, {total} lead ({total / len(answered):.4f}), "
              f"{good} rightly ({good / total:.4f}), {total - good} wrong")
        for kind, n in leads.most_common():
            print(f"  {kind:<12} {n:>4} lead, {right[kind]:>4} rightly ({right[kind] / n:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
