"""Units of measure a question asks in (多少公分, 几公斤) and the figures that answer it.

A figure in another unit of the same kind may answer (35厘米 for 多少公分; an article keeps
to one system, but quotes may not), one of another kind never: 标准体长约为体高之3.18倍 does
not say how long a fish grows, and 水深350公尺 beside 体长可达5公分 is the depth. Of two figures of
the asked kind, the one in the very unit asked goes first (rag.answer.span).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# longest first within a kind, so that 平方公里 is not read as 公里 nor 毫米 as 米
UNIT_KINDS = {
    "length": ("公分", "厘米", "毫米", "公里", "千米", "公尺", "英尺", "英寸", "英里", "海里", "米", "呎", "吋",
               "cm", "mm", "km"),
    "area": ("平方公里", "平方千米", "平方英里", "平方公尺", "平方米", "公顷", "英亩", "亩"),
    "weight": ("公斤", "千克", "公吨", "毫克", "吨", "磅", "克", "kg"),
    "volume": ("立方米", "立方公尺", "毫升", "公升", "升"),
    "age": ("岁",),
    # not 年, 月 or 日: 多少年 is answered by 1990年至2000年 too, and 26日 is a day of the month
    "duration": ("小时", "分钟", "星期", "天", "周", "秒"),
}
UNIT_OF = {unit: kind for kind, units in UNIT_KINDS.items() for unit in units}
ALL_UNITS = "|".join(sorted(UNIT_OF, key=len, reverse=True))
# 多少公分, 几公斤, 多少平方公里; not a word the unit opens (the 天 of 多少天然气: asked_unit)
UNIT_ASKED = re.compile(rf"(?:多少|几)(?:余|多)?({ALL_UNITS})")
CN_NUMERALS = "零〇一二两三四五六七八九十百千万亿"
NUMBER_BEFORE = rf"(?:\d|[{CN_NUMERALS}])\s*(?:余|多)?[万亿千百]*\s*"   # a number and its scale, before its unit


@dataclass(frozen=True)
class AskedUnit:
    unit: str            # as asked, normalized: 公分
    kind: str            # length, area, weight, volume, age, duration
    stated: re.Pattern   # a figure written in a unit of that kind

    def exact(self, figure: str) -> bool:
        """Whether a figure (35公分, 5-11公分) is written in the very unit asked."""
        return unit_of(figure) == self.unit

    def of_kind(self, figure: str) -> bool:
        return UNIT_OF.get(unit_of(figure)) == self.kind


def _alternation(kind: str) -> str:
    return "|".join(UNIT_KINDS[kind])


FIGURE_UNIT = re.compile(rf"{NUMBER_BEFORE}({ALL_UNITS})(?:以上|以下|以内)?$", re.IGNORECASE)


def unit_of(figure: str) -> str:
    """The unit of measure a figure is written in, right after its number (300平方米: 平方米), or ""."""
    found = FIGURE_UNIT.search(figure)
    return found.group(1).lower() if found else ""


def _word_runs_on(text: str, start: int, end: int) -> bool:
    """Whether one of jieba's words of ``text`` starts at ``start`` and runs on past ``end``: the
    天 of 多少天然气 opens a word, the 天 of 几天几夜 and the 公斤 of 几公斤 do not."""
    import jieba
    return any(s == start and e > end for _, s, e in jieba.tokenize(text))


@lru_cache(maxsize=1024)   # asked of every candidate sentence's question
def asked_unit(normalized_question: str) -> AskedUnit | None:
    """The unit of measure a (normalized) question asks its figure in, or None."""
    found = UNIT_ASKED.search(normalized_question.lower())
    if not found or _word_runs_on(normalized_question.lower(), found.start(1), found.end(1)):
        return None
    kind = UNIT_OF[found.group(1)]
    # the unit right after the number: 100平方米 is no length
    stated = re.compile(rf"{NUMBER_BEFORE}(?:{_alternation(kind)})", re.IGNORECASE)
    return AskedUnit(found.group(1), kind, stated)
