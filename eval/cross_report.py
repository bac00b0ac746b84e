"""Questions across reports (eval/questions/compare.jsonl), scored row by row: every place's
row must give its own report's figure, cited to that report, or say 未提及 where its report
does not state one. A question naming the places it compares ("rows") must get a row for each of
them and for no other place.

    python3 eval/cross_report.py [--index index] [--row-probability P]

``--row-probability`` scores the rows at another threshold than rag.answer.extract.ROW_PROBABILITY
(the README's sweep: 0.5, 0.3, 0.2, 0).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    from rag.embed.registry import get_embedder
    from rag.stores.uri import open_store, store_embedder_name
    from rag.stores.base import StoreSpec
    from rag.text.normalize import normalize

    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=str(ROOT / "index"))
    parser.add_argument("--row-probability", type=float, default=None,
                        help="the scorer's probability a row needs (default: rag.answer.extract.ROW_PROBABILITY)")
    args = parser.parse_args()
    if args.row_probability is not None:
        from rag.answer import extract
        extract.ROW_PROBABILITY = args.row_probability
    spec = StoreSpec("local", args.index)
    embedder = get_embedder(store_embedder_name(spec))
    searcher = Searcher(open_store(spec, embedder), embedder)
    counts = {"figure right": 0, "未提及 right": 0, "wrong figure": 0, "figure missed": 0, "wrong places": 0}
    for line in (ROOT / "eval" / "questions" / "compare.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        answer = ask(searcher, q["question"])
        cited = {c.n: c.doc for c in answer.citations}
        if "rows" in q and [place for place, _, _ in answer.rows] != q["rows"]:
            counts["wrong places"] += 1
            print(f"  {q['id']}: rows for {[place for place, _, _ in answer.rows]}, not {q['rows']}")
        for place, row, n in answer.rows:
            expected = q["places"].get(place)
            if expected is None:
                kind = "未提及 right" if not n else "wrong figure"
            elif not n:
                kind = "figure missed"
            else:
                right = normalize(expected["answer"]) in normalize(row) and cited.get(n) == expected["doc"]
                kind = "figure right" if right else "wrong figure"
            counts[kind] += 1
            if kind in ("wrong figure", "figure missed"):
                print(f"  {q['id']} {place}: {row[:60]} ({kind})")
    total = sum(v for k, v in counts.items() if k != "wrong places")
    print(json.dumps({"rows": total, **counts}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
