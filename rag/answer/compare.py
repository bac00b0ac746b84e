"""Questions across reports (各地、分别、对比、哪个…最多): one row per place, each with its own
report's answer and citation, or 未提及 where its report does not say.

Each place is asked on its own (the question with the place put in front of it), so every
row passes the same scope checks as a question naming that place: no row can show another
place's figure. The places are the subjects of the indexed reports, or, in an archive of
many, of the reports retrieved for the question.
"""
from __future__ import annotations

import re

from rag.text.normalize import normalize

# not 分别 alone: "甲和乙分别位于哪里" asks about two things, not about every report; nor 比较 alone,
# which mostly means "rather" (比较特别的是)
COMPARISON = re.compile(r"各地|各市|各区|各县|各城市|各个(?:地方|城市)|对比|比较一下|哪个(?:地方|城市|市|区|县|地区)"
                        r".{0,12}(?:最多|最少|最高|最低|更多|更少|最大|最小|最早)|哪里.{0,8}最(?:多|少|高|低)")
ACROSS = re.compile(r"^(?:请问)?(?:各地|各市|各区|各县|各城市|各个(?:地方|城市))(?:的)?|各地|各市|各区|各县|分别")
MAX_PLACES = 8
LISTED_REPORTS = 50   # up to this many reports, every place indexed gets a row


def is_comparison(question: str) -> bool:
    return bool(COMPARISON.search(normalize(question)))


WHICH_PLACE = re.compile(r"^(?:哪个(?:地方|城市|市|区|县|地区)|哪里)")
# which place has the most is answered by each place's figure: 最多 asks 有多少 of each
SUPERLATIVE = ((re.compile(r"(?:最|更)(?:多|少)(?=[?？。]?$)"), "有多少"),
               (re.compile(r"最(?:高|低|大|小)(?=[?？。]?$)"), "是多少"),
               (re.compile(r"最早(?=[?？。]?$)"), "是什么时候"))


def per_place_question(question: str, place_form: str) -> str:
    """"各地分别建成了多少个综治中心?" for 张掖 -> "张掖建成了多少个综治中心?";
    "哪个城市的命案破案率最高?" for 荣昌 -> "荣昌的命案破案率是多少?" (Traditional too: the words
    are found in the normalized question, whose offsets are the question's)."""
    plain = _replaced(ACROSS, question).strip()
    if WHICH_PLACE.match(normalize(plain)):
        plain = _replaced(WHICH_PLACE, plain)
        for superlative, asked in SUPERLATIVE:
            plain = _replaced(superlative, plain, asked)
    return f"{place_form}{plain}"


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
