"""What a cited sentence brings with it: the sentence before it when it points back (该, 他, 同年 …),
the sentence after it when it is a paragraph's run-in heading (健全“责任链”。), and, for sentence
choice, each sentence's run-in heading. Offsets are into the cleaned document text.
"""
from __future__ import annotations

import re

from rag.ingest.chunking import sentence_spans
from rag.text.normalize import normalize

ANTECEDENT_REACH = 2       # sentences a cited sentence pointing back may grow by
RUN_IN_HEADING = 24        # a paragraph's first sentence up to this long heads the rest ("强化科技支撑体系。")
PRONOUNS = "该|这|此|其|它|他|她|牠|祂|上述"   # 牠: OpenCC keeps the Traditional 牠 (牠們 for 它们)
# A sentence opening with a pronoun or demonstrative (他准许穆斯林……, 在这里它们效率最高, 同时,该党), or
# without its subject (又被称为广东话、唐话; 是为史载重庆建城之始; 是欧洲大陆唯一以佛教为主的地区;
# 成为第一位踏上日本国土的传教士; 于瓜伦多卡德与恒河相汇), needs the sentence before it to
# say whom or what it speaks of: both are shown, as one citation. Not 本院 or 本市: a report's
# self-reference is its subject, which the citation names.
POINTS_BACK = re.compile(rf"^[“「（(]?(?:(?:同时|此外|另外|然而|但是?|而且|后来|最终|最后)[,，]?(?:{PRONOUNS})"
                         rf"|[在于从对据自由至]?(?:{PRONOUNS})|又|亦(?!庄)|也(?!门)"
                         r"|同年|次年|翌年|是年|同月|次月"   # 同年9月: which year is said before
                         r"|是(?!否)|成为|原为|曾为|现为|亦为|即为|位于|于)")   # not 亦庄, 也门; 是欧洲…: whose subject?


def sentences_with_lead(text: str):
    """(start, end, run-in heading) of each sentence of a chunk: the heading is the first
    sentence of its line when that is short, for the line's other sentences."""
    out, line_start = [], 0
    for line in text.split("\n"):
        spans = sentence_spans(line)
        lead = line[spans[0][0]:spans[0][1]] if len(spans) > 1 and spans[0][1] - spans[0][0] <= RUN_IN_HEADING else ""
        out += [(line_start + s, line_start + e, lead if i else "", i == 0) for i, (s, e) in enumerate(spans)]
        line_start += len(line) + 1
    return out


def with_body(text: str, start: int, end: int) -> int:
    """Where a cited sentence ``text[start:end]`` should end: after the next sentence of its line
    when it is that line's run-in heading (RUN_IN_HEADING: 健全“责任链”。 before what was done),
    which says what the heading only names; else at ``end``."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end) % (len(text) + 1)
    spans = [(s, e) for s, e in sentence_spans(text[line_start:line_end]) if text[line_start + s:line_start + e].strip()]
    if len(spans) < 2 or line_start + spans[0][0] > start or spans[0][1] - spans[0][0] > RUN_IN_HEADING \
            or line_start + spans[0][1] < end:
        return end
    return line_start + spans[1][1]


def with_antecedent(text: str, start: int, end: int, taken=frozenset(), doc: str = "") -> int:
    """Where a cited sentence ``text[start:end]`` of document ``doc`` should start: at the
    sentence before it in its line when it points back (POINTS_BACK) and that sentence is not
    cited already (``taken``: (document, start) of every cited sentence), and further back, up
    to ANTECEDENT_REACH sentences, while the one reached points back too (这实验演示出… 他因此
    创建了…: whom 他 is, is said before 这实验); else at ``start``."""
    line_start = text.rfind("\n", 0, start) + 1
    before = [(s, e) for s, e in sentence_spans(text[line_start:start]) if text[line_start + s:line_start + e].strip()]
    for _ in range(ANTECEDENT_REACH):
        if not before or not POINTS_BACK.match(normalize(text[start:end])) \
                or (doc, line_start + before[-1][0]) in taken:
            break
        start, end = line_start + before[-1][0], line_start + before[-1][1]
        before.pop()
    return start
