"""A yes/no question that states a figure (达州建成了5万个监控探头吗?) is answered with the figure the
cited sentence states, read as the count it asks (达州建成了多少个监控探头?), and says whether the two
differ: a sentence holding 4.2万余个, shown under a question of 5万个, must not read as a yes."""
from __future__ import annotations

import re
from dataclasses import dataclass

from rag.answer.counts import COUNTERS
from rag.text.normalize import normalize

# a figure in digits with its scale and counter (5万个, 4.2万余个, 50人, 98%)
STATED = re.compile(rf"(\d+(?:\.\d+)?)([万亿千百]?)(余|多)?(个|人|{COUNTERS}|%)")
YES_NO = re.compile(r"是不是|是否|有没有|吗(?=[?？!！。]*$)|对吗|对不对")
SCALES = {"": 1, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}


@dataclass(frozen=True)
class Premise:
    figure: str      # as the question writes it (5万个)
    count: str       # the question asking for it instead (达州建成了多少个监控探头?)


def premise(question: str) -> Premise | None:
    """The figure a yes/no question states and the count question asking it, or None."""
    norm = normalize(question)
    stated = list(STATED.finditer(norm))
    if len(stated) != 1 or not YES_NO.search(norm):
        return None
    m = stated[0]
    asked = "百分之多少" if m.group(4) == "%" else f"多少{m.group(4)}"
    count = norm[:m.start()] + asked + norm[m.end():]
    # 有没有 asks what there is (有), 是不是 what it is (是): 司法所是不是21个 asks 司法所是多少个, not 新建的5个
    count = YES_NO.sub(lambda m: {"有没有": "有", "是不是": "是", "是否": "是"}.get(m.group(), ""), count).strip()
    return Premise(question[m.start():m.end()], count)


def same_figure(asked: str, stated: str) -> bool:
    """Whether a figure the report states is the one asked (4.2万 and 42000; 余 and 多 aside)."""
    def value(text: str):
        m = STATED.search(normalize(text).replace(",", "").replace("，", ""))
        return (float(m.group(1)) * SCALES[m.group(2)], m.group(4)) if m else None
    a, b = value(asked), value(stated)
    return a is not None and a == b
