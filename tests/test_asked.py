"""What an asker types around a question (rag.text.asked)."""
import pytest

from rag.text.asked import plain_question


@pytest.mark.parametrize("typed, read", [
    ("您好，我想问一下，达州防范化解风险点多少个？谢谢", "达州防范化解风险点多少个？"),   # greeting, lead-in, thanks
    ("请问帮我查一下达州投入了多少经费?", "达州投入了多少经费?"),
    ("我想知道荣昌的网格数量", "荣昌的网格数量"),
    ("达州防范化解风险点多少个，谢谢您！", "达州防范化解风险点多少个"),
    ("达州 防范化解风险点 多少个 ?", "达州防范化解风险点多少个?"),   # spaces between Chinese words
    ("乐山 “ 鱼跃龙门 ” 品牌是哪个法院创立的?", "乐山“鱼跃龙门”品牌是哪个法院创立的?"),
    ("达州 建成 “ 雪亮 工程 ” 监控 探头 多少 个 ?", "达州建成“雪亮工程”监控探头多少个?"),
    ("幫我查一下達州投入了多少經費?謝謝", "達州投入了多少經費?"),   # in Traditional too
    # Cantonese question words in the written language's, in the asker's script
    ("達州嘅雪亮工程有幾多個探頭？", "達州的雪亮工程有多少個探頭？"),
    ("张掖今年化解咗几多宗矛盾纠纷？", "张掖今年化解了多少宗矛盾纠纷？"),
    ("荣昌有冇21个司法所？", "荣昌有没有21个司法所？"),
    ("邊個係樂山政法委書記？", "哪個係樂山政法委書記？"),   # 係 is left: it is also the 係 of 關係
    ("《ONE PIECE 被诅咒的圣剑》上映于哪一年？", "《ONE PIECE 被诅咒的圣剑》上映于哪一年？"),   # a title keeps its own
    ("Wow! eye Taiwan大赛分为几个阶段?", "Wow! eye Taiwan大赛分为几个阶段?"),   # so do Latin words
    ("荣昌收到多少封感谢", "荣昌收到多少封感谢"),   # 感谢 not set apart is asked
    ("看守所有多少名在押人员?", "看守所有多少名在押人员?"),   # 看看 is a lead-in only after 帮我
    ("乐山二〇一五年平安建设群众满意度排第几?", "乐山2015年平安建设群众满意度排第几?"),   # a year in numerals
    ("张掖二零二二年考核排名第几?", "张掖2022年考核排名第几?"),
    ("十二五期间荣昌连续多少年群众安全感保持在90%以上?", "十二五期间荣昌连续多少年群众安全感保持在90%以上?"),
    ("谢谢", "谢谢"),                                 # nothing else: left as typed (and declined)
])
def test_a_question_is_read_without_the_askers_courtesy_and_spaces(typed, read):
    assert plain_question(typed) == read
