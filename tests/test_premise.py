"""A yes/no question stating a figure: the figure the report states, and whether it differs."""
import pytest

from rag.answer.extract import ask
from rag.answer.premise import Premise, premise, same_figure
from rag.answer.retrieve import Searcher


@pytest.mark.parametrize("question, expected", [
    ("达州建成了5万个监控探头吗?", Premise("5万个", "达州建成了多少个监控探头?")),
    ("乐山排查整治顽瘴痼疾是不是5000个?", Premise("5000个", "乐山排查整治顽瘴痼疾是多少个?")),
    ("荣昌的司法所是不是21个?", Premise("21个", "荣昌的司法所是多少个?")),   # what it is: not the 5个 newly built
    ("荣昌有没有21个司法所?", Premise("21个", "荣昌有多少个司法所?")),
    ("荣昌的结案率是90%吗?", Premise("90%", "荣昌的结案率是百分之多少?")),
    ("榮昌入額法官是50人嗎?", Premise("50人", "荣昌入额法官是多少人?")),   # in Traditional
    ("达州建成了多少个监控探头?", None),        # no yes or no asked
    ("2022年张掖的考核排第一吗?", None),        # a year is no figure counted
    ("达州建了4.2万个探头和2.5万个微信群吗?", None),  # two figures: which one is asked is not known
])
def test_the_figure_a_yes_no_question_states(question, expected):
    assert premise(question) == expected


def test_the_same_figure_in_other_words():
    assert same_figure("4.2万个", "4.2万余个") and same_figure("42000个", "4.2万个")
    assert not same_figure("5万个", "4.2万余个") and not same_figure("41名", "41人")   # another counter is not read as one


def test_a_sentence_stating_another_figure_says_so(hashing_index):
    searcher = Searcher(*hashing_index)
    answer = ask(searcher, "达州建成了5万个雪亮工程监控探头吗?", "bm25")
    assert answer.answered and answer.answer.startswith("4.2万余个。")   # from the sentence that states it
    assert answer.notice == "报告写的是4.2万余个，不是问题中的5万个。"
    answer = ask(searcher, "荣昌入额法官是41人吗?", "bm25")
    assert answer.answer.startswith("41人。") and answer.notice == "报告写的是41人。"
