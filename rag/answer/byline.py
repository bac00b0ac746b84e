"""Who wrote a report (达州那篇报告的作者是谁, 乐山的专访是谁写的): the byline it is signed with, not
a name its sentences mention. A news report signs at its end ((李刚 闫军 ), (四川法治报-…记者 刘任)) or
under its title (记者 刘任, 作者：王某, 何政 四川省达州市委常委、政法委书记); the question's own words
(作者, 报告, 这篇) are in no sentence, so coverage would always decline it."""
from __future__ import annotations

import re

from rag.text.normalize import normalize

# asked who wrote the report itself, not the author of a work it names (《红楼梦》的作者是谁)
AUTHOR_ASKED = re.compile(r"作者|谁写|谁撰写|谁采写|执笔|撰稿人|(?:记者|通讯员)(?:是谁|叫什么|是哪位)|哪位记者")
WHO = re.compile(r"谁|哪位|名字|叫什么|作者[是为]?[?？呢]*$")   # a person asked: not 报告中作者提到了哪些措施
OF_THE_REPORT = re.compile(r"报告|文章|这篇|那篇|本文|专访|报道|稿子|署名")
_NAMES = r"[\u4e00-\u9fff]{2,3}(?:[ \u3000、，,]+[\u4e00-\u9fff]{2,3}){0,3}"
_SIGNS = r"记者|通讯员|作者|撰稿|供稿|执笔|文/|文／"
# signed at the end: (李刚 闫军 ), (四川法治报-法治四川新闻客户端记者 刘任)
SIGNED_AT_END = re.compile(rf"[(（](?:[^()（）]{{0,30}}?(?:{_SIGNS})[ \u3000:：]*)?({_NAMES})[ \u3000]*[)）]\s*$")
# signed under the title: 记者 刘任, 作者：王某
SIGNED_AT_TOP = re.compile(rf"^(?:{_SIGNS})[ \u3000:：]*({_NAMES})\s*$")
# an article written by an official, under its title: 何政 四川省达州市委常委、政法委书记
WRITER_AND_POST = re.compile(r"^([\u4e00-\u9fff]{2,3})[ \u3000]+[^\s]{2,30}?(?:书记|局长|院长|检察长|主任|市长|区长|县长|部长|厅长|主席|委员)$")
END_PARAGRAPHS = 3   # a signature closes a report: in its last paragraphs
TOP_PARAGRAPHS = 6   # a byline stands under the title


def asks_author(question: str) -> bool:
    """Whether a question asks who wrote the report it is about (no work named by its title)."""
    norm = normalize(question)
    return bool(AUTHOR_ASKED.search(norm)) and bool(WHO.search(norm)) and "<" not in norm \
        and (bool(OF_THE_REPORT.search(norm)) or "谁写" in norm)


def names_title(question: str, title: str) -> bool:
    """Whether a question names a report by four characters or more of its title (激情奏响…这篇文章)."""
    norm, title = normalize(question), re.sub(r"\W", "", normalize(title))
    return any(title[i:i + 4] in norm for i in range(len(title) - 3))


def byline(text: str, paragraphs) -> tuple[int, int, int, int] | None:
    """(start, end) of the signature of a report and of the names in it
    (``text`` cleaned, ``paragraphs`` its Paragraphs), or None when it signs none. Two names
    or more, or one after a word that signs (记者, 作者), or an official's name above a post:
    a lone bracketed word (试行) signs nothing."""
    for para in paragraphs[-END_PARAGRAPHS:][::-1]:
        piece = normalize(text[para.start:para.end])
        m = SIGNED_AT_END.search(piece)
        if m and (re.search(rf"{_SIGNS}", m.group(0)) or re.search(r"[ \u3000、，,]", m.group(1).strip())):
            at = para.start + m.start()
            return at, para.start + len(piece.rstrip()), para.start + m.start(1), para.start + m.start(1) + len(m.group(1).rstrip())
    for para in paragraphs[:TOP_PARAGRAPHS]:
        piece = normalize(text[para.start:para.end]).strip()
        m = SIGNED_AT_TOP.match(piece) or WRITER_AND_POST.match(piece)
        if m:
            at = text.index(text[para.start:para.end].strip(), para.start)
            return at, at + len(piece), at + m.start(1), at + m.end(1)
    return None
