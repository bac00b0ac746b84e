"""Words jieba makes up, repaired before coverage weighs them."""
from rag.answer.glued import split_name, unglued, written_apart


def test_a_function_character_glued_to_a_name_comes_off():
    assert unglued("南竿会") == "南竿"
    assert unglued("马赛") == "马赛"          # two characters stay


def test_a_name_cut_into_characters_is_joined():
    assert split_name(["红", "钻", "鱼", "又", "叫", "什么"]) == ("红钻鱼",)


def test_a_word_the_passages_write_apart_weighs_as_its_pieces():
    # 雪亮工程建设 is cut 雪亮/工程建设; the reports write 雪亮工程 and 建设 apart
    assert written_apart("工程建设", ["雪亮工程实现全覆盖,推进平安建设"]) == ("工程", "建设")
    assert written_apart("投入使用", ["北土城站于2008年7月19日投入了使用"]) == ("投入", "使用")
    assert written_apart("工程建设", ["重点工程建设"]) == ()       # written whole: it weighs as it is
    assert written_apart("满意度", ["群众满意"]) == ()             # ... and so does a short word
    assert written_apart("铁路沿线", ["今年天气很好"]) == ()        # no piece there either
