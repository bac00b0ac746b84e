"""normalize() against OpenCC itself: same output, and how much faster; and what reading a
question costs beside it (is_traditional, rag.text.asked.plain_question, and Taiwan's words read in
the seed reports' words: rag.text.regional), per question.

    python3 eval/normalize_speed.py

On every CMRC2018 + DRCD dev paragraph and question and the seed reports."""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from rag.ingest.squad import load_squad
    from rag.text.asked import plain_question
    from rag.text.normalize import is_traditional, normalize, normalize_with_opencc

    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    asked = []
    for name in ("cmrc2018_dev", "drcd_dev"):
        docs, questions = load_squad(ROOT.parent / "shared" / "bench" / f"{name}.json")
        texts += [d.text for d in docs] + [q.question for q in questions]
        asked += [q.question for q in questions]
    normalize(""), normalize_with_opencc("")   # dictionaries and tables loaded before timing
    t0 = time.perf_counter()
    fast = [normalize(t) for t in texts]
    fast_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    reference = [normalize_with_opencc(t) for t in texts]
    reference_s = time.perf_counter() - t0
    differ = sum(a != b for a, b in zip(fast, reference))
    chars = sum(map(len, texts))
    print(f"{len(texts)} texts, {chars:,} characters: {differ} differ from OpenCC; normalize {fast_s:.2f} s, "
          f"OpenCC {reference_s:.2f} s ({reference_s / fast_s:.1f}x)")
    is_traditional("")   # OpenCC's s2t tables loaded before timing
    for name, read in (("is_traditional", is_traditional), ("plain_question", plain_question)):
        t0 = time.perf_counter()
        for question in asked:
            read(question)
        print(f"{name}: {(time.perf_counter() - t0) / len(asked) * 1e6:.1f} µs a question ({len(asked)} questions)")
    from rag.text.regional import in_mainland_words, mainland_words, taiwan_phrases
    t0 = time.perf_counter()
    taiwan_phrases()
    pairs = mainland_words(fast[:len(list((ROOT / "seeds").glob("*.txt")))])   # the seed reports' words
    print(f"Taiwan's words: the table and the seed reports' words once, {(time.perf_counter() - t0) * 1000:.1f} ms")
    t0 = time.perf_counter()
    read = [in_mainland_words(question, pairs) for question in asked]
    print(f"in_mainland_words: {(time.perf_counter() - t0) / len(asked) * 1e6:.1f} µs a question "
          f"({sum(a != b for a, b in zip(asked, read))} of {len(asked)} read otherwise)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
