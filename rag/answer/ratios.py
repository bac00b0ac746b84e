"""Figures asked relative to something, in a work report's sentence: a figure per unit (人均, 平均每个,
每年) is one the report writes per unit, never a total beside it (网格1761个 does not say how many
网格 each 网格员 manages; 五年来…4.8万起 is no yearly figure; 小所2人、大所3人 is no average); a share
asked of a thing the question names (本科以上文凭的比例, 现实矛盾问题化解了百分之多少) is not a rate of
another thing (培训率达100%, the 化解率 of 矛盾纠纷)."""
from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.against import clause_at

PER_UNIT_ASKED = re.compile(r"人均|平均|年均|每[个名人位所家户村支条项台辆年月天日]")
PER_UNIT_STATED = re.compile(r"人均|平均|均|每|/")
SHARE_PHRASE = re.compile(r"了?(?:百分之(?:多少|几)|的?(?:比例|比率|占比))")
RATE_NAMED_BEFORE = re.compile(r"([\u4e00-\u9fff]{2})率(?:为|是|达到?|仅为|保持在?)?$")


def relative_as_asked(norm: str, found: list[tuple[int, int]], question: str, share_unnamed: bool) -> list[tuple[int, int]]:
    """per_unit_stated, then, for a share asked of a rate the question does not name, other_rates_dropped."""
    found = per_unit_stated(norm, found, question)
    if not share_unnamed:
        return found
    thing = share_of(question)
    return other_rates_dropped(norm, found, question) if not thing or thing in norm else []


def per_unit_stated(norm: str, found: list[tuple[int, int]], question: str) -> list[tuple[int, int]]:
    """Of the figures ``found`` in a normalized sentence, those that can answer a figure per unit
    when the question asks one: a word saying so in their clause before them, or right after."""
    if not PER_UNIT_ASKED.search(question):
        return found
    return [f for f in found if PER_UNIT_STATED.search(norm, clause_at(norm, f[0])[0], f[0])
            or PER_UNIT_STATED.match(norm, f[1])]


def other_rates_dropped(norm: str, found: list[tuple[int, int]], question: str) -> list[tuple[int, int]]:
    """Of the percentages ``found``, those not written after a rate the question does not name
    (培训率达100% for 本科以上文凭的比例是多少): for a question that names no rate of its own."""
    return [f for f in found if not ((named := RATE_NAMED_BEFORE.search(norm, 0, f[0])) and named.group(1) not in question)]


@lru_cache(maxsize=1024)
def share_of(question: str) -> str:
    """The noun a share asked is of, where the share is of a deed done to it (问题 of
    现实矛盾问题化解了百分之多少; "" for 本科以上文凭的比例, which names no deed): a sentence stating
    the share writes it. Read once per question, not once per candidate sentence."""
    import jieba.posseg as pseg
    phrase = SHARE_PHRASE.search(question)
    tagged = [(w.word, w.flag) for w in pseg.lcut(question[:phrase.start()])] if phrase else []
    deed = 0
    while tagged and tagged[-1][1] == "v":
        tagged.pop()
        deed += 1
    head = tagged[-1] if tagged else ("", "")
    return head[0] if deed and len(head[0]) >= 2 and head[1].startswith("n") and head[1] != "ns" else ""
