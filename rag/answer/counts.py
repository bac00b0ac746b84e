"""What a count asks: the counters and measure words, the thing counted and the words a figure is
written against (化解了多少件矛盾纠纷: 化解, 矛盾纠纷), and what a sentence must state beyond a number:
a negation for what did not happen, the part named for a part of a whole (``count_stated``).
Question analysis (rag.answer.question) reads these; sentence choice and spans weigh them.
"""
from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.units import CN_NUMERALS
from rag.text.tokens import jieba_words, word_frequency

# The kinds of answer that are a figure counted or measured: a count, a sum, a rate
FIGURE_TYPES = ("quantity", "amount", "percentage")
# two-character counters first: 1200人次 is one figure, not 1200人 and 次
MEASURE_WORDS = ("人次|场次|架次|批次|车次|户次|件次|个月|个|名|家|次|件|起|所|座|条|项|人|位|支|批|倍|种|类|年|天|岁|路"
                 "|户|场|元|公里|米|平方|亩|公顷|吨|辆|台|套|份|篇|期|轮|届|处|间|栋|张|只|头|艘|架|块|部|本|首|门|周|月"
                 "|小时|分钟|秒|字|页|卷|集|层|分|票|枚|颗|株")
# A count asked with a counting word (多少件, 几名) is answered by a number with that word.
# Not 个 (it goes with anything) nor 人, 年, 倍 … (人口达2,790,000 answers 多少人).
COUNTERS = "件|起|名|所|座|条|项|家|次|户|场|辆|台|套|篇|处|间|栋|张|艘|架|部|本|首|门|路|支|批|届|期|轮"
# not 第几名: a rank; 人次 and 车次 count visits and trips, not people or cars (1200人次 of training)
SCALE = r"(?:[十百千万亿](?!分)){0,2}"   # 几万个, 多少万路: counted in a scale (4.2万余个), not 百分比
# ... or named before the question word (专题学习的场次有多少: 100余场次, not 1200人次)
VISIT_MEASURES = ("人次", "场次", "架次", "批次", "车次", "户次", "件次")
ASKED_MEASURE = re.compile(rf"(?:(?:多少|(?<!第)几)(?:余|多)?{SCALE}|(?=(?:{'|'.join(VISIT_MEASURES)})数?"
                           rf"(?:有|是|为|达|一共|总共|共)*(?:多少|几)))(人次|车次|{COUNTERS})")
# 有几大行动, 几位一体: how many a programme's name numbers (十大“…行动”, “六位一体”防控体系)
BIG_ASKED = re.compile(r"(?<!第)(?:几|多少)(?:大|位一体)")
NUMBERED_BIG = re.compile(rf"[{CN_NUMERALS}\d]+(?:大|位一体)")
LEVELS_ASKED = re.compile(r"(?:多少|(?<!第)几)级")   # 几级: how many levels, which a report spells (三级领导小组)
LEVELS_STATED = re.compile(rf"[{CN_NUMERALS}\d]+级")
# Counters that count the same things: people by 名, 人 or 位 (多少名干警 → 409人); cases and
# incidents by 件 or 起 (多少起医闹事件 → 事件12件); shops and firms by 家 or, in Hong Kong, 间
# (多少家分店 → 28间分店)
SAME_COUNT = {"名": "名人位", "起": "起件", "件": "件起", "家": "家间"}


def counted_by(measure: str) -> str:
    """A pattern of the counters that answer a count asked with ``measure``."""
    return f"[{SAME_COUNT.get(measure, measure)}]" if len(measure) == 1 else measure


# 是几级的: the levels of the thing named before (领导小组), not a thing 级的
COUNT_PHRASE = re.compile(rf"(?:多少|(?<!第)几)(?:余|多)?{SCALE}(?:{MEASURE_WORDS}|级(?=的?(?:[?？!！。]|$)))?([^,，。?？!！;；、]*)")
NOT_COUNTED = re.compile(r"^(?:有|共有|一共|总共|累计|合计|共计|总计|建成|达到|达|为|是|了|呢|啊|吗|各|分别)+$")
CONTENT = re.compile(r"[\u4e00-\u9fff0-9a-zA-Z]")
VERB_ENDING = re.compile(r"(?:了|过|成|到|出|完|回)$|^(?:化解|办理|受理|查处|破获|排查|整治|调解|处理|审结|执结|打掉)")


# 是/为 just before the question phrase (立案数是多少) is no part of the word before it (立案/数是)
COPULA_BEFORE_QUESTION = re.compile(r"(?:是|为)(?=\s)")


# 经济总量要冲刺多少: 要 ends what says which; 全区入额法官: 全区 is the report's own place, often written 我区
# a head that names no thing of its own: 政法工作 counts what 政法 says (13次专题研究政法、维稳…)
LIGHT_HEADS = {"工作"}
KIND_OF_FIGURE = {"数量", "数目", "总数", "个数", "总量", "人数", "次数", "件数", "名次", "排名", "金额", "数额", "总额", "目标", "目标值"}   # what a count is, not what it counts
NOT_A_MODIFIER = set("的要将会能可应需该已在对") | {f"全{level}" for level in "国省市州县区镇乡村"}
COUNTED_PLACES = set("村县乡镇区市省")   # one character, yet what is counted: 多少个村
# a word for people before the count, and the verb they are counted by (政法委员配齐了多少名)
PEOPLE_WORDS = "员|官|警|干部|律师|医生|教师|志愿者"   # words ending in these name people
PEOPLE_BEFORE = re.compile(rf"({PEOPLE_WORDS}|书记|委员|代表|专干|主任|[所局院庭队站]长|民工|职工)"
                           rf"(?:有|共有|是|为|一共|总共|共|[\u4e00-\u9fff]{{1,2}}[了过])?$")
# a thing counted that is people (所长, 网格员, 先进典型): a count of it may be in 名, 人 or 位
PEOPLE_COUNTED_THING = re.compile(rf"(?:{PEOPLE_WORDS}|长|人|者|师|书记|委员|代表|典型|专干|民工|群众|职工|学生)$")
THING_DONE = re.compile(r"(?<=[\u4e00-\u9fff])(?:建|建成|新建|建设|整合|改造|设立|成立|组建|安装|配备|查处|破获|办理|化解|发生|出现)[了过]$")
# What a report counts as done, one group per deed: 摸排 and 化解 count different things (摸排4156件、
# 化解4082件); 批捕 is written 批准逮捕, 起诉 公诉
DEEDS = (("摸排", "排查"), ("化解", "调处", "调解"), ("受理",), ("审结", "办结", "结案"), ("执结",), ("查处",),
         ("破获", "侦破"), ("批捕", "批准逮捕"), ("起诉", "公诉"), ("立案",), ("办理",), ("评查",),
         ("新建", "新(扩)建", "新增"), ("恢复",))   # 恢复6个撤并的派出所 were not 新建
DEED_OF = {form: group for group in DEEDS for form in group}
TIMES = re.compile(r"次|回|遍|趟")   # counters of how often something happened
DONE_VERBS = set("建办抓查破装设修")   # one-character verbs of what a report counts as done
# verbs that never describe the noun after them: what counted things have or are, or what was done
# to them (多少件重大事项进行了评估: 事项, not 评估)
NEVER_DESCRIBING = ("有", "是", "为", "属于", "进行", "开展", "实施", "覆盖", "涉及", "惠及", "包括", "包含", "帮助")
CHANGED = re.compile(r"(?:变化|变动|增减|增长|下降|上升|减少|增加|提高|降低)$")   # what a change of a figure is asked by
DIFFERENCE_ASKED = re.compile(r"比[^,，。?？]{1,12}?(?:多|少|高|低|大|小|长|短)了?(?:多少|几)")   # 法官比检察官多多少人
DURATION_COUNTED = re.compile(r"(?:个月|月|年|天|日|周|小时|分钟|秒|岁)$")


def counted_thing(normalized_question: str) -> str:
    """The thing a count asks about, by its last word before a verb: 探头 in 多少个雪亮工程监控探头
    and in 监控探头多少个, 网格员 in 多少名网格员, 村 in 多少个村实现了…全覆盖; "" when the
    question does not name one."""
    return counted_with_modifiers(normalized_question)[0]


@lru_cache(maxsize=1024)
def counted_with_modifiers(normalized_question: str) -> tuple[str, tuple[str, ...]]:
    """counted_thing, and the words before it that say which (智慧, 安防 of 多少个智慧安防小区; 信访 of
    信访案件有多少件): 改造“三无”小区12个 counts other 小区, 对93件案件当事人… other 案件."""
    import jieba.posseg as pseg
    m = COUNT_PHRASE.search(normalized_question)
    if not m or DURATION_COUNTED.search(normalized_question[m.start():m.start(1)]):
        return "", ()   # 多少个月没有发生…: a count of time, stated by its unit (连续83个月无…), names no thing
    tagged = [(w, flag) for w, flag in pseg.lcut(m.group(1)) if CONTENT.search(w) and w not in ("多少", "几", "了", "的")]
    # 多少个县区的心理服务平台: the 县区 are counted, the 平台 theirs (not 影响…稳定的矛盾问题, a clause saying which)
    owner = re.match(r"[^的]{2,8}?(?=的)", m.group(1))
    owned = [w for w, flag in tagged if w in owner.group()] if owner else []
    if owned and all(flag.startswith("n") for w, flag in tagged[:len(owned)]):
        return owned[0], ()
    # 多少次获得…: what follows is what happened, not a thing counted; but a verb before the noun
    # that ends a count of things says which (多少件信访案件: jieba tags 信访 a verb)
    says_which = not TIMES.search(m.group(0)[:m.start(1) - m.start()]) and len(tagged) > 1 \
        and not NOT_COUNTED.match(tagged[0][0]) and tagged[-1][1].startswith("n") and all(is_noun(f) for _, f in tagged[1:])
    # 多少个编制: a lone word after a counter is the thing counted, whatever jieba tags it
    lone_after_counter = len(tagged) == 1 and re.search(rf"(?:{MEASURE_WORDS})$", m.group(0)[:m.start(1) - m.start()])
    # 多少人进网格: what the people counted did (进), not which 网格
    people_counted = re.match(r"(?:多少|几)(?:余|多)?[人名位]", m.group())
    asked_before = normalized_question[:m.start()]
    people = PEOPLE_BEFORE.search(asked_before) if people_counted else None
    if tagged and tagged[0][1] == "v" and (not says_which or people_counted) and not lone_after_counter:
        if not people:
            return "", ()
        tagged = []   # 派出所所长有多少名进入…: the people named before are counted, the rest is what they did
    # a verb with words after it is what the counted things did (进入同级党组织班子), as is a last one
    # after a noun (社区推广, not 监控探头); one right before the last word describes it (安防小区)
    # (有 of 多少名政法干警有本科文凭 is what they have: never a word describing the thing)
    verb = next((i for i, (word, flag) in enumerate(tagged) if flag == "v" and 0 < i and (
        i < len(tagged) - 2 or i == len(tagged) - 1 and tagged[i - 1][1].startswith("n") or word in NEVER_DESCRIBING)),
        len(tagged))
    after = [w for w, _ in tagged[:verb]]
    if len(after) > 1 and after[-1] in LIGHT_HEADS:
        after.pop()
    if after and not NOT_COUNTED.match("".join(after)):
        last = after[-1] if len(after[-1]) >= 2 or len(after) == 1 else after[-2] + after[-1]
        modifiers = _modifiers(after[:len(after) - (1 if last == after[-1] else 2)])
        return (last, modifiers) if len(last) >= 2 or last in COUNTED_PLACES else ("", ())
    things = re.match(rf"(?:多少|几)(?:余|多)?(?:个|{COUNTERS})(?![人名位])", m.group())
    if people:   # 专职网格员有多少名, 政法委员配齐了多少名: those people are counted
        asked_before = asked_before[:people.end(1)]
    elif things and (done := THING_DONE.search(asked_before)) and _ends_in_thing(asked_before[:done.start()]):
        asked_before = asked_before[:done.start()]   # 智慧安防小区建了几个: 小区 were built (荣昌化解了多少件: none named)
    elif asked_before.endswith(("了", "过")) or CHANGED.search(asked_before) or people_counted:
        return "", ()   # 增长了多少, 同比变化多少: a magnitude of the verb; 人才库有多少人: people, not the 库
    lead = COPULA_BEFORE_QUESTION.sub("", asked_before + " ")
    before = _deeds_apart([uncounted(w, normalized_question) for w in jieba_words(lead) if CONTENT.search(w)])
    while before and (NOT_COUNTED.match(before[-1]) or before[-1] in KIND_OF_FIGURE):
        before.pop()   # 网格 of 网格有多少, 探头 of 探头的数量是多少
    last = before[-1] if before else ""
    if len(before) > 1 and before[-2] == "副":   # 副/书记: jieba cuts the deputy off the post (not 书记5名)
        last = before.pop(-2) + last
        before[-1] = last
    if len(last) == 1 and len(before) > 1 and not before[-2].isdigit() and not NOT_COUNTED.match(last):
        # 立案/数: the count of 立案数
        last = before[-2] + last
        before.pop()
    if len(last) < 2 or NOT_COUNTED.match(last) or VERB_ENDING.search(last) or last in VISIT_MEASURES:
        return "", ()   # 场次有多少: the measure asked (ASKED_MEASURE), no thing
    after_of = lead[lead.rfind("的") + 1:]   # 荣昌的信访案件: what says which comes after 的
    return last, tuple(w for w in _modifiers(before[:-1]) if w in after_of)


def is_noun(flag: str) -> bool:
    """Of a jieba part-of-speech flag: a noun, a verbal noun (评估), an abbreviation (政法委)."""
    return flag.startswith("n") or flag in ("vn", "j", "zg")


def _ends_in_thing(text: str) -> bool:
    """Whether ``text`` ends in a common noun (小区), not a place or a name (荣昌, tagged nr)."""
    import jieba.posseg as pseg
    tagged = pseg.lcut(text[-8:])
    return bool(tagged) and tagged[-1].flag in ("n", "nz", "vn", "ng", "l")   # l: 恶性案件, a set phrase


def _modifiers(words: list[str]) -> tuple[str, ...]:
    """Of the words before a thing counted, the two at most right before it that say which (信访 of
    荣昌的信访案件, 智慧安防 of 多少个智慧安防小区), back to a verb, 的, a number or a lone character."""
    found = []
    for word in reversed(words):
        if len(found) == 2 or word in NOT_A_MODIFIER or word in NEVER_DESCRIBING or NOT_COUNTED.match(word) or VERB_ENDING.search(word) \
                or word.isdigit() or re.fullmatch(MEASURE_WORDS, word) or len(word) == 1 and word not in COUNTED_PLACES:
            break
        found.insert(0, word)
    return tuple(found)


def deed_opening(word: str) -> str:
    """The deed ``word`` opens with (化解 of 化解 and of jieba's 化解矛盾), or ""."""
    return next((deed for deed in DEED_OF if word.startswith(deed)), "")


def _deeds_apart(words: list[str]) -> list[str]:
    """``words`` with a deed jieba glued to the things it was done to cut off them (化解矛盾 of
    化解矛盾纠纷多少件: the deed 化解, and 矛盾 saying which 纠纷; not the 摸排…4156件 beside 化解4082件)."""
    out = []
    for word in words:
        deed = deed_opening(word)
        out += [deed, word[len(deed):]] if deed and len(word) - len(deed) >= 2 else [word]
    return out


def count_phrase(normalized_question: str) -> tuple[str, tuple[str, ...]]:
    """The verb before a count's question phrase and the words after it: (化解, (矛盾, 纠纷)) of
    化解了多少件矛盾纠纷, ("", (派出所, 所长, 进入, …)) of 有多少个派出所所长进入…; a figure written
    against them (化解4082件, 101名派出所所长) states the count asked."""
    m = COUNT_PHRASE.search(normalized_question)
    if not m:
        return "", ()
    words = tuple(w for w in jieba_words(m.group(1)) if CONTENT.search(w) and not w.isdigit())
    lead = normalized_question[:m.start()]
    before = [w for w in _deeds_apart([uncounted(w, normalized_question) for w in jieba_words(lead)])
              if len(w) >= 2 and CONTENT.search(w)]
    verb = before[-1] if before and re.search(rf"{re.escape(before[-1])}[了过]?$", lead) \
        and not NOT_COUNTED.match(before[-1]) else ""
    if verb and not _verb(verb):   # 覆盖群众多少: the thing counted, after the verb done to it
        verb = next((w for w in reversed(before[:-1]) if w in NEVER_DESCRIBING), "")
    if verb not in DEED_OF:   # 审结各类案件多少件: the deed before the things it counts
        verb = next((w for w in reversed(before) if w in DEED_OF), verb)
    if not words:   # the thing counted is named before the question phrase: 九类涉恶案件有多少件, after the
        # verb done to it when one is (公安改革涉及方面多少个: 方面, not the 改革 of 80项改革任务)
        after_verb = before[len(before) - before[::-1].index(verb):] if verb in before[:-1] else before
        words = tuple(w for w in after_verb if not NOT_COUNTED.match(w) and not w.isdigit())
    return verb, words


def counter_glued(word: str, normalized_question: str) -> bool:
    """Whether jieba made ``word`` up of the counter asked and what follows it (起医闹 of
    多少起医闹事件, 起酒 of 多少起酒驾, 支镇 of 几支镇街, 钱建 of 多少钱建…): no word of its dictionary."""
    return len(word) >= 2 and (word[0] in COUNTERS or word[0] == "钱") and not word_frequency(word) \
        and bool(re.search(rf"(?:多少|几)(?:余|多)?{re.escape(word)}", normalized_question))


def uncounted(word: str, normalized_question: str) -> str:
    """A word without the counter asked glued to it (counter_glued): the passage writes 医闹."""
    if counter_glued(word, normalized_question):
        return word[1:]
    if len(word) >= 3 and word[-1] == "各" and word_frequency(word[:-1]):
        return word[:-1]   # 案件各 of 团伙案件各有多少起: each, glued on
    if word == "所有" and re.search(r"[\u4e00-\u9fff]所有(?:多少|几)", normalized_question):
        return "所"   # 司法所有多少个: the 所 of 司法所 and the 有 asked, never "all"
    if len(word) == 2 and word[1] in "有了过" and not word_frequency(word):
        # 区有 of 荣昌区有多少名…, 群有 of 微信群有多少个: 有 glued to a word's last character; 建了 of 建了多少个:
        # a verb's aspect glued to it (the report writes 建成)
        return word[0]
    if len(word) == 2 and word[1] in DONE_VERBS and not word_frequency(word) \
            and re.search(rf"{re.escape(word)}[了过]", normalized_question) and not _verb(word[0]):
        return word[0]   # 群建 of 微信群建了多少个: a one-character verb glued to the thing done before it (评查 is one verb)
    return word


@lru_cache(maxsize=256)
def _verb(word: str) -> bool:
    """Whether jieba tags ``word`` (its last part) a verb or a verbal noun (评估), not a noun (群众)."""
    import jieba.posseg as pseg
    return pseg.lcut(word)[-1].flag.startswith("v")


# A count of what did not happen is stated with a negation (无, 零发生); 未来, 未成年人, 没收 are no negations
NEGATION_ASKED = re.compile(r"(?:(?<!有)没有?|尚未|未|不再)(?!来|成年|收|婚|知|必|免|曾有)")   # not 有没有, which asks yes or no
NEGATION_STATED = re.compile(r"无|未|没|零|不|杜绝")
WHOLE_ASKED = re.compile(rf"([\u4e00-\u9fff]*(?:{PEOPLE_WORDS}))中(?:有|共有)?(?:多少|几)")   # 法官中有多少人
# 干警中有多少人是处级干部, 有多少政法干警有本科文凭, 有多少政法干警考过了司法考试: the part asked of a whole
PART_ASKED = re.compile(r"中(?:有|共有)?(?:多少|几)[^是为,，]{0,4}?(?:是|为|属于|有)([^?？,，。!！]+)"
                        rf"|(?:多少|几)[名位]?[\u4e00-\u9fff]{{0,6}}?(?:{PEOPLE_WORDS})(?:是|为|属于|有|[\u4e00-\u9fff]{{1,2}}?[了过])"
                        r"([^?？,，。!！]+)"
                        r"|有(?:多少|几)[个名位件家所]?(?:是|为|属于)([^?？,，。!！]+)"   # 司法所有几个是大所
                        r"|中(?![心国央间部华学])([\u4e00-\u9fff]{1,6}?)的(?:有|共有)(?:多少|几)"   # 综治中心中市级的有几个 (not 初高中共计有…)
                        # 多少个综治中心是市级的: a short part closing the question (not 是由…宣布的, which says what they are)
                        r"|(?:多少|几)[个名位件家所][\u4e00-\u9fff]{2,6}?(?:是|为|属于)(?![由被在])([\u4e00-\u9fff]{1,6}?)的?(?=[?？!！。]?$)")


@lru_cache(maxsize=1024)
def count_asked(asked: str) -> tuple[bool, tuple[str, ...]]:
    """Of a question (``asked``: normalized, without its titles and quotes): whether it asks a count
    of what did not happen, and the words naming the part of a whole it asks (处级, 干部 of
    424人中有多少人是处级干部); read once per question, not once per candidate sentence."""
    part = PART_ASKED.search(asked)
    words = tuple(w for w in jieba_words(next(g for g in part.groups() if g)) if len(w) >= 2) if part else ()
    return bool(NEGATION_ASKED.search(asked)), words


def count_stated(kind: str, asked: str, normalized_sentence: str) -> bool:
    """Whether a sentence can state the count a question asks (``asked``: as for count_asked)
    beyond its unit: what did not happen with a negation (连续83个月无… for 多少个月没有发生…, never
    the 981 built for 多少个没有建成), and a part of a whole with the part named (424人中有多少人是处级干部
    needs 处级干部, not the 424人 or another count)."""
    negated, part = count_asked(asked)
    # the negation is said of a figure, in its clause (连续83个月无…), not in a slogan beside it (小事不出村)
    if negated and kind in FIGURE_TYPES and not any(NEGATION_STATED.search(c) and re.search(r"\d", c)
                                                    for c in re.split(r"[,，;；。:：!！?？、]", normalized_sentence)):
        return False
    # the whole a part is asked of is the sentence's: 法官中有多少人通过司法考试 is not answered by
    # 864名政法干警中…通过司法考试171人
    whole = WHOLE_ASKED.search(asked)
    if kind == "quantity" and whole and (words := jieba_words(whole.group(1))) and len(words[-1]) >= 2 \
            and words[-1] not in normalized_sentence:
        return False
    # a compound of two words (本科文凭) may be written apart (本科以上文凭)
    return kind != "quantity" or all(w in normalized_sentence or len(w) == 4 and w[:2] in normalized_sentence
                                     and w[2:] in normalized_sentence for w in part)
