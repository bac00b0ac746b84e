"""How well tables are read: report files made from known tables (rag.evaluate.table_docs) in
every format, then the share of data cells whose value is found in a row sentence with its
row label and column header, per format; and the question set asking for one cell each.

    python3 eval/table_accuracy.py --out /tmp/tables           # make the files, print cell accuracy
    python3 eval/table_accuracy.py --out /tmp/tables --write   # also rewrite eval/questions/tables.jsonl
    rag eval eval/questions/tables.jsonl --docs /tmp/tables    # answers asked of those files
"""
from __future__ import annotations

import argparse
import json
import random
import time
from collections import defaultdict
from pathlib import Path

QUESTIONS = Path(__file__).parent / "questions" / "tables.jsonl"


def main() -> None:
    from rag.evaluate.table_docs import FORMATS, expected_cells, known_tables, write
    from rag.ingest.documents import read_document

    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True, help="folder for the generated report files")
    parser.add_argument("--write", action="store_true", help=f"rewrite {QUESTIONS}")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(11)
    found, total, seconds, misses, questions = defaultdict(int), defaultdict(int), defaultdict(float), [], []
    for number, table in enumerate(known_tables()):
        fmt = FORMATS[number % len(FORMATS)]
        path = write(table, fmt, args.out, number)
        started = time.perf_counter()
        doc = read_document(path)
        seconds[fmt] += time.perf_counter() - started
        read = {(r.label, c.header, c.value) for r in doc.table_rows for c in r.cells}
        for cell in expected_cells(table, fmt):
            total[fmt] += 1
            found[fmt] += cell in read
            if cell not in read:
                misses.append((path.name, cell))
        questions += table.questions(path.name, rng)
    print("| format | files | cells | read right | accuracy | seconds per file |")
    print("|---|---|---|---|---|---|")
    files = defaultdict(int)
    for number in range(len(known_tables())):
        files[FORMATS[number % len(FORMATS)]] += 1
    for fmt in FORMATS:
        print(f"| {fmt} | {files[fmt]} | {total[fmt]} | {found[fmt]} | {found[fmt] / total[fmt]:.4f} | "
              f"{seconds[fmt] / files[fmt]:.2f} |")
    all_found, all_total = sum(found.values()), sum(total.values())
    print(f"| all | {sum(files.values())} | {all_total} | {all_found} | {all_found / all_total:.4f} | |")
    for name, cell in misses[:20]:
        print("missed:", name, cell)
    lines = [json.dumps({"id": f"table-{i:03d}", **q}, ensure_ascii=False) for i, q in enumerate(questions, 1)]
    if args.write:
        QUESTIONS.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(lines)} questions to {QUESTIONS}")
    elif QUESTIONS.exists() and QUESTIONS.read_text(encoding="utf-8").splitlines() != lines:
        print(f"note: {QUESTIONS} differs from the files made now; rerun with --write")


if __name__ == "__main__":
    main()
