"""What a sentence answering a kind of question tends to say, whatever its words (a feature of
rag.answer.sentences): a reason for 为什么, a definition for 什么是, a colour for 什么颜色."""
from __future__ import annotations

import re

# (what is asked, what a sentence answering it says): a means (通过, 采用), a location (位于, 地处), a diet
# (以藻类为食 for 吃什么), a colour (白色或带粉红色 for 什么颜色)
ASKED_CUES = ((re.compile(r"为什么|为何|何故|缘何|原因|为甚么"),
               re.compile(r"因为|由于|原因|所以|因此|因而|为了|以致|导致|缘故|鉴于|起因")),
              (re.compile(r"什么是|是什么意思|指什么|指的是什么|的定义|什么叫"),
               re.compile(r"是指|指的是|泛指|意为|意思是|是一种|是一个|是一门|是一类|又称|称为|即")),
              (re.compile(r"如何|怎么|怎样|什么方式|什么方法|何种方式|何种方法"),
               re.compile(r"通过|采用|利用|借助|经由|方法|方式|手段|途径|依靠")),
              (re.compile(r"哪里|何处|何地|什么地方|哪个地方|在哪"),
               re.compile(r"位于|坐落|地处|分布于|分布在|境内|以东|以西|以南|以北|附近|一带|之间")),
              (re.compile(r"吃什么|吃哪些|吃些什么|以什么为食|以何为食|以哪些.{0,4}为食|主食|食物|食性|捕食什么|觅食"),
               re.compile(r"为食|为主食|主食|捕食|摄食|觅食|啃食|进食|取食|食物|吃")),
              (re.compile(r"(?:什么|哪种|何种|哪些)颜色|颜色是|(?:什么|何)色"),
               re.compile(r"[红橙黄绿青蓝紫黑白灰褐棕粉金银赤]色|色彩|颜色")))


# A post asked (rag.answer.question.POST_ASKED): a work report names one where its holder is (政法委书记何政,
# the interview's headline), where an article's narrative names the posts of many (郢州刺史 beside 太保 asked):
# there the cue picked the wrong sentence more often than the right one (CMRC2018-dev, seventeenth session)
POST_CUE = (re.compile(r"(?:什么|何|哪些)(?:职务|职位|官职)|(?:职务|职位)是什么"),
            re.compile(r"书记|常委|主任|主席|委员|部长|[局处科院厅市县区省校所庭队]长|检察长|政委"))


def asked_cue(question: str, report: bool = False):
    """The cue pattern of the kind of question asked (ASKED_CUES; POST_CUE in a ``report``), or None."""
    cues = (*ASKED_CUES, POST_CUE) if report else ASKED_CUES
    return next((cue for asks, cue in cues if asks.search(question)), None)
