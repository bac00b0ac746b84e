"""How much of a question's words the sentence giving a report's figure shares, for the figures
answered right and wrong: the calibration of rag.answer.decline.REPORT_FIGURE_SENTENCE.

Every question of the seed sets (eval/questions: seeds, figures, follow_ups, wrong_place,
topical_negatives) is asked with the floor off; for each figure answered from a work report it
prints the share (the larger of the decision signals ``sentence`` and ``sentence_apart``), and
whether the answer holds a gold figure (a topical negative's never does), lowest first.

    python3 eval/report_figure_floor.py [--index index] [--show 20]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SETS = ("seeds", "figures", "follow_ups", "wrong_place", "topical_negatives")


def main() -> int:
    from rag.answer import decline
    from rag.answer.conversation import rewrite
    from rag.answer.counts import FIGURE_TYPES
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher, check_question
    from rag.embed.registry import get_embedder
    from rag.evaluate.scoring import contains_any
    from rag.stores.base import StoreSpec
    from rag.stores.uri import open_store, store_embedder_name

    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=str(ROOT / "index"))
    parser.add_argument("--show", type=int, default=20, help="the lowest shares to list")
    args = parser.parse_args()
    floor, decline.REPORT_FIGURE_SENTENCE = decline.REPORT_FIGURE_SENTENCE, 0.0
    spec = StoreSpec("local", args.index)
    embedder = get_embedder(store_embedder_name(spec))
    searcher = Searcher(open_store(spec, embedder), embedder)
    rows = []
    for name in SETS:
        for line in (ROOT / "eval" / "questions" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            question = rewrite(check_question(item["question"]), item.get("previous"))
            answer = ask(searcher, question)
            if not answer.answered or answer.analysis.answer_type not in FIGURE_TYPES \
                    or not searcher.store.documents[answer.citations[0].doc].subject.body:
                continue
            share = max(answer.signals.sentence, answer.signals.sentence_apart)
            right = bool(item.get("answers")) and contains_any(answer.answer, item["answers"])
            rows.append((round(share, 3), right, name, question))
    rows.sort()
    for share, right, name, question in rows[:args.show]:
        print(f"{share:.3f}  {'right' if right else 'WRONG'}  {name}  {question}")
    right = [s for s, ok, _, _ in rows if ok]
    wrong = [s for s, ok, _, _ in rows if not ok]
    print(json.dumps({"figures answered": len(rows), "right": len(right), "wrong": len(wrong),
                      "lowest right share": min(right, default=None), "floor": floor,
                      "right under the floor": sum(s < floor for s in right),
                      "wrong under the floor": sum(s < floor for s in wrong)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
