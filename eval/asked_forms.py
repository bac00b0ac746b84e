"""The seed question sets asked in the other forms people type them in: in Traditional characters,
as a reader in Hong Kong or Taiwan would (each question, and the question before a follow-up,
converted by OpenCC s2t, s2tw or s2hk; s2twp also swaps mainland words for Taiwan's: 视频 -> 影片),
wrapped in a greeting and thanks (您好，我想问一下，…？谢谢), with spaces between jieba's words
(达州 防范化解风险点 多少个 ?), or a count's question phrase moved after the thing counted (moved:
达州化解矛盾纠纷多少件?; total: 达州化解了矛盾纠纷，一共多少件?; a mechanical rewrite, some of whose
questions read oddly: a question it does not fit is asked as written). Each form is asked of the
same index and scored as ``rag eval`` scores the set as written; an answer that differs from the
written question's is listed.

    python3 eval/asked_forms.py [--index index] [--forms s2t,s2tw,s2hk,s2twp,courtesy,spaced,moved,total] [--sets ...]
"""
from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SETS = ("seeds", "figures", "follow_ups", "wrong_place", "lists", "topical_negatives")
FORMS = ("s2t", "s2tw", "s2hk", "s2twp", "courtesy", "spaced", "moved", "total")


# 达州化解了多少件矛盾纠纷? -> 达州化解矛盾纠纷多少件? (moved) or 达州化解了矛盾纠纷，一共多少件? (total)
COUNT_ASKED = re.compile(r"^(.+?)(了)?((?:多少|几)(?:余|多)?[个名件起项条人次所家座位支路万亿元]*)([^?？]{2,})([?？])$")


def _moved(question: str, total: bool) -> str:
    """A count question with its question phrase after the thing counted; as written when it has none."""
    m = COUNT_ASKED.match(question)
    if not m or m.group(1).endswith("有"):
        return question
    if total:
        return f"{m.group(1)}{m.group(2) or ''}{m.group(4)}，一共{m.group(3)}{m.group(5)}"
    return f"{m.group(1)}{m.group(4)}{m.group(3)}{m.group(5)}"


def _form(name: str):
    """The function writing a question in form ``name``."""
    if name in ("moved", "total"):
        return lambda q: _moved(q, name == "total")
    if name == "courtesy":
        return lambda q: f"您好，我想问一下，{q.rstrip('?？')}？谢谢"
    if name == "spaced":
        import jieba
        return lambda q: " ".join(jieba.lcut(q))
    import opencc
    return opencc.OpenCC(name).convert


def main() -> int:
    from rag.answer.retrieve import Searcher
    from rag.embed.registry import get_embedder
    from rag.evaluate.questions import load_jsonl_questions
    from rag.evaluate.scoring import score_question
    from rag.stores.base import StoreSpec
    from rag.stores.uri import open_store, store_embedder_name

    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default=str(ROOT / "index"))
    parser.add_argument("--forms", default=",".join(FORMS), help="OpenCC configurations, courtesy, spaced, moved, total")
    parser.add_argument("--sets", default=",".join(SETS), help="question sets under eval/questions/")
    args = parser.parse_args()
    spec = StoreSpec("local", args.index)
    embedder = get_embedder(store_embedder_name(spec))
    searcher = Searcher(open_store(spec, embedder), embedder)
    configs = [c for c in args.forms.split(",") if c]
    print(f"| set | questions | as written, right | {' | '.join(f'{c} right (answers differing)' for c in configs)} |")
    print(f"|---|---|---|{'---|' * len(configs)}")
    differing = []
    for name in [s for s in args.sets.split(",") if s]:
        questions = load_jsonl_questions(ROOT / "eval" / "questions" / f"{name}.jsonl")
        as_written = [score_question(searcher, q, "hybrid") for q in questions]
        cells = []
        for config in configs:
            convert = _form(config)
            asked = [replace(q, question=convert(q.question), previous=q.previous and convert(q.previous))
                     for q in questions]
            results = [score_question(searcher, q, "hybrid") for q in asked]
            changed = [(q, s, r) for q, s, r in zip(asked, as_written, results) if r.answer != s.answer]
            differing += [(name, config, q, s, r) for q, s, r in changed]
            cells.append(f"{sum(map(_right, results))} ({len(changed)})")
        print(f"| {name} | {len(questions)} | {sum(map(_right, as_written))} | {' | '.join(cells)} |")
    for name, config, q, s, r in differing:
        print(f"\n{name} {config} {q.id}: {q.question}\n  as written: {_first_line(s)}\n  {config}: {_first_line(r)}")
    return 0


def _right(result) -> bool:
    """Answered with the answer (an answerable question), or declined (one that is not)."""
    return bool(result.answer_hit) if result.answerable else not result.answered


def _first_line(result) -> str:
    return result.answer.splitlines()[0][:90] if result.answer else f"(error: {result.error})"


if __name__ == "__main__":
    raise SystemExit(main())
