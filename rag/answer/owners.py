"""Whose a figure is, where a report writes several of one kind in a row: the owner after the
figure's 的 (配备10名事业编制的市综治中心和配备6名事业编制的市法学会) or the label right before each
item (司法所小所2人、大所3人). Span finding (rag.answer.span) keeps the ones the question names.
"""
from __future__ import annotations

import re

from rag.answer.question import QuestionAnalysis

OWNER_AFTER = re.compile(r"([\u4e00-\u9fff]{1,8}?)的([^和与及、,，;；。]{2,12})")   # 10名事业编制的市综治中心


def owner_after(norm: str, figure: tuple[int, int], counted: tuple[str, ...] | None) -> str:
    """What a figure of the things ``counted`` is written for, after their 的 (10名事业编制的市综治中心:
    市综治中心); "" when none, or when the 的 says which things (6个撤并的基层派出所). ``counted``
    None: whatever the words before the 的."""
    m = OWNER_AFTER.match(norm, figure[1])
    return m.group(2) if m and (counted is None or any(w in m.group(1) for w in counted)) else ""


def _owner_only(analysis: QuestionAnalysis) -> bool:
    """Whether a count asks for the people of what its words name (市综治中心有多少人, 法学会有几个人)."""
    return analysis.counted in ("", "人", "人员")


def owner_asked(norm: str, figure: tuple[int, int], analysis: QuestionAnalysis) -> str:
    """owner_after for the count asked; for the people of what the question names, whatever the
    words before the 的 (10名事业编制的市综治中心)."""
    return owner_after(norm, figure, None if _owner_only(analysis) else analysis.count_words)


def owned_as_asked(norm: str, found: list[tuple[int, int]], analysis: QuestionAnalysis) -> list[tuple[int, int]]:
    """Of figures each written for what follows its 的 (配备10名事业编制的市综治中心和配备6名事业编制的市法学会),
    those of the owner the question names (综治中心 of 市综治中心有多少事业编制), where one is."""
    owners = [t for t in analysis.terms if t not in analysis.count_words] or \
        (list(analysis.terms) if _owner_only(analysis) else [])
    after = [owner_asked(norm, f, analysis) for f in found]
    named = [any(o in a for o in owners) for a in after]
    return [f for f, a, n in zip(found, after, named) if n or not a] if any(named) else found


def labelled_as_asked(norm: str, found: list[tuple[int, int]], question: str) -> list[tuple[int, int]]:
    """Of figures in a run of items each labelled right before it (司法所小所2人、大所3人), the ones
    whose label the (normalized) question writes, by its end (大所配几个人: 3人), read by
    characters, as jieba may glue a label to the words around it (所大所配)."""
    found = sorted(found)
    items = {f for pair in zip(found, found[1:]) if re.fullmatch(r"、[\u4e00-\u9fff]{1,8}", norm[pair[0][1]:pair[1][0]])
             for f in pair}
    label = {f: re.search(r"[\u4e00-\u9fff]{0,8}$", norm[:f[0]]).group() for f in items}
    asked = {f for f, words in label.items() if any(words[i:] in question for i in range(len(words) - 1))}
    return [f for f in found if f not in items or f in asked] if asked and asked != items else found
