"""Units of measure asked (rag.answer.units): which sentences may answer, and which figure."""
import pytest

from rag.answer.question import analyze, holds_answer
from rag.answer.span import answer_span
from rag.answer.units import asked_unit, unit_of
from rag.text.normalize import normalize


def _span(question, sentence):
    found = answer_span(analyze(question), sentence)
    return sentence[found[0]:found[1]] if found else None


def test_the_unit_asked_and_its_kind():
    assert asked_unit("丝尾红钻鱼体长可达多少公分?").kind == "length"
    assert asked_unit("面积有多少平方公里?").unit == "平方公里"   # not 公里
    assert asked_unit("一般重几公斤?").kind == "weight"
    assert asked_unit("立案多少件?") is None   # a counter, not a unit (rag.answer.question.COUNTERS)
    assert unit_of("300平方米") == "平方米" and unit_of("45.5米") == "米" and unit_of("350~500公尺") == "公尺"
    assert unit_of("3.18倍") == ""


@pytest.mark.parametrize("question, sentence, holds", [
    ("丝尾红钻鱼体长可达多少公分？", "标准体长约为体高之3.18倍。", False),   # a ratio is no length
    ("丝尾红钻鱼体长可达多少公分？", "體長可達70公分。", True),
    ("这种鱼一般重多少公斤?", "体长1.2米。", False),
    ("这种鱼一般重多少公斤?", "體重可達12千克。", True),                     # another unit of weight
    ("该塔高多少米?", "占地300平方米。", False),                             # an area, not a height
    ("这座城市面积有多少平方公里?", "全长15公里。", False),
])
def test_a_sentence_answers_a_unit_asked_only_with_a_figure_of_its_kind(question, sentence, holds):
    assert holds_answer(analyze(question), normalize(sentence)) is holds


def test_the_figure_in_the_very_unit_asked_goes_first():
    assert _span("膨趾膜鳕的体长可达多少公分？", "水深350~500公尺。体长可达5公分。") == "5公分"
    assert _span("该塔高多少米?", "占地300平方米,高45.5米。") == "45.5米"
    assert _span("这种鱼一般重多少公斤?", "幼鱼重300克,成鱼体重可达12公斤以上。") == "12公斤以上"
    assert _span("他享年多少岁?", "1936年逝世,享年47岁。") == "47岁"


def test_a_count_of_things_is_no_measure():
    sentence = "在三元桥站的(D)出入口,凤凰城外设有一块630平方米的自行车存车场。车站设六个出入口。"
    assert _span("三元桥站有几个出入口?", sentence) == "六个"


def test_a_year_of_the_calendar_counts_nothing():
    assert _span("波斯黇鹿现存多少头?", "1951年的调查显示，牠们只余下650头。") == "650头"
    assert _span("袁彭年历仕几朝?", "1635年中进士，历仕明、南明、清三朝。") is None   # no lead rather than the year
    assert _span("这座古城有多少年历史?", "古城长达1000年的历史始于1012年。") == "1000年"   # a length of time


def test_a_unit_glued_into_a_word_is_not_asked():
    assert asked_unit("一年消耗多少天然气?") is None and asked_unit("每天吃多少米饭?") is None
    assert asked_unit("持续了多少天?").kind == "duration" and asked_unit("大火连烧了几天几夜?").kind == "duration"
