"""List answers (rag/answer/lists.py): the items of the part of a report that answers, each cited."""
from rag.answer.extract import ask
from rag.answer.retrieve import Searcher

DAZHOU = "000_e33b01bdb0cac963.txt"


def test_a_section_heading_lists_its_paragraphs_run_in_headings(hashing_index):
    answer = ask(Searcher(*hashing_index), "达州在提升业务能力方面有哪些做法?", "bm25")
    assert answer.answer == "强化科技支撑体系。[1]强化政法队伍建设。[2]创新社会治理体系。[3]"
    assert [c.doc for c in answer.citations] == [DAZHOU] * 3 and answer.citations[0].section == "推进“治理+改革”融合 提升业务能力"


def test_a_run_in_heading_lists_its_paragraphs_sentences(hashing_index):
    answer = ask(Searcher(*hashing_index), "达州政法队伍建设有哪些措施?", "bm25")
    assert len(answer.citations) == 5 and {c.doc for c in answer.citations} == {DAZHOU}
    assert "组建政法系统专家人才库53人。" in answer.answer and "开办“达州政法大讲堂”2期" in answer.answer
    assert all(c.paragraph == answer.citations[0].paragraph for c in answer.citations)   # one paragraph's measures


def test_a_question_without_a_list_shape_keeps_its_sentences(hashing_index):
    answer = ask(Searcher(*hashing_index), "张掖从严治警有哪些措施?", "bm25")
    assert answer.answered and len(answer.citations) <= 3 and "十個嚴禁" in answer.answer


def test_a_how_question_is_answered_by_the_measures(hashing_index):
    # asked how, answered by the section's measures: its three run-in headings
    answer = ask(Searcher(*hashing_index), "达州如何构建市域社会治理新格局?")
    assert all(item in answer.answer for item in ("建设“三个达州”", "实施“八大工程”", "促进“五治融合”"))


def test_a_question_naming_no_place_is_listed_by_the_report_whose_paragraph_it_heads(hashing_index):
    """The issue's case: asked with no place, 张掖's best sentence (若干措施) sits in no list,
    and 达州's paragraph headed 强化政法队伍建设 is the sixth chunk retrieved, not the fifth."""
    answer = ask(Searcher(*hashing_index), "政法队伍建设有哪些措施?", "bm25")
    assert {c.doc for c in answer.citations} == {DAZHOU} and len(answer.citations) == 5
    assert "组建政法系统专家人才库53人。" in answer.answer


def test_reports_share_a_list_answers_five_items_in_turn():
    import numpy as np

    from rag.answer.lists import list_answer
    from rag.ingest.clean import clean
    from rag.ingest.documents import Document

    def report(name, heading, measures):
        text = f"{heading}。" + "".join(f"{m}。" for m in measures) + "\n"
        return clean(Document(name, name, "近年来工作回顾\n" + text, "utf-8", name))

    documents = {"达州.txt": report("达州.txt", "强化政法队伍建设", ["组建专家人才库53人", "开办政法大讲堂2期", "培训网格员800人", "配齐乡镇政法委员"]),
                 "乐山.txt": report("乐山.txt", "加强政法队伍建设", ["开展教育整顿", "选树先进典型12个", "完善考评机制"]),
                 "张掖.txt": report("张掖.txt", "关心关爱干警", ["研究制定若干措施"])}
    offset = {name: doc.text.index("。") + 1 for name, doc in documents.items()}
    anchors = [("张掖.txt", "", offset["张掖.txt"]), ("达州.txt", "", offset["达州.txt"]), ("乐山.txt", "", offset["乐山.txt"])]
    items = list_answer(documents, anchors, ["政法队伍", "建设"], np.array([2.0, 1.0]), 2)
    assert [doc for doc, _, _, _ in items] == ["达州.txt"] * 3 + ["乐山.txt"] * 2   # 张掖's lone remark gives way
    one = list_answer(documents, anchors, ["政法队伍", "建设"], np.array([2.0, 1.0]), 1)
    assert [doc for doc, _, _, _ in one] == ["达州.txt"] * 4                             # one report: all of its list


def test_a_paragraph_announcing_what_it_counts_off_lists_the_counted(hashing_index):
    # 为做好…“后半篇”文章,我们将… then 一是突出政治建警。… 二是…: the items are their run-in headings
    answer = ask(Searcher(*hashing_index), "乐山政法队伍教育整顿后半篇文章有哪些部署?", "bm25")
    assert answer.answer == "一是突出政治建警。[1]二是突出制度管警。[2]三是突出能力强警。[3]四是突出从严治警。[4]"
    # an interviewer's question is never an item or an answer
    assert "?" not in answer.answer and "？" not in answer.answer


def test_a_sentence_counting_off_what_was_asked_is_the_list(hashing_index):
    """…统筹开展筑牢政治安全防线、矛盾纠纷排查化解……等十大“除险保安百日攻坚行动”: the sentence
    that names what was asked lists it; the 一是…四是 paragraphs after it are another list."""
    answer = ask(Searcher(*hashing_index), "乐山的十大“除险保安百日攻坚”行动包括哪些?", "bm25")
    assert len(answer.citations) == 1 and "筑牢政治安全防线、矛盾纠纷排查化解" in answer.answer
    assert "公共法律服务增效等十大“除险保安百日攻坚行动”" in answer.answer and "一是" not in answer.answer
