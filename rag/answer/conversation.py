"""Follow-up questions ("那张掖呢?", "这个数字是哪一年的?") rewritten into the standalone
question they stand for, so that retrieval, the scope check and the person reading the
answer all see the same question: "那张掖呢?" after "达州建成了多少个雪亮工程监控探头?"
becomes "张掖建成了多少个雪亮工程监控探头?" (the new place put in the old one's stead),
never the two questions glued together.
"""
from __future__ import annotations

import re

from rag.answer.counts import COUNTERS, NOT_COUNTED, deed_opening
from rag.answer.question import CURRENT_YEAR_ASKED, LEVELS, QUESTION_WORD, RATE_ASKED, RELATIVE_YEARS, analyze
from rag.text.asked import plain_question
from rag.text.normalize import convert_script, is_traditional, normalize, to_simplified

# Openers and references that only make sense after an earlier question.
FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|而|其中|它|他们|她们|他|她|该|此|这)|这个|这些|那个|那些|上述|其|呢[?？]?$")
SHORT_QUESTION = 8  # characters; shorter questions rarely stand alone
OPENER = re.compile(r"^(那么|那|还有|另外|而|至于)\s*")
SOFT_OPENER = re.compile(r"^(那么|那|而|至于)\s*")     # dropped when the topic goes in front
COUNTER = re.compile(rf"个|人|位|种|类|{COUNTERS}")   # 个 of 多少个雪亮工程监控探头; not a unit (平方公里)
# 荣昌区又是多少?, 新建了几个?
TRAILER = re.compile(rf"(的情况|情况|的)?(又|也)?(是)?((?:多少|几)(?:{COUNTER.pattern})?|怎么样|如何)?呢?[?？!！。\s]*$")
DEMONSTRATIVE = re.compile(r"这个|这一|这些|那个|该|此|上述")   # 这个数字 -> <topic>的数字
PRONOUN = re.compile(r"它们|它|他们|她们|其(?!中|他|它|余|实)|^这(?=是)")   # 它, 他们, 这是 -> <topic>
FIGURE_ITSELF = re.compile(r"数字|数据|数值|统计|数")   # 这个数字: the figure the previous answer gave, its topic
FIGURE_LAST = re.compile(r"^(这|这个)(?:是|为)(哪一?年|什么时候|何时)的(数字|数据|数值|统计)")
PART_OF_PREVIOUS = re.compile(r"^其中(.+)")
AGAINST_PREVIOUS = re.compile(r"^(比[^,，。?？]{1,12}?(?:多|少|高|低))了?(?:多少|几)")
PERSONAL = re.compile(r"[他她](?!们)")                            # 他 -> the person the previous question names
RATE_NAMED = re.compile(rf"[\u4e00-\u9fff]{{1,8}}率|{LEVELS}")     # a follow-up naming a rate alone: 结案率呢?
# 今年呢? after a question of 去年: the year in its stead (the report's own, or one relative to it)
RELATIVE_YEAR = re.compile("|".join((CURRENT_YEAR_ASKED.pattern, *RELATIVE_YEARS)))
# What a question asks for, cut from the previous question to leave its topic.
ASKING = re.compile(r"(是|有)?第?(多少|几)[个名家次件起所座条项人位支批万千百十倍种类年天岁路]?|哪些|叫做?什么|什么|哪一?年|谁|是否|如何|怎样"
                    r"|吗|呢|[?？!！。]+$")


def is_follow_up(question: str) -> bool:
    q = normalize(question).strip()
    return bool(FOLLOW_UP.search(q)) or len(re.sub(r"[\W_]", "", q)) < SHORT_QUESTION


def rewrite(question: str, previous: str | None) -> str:
    """The standalone question a follow-up stands for; the question itself if it stands alone
    (or there is nothing before it). Questions in Traditional characters are rewritten in their
    Simplified form, which the patterns and jieba read, and given back in Traditional (這個數字
    is 这个数字)."""
    question = question.strip()
    if not previous or not previous.strip():
        return question
    previous = plain_question(previous)   # as typed before, greeting and all (rag ask --previous)
    traditional = is_traditional(question)
    if not (traditional or is_traditional(previous)):
        return _rewrite(question, previous)
    simplified = to_simplified(question)
    rewritten = _rewrite(simplified, to_simplified(previous))
    if rewritten == simplified:
        return question
    # in the asker's script: the question's, or the previous one's when it has no telling character (今年呢?)
    if not (traditional or convert_script(question, "traditional") == question):
        return rewritten
    # each character as the asker wrote it (群眾, where OpenCC's s2t writes 羣衆), the rest converted
    written = {s: t for text in (previous, question) for s, t in zip(to_simplified(text), text)}
    return "".join(written.get(ch) or convert_script(ch, "traditional") for ch in rewritten)


def _rewrite(question: str, previous: str) -> str:
    if not is_follow_up(question):
        return _with_place(question, previous)
    asked, before = analyze(question), analyze(previous)
    core = TRAILER.sub("", OPENER.sub("", question))
    rest = core
    relative = RELATIVE_YEAR.findall(core)
    for form in (*asked.place_forms, *(f"{y}年" for y in asked.years), *(str(y) for y in asked.years), *relative):
        rest = rest.replace(form, "")
    if (asked.places or asked.years or relative) and not rest.strip():
        return _substitute_scope(previous, before, asked, relative)
    # 这是哪一年的数字? asks what 这个数字是哪一年的? asks
    plain = FIGURE_LAST.sub(r"这个\3是\2的", SOFT_OPENER.sub("", question))
    if part := PART_OF_PREVIOUS.match(plain):   # 其中市级的有几个? after 张掖综治中心有多少个?: a part of those
        return f"{_topic(previous)}中{part.group(1)}"
    if against := AGAINST_PREVIOUS.match(plain):   # 比检察官多多少? after 荣昌入额法官多少人?: that figure against another's
        return f"{_topic(previous)}{against.group(1)}多少{_counter(previous)}?"
    if RATE_NAMED.fullmatch(normalize(core).strip()):
        # 结案率呢? after 荣昌化解矛盾纠纷多少件: the rate of that (not 结案率多少件); after another rate, in its stead
        if asked.places:   # 张掖的化解率呢? names its own place and rate: it asks that alone
            return f"{core.strip()}是多少?"
        rates = list(RATE_ASKED.finditer(previous)) if before.answer_type == "percentage" else []
        if rates:
            return previous[:rates[-1].start()] + core.strip() + previous[rates[-1].end():]
        return f"{_topic(previous)}的{core.strip()}是多少?"
    if rest.strip() and not QUESTION_WORD.search(normalize(core)) and not DEMONSTRATIVE.search(core) \
            and not PRONOUN.search(core):
        if _counts_otherwise(question, previous):   # 处理了多少人? after 排查整治顽瘴痼疾多少个?: other things
            return (before.place_forms[0] if before.place_forms and not asked.places else "") + SOFT_OPENER.sub("", question)
        other = _substitute_thing(previous, core.strip())
        if other:
            return other
    # 他 is the person the previous question names, or the one it asked about (书记是谁 → that 书记)
    person = (_person(previous) or (_topic(previous) if before.answer_type == "person" else "")) \
        if PERSONAL.search(plain) else ""
    if person:
        return PERSONAL.sub(person, plain, count=1)
    topic = _topic(previous)
    if found := DEMONSTRATIVE.search(plain):
        # 这些法官 after 荣昌入额法官多少人: the topic names them already (not 荣昌入额法官的法官)
        named = next((n for n in range(len(plain) - found.end(), 1, -1)
                      if topic.endswith(plain[found.end():found.end() + n])), 0)
        if not named and (figure := FIGURE_ITSELF.match(plain, found.end())):   # 这个数字是哪一年的: the topic's
            return plain[:found.start()] + topic + plain[figure.end():]
        return plain[:found.start()] + (topic if named else topic + "的") + plain[found.end() + named:]
    if PRONOUN.search(plain):
        return PRONOUN.sub(topic, plain, count=1)
    return f"{topic}{'' if plain.startswith(('还有', '另外')) else '，'}{plain}"


def _with_place(question: str, previous: str) -> str:
    """A question that opens with its verb and names no place (配备了多少名网格管理人员? after
    荣昌划分了多少个网格?) asks of the place the previous question named; any other stands alone."""
    import jieba.posseg as pseg   # lazy, as in rag.answer.question
    before = analyze(previous)
    opening = pseg.lcut(question)[:1]
    # a deed jieba glued to its things opens with its verb too (化解矛盾纠纷多少件?)
    verb = opening and (opening[0].flag == "v" or deed_opening(opening[0].word))
    if not before.place_forms or analyze(question).places or not verb:
        return question
    return before.place_forms[0] + question


def _substitute_scope(previous: str, before, asked, relative: list[str]) -> str:
    """The previous question with the follow-up's place and year (2021年, or ``relative``: 今年) in
    place of its own."""
    text = previous
    if asked.place_forms:
        new_place = asked.place_forms[0]
        old_place = before.place_forms[0] if before.place_forms else ""
        if old_place and old_place[-1] in "省市州县区" and new_place[-1] not in "省市州县区" \
                and asked.places[0].endswith(old_place[-1]):
            new_place = asked.places[0]   # 达州市委 → 乐山市委, not 乐山委
        if before.place_forms:
            text = text.replace(before.place_forms[0], new_place, 1)
        else:
            text = new_place + text
    year = f"{asked.years[0]}年" if asked.years else (relative[0] if relative else "")
    if year:
        old = re.search(rf"{before.years[0]}年?", text) if before.years else RELATIVE_YEAR.search(text)
        text = text[:old.start()] + year + text[old.end():] if old else year + text
    return text


def _counter(question: str) -> str:
    """The counter of a question's count (个 of 多少个), or ""."""
    counted = re.search(rf"(?:多少|几)({COUNTER.pattern})", normalize(question))
    return counted.group(1) if counted else ""


def _counts_otherwise(question: str, previous: str) -> bool:
    """Whether both count, each in its own counter (多少人 after 多少个): not the same things."""
    asked, before = _counter(question), _counter(previous)
    return bool(asked and before) and asked != before


def _person(previous: str) -> str:
    """The first person the previous question names (何政 of 何政担任什么职务), or ""."""
    import jieba.posseg as pseg
    return next((w for w, flag in pseg.lcut(previous) if flag in ("nr", "nrfg") and len(w) >= 2), "")


def _topic(previous: str) -> str:
    """What the previous question was about, without what it asked (达州建成了雪亮工程监控探头)."""
    topic = ASKING.sub("", previous).strip(" ，,")
    return re.sub(r"(?:了|是|的|有)$", "", topic) or previous


def _substitute_thing(previous: str, thing: str) -> str | None:
    """The previous question asked of another thing (检察官呢? after 荣昌入额法官多少人?): the
    thing takes the place of what the previous question counted after its question word
    (多少个<网格>), else of the words before it from the first word they share (达州侦办<恶势力
    犯罪集团案件> for 恶势力团伙案件), or of the one word of the same head (张掖的<刑事案件>立案数 for 治安
    案件), from its verb when the thing opens with one (荣昌公安机关<查处治安
    案件> for 破获刑事案件), or of its last word (荣昌入额<法官>); a verb alone takes the place of the
    previous one (青川<化解>了多少件矛盾纠纷 for 排查了); None without a question word."""
    import jieba.posseg as pseg   # lazy, as in rag.answer.question
    found = QUESTION_WORD.search(normalize(previous))
    if not found:
        return None
    after = previous[found.end():]
    counter = COUNTER.match(after)
    tail = after[counter.end() if counter else 0:]
    words = pseg.lcut(previous[:found.start()])
    first, flag = pseg.lcut(thing)[0]
    verbs = [i for i, (_, f) in enumerate(words) if f.startswith("v")]
    # a word with 了 after it is a verb, whatever jieba tags it (新建 is also a county: ns)
    if (flag.startswith("v") or thing.endswith(("了", "过"))) and re.fullmatch(rf"{re.escape(first)}[了过]?", thing) and verbs:
        # 排查了多少? after 青川化解了多少件矛盾纠纷?: another deed of the same things
        return "".join(w for w, _ in words[:verbs[-1]]) + first + "".join(w for w, _ in words[verbs[-1] + 1:]) \
            + previous[found.start():]
    if len(re.sub(r"[\W_]", "", tail)) >= 2:
        return previous[:found.end() + (counter.end() if counter else 0)] + thing + "?"
    plain = [w for w, _ in words]
    # a word of the same head (刑事案件 for 治安案件呢? after 张掖的刑事案件立案数同比下降多少?): that word alone
    same_head = [i for i, w in enumerate(plain) if len(thing) >= 3 and len(w) >= 3 and w != thing and w[-2:] == thing[-2:]]
    if first in plain:
        cut = plain.index(first)
    elif flag.startswith("v") and any(f.startswith("v") for _, f in words):
        cut = max(i for i, (_, f) in enumerate(words) if f.startswith("v"))
    elif same_head:
        return "".join(plain[:same_head[-1]]) + thing + "".join(plain[same_head[-1] + 1:]) + previous[found.start():]
    else:   # its last word, not the 有 or 一共 before the question word (荣昌入额检察官有几名)
        cut = next((i for i in range(len(plain) - 1, -1, -1) if not NOT_COUNTED.match(plain[i])), -1)
        if cut < 0:
            return None
        return "".join(plain[:cut]) + thing + "".join(plain[cut + 1:]) + previous[found.start():]
    return "".join(plain[:cut]) + thing + previous[found.start():]
