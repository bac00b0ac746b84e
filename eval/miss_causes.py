"""Where the answers that miss go wrong, by cause: every answerable question of a `rag eval`
run on a bench set whose answer shows no gold answer, sorted by whether it was declined,
whether one of its candidate sentences held a gold answer (the labels that
eval/fit_sentence_scorer.py's ``collect`` gives, from the code checked out now), and whether a
gold answer was in the 5 chunks retrieved.

    python3 eval/miss_causes.py eval/reports/cmrc2018_dev-<time> eval/reports/drcd_dev-<time>

Run it on reports made by the same code: the candidates are gathered again here.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "eval"))

CAUSES = ("answered; a candidate held the answer, the scorer showed others",
          "declined; a candidate held the answer",
          "declined; no candidate held it",
          "answered; the answer is in the 5 chunks but in no candidate",
          "answered; the answer is not in the 5 chunks")


def cause(result: dict, held: bool) -> str:
    if not result["answered"]:
        return CAUSES[1] if held else CAUSES[2]
    if held:
        return CAUSES[0]
    return CAUSES[3] if result["evidence_hit"] else CAUSES[4]


def main() -> int:
    from fit_sentence_scorer import SETS, collect
    parser = argparse.ArgumentParser()
    parser.add_argument("reports", nargs="+", help="eval/reports/<set>-<time> folders of bench sets")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    rows, _, _, asked = collect(Path(args.bench_dir), 0)
    questions = [q.question for name in SETS for q in asked[name][0]]
    held = {(name, question): bool(len(labels) and labels.any())
            for (name, _, _, labels), question in zip(rows, questions)}
    print("| cause | " + " | ".join(Path(r).name.rsplit("-", 2)[0] for r in args.reports) + " |")
    print("|---|" + "---|" * len(args.reports))
    counts = []
    for report in args.reports:
        name = Path(report).name.rsplit("-", 2)[0]
        results = [json.loads(line) for line in (Path(report) / "results.jsonl").open(encoding="utf-8")]
        counts.append((Counter(cause(r, held[(name, r["question"])]) for r in results
                               if r["answerable"] and not r["answer_hit"]), len(results)))
    for c in CAUSES:
        print(f"| {c} | " + " | ".join(str(found[c]) for found, _ in counts) + " |")
    print("| all misses (of all questions) | " + " | ".join(f"{sum(found.values())} (of {n})" for found, n in counts)
          + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
