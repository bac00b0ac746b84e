"""Follow-ups rewritten into the standalone question they stand for."""
import pytest

from rag.answer.conversation import is_follow_up, rewrite

PREVIOUS = "达州建成了多少个雪亮工程监控探头?"


@pytest.mark.parametrize("question, previous, expected", [
    ("那张掖呢?", PREVIOUS, "张掖建成了多少个雪亮工程监控探头?"),
    ("那乐山的呢?", PREVIOUS, "乐山建成了多少个雪亮工程监控探头?"),
    ("那荣昌区的情况呢?", "张掖市建成了多少个四级综治中心?", "荣昌区建成了多少个四级综治中心?"),
    ("2021年呢?", "乐山平安建设群众满意度在全省排第几?", "2021年乐山平安建设群众满意度在全省排第几?"),
    ("今年呢?", "乐山去年群众满意度排第几名?", "乐山今年群众满意度排第几名?"),   # a year in the other's stead
    ("那去年呢?", "张掖化解了多少件矛盾纠纷?", "去年张掖化解了多少件矛盾纠纷?"),
    ("荣昌区又是多少?", "乐山建成了多少个智慧安防小区?", "荣昌区建成了多少个智慧安防小区?"),
    ("张掖是多少?", PREVIOUS, "张掖建成了多少个雪亮工程监控探头?"),
    ("这个数字是哪一年的?", PREVIOUS, "达州建成了雪亮工程监控探头是哪一年的?"),   # the figure itself: its topic
    ("这是哪一年的数字?", PREVIOUS, "达州建成了雪亮工程监控探头是哪一年的?"),     # ... asked the other way round
    # 这是 is the previous question's topic; its 第几 is asked, not part of the topic
    ("这是哪一年的排名?", "乐山的满意度排名第几?", "乐山的满意度排名是哪一年的排名?"),
    ("这个数字是哪一年的?", "乐山的满意度排名第几?", "乐山的满意度排名是哪一年的?"),
    ("还有哪些做法?", "达州怎样化解矛盾纠纷?", "达州化解矛盾纠纷还有哪些做法?"),
    ("荣昌区建成视频监控多少个?", PREVIOUS, "荣昌区建成视频监控多少个?"),   # stands alone
    ("那张掖呢?", None, "那张掖呢?"),                                      # nothing to lean on
    ("那张掖呢?", "您好，请问" + PREVIOUS + "谢谢", "张掖建成了多少个雪亮工程监控探头?"),   # typed as asked before
    # another thing asked the same way: it takes the place of what was counted or asked about
    ("检察官呢?", "荣昌入额法官多少人?", "荣昌入额检察官多少人?"),
    ("法官呢?", "荣昌入额检察官有几名?", "荣昌入额法官有几名?"),          # not the 有 before 几名
    ("张掖的化解率呢?", "乐山的纠纷调解成功率是多少?", "张掖的化解率是多少?"),   # its own place and rate
    # a question opening with its verb, naming no place, asks of the place asked before
    ("配备了多少名网格管理人员?", "荣昌划分了多少个网格?", "荣昌配备了多少名网格管理人员?"),
    ("达州建成了多少个综治中心?", "荣昌划分了多少个网格?", "达州建成了多少个综治中心?"),   # its own place
    ("政法队伍建设有哪些措施?", "荣昌划分了多少个网格?", "政法队伍建设有哪些措施?"),     # a subject of its own
    ("他们中有多少人通过了司法考试?", "荣昌入额法官有多少人?", "荣昌入额法官中有多少人通过了司法考试?"),
    ("乐山的呢?", "达州市委政法委书记是谁?", "乐山市委政法委书记是谁?"),   # not 乐山委
    ("恶势力团伙案件呢?", "达州侦办恶势力犯罪集团案件多少起?", "达州侦办恶势力团伙案件多少起?"),
    ("破获刑事案件呢?", "荣昌公安机关查处治安案件多少起?", "荣昌公安机关破获刑事案件多少起?"),
    ("排查了多少?", "青川化解了多少件矛盾纠纷?", "青川排查了多少件矛盾纠纷?"),   # another deed of the same things
    ("化解矛盾纠纷多少件?", "张掖摸排了多少件矛盾纠纷?", "张掖化解矛盾纠纷多少件?"),   # jieba's 化解矛盾 opens with its verb
    ("新建了几个?", "荣昌恢复了多少个基层派出所?", "荣昌新建了多少个基层派出所?"),   # 几个 too; 新建 tagged a place
    ("审结呢?", "荣昌审判机关受理各类案件多少件?", "荣昌审判机关审结各类案件多少件?"),
    ("综治中心呢?", PREVIOUS, "达州建成了多少个综治中心?"),
    # 他 and 她 are the person the previous question names; 这些法官 the ones it counted
    ("他是哪里人?", "何政担任什么职务?", "何政是哪里人?"),
    ("她是哪个检察院的?", "潘朗检察官帮助了多少名民工?", "潘朗是哪个检察院的?"),
    ("这些法官是哪一年入额的?", "荣昌入额法官多少人?", "荣昌入额法官是哪一年入额的?"),
    # ... or the one it asked about
    ("他接受了谁的专访?", "乐山的市委常委、政法委书记是谁?", "乐山的市委常委、政法委书记接受了谁的专访?"),
    # a rate asked after a count is the rate of what was counted (not 结案率多少件); after a rate, in its stead
    ("结案率呢?", "荣昌化解矛盾纠纷多少件?", "荣昌化解矛盾纠纷的结案率是多少?"),
    ("化解率是多少?", "张掖化解矛盾纠纷多少件?", "张掖化解矛盾纠纷的化解率是多少?"),
    ("安置率呢?", "张掖刑满释放人员衔接率是多少?", "张掖刑满释放人员安置率是多少?"),
    # 其中 asks a part of what the previous question counted; 比…多多少 that figure against another's
    ("其中市级的有几个?", "张掖综治中心有多少个?", "张掖综治中心中市级的有几个?"),
    ("其中本科以上的有多少人?", "荣昌有多少名政法干警?", "荣昌政法干警中本科以上的有多少人?"),
    ("那比检察官多多少?", "荣昌入额法官多少人?", "荣昌入额法官比检察官多多少人?"),
    # counted in another counter, the follow-up counts other things: asked as written, of the place before
    ("处理了多少人?", "乐山排查整治顽瘴痼疾多少个?", "乐山处理了多少人?"),
    # a thing of the same head takes that word's place alone (not 下降's)
    ("治安案件呢?", "张掖的刑事案件立案数同比下降多少?", "张掖的治安案件立案数同比下降多少?"),
])
def test_rewrites(question, previous, expected):
    assert rewrite(question, previous) == expected


@pytest.mark.parametrize("question, previous, expected", [
    ("那張掖呢?", "達州建成了多少個雪亮工程監控探頭?", "張掖建成了多少個雪亮工程監控探頭?"),
    ("這個數字是哪一年的?", "樂山的滿意度排名第幾?", "樂山的滿意度排名是哪一年的?"),   # 這個 is 这个
    ("今年呢?", "樂山去年群眾滿意度排第幾名?", "樂山今年群眾滿意度排第幾名?"),   # nothing telling: the previous one's script
    ("那张掖呢?", "達州建成了多少個雪亮工程監控探頭?", "张掖建成了多少个雪亮工程监控探头?"),   # the asker's script
    ("張掖建成了多少個四級綜治中心?", "達州建成了多少個雪亮工程監控探頭?", "張掖建成了多少個四級綜治中心?"),
])
def test_traditional_follow_ups_are_rewritten_in_the_askers_script(question, previous, expected):
    assert rewrite(question, previous) == expected


def test_follow_up_detection():
    assert is_follow_up("这个数字是哪一年的?") and is_follow_up("那乐山呢?") and is_follow_up("这是哪一年的排名?")
    assert not is_follow_up("张掖市建成了多少个四级综治中心?")
