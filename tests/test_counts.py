"""What a count asks: the thing counted, and what a sentence states beyond its number."""
import pytest

from rag.answer.counts import count_phrase, count_stated, counted_thing, counted_with_modifiers
from rag.text.normalize import normalize


@pytest.mark.parametrize("question, thing", [
    ("张掖建成了多少个雪亮工程监控探头?", "探头"),
    ("达州建成“雪亮工程”监控探头多少个?", "探头"),
    ("荣昌区共有多少名网格员?", "网格员"),
    ("青川县2024年化解了多少件矛盾纠纷?", "纠纷"),
    ("荣昌化解了多少件?", ""),                      # the count's thing is not named
    ("2021年乐山平安建设群众满意度在全省排第几?", ""),   # a rank, not a count
    ("达州市2020年执行案件立案数是多少?", "立案数"),    # 立案/数是: the copula is not part of the word
    ("达州组建的政法系统专家人才库有多少人?", ""),
    ("张掖刑事案件立案数同比变化了多少?", ""),          # a magnitude of the verb: nothing counted
    ("达州群众服务微信群有多少个?", "微信群"),           # 微信/群有: the 有 jieba glued on is no part of it
    ("达州有多少个村实现了雪亮工程全覆盖?", "村"),        # what the counted things did is not what is counted
    ("达州有多少名社区民辅警进入同级党组织班子?", "民辅警"),
    ("荣昌区有多少个智慧安防小区?", "小区"),             # 安防 before the last word describes it
    ("荣昌的网格有多少?", "网格"),                       # the 有 before the question phrase is no thing
    ("荣昌区连续多少个月没有发生到市重复集访?", ""),     # a count of months: 没有 is no thing counted
    ("荣昌连续多少年群众安全感保持在90%以上?", ""),
    ("张掖多少次获得平安甘肃建设优秀市州?", ""),        # what follows the count is what happened
    ("达州“蜂巢式”社区治理模式在多少个社区推广?", "社区"),   # ... and so does a last verb after a noun
    ("张掖专职网格员有多少名?", "网格员"),               # people counted by what they are, not by 名
    ("荣昌智慧安防小区建了几个?", "小区"),               # things counted by what was done to them
    ("张掖网格整合了多少个?", "网格"),
    ("达州办理了多少件信访案件?", "案件"),             # jieba tags 信访 a verb: it says which 案件
    ("青川的视频监控累计达到多少个?", "监控"),           # 累计 says how it is counted, not what
    ("荣昌的政法干警中有多少人有本科文凭?", ""),         # 有 is what the people counted have, not a thing
    ("达州的领导小组是几级的?", "领导小组"),             # the levels of what is named before, not a thing 级的
    ("达州成立了几级领导小组?", "领导小组"),
    ("荣昌有多少名政法干警有本科文凭?", "干警"),         # 有 before the last word is what they have
    ("张掖派了多少人进网格?", ""),                      # people counted: 进网格 is what they did
    ("张掖今年以来对多少件重大事项进行了评估?", "事项"),   # 进行 never describes: 评估 is what was done
    ("张掖刑事案件立案数同比变化多少?", ""),             # a magnitude of the change, nothing counted
    ("张掖有多少个县区的心理服务平台实现了全覆盖?", "县区"),   # 县区的…平台: the 县区 are counted
    ("张掖排查了多少个影响社会大局稳定的现实矛盾问题?", "问题"),   # a clause saying which, no owner
])
def test_the_thing_a_count_asks_about(question, thing):
    assert counted_thing(normalize(question)) == thing


@pytest.mark.parametrize("question, thing, modifiers", [
    ("荣昌区有多少个智慧安防小区?", "小区", ("智慧", "安防")),        # which 小区: not the 三无小区 rebuilt
    ("荣昌的信访案件有多少件?", "案件", ("信访",)),                  # back to 的
    ("达州侦办恶势力犯罪集团案件多少起?", "案件", ("恶势力", "犯罪集团")),   # two words at most
    ("荣昌审判机关受理各类案件多少件?", "案件", ("各类",)),           # back to the verb
    ("司法体制改革试点中荣昌全区入额法官多少人?", "法官", ("入额",)),   # 全区 is the report's own place
    ("达州的经济总量要冲刺多少?", "冲刺", ()),                       # 要 ends them
    ("张掖2023年刑事案件立案数是多少?", "立案数", ("刑事案件",)),      # a year is no modifier
    ("达州有多少个派出所?", "派出所", ()),
    ("达州雪亮工程监控探头的数量是多少?", "探头", ()),               # 数量 is what the count is, not what it counts
    ("达州化解矛盾纠纷多少件?", "纠纷", ("矛盾",)),                  # jieba's 化解矛盾: the deed cut off
    ("达州的群众服务微信群覆盖群众多少?", "群众", ()),               # 覆盖 never says which 群众
    ("达州县级政法委副书记有多少名?", "副书记", ("县级", "政法委")),   # a post named before; jieba's 副/书记
])
def test_the_words_saying_which_things_are_counted(question, thing, modifiers):
    assert counted_with_modifiers(normalize(question)) == (thing, modifiers)


def test_the_words_a_count_is_written_against():
    assert count_phrase(normalize("青川县2024年化解了多少件矛盾纠纷?")) == ("化解", ("矛盾", "纠纷"))
    assert count_phrase(normalize("九类涉恶案件有多少件?"))[1] == ("九类", "涉恶", "案件")
    assert count_phrase(normalize("张掖化解矛盾纠纷多少件?"))[0] == "化解"   # not 纠纷, after jieba's 化解矛盾
    assert count_phrase(normalize("达州的群众服务微信群覆盖群众多少?"))[0] == "覆盖"   # 群众 is what is counted
    # the words after the verb, not the 改革 that 80项改革任务 shares
    assert count_phrase(normalize("荣昌公安改革涉及方面多少个?")) == ("涉及", ("方面",))


def test_a_count_of_what_did_not_happen_or_of_a_part_needs_it_stated():
    assert not count_stated("quantity", "张掖有多少个综治中心没有建成?", "建成四级综治中心981个")
    assert count_stated("quantity", "荣昌区连续多少个月没有发生到市重复集访?", "全区连续83个月无到市重复集访")
    assert count_stated("quantity", "未成年人犯罪案件有多少件?", "办理未成年人犯罪案件120件")   # 未成年人: no negation
    asked = "乐山“四种形态”处理的424人中有多少人是处级干部?"
    assert not count_stated("quantity", asked, "运用“四种形态”处理424人")
    assert count_stated("quantity", asked, "运用“四种形态”处理424人,其中处级干部12人")
    # the negation is said of a figure in its clause, not in a slogan beside it
    assert not count_stated("quantity", "张掖没化解的矛盾纠纷有多少件?",
                            "全市共摸排各类矛盾纠纷4156件、化解4082件,真正实现了“小事不出村、矛盾不上交”")
    # a part asked with 有 (…中有多少人有本科文凭), its compound written apart (本科以上文凭)
    asked = "荣昌的政法干警中有多少人有本科文凭?"
    assert count_stated("quantity", asked, "全区864名政法干警中获得法学专业本科以上文凭的409人")
    assert not count_stated("quantity", asked, "全区864名政法干警中通过司法考试171人")
    # ... and the whole it is asked of is the sentence's: not 政法干警 for 法官
    assert not count_stated("quantity", "荣昌法官中有多少人通过司法考试?", "全区864名政法干警中通过司法考试171人")
    assert count_stated("quantity", "荣昌政法干警中有多少人通过司法考试?", "全区864名政法干警中通过司法考试171人")


def test_a_spoken_word_is_counted_as_the_report_writes_it():
    from rag.answer.question import analyze
    assert analyze("荣昌综调室办了多少件案子?").counted == "案件"


def test_a_one_character_verb_glued_to_the_thing_done_is_cut_off():
    from rag.answer.counts import uncounted
    assert uncounted("群建", "达州微信群建了多少个?") == "群"
    assert uncounted("群建", "群建是什么?") == "群建"      # no deed after it: left as jieba cut it
