import pytest

from rag.answer.extract import NOT_FOUND, ask, highlight_spans, question_terms
from rag.answer.retrieve import Searcher


def test_highlights_match_across_scripts():
    text = "建成市、縣、鄉、村四級綜治中心981個"
    spans = highlight_spans(text, ["综治", "中心", "981"])
    assert [text[s:e] for s, e in spans] == ["綜治中心981"]


def test_question_terms_drop_question_words():
    assert question_terms("張掖市建成了多少個四級綜治中心?") == ["张掖市", "建成", "四级", "综治", "中心"]


def test_every_sentence_carries_a_citation(hashing_index):
    searcher = Searcher(*hashing_index)
    answer = ask(searcher, "乐山市排查整治顽瘴痼疾多少个?", "bm25")
    assert answer.answered and "4821个" in answer.answer
    for c in answer.citations:
        assert f"[{c.n}]" in answer.answer
        doc = searcher.store.documents[c.doc]
        sentence = c.text[c.sentence[0]:c.sentence[1]]
        assert sentence in answer.answer
        assert doc.document.text[c.start:c.end] == sentence  # 001 has no inline removals


def test_out_of_scope_question_is_declined(hashing_index):
    answer = ask(Searcher(*hashing_index), "成都市2023年的地区生产总值是多少?")
    assert not answer.answered and answer.answer == NOT_FOUND and not answer.citations
    assert answer.passages  # the nearest passages are still there for the user to judge


@pytest.mark.parametrize("question, figure", [
    ("达州批捕侵害未成年人案件多少件?", "24件"),        # 批捕24件: the counter states 案件
    ("荣昌检察院批捕了多少人?", "1221人"),             # the report writes 批准逮捕
    ("达州微信群建了多少个?", "2.5万余个"),            # jieba's 群建 is 群 and the deed 建
    ("荣昌综调室办了多少件案子?", "8152件"),           # the report writes 案件
])
def test_a_figure_asked_in_the_askers_words(hashing_index, question, figure):
    answer = ask(Searcher(*hashing_index), question)
    assert answer.answered and answer.span is not None and answer.span.text == figure


@pytest.mark.parametrize("question, figure", [
    ("張掖的綜治中心有幾級?", "四級"),          # levels asked: not the 981個 centres
    ("张掖有多少个综治中心?", "981個"),
    ("达州成立了几级领导小组?", "三级"),        # 三级党政主要负责同志任双组长的领导小组: levels of the 领导小组
    ("达州的领导小组是几级的?", "三级"),
    ("乐山的市法学会有多少个事业编制?", "6名"),  # 编制 counted in 名; not the 132个 乡镇政法委员 of the next clause
    ("张掖的社会治安防控体系是几位一体?", "六位一體"),   # the numeral naming it, not the 613個 小区 before
    ("荣昌有多少政法干警有法学本科文凭?", "409人"),     # the part asked, not the 864名政法干警中 it is of
    ("荣昌有多少名政法干警有本科文凭?", "409人"),
    ("荣昌检察机关抓了多少人?", "1221人"),            # 抓了: the report writes 批准逮捕
    ("乐山去年平安建设群众满意度排名第几来着", "第6名"),   # 2021年 in a 2022 report; 来着 is the asker's talk
    ("荣昌有多少台电瓶车?", "52台"),            # 52台治安巡逻电瓶车
    ("荣昌评查了多少件案件?", "1500件"),        # 评查 is one verb, not 评 and the 查 done: not 查处…4.8万起
    ("十二五期间荣昌化解了多少件矛盾纠纷?", "35167件"),   # the period the report covers
    ("今年张掖摸排了多少件矛盾纠纷?", "4156件"),
])
def test_the_figure_asked_not_another_of_the_sentence(hashing_index, question, figure):
    answer = ask(Searcher(*hashing_index), question)
    assert answer.answered and answer.span is not None and answer.span.text == figure


@pytest.mark.parametrize("question", [
    "张掖电信诈骗案件下降了多少?",   # 3.3% is the fall of 刑事案件立案数
    "荣昌有多少个综治中心?",         # 消防指挥中心1个 is another centre
    "甘肃省平安建设排名第几?",       # 张掖's rank within the province, not the province's
    "达州市达川区有多少个雪亮工程探头?",   # the city's 4.2万余个 are not its district's
    "张掖市临泽县有多少个网格?",
    "十三五期间荣昌化解了多少件矛盾纠纷?",   # the report's 35167件 are of the 十二五
    "去年张掖摸排了多少件矛盾纠纷?",         # 4156件 are 今年以来's
    "荣昌有多少个警务室?",                   # 1个网安警务室 is a kind of them, 109个 were rebuilt
    "荣昌有几个法庭?",                       # 13个数字化法庭, 3个基层法庭 newly built: no total
    "荣昌有多少人?",                         # nothing asked but the place: 100余人 of the 普法讲师团
    "达州侦办的黑社会性质组织案件涉及多少人?",   # 619人 are of the 涉疫 cases, a sentence sharing little asked
])
def test_no_figure_of_something_else_is_given(hashing_index, question):
    assert not ask(Searcher(*hashing_index), question).answered


def test_a_count_of_another_deed_is_no_answer(hashing_index):
    # 荣昌's report gives what was resolved (化解35167件), not what was surveyed
    answer = ask(Searcher(*hashing_index), "荣昌摸排了多少件矛盾纠纷?")
    assert not answer.answered


def test_who_holds_a_post_is_named_beside_it(hashing_index):
    searcher = Searcher(*hashing_index)
    # 乐山's report names no 组长 of its 领导小组 (成立党政“一把手”为双组长的…): not the 政法委书记廖全军
    assert not ask(searcher, "乐山的平安建设领导小组组长是谁?").answered
    answer = ask(searcher, "达州市委政法委书记是谁?")
    assert answer.answered and answer.span.text == "何政"


def test_an_answer_about_someone_comes_from_a_report_naming_them(hashing_index):
    # 张掖's sentence on 各部門單位 said nothing of 何政, whose byline is in 002
    answer = ask(Searcher(*hashing_index), "何政在哪个单位工作?")
    assert answer.answered and {c.doc for c in answer.citations} == {"002_20c1160605c0dde7.txt"}


def _encyclopedia(texts):
    """Paragraphs indexed as an encyclopedia's: ``texts`` is (name, article title, paragraph)."""
    from rag.embed.backends import HashingEmbedder
    from rag.ingest.documents import Document
    from rag.stores.local.index import build_from_documents
    embedder = HashingEmbedder(256)
    documents = [Document(name, "", text, "utf-8", name, title=title) for name, title, text in texts]
    return Searcher(build_from_documents(documents, embedder)[0], embedder)


def test_a_name_asked_is_answered_only_from_a_document_naming_it():
    searcher = _encyclopedia([
        ("bsu", "", "北京体育大学专精于竞技体育，截至2015年，已培养奥运、世界锦标赛冠军运动员及教练312人，其中奥运冠军73人。"),
        ("mdy", "", "牡丹园站是北京地铁10号线的一座车站。牡丹园站拥有4个出入口，分别位于花园路两侧。该站于2008年7月19日启用。")])
    # the station's paragraph names it, so the university's 73人 is another's figure
    assert not ask(searcher, "牡丹园站培养了多少名冠军？").answered
    assert "73人" in ask(searcher, "北京体育大学培养了多少名冠军？").answer


def test_an_article_title_names_what_its_paragraphs_are_about():
    # the paragraph says 他; its article's title names whom it is about
    searcher = _encyclopedia([
        ("cao-2", "曹丕", "他于220年代汉称帝，定都洛阳，国号为魏，是为魏文帝。"),
        ("cao-zhi", "曹植", "曹植是曹操之子，曹丕之弟，以诗文著称，有《洛神赋》传世。")])
    answer = ask(searcher, "曹丕在哪一年称帝？")
    assert answer.answered and answer.citations[0].doc == "cao-2" and "220年" in answer.answer


def test_a_plan_asked_is_answered_by_the_plan_stated(hashing_index):
    # 连续5年…保持在90%以上 is the past; the plan is 确保群众安全感保持在90%以上
    answer = ask(Searcher(*hashing_index), "荣昌未来五年群众安全感要保持在多少?")
    first = answer.citations[0]
    assert answer.answered and "确保群众安全感保持在90%以上" in first.text[slice(*first.sentence)]
