"""Example questions drawn from the indexed reports, for the page to offer: a clause that
states a count or a sum ("建成“雪亮工程”监控探头4.2万余个") becomes the question it answers
("达州市建成“雪亮工程”监控探头多少个？"), kept only when the product answers it from that
report with that figure, so an example never shows a decline or a wrong answer."""
from __future__ import annotations

import re

from rag.answer.extract import compose
from rag.answer.retrieve import Searcher
from rag.text.normalize import normalize

FIGURE_CLAUSE = re.compile(r"^([\u4e00-\u9fff“”]{4,16}?)(\d[\d.,]*)(?:余|多)?(万|亿)?(个|件|起|人|名|家|所|项|处|条|元)$")
LEADING = re.compile(r"^(全市|全区|全县|全省|累计|共|先后|今年以来|其中|同时|并|已|还)+")
CANDIDATES_PER_REPORT = 6


def example_questions(searcher: Searcher, wanted: int = 4) -> list[str]:
    """Up to ``wanted`` questions, one per report as far as they go, each answered right."""
    store = searcher.store
    per_report = []
    for name in list(store.documents)[:wanted * 3]:
        doc = store.documents[name]
        found = []
        for p in doc.paragraphs:
            for clause in re.split(r"[，,；;。]", doc.text[p.start:p.end]):
                m = FIGURE_CLAUSE.match(clause.strip())
                if m and len(found) < CANDIDATES_PER_REPORT:
                    found.append((m, clause.strip()))
        per_report.append((name, doc.subject.place, found))
    examples = []
    for name, place, found in per_report:
        for m, clause in found:
            body = LEADING.sub("", m.group(1))
            unit = "元" if m.group(4) == "元" else m.group(4)
            scope = "" if place and normalize(body).startswith(normalize(place)[:2]) else place
            question = f"{scope}{body}多少{('万' if m.group(3) and unit == '元' else '')}{unit}？"
            if len(body) < 4 or question in examples:
                continue
            answer = compose(searcher, searcher.search(question))
            if answer.answered and answer.citations[0].doc == name and \
                    normalize(m.group(2)) in normalize(answer.answer):
                examples.append(question)
                break
        if len(examples) == wanted:
            break
    return examples
