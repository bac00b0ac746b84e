"""Words jieba makes up around a name it does not know, repaired before coverage weighs them:
a function character glued on (南竿会 of 去南竿会搭), or a name cut into single characters
(红/钻/鱼 of 红钻鱼又叫什么), or two words made one that the passages write apart (铁路沿线 of
津蓟铁路沿线设置了哪几个站点: 铁路…沿线). No passage holds such a word, so left as it is it would count
as a missing fact (rag.answer.question, rag.answer.extract)."""
from __future__ import annotations

import re

from rag.text.tokens import STOP_CHARS, word_frequency

# jieba's unknown-word model glues a function character to a name it does not know (南竿会 of
# 去南竿会搭, 和浩汉 of 宏碁和浩汉): no passage holds such a word, so it would count as missing.
GLUED = "会都于以在和与及是的了为被把将则上中内住边从对向更也还就又"


# A name jieba does not know may come out as single characters (红/钻/鱼 of 红钻鱼又叫什么, 票/王 of
# 什么是票王) or as Latin with digits, which the word filter drops (stam1na): a question made only
# of those would weigh no word, and always be declined.
LATIN_AND_DIGITS = re.compile(r"(?=[a-z0-9]*[a-z])(?=[a-z0-9]*\d)[a-z0-9]+")   # stam1na, g20
FUNCTION_CHARS = set(GLUED) | set("叫称") | STOP_CHARS
NAME_CHAR = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def split_name(pieces: list[str]) -> tuple[str, ...]:
    """For a question without a word of two characters or more: its Latin-and-digit names
    (stam1na), its runs of single content characters joined (红钻鱼), else those characters
    themselves (䲟)."""
    names = [p for p in pieces if LATIN_AND_DIGITS.fullmatch(p)]
    runs, run = [], ""
    for piece in pieces + [" "]:
        if len(piece) == 1 and NAME_CHAR.fullmatch(piece) and piece not in FUNCTION_CHARS:
            run += piece
            continue
        if run:
            runs.append(run)
        run = ""
    joined = [r for r in runs if len(r) > 1]
    return tuple(dict.fromkeys(names + (joined or runs)))


def unglued(word: str) -> str:
    """A word jieba made up, without the function character it glued on; any other word as it
    is. A two-character one stays: its other character is often the end of a name (马赛/罗在)."""
    if len(word) < 3 or word_frequency(word):
        return word
    if word[-1] in GLUED:
        return word[:-1]
    if word[0] in GLUED:
        return word[1:]
    return word


def written_apart(word: str, normalized_texts) -> tuple[str, ...]:
    """The pieces of a word of four characters or more that none of the texts holds whole but
    one holds a piece of (投入使用 → 投入, 使用; 雪亮工程建设 cut 雪亮/工程建设 → 工程, 建设), to weigh in its
    stead; () when a text holds it, or none of its pieces. Not a shorter one: 满意度 or 破案率
    without its suffix is another thing."""
    if len(word) < 4 or any(word in text for text in normalized_texts):
        return ()
    import jieba   # lazy, as everywhere jieba is used
    pieces = tuple(dict.fromkeys(p for p in jieba.lcut_for_search(word) if p != word and len(p) >= 2))
    return pieces if any(p in text for p in pieces for text in normalized_texts) else ()
