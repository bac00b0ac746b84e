"""How often a name asked about is not written by the paragraph that answers, by how common
jieba's dictionary says the name is: the evidence for rag.answer.evidence.NAMING_FREQUENCY.

    python3 eval/names_by_frequency.py [--bench-dir ../shared/bench]

For every answerable bench question, each name the question analysis finds (rag.answer.question
rare_names) is looked for in its gold paragraph and its article's title, as the product looks
for it in a document (rag.answer.decline.names_missing). A name not there is one the product
would make a document write before that document may answer, though it answers: mostly common
words jieba's dictionary tags as places or persons (都市, 海港, 敬仰). Last, per set, the questions
asking two such names or more (under NAMING_FREQUENCY) whose gold paragraph writes some but not
all: what requiring every name of the answering document would put at risk.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# (upper bound, label); rare_names keeps names counted up to 1,000 times
BUCKETS = ((1, "0"), (10, "1-9"), (100, "10-99"), (300, "100-299"), (1001, "300-1000"))


def bucket(frequency: int) -> str:
    return next(label for upper, label in BUCKETS if frequency < upper)


def main() -> int:
    from rag.answer.decline import names_missing
    from rag.answer.evidence import NAMING_FREQUENCY
    from rag.answer.question import analyze
    from rag.ingest.squad import load_squad
    from rag.text.normalize import normalize
    from rag.text.tokens import word_frequency
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    for name in ("cmrc2018_dev", "drcd_dev"):
        documents, questions = load_squad(Path(args.bench_dir) / f"{name}.json")
        texts = {d.name: [normalize(d.text), normalize(d.title)] for d in documents}
        asked, unwritten, examples = Counter(), Counter(), {}
        several, partly = 0, 0
        for q in questions:
            analysis = analyze(q.question)
            missing = set(names_missing(analysis.names, [], texts[q.doc], analysis.name_joins))
            identifying = [n for n in analysis.names if word_frequency(n) < NAMING_FREQUENCY]
            if len(identifying) >= 2:
                several += 1
                partly += 0 < len(missing & set(identifying)) < len(identifying)
            for n in analysis.names:
                b = bucket(word_frequency(n))
                asked[b] += 1
                if n in missing:
                    unwritten[b] += 1
                    examples.setdefault(b, []).append(n)
        print(f"{name}: names not written by their gold paragraph or its title, by jieba's count")
        for _, label in BUCKETS:
            share = unwritten[label] / asked[label] if asked[label] else 0.0
            print(f"  {label:>8}: {unwritten[label]:3d} of {asked[label]:4d} ({share:.1%})  "
                  f"{'、'.join(examples.get(label, [])[:8])}")
        print(f"  {several} questions ask two names or more counted under {NAMING_FREQUENCY} times; "
              f"the gold paragraph of {partly} writes some of them, not all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
