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
