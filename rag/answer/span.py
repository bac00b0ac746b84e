"""The exact answer inside a cited sentence: the figure with its unit, the date, the name.

For quantity, amount, percentage and date questions the candidates are the sentence's
numbers with their units (or dates); for person, place and organisation questions, jieba's
names of that kind (and, for people, the name after a post: 政法委书记廖全军). A candidate the question itself contains (the year it names) is not an
answer; of the rest, the one asked with its counting word (多少件 → 件) and nearest the
question's words in the sentence wins. Other kinds of question get no span: the sentence is
the answer. Offsets hold in both scripts (normalization keeps length).
"""
from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.question import CN_NUMERALS, CURRENCIES, MEASURE_WORDS, ASKED_MEASURE, TAELS, QuestionAnalysis
from rag.text.normalize import normalize

_NUM = rf"(?:\d[\d,，]*(?:\.\d+)?|[{CN_NUMERALS}]+)"
_ABOUT = r"(?:约|近|超过|逾|达|共|累计)?"
_SCALE = r"(?:余|多)?[万亿千百]*(?:余|多)?"
SPAN_FORMS = {
    # 4亿5000万加元 is one sum: 5000万加元 alone would be a wrong figure
    "amount": re.compile(rf"{_NUM}(?:[亿万]\d[\d,，]*(?:\.\d+)?)*{_SCALE}(?:{CURRENCIES}|人民币|{TAELS})"),
    "percentage": re.compile(rf"{_NUM}\s*(?:%|％|个百分点)|[{CN_NUMERALS}\d]*分之[{CN_NUMERALS}\d.]+|[{CN_NUMERALS}]成"),
    "date": re.compile(rf"(?:公元前?|西元前?)?\d{{1,4}}\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?)?"
                       rf"|\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?|[{CN_NUMERALS}]+年(?:[{CN_NUMERALS}]+月)?|[{CN_NUMERALS}]+月(?:初?[{CN_NUMERALS}]+[日号]?)?"
                       rf"|\d{{1,2}}\s*世纪(?:\d{{1,2}}年代)?|[{CN_NUMERALS}]+世纪|\d{{2,4}}\s*年代"),
    "quantity": re.compile(rf"第?{_NUM}{_SCALE}(?:{MEASURE_WORDS}|公里|公尺|平方公里|公分|米|%|万|亿)?"),
}
RANK_ASKED = re.compile(r"第(?:几|多少)|排名|排第|名列|位列|位居")
# A count in numerals alone is one with a magnitude (四十万, 三千, 二十二), not a lone 四 of 四级
SPELLED_COUNT = re.compile(r"[一二两三四五六七八九十][百千万亿]|[二三四五六七八九]十")
MONEY = re.compile(CURRENCIES)   # in a figure or right after it (300英镑): a sum, never a count
COUNT_ASKED = re.compile(r"多少(?:余|多)?(?:个|名|件|起|家|所|座|条|项|次|户|场|辆|台|套|处|位)")
NAME_TAGS = {"person": ("nr", "nrt", "nrfg"), "place": ("ns",), "organisation": ("nt",)}
# A name right after a post (政法委书记廖全军): jieba often splits Chinese names (廖 / 全军)
TITLED_NAME = re.compile(r"(?:书记|副书记|局长|院长|检察长|主任|市长|区长|县长|州长|部长|厅长|主席|委员|政委|队长|所长|庭长"
                         r"|法官|检察官|记者|通讯员|经理|董事长|校长|教授)([\u4e00-\u9fff]{2,3})(?=[，,。、:：；;\s（(）)]|$)")
# Who wrote a report (记者 刘任) is named like a post holder; asked who holds a post, it is no answer
_BYLINE_WORDS = r"记者|通讯员|作者|撰稿|编辑|摄影"
BYLINE = re.compile(_BYLINE_WORDS)
BYLINE_BEFORE = re.compile(rf"(?:{_BYLINE_WORDS})[\s:：]*(?:[\u4e00-\u9fff]{{2,3}}[\s、，,]+)*$")   # names after it
NUMERAL = re.compile(r"[\d零〇一二两三四五六七八九十百千万亿]")


@lru_cache(maxsize=8192)
def tagged(normalized_sentence: str) -> tuple[tuple[int, int, str], ...]:
    """jieba's names (two characters or more, no numerals) with their offsets and tags; the
    same retrieved sentences come back question after question, so they are tagged once."""
    import jieba.posseg as pseg
    out, pos = [], 0
    for word, flag in pseg.lcut(normalized_sentence):
        if flag.startswith("n") and len(word) >= 2 and not NUMERAL.search(word):
            out.append((pos, pos + len(word), flag))
        pos += len(word)
    return tuple(out)


def _against(norm: str, figure: tuple[int, int], verb: str, words: tuple[str, ...]) -> tuple[int, int]:
    """How a figure is written against the count asked: (1 if the verb asked comes right before it
    or its noun, the characters of the counted words touching it). 化解4082件 answers 化解了多少件
    矛盾纠纷 before 摸排矛盾纠纷4156件; 101名派出所所长 answers 多少个派出所所长…, not the 335名
    社区民警 after it; 恶势力犯罪集团案件39起 before 组织案件10起. One Han character may stand between."""
    before, after = norm[:figure[0]], norm[figure[1]:]
    touching, lead = 0, before
    for k in range(len(words), 0, -1):
        if re.match(rf"[\u4e00-\u9fff]?{re.escape(''.join(words[:k]))}", after):
            touching = len("".join(words[:k]))
            break
    for k in range(len(words), 0, -1):
        ending = re.search(rf"{re.escape(''.join(words[-k:]))}[\u4e00-\u9fff]?$", before)
        if ending:
            touching, lead = max(touching, len("".join(words[-k:]))), before[:ending.start()]
            break
    return int(bool(verb) and bool(re.search(rf"{re.escape(verb)}[\u4e00-\u9fff]?$", lead))), touching


def answer_span(analysis: QuestionAnalysis, sentence: str) -> tuple[int, int] | None:
    """(start, end) of the answer within ``sentence``, or None when its kind has no span
    or the sentence holds none."""
    norm = normalize(sentence)
    question = normalize(analysis.question)
    kind = analysis.answer_type
    if kind in SPAN_FORMS:
        found = [(m.start(), m.end()) for m in SPAN_FORMS[kind].finditer(norm)
                 if norm[m.start():m.end()].strip("，, ") and norm[m.start():m.end()] not in question
                 and re.search(r"\d|[一二三四五六七八九十两百千万亿]", norm[m.start():m.end()])]
        found = [(s, e - len(norm[s:e]) + len(norm[s:e].rstrip("，, "))) for s, e in found]
        if kind == "quantity":   # a count has digits or a measure word (not 四 of 四级) ...
            counts = COUNT_ASKED.search(question)   # ... and a count of things (多少个) is no sum of money
            rank = bool(RANK_ASKED.search(question))  # ... and a rank (第四) answers only a rank asked
            found = [f for f in found if (rank or norm[f[0]] != "第" and (re.search(r"\d", norm[f[0]:f[1]])
                     or re.search(rf"(?:{MEASURE_WORDS})$", norm[f[0]:f[1]]) or SPELLED_COUNT.search(norm[f[0]:f[1]])))
                     and not (counts and (MONEY.search(norm, f[0], f[1]) or MONEY.match(norm, f[1])))]
        measure = ASKED_MEASURE.search(question) if kind == "quantity" else None
        if measure:   # 多少件 is answered by a number of 件, not by another count in the sentence
            found = [f for f in found if norm[f[0]:f[1]].endswith(measure.group(1))]
        elif kind == "quantity":   # 其中一种, 一个: an article, not a figure, unless its word is the one counted
            found = [f for f in found if not (norm[f[0]] == "一" and f[1] - f[0] == 2 and norm[f[0] + 1] not in question)]
        if kind == "quantity" and found:   # a figure written against the count asked is preferred
            closeness = [_against(norm, f, analysis.count_verb, analysis.count_words) for f in found]
            if max(closeness) > (0, 0):
                found = [f for f, c in zip(found, closeness) if c == max(closeness)]
    elif kind in NAME_TAGS:
        found = [m.span(1) for m in TITLED_NAME.finditer(norm) if m.group(1) not in question] if kind == "person" else []
        found += [(s, e) for s, e, flag in tagged(norm) if flag in NAME_TAGS[kind] and norm[s:e] not in question]
        if kind == "person" and not BYLINE.search(question):   # who wrote it is no answer to who holds a post
            found = [f for f in found if not BYLINE_BEFORE.search(norm[:f[0]])]
    else:
        return None
    if not found:
        return None
    anchors = [m.start() for t in analysis.terms for m in re.finditer(re.escape(t), norm)]
    if not anchors:
        return found[0]
    return min(found, key=lambda f: min(abs(f[0] - a) for a in anchors))
