"""Answers to "有哪些措施/做法" questions: the items of the part of a report that answers,
each cited, rather than the one sentence that best matches.

Work reports list measures in two shapes: a paragraph led by a run-in heading
("强化政法队伍建设。") whose sentences are the measures, and a section heading ("提升业务能力")
whose paragraphs each open with one ("强化科技支撑体系。", "强化政法队伍建设。" …). When the
question's words are in the run-in heading of the paragraph holding the best sentence, its
sentences are the items; when they are in the section heading above it, the run-in headings
of the section's paragraphs are. Otherwise the answer stays as sentence choice made it.

A question naming no place is answered from up to LIST_REPORTS reports, each with its share of
the MAX_ITEMS items: the reports whose passages sit in a list, in the order retrieval found them,
so a report whose best sentence is a lone remark (张掖's 若干措施) gives way to the next one
whose paragraph is headed by what was asked (达州's 强化政法队伍建设).
"""
from __future__ import annotations

import re
from collections import Counter

from rag.answer.context import RUN_IN_HEADING
from rag.answer.sentences import coverage
from rag.ingest.chunking import sentence_spans
from rag.ingest.clean import CleanDocument
from rag.text.normalize import normalize

MAX_ITEMS = 5
LIST_REPORTS = 2   # reports a list answer is drawn from when the question names no place
LIST_TRIES = 3     # a report's passages tried for the paragraph or section a list comes from
# what a list question asks for, not what it is about: a heading never says 措施
LIST_WORDS = frozenset({"措施", "做法", "举措", "方面", "工作", "内容", "经验", "成效", "成绩", "方式", "手段", "机制",
                        "包括", "主要", "哪些", "采取", "开展", "推出", "实施", "如何", "怎样", "部署", "打算", "安排",
                        "计划"})
MATCHED = 0.5   # share of the question's (idf-weighted) content words a heading must hold
ENUMERATED = re.compile(r"\s*(?:[一二三四五六七八九十]+是|[(（][一二三四五六七八九十]+[)）]|[一二三四五六七八九十]+、)")
# a sentence that counts its items off in one breath: 统筹开展A、B、C……等十大“除险保安百日攻坚行动”
INLINE_LIST = re.compile(r"(?:[^、，,。；;]{2,24}、){2,}[^、，,。；;]{2,24}等[一二三四五六七八九十两\d]+[大项个类种条方面]")


def _lead(text: str) -> tuple[int, int] | None:
    """The run-in heading of a paragraph: its first sentence when short and more follow."""
    spans = sentence_spans(text)
    if len(spans) > 1 and spans[0][1] - spans[0][0] <= RUN_IN_HEADING:
        return spans[0]
    return None


def list_items(doc: CleanDocument, offset: int, terms, weights) -> list[tuple[int, int]]:
    """Spans (cleaned text) of up to MAX_ITEMS items answering a list question whose best
    sentence starts at ``offset`` in ``doc``; [] when no list shape holds the question."""
    kept = [i for i, t in enumerate(terms) if t not in LIST_WORDS]
    terms, weights = [terms[i] for i in kept], weights[kept]
    at = next((i for i, p in enumerate(doc.paragraphs) if p.start <= offset < p.end), None)
    if at is None or doc.paragraphs[at].heading:
        return []
    para = doc.paragraphs[at]
    text = doc.text[para.start:para.end]
    lead = _lead(text)
    if lead and coverage(terms, weights, normalize(text[lead[0]:lead[1]])) >= MATCHED:
        spans = sentence_spans(text)[1:MAX_ITEMS + 1]
        return [(para.start + s, para.start + e) for s, e in spans]
    items = _inline(doc, at, terms, weights) or _enumerated(doc, at, terms, weights)
    if items:
        return items
    first = at
    while first > 0 and not doc.paragraphs[first - 1].heading:
        first -= 1
    heading = doc.paragraphs[first - 1] if first > 0 else None
    if heading is None or coverage(terms, weights, normalize(doc.text[heading.start:heading.end])) < MATCHED:
        return []
    items = []
    for p in doc.paragraphs[first:]:
        if p.heading or len(items) == MAX_ITEMS:
            break
        lead = _lead(doc.text[p.start:p.end])
        if lead:
            items.append((p.start + lead[0], p.start + lead[1]))
    return items if len(items) >= 2 else []


def _enumerated(doc: CleanDocument, at: int, terms, weights) -> list[tuple[int, int]]:
    """The third shape: a paragraph announcing what follows (为做好…“后半篇”文章,我们将…) and
    paragraphs counting it off (一是突出政治建警。…, 二是…): their run-in headings."""
    paragraphs = doc.paragraphs
    def text(i):
        return doc.text[paragraphs[i].start:paragraphs[i].end]
    intro = at
    while intro > 0 and ENUMERATED.match(text(intro)) and not paragraphs[intro - 1].heading:
        intro -= 1
    # a paragraph says much: it announces the list only if it names every word asked about
    if ENUMERATED.match(text(intro)) or coverage(terms, weights, normalize(text(intro))) < 1.0:
        return []
    inline = _inline(doc, intro, terms, weights) if intro != at else []
    if inline:
        return inline   # it lists what was asked itself; what follows is another list
    items = []
    for i in range(intro + 1, len(paragraphs)):
        if paragraphs[i].heading or not ENUMERATED.match(text(i)) or len(items) == MAX_ITEMS:
            break
        first = _lead(text(i)) or sentence_spans(text(i))[0]
        items.append((paragraphs[i].start + first[0], paragraphs[i].start + first[1]))
    return items if len(items) >= 2 else []


def _inline(doc: CleanDocument, at: int, terms, weights) -> list[tuple[int, int]]:
    """The fourth shape: a sentence of paragraph ``at`` naming every word asked about and
    counting its items off in one breath (INLINE_LIST), as the one item that holds them all."""
    para = doc.paragraphs[at]
    text = doc.text[para.start:para.end]
    return next(([(para.start + a, para.start + b)] for a, b in sentence_spans(text)
                 if INLINE_LIST.search(text[a:b]) and coverage(terms, weights, normalize(text[a:b])) >= 1.0), [])


def list_answer(documents, anchors, terms, weights, reports: int) -> list[tuple[str, str, int, int]]:
    """(doc, section, start, end) of the items of a list answer, grouped by report: ``anchors``
    are (doc, section, offset) of passages, best first; the first LIST_TRIES of each report are
    tried, and the first ``reports`` reports that sit in a list share MAX_ITEMS items in turn."""
    found, tried = {}, Counter()
    for doc, section, offset in anchors:
        if doc in found or tried[doc] == LIST_TRIES:
            continue
        tried[doc] += 1
        items = list_items(documents[doc], offset, terms, weights)
        if items:
            found[doc] = [(doc, section, a, b) for a, b in items]
            if len(found) == reports:
                break
    # one item per report in turn: its k-th item is the k-th round's
    turns = Counter([doc for k in range(MAX_ITEMS) for doc in found if k < len(found[doc])][:MAX_ITEMS])
    return [item for doc in found for item in found[doc][:turns[doc]]]
