"""How a report writes a figure against what it counts: the marks a phrase may hold (处置“医闹”事件12件,
11个县(市、区)), the words a count is written against (化解4082件 for 化解了多少件), and the nouns that
tell what a figure counts (25个方面80项改革任务: 方面 by 25, 改革任务 by 80). Span finding
(rag.answer.span) reads these for count questions.
"""
from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.counts import DEED_OF, DEEDS, MEASURE_WORDS, PEOPLE_WORDS, is_noun
from rag.answer.question import QuestionAnalysis
from rag.text.normalize import normalize

# Marks a report writes inside a phrase (处置“医闹”事件12件, 11个县(市、区)): normalized quotes,
# brackets and the enumeration comma
_MARKS = r"[\"'<>()\[\]、]*"
_INSERTED = r"(?:\([^()]{1,3}\))?"   # 民(辅)警: a bracketed word inside a phrase
_MARKS_IN_ITEM = _MARKS.replace("、", "")   # within one item of a list
ITEM_START = re.compile(r"、(?=\s*\d)")   # the next item of a list of figures


def loose(phrase: str) -> str:
    """A pattern for ``phrase`` that lets _MARKS, or a short bracketed insertion, stand between
    its characters."""
    return f"{_MARKS}{_INSERTED}{_MARKS}".join(re.escape(c) for c in phrase)


def written_against(norm: str, figure: tuple[int, int], verb: str, words: tuple[str, ...]) -> tuple[int, int]:
    """How a figure is written against the count asked: (1 if the verb asked comes right before it
    or its noun, the characters of the counted words touching it). 化解4082件 answers 化解了多少件
    矛盾纠纷 before 摸排矛盾纠纷4156件; 101名派出所所长 answers 多少个派出所所长…, not the 335名
    社区民警 after it; 恶势力犯罪集团案件39起 before 组织案件10起. One Han character may stand between,
    and a bracketed word (镇街级法治公园(广场)14个)."""
    before, after = norm[:figure[0]], norm[figure[1]:]
    touching, lead = 0, before
    # the words in the question's order, or the thing counted alone where its clause says the rest
    # (169个网格“数字化” for 多少个数字化网格; not 70队乐队参加 for 进入决赛的乐队共有几只)
    clause = norm[slice(*clause_at(norm, figure[0]))]
    alone = [words[-1:]] if words and all(w in clause for w in words[:-1]) else []
    for piece in [words[:k] for k in range(len(words), 0, -1)] + alone:
        # not across 、: a figure before it closes an item of a list (基地2个、镇街级法治公园14个)
        if re.match(rf"{_MARKS_IN_ITEM}[\u4e00-\u9fff]?{_MARKS_IN_ITEM}{loose(''.join(piece))}", after):
            touching = len("".join(piece))
            break
    for k in range(len(words), 0, -1):
        ending = re.search(rf"{loose(''.join(words[-k:]))}{_MARKS}{_INSERTED}{_MARKS}[\u4e00-\u9fff]?$", before)
        if ending:
            touching, lead = max(touching, len("".join(words[-k:]))), before[:ending.start()]
            break
    return int(bool(verb) and bool(re.search(rf"{re.escape(verb)}[\u4e00-\u9fff]?{_MARKS}$", lead))), touching


def clause_at(norm: str, at: int) -> tuple[int, int]:
    """(start, end) of the clause holding position ``at``: between the marks of CLAUSE_END."""
    start = max((m.end() for m in CLAUSE_END.finditer(norm, 0, at)), default=0)
    return start, next((m.start() for m in CLAUSE_END.finditer(norm, at)), len(norm))


DEED = re.compile("|".join(map(re.escape, sorted((w for group in DEEDS for w in group), key=len, reverse=True))))


def done_otherwise(norm: str, figure: tuple[int, int], verb: str) -> bool:
    """Whether the deed nearest before a figure in its clause, or else in its sentence, is another
    than the ``verb`` asked, unless the deed asked follows the figure's noun (1500件案件评查):
    成功化解各类矛盾纠纷35167件 does not say how many were 摸排, nor 县人民法院诉前调解案件637件 how
    many were 审结; a verb of no deed (依法打击…案件231起) may say what 查处 asks."""
    asked = next((group for group in DEEDS if verb in group), None)
    if asked is None:
        return False
    clause_end = clause_at(norm, figure[0])[1]
    if any(m.group() in asked for m in DEED.finditer(norm, figure[1], min(clause_end, figure[1] + NEXT_WORD))):
        return False   # the deed written after what it counts: 组织开展1500件案件评查
    deeds = [m.group() for m in DEED.finditer(norm, clause_at(norm, figure[0])[0], figure[0])] \
        or [m.group() for m in DEED.finditer(norm, 0, figure[0])]
    return bool(deeds) and deeds[-1] not in asked


CALENDAR_YEAR = re.compile(r"(?:1\d{3}|20\d\d)年$")
# A count written right after another (批捕24件36人): cases and people, one answer
COUNT_AFTER = re.compile(rf"\d[\d,]*(?:\.\d+)?(?:余|多)?[万亿千百]*({MEASURE_WORDS})")
NOUN_ENDINGS = set("所站室队庭点局院处部办会团组村县乡镇区市省")   # one character ending a noun (司法所)
NEXT_WORD = 8   # characters: about a word's length either side of a figure
CLAUSE_END = re.compile(r"[,，;；。:：!！?？]")


@lru_cache(maxsize=1024)
def counted_patterns(analysis: QuestionAnalysis) -> tuple[re.Pattern, ...]:
    """The thing a count asks about and the count's other words, the place asked left out, as
    loose patterns: made once per question, not once per figure of every candidate sentence."""
    if not analysis.counted:
        return ()
    scope = [normalize(p) for p in (*analysis.places, *analysis.place_forms)]
    return tuple(re.compile(loose(w)) for w in (analysis.counted, *analysis.count_words)
                 if (len(w) >= 2 or w == analysis.counted) and not any(w in p for p in scope))


@lru_cache(maxsize=1024)
def thing_pattern(analysis: QuestionAnalysis) -> re.Pattern | None:
    """The thing a count asks about (QuestionAnalysis.counted) as a loose pattern, or None."""
    return re.compile(loose(analysis.counted)) if analysis.counted else None


LEVEL_NAMED = re.compile(r"[省市县区乡镇村]级")


@lru_cache(maxsize=1024)
def modifier_patterns(analysis: QuestionAnalysis) -> tuple[re.Pattern, ...]:
    """The words saying which things a count asks about (QuestionAnalysis.count_modifiers), as loose
    patterns; a level by its place (县级 by 县: a report writes 县(市、区)政法委副书记)."""
    return tuple(re.compile(loose(w[0] if LEVEL_NAMED.fullmatch(w) else w)) for w in analysis.count_modifiers)


def counts_another(norm: str, figure: tuple[int, int], asked: tuple[re.Pattern, ...],
                   which: tuple[re.Pattern, ...] = (), thing: re.Pattern | None = None) -> bool:
    """A report writes a count right against what it counts, before it (四级综治中心981个, “政法大讲堂”2期)
    or after it (25个防控体系建设项目, 6大主体): a figure against a noun that is not the thing asked
    about nor the count's other words (``asked``, counted_patterns) counts something else. After
    it, the nouns that follow tell: 6大主体参与的…社区治理模式 counts 主体, not 社区. In a clause
    lacking a word saying which things are asked (``which``: 智慧 of 智慧安防小区), a figure counts
    others (改造“三无”小区12个)."""
    if not asked:
        return False
    if not all(_says_which(norm, figure, pattern, thing) for pattern in which):
        return True
    own = clause_at(norm, figure[0])
    after = re.match(r"(?:(?!、\s*\d)[^,，;；。!！?？])*", norm[figure[1]:]).group()   # to the next item (、16个)
    if thing is not None and not thing.search(norm, *own) and not COUNT_AFTER.search(norm, own[0], figure[0]) \
            and not nouns_after(after[:2 * NEXT_WORD]):
        prior = list(COUNT_AFTER.finditer(norm, 0, own[0]))
        if prior and figure[0] - own[0] <= NEXT_WORD:
            # a clause naming no thing goes on of what the one before counted: 审结42381件 after 受理各类案件44752件
            return counts_another(norm, prior[-1].span(), asked, which, thing)
    before = re.sub(rf"{_MARKS}$", "", re.search(rf"[^,，;；。!！?？、]{{0,{NEXT_WORD}}}$", norm[:figure[0]]).group())
    if verbs_at_end(before):   # “慧眼工程”累计推广建设15.1万路: what is counted is named before the verbs
        before = re.search(rf"[^,，;；。!！?？、]{{0,{2 * NEXT_WORD}}}$", norm[:figure[0]]).group()
    prior = [m for m in COUNT_AFTER.finditer(before) if not CALENDAR_YEAR.search(m.group())]
    if prior:   # the nouns right after an earlier figure are its own: 25个方面80项改革任务 counts 方面 by 25
        rest = before[prior[-1].end():]
        before = rest[len(nouns_after(rest)):]
    lead = int(after.startswith("的"))   # 100余人的普法讲师团: the figure sizes what follows
    owned = len(nouns_after(after[lead:lead + 2 * NEXT_WORD], which, asked))
    if owned:
        owned += lead
    if any(pattern.search(before) for pattern in asked):
        # ... but a noun other than the ``thing`` asked right before it, and not after it, is what it
        # counts: 政法委书记5名 shares 政法 with 政法委员 and counts 书记 (城区169个网格 counts 网格)
        return bool(thing) and not thing.search(before) and not thing.search(after, 0, owned) \
            and bool(re.search(r"[\u4e00-\u9fff]$", before)) and noun_at(before, -1)
    if owned:   # what is asked must begin among them (11个县(市、区) for 多少个县市区), not only a word saying
        # which: 3个基层法庭 shares 基层 with 基层派出所 and counts 法庭
        saying_which = {p.pattern for p in which}
        named = [p for p in asked if p.pattern not in saying_which] or asked
        # (or right where they stop: jieba tags the 编制 of 10名事业编制 a verb)
        return not any((m := pattern.search(after)) and m.start() <= owned for pattern in named)
    # written after its noun, it counts that noun, and what follows is the next item: 组建专项组10个、
    # 工作专班N个 does not say how many 工作专班
    return bool(re.search(r"[\u4e00-\u9fff]$", before)) and noun_at(before, -1)


@lru_cache(maxsize=8192)
def head_counted(norm: str, figure: tuple[int, int], thing: re.Pattern | None) -> bool:
    """Whether the thing asked is only said of the noun a figure counts, written between them:
    镇街专职消防队8支 counts 消防队, the 镇街's."""
    before = norm[clause_at(norm, figure[0])[0]:figure[0]]
    said = list(thing.finditer(before)) if thing else []
    rest = before[said[-1].end():] if said else ""
    return len(rest) >= 2 and nouns_after(rest) == rest


def noun_at(text: str, index: int) -> bool:
    """Whether ``text``'s first (0) or last (-1) word is a noun (防控体系, 县, 讲堂), not a verb,
    conjunction or adverb (并配备, 审结, 连续)."""
    import jieba.posseg as pseg
    words = pseg.lcut(text)
    if index == -1 and len(words) > 1 and words[-1].word in NOUN_ENDINGS and is_noun(words[-2].flag):
        return True   # 司法/所: jieba tags the 所 of 司法所 a conjunction
    return bool(words) and is_noun(words[index].flag)


def _says_which(norm: str, figure: tuple[int, int], pattern: re.Pattern, thing: re.Pattern | None) -> bool:
    """Whether a word saying which things are counted is said of the figure: in its clause, or in
    one stating no figure of its own (侵害未成年人… before 批捕24件), or before a clause naming no
    thing, which goes on of the one named before (排查矛盾纠纷2418件,化解2376件; 新建视频监控点位1350个,
    累计达到5870个); not beside another figure (增设1名专职委员 before 配齐132个乡镇政法委员), nor
    before a clause naming the thing its own way (政法综治基础设施,其中:消防指挥中心1个 for 综治中心)."""
    own = clause_at(norm, figure[0])
    goes_on = thing is None or not thing.search(norm, *own)
    # in a list of figures each naming its things (6个县(区)、86个乡镇(街道)心理服务平台), in the figure's own
    # item; not in one of measures of the same things (培训…20多场次、1200人次)
    item = (max((m.end() for m in ITEM_START.finditer(norm, own[0], figure[0] + 1)), default=own[0]),
            next((m.start() for m in ITEM_START.finditer(norm, figure[1], own[1])), own[1]))
    if not re.search(r"[\u4e00-\u9fff]", norm[item[0]:figure[0]] + norm[figure[1]:item[1]]):
        item = own
    return any((clause := clause_at(norm, m.start())) == own and item[0] <= m.start() < item[1]
               or goes_on and (not COUNT_AFTER.search(norm, *clause) or clause[0] < own[0]) for m in pattern.finditer(norm))


@lru_cache(maxsize=8192)
def verbs_at_end(text: str) -> bool:
    """Whether ``text`` ends in a verbal noun after a verb (推广/建设), which jieba tags as a noun
    (风险/评估 is one): the verbs of the figure that follows, not what it counts."""
    import jieba.posseg as pseg
    words = pseg.lcut(text)
    return len(words) > 1 and words[-1].flag == "vn" and words[-2].flag in ("v", "d")


@lru_cache(maxsize=8192)
def nouns_after(text: str, which: tuple[re.Pattern, ...] = (), asked: tuple[re.Pattern, ...] = ()) -> str:
    """The nouns ``text`` opens with, and the words describing them (大主体 of 大主体参与的…,
    防控体系建设项目); "" when it opens with no noun (并配备, 审结). Among nouns, a verb the question
    says which things with (``which``: 巡逻 of 多少台巡逻电瓶车), or one right before the thing
    ``asked`` (电瓶车), describes them too: 治安巡逻电瓶车."""
    import jieba.posseg as pseg
    words, depth, at = [], 0, 0
    for word in pseg.lcut(text):
        depth += (word.word in "(（") - (word.word in ")）")
        at += len(word.word)
        if not (depth or word.word in ")）" or is_noun(word.flag) or word.flag in ("a", "b", "eng")
                or words and (any(p.fullmatch(word.word) for p in which) or any(p.match(text, at) for p in asked))):
            break   # what a bracket glosses belongs to the noun before it: 村(社区), 县(市、区); LED of LED显示屏
        words.append(word)
    return "".join(w.word for w in words) if any(is_noun(w.flag) for w in words) else ""


def names_counted(norm: str, end: int, analysis: QuestionAnalysis) -> bool:
    """Whether the words a count asks are written right after a figure, and no noun after them
    (10名事业编制的… for 多少个事业编制; 101名派出所所长 counts 所长, not the 派出所 asked)."""
    asked = "".join(analysis.count_words)
    return bool(asked) and norm.startswith(asked, end) and not nouns_after(norm[end + len(asked):end + len(asked) + NEXT_WORD])


def kind_of(norm: str, end: int, analysis: QuestionAnalysis) -> bool:
    """Whether the nouns right after a figure name a kind of the thing asked, in one word the question
    does not say (1个网安警务室, 13个数字化法庭 for 有多少个警务室/法庭): a count of that kind, not of
    them all. Words describing them are no kind (27块平安综治宣传LED显示屏 for 有多少块LED显示屏)."""
    import jieba
    nouns, counted = nouns_after(norm[end:end + 3 * NEXT_WORD]), analysis.counted
    kind = nouns[:nouns.find(counted)] if counted and counted in nouns else ""
    return len(kind) >= 2 and kind not in normalize(analysis.question) and len(jieba.lcut(kind)) == 1


def counts_asked(norm: str, end: int, analysis: QuestionAnalysis) -> bool:
    """Whether the thing a count asks follows a numeral in its clause (捣毁两个大型的“法轮功”反宣品制作
    窝点 for 几个…窝点): then it counts, where 中央八项规定 or 二期建设 name something."""
    return bool(analysis.counted) and analysis.counted in re.match(r"[^,，;；。!！?？]*", norm[end:]).group()


DURATIONS = ("年", "个月", "月", "天", "周", "小时", "分钟", "秒", "岁")
FIGURE_BEFORE = re.compile(COUNT_AFTER.pattern + r"的?$")   # a count written right before what it counts
# a count or a rate close after the word it is of (受理各类案件44752件, 衔接率100%): no clause, 和 or 的 between
FIGURE_AFTER = re.compile(rf"{COUNT_AFTER.pattern}(?:以上|以下|以内)?|\d[\d.]*[%％](?:以上|以下|以内)?")   # a count or a rate
FIGURE_NEAR = re.compile(rf"[^,，;；。、和与及的\d]{{0,{NEXT_WORD}}}?(?:{FIGURE_AFTER.pattern})")
# two things asked at once (多少名法官和检察官, 受理和审结了多少案件, 衔接率和安置率分别是多少, 法官和检察官一共多少人):
# either side of 和
_AND = r"(?:和|与|(?<![涉普危惠波顾提以])及(?!时)|以及)"   # not the 及 of 涉及, 惠及, 及时
BOTH_ASKED = re.compile(rf"(?:多少|几)(?:余|多)?(?:个|名|人|件|起|位)?([\u4e00-\u9fff]{{2,12}}?){_AND}([\u4e00-\u9fff]{{2,16}}?)"
                        r"(?=[?？,，。的]|分别|各|$)"
                        rf"|([\u4e00-\u9fff]{{2,12}}?){_AND}([\u4e00-\u9fff]{{2,8}}?)[,，]?(?:(?:各|分别)[\u4e00-\u9fff]{{0,4}}?|一共|总共|共|合计)?"
                        r"(?:有|是|为)?(?:多少|几)"
                        # two kinds of people side by side, each asked (法官检察官各多少人)
                        rf"|([\u4e00-\u9fff]{{0,4}}(?:{PEOPLE_WORDS}))([\u4e00-\u9fff]{{0,4}}(?:{PEOPLE_WORDS}))(?:各|分别)")


def both_counts(norm: str, question: str, scope: tuple[str, ...] = ()) -> tuple[int, int] | None:
    """Where a sentence states both things a question asks together (BOTH_ASKED; ``scope``: the
    place forms, which name neither): one count before both (1100名警官、法官、检察官和律师), each
    right before its own (101名派出所所长、335名社区民(辅)警), one figure after both in their clause
    (社区戒毒社区康复执行率达到99%以上) or each right after its own (法官41人、检察官25人, 衔接率100%、
    安置率98%), in either order; None unless it states both."""
    words = both_asked_words(question, scope)
    if not words:
        return None
    left, right = words
    for m in re.finditer(re.escape(left[0]), norm):   # figures written before what they count
        ahead = FIGURE_BEFORE.search(norm, max(0, m.start() - NEXT_WORD), m.start())
        if not ahead or ahead.group(1) in DURATIONS:   # 连续5年群众安全感…: how long, not how many
            continue
        for word in right:
            at = norm.find(word, m.end(), clause_at(norm, m.end())[1])
            if at < 0:
                continue
            if not COUNT_AFTER.search(norm, m.end(), at):   # one figure of both: 1100名警官、法官、检察官和律师
                return ahead.start(), ahead.end(1)
            if FIGURE_BEFORE.search(norm, max(0, at - NEXT_WORD), at):   # each its own: 101名派出所所长、335名社区民(辅)警
                return ahead.start(), at + len(nouns_after(norm[at:at + 2 * NEXT_WORD]) or word)
            break
    own_left, own_right = [w for w in left if w not in right], [w for w in right if w not in left]
    for m in re.finditer(re.escape(own_left[-1]), norm) if own_left and own_right else ():
        end = clause_at(norm, m.start())[1]   # one figure after both in their clause (社区戒毒社区康复执行率达到99%以上)
        at = norm.rfind(own_right[0], m.end(), end)
        figure = FIGURE_AFTER.search(norm, at, end) if at > 0 else None
        if figure and not FIGURE_AFTER.search(norm, m.start(), at):
            return figure.span()
    first = _stated_after(norm, left)
    second = _stated_after(norm, right, first) if first else None
    if second is None:
        return None
    (a, b), (c, d) = sorted([first, second])
    return (a, d) if re.fullmatch(r"[^。;；]{0,%d}" % (2 * NEXT_WORD), norm[b:c]) else None


@lru_cache(maxsize=1024)
def both_asked_words(question: str, scope: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The words of each of the two things BOTH_ASKED finds, the place forms (``scope``) cut off;
    read once per question, not once per candidate sentence."""
    import jieba
    asked = BOTH_ASKED.search(question)
    parts = [g for g in asked.groups() if g] if asked else []
    for form in scope:
        parts = [p.replace(normalize(form), "") for p in parts]
    words = [[w for w in jieba.lcut(p) if len(w) >= 2 and w not in ("了", "过")] for p in parts]
    return (tuple(words[0]), tuple(words[1])) if len(words) == 2 and all(words) else None


def _stated_after(norm: str, words: tuple[str, ...], taken: tuple[int, int] = (0, 0)) -> tuple[int, int] | None:
    """(start, end) of the first of the ``words`` asked found with a figure right after it
    (FIGURE_NEAR), outside ``taken`` (the other thing's); a deed in any of its forms (批捕: 批准逮捕)."""
    for word in words:
        forms = "|".join(map(re.escape, DEED_OF.get(word, (word,))))
        for m in re.finditer(forms, norm):
            if (figure := FIGURE_NEAR.match(norm, m.end())) and not (m.start() < taken[1] and taken[0] < figure.end()):
                return m.start(), figure.end()
    return None


# Figures that follow one another joined only by these (3.3%和9.7%) ...
_JOINED = re.compile(r"\s*(?:和|与|及|、|,|，)\s*")
# ... after subjects joined the same way (刑事案件立案数、治安案件发案数同比下降3.3%和9.7%)
_CONJUNCTION = re.compile(r"、|和|与|及")


def respective(norm: str, found: list[tuple[int, int]], terms: tuple[str, ...]) -> list[tuple[int, int]]:
    """Of figures that follow subjects one for one, the one whose subject the question names:
    9.7% for 治安案件发案数同比下降了多少 in 刑事案件立案数、治安案件发案数同比下降3.3%和9.7%.
    ``found`` as it is when no run of figures has as many subjects, or none is named the most."""
    for i, first in enumerate(found):
        run = [first]
        for nxt in found[i + 1:]:
            if not _JOINED.fullmatch(norm[run[-1][1]:nxt[0]]):
                break
            run.append(nxt)
        if len(run) < 2:
            continue
        subjects = _CONJUNCTION.split(norm[clause_at(norm, first[0])[0]:first[0]])
        if len(subjects) != len(run):
            return found
        # the last subject runs on into what all share (治安案件发案数同比下降): cut it to the others' length
        subjects[-1] = subjects[-1][:max(len(x) for x in subjects[:-1])]
        named = [sum(len(t) for t in terms if t in subject) for subject in subjects]
        best = max(named)
        return [run[named.index(best)]] if best and named.count(best) == 1 else found
    return found


def levels_of(norm: str, figure: tuple[int, int], counted: str) -> bool:
    """Whether a level (三级) is of the thing asked, which its clause names after a 的: 三级党政主要
    负责同志任双组长的领导小组 are three levels of 领导小组, not of the people named first."""
    return norm[figure[1] - 1] == "级" and bool(counted) and \
        re.search(rf"的{re.escape(counted)}", norm[figure[1]:clause_at(norm, figure[0])[1]]) is not None


def clause_of_asked(norm: str, figure: tuple[int, int], analysis: QuestionAnalysis) -> bool:
    """Whether the clause of ``figure`` writes any word of the count asked but its place (审结42381件
    of 受理和审结了案件: 审结; not 建成智慧安防小区613个 of 布建了多少个电子卡口)."""
    clause = norm[slice(*clause_at(norm, figure[0]))]
    return any(w in clause for w in (analysis.counted, *analysis.count_words) if w and w not in analysis.place_forms)
