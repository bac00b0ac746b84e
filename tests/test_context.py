"""What a cited sentence brings with it (rag/answer/context.py): the body after a run-in heading."""
from rag.answer.context import with_body

REPORT = ("健全“责任链”。按照“1+10+N”模式,设立领导小组办公室,组建10个专项工作组。完善统筹协调机制。\n"
          "各地各部门认真履行平安建设主体责任,坚持把平安建设融入业务工作。分领域抓好具体落实。")


def _cited(sentence):
    start = REPORT.index(sentence)
    return REPORT[start:with_body(REPORT, start, start + len(sentence))]


def test_a_run_in_heading_comes_with_the_sentence_after_it():
    assert _cited("健全“责任链”。") == "健全“责任链”。按照“1+10+N”模式,设立领导小组办公室,组建10个专项工作组。"


def test_other_sentences_end_where_they_end():
    assert _cited("完善统筹协调机制。") == "完善统筹协调机制。"              # not a line's first sentence
    first = "各地各部门认真履行平安建设主体责任,坚持把平安建设融入业务工作。"    # first, but too long to head
    assert _cited(first) == first
    assert _cited("分领域抓好具体落实。") == "分领域抓好具体落实。"
