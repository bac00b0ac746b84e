"""What changed between two `rag eval` runs of the same question set, answer by answer: how many
answers differ, which were newly answered or declined, which now hit or no longer do, and how
many lead with another sentence or show more or fewer of them.

    python3 eval/run_diff.py eval/reports/<set>-<before> eval/reports/<set>-<after> [--list]

Each report folder holds the run's results.jsonl (rag.evaluate.report). With --list, every
question whose answer was declined, newly answered, led by another sentence or changed its hit
is printed (id, question, hit before → after, the new answer's opening).
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

CITED = re.compile(r"\[\d+\]")


def load(report: Path) -> dict[str, dict]:
    with (report / "results.jsonl").open(encoding="utf-8") as f:
        return {row["id"]: row for row in map(json.loads, f)}


def change(before: dict, after: dict) -> str:
    """How one question's answer changed: answered, declined, first (another sentence leads),
    more, fewer (sentences cited) or other; "" when it is the same."""
    if before["answer"] == after["answer"]:
        return ""
    if before["answered"] != after["answered"]:
        return "answered" if after["answered"] else "declined"
    if before["answer"].split("[1]")[0] != after["answer"].split("[1]")[0]:
        return "first"
    cited = len(CITED.findall(after["answer"])) - len(CITED.findall(before["answer"]))
    return "more" if cited > 0 else "fewer" if cited < 0 else "other"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("before", type=Path, help="eval/reports/<set>-<time> folder of the first run")
    parser.add_argument("after", type=Path, help="the same for the second run")
    parser.add_argument("--list", action="store_true", help="print the questions whose answer changed in kind")
    args = parser.parse_args()
    before, after = load(args.before), load(args.after)
    kinds, hits = Counter(), Counter()
    for qid in before.keys() & after.keys():
        kind = change(before[qid], after[qid])
        if not kind:
            continue
        kinds[kind] += 1
        was, now = before[qid]["answer_hit"], after[qid]["answer_hit"]
        hits["now hit" if now and not was else "no longer hit" if was and not now else "same hit"] += 1
        if args.list and (kind in ("answered", "declined", "first") or was != now):
            print(f"{kind:8} {qid} {after[qid]['question']} | hit {was} -> {now} | {after[qid]['answer'][:60]}")
    print(f"answers differing: {sum(kinds.values())} of {len(before.keys() & after.keys())}",
          dict(kinds), dict(hits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
