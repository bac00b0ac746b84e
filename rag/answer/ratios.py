"""Figures asked relative to something, in a work report's sentence: a figure per unit (人均, 平均每个)
is one the report writes per unit, never a total beside it (网格1761个 does not say how many
网格 each 网格员 manages; 小所2人、大所3人 is no average); a share asked of a thing the question
names (本科以上文凭的比例) is not a rate of another thing (培训率达100%)."""
from __future__ import annotations

import re

from rag.answer.against import clause_at

PER_UNIT_ASKED = re.compile(r"人均|平均|每[个名人位所家户村支条项台辆]")
PER_UNIT_STATED = re.compile(r"人均|平均|均|每|/")
RATE_NAMED_BEFORE = re.compile(r"([\u4e00-\u9fff]{2})率(?:为|是|达到?|仅为|保持在?)?$")


def relative_as_asked(norm: str, found: list[tuple[int, int]], question: str, share_unnamed: bool) -> list[tuple[int, int]]:
    """per_unit_stated, then, for a share asked of a rate the question does not name, other_rates_dropped."""
    found = per_unit_stated(norm, found, question)
    return other_rates_dropped(norm, found, question) if share_unnamed else found


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
