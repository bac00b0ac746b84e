"""Questions across reports (各地、分别、对比、哪个…最多), or between places they name (荣昌和达州哪个…多,
达州和乐山…分别是谁): one row per place, each with its own report's answer and citation, or 未提及
where its report does not say.

Each place is asked on its own (the question with the place put in front of it), so every
row passes the same scope checks as a question naming that place: no row can show another
place's figure. The places are those the question names, or else the subjects of the indexed
reports or, in an archive of many, of the reports retrieved for the question.
"""
from __future__ import annotations

import re

from rag.text.normalize import normalize

# not 分别 alone: "甲和乙分别位于哪里" asks about two things, not about every report; nor 比较 alone,
# which mostly means "rather" (比较特别的是)
# 每个地方, and 四个地方 or 这几个城市 asked of each (分别, 各有): every report's place; not 哪几个地方 (where)
# nor 被两个地区淘汰 (a narrative)
MANY_PLACES = r"(?<!哪)(?:[两三四五六七八九十几]|这几|这些|每)个?(?:地方|城市|地区)"
COMPARISON = re.compile(rf"每个(?:地方|城市|地区)|{MANY_PLACES}(?=.*(?:分别|各自|各有|各是))|各地|各市|各区|各县|各城市|各个(?:地方|城市)|对比|比较一下|哪个(?:地方|城市|市|区|县|地区)"
                        r".{0,12}(?:最多|最少|最高|最低|更多|更少|最大|最小|最早)|哪里.{0,8}最(?:多|少|高|低)")
# 各 alone after the places named: each of them (达州和乐山各投入了多少经费), not 各类, 各级, 各部门
EACH = r"各(?![地市区县级类项种个部单界方族国省自])"
ACROSS = re.compile(rf"^(?:请问)?(?:各地|各市|各区|各县|各城市|各个(?:地方|城市)|{MANY_PLACES})(?:的)?|各地|各市|各区|各县|分别|各自|{EACH}")
# Two places or more named and asked which one (荣昌和达州哪个化解的矛盾纠纷多?): each named place is asked
BETWEEN_NAMED = re.compile(r"(?:哪个|哪一个|哪里|谁)(?:的)?.{0,16}?(?:最|更|比较)?(?:多|少|高|低|大|小|早)(?=[?？。]?$)")
NAMED_JOINS = re.compile(r"^(?:[和与及跟同、,，]|还是|以及)+(?:[两三四五几]地|这[两三四五几]个?(?:地方|城市|地区))?(?:的)?")
WHICH_ONE = re.compile(r"(?:哪个|哪一个|哪里|谁)(?:地方|城市|市|区|县|地区)?(?:的)?")
# 达州的探头比乐山多多少, 达州和张掖一共多少个: asked of each place, the comparison phrase left out
DIFFERENCE_OR_SUM = re.compile(r"比[^,，。?？]{1,16}?(?:多|少|高|低|大|小)了?(?=多少|几)|相差|差多少|差距|一共|总共|合计|加起来")
COMPARED_AGAINST = re.compile(r"比的?([^,，。?？]{0,12}?)(?:多|少|高|低|大|小)了?(?=多少|几)|相差|差距是?|一共|总共|合计|加起来")
MAX_PLACES = 8
LISTED_REPORTS = 50   # up to this many reports, every place indexed gets a row


def is_comparison(question: str) -> bool:
    """Across every report (各地…) or between places it names: worth asking questions_per_place,
    which decides from the places the question names."""
    norm = normalize(question)
    return bool(COMPARISON.search(norm) or _between_named(norm))


def asks_difference_or_sum(question: str) -> bool:
    """Whether a question asks a difference or a sum of places' figures (比乐山多多少, 一共多少)."""
    return bool(DIFFERENCE_OR_SUM.search(normalize(question)))


def _between_named(norm: str) -> bool:
    """Asks which of the places it names (哪个…多), each of them (分别), or a difference or sum
    of their figures (比乐山多多少, 一共多少), which each row states and no row computes."""
    return bool(BETWEEN_NAMED.search(norm) or DIFFERENCE_OR_SUM.search(norm)) or "分别" in norm \
        or bool(re.search(rf"各自|{EACH}", norm))


def questions_per_place(question: str, analysis, store, hits) -> list[tuple[str, str]]:
    """(place, the question asked of it) for each place compared: the places a question names
    when it names two or more and asks which (哪个…多) or each (分别); every report's place when
    it names none and asks across reports (各地…, 哪个城市…最多); else none. ``analysis``:
    rag.answer.question's of ``question``."""
    norm = normalize(question)
    if analysis.places:
        if len(analysis.places) < 2 or not _between_named(norm):
            return []
        forms = analysis.place_forms if len(analysis.place_forms) == len(analysis.places) else analysis.places
        return [(place, named_place_question(question, analysis.place_forms, form))
                for place, form in zip(analysis.places, forms)][:MAX_PLACES]
    if not COMPARISON.search(norm):
        return []
    return [(place, per_place_question(question, form)) for place, form in places_to_compare(store, hits)]


WHICH_PLACE = re.compile(r"^(?:哪个(?:地方|城市|市|区|县|地区)|哪里)")
# which has the most is asked as each one's figure (最多 -> 有多少; between named places 哪个…多 too)
COMPARATIVE = ((re.compile(r"(?:最|更|比较)?(?:多|少)(?=[?？。]?$)"), "有多少"),
               (re.compile(r"(?:最|更|比较)?(?:高|低|大|小)(?=[?？。]?$)"), "是多少"),
               (re.compile(r"(?:最|更|比较)?早(?=[?？。]?$)"), "是什么时候"))


def per_place_question(question: str, place_form: str) -> str:
    """"各地分别建成了多少个综治中心?" for 张掖 -> "张掖建成了多少个综治中心?";
    "哪个城市的命案破案率最高?" for 荣昌 -> "荣昌的命案破案率是多少?" (Traditional too: the words
    are found in the normalized question, whose offsets are the question's)."""
    plain = _replaced(ACROSS, question).strip()
    if WHICH_PLACE.match(normalize(plain)):
        plain = _as_figure(_replaced(WHICH_PLACE, plain))
    return f"{place_form}{plain}"


def named_place_question(question: str, forms, place_form: str) -> str:
    """"荣昌和达州哪个化解的矛盾纠纷多?" for 达州 (``forms``: the places as the question writes them)
    -> "达州化解的矛盾纠纷有多少?"."""
    plain = question
    for form in sorted(forms, key=len, reverse=True):
        plain = plain.replace(form, "")
    plain = _replaced(ACROSS, _replaced(NAMED_JOINS, plain.strip()))
    while match := COMPARED_AGAINST.search(normalize(plain)):   # 的探头比多多少 -> 的探头多少
        plain = plain[:match.start()] + (plain[match.start(1):match.end(1)] if match.group(1) is not None else "") \
            + plain[match.end():]
    if BETWEEN_NAMED.search(normalize(plain)):   # not 分别是谁
        plain = _as_figure(_replaced(WHICH_ONE, plain))
    return f"{place_form}{plain}"


def _as_figure(plain: str) -> str:
    """The comparative at the end asked as the figure compared (…最多? -> …有多少?), once: 有多少
    ends in 少 again; a question already asking 多少 is left as it is."""
    if "多少" in normalize(plain):
        return plain
    for comparative, asked in COMPARATIVE:
        if match := comparative.search(normalize(plain)):
            return plain[:match.start()] + asked + plain[match.end():]
    return plain


def _replaced(pattern: re.Pattern, text: str, replacement: str = "") -> str:
    while match := pattern.search(normalize(text)):
        text = text[:match.start()] + replacement + text[match.end():]
    return text


def places_to_compare(store, hits) -> list[tuple[str, str]]:
    """(place, short form) of the reports to compare: every report's in a small archive, the
    retrieved reports' in a large one; most specific place of each report, in index order."""
    from rag.text.places import gazetteer
    names = list(store.documents) if len(store.documents) <= LISTED_REPORTS else \
        list(dict.fromkeys(h.chunk.doc for h in hits))
    places = []
    for name in names:
        subject = store.documents[name].subject
        if subject.places and subject.places[0] not in [p for p, _ in places]:
            place = subject.places[0]
            known = gazetteer().lookup(place)
            places.append((place, known[0].short if known and known[0].short else place))
        if len(places) == MAX_PLACES:
            break
    return places
