"""Who wrote a report: its signature, at its end or under its title (rag.answer.byline)."""
import pytest

from rag.answer.byline import asks_author, byline, names_title
from rag.answer.extract import NOT_FOUND, ask
from rag.answer.retrieve import Searcher
from rag.ingest.clean import Paragraph


def _paragraphs(*texts):
    text, paragraphs, at = "\n".join(texts), [], 0
    for number, piece in enumerate(texts, 1):
        paragraphs.append(Paragraph(number, at, at + len(piece), heading=False))
        at += len(piece) + 1
    return text, paragraphs


def _signed(*texts):
    text, paragraphs = _paragraphs(*texts)
    found = byline(text, paragraphs)
    return (text[found[0]:found[1]], text[found[2]:found[3]]) if found else None


@pytest.mark.parametrize("question, asked", [
    ("这篇达州的报告作者是谁?", True),
    ("达州的报告是谁写的?", True),
    ("乐山那篇专访的记者是谁?", True),
    ("這篇報告的作者是誰？", True),              # in Traditional
    ("这篇报告的作者?", True),
    ("《红楼梦》的作者是谁?", False),           # a work named by its title: its author is in the text
    ("这本书的作者是谁?", False),               # no report
    ("达州的报告中作者提到了哪些措施?", False),   # no person asked
])
def test_who_wrote_the_report_is_asked(question, asked):
    assert asks_author(question) is asked


def test_a_signature_closing_the_last_paragraph():
    assert _signed("开展专项行动。", "全力确保达钢搬迁顺利推进。(李刚 闫军 )") == ("(李刚 闫军 )", "李刚 闫军")
    assert _signed("护航区域经济高质量发展。", "(四川法治报-法治四川新闻客户端记者 刘任)") == \
        ("(四川法治报-法治四川新闻客户端记者 刘任)", "刘任")


def test_a_byline_under_the_title():
    assert _signed("激情奏响社会治理“五部曲”", "何政 四川省达州市委常委、政法委书记", "四川达州坚持以…为指导。") == \
        ("何政 四川省达州市委常委、政法委书记", "何政")
    assert _signed("平安建设综述", "记者 王小明", "今年以来,全市政法机关…。") == ("记者 王小明", "王小明")


def test_a_bracketed_word_is_no_signature():
    assert _signed("制定《网格化服务管理办法》。", "全面推行网格化服务管理(试行)") is None
    assert _signed("全市刑满释放人员衔接率100%。") is None


def test_a_report_is_named_by_its_title():
    assert names_title("激情奏响社会治理五部曲这篇文章是谁写的?", "激情奏响社会治理“五部曲”")
    assert not names_title("达州的报告是谁写的?", "激情奏响社会治理“五部曲”")


def test_the_seed_reports_are_answered_by_their_signatures(hashing_index):
    searcher = Searcher(*hashing_index)
    answer = ask(searcher, "达州的报告是谁写的?")
    assert answer.answered and "李刚 闫军" in answer.answer and "何政" in answer.answer
    assert {c.doc[:3] for c in answer.citations} == {"000", "002"} and answer.notice == "按报告的署名回答。"
    first = answer.citations[0]
    assert first.text[first.sentence[0]:first.sentence[1]] in ("(李刚 闫军 )", "何政 四川省达州市委常委、政法委书记")
    answer = ask(searcher, "乐山记者专访的文章作者是谁?")
    assert answer.answer == "刘任[1]。" and answer.span.text == "刘任" and answer.citations[0].doc.startswith("001")
    # a report signed by no one: the usual decline, never a name its sentences mention
    unsigned = ask(searcher, "张掖的报告是谁写的?")
    assert unsigned.answer == NOT_FOUND and unsigned.notice == "张掖市的报告没有署名，无法回答作者是谁。"
    # a year asked is the report's: 达州's 2020 article, and none of 2019
    assert ask(searcher, "2020年达州的报告是谁写的?").answer == "何政[1]。"
    assert ask(searcher, "2019年达州的报告是谁写的?").answer == NOT_FOUND
