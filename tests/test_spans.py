"""The exact answer span (rag/answer/span.py) and CMRC2018's span metrics (rag/evaluate/spans.py)."""
import pytest

from rag.answer.question import analyze
from rag.answer.span import answer_span
from rag.evaluate.spans import segments, span_em, span_f1


def _span(question, sentence):
    found = answer_span(analyze(question), sentence)
    return sentence[found[0]:found[1]] if found else None


@pytest.mark.parametrize("question, sentence, expected", [
    ("达州建成了多少个雪亮工程监控探头?", "累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个，推进三网合一。", "4.2万余个"),
    ("达州为科技支撑体系一共花了多少钱?", "累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个，推进三网合一。", "3.2亿元"),
    ("張掖市建成了多少個四級綜治中心?", "建成市、縣、鄉、村四級綜治中心981個，全市優化整合網格1807個。", "981個"),
    ("青川县化解了多少件矛盾纠纷?", "全县排查矛盾纠纷3200余起，化解矛盾纠纷2376件，调解成功率98%。", "2376件"),
    ("调解成功率是多少?", "全县化解矛盾纠纷2376件，调解成功率98%。", "98%"),
    ("2019年荣昌区哪一天召开了政法工作会议?", "2019年3月5日，荣昌区召开政法工作会议。", "2019年3月5日"),
    ("政法队伍建设有哪些措施?", "强化政法队伍建设，开展教育整顿。", None),
    # 其中一种 is an article, not a figure; asked in its counting word it answers
    ("浪花鱼的水深是多少?", "浪花鱼为辐鳍鱼纲银汉鱼目浪花鱼科的其中一种。", None),
    ("浪花鱼科有多少种鱼?", "浪花鱼科仅有一种。", "一种"),
    # a share as a fraction, a lunar date, silver in taels (but not the 两 of 一万两千)
    ("大瘟疫消滅了帝國多少比例的人口?", "这场瘟疫消灭了帝国三分之一的人口。", "三分之一"),
    ("平安在哪一天趁虛攻入北平?", "七月初十，平安趁虚攻入北平。", "七月初十"),
    ("清廷必須賠償英國多少銀兩?", "条约规定清廷赔偿英国四百万两白银。", "四百万两"),
    ("清廷共赔偿了多少钱?", "一万两千人参加，赔款共计一百万元。", "一百万元"),
    # a rank answers a rank asked, and only then
    ("在私立學校中排名第幾?", "2005年的排名中，学校在私立学校中名列第四。", "第四"),
    ("石山麟在富豪榜上排名多少？", "他在2001年福布斯富豪榜上排名第33位。", "第33位"),
    ("达州建成了多少个雪亮工程监控探头?", "建成第二批监控探头4.2万余个。", "4.2万余个"),
    # a count in numerals with a magnitude, a sum in another currency, one sum written in two scales
    ("包圍熱蘭遮城的鄭軍預估大約不到多少?", "驻守于大员的军力预估不到三千，遂使荷兰军重新燃起反扑的希望。", "三千"),
    ("全市有多少级综治中心?", "建成市、县、乡、村四级综治中心。", None),
    ("岩手宫城内陆地震规模是几级？", "根据日本气象厅的数据，此次地震的日本气象厅地震规模为7.2。", "7.2"),   # a magnitude
    ("加国政府通过多少经费来挹注此计划？", "加国政府通过4亿5000万加元的经费来挹注此计划。", "4亿5000万加元"),
    # a count of things is no sum of money, in any currency
    ("共有多少个会员?", "每名会员的会费为300英镑。", None),
    # the figure written before the thing asked counts it, not the one nearer the verb after it
    ("达州有多少个派出所所长进入同级党组织班子?", "全市101名派出所所长、335名社区民(辅)警进入同级党组织班子。", "101名"),
    ("荣昌划分了多少个网格?", "全区共划分网格1761个,实现城区169个网格“数字化”管理全覆盖。", "1761个"),
    ("张掖化解了多少件矛盾纠纷?", "全市共摸排各類矛盾糾紛4156件、化解4082件,化解率達到98%以上。", "4082件"),
    ("达州侦办了多少起恶势力犯罪集团案件?", "侦办黑社会性质组织案件10起,恶势力犯罪集团案件39起,恶势力团伙案件36起。", "39起"),
    # ... a preference only: 35.2% before ",保单" is no count of 户, the count of 户 answers
    ("越南保险2006年共有多少户保单持有人？", "2006年的市占率为35.2%，保单持有人共2,020万户；", "2,020万户"),
    # a report's marks inside the phrase counted: quotes, brackets, the enumeration comma
    ("荣昌处置了多少件医闹事件?", "有效化解群体性事件72件、果断处置“医闹”事件12件。", "12件"),
    ("乐山有多少个县市区建立了平安建设协调机制?",
     "组建专项组10个、工作专班N个,推动11个县(市、区)全覆盖建立平安建设协调机制。", "11个"),
    # people counted by 名 or 人, cases by 件 or 起; the very counter asked first when nothing else tells
    ("荣昌有多少名政法干警获得法学专业本科以上文凭?", "全区864名政法干警中获得法学专业本科以上文凭的409人,通过司法考试171人。", "409人"),
    ("荣昌果断处置了多少起医闹事件?", "有效化解群体性事件72件、果断处置“医闹”事件12件。", "12件"),
    ("达州九类涉恶案件有多少件?", "侦办黑社会性质组织案件10起,恶势力团伙案件36起,九类涉恶案件943件。", "943件"),
    # a count of cases and people is one figure; a two-character counter and a bound belong to it
    ("达州批捕侵害未成年人案件多少件多少人?", "开展专项行动,批捕24件36人,起诉19件22人。", "24件36人"),
    ("荣昌区组建了多少支村社区巡逻队伍?", "组建192支2022人的村(社区)专兼职巡逻队伍;", "192支"),   # 2022人 not asked
    ("张掖政法系统累计开展专题学习多少场?", "全市政法系统累计开展专题学习100余场次、研讨交流36场次,全体政法干警", "100余场次"),
    # a rate of nothing is written without %, and is the rate asked, not the other one beside it
    ("荣昌生效裁判被改判发回重审率是多少?", "一审改判发回重审率仅为0.2%,生效裁判被改判发回重审率为0,审查起诉案件用时减少", "0"),
    ("荣昌一审改判发回重审率是多少?", "一审改判发回重审率仅为0.2%,生效裁判被改判发回重审率为0,审查起诉案件用时减少", "0.2%"),
    ("张掖政法系统开展专题学习多少场次?", "全市政法系統累計開展專題學習100余場次、研討交流36場次。", "100余場次"),
    ("“十二五”期间荣昌连续多少个月无到市重复集访?", "全区连续83个月无到市重复集访和到市进京非访;", "83个月"),
    ("张掖社区戒毒社区康复执行率是多少?", "重新犯罪率始終控制在0.2%以內,社區戒毒社區康復執行率達到99%以上。", "99%以上"),
    # figures after as many subjects, one for one
    ("张掖治安案件发案数同比下降了多少?", "上半年,全市刑事案件立案數、治安案件發案數同比下降3.3%和9.7%。", "9.7%"),
    ("张掖刑事案件立案数同比下降了多少?", "上半年,全市刑事案件立案數、治安案件發案數同比下降3.3%和9.7%。", "3.3%"),
    ("荣昌审查起诉案件办结平均用时减少了多少天?",
     "审查起诉案件、侦查监督案件办结平均用时比去年同期分别减少12.33天、0.64天,均无错案。", "12.33天"),
    # the figure where the question asks (保持在…以上), in the piece of the sentence naming what it asks
    ("荣昌群众安全感保持在多少以上?", "连续5年群众安全感、群众满意度、执法司法公信力保持在90%以上;", "90%以上"),
    ("乐山市法学会配备了几名事业编制?", "增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐政法委员。", "6名"),
    ("2021年乐山平安建设群众满意度同比上升了几位?", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", "5位"),
])
def test_the_span_is_the_figure_date_or_name_asked(question, sentence, expected):
    assert _span(question, sentence) == expected


def test_a_rank_asked_is_the_rank_a_sentence_states_and_a_fraction_counts_nothing():
    question = "黑龍江省的土地面積是全國第幾大?"
    assert _span(question, "土地面積共約47.3萬平方公里，排名全國第6。") == "第6"   # not the area before it
    assert _span(question, "糧食作物播種面積約占全省總播種面積的四分之三左右。") is None   # not 四分 nor 三
    assert _span("歐洲的鐵幕維持了多久？", "匈牙利的政府改革打破了籠罩歐洲44年之久的「鐵幕」；") == "44年"   # 之久 is no fraction


def test_a_year_the_question_names_is_not_the_answer():
    assert _span("2020年达州建成多少个综治中心?", "2020年，达州建成综治中心1200个。") == "1200个"


def test_a_person_question_gets_the_name():
    assert _span("谁担任达州市委政法委书记?", "达州市委常委、政法委书记何政出席会议并讲话。") == "何政"


def test_a_byline_names_who_wrote_not_who_holds_the_post():
    assert _span("乐山市委政法委书记是谁?", "(四川法治报-法治四川新闻客户端记者 刘任)") is None
    assert _span("乐山市委政法委书记是谁?", "记者近日专访了乐山市委常委、政法委书记廖全军。") == "廖全军"
    assert _span("这篇报道的记者是谁?", "(四川法治报记者 刘任)") == "刘任"
    assert _span("这篇报道的记者是谁?", "(四川法治报-法治四川新闻客户端记者 刘任)") == "刘任"
    assert _span("乐山记者专访的文章作者是谁?", "四川法治报记者近日专访了乐山市委常委、政法委书记廖全军。") is None
    # a 记者 in what happened does not ask who wrote it: the one interviewed is asked
    assert _span("谁接受了四川法治报记者的专访?", "(四川法治报-法治四川新闻客户端记者 刘任)") is None


def test_no_name_inside_a_slogan_and_no_helper_word_after_a_post():
    assert _span("帮助民工讨回拖欠工资的检察官叫什么名字?",
                 "“多亏了潘朗检察官的帮助,我们才能要回拖欠的工资。”李大姐在潘朗的建议和帮助下要回了工资。") == "潘朗"
    assert _span("这一工作思路是谁提出的?", "围绕“讲政治、抓发展、惠民生、保安全”工作总思路开展行动。") is None


def test_cmrc_metrics_match_the_official_definition():
    assert segments("4.2万余个。") == ["4.2", "万", "余", "个"]
    assert span_em("「981個」", ["981个"]) == 1.0          # punctuation, script and width do not count
    assert span_f1("981个", ["981个"]) == 1.0
    # longest common substring 2 of 3 predicted and 4 gold characters: P 2/3, R 1/2
    assert span_f1("综治中", ["四级综治"]) == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert span_f1("", ["981个"]) == 0.0 and span_f1("完全不同", ["981个"]) == 0.0
    # 8 segments (981 is one): the best gold is 综治中心, P 4/8, R 1
    assert span_f1("建成综治中心981个", ["综治中心", "981个"]) == pytest.approx(2 * 0.5 / 1.5)


def _report_span(question, sentence):
    found = answer_span(analyze(question), sentence, report=True)
    return sentence[found[0]:found[1]] if found else None


def test_in_a_report_a_figure_in_a_name_or_before_another_thing_counts_nothing():
    assert _report_span("张掖排查整治顽瘴痼疾多少个?", "严格落实政法干警“十个严禁”要求,常态化开展顽瘴痼疾整治。") is None
    assert _report_span("张掖排查整治顽瘴痼疾多少个?", "认真贯彻落实中央八项规定及其实施细则,常态化开展顽瘴痼疾整治。") is None
    assert _report_span("乐山建成了多少个综治中心?", "构建“1+12+N”社会心理服务体系,推动四级综治中心规范化建设。") is None
    assert _report_span("荣昌区有多少个智慧安防小区?", "继续推进25个防控体系建设项目实施,推进“三无小区”综合治理。") is None
    assert _report_span("达州的网格有多少?", "开办“达州政法大讲堂”2期,不断加强网格员培训。") is None
    assert _report_span("张掖的网格有多少?", "建成市、县、乡、村四级综治中心981个,试点推行网格化治理模式。") is None
    # the nouns right after a figure are what it counts, not one further on (6大主体 …社区治理模式)
    assert _report_span("达州“蜂巢式”社区治理模式在多少个社区推广?",
                        "乡贤(社区达人)、村民6大主体参与的“1+6”蜂巢式社区治理模式,引导社会力量参与社会治理。") is None
    # the gloss of a formula's terms counts one grid's members, not the city's
    assert _report_span("张掖有多少名专职网格员?", "形成了1+4+X+N的网格力量配置体系(1名专职网格员,4名“三官一师”,X名党员联系户)。") \
        is None
    assert _report_span("张掖网格力量配置体系中有几名三官一师?",          # ... unless what it names is asked about
                        "形成了1+4+X+N的网格力量配置体系(1名专职网格员,4名“三官一师”,X名党员联系户)。") == "4名"
    # 、 and a figure begin the next item: the one before counts its own noun (3个基层法庭)
    assert _report_span("荣昌新建了多少个诉讼联络点?", "新建3个基层法庭、16个诉讼联络点;新建中心检察室1个。") == "16个"
    assert _report_span("荣昌新建了多少个基层法庭?", "新建3个基层法庭、16个诉讼联络点;新建中心检察室1个。") == "3个"
    # ... and a figure after its noun counts it, not the next item's noun (工作专班 is counted N)
    assert _report_span("乐山组建了多少个工作专班?", "组建专项组10个、工作专班N个,形成“1+10+N”工作体系。") is None
    assert _report_span("乐山组建了多少个专项组?", "组建专项组10个、工作专班N个,形成“1+10+N”工作体系。") == "10个"
    # ... while a count of what is asked, or one a verb follows, stays
    assert _report_span("荣昌建立了几支镇街专职消防队?", "建立镇街专职消防队8支并配备13台消防车。") == "8支"
    assert _report_span("荣昌的网格有多少?", "全区共划分网格1761个,实现城区169个网格数字化管理。") == "1761个"
    assert _report_span("荣昌审结了多少件案件?", "审判机关受理各类案件44752件,审结42381件,结案率达94.7%。") == "42381件"
    assert _report_span("乐山有多少个县市区建立了平安建设协调机制?", "推动11个县(市、区)全覆盖建立平安建设协调机制。") == "11个"
    assert _report_span("乐山有多少个村(社区)实现了雪亮工程全覆盖?",   # what the bracket glosses is the noun's
                        "全市1370个村(社区)“雪亮工程”实现全覆盖,“慧眼工程”累计推广建设15.1万路。") == "1370个"
    assert _report_span("张掖连续几年被评为平安甘肃建设优秀市州?", "连续四年被省委、省政府评为“平安甘肃建设优秀市州”。") == "四年"
    assert _report_span("达州的经济总量要冲刺多少?", "为达州“经济总量冲刺4000亿、城市规模建设双300,争创全省经济副中心”提供良好的社会环境。") \
        == "4000亿"
    # an encyclopedic article writes its counts in numerals (两个儿子)
    assert _span("他有几个儿子?", "他有两个儿子。") == "两个"


def test_a_length_of_time_answers_only_a_question_about_time():
    sentence = "连续5年群众安全感、群众满意度、执法司法公信力保持在90%以上;"
    assert _span("荣昌的群众满意度是多少?", sentence) == "90%以上"
    assert _span("荣昌连续多少年群众满意度保持在90%以上?", sentence) == "5年"


def test_a_length_of_time_is_no_date():
    """哪一年 asks when: 连续四年 and 五年来 say how long (张掖 led with 四年 before 2022年)."""
    sentence = "2022年,張掖市平安建設工作全省考核排名第一,連續四年被省委、省政府評為“平安甘肅建設優秀市州”。"
    assert _span("张掖哪一年平安建设工作全省考核排名第一?", sentence) == "2022年"
    assert _span("张掖何时开始连续被评为平安甘肃建设优秀市州?", "連續四年被省委、省政府評為“平安甘肅建設優秀市州”。") is None
    assert _span("该城始建于哪一年?", "该城约1900年始建,五年来人口翻番。") == "1900年"   # 约 dates it


def test_a_figure_closing_a_list_item_counts_that_item():
    """基地2个、镇街级法治公园(广场)14个: 2个 closes the item before the 、; the count asked is
    written after its bracketed word."""
    sentence = "建成区级法治教育基地2个、镇街级法治公园(广场)14个,“民主法治村”创建面达100%"
    assert _span("荣昌建成了多少个镇街级法治公园?", sentence) == "14个"
    assert _span("荣昌建成了多少个区级法治教育基地?", sentence) == "2个"


def test_people_asked_are_not_person_times():
    sentence = "全覆盖开展网格员能力素质提升行动,举办政法干部综合业务素能培训等主体班次20多场次、1200人次。"
    assert _span("张掖有多少名专职网格员?", sentence) is None
    assert _span("张掖培训政法干部多少人次?", sentence) == "1200人次"
    assert _span("张掖举办了多少场次主体班次?", sentence) == "20多场次"


def test_a_year_asked_is_answered_by_a_year_alone():
    def span(question, sentence):
        found = answer_span(analyze(question), sentence)
        return sentence[found[0]:found[1]] if found else None
    two = "1956年2月9日，設立版納勐海。同年9月將勐遮縣併入勐海縣。"   # 同年: the year said before
    assert span("勐遮縣於哪一年時被併入勐海縣?", two) == "1956年"
    assert span("巴麥尊在哪一年任命額爾金?", "4月20日，巴麥尊任命額爾金。") is None   # a day is no year
    assert span("自哪一年之後就再也沒有女天皇?", "公元5世紀到8世紀有好幾屆女天皇，但是770年後都是男性。") == "770年"
    assert span("美國在哪一年代中期通過了修正條例?", "在七十年代中期，許多人認為環境災難在即。") == "七十年代"
    assert span("他是哪一年哪一月出生的?", "他1956年2月9日出生。") == "1956年2月9日"


def test_asked_who_a_pronoun_means_the_name_before_it():
    from rag.answer.span import cited_span
    text = ("這一時期前後中國大陸之外最著名的科幻作家是倪匡。他自60年代起創作大量科幻小說，多以衛斯理和原振俠為主人公。"
            "他本人也以勤於筆耕著稱，曾自稱中國寫漢字最多的人。")
    found = cited_span(analyze("誰曾自稱自己是中國寫漢字最多的人?"), text)
    assert text[found[0]:found[1]] == "倪匡"   # not 原振俠, whom 他 writes about
    alone = "此後倪匡曾與金庸合著小說。"   # no pronoun: the sentence's own name, where 誰 is
    found = cited_span(analyze("誰曾與金庸合著小說?"), alone)
    assert alone[found[0]:found[1]] == "倪匡"


@pytest.mark.parametrize("question, sentence, expected", [
    ("朱载圳的母亲是谁?", "朱载圳是明世宗第四子，母亲是卢靖妃。", "卢靖妃"),   # after 母亲是, not 明世宗
    ("這首歌為誰所寫的?", "這首歌由周杰倫所寫，張學友演唱。", "周杰倫"),   # before 所寫, not the singer
    ("帮助民工讨回欠薪的检察官叫什么名字?", "李大姐在潘朗检察官的建议下要回了工资。", "潘朗"),   # against the post asked
    ("谁担任达州市委政法委书记?", "达州市委常委、政法委书记何政出席会议。", "何政"),
    # a name nowhere near what is asked is not led with: the sentence is shown, the reader judges
    ("誰曾與金庸合著小說?", "此後金庸曾與倪匡合著小說。", None),
    ("雅各書的作者有可能是誰?", "雅各書是用希伯來傳統寫成的書信。", None),
])
def test_a_name_is_led_with_only_where_the_question_asks(question, sentence, expected):
    from rag.answer.span import cited_span
    found = cited_span(analyze(question), sentence)
    assert (sentence[found[0]:found[1]] if found else None) == expected


def test_a_name_placed_by_its_post_anywhere_in_the_text():
    from rag.answer.span import cited_span
    byline = "何政 四川省达州市委常委、政法委书记"
    found = cited_span(analyze("达州的政法委员会书记是谁?"), byline)
    assert byline[found[0]:found[1]] == "何政"
    # 潘朗 beside 检察官 inside a quotation; the answer is the same person named later
    text = "“多亏了潘朗检察官的帮助,我们才能要回工资。”李大姐和其余490名民工,在潘朗的建议下要回了欠薪。"
    found = cited_span(analyze("帮助民工讨回拖欠工资的检察官叫什么名字?"), text)
    assert text[found[0]:found[1]] == "潘朗"


@pytest.mark.parametrize("question, sentence, expected", [
    # the noun right after a figure is its own, not the next figure's (方面 by 25, 改革任务 by 80)
    ("荣昌公安改革涉及多少个方面?", "积极稳妥推进25个方面80项改革任务的公安改革。", "25个"),
    ("荣昌公安改革有多少项改革任务?", "积极稳妥推进25个方面80项改革任务的公安改革。", "80项"),
    # 几大 is answered by the numeral before 大 that names what is asked, not 党的二十大
    ("乐山的除险保安百日攻坚行动有几大?", "统筹开展公共法律服务增效等十大“除险保安百日攻坚行动”,为党的二十大胜利召开营造环境。",
     "十大"),
    ("达州的蜂巢式社区治理模式有几大主体参与?", "村民6大主体参与的“1+6”蜂巢式社区治理模式。", "6大"),
    # 人次 asked is answered in 人次, not in the 场次 written against the words asked
    ("张掖举办主体班次培训了多少人次?", "舉辦政法干部綜合業務素能培訓等主體班次20多場次、1200人次,有力提升了素養。", "1200人次"),
    # a numeral below ten counts when what is asked follows it in its clause
    ("荣昌捣毁了几个法轮功反宣品制作窝点?", "成功捣毁两个大型的“法轮功”反宣品制作窝点,破获涉邪教案件65起。", "两个"),
    # a bracketed gloss in the question (县(市、区)) is read past: 副书记 is counted
    ("达州调整配备了多少名县(市、区)政法委副书记?", "调整配备市、县政法部门领导班子成员30名,县(市、区)政法委书记5名、副书记18名。",
     "18名"),
    # people do not count things: 101名派出所所长 says nothing of how many 派出所
    ("达州有多少个派出所?", "全市101名派出所所长、335名社区民(辅)警进入同级党组织班子。", None),
    ("达州有多少个派出所所长进入同级党组织班子?", "全市101名派出所所长、335名社区民(辅)警进入同级党组织班子。", "101名"),
    # 多少人 is answered by the people of 24件36人
    ("达州批捕了多少人?", "开展专项行动,批捕24件36人,起诉19件22人。", "36人"),
    # a total of two things asked is never one of them
    ("荣昌入额法官和检察官一共多少人?", "司法体制改革试点,全区入额法官41人、检察官25人。", None),
    # a sentence lacking the words saying which things are asked counts others
    ("荣昌区有多少个智慧安防小区?", "改造“老旧”“三无”小区12个;", None),
    ("荣昌的信访案件有多少件?", "对93件案件当事人司法救助161.25万元,缓解受害群众的实际困难。", None),
    ("张掖建成了多少个智慧安防小区?", "布建电子卡口320余个,建成智慧安防小区613个。", "613个"),
    # 100余人的普法讲师团 sizes the 讲师团: no count of 镇街; a rate is no count of things
    ("荣昌有多少个镇街?", "我区共组建100余人的普法讲师团,建成镇街级法治公园(广场)14个。", None),
    ("乐山建成了多少个综治中心?", "各级矛调中心按“五有”要求实战化运行,纠纷调解成功率保持在98%以上。", None),
    # 有多少 asks all there are, not those newly built; what was added is answered when asked
    ("荣昌有多少个派出所?", "在全市率先恢复6个撤并的基层派出所,新(扩)建3个派出所;", None),
    ("荣昌新扩建了几个派出所?", "在全市率先恢复6个撤并的基层派出所,新(扩)建3个派出所;", "3个"),
    ("乐山市综治中心配备了多少名事业编制?", "增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会。", "10名"),
    # written after its noun, a figure counts it, also when jieba tags the noun's last character (司法/所)
    ("荣昌有多少个派出所?", "其中:消防指挥中心1个、司法所3个、禁毒和反邪教宣传警示教育基地1个。", None),
    # people counted by a verb after them (政法委员配齐了多少名), not the 政法委书记 of the sentence
    ("达州的政法委员配齐了多少名?", "调整配备市、县政法部门领导班子成员30名,县(市、区)政法委书记5名、副书记18名。", None),
    # a count (发案数) is not its change; a change asked is not the rate itself
    ("张掖治安案件发案数是多少?", "全市刑事案件立案数、治安案件发案数同比下降3.3%和9.7%。", None),
    ("张掖治安案件发案数同比下降了多少?", "全市刑事案件立案数、治安案件发案数同比下降3.3%和9.7%。", "9.7%"),
    ("达州的再犯罪率比去年下降了多少?", "社区矫正期间再犯罪率0.07%,远低于全省平均水平。", None),
    # a rank asked is answered by a rank, not by the level of what is ranked
    ("荣昌的平安建设满意度排全市第几?", "连续5年群众安全感、群众满意度、执法司法公信力保持在90%以上;", None),
    ("乐山平安建设群众满意度排全省第几?", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", "第6名"),
    # a Latin word is part of the noun a figure counts (LED显示屏)
    ("荣昌的LED显示屏有多少块?", "建立镇街专职消防队8支并配备13台消防车,安装27块平安综治宣传LED显示屏;", "27块"),
    # people are counted in 人, 名 or 位 in a report: 6大主体 are none
    ("达州有多少人参与了社区治理?", "基层自治组织、社会组织、驻村单位、志愿者队伍、乡贤(社区达人)、村民6大主体参与的“1+6”蜂巢式社区治理模式", None),
    # a fall asked is not answered by a rise (上升5位 of a ranking), nor a rise by a fall
    ("乐山的电信诈骗案件下降了多少?", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", None),
    ("乐山的群众满意度排名上升了几位?", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", "5位"),
    ("张掖治安案件发案数同比增长了多少?", "全市刑事案件立案数、治安案件发案数同比下降3.3%和9.7%。", None),
    # a verbal noun after a verb (推广建设) is no thing counted: the thing is named before the verbs
    ("乐山慧眼工程建了多少路?", "“慧眼工程”累计推广建设15.1万路。", "15.1万路"),
    ("乐山建成了多少个综治中心?", "推动市县乡村四级综治中心规范化建设,“慧眼工程”累计推广建设15.1万路。", None),
    # a count of what the thing's last character counts (案件 by 件) is stated by the counter
    ("达州批捕侵害未成年人案件多少件?", "开展防范打击侵害未成年人违法犯罪专项行动,批捕24件36人,起诉19件22人。", "24件"),
    # the modifier may follow the thing counted (169个网格“数字化”)
    ("荣昌城区有多少个数字化网格?", "全区共划分网格1761个,配备1823名专兼职网格服务管理人员,实现城区169个网格“数字化”管理全覆盖", "169个"),
    # the part asked, not the whole before 中
    ("荣昌的政法干警中有多少人有本科文凭?", "全区864名政法干警中获得法学专业本科以上文凭的409人,通过司法考试171人", "409人"),
    # one deed is not another: 摸排 is not answered by the 化解 count, 批捕 is written 批准逮捕
    ("荣昌摸排了多少件矛盾纠纷?", "成功化解各类矛盾纠纷35167件,有力化解疑难信访案件和重大矛盾纠纷1500余件", None),
    ("张掖摸排了多少件矛盾纠纷?", "全市共摸排各類矛盾糾紛4156件、化解4082件,化解率達到98%以上", "4156件"),
    ("张掖化解了多少件矛盾纠纷?", "全市共摸排各類矛盾糾紛4156件、化解4082件,化解率達到98%以上", "4082件"),
    ("荣昌检察院批捕了多少人?", "检察机关批准逮捕1221人,提起公诉2975人,查处职务犯罪案件63件72人。", "1221人"),
    # the words saying which (专职) are in the figure's clause; people named before a count are those counted
    ("乐山有多少专职委员?", "增设1名专职委员,增设配备10名事业编制的市综治中心,配齐配强132个乡镇(街道)政法委员。", None),
    ("荣昌司法救助了多少人?", "司法体制改革试点,全区入额法官41人、检察官25人,妥善安排司法辅助人员。", None),
    ("荣昌入额检察官有几名?", "司法体制改革试点,全区入额法官41人、检察官25人,妥善安排司法辅助人员。", "25人"),
    # a clause naming no thing goes on of the one before: its words saying which are said of it too
    ("青川县2024年化解了多少件矛盾纠纷?", "全年共排查矛盾纠纷2418件,化解2376件,化解率达98.3%。", "2376件"),
    ("青川一共有多少个视频监控点位?", "新建“雪亮工程”视频监控点位1350个,累计达到5870个。", "5870个"),
    # a count asked is not answered by a change, in percentage points or in per cent
    ("青川电信网络诈骗案件发案数是多少?", "电信网络诈骗案件发案数同比下降23.4%,群众安全感达到98.7%,较上年提高0.9个百分点。", None),
    # what was done, not a goal, unless a goal is asked
    ("青川的化解率是多少?", "2025年,全县政法系统将继续深化市域社会治理现代化,力争矛盾纠纷化解率保持在98%以上。", None),
    ("青川2025年的化解率目标是多少?", "2025年,全县政法系统将继续深化市域社会治理现代化,力争矛盾纠纷化解率保持在98%以上。",
     "98%以上"),
    # 配几个人 asks people: 2人, not the 5个 司法所
    ("荣昌司法所小所配几个人?", "新改建司法所5个,实现了21个司法所小所2人、大所3人目标;", "2人"),
    # a report's date is of what its clause, or the clause it leads, says
    ("乐山的十大行动什么时候开展?", "开展打击整治养老诈骗等专项行动,严打各类违法犯罪,2021年,乐山平安建设群众满意度排名居全省第6名。", None),
    ("乐山的满意度排名是哪一年的?", "开展打击整治养老诈骗等专项行动,严打各类违法犯罪,2021年,乐山平安建设群众满意度排名居全省第6名。", "2021年"),
    # a difference asked is a difference stated, not either side's figure
    ("荣昌法官比检察官多多少人?", "司法体制改革试点,全区入额法官41人、检察官25人,妥善安排司法辅助人员。", None),
    # a verb among the nouns a figure counts describes them (治安巡逻电瓶车): the thing asked is counted
    ("荣昌购买了多少台巡逻电瓶车?", "购买发放52台治安巡逻电瓶车,建立镇街专职消防队8支并配备13台消防车", "52台"),
    ("荣昌有多少台电瓶车?", "购买发放52台治安巡逻电瓶车,建立镇街专职消防队8支并配备13台消防车", "52台"),
    # the thing named its own way in the figure's clause (消防指挥中心) is not the one asked (综治中心)
    ("荣昌有多少个综治中心?", "按照年度规划新建或改(扩)建派出所等政法综治基础设施,其中:消防指挥中心1个、司法所3个、"
                           "禁毒和反邪教宣传警示教育基地1个。", None),
    ("荣昌计划建几个消防指挥中心?", "按照年度规划新建或改(扩)建派出所等政法综治基础设施,其中:消防指挥中心1个、司法所3个。", "1个"),
    # ... and a plan (按照年度规划…) is not how many there are
    ("荣昌有多少个消防指挥中心?", "按照年度规划新建或改(扩)建派出所等政法综治基础设施,其中:消防指挥中心1个、司法所3个。", None),
    # a deed asked (审结, 起诉) is stated before the figure: not 办理 nor none
    ("青川法院审结了多少案件?", "县司法局办理法律援助案件412件,为群众挽回经济损失860万元。", None),
    ("青川县检察院起诉了多少件案件?", "依托“大调解”工作机制,县人民法院诉前调解案件637件,调解成功率62.5%。", None),
    ("青川办理了多少件法律援助案件?", "县司法局办理法律援助案件412件,为群众挽回经济损失860万元。", "412件"),
    # a change is of what the question names: not the 刑事案件 after 防范电信网络诈骗
    ("张掖电信诈骗案件下降了多少?", "常態化開展掃黑除惡斗爭、防范電信網絡詐騙、打擊整治養老詐騙等一系列專項行動,上半年,"
                               "全市刑事案件立案數、治安案件發案數同比下降3.3%和9.7%。", None),
    ("青川的安全感比上年提高了多少?", "全县刑事案件立案数同比下降11.6%,群众安全感达到98.7%,较上年提高0.9个百分点。", "0.9个百分点"),
    ("青川刑事案件立案数比上年下降了多少?", "全县刑事案件立案数同比下降11.6%,群众安全感达到98.7%,较上年提高0.9个百分点。",
     "11.6%"),
    # a report spells levels (四级) and they answer 几级 alone: never a count of the centres
    ("全市有多少级综治中心?", "建成市、县、乡、村四级综治中心。", "四级"),
    ("全市有多少个综治中心?", "建成市、县、乡、村四级综治中心。", None),
    ("張掖的綜治中心有幾級?", "建成市、縣、鄉、村四級綜治中心981個,在全省率先實現綜治中心規范化建設", "四級"),
    # two things counted at once: both figures, each after its own word, never one of them alone
    ("荣昌有多少名法官和检察官?", "司法体制改革试点,全区入额法官41人、检察官25人,妥善安排司法辅助人员。", "法官41人、检察官25人"),
    ("荣昌法院受理和审结了多少案件?", "审判机关受理各类案件44752件,审结42381件,结案率达94.7%;", "受理各类案件44752件,审结42381件"),
    ("荣昌批捕和起诉了多少人?", "检察机关批准逮捕1221人,提起公诉2975人,查处职务犯罪案件63件72人。", "批准逮捕1221人,提起公诉2975人"),
    ("张掖多少名警官法官检察官和律师进网入格?", "全面推動“三官一師”進網格,1100名警官、法官、檢察官和律師進網入格,協助專職網格員", "1100名"),
    ("达州有多少名派出所所长和社区民警进入党组织班子?", "全市101名派出所所长、335名社区民(辅)警进入同级党组织班子,提前完成",
     "101名派出所所长、335名社区民(辅)警"),
    # what happened (恶性案件发生了几起) is the thing counted: 职务犯罪案件63件 counts others
    ("荣昌的三类恶性案件发生了几起?", "检察机关批准逮捕1221人,提起公诉2975人,查处职务犯罪案件63件72人。", None),
    # a clause naming no thing counts what the clause before counted: 各类案件, not the 刑事案件 asked
    ("荣昌审结了多少件刑事案件?", "审判机关受理各类案件44752件,审结42381件,结案率达94.7%;", None),
    ("荣昌审结了多少件案件?", "审判机关受理各类案件44752件,审结42381件,结案率达94.7%;", "42381件"),
    ("荣昌审判机关审结各类案件多少件?", "审判机关受理各类案件44752件,审结42381件,结案率达94.7%;", "42381件"),   # the deed
    # before the things it counts
    # the deed written after what it counts (1500件案件评查), not a count of another deed (查处治安案件4.8万起)
    ("荣昌评查了多少件案件?", "不断加大监督力度,组织开展1500件案件评查,办案质量得到明显提高。", "1500件"),
    ("荣昌评查了多少件案件?", "五年来,公安机关共查处治安案件4.8万起,破获刑事案件8698件;", None),
    ("达州的恶势力犯罪集团和团伙案件各有多少起?", "侦办组织、领导、参加黑社会性质组织案件10起,恶势力犯罪集团案件39起,恶势力团伙案件36起,"
     "九类涉恶案件943件。", "恶势力犯罪集团案件39起,恶势力团伙案件36起"),
    ("张掖研讨交流和专题学习分别开展了多少场次?", "全市政法系統累計開展專題學習100余場次、研討交流36場次,全體政法干警",
     "專題學習100余場次、研討交流36場次"),   # in the report's order
    ("张掖刑满释放人员衔接率和安置率分别是多少?", "全市刑滿釋放人員銜接率100%、安置率98%,重新犯罪率始終控制在0.2%以內",
     "刑滿釋放人員銜接率100%、安置率98%"),
    # one figure after both in their clause: a compound's rate, a list's bound; not 连续5年 before them
    ("张掖社区戒毒和社区康复执行率是多少?", "重新犯罪率始終控制在0.2%以內,社區戒毒社區康復執行率達到99%以上。", "99%以上"),
    ("荣昌群众安全感和满意度保持在多少以上?", "连续5年群众安全感、群众满意度、执法司法公信力保持在90%以上;", "90%以上"),
    ("荣昌法官与检察官的比例是多少?", "司法体制改革试点,全区入额法官41人、检察官25人,妥善安排司法辅助人员。", None),   # no rate
    ("荣昌有多少名法官和网格员?", "司法体制改革试点,全区入额法官41人、检察官25人,妥善安排司法辅助人员。", None),
    # a total asked is a total stated: the parts (10名…和…6名) are none; 编制 after 多少个 is the thing counted
    ("乐山的事业编制一共有多少名?", "增设1名专职委员,增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐配强132个乡镇"
                              "(街道)政法委员。", None),
    ("乐山增设了多少个编制?", "增设1名专职委员,增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会。", None),
    ("青川的雪亮工程总共有多少个点位?", "新建“雪亮工程”视频监控点位1350个,累计达到5870个。", "5870个"),
    # a count of people asked of money recovered: 490名民工, never 55.23万元
    ("荣昌民工讨回的欠薪涉及多少名民工?", "李大姐和其余490名民工,在不到一个月的时间里就要回了劳务公司拖欠的55.23万元。", "490名"),
    # 名次 asks a place in a ranking: 第6名, not the rise 上升5位
    ("乐山群众满意度名次", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", "第6名"),
    # a place in a ranking asked (第几名) is not the 第一期 of a programme, which 第几期 asks
    ("乐山满意度排第几名?", "今年,乐山市作为全国市域社会治理现代化第一期试点地区即将接受验收。", None),
    ("乐山是第几期试点地区?", "今年,乐山市作为全国市域社会治理现代化第一期试点地区即将接受验收。", "第一期"),
    # a kind named in one word (网安警务室) is no total of the thing asked; words describing them are no kind
    ("荣昌有多少个警务室?", "建成1个网安警务室,完成便民诉讼中心(区综调室)和13个数字化法庭建设。", None),
    ("荣昌有多少个网安警务室?", "建成1个网安警务室,完成便民诉讼中心(区综调室)和13个数字化法庭建设。", "1个"),
    # 多少个事业编制: 编制 are counted in 名, and the next clause's 132个 count 乡镇政法委员
    ("乐山的市法学会有多少个事业编制?", "增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐配强132个乡镇(街道)政法委员。",
     "6名"),
    ("达州成立了几级领导小组?", "成立市、县、乡三级党政主要负责同志任双组长的领导小组,加强党委对平安建设的组织领导。", "三级"),
    # a deed of its own: 恢复6个 were not 新建; 3个基层法庭 share 基层 with 基层派出所 and count 法庭
    ("荣昌新建了几个派出所?", "在全市率先恢复6个撤并的基层派出所,新(扩)建3个派出所;", "3个"),
    ("荣昌恢复了多少个派出所?", "在全市率先恢复6个撤并的基层派出所,新(扩)建3个派出所;", "6个"),
    ("荣昌新建了多少个基层派出所?", "新建3个基层法庭、16个诉讼联络点;", None),
    # 变化 asks a change either way: the fall stated of what is asked
    ("张掖刑事案件立案数同比变化多少?", "上半年,全市刑事案件立案数、治安案件发案数同比下降3.3%和9.7%。", "3.3%"),
    ("荣昌判了多少个案子?", "改革后,一审改判发回重审率仅为0.2%,生效裁判被改判发回重审率为0,均无错案和瑕疵案件。", None),   # a rate
    # the people who did something, asked in other words than the report's: a part, not the whole (864名…中)
    ("荣昌有多少政法干警考过了司法考试?", "全区864名政法干警中获得法学专业本科以上文凭的409人,通过司法考试171人。", "171人"),
    ("荣昌有多少政法干警拿到了法学本科文凭?", "全区864名政法干警中获得法学专业本科以上文凭的409人,通过司法考试171人。", "409人"),
    # the deed jieba glued to the things (化解矛盾纠纷): 化解's figure, and no kind of 纠纷 for all of them
    ("张掖化解矛盾纠纷多少件?", "今年以来,全市共摸排各类矛盾纠纷4156件、化解4082件,化解率达到98%以上。", "4082件"),
    ("达州化解矛盾纠纷多少件?", "创新开展不孝行为依法治理专项行动,妥善化解农村老人赡养纠纷688起。", None),
    # the thing counted named after its verb, before the question word; 涉及 is no 及 joining two things
    ("达州的群众服务微信群覆盖群众多少?", "分层分级组建群众服务微信群2.5万余个,覆盖群众300万人以上。", "300万人以上"),
    ("荣昌民工讨回的欠薪涉及民工多少名?", "家住万灵镇玉鼎村的李大姐和其余490名民工,在潘朗的建议和帮助下", "490名"),
    # the measure named before the question word is asked as 多少场次 asks it: sessions, not 1200人次 of people
    ("张掖培训主体班次的场次有多少?", "举办政法干部综合业务素能培训等主体班次20多场次、1200人次,有力提升", "20多场次"),
    ("张掖培训的人次有多少?", "举办政法干部综合业务素能培训等主体班次20多场次、1200人次,有力提升", "1200人次"),
    # 一共 asks a total: the clauses of other things in the sentence are no parts of it
    ("张掖一共布建了多少个电子卡口?", "汇聚联网视频资源2.8万余路,布建电子卡口320余个,建成智慧安防小区613个,实现了", "320余个"),
    # ... but a clause writing a word of the count asked is a part (490名民工, 拖欠的55.23万元: no total)
    ("荣昌为民工要回了拖欠的工资，一共多少?", "“多亏了潘朗检察官的帮助,我们才能要回拖欠的工资。”家住万灵镇玉鼎村的李大姐和其余"
     "490名民工,在潘朗的建议和帮助下,在不到一个月的时间里就要回了劳务公司拖欠的55.23万元。", None),
    ("荣昌公安改革涉及方面多少个?", "积极稳妥推进25个方面80项改革任务的公安改革,进一步提高服务群众质量和水平。", "25个"),
    # a post named before the question word, the deputy jieba cuts off, a level written by its place
    ("达州县级政法委副书记有多少名?", "调整配备市、县政法部门领导班子成员30名,县(市、区)政法委书记5名、副书记18名。", "18名"),
    ("达州县级政法委书记有多少名?", "调整配备市、县政法部门领导班子成员30名,县(市、区)政法委书记5名、副书记18名。", "5名"),
    # the people named before the question word are counted, what follows is what they did
    ("达州派出所所长有多少名进入了党组织班子?", "全市101名派出所所长、335名社区民(辅)警进入同级党组织班子,提前完成", "101名"),
    ("荣昌政法干警有多少人通过了司法考试?", "全区864名政法干警中获得法学专业本科以上文凭的409人,通过司法考试171人。", "171人"),
    # two deeds asked with a comma before the question word: both, not the last alone; a total after
    # a comma is still a total the report does not state
    ("荣昌法院受理和审结了案件，分别多少?", "审判机关受理各类案件44752件,审结42381件,结案率达94.7%;", "受理各类案件44752件,审结42381件"),
    ("荣昌入额法官和检察官，一共多少人?", "司法体制改革试点,全区入额法官41人、检察官25人。", None),
    # a rank answers what is ranked: the 满意度's rank is no 考核's
    ("乐山在全省平安建设考核中排第几?", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", None),
    ("乐山群众满意度全省排第几?", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", "第6名"),
    ("张掖平安建设工作在全省处于第几位?", "2022年,張掖市平安建設工作全省考核排名第一,連續四年被評為優秀市州。", "第一"),
    # the thing asked said of another noun, counted in that noun's counter (消防队8支), is not counted
    ("荣昌区有几个镇街?", "购买发放52台治安巡逻电瓶车,建立镇街专职消防队8支并配备13台消防车。", None),
    ("荣昌建立了几个镇街专职消防队?", "购买发放52台治安巡逻电瓶车,建立镇街专职消防队8支并配备13台消防车。", "8支"),
    # a figure written for what follows its 的 is that owner's: the one of the owner asked, though 增设 leads it
    ("乐山市综治中心有多少事业编制?", "增设1名专职委员,增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐配强132个乡镇政法委员。",
     "10名"),
    ("乐山的市法学会配备了几名事业编制?", "增设1名专职委员,增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐配强132个乡镇政法委员。",
     "6名"),
    # ... and so are its people, where the question's words name only the owner (多少人, 几个人)
    ("乐山的市综治中心有多少人?", "增设1名专职委员,增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐配强132个乡镇政法委员。",
     "10名"),
    ("乐山的综治中心有几个人?", "增设1名专职委员,增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐配强132个乡镇政法委员。",
     "10名"),
    ("乐山市法学会有多少人?", "增设1名专职委员,增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐配强132个乡镇政法委员。",
     "6名"),
    # of items each labelled before its figure, the one the question names, whatever jieba glues it to (所大所配)
    ("荣昌司法所大所配几个人?", "新改建司法所5个,实现了21个司法所小所2人、大所3人目标;", "3人"),
    # 有几个是大所 asks a part, written against its figure: not the 21个 司法所, nor the 3人 of a 大所
    ("荣昌的司法所有几个是大所?", "新改建司法所5个,实现了21个司法所小所2人、大所3人目标;", None),
    # 有多少 of things counted is no rate of theirs
    ("张掖的社区矫正人员有多少?", "著力加强对刑满释放人员、社区矫正人员等特殊人群服务管理,全市刑满释放人员衔接率100%、安置率98%,"
     "重新犯罪率始终控制在0.2%以内。", None),
    ("张掖有多少个乡镇心理服务平台实现了全覆盖?", "6个县(区)、86个乡镇(街道)心理服务平台实现全覆盖。", "86个"),
    # ... while measures of the same things (20多场次、1200人次) share the words before them
    ("张掖培训政法干部多少人次?", "举办政法干部综合业务素能培训等主体班次20多场次、1200人次,有力提升了职业素养。", "1200人次"),
    # a figure after 率为 is a rate, not a count of the cases asked
    ("荣昌法院审结了多少案件?", "改革后,生效裁判被改判发回重审率为0,审查起诉案件、侦查监督案件办结平均用时分别减少12.33天。", None),
    # 政法工作 is what 政法 says: 13次专题研究政法、维稳… answers it
    ("张掖市委市政府今年专题研究了几次政法工作?", "今年以来,市委、市政府已先后13次专题研究政法、维稳、平安建设等方面重大事项。", "13次"),
    # a part asked (多少个综治中心是市级的) is not the whole (四级综治中心981个)
    ("张掖有多少个综治中心是市级的?", "建成市、县、乡、村四级综治中心981个,在全省率先实现综治中心规范化建设。", None),
    # a figure per unit asked is one stated per unit, not a total or the figure of one kind of item
    ("荣昌网格员人均管理几个网格?", "全区共划分网格1761个,配备1823名专兼职网格服务管理人员。", None),
    ("荣昌平均每个司法所有几个人?", "新改建司法所5个,实现了21个司法所小所2人、大所3人目标;", None),
    ("荣昌审查起诉案件办结平均用时减少了多少天?", "审查起诉案件办结平均用时比去年同期减少12.33天。", "12.33天"),
    # a share of what the question names is not another rate of the sentence
    ("荣昌政法干警法学本科以上文凭的比例是多少?", "全区864名政法干警中获得法学专业本科以上文凭的409人,参加各类培训达9036人次,"
     "实现培训率达100%。", None),
    ("荣昌政法干警的培训率是多少?", "全区864名政法干警参加各类培训达9036人次,实现培训率达100%。", "100%"),
    ("张掖矛盾纠纷化解的比例是多少?", "全市共摸排各类矛盾纠纷4156件、化解4082件,化解率达到98%以上。", "98%以上"),
    # ... nor the rate of a deed done to other things: the 化解率 of 矛盾纠纷 for 现实矛盾问题
    ("张掖现实矛盾问题化解了百分之多少?", "全市共摸排各类矛盾纠纷4156件、化解4082件,化解率达到98%以上。", None),
    # a yearly figure asked is not a five-year total
    ("荣昌每年查处多少起治安案件?", "五年来,公安机关共查处治安案件4.8万起,破获刑事案件8698件;", None),
    # how many there are, however asked, is not those newly built, nor a plan's (按照年度规划新建…司法所3个)
    ("荣昌一共有几个司法所?", "新改建司法所5个,实现了21个司法所小所2人、大所3人目标;", "21个"),
    ("荣昌的司法所是多少个?", "新改建司法所5个,实现了21个司法所小所2人、大所3人目标;", "21个"),
    ("荣昌司法所有多少个?", "新改建司法所5个,实现了21个司法所小所2人、大所3人目标;", "21个"),   # 所有: not "all"
    ("荣昌一共有几个司法所?", "按照年度规划新建或改(扩)建派出所等政法综治基础设施,其中:消防指挥中心1个、司法所3个。", None),
    ("荣昌计划建几个司法所?", "按照年度规划新建或改(扩)建派出所等政法综治基础设施,其中:消防指挥中心1个、司法所3个。", "3个"),
    # two kinds of people side by side with 各: both, not the one nearest
    ("荣昌法官检察官各多少人?", "司法体制改革试点,全区入额法官41人、检察官25人,妥善安排司法辅助人员。", "法官41人、检察官25人"),
    # the thing ranked is the word before the rank asked, a year or 去年 between them left out
    ("乐山的满意度去年排第几?", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", "第6名"),
    ("乐山在全省平安建设考核中排第几?", "2021年,乐山平安建设群众满意度排名居全省第6名,同比上升5位。", None),
    # 编制 asked alone is the 编制 of 10名事业编制, though jieba tags it a verb there
    ("乐山的综治中心配备了几名编制?", "增设1名专职委员,增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,", "10名"),
    # 目标 is the kind of figure asked (a goal), not a thing counted
    ("达州的经济总量目标是多少?", "为达州“经济总量冲刺4000亿、城市规模建设双300,加快实现两个定位”提供良好的社会环境。",
     "4000亿"),
    # a difference of two rates asked is not either rate
    ("荣昌的群众安全感比满意度高多少?", "连续5年群众安全感、群众满意度、执法司法公信力保持在90%以上;", None),
])
def test_in_a_report_the_figure_counts_what_is_asked(question, sentence, expected):
    assert _report_span(question, sentence) == expected


def test_a_word_saying_which_is_said_of_its_own_item_in_a_list_of_figures():
    """县区 is the 6个's item, not the 86个乡镇(街道)心理服务平台's."""
    assert _report_span("张掖有几个县区心理服务平台实现全覆盖?", "6个县(区)、86个乡镇(街道)心理服务平台实现全覆盖。") != "86个"


def test_figures_counting_in_other_ways_are_no_rival_answers():
    from rag.answer.span import disagreeing
    asked = analyze("乐山去年以来处理了多少人?")
    assert disagreeing(asked, "424人", ["回望过去一年,乐山市政法机关持之以恒防风险。"], True) == []
    assert disagreeing(analyze("荣昌入额法官多少人?"), "41人", ["全区入额法官45人。"], True) == [("41人", 1), ("45人", 2)]
