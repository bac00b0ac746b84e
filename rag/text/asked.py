"""What an asker types around a question: a greeting, a lead-in, thanks, spaces between Chinese
words (您好，我想问一下，达州 防范化解风险点 多少个？谢谢). None of it is asked, yet left in it would
weigh as words no passage holds and split the search's character pairs. Cantonese question words
(幾多, 嘅, 咗, 有冇) are read as the written language's (多少, 的, 了, 有没有), which the analysis knows."""
from __future__ import annotations

import re

from rag.text.normalize import is_traditional, to_simplified

COURTESY_BEFORE = re.compile(r"^(?:(?:您好|你好|老师好|打扰一下|打扰了|不好意思)[,，!！。~～\s]*"
                             r"|(?:请问|麻烦问一下|麻烦问下|我?想(?:问一下|问问|问下|问|知道|了解一下|了解)"
                             # 看看 only after 帮我: 看看守所 asks of a 看守所
                             r"|(?:请|麻烦)?(?:帮我|帮忙)(?:查一下|查查|查下|看一下|看看)|(?:请|麻烦)?(?:查一下|看一下)|请?告诉我)"
                             r"[,，:：\s]*)+")
COURTESY_AFTER = re.compile(r"(?:[,，\s]*(?:谢谢(?:您|你|啦|了)?|多谢)"   # 感谢 only set apart: 收到多少封感谢
                            r"|(?:(?<=[?？])|[,，])\s*(?:感谢(?:您|你)?|麻烦了|麻烦(?:您|你)了|辛苦了))[!！。.~～\s]*$")
_CJK = "\u4e00-\u9fff\u3000-\u303f\uff01-\uff60“”‘’"
# a title keeps the spaces inside it (《ONE PIECE 被诅咒的圣剑》, 「…妖魅狂歌 鬼子母神…」), Latin words theirs
# (Wow! eye Taiwan); a quoted term (“ 雪亮 工程 ”) is words like the rest
SPACED = re.compile(rf"(《[^》]*》|「[^」]*」)|(?<=[{_CJK}])\s+(?=[{_CJK}\d?!,.:;()%])"
                    rf"|(?<=[\d?!,.:;()%])\s+(?=[{_CJK}])")


# a year in numerals (二〇一五年, 二零二一年) is the year a report writes in digits
YEAR_IN_NUMERALS = re.compile(r"(?<![〇零一二三四五六七八九十百千万亿])[一二][〇零一二三四五六七八九]{3}(?=年)")
DIGIT_OF = str.maketrans("〇零一二三四五六七八九", "00123456789")


def _unspaced(match: re.Match) -> str:
    """A space between words dropped; a title kept, only the spaces inside its marks trimmed."""
    title = match.group(1)
    return title[0] + title[1:-1].strip() + title[-1] if title else ""


# Cantonese words an asker in Hong Kong types (written Cantonese has no other use in a question):
# (Traditional, Simplified) for each; none of them is a Mandarin word (幾多 only in verse)
CANTONESE = {"有冇": ("有沒有", "有没有"), "冇": ("沒", "没"), "幾多": ("多少", "多少"), "几多": ("多少", "多少"),
             "嘅": ("的", "的"), "咗": ("了", "了"), "邊個": ("哪個", "哪个"), "边个": ("哪個", "哪个"),
             "邊度": ("哪裡", "哪里"), "边度": ("哪裡", "哪里"), "乜嘢": ("什麼", "什么"), "點樣": ("怎樣", "怎样")}
CANTONESE_WORD = re.compile("|".join(sorted(CANTONESE, key=len, reverse=True)))


def written(question: str) -> str:
    """The question with its Cantonese words in the written language's, in its own script."""
    script = 0 if is_traditional(question) else 1
    return CANTONESE_WORD.sub(lambda m: CANTONESE[m.group()][script], question)


def plain_question(typed: str) -> str:
    """The question without spaces between Chinese words and without the asker's greeting, lead-in
    and thanks, in either script (幫我查一下; as typed when nothing else would be left: 谢谢), its
    years in digits."""
    unspaced = SPACED.sub(_unspaced, typed.strip())
    simplified = to_simplified(unspaced)   # same length: its offsets are the typed text's
    before = COURTESY_BEFORE.match(simplified)
    after = COURTESY_AFTER.search(simplified, before.end() if before else 0)
    plain = unspaced[before.end() if before else 0:after.start() if after else len(unspaced)]
    plain = plain if re.search(r"[^\W_]", plain) else unspaced
    return written(YEAR_IN_NUMERALS.sub(lambda m: m.group().translate(DIGIT_OF), plain))
