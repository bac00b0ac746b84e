"""The exact answer inside a cited sentence: the figure with its unit, the date, the name.

Figures and dates are the sentence's numbers with their units; people, places and bodies jieba's names
of that kind (for people, the name after a post too: 政法委书记廖全军). A candidate the question itself
contains (the year it names) is no answer; of the rest, the one asked with its counting word (多少件 →
件) and nearest the question's words in the sentence wins. Other kinds of question get no span: the
sentence is the answer. Offsets hold in both scripts (normalization keeps length).
"""
from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.against import (BOTH_ASKED, CALENDAR_YEAR, COUNT_AFTER, NEXT_WORD, both_counts, clause_at, clause_of_asked,
                                counted_patterns, counts_another, counts_asked, done_otherwise, head_counted, kind_of,
                                levels_of, loose, modifier_patterns, names_counted, respective, thing_pattern,
                                written_against)
from rag.answer.counts import (ASKED_MEASURE, BIG_ASKED, DIFFERENCE_ASKED, LEVELS_ASKED, MEASURE_WORDS, NUMBERED_BIG,
                               PEOPLE_COUNTED_THING, PEOPLE_WORDS, SAME_COUNT, SCALE, count_asked, counted_by)
from rag.answer.owners import labelled_as_asked, owned_as_asked, owner_asked
from rag.answer.question import CN_NUMERALS, CURRENCIES, SLOT_GLUE, TAELS, QuestionAnalysis, around_asked
from rag.answer.ranks import RANK_ASKED, ranks_asked
from rag.answer.ratios import relative_as_asked
from rag.answer.units import ALL_UNITS, asked_unit, unit_of
from rag.ingest.chunking import sentence_spans
from rag.text.normalize import normalize

_NUM = rf"(?:\d[\d,，]*(?:\.\d+)?|[{CN_NUMERALS}]+)"
_ABOUT = r"(?:约|近|超过|逾|达|共|累计)?"
_SCALE = r"(?:余|多)?[万亿千百]*(?:余|多)?"
_BOUND = r"(?:以上|以下|以内)?"   # 达到99%以上 is not 99%: the bound is part of the figure
SPAN_FORMS = {
    # 4亿5000万加元 is one sum: 5000万加元 alone would be a wrong figure
    "amount": re.compile(rf"{_NUM}(?:[亿万]\d[\d,，]*(?:\.\d+)?)*{_SCALE}(?:{CURRENCIES}|人民币|{TAELS})"),
    # a rate of nothing is written bare (生效裁判被改判发回重审率为0)
    "percentage": re.compile(rf"{_NUM}\s*(?:%|％|个百分点){_BOUND}|[{CN_NUMERALS}\d]*分之[{CN_NUMERALS}\d.]+|[{CN_NUMERALS}]成"
                             rf"|(?<=率为)[0零](?![\d.%％])"),
    # a decade first: 1950年代 and 七十年代 are not the years 1950 and 70
    "date": re.compile(rf"\d{{2,4}}\s*年代|[{CN_NUMERALS}]+年代"
                       rf"|(?:公元前?|西元前?)?\d{{1,4}}\s*年(?:\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?)?"
                       rf"|\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*[日号])?|[{CN_NUMERALS}]+年(?:[{CN_NUMERALS}]+月)?|[{CN_NUMERALS}]+月(?:初?[{CN_NUMERALS}]+[日号]?)?"
                       rf"|\d{{1,2}}\s*世纪(?:\d{{1,2}}年代)?|[{CN_NUMERALS}]+世纪"),
    "quantity": re.compile(rf"(?<!之)第?{_NUM}{_SCALE}(?:(?:{ALL_UNITS}|{MEASURE_WORDS}|级|%|万|亿){_BOUND})?(?!分?之[\d一二两三四五六七八九十])"),   # not of 四分之三
}
SHARE = re.compile(r"[%％]|百分点")
# 多少个 asks a count of things, not answered in 名, 人, 位 unless the things are people (counts.PEOPLE_COUNTED_THING)
THINGS_ASKED = re.compile(rf"(?:多少|几)(?:余|多)?{SCALE}个(?!月)")
PEOPLE_COUNTED = re.compile(rf"[名人位]{_BOUND}$")
PEOPLE_BEFORE = re.compile(rf"([\u4e00-\u9fff]{{0,3}}(?:{PEOPLE_WORDS}))$")   # 检察官25人: those people counted
PEOPLE_ASKED = re.compile(r"(?:多少|几)(?:余|多)?个?人(?!次)")   # 配几个人: people, not the 5个 司法所
SUM_OF_PARTS = re.compile(r"[\u4e00-\u9fff](?:和|与|及|、)[\u4e00-\u9fff]{1,6}[,，]?(?:一共|总共|合计|共计|总计|加起来|共)(?:有|是|为)?(?:多少|几)")
DIFFERENCE_BEFORE = re.compile(r"(?:多|少|高|低|大|小|长|短)(?:出|了|约|近)?$|相差|差距为?$|差$")
TOTAL_BEFORE = re.compile(r"(?:共|合计|总计|累计)[^,，;；。]{0,6}$")
WHOLE_AFTER = re.compile(r"[\u4e00-\u9fff]{1,8}?(?:之)?中(?![心国央间部华学])")   # 864名政法干警中…: the whole a part is of
TOTAL_ASKED = re.compile(r"有[^,，。?？]{0,8}?(?:多少|几)|是(?:多少|几)")   # how many there are: 共有司法所多少个, 司法所是多少个
SUM_ASKED = re.compile(r"一共|总共|合计|共计|总计|加起来|总数")
INCREMENT_ASKED = re.compile(r"新|增|改建|扩建|恢复")
INCREMENT_BEFORE = re.compile(r"(?:新建|新增|新\(扩\)建|新改建|改建|扩建|恢复|增设|新设)[^,，;；。]{0,12}$")
POINTS = re.compile(r"百分点|百分之")
PLAN_ASKED = re.compile(r"要|将|计划|目标|力争|争取|打算|下一步|明年|今后|预计|规划")
PLAN_OPENING = re.compile(r"[^,，;；。]{0,4}?(?:按照[^,，;；。]{0,8}?(?:规划|计划)|计划|拟|将要|力争|争取)")   # the sentence is a plan
PLAN_BEFORE = re.compile(r"(?:力争|争取|确保|目标是?|计划|预计|规划|将(?:力争|达到|实现|保持))[^,，;；。]{0,16}$")
CHANGE_ASKED = re.compile(r"(?:下降|上升|增长|减少|提高|降低|增加|变化|变动)了?(?:多少|几)")
CHANGE_BEFORE = re.compile(r"(?:下降|上升|增长|减少|提高|降低|增加|下滑|回落|上涨|增|降|减)[^,，;；。]{0,8}$")
FALLING = re.compile(r"下降|减少|降低|下滑|回落|降|减")
CHANGE_BASE = re.compile(r"同比|环比|上年|去年|同期|上半年|下半年|今年|前年|以前|以往")   # what a change is against
RATE_BEFORE = re.compile(r"率(?:为|是|达到?|仅为)?$")
# A count in numerals alone is one with a magnitude (四十万, 三千, 二十二), not a lone 四 of 四级
SPELLED_COUNT = re.compile(r"[一二两三四五六七八九十][百千万亿]|[二三四五六七八九]十")
MONEY = re.compile(CURRENCIES)   # in a figure or right after it (300英镑): a sum, never a count
COUNT_ASKED = re.compile(rf"(?:多少|(?<!第)几)(?:余|多)?{SCALE}(个|名|件|起|家|所|座|条|项|次|户|场|辆|台|套|处|位)")
NAME_TAGS = {"person": ("nr", "nrt", "nrfg"), "place": ("ns",), "organisation": ("nt",)}
# A name right after a post (政法委书记廖全军): jieba often splits Chinese names (廖 / 全军)
POSTS = (r"书记|副书记|局长|院长|检察长|主任|市长|区长|县长|州长|部长|厅长|主席|委员|政委|队长|所长|庭长"
         r"|法官|检察官|记者|通讯员|经理|董事长|校长|教授")
TITLED_NAME = re.compile(rf"(?:{POSTS})\s?(?![的了和与及在等是])([\u4e00-\u9fff]{{2,3}})(?=[，,。、:：；;\s（(）)]|$)")
# Who wrote a report (记者 刘任) is named like a post holder; asked who holds a post, it is no answer
_BYLINE_WORDS = r"记者|通讯员|作者|撰稿|编辑|摄影"
# who wrote it is asked of the byline word (记者是谁, 哪位记者), not of a 记者 in what happened (谁接受了记者的专访)
BYLINE_ASKED = re.compile(rf"(?:{_BYLINE_WORDS})[^,，。?？]{{0,4}}(?:谁|什么名字)|哪位(?:{_BYLINE_WORDS})")
BYLINE_BEFORE = re.compile(rf"(?:{_BYLINE_WORDS})[\s:：]*(?:[\u4e00-\u9fff]{{2,3}}[\s、，,]+)*$")   # names after it
NAMING_NUMERAL = re.compile(r"[一二两三四五六七八九十](?:项|期|个|条|类|种|级|大|支|批|张|部)(?=[\u4e00-\u9fff])")
QUOTED_NAME = 10   # characters with the quotes: a programme's name (“十个严禁”), not a quoted goal
QUOTED_TEXT = re.compile(r'"[^"]*"|<[^<>]*>')   # normalized text writes “” as "" and 《》 as <>
# the gloss of a formula's terms (1+4+X+N的网格力量配置体系(1名专职网格员,4名…)): per unit, not
# totals, unless the question asks about that formula or what it names (网格力量配置体系中有几名…)
FORMULA_GLOSS = re.compile(r"([0-9a-z]+(?:\+[0-9a-z]+)+)的?([^()+]{0,12})\(([^()]*)\)")
NUMERAL = re.compile(rf"[\d{CN_NUMERALS}]")


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


YEAR_ASKED = re.compile(r"哪一?年|何年|年份")
DAY_ASKED = re.compile(r"哪一?月|几月|几号|几日|哪一?天|日期")
# A length of time answers only a question about time (多少年, 多久, 用时, 任期, 年龄)
TIME_ASKED = re.compile(r"(?:多少|几)个?(?:年|月|天|日|小时|分钟|秒|周|岁)|多久|多长|时间|时长|用时|期|年龄|岁|龄|寿命")
DURATION_BEFORE = re.compile(r"(?:连续|持续|历时|长达|为期|已有)$")   # not 约 or 近: 约1900年 is a date
DURATION_AFTER = re.compile(r"来|之久|以来|多(?!月)")                   # not 后: 1949年后 is one too
TIME_UNIT = re.compile(r"(?:年|个月|天|日|小时|分钟|秒|周|岁)(?:以上|以下|以内)?$")


def _length_of_time(norm: str, figure: tuple[int, int]) -> bool:
    """Whether the words around a figure make it a length of time (连续四年, 五年来, 长达1000年)."""
    s, e = figure
    return bool(DURATION_BEFORE.search(norm[:s]) or DURATION_AFTER.match(norm, e))


def _dated_clauses(norm: str, date: tuple[int, int]) -> str:
    """The clause a date stands in and the next one, which a date leading its clause dates."""
    start, end = clause_at(norm, date[0])
    return norm[start:clause_at(norm, end + 1)[1] if end < len(norm) else end]


def _in_points(norm: str, figure: tuple[int, int]) -> bool:
    """A share in percentage points (提高0.9个百分点), or the 百分 of 百分点 taken for a count."""
    return norm.startswith("百分点", figure[1]) or any(m.start() < figure[1] and figure[0] < m.end()
                                                     for m in POINTS.finditer(norm))


def _calendar_year(norm: str, figure: tuple[int, int]) -> bool:
    """A figure that is a year of the calendar (1951年), which counts nothing: 波斯黇鹿现存多少头 is
    not answered by the year they were counted. Not a length of time (长达1000年, 1200年来)."""
    return bool(CALENDAR_YEAR.search(norm, *figure)) and not _length_of_time(norm, figure)


_CLAUSE = re.compile(r"(?:(?!和|及|与)[^,，;；。!！?？])+")   # a clause, split at 和/及/与 too


def _slot_before(normalized_question: str) -> str:
    """The two characters right before what the question asks (保持在 of 保持在多少以上 → 持在), as a
    figure answering it would follow them; "" when they are no words."""
    before = re.sub(r"[了过]$", "", around_asked(normalized_question)[0])
    return before[-2:] if len(before) >= 2 else ""


def _changing(norm: str, verb: int) -> str:
    """What changes by the figure whose change verb is at ``verb``: its clause before the verb, or,
    where that names nothing (同比上升5位), the clause before too (…群众满意度排名居全省第6名,同比上升5位)."""
    start = clause_at(norm, verb)[0]
    subject = norm[start:verb]
    if not re.search(r"[\u4e00-\u9fff]", re.sub(r"[比较]", "", CHANGE_BASE.sub("", subject))) and start:
        subject = norm[clause_at(norm, start - 1)[0]:verb]
    return subject


def answer_span(analysis: QuestionAnalysis, sentence: str, report: bool = False, where=None) -> tuple[int, int] | None:
    """(start, end) of the answer within ``sentence``, or None when its kind has no span
    or the sentence holds none. In a work ``report`` a count spelled in a numeral below ten
    names something (中央八项规定, 二期建设, 十大乱象): its counts are written in digits.
    ``where`` (a name's span -> int), when given, scores where a name sits: the best, above 0, answer."""
    norm = normalize(sentence)
    question = normalize(analysis.question)
    kind = analysis.answer_type
    if kind == "quantity" and BIG_ASKED.search(question):   # 几大行动: the numeral naming them (十大“…行动”)
        measure = None
        found = [m.span() for m in NUMBERED_BIG.finditer(norm)
                 if m.group() not in question and any(t in norm[m.end():m.end() + NEXT_WORD * 2] for t in analysis.terms)]
    elif kind in SPAN_FORMS:
        found = [(m.start(), m.end()) for m in SPAN_FORMS[kind].finditer(norm)
                 if norm[m.start():m.end()].strip("，, ") and norm[m.start():m.end()] not in question
                 and re.search(r"\d|[一二三四五六七八九十两百千万亿]", norm[m.start():m.end()])]
        found = [(s, e - len(norm[s:e]) + len(norm[s:e].rstrip("，, "))) for s, e in found]
        if kind == "date":   # 连续四年, 五年来 say how long, not when
            found = [f for f in found if not _length_of_time(norm, f)]
            if report:   # a report's date is of what its clause, or the one it leads, says: 2021年,乐山…满意度排名
                found = [f for f in found if any(t in _dated_clauses(norm, f) for t in analysis.terms)]
            if YEAR_ASKED.search(question):   # a year asked is not answered by a month (同年9月: 9月) or a century,
                # and is the year alone: 同年9月 after 1956年2月9日 happened in 1956, not on 2月9日
                alone = not DAY_ASKED.search(question)
                found = [(s, s + norm[s:e].index("年") + 1 if alone and "年代" not in norm[s:e] else e)
                         for s, e in found if "年" in norm[s:e]]
        # 几级 asks how many levels, which a report spells (四级综治中心): no name nor an article (elsewhere
        # 几级 may ask a magnitude: 地震规模为7.2)
        levels = report and kind == "quantity" and bool(LEVELS_ASKED.search(question))
        both_asked = report and kind in ("quantity", "percentage") and bool(BOTH_ASKED.search(question))
        both = both_counts(norm, question, analysis.place_forms) if both_asked else None
        if kind == "quantity":   # a figure in a name or a formula counts nothing (“十个严禁”, “1+12+N”)
            quoted = [m.span() for m in QUOTED_TEXT.finditer(norm) if m.end() - m.start() <= QUOTED_NAME]
            glosses = [m.span(3) for m in FORMULA_GLOSS.finditer(norm) if m.group(1) not in question
                       and not (len(m.group(2)) >= 4 and m.group(2)[-4:] in question)] if report else []
            found = [(s, e) for s, e in found if "+" not in norm[max(s - 1, 0):e + 1]
                     and not any(a < s and e < b for a, b in quoted) and not any(a <= s < b for a, b in glosses)
                     and not (report and (NAMING_NUMERAL.match(norm, s) and not levels and not counts_asked(norm, e, analysis)
                                          or not (levels and levels_of(norm, (s, e), analysis.counted))
                                          and counts_another(norm, (s, e), counted_patterns(analysis), modifier_patterns(analysis),
                                                             thing_pattern(analysis))))]
        if kind == "quantity":   # a count has digits or a measure word (not 四 of 四级, unless 几级 asks it) ...
            counts = COUNT_ASKED.search(question)   # ... and a count of things (几个) is no sum nor a measure (630平方米)
            rank = bool(RANK_ASKED.search(question))  # ... and a rank (第四) answers only a rank asked
            found = [f for f in found if (rank or norm[f[0]] != "第" and (re.search(r"\d", norm[f[0]:f[1]])
                     or re.search(rf"(?:{MEASURE_WORDS}){_BOUND}$", norm[f[0]:f[1]])
                     or levels and norm[f[1] - 1] == "级"
                     or SPELLED_COUNT.search(norm[f[0]:f[1]])))
                     and not (counts and (MONEY.search(norm, f[0], f[1]) or MONEY.match(norm, f[1])
                                          or unit_of(norm[f[0]:f[1]]) or SHARE.search(norm, f[0], f[1])
                                          # in another counter, of the noun the thing asked is said of (镇街…消防队8支)
                                          or report and not re.search(f"{counted_by(counts.group(1))}{_BOUND}$", norm[f[0]:f[1]])
                                          and head_counted(norm, f, thing_pattern(analysis))))
                     and not _calendar_year(norm, f) and not _in_points(norm, f)
                     and not ((counts or "率" not in question) and RATE_BEFORE.search(norm, 0, f[0]))   # 重审率为0 counts nothing
                     # a length of time counts no things: not the 12.33天 of 案件…办结平均用时减少12.33天
                     and not (report and analysis.counted and TIME_UNIT.search(norm, f[0], f[1])
                              and not TIME_ASKED.search(question))]
            if rank and not CHANGE_ASKED.search(question):   # 排全市第几: a rank (第6名), not 90%以上
                found = ranks_asked(norm, found, analysis, question, report)
            if report and THINGS_ASKED.search(question) and not PEOPLE_ASKED.search(question) \
                    and not PEOPLE_COUNTED_THING.search(analysis.counted or question):
                # 101名派出所所长: no 派出所; but 10名事业编制 are 编制
                found = [f for f in found if not PEOPLE_COUNTED.search(norm, f[0], f[1]) or names_counted(norm, f[1], analysis)]
            if PEOPLE_ASKED.search(question) and not ASKED_MEASURE.search(question):   # 批捕多少人: 36人 of 24件36人
                # a report counts people in 人, 名 or 位: 村民6大主体 are no people
                found = [f for f in found if PEOPLE_COUNTED.search(norm, f[0], f[1])] or ([] if report else found)
                if report and not analysis.counted:   # 司法救助了多少人: not the 25人 of 检察官25人, people of their own
                    found = [f for f in found
                             if not ((named := PEOPLE_BEFORE.search(norm, 0, f[0])) and named.group(1) not in question)]
            if report and analysis.count_verb:   # 摸排了多少件: not the 化解35167件
                found = [f for f in found if not done_otherwise(norm, f, analysis.count_verb)]
            if report:   # the figure of the owner asked (10名事业编制的市综治中心), or of the item (小所2人、大所3人)
                found = labelled_as_asked(norm, owned_as_asked(norm, found, analysis), question)
            if part := count_asked(question)[1]:   # 干警中有多少人有本科文凭: the part (409人), not the whole (864名政法干警中),
                # written against it (司法所有几个是大所: not 21个司法所; 本科以上文凭的409人)
                found = [f for f in found if not WHOLE_AFTER.match(norm, f[1]) and any(all(
                    p in norm[max(0, f[0] - 2 * NEXT_WORD):f[0]] + norm[f[1]:f[1] + NEXT_WORD] for p in (w[:2], w[2:] or w))
                    for w in part)]
            if report and TOTAL_ASKED.search(question) and not INCREMENT_ASKED.search(question):
                # 有多少个派出所: not the 3个 newly built (but 配备了多少名 is what was added), nor 1个网安警务室 of 警务室
                found = [f for f in found if not (INCREMENT_BEFORE.search(norm, 0, f[0]) and not owner_asked(norm, f, analysis))
                         and not kind_of(norm, f[1], analysis)]
            if SUM_OF_PARTS.search(question):   # 法官和检察官一共多少人: a total stated as one (共…), not a part
                found = [f for f in found if TOTAL_BEFORE.search(norm, 0, f[0])]
            elif both_asked:   # 多少名法官和检察官: two counts, neither alone the answer,
                found = [both] if both else []   # both: 法官41人、检察官25人
            elif report and SUM_ASKED.search(question) and not any(TOTAL_BEFORE.search(norm, 0, f[0]) for f in found) \
                    and len([f for f in found if (not (asked := ASKED_MEASURE.search(question))
                             or re.search(rf"{counted_by(asked.group(1))}{_BOUND}$", norm[f[0]:f[1]]))
                             and clause_of_asked(norm, f, analysis)]) > 1:
                # 事业编制一共有多少名: the parts (10名…和…6名) are no total, and the report states none; the
                # clauses of other things are no parts (智慧安防小区613个 beside 电子卡口320余个)
                found = []
            # 发案数是多少: a count, not its change (同比下降9.7%); 社区矫正人员有多少: not a rate (重新犯罪率…0.2%以内)
            if analysis.counted.endswith("数") or report and analysis.counted and TOTAL_ASKED.search(question) \
                    and not CHANGE_ASKED.search(question):
                found = [f for f in found if not SHARE.search(norm, f[0], f[1])]
        if kind == "percentage" and both_asked:   # 衔接率和安置率: both, or neither alone
            found = [both] if both and SHARE.search(norm, *both) else []
        if report and not PLAN_ASKED.search(question):   # 化解率是多少: what was done (98.3%), not a goal (力争…98%以上)
            found = [f for f in found if not PLAN_BEFORE.search(norm, 0, f[0])] if not PLAN_OPENING.match(norm) else []
        if DIFFERENCE_ASKED.search(question):   # 法官比检察官多多少人: a difference stated (多16人), not either side
            found = [f for f in found if DIFFERENCE_BEFORE.search(norm, 0, f[0])]
        if report:   # 人均 asked: a figure per unit; a share of what the question names: not another rate (培训率)
            found = relative_as_asked(norm, found, question, kind == "percentage" and not analysis.rate)
        change = CHANGE_ASKED.search(question) if report else None
        if change:   # 比去年下降了多少: a change, not the rate itself, and a fall (not 上升5位), of what is asked
            falling = bool(FALLING.match(change.group(0)))
            either = change.group(0).startswith(("变化", "变动"))   # 同比变化多少: a fall or a rise
            changed = [t for t in analysis.terms if 0 <= question.find(t) < change.start() and not CHANGE_BASE.fullmatch(t)]
            found = [f for f in found if (stated := CHANGE_BEFORE.search(norm, 0, f[0]))
                     and (either or bool(FALLING.match(stated.group(0))) == falling)
                     and all(t in _changing(norm, stated.start()) for t in changed)]
        unit = asked_unit(question) if kind == "quantity" else None
        if unit:   # 多少公分: a length, and in 公分 before 公尺
            found = [f for f in found if unit.of_kind(norm[f[0]:f[1]])]
            found = [f for f in found if unit.exact(norm[f[0]:f[1]])] or found
        measure = ASKED_MEASURE.search(question) if kind == "quantity" else None
        # 场次 asked is answered in 场次; 名 asked never in 人次 (1200人次 of training are no 网格员); 场 is
        # answered in 场次 too (专题学习100余场次: sessions either way, where 人次 and 户次 count visits)
        times = "次" if measure and question.startswith("次", measure.end()) and measure.group(1) != "次" \
            else "次?" if measure and measure.group(1) == "场" else ""
        if levels:
            found = [f for f in found if norm[f[1] - 1] == "级"]
        if measure:   # 多少件 is answered by a number of 件 (or 起), not by another count in the sentence
            found = [f for f in found if re.search(rf"{counted_by(measure.group(1))}{times}{_BOUND}$", norm[f[0]:f[1]])
                     or f == both]   # or both counts asked at once (101名派出所所长、335名社区民(辅)警)
        elif kind == "quantity":   # 其中一种, 一个: an article, not a figure, unless its word is the one counted
            found = [f for f in found if not (norm[f[0]] == "一" and f[1] - f[0] == 2 and norm[f[0] + 1] not in question)]
            if not TIME_ASKED.search(question):   # 群众满意度是多少: 90%以上, not the 连续5年 before it
                found = [f for f in found if not TIME_UNIT.search(norm, f[0], f[1])] or found
        found = respective(norm, found, analysis.terms) if kind != "date" else found
        if found:   # a figure written against the count asked, or where the question asks, is preferred
            slot = _slot_before(question)
            closeness = [(*(written_against(norm, f, analysis.count_verb, analysis.count_words) if kind == "quantity"
                            else (0, 0)), int(bool(slot) and norm[:f[0]].endswith(slot))) for f in found]
            if max(closeness) > (0, 0, 0):
                found = [f for f, c in zip(found, closeness) if c == max(closeness)]
            elif measure:   # else the very counter asked: 943件 before 10起 for 多少件
                found = [f for f in found if re.search(rf"{measure.group(1)}{times}{_BOUND}$", norm[f[0]:f[1]])] or found
    elif kind in NAME_TAGS:
        found = [m.span(1) for m in TITLED_NAME.finditer(norm) if m.group(1) not in question] if kind == "person" else []
        quoted = [m.span() for m in QUOTED_TEXT.finditer(norm)]   # a word of a slogan or title (“惠民生”) is no name
        found += [(s, e) for s, e, flag in tagged(norm) if flag in NAME_TAGS[kind] and norm[s:e] not in question
                  and not any(a < s and e < b and norm[a + 1:b - 1] != norm[s:e] for a, b in quoted)]
        if kind == "person":   # who wrote it (记者 刘任) answers who wrote it, never who holds a post
            by = [f for f in found if BYLINE_BEFORE.search(norm[:f[0]])]
            if BYLINE_ASKED.search(question):   # ... and is not one named by a post (政法委书记廖全军)
                posts = [m.span(1) for m in TITLED_NAME.finditer(norm) if not BYLINE_BEFORE.search(norm[:m.start(1)])]
                found = by or [f for f in found if not any(a <= f[0] < b for a, b in posts)]
            else:
                found = [f for f in found if f not in by]
        if where is not None:   # only the names placed best, as ``where`` scores them, wherever the text names them
            placed = [max(where(m.span()) for m in re.finditer(re.escape(norm[s:e]), norm)) for s, e in found]
            found = [f for f, p in zip(found, placed) if p and p == max(placed)]
    else:
        return None
    if not found:
        return None
    # the one in the clause naming the question's words the sentence names once (法学会 tells 配备6名
    # 事业编制的市法学会 from 配备10名事业编制的市综治中心; 配备, 事业编制 come twice), then the nearest them
    named = [[m.start() for m in re.finditer(re.escape(t), norm)] for t in analysis.terms]
    once = [(at[0], len(t)) for t, at in zip(analysis.terms, named) if len(at) == 1]
    anchors = [a for a, _ in once] or [a for at in named for a in at]
    clauses = [(m.start(), m.end()) for m in _CLAUSE.finditer(norm)]

    def named_in_clause(f):
        a, b = next((c for c in clauses if c[0] <= f[0] < c[1]), (f[0], f[1]))
        return sum(n for at, n in once if a <= at < b)
    start, end = min(found, key=lambda f: (-named_in_clause(f), min(abs(f[0] - a) for a in anchors))) \
        if anchors else found[0]
    joined = COUNT_AFTER.match(norm, end) if kind == "quantity" else None
    if joined and re.search(rf"(?:{MEASURE_WORDS})$", norm[start:end]) and (
            not measure or re.search(rf"(?:多少|几)(?:余|多)?{joined.group(1)}", question)):
        end = joined.end()   # not the 2022人 of 192支2022人 for 多少支
    return start, end


PERSONAL_PRONOUN = re.compile(r"^[\"'“「(（]?[他她]")
POST = re.compile(POSTS)
POST_BEFORE = re.compile(rf"(?:{POSTS})\s?$")


def _where_asked(norm: str, name: tuple[int, int], before: str, after: str, question: str) -> int:
    """How closely a name sits where the question asks (``before`` and ``after``: the question's
    words either side of its question word, glue stripped): one for each side holding the
    question's own character there (母亲是卢靖妃 for 母亲是谁, 周杰伦所写 for 为谁所写; not only 是
    or 的), one for a post right before it or, named by the question, later in its clause
    (政法委书记何政, 潘朗检察官). jieba tags many a word as a name (古老, 和子): of the names in a
    sentence only the ones so placed are shown as the answer."""
    start, end = name
    clause = re.match(r"[^,，。;；!！?？]*", norm[end:]).group()   # 何政 四川省达州市委常委、政法委书记
    return int(bool(before) and norm[:start].rstrip(SLOT_GLUE).endswith(before[-1])) \
        + int(bool(after) and norm[end:].lstrip(SLOT_GLUE).startswith(after[0])) \
        + int(bool(POST_BEFORE.search(norm[:start])) or any(p in question for p in POST.findall(clause)))


def cited_span(analysis: QuestionAnalysis, text: str, report: bool = False) -> tuple[int, int] | None:
    """The answer to lead with, within a cited text, which may be a sentence with the ones it
    points back to (rag.answer.context.with_antecedent): answer_span's, except that a name is
    led with only where the question asks (_where_asked), or, asked who did what a last sentence
    opening with 他 or 她 says (谁…), as whom 他 means: the name before it, not the names 他 acts
    on (这一时期…是倪匡。他自60年代起…以卫斯理和原振侠为主人公…)."""
    if analysis.answer_type != "person":
        return answer_span(analysis, text, report)
    question, norm = normalize(analysis.question), normalize(text)
    before, after = around_asked(question)
    parts = sentence_spans(text)
    if len(parts) > 1 and PERSONAL_PRONOUN.match(text[parts[-1][0]:]) and not before:
        found = answer_span(analysis, text[:parts[-1][0]], report)
        if found:
            return found
    slots = before.rstrip(SLOT_GLUE), after.lstrip(SLOT_GLUE)
    return answer_span(analysis, text, report, where=lambda name: _where_asked(norm, name, *slots, question))


def disagreeing(analysis: QuestionAnalysis, first: str, later: list[str],
                report: bool = False) -> list[tuple[str, int]]:
    """(answer, citation number) of the answer ``first`` leads with (citation 1) and of every
    later cited text (citations 2, 3 …) that states another answer of the asked kind, of the
    thing or rate asked; [] when they agree. 柏林围墙在哪一年倒塌 cited with 1961年 and 1989年: the
    sentences disagree, and the answer says so; on the bench sets such leads were right far less
    often than others (README, Figures)."""
    # a sentence with a count of another thing (审结42381件 beside 破获刑事案件8698件; 案件10起 beside
    # 涉疫违法犯罪案件231起) is no rival: it must name what the count asked names (counted_patterns)
    asked = [*counted_patterns(analysis), *([re.compile(loose(normalize(analysis.rate)))] if analysis.rate else [])]
    lead, others = normalize(first), []
    for n, text in enumerate(later, 2):
        norm = normalize(text)
        found = cited_span(analysis, text, report) if all(w.search(norm) for w in asked) else None
        other = normalize(text[found[0]:found[1]]) if found else ""
        if other and other not in lead and lead not in other and _same_measure(lead, other):
            others.append((text[found[0]:found[1]], n))
    return [(first, 1), *others] if others else []


def _same_measure(lead: str, other: str) -> bool:
    """Whether two figures count in the same way: 424人 and 一年 are no rival answers to 多少人."""
    a, b = (re.search(rf"({MEASURE_WORDS}){_BOUND}$", f) for f in (lead, other))
    return not (a and b) or b.group(1) in SAME_COUNT.get(a.group(1), a.group(1))
