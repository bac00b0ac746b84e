"""Whether a passage speaks for the scope a question names, so that no answer presents
another place's (or another year's) figure as the one asked for.

A sentence is in scope for a place when its report is about that place (the document's
subject, rag.ingest.subject) or when the sentence itself names the place. For a year: unless
the sentence names other years and not that one. A document whose subject is unknown is
not held against a question.
"""
from __future__ import annotations

import re
from dataclasses import replace

from rag.answer.against import clause_at
from rag.answer.counts import DIFFERENCE_ASKED, FIGURE_TYPES
from rag.answer.question import CURRENT_YEAR_ASKED, QUOTED, RELATIVE_YEAR_ASKED, RELATIVE_YEARS, TITLE, QuestionAnalysis
from rag.ingest.subject import SELF, Subject
from rag.text.normalize import normalize
from rag.text.places import NAME_OF_A_BODY, SELF_REFERENCE, gazetteer

YEAR_IN_TEXT = re.compile(r"(?<![\d.])(1\d{3}|20\d\d)年")
RELATIVE_YEAR_STATED = re.compile(r"去年|前年|上一年|上年")
NEXT_YEAR_STATED = re.compile(r"明年|下一年|来年")


def names_place(normalized_text: str, place: str, subject: Subject = Subject(), self_reference: bool = True) -> bool:
    """Whether the text names ``place`` in full (达州市), by its short form (达州), or, in a
    report about a place inside it, by a self-reference at its level (全省 in a 达州 report
    is 四川省; not for ``self_reference`` False: 在全省率先 does not make 张掖's figure 甘肃's)."""
    g = gazetteer()
    known = [p for p in g.lookup(place) if p.name == place]
    inside = place in subject.path and place not in subject.places
    forms = {place} | {p.short for p in known}
    if any(_names_alone(normalized_text, m, known) for form in forms for m in re.finditer(re.escape(form), normalized_text)):
        return True
    levels = {p.level for p in known}
    if not inside or not levels or not self_reference:
        return False
    return any(SELF_REFERENCE.get(kind) in levels for kind in SELF.findall(normalized_text))


def _names_alone(normalized_text: str, mention: re.Match, known: list) -> bool:
    """Whether a mention of a place names it, not a place inside it that it qualifies (the
    四川省 of 四川省达州市委常委 says whose 达州 it is, not that the post is the province's) nor a
    body named after it (四川法治报)."""
    g = gazetteer()
    rest = normalized_text[mention.end():mention.end() + 12]
    kind = next((p.kind for p in known if mention.group() == p.short and rest.startswith(p.kind)), "")
    after = g.find(rest[len(kind):])
    return not (NAME_OF_A_BODY.match(rest, len(kind)) or after and after[0].start == 0
                and any(after[0].place != p and g.within(after[0].place, p) for p in known))


def place_in_scope(analysis: QuestionAnalysis, subject: Subject, normalized_text: str) -> bool:
    if not analysis.places or not subject.places:
        return True
    figure = analysis.answer_type in FIGURE_TYPES
    if figure:   # a place in a name (“平安甘肃建设优秀市州”, 《甘肃省…办法》) is not what a figure speaks for
        normalized_text = TITLE.sub(" ", QUOTED.sub(" ", normalized_text))
    return any(place in subject.places or names_place(normalized_text, place, subject, self_reference=not figure)
               for place in analysis.places)


def year_in_scope(analysis: QuestionAnalysis, subject: Subject, normalized_text: str) -> bool:
    """Out of scope when the sentence names other years and not the one asked, or, in a report,
    a year asked relative to the report's (去年, 明年) that the sentence does not name, as such or
    by its number (2021年 in a 2022 report), or 今年 where it names another. A sentence
    without a year speaks for its report's years when the report is a work report (今年 there
    is its year): only a report known to cover the year asked may answer for it, an undated one
    may not; elsewhere a sentence may speak of any year (bench text writes 1950年代 as
    20世纪50年代)."""
    named = {int(y) for y in YEAR_IN_TEXT.findall(normalized_text)}
    relative = RELATIVE_YEAR_ASKED.search(normalize(analysis.question)) if subject.body else None
    offset = RELATIVE_YEARS[relative.group()] if relative else 0
    if relative and not (RELATIVE_YEAR_STATED if offset < 0 else NEXT_YEAR_STATED).search(normalized_text) \
            and not (subject.years and subject.years[0] + offset in named):
        return False   # 去年摸排了多少件 in a report: not its 今年以来 figure, nor one it does not date
    if subject.body and subject.years and named and subject.years[0] not in named and "今年" not in normalized_text \
            and CURRENT_YEAR_ASKED.search(normalize(analysis.question)):
        return False   # 今年 is the report's year: not the 2021年 of a 2022 report
    if not analysis.years or "年代" in normalized_text:
        return True
    if named:
        return bool(named & set(analysis.years))
    return not subject.body or bool(set(subject.years) & set(analysis.years))


def stated_of_place(analysis: QuestionAnalysis, subject: Subject, normalized_sentence: str, figure: int) -> bool:
    """Whether a report's figure asked of a place inside the report's own (临泽县 in 张掖's) is stated
    in a clause naming it: 建成…四级综治中心981个 is the city's, though its sentence goes on to
    临泽县综治中心获评…."""
    inner = [p for p in analysis.places if p not in subject.places]
    if not inner:
        return True
    start, end = clause_at(normalized_sentence, figure)
    return any(names_place(normalized_sentence[start:end], p, subject, self_reference=False) for p in inner)


def in_scope(analysis: QuestionAnalysis, subject: Subject, normalized_text: str) -> bool:
    """Whether a passage (normalized) of a report about ``subject`` may answer the question."""
    return place_in_scope(analysis, subject, normalized_text) and year_in_scope(analysis, subject, normalized_text)


def scope_phrase(analysis: QuestionAnalysis) -> str:
    """What the question asks for, as a decline names it: 张掖市 / 2021年达州市."""
    years = "、".join(f"{y}年" for y in analysis.years)
    places = "、".join(analysis.places)
    return f"{years}{places}" if places else years


def not_found_notice(analysis: QuestionAnalysis) -> str:
    """The specific decline: 张掖市的报告中没有找到“雪亮工程、监控探头”的相关内容。"""
    topic = "、".join(analysis.terms[:4])
    where = f"{scope_phrase(analysis)}的报告中" if analysis.places else f"{scope_phrase(analysis)}的资料中"
    thing = "".join(analysis.count_modifiers[-1:]) + analysis.counted   # 信访案件, 监控探头: not 案件, 探头
    if DIFFERENCE_ASKED.search(normalize(analysis.question)):   # 法官比检察官多多少人: both may be there, the difference is not
        return f"{where}没有直接写出所问的差值；以下段落仅供参考，请自行核对。"
    found = (f"“{thing}”的数量" if analysis.counted else f"“{analysis.rate}”" if analysis.rate
             else f"“{topic}”相关的人名" if topic and analysis.answer_type == "person"
             else f"“{topic}”的时间" if topic and analysis.answer_type == "date"
             else f"“{topic}”的相关内容" if topic else "答案")
    return f"{where}没有找到{found}；以下是其他报告中相近的段落，仅供参考。"


def known_scope(analysis: QuestionAnalysis, subjects) -> QuestionAnalysis:
    """A county named only by its short form constrains the answer when a report found for the
    question is about it (荣昌 for 荣昌区) or about the city it is in (犍为 for 犍为县, in 乐山's);
    otherwise it may be no place at all in these reports (新北 is a district of 常州, and a city in
    Taiwan)."""
    g = gazetteer()
    known = {p for s in subjects for p in s.places}
    containing = [c for s in subjects if s.body for name in s.places for c in g.lookup(name)]   # a report's place
    dropped = [p for p in analysis.loose_places
               if p not in known and not any(g.within(place, c) for place in g.lookup(p) for c in containing)]
    if not dropped:
        return analysis
    kept = [(p, f) for p, f in zip(analysis.places, analysis.place_forms) if p not in dropped]
    return replace(analysis, places=tuple(p for p, _ in kept), place_forms=tuple(f for _, f in kept),
                   loose_places=tuple(p for p in analysis.loose_places if p not in dropped),
                   terms=analysis.terms + tuple(normalize(f) for p, f in zip(analysis.places, analysis.place_forms)
                                                if p in dropped))
