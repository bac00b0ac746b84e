"""What a question asks: the kind of answer it expects, the scope it names (places, years,
bodies) and its content terms. Rules over the normalized question, the gazetteer
(rag.text.places) and jieba's words; shared by scope checks and sentence choice.

Accuracy on labelled questions: ``python3 eval/question_types.py`` (README, Figures).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.text.normalize import normalize
from rag.text.places import gazetteer
from rag.answer.glued import FUNCTION_CHARS, split_name, unglued
from rag.answer.counts import (ASKED_MEASURE, BIG_ASKED, CONTENT, COPULA_BEFORE_QUESTION, FIGURE_TYPES, LEVELS_ASKED,
                               LEVELS_STATED, MEASURE_WORDS, NUMBERED_BIG, count_asked,
                               count_phrase, count_stated, counted_by, counted_with_modifiers, counter_glued, uncounted)
from rag.answer.units import CN_NUMERALS, NUMBER_BEFORE, asked_unit
from rag.text.tokens import jieba_pieces, jieba_words, query_text, word_frequency

ANSWER_TYPES = ("percentage", "date", "amount", "quantity", "person", "place", "organisation", "list", "yesno",
                "description")
_NEAR = r"[^,，。?？]{0,6}"
# First match wins, so the narrower kinds come first: 几月 is a date, 多少万元 an amount.
# what reports measure as a share of the people asked, like a rate (群众满意度保持在90%以上)
LEVELS = "满意度|安全感|知晓度|认可度|公信力|获得感|幸福感"
# 多少 or 几 before a counter counts that thing, even after a rate (破案率连续几年保持100%: years)
_COUNTER_AFTER = r"(?!个(?!百分点)|[名位件起人次所家项条座场年天周岁倍]|个?月)"
TYPE_RULES = (
    ("quantity", re.compile(r"(?:排名|名次|位次|排位)[^,，。?？]{0,3}(?:多少|第几|几)")),   # 满意度排名是多少: a rank, not a level
    ("percentage", re.compile(rf"百分之(?:几|多少)|(百分比|占比|比例|比重|率(?!先|领)|{LEVELS}){_NEAR}(?<!第)(多少|几){_COUNTER_AFTER}"
                              rf"|(多少|几){_COUNTER_AFTER}{_NEAR}(%|个百分点|比例)"
                              rf"|(同比|环比){_NEAR}(增长|下降|上升|减少|提高)了?(多少|几){_COUNTER_AFTER}")),
    ("date", re.compile(r"哪一?年|哪一?天|哪一?月|何年|何时|什么时候|什么时间|几月|几号|几日|哪个(时候|时期|年代|朝代)"
                        r"|(公元|西元|民国|[于在从到自至])几年"
                        r"|(日期|年份|时间)是|(始于|建于|成立于|开始于)何")),
    ("amount", re.compile(rf"多少(钱|元|万元|亿元|资金|经费)|多少[^,，。?？个名件起人位次]{{0,4}}(工资|欠薪|欠款|薪酬|费用|金额|款项)|(金额|资金|经费|费用|的钱|投入|投资|花了|花费|拖欠|欠薪|工资|罚款|赔偿"
                          rf"|讨回|追回|挽回|收入|产值|总值|gdp){_NEAR}(多少|几)(?!时间|天|年|个?月|小时|分钟|秒|久|[名位人个件起次家所项])"
                          rf"|(多少|几){_NEAR}元")),   # 欠薪涉及多少名民工: a count
    ("quantity", re.compile(r"多少|第几|几(个|名|家|次|件|起|所|座|条|项|人|位|支|批|万|千|百|十|倍|种|类|年|天|岁)"
                            r"|多大(?!学)|多长|多高|多远|多久|多重(?!国籍|身份)|几")),   # not 科罗拉多大学
    # 叫什么名字 asks for a person's name after a word for a person (检察官, 父亲, 主角); an app,
    # a song or a school is named too, and the answer is no person's name (“海棠心悦”App)
    ("person", re.compile(r"谁|哪位|何人|什么人|哪个人|姓名|(?:[人者员官长师手士父母亲哥姐弟妹儿妻夫帝王]|主角|女性|男性"
                          r"|女子|男子|书记|主任|经理|教授|主席|代表|领导|原来|本来|真实|真正)的?(?:名字叫|叫什么名字|名字是)"
                          r"|(?:[人者员官长师手士]|书记|主任|经理|教授|主席|代表|领导)叫(?:什么|啥)[?？]*$")),   # 书记叫什么
    ("place", re.compile(r"哪里|哪儿|何地|何处|什么地方|哪个(省|市|县|区|国家|城市|地区|地方)|在哪|位于")),
    ("list", re.compile(r"(有|包括|包含|涉及)哪些|哪些(措施|做法|举措|方面|工作|内容|经验|成效|成绩|问题|机制|方式|手段)"
                        r"|(采取|开展|推出|实施|推行)了?(什么|哪些)|主要(有|是)什么|做了哪些|有什么(措施|做法|举措)"
                        # how a body builds or strengthens something is answered by its measures
                        r"|(如何|怎样|怎么)(构建|推进|加强|开展|做好|提升|实现|打造|推动|落实|建设|深化|完善|强化|创新)")),
    ("organisation", re.compile(r"哪个(部门|单位|机构|组织|公司|学校|机关|大学|团体|政党|企业|协会|法院|委员会)"
                                r"|哪(家|所)|什么(部门|机构|组织|单位|公司|学校)")),
    ("place", re.compile(r"哪些(城市|地方|地区|省|市|县|区|国家)")),
    ("list", re.compile(r"哪些")),
    ("yesno", re.compile(r"是否|是不是|有没有|能否|可否|有无|吗[?？!！。]*$")),
)
# A year this century or the last, 年 or not (2021, 2021年); an earlier one only with 年 (1864年, not
# 1200万): an encyclopedic question's 1864年 is scope as a report's 2021年 is.
YEAR = re.compile(r"(?<![\d.])((?:19|20)\d\d)(?!\d)|(?<![\d.])(1[0-8]\d\d)年(?!代)")
# Silver counted in taels (四百万两): 两 after a magnitude, not the two of 一万两千
TAELS = rf"(?<=[\d十百千万亿])两(?![\d{CN_NUMERALS}])"
# Money as the bench articles write it too (4亿5000万加元, 三千万新台币), not only 元
CURRENCIES = "元|美元|港元|欧元|英镑|日元|加元|澳元|新台币|台币|卢布|韩元|法郎|马克|卢比|比索|里拉|泰铢"
# What a sentence must hold to answer a question of each kind; kinds not listed need nothing.
ANSWER_FORMS = {
    "quantity": re.compile(rf"\d|[{CN_NUMERALS}]+(?:余|多)?(?:{MEASURE_WORDS})|[{CN_NUMERALS}]{{2,}}|第[{CN_NUMERALS}]+|[半数几]+(?:{MEASURE_WORDS})"),
    "amount": re.compile(rf"\d[\d,.]*(?:余|多)?[万亿千百]*(?:{CURRENCIES}|{TAELS})|\d[\d,.]*(?:余|多)?[万亿]"
                         rf"|[{CN_NUMERALS}]+(?:余|多)?[万亿]*(?:{CURRENCIES}|{TAELS})"),
    "percentage": re.compile(rf"\d|百分之|[{CN_NUMERALS}]+分之|[{CN_NUMERALS}]+成|[{CN_NUMERALS}]+倍"),
    "date": re.compile(rf"\d{{2,4}}\s*年|\d{{1,2}}\s*[月日号]|[{CN_NUMERALS}]+(?:年|月|日)|年代|世纪|[初末中]期|朝|时期|今年|去年|当年"),
}
# Words that carry no topic yet occur in no report: left in, they would weigh as absent facts.
FILLER_WORDS = frozenset({"一共", "总共", "共有", "共计", "到底", "究竟", "大概", "大约", "左右", "目前", "现在", "一下", "具体", "请问",
                          "今后", "将来"})   # 今后要确保: a plan (确保…)

# a year named relative to the report's (去年, not 比去年 of a change): a scope, as 2021年 is, not a word
# a passage must hold (rag.answer.scope: only a sentence naming it speaks of it)
RELATIVE_YEAR_ASKED = re.compile(r"(?<![比较同])(?:去年|前年|上一年|上年度|明年|下一年)(?!同期)")
RELATIVE_YEARS = {"去年": -1, "上一年": -1, "上年度": -1, "前年": -2, "明年": 1, "下一年": 1}   # from the report's
CURRENT_YEAR_ASKED = re.compile(r"今年|本年度")   # the report's own year


# A date question needs a date-like answer only when it asks for a year, month or day; "什么时候"
# is answered by 元宵节前后 as well.
CALENDAR_ASKED = re.compile(r"哪一?年|几年|何年|哪一?月|几月|几号|几日|哪一?天|日期|年份")


# Where someone is from is stated as such (湖南长沙人, 生于, 籍贯); a byline naming a post in a
# place (何政 四川省达州市委常委) does not say it.
ORIGIN_ASKED = re.compile(r"哪里人|哪儿人|何地人|何处人|籍贯|出生地|老家在")
ORIGIN_STATED = re.compile(r"籍贯|原籍|祖籍|出生|生于|人[,，。、;；()（）]|人$|人士")
# a rate asked by its name (化解率, 破案率) is answered by a sentence naming it, or one naming its
# stem (化解) and no other rate
RATE_ASKED = re.compile(rf"[^\W\d_的之]{{2}}率|{LEVELS}")
# 安置比例 names the rate 安置率; 人口的比率 none (a share of the population)
RATE_WORDED = re.compile(r"([^\W\d_的之]{2})(?:比例|比率)(?=(?:是|为|有|达|一共|总共|共)*(?:多少|几))")


def holds_answer(analysis: "QuestionAnalysis", normalized_sentence: str) -> bool:
    """Whether a sentence can answer the question's kind (a count needs a number with its unit,
    an origin asked for a sentence that states one)."""
    kind = analysis.answer_type
    question = normalize(analysis.question)
    if ORIGIN_ASKED.search(question) and not ORIGIN_STATED.search(normalized_sentence):
        return False
    if kind == "date" and not CALENDAR_ASKED.search(question):
        return True
    if kind == "quantity" and BIG_ASKED.search(question):
        return bool(NUMBERED_BIG.search(normalized_sentence))   # 几大工程: 八大工程, not a count of things
    form = ANSWER_FORMS.get(kind)
    # 几级 is answered by levels, which a report spells (成立市、县、乡三级…领导小组)
    levels = kind == "quantity" and LEVELS_ASKED.search(question) and LEVELS_STATED.search(normalized_sentence)
    if not levels and (form is None or not form.search(normalized_sentence)):
        return form is None
    if not count_stated(kind, _untitled(question), normalized_sentence):
        return False   # 多少个综治中心没有建成 is not answered by 建成综治中心981个 (not the 没 of 《没问题先生》)
    unit = asked_unit(question) if kind == "quantity" else None
    if unit and not unit.stated.search(normalized_sentence):
        return False   # 多少公分 is answered in a length, not in 倍 or 公顷
    rate = analysis.rate
    if rate and rate not in normalized_sentence:
        # 结案率达100% is another rate than the 化解率 asked, 创建面达100% none; 化解…98% may be it
        return rate[:2] in normalized_sentence and not RATE_ASKED.search(normalized_sentence)
    measure = ASKED_MEASURE.search(question) if kind == "quantity" else None
    if measure and measure.group(1) != "个":
        return bool(re.search(rf"{NUMBER_BEFORE}{counted_by(measure.group(1))}", normalized_sentence))
    return True


@lru_cache(maxsize=1024)
def _untitled(normalized_question: str) -> str:
    return QUOTED.sub("", TITLE.sub("", normalized_question))


# 担任什么职务 asks for a post: the answer names it, not 担任 or 职务 (何政 四川省达州市委常委、政法委书记)
POST_ASKED = re.compile(r"(?:担任|任|是)?(?:什么|何|哪些)(?:职务|职位|官职)|(?:职务|职位)是什么")


# Question phrases beyond those cut from a search (rag.text.tokens.query_text): no passage
# holds 何时 or 多久, nor the words by which a question opens pointing at the text itself
# (报告中提到, 文中提及; not 文中 of 英文中), so left in they would weigh as missing words. 哪一种 goes whole: cutting 哪一
# alone leaves 种米 of 哪一种米; so do 什么时候 (the search cuts 什么 and leaves 时候), 西元几年, 有何
# (有什么), and the 的时候 and 时 that make a year or a moment the time of the question (1912年时,
# 1947年的时候), which the answering sentence states as 1912年.
ASKING = re.compile(r"哪一?[种个位座条家所本项类件支场份首间名只天]|何时|何年|何处|何种|何地|(?<!任)何人|为何|有何|因?何(?=原因)|多久"
                    r"|百分之(?=多少|几)"   # 百分之多少 asks a rate: a passage writes 3.3%
                    r"|(?:各|分别)(?=(?:有|是|为)?(?:多少|几))"   # 网格和网格员分别有多少: each, no word asked
                    r"|(?:什么|甚么)(?:时候|时间)|甚么|(?:西元|公元)前?几年|的时候|(?<=年)时"
                    r"|(?:那边|这边)|来着(?=[?？]?$)"   # 荣昌那边…, 排第几来着: the asker's talk, no word asked
                    r"|有没有|是不是|对不对|能不能|会不会"   # a yes or no asked: 有没有21个司法所 asks of 21个司法所
                    r"|进展(?=如何|怎么样|怎样|情况)|用来(?=做什么|干什么)"   # 建设进展如何: the asker's frame (正在全力推进)
                    r"|(?:打算|计划|准备)(?=在?(?:哪一?年|何时|什么时候))"   # 打算在哪年实现: 2017年基本实现
                    r"|(?:变化|变动)(?=了?(?:多少|几))"   # 同比变化多少: a passage writes 下降3.3% or 上升
                    # 排名第几, 处于第几位: a passage writes 排名第一, 排名居全省第6名; 哪五个: the items
                    r"|(?:处于|位于|居于)?第(?=几|多少)|哪[二两三四五六七八九十]+(?:个|项|类|种|条|方面|件|点)?"
                    r"|进行了?(?=[\u4e00-\u9fff]{2})"   # 进行了风险评估: the verb after it is what was done (实施评估)
                    # the kind of items a list asks (有什么举措): any passage listing them is worded its own way
                    r"|(?<=哪些|什么|有何)(?:措施|举措|做法|办法|经验|成效|成绩|成果)"
                    # the kind of answer asked, which the answer need not name (体淡绿色, 隶属于中华人民共和国 for 哪一个国家)
                    r"|(?:(?<=什么|哪种|何种|哪个|哪座)|(?<=哪一个|哪一种|哪一座))(?:颜色|地方|国家|城市|省份|地区|气候|宗教|学科|朝代|时期)"
                    r"|(?:^|(?<=[,，。:：\s]))(?:在|据|根据)?(?:文中|本文|上文|报告中|报告里|材料中)"
                    r"(?:所?(?:提及|提到|指出|说)|所述)?"
                    # the kind of figure asked (救助金额是多少, 探头的数量有多少): the passage states the figure
                    # (化解率的目标是多少: a goal a report writes 力争…98%以上)
                    r"|的?(?:金额|数额|总额|数量|数目|总数|总量|人数|次数|件数|个数|比例|比率|目标值|目标|名次)"
                    r"(?=(?:是|为|有|达|一共|总共|共)*(?:多少|几))")
# A search for a figure (达州雪亮工程探头数量): a count asked with no question word
FIGURE_SEARCH = re.compile(r"^(?!.*(?:什么|甚么|哪|谁|怎|如何|为何|多少|几)).*?(的?(?:数量|数目|总数|个数|人数|次数|件数|排名|名次))[?？]?$")


ORGANISATIONS = re.compile(r"[\u4e00-\u9fff]{0,8}?(政法委|人民法院|中级人民法院|人民检察院|检察院|法院|公安局|公安厅|司法局"
                           r"|综治办|信访局|派出所|委员会)")


@dataclass(frozen=True)
class QuestionAnalysis:
    question: str
    answer_type: str                  # one of ANSWER_TYPES
    places: tuple[str, ...]           # full names of the places it names, in order (张掖市)
    place_forms: tuple[str, ...]      # as written (张掖), for rewriting follow-ups
    loose_places: tuple[str, ...]     # of those, counties named by a short form only (荣昌, 新北)
    years: tuple[int, ...]
    organisations: tuple[str, ...]
    words: tuple[str, ...]            # its words, question and filler words removed (what coverage weighs)
    terms: tuple[str, ...]            # of those, the content words: without places and years
    entities: tuple[str, ...] = ()    # names, numbers and quoted terms it asks about (normalized)
    counted: str = ""                 # for a count, the thing counted (counted_thing)
    names: tuple[str, ...] = ()       # its rare person, place and body names (rare_names): whom or what it is about
    name_joins: tuple[str, ...] = ()  # per name, the name piece before it joined to its first character, or ""
    rate: str = ""                    # for a percentage, the rate it names (化解率 of 矛盾纠纷化解率是多少)
    count_verb: str = ""              # for a count, the verb before its question phrase (化解 of 化解了多少件)
    count_words: tuple[str, ...] = ()  # ... and the words after it (矛盾, 纠纷): count_phrase
    count_modifiers: tuple[str, ...] = ()  # the words saying which things are counted (智慧, 安防 of 智慧安防小区)

    @property
    def scoped(self) -> bool:
        return bool(self.places or self.years)


# 几 that asks nothing: 几乎 (almost), 二十几 (twenty-odd), 好几 (several); and beside another
# question word it says "a few" (哪位皇帝发动了几次战役, 几千年来……哪位学者), so that word is what is asked.
NOT_ASKED_FEW = re.compile(r"几乎|(?<=[\d十百千万好])几")
OTHER_QUESTION_WORD = re.compile(r"谁|哪|什么|甚么|何(?:时|地|处|人|种|年)|为何|因何|多少")   # not the 何 of 何政


# Where a question asks: its question word, or the end of one ending on 是 (宁王的本名是?). The
# answering sentence usually holds the question's wording either side of that slot, with the
# answer in it (栖息于沿岸碎波带 for 栖息在哪里; 主打歌《光辉岁月》 for 主打歌叫什么).
QUESTION_WORD = re.compile(r"为什么|为何|因何|怎么样|怎么|怎样|如何|什么|甚么|谁|多少|几|何(?:时|地|处|种|年|人)"
                           r"|哪一?[个位种年天里儿些座条家所本项类件支场份首间名只国部]?")
ASKED_AT_END = re.compile(r"(?:是|为|叫|指|有)?[?？。!！\s]*$")
SLOT_GLUE = "在是的为了于有被把将与和及就也都又还所之其"   # 栖息在 is 栖息于 in the answer: matched without them


# 书记是谁, 叫什么名字, 哪位领导: a person; not 是谁的部署 or 由谁牵头, which a report may answer with a body (省委)
HOLDER_ASKED = re.compile(r"是谁(?!的)|叫什么|什么名字|姓名|哪位|哪个人")


WHO_IS = re.compile(r"(?:是|又是)谁[?？。]?\s*")


def asked_post(normalized_question: str) -> str | None:
    """Of a question for who holds a post (HOLDER_ASKED), the last word before the question word
    (组长 of 领导小组组长是谁, "" when none); None when it asks no holder."""
    found = HOLDER_ASKED.search(normalized_question)
    if not found:
        return None
    words = [w for w in jieba_words(normalized_question[:found.start()]) if len(w) >= 2]
    return words[-1] if words else ""


def around_asked(normalized_question: str) -> tuple[str, str]:
    """The question's letters, digits and characters before and after what it asks."""
    found = QUESTION_WORD.search(normalized_question)
    start, end = (found.start(), found.end()) if found else (ASKED_AT_END.search(normalized_question).start(),) * 2
    return ("".join(CONTENT.findall(normalized_question[:start])),
            "".join(CONTENT.findall(normalized_question[end:])) if found else "")


def answer_type(normalized_question: str) -> str:
    if FIGURE_SEARCH.search(normalized_question):
        return "quantity"
    asked = NOT_ASKED_FEW.sub("", normalized_question)
    if "几" in asked and OTHER_QUESTION_WORD.search(asked):
        asked = asked.replace("几", "")
    for kind, rule in TYPE_RULES:
        if rule.search(asked):
            return kind
    return "description"


def analyze(question: str) -> QuestionAnalysis:
    """The question's expected answer and the scope it names."""
    import jieba.posseg as pseg   # lazy: loading jieba's dictionary takes a second
    norm = normalize(question)
    # a place or year inside a title (《中英天津条约》, 《1997芳踪乍现台北演唱实录》) names no scope
    scope_text = TITLE.sub(lambda m: " " * len(m.group()), norm)
    g = gazetteer()
    named = g.find(scope_text, rare_short_forms=True)
    # a place written right before one inside it (达州市达川区, 四川省达州市) says which: the inner one is asked
    mentions = [m for m, after in zip(named, [*named[1:], None]) if not (
        after and after.start == m.end and any(p != m.place and g.within(p, m.place) for p in g.lookup(after.place.name)))]
    places = tuple(dict.fromkeys(m.place.name for m in mentions))
    loose = tuple(dict.fromkeys(m.place.name for m in mentions if not m.full and m.place.level == "county"))
    forms = tuple(dict.fromkeys(question[m.start:m.end] for m in mentions))
    years = tuple(dict.fromkeys(int(a or b) for a, b in YEAR.findall(scope_text)))
    organisations = tuple(dict.fromkeys(m.group(0) for m in ORGANISATIONS.finditer(norm)))
    scope_words = {normalize(scope_text[m.start:m.end]) for m in named} | {m.place.name for m in named} | {str(y) for y in years} \
        | set(RELATIVE_YEAR_ASKED.findall(scope_text)) | set(CURRENT_YEAR_ASKED.findall(scope_text))
    kind = answer_type(norm)
    words = question_words(norm)
    if kind in FIGURE_TYPES and count_asked(norm)[0]:   # 连续多少年没有…: count_stated checks the negation
        words = tuple(w for w in words if w not in ("没有", "尚未"))   # (a report writes 未发生, 无)
    terms = tuple(w for w in words if w not in scope_words and not _part_of(w, scope_words))
    tagged = [(w, flag) for w, flag in pseg.lcut(norm)]
    if kind == "person" and len(tagged) >= 2 and tagged[0][1] in ("nr", "nrfg") and WHO_IS.fullmatch(norm[len(tagged[0][0]):]):
        kind = "description"   # 何政是谁?: who a named person is (his post), not another's name
    rate = RATE_ASKED.search(norm) if kind == "percentage" else None
    worded = RATE_WORDED.search(norm) if kind == "percentage" and not rate else None
    counting = written(GLOSS.sub("", norm))   # 多少名县(市、区)政法委副书记 counts 副书记, as 县政法委副书记 would
    verb, counted_words = count_phrase(counting) if kind == "quantity" else ("", ())
    names, joins = rare_names(tagged, scope_words)
    counted, modifiers = counted_with_modifiers(counting) if kind == "quantity" else ("", ())
    modifiers = tuple(w for w in modifiers if w not in scope_words and not _part_of(w, scope_words))
    return QuestionAnalysis(question, kind, places, forms, loose, years, organisations, words, terms,
                            _entities(norm, tagged, scope_words), counted, names, joins,
                            rate.group(0) if rate else f"{worded.group(1)}率" if worded else "",
                            verb, counted_words, modifiers)


QUOTED = re.compile(r'["“「『《]([^"”」』》]{2,20})["”」』》]')
GLOSS = re.compile(r"(?<=[\u4e00-\u9fff])\([^()]{1,4}\)")   # a bracketed gloss: 县(市、区), 民(辅)警
TITLE = re.compile(r"[《<][^《》<>]{1,40}[》>]")   # normalized text writes 《》 as <>
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _entities(norm: str, tagged, scope_words: set[str]) -> tuple[str, ...]:
    """Names (jieba's person, place, organisation and other proper-noun tags), numbers and
    quoted terms: what a passage must contain to be about the same thing, not the kind asked."""
    words = [w for w, _ in tagged]
    found = [w for i, (w, flag) in enumerate(tagged) if flag in ("nr", "nrt", "ns", "nt", "nz") and len(w) >= 2
             and not KIND_ASKED_BEFORE.search("".join(words[:i]))]
    found += NUMBER.findall(norm) + QUOTED.findall(norm)
    return tuple(dict.fromkeys(w for w in found if w not in scope_words and not _part_of(w, scope_words)))


# A name jieba's dictionary counts at most this often is rare enough to say whom or what a
# question is about (刘德一, 靖江王府, 华盛顿); a common one (中国, 英国, 香港) is context a paragraph
# may omit. Chosen on a CMRC sample and checked on DRCD (README, "Names asked about").
RARE_NAME_FREQUENCY = 1000
NAME_TAGS = ("nr", "nrt", "nrfg", "ns", "nt")
# jieba tags pieces of the question itself as names (几省 of 后增为几省, 何原因 of 因何原因作罢)
NOT_A_NAME = re.compile(r"[几哪谁啥]|什么|^何(?:原因|种|时|处|地|人)|^[区市县省州镇乡村]的$")   # 荣昌区/的: 区的
# ... nor the kind asked after a question word (哪一大洋区, 哪本法典, 什么荣誉), nor what follows 的 (X的籍贯,
# X的始祖: something of the name before it): what the answer is, not whom it is about
KIND_ASKED_BEFORE = re.compile(r"(?:哪|什么|何|啥)[一个本座所位家种条部类间支国名项些]?$")
NOT_BEFORE_A_NAME = re.compile(rf"{KIND_ASKED_BEFORE.pattern}|的$|多少$")   # 多少/钱建: the 钱 asked, glued on


def rare_names(tagged, scope_words: set[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The rare person, place and organisation names of a question (jieba's tags, two
    characters or more), the places and years of its scope and what is asked aside: a passage
    that names none of them is about someone or something else. Beside each, the name piece
    right before it with its first character (张静美 for 美的 of 张静/美的): jieba cuts a name it
    does not know and glues the rest to the next word, so a passage holding that join holds
    the name (names_missing); "" where no name piece comes right before."""
    names, joins, before, previous = [], [], "", ""
    for word, flag in tagged:
        if flag in NAME_TAGS and not NOT_A_NAME.search(word) and not NOT_BEFORE_A_NAME.search(before):
            name = unglued(word)
            if len(name) >= 2 and word_frequency(name) <= RARE_NAME_FREQUENCY and name not in scope_words \
                    and not _part_of(name, scope_words) and name not in names:
                names.append(name)
                joins.append(previous + name[0] if previous else "")
            previous = word
        else:
            previous = ""
        before += word
    return tuple(names), tuple(joins)


# Reports write the body 政法委 (政法委书记何政); asked by its full name, 政法委员会 would weigh as a
# missing word. The short form is part of the full one, so a passage writing either holds it.
SHORT_FORMS = {"政法委员会": "政法委"}
# Spoken words a report writes otherwise: 办了多少件案子 asks what it counts as 案件
WRITTEN_FORMS = {"案子": "案件", "抓了": "逮捕了"}   # 抓了多少人: arrested, 批准逮捕
CHANGE_AGAINST = re.compile(r"[比较](?:去年同期|上年同期|上一年|前一年|上年|去年|同期)")


def written(text: str) -> str:
    """``text`` with the spoken words WRITTEN_FORMS lists in a report's words."""
    for spoken, form in WRITTEN_FORMS.items():
        text = text.replace(spoken, form)
    return text


@lru_cache(maxsize=1024)
def _asked_words(normalized_question: str) -> tuple[str, tuple[str, ...]]:
    """The question without its question phrase, post asked and copula before it, and its
    jieba words: segmented once for question_words and lone_characters (analysis, then
    sentence choice, ask for both)."""
    searched = FIGURE_SEARCH.search(normalized_question)   # 探头数量: 数量 is asked, as in 探头的数量是多少
    if searched:
        normalized_question = normalized_question[:searched.start(1)] + " " + normalized_question[searched.end(1):]
    asked = COPULA_BEFORE_QUESTION.sub("", query_text(ASKING.sub(" ", POST_ASKED.sub(" ", normalized_question))))
    for full, short in SHORT_FORMS.items():
        asked = asked.replace(full, short)
    # what a change is measured against (比上年) is no fact asked: a report says 同比 or 较上年 or nothing,
    # and jieba glues its 比 to the word before (立案数比上年: 数比)
    asked = CHANGE_AGAINST.sub(" ", written(asked))
    words = tuple(jieba_words(asked))
    glued = next((w for w in words if counter_glued(w, normalized_question)), None)
    if glued:   # 多少起酒驾 cut 起酒/驾: without the counter what follows is cut again (酒驾)
        asked = asked.replace(glued, " " + glued[1:], 1)
        words = tuple(jieba_words(asked))
    return asked, words


def question_words(normalized_question: str) -> tuple[str, ...]:
    """The question's words (jieba precise mode), unique, without question and filler words.
    Words rather than the BM25 bigrams: a bigram straddling two words ("市建" in "张掖市建成")
    is absent from the answer and would wrongly lower coverage."""
    asked, segmented = _asked_words(normalized_question)
    words = [uncounted(unglued(w), normalized_question) for w in segmented]
    found = tuple(dict.fromkeys(w for w in words if (len(w) > 1 or w.isdigit()) and w not in FILLER_WORDS))
    return found or split_name(jieba_pieces(asked))


def lone_characters(normalized_question: str) -> tuple[str, ...]:
    """The one-character words question_words leaves out (杀 of 谁杀了司马晏, 卒 of 卒于哪一年):
    too common to weigh as words, yet often what the answering sentence says."""
    return tuple(dict.fromkeys(w for w in _asked_words(normalized_question)[1]
                               if len(w) == 1 and not w.isdigit() and w not in FUNCTION_CHARS))


def _part_of(word: str, scope_words: set[str]) -> bool:
    """A word that is a place name with its suffix split off by jieba (张掖市 -> 张掖 / 市)."""
    return any(word in s for s in scope_words if len(word) >= 2)
