"""Never another place's figure: a question that names a place or year is answered only from
passages in that scope, or declined saying so."""
import json

import pytest

from rag.answer.decline import COVERAGE_RULE
from rag.answer.extract import NOT_FOUND, ask
from rag.answer.question import analyze
from rag.answer.retrieve import Searcher
from rag.answer.scope import in_scope, stated_of_place
from rag.evaluate.questions import load_jsonl_questions
from rag.evaluate.scoring import score_question, summarize
from rag.ingest.subject import Subject
from rag.text.normalize import normalize

from helpers import ROOT

DAZHOU = Subject(("达州市",), ("四川省", "达州市"), "政法委", ())
LESHAN = Subject(("乐山市",), ("四川省", "乐山市"), "政法委", (2022, 2021))


def scoped(question, subject, text):
    return in_scope(analyze(question), subject, normalize(text))


def test_place_scope():
    q = "达州排查整治顽瘴痼疾多少个?"
    assert scoped(q, DAZHOU, "全市排查整治问题100个")
    assert not scoped(q, LESHAN, "乐山市排查整治顽瘴痼疾4821个")       # another city's report and figure
    assert scoped(q, LESHAN, "学习达州经验，达州排查整治顽瘴痼疾10个")   # a sentence that names the place
    assert scoped("哪个案件入选了四川省法院典型案例?", DAZHOU, "入选全省法院典型案例")   # 全省 in a 达州 report
    assert not scoped("哪个案件入选了四川省法院典型案例?", LESHAN, "入选全市典型案例")
    assert scoped(q, Subject(), "任何文字")                              # unknown subject: not held against it


def test_a_province_asked_is_not_spoken_for_by_its_city():
    zhangye = Subject(("张掖市",), ("甘肃省", "张掖市"), "政法委", (2022,))
    # 四川省 here says whose 达州 it is, and 四川 is part of a newspaper's name: both posts are the cities'
    assert not scoped("四川省政法委书记是谁?", DAZHOU, "何政 四川省达州市委常委、政法委书记")
    assert not scoped("四川省政法委书记是谁?", LESHAN, "四川法治报记者近日专访了乐山市委常委、政法委书记廖全军")
    assert scoped("四川省委政法委书记是谁?", DAZHOU, "四川省委常委、政法委书记来达州调研")
    # 在全省率先 does not make 张掖's count 甘肃's; a category named by the province still is (above)
    assert not scoped("甘肃省建成了多少个综治中心?", zhangye, "建成四级综治中心981个,在全省率先实现规范化建设")
    assert scoped("张掖建成了多少个综治中心?", zhangye, "建成四级综治中心981个,在全省率先实现规范化建设")
    # nor does a name holding the province (an award, a regulation) make the city's figure the province's
    ranked = "張掖市平安建設工作全省考核排名第一,連續四年被省委、省政府評為“平安甘肅建設優秀市州”。"
    assert not scoped("甘肃省平安建设排名第几?", zhangye, ranked)
    assert not scoped("甘肃省建成了多少个网格?", zhangye, "認真落實《甘肅省網格化服務管理辦法(試行)》,全市優化整合網格1807個")


def test_year_scope():
    q = "2021年乐山平安建设群众满意度在全省排第几?"
    assert scoped(q, LESHAN, "2021年,乐山平安建设群众满意度排名居全省第6名")
    assert not scoped(q, LESHAN, "2020年,乐山平安建设群众满意度排名第12名")
    assert scoped(q, LESHAN, "群众满意度排名居全省第6名")                  # no year: the report's years include it
    assert not scoped("2016年乐山平安建设群众满意度排第几?", LESHAN, "群众满意度排名居全省第6名")   # a 2021-22 report
    assert scoped("1955年东德鼓励哪种艺术?", Subject(), "20世纪50年代东德官方鼓励社会主义现实主义")
    # an undated work report does not speak for a year asked; a dated sentence in it does
    assert not scoped("达州2015年侦办恶势力犯罪集团案件多少起?", DAZHOU, "侦办恶势力犯罪集团案件39起")
    assert scoped("达州2015年侦办恶势力犯罪集团案件多少起?", DAZHOU, "2015年侦办恶势力犯罪集团案件12起")
    assert scoped("2015年东德鼓励哪种艺术?", Subject(), "东德官方鼓励社会主义现实主义")   # not a work report
    # a year before 1900 is scope too, written with its 年 (1200万 is no year)
    q = "杜老志是1864年10月12日官学生计划的第几批学生？"
    assert analyze(q).years == (1864,) and analyze("以1200万英镑收购了哪份报纸?").years == ()
    assert not scoped(q, Subject(), "他是1861年10月12日官学生计划的第一批官学生")
    assert scoped(q, Subject(), "他是1864年10月12日官学生计划的第一批官学生")
    # 去年 in a report of 2022 is 2021: a sentence says so, or names 2021年; one of 今年 does not
    q = "乐山去年群众满意度排第几名?"
    assert scoped(q, LESHAN, "2021年,乐山平安建设群众满意度排名居全省第6名")
    assert scoped(q, LESHAN, "去年,乐山平安建设群众满意度排名居全省第6名")
    assert not scoped(q, LESHAN, "群众满意度排名居全省第6名")
    assert not scoped("乐山前年群众满意度排第几名?", LESHAN, "2021年,乐山平安建设群众满意度排名居全省第6名")
    # 今年 is the report's year, 2022: not the 2021年 a sentence names
    assert not scoped("乐山今年群众满意度排第几名?", LESHAN, "2021年,乐山平安建设群众满意度排名居全省第6名")
    assert scoped("乐山今年群众满意度排第几名?", LESHAN, "群众满意度排名居全省第6名")
    # 明年 of a 2024 report is 2025
    qingchuan = Subject(("青川县",), ("四川省", "广元市", "青川县"), "县委政法委", (2024,))
    assert scoped("青川明年化解率的目标是多少?", qingchuan, "2025年,全县政法系统力争矛盾纠纷化解率保持在98%以上。")
    assert not scoped("青川明年化解率的目标是多少?", qingchuan, "全年共排查矛盾纠纷2418件,化解2376件,化解率达98.3%。")


def test_a_figure_of_another_city_is_never_the_answer(hashing_index):
    index, embedder = hashing_index
    searcher = Searcher(index, embedder)
    answer = ask(searcher, "张掖建成了多少个雪亮工程监控探头?")
    # 张掖's paragraph on 雪亮工程 counts 电子卡口 (320余个), not 探头: no figure of it is the answer
    assert not answer.answered and answer.notice.startswith("张掖市的报告中没有找到“监控探头”的数量")
    own = ask(searcher, "达州建成了多少个雪亮工程监控探头?")
    assert own.answered and "4.2万余个" in own.answer and own.citations[0].place == "达州市"
    elsewhere = ask(searcher, "深圳市建成了多少个综治中心?")
    assert elsewhere.answer == NOT_FOUND and elsewhere.notice.startswith("深圳市的报告中没有找到")



def test_a_rate_the_report_does_not_give_is_declined_not_answered_with_another(hashing_index):
    # 荣昌's report gives 结案率达100% and 破案率 100%, no 化解率
    answer = ask(Searcher(*hashing_index), "荣昌区的矛盾纠纷化解率是多少?")
    assert not answer.answered and answer.notice.startswith("荣昌区的报告中没有找到“化解率”")
    assert "100%" in ask(Searcher(*hashing_index), "荣昌的命案破案率是多少?").answer


def test_a_difference_the_report_does_not_write_is_declined_as_such():
    from rag.answer.question import analyze
    from rag.answer.scope import not_found_notice
    # both figures may be there (入额法官41人、检察官25人): what is missing is the difference, computed by no one
    assert not_found_notice(analyze("荣昌法官比检察官多多少人?")) == "荣昌区的报告中没有直接写出所问的差值；以下段落仅供参考，请自行核对。"


def test_an_unscoped_question_says_whose_figure_it_gives(hashing_index):
    index, embedder = hashing_index
    answer = ask(Searcher(index, embedder), "排查整治顽瘴痼疾多少个?")
    assert answer.answered and "4821个" in answer.answer and "乐山市" in answer.notice


def test_a_report_about_no_known_place_answers_with_a_warning(tmp_path):
    from rag.embed.backends import HashingEmbedder
    from rag.stores.local.index import build_index
    (tmp_path / "工作总结.txt").write_text("今年以来，本单位新建社区警务室35个，覆盖全部城市社区。\n", encoding="utf-8")
    import shutil
    shutil.copy(ROOT / "seeds" / "001_bc630deb026c9c02.txt", tmp_path)   # 乐山's: corpus statistics to weigh words by
    embedder = HashingEmbedder(256)
    index, _ = build_index([tmp_path], embedder, cache_dir=tmp_path / "cache")
    answer = ask(Searcher(index, embedder), "张掖本单位新建社区警务室多少个?")
    assert answer.answered and "35个" in answer.answer
    assert answer.notice == "答案出自未写明地方的报告，请核对是否为张掖市的数字。"


@pytest.mark.model
@pytest.mark.parametrize("name", ["wrong_place", "follow_ups"])
def test_wrong_place_and_follow_up_sets(e5_searcher, name):
    questions = load_jsonl_questions(ROOT / "eval" / "questions" / f"{name}.jsonl")
    assert len(questions) >= {"wrong_place": 30, "follow_ups": 15}[name]
    results = [score_question(e5_searcher, q, "hybrid") for q in questions]
    m = summarize(results, ["hybrid"])["modes"]["hybrid"]
    assert m["scope_errors"] == 0 and m["answer_hit"] == 1.0 and m["decline_recall"] >= 0.9, json.dumps(m)


@pytest.mark.model
def test_a_question_in_the_askers_own_words_is_answered(e5_searcher):
    """The report writes 要回了劳务公司拖欠的55.23万元; no passage writes 讨回 or 欠薪, whose
    characters the answering sentence holds. 八大工程 is 乐山's, not 荣昌's: a report writes it."""
    answer = ask(e5_searcher, "荣昌为民工讨回了多少欠薪?")
    assert answer.answered and answer.span.text == "55.23万元", answer.answer
    assert answer.signals.coverage < 0.2 < answer.signals.sentence_apart
    assert not ask(e5_searcher, "荣昌实施的八大工程包括哪些?").answered


def test_a_person_no_passage_names_gets_no_one_elses_figure(hashing_index):
    """廖全军 is 乐山's 政法委书记 (001), 何政 达州's (002). Asked what 何政 said of 乐山, the
    passages cover the question well enough to answer, but none names him: 廖全军's figure
    (4821个) would be put in 何政's mouth, so it is declined, naming whom the passages lack."""
    index, embedder = hashing_index
    searcher = Searcher(index, embedder)
    own = ask(searcher, "廖全军介绍,乐山市排查整治顽瘴痼疾多少个?")
    assert own.answered and "4821个" in own.answer and own.signals.name_missing == 0.0
    other = ask(searcher, "何政介绍,乐山市排查整治顽瘴痼疾多少个?")
    assert other.signals.coverage >= COVERAGE_RULE   # the coverage rule alone would answer
    assert not other.answered and other.signals.name_missing == 1.0
    assert other.notice.startswith("检索到的段落都没有提到何政")


def test_a_year_no_report_gives_says_so_and_shows_what_is_near(hashing_index):
    # 000 (雪亮工程, 4.2万余个) states no year; 002, of 2020, names no 雪亮: the year's decline, not "another thing"
    answer = ask(Searcher(*hashing_index), "达州2020年建成了多少个雪亮工程探头?")
    assert not answer.answered and answer.notice.startswith("2020年达州市的报告中没有找到")
    assert answer.passages[0].chunk.doc.startswith("000_")


def test_a_year_asked_is_answered_by_the_sentence_naming_it(hashing_index):
    # 荣昌's report (2017) speaks for its years undated; asked of 2017, the sentence naming 2017年 answers,
    # not 实现了21个司法所…目标 of the 十二五
    answer = ask(Searcher(*hashing_index), "荣昌在2017年要实现什么目标?")
    assert answer.answered and "2017年基本实现视频监控系统" in answer.answer
    assert "司法所小所2人" not in answer.answer


def test_a_place_inside_the_reports_is_named_in_the_figures_own_clause():
    zhangye = Subject(("张掖市",), ("甘肃省", "张掖市"), "市委政法委", (2022,))
    sentence = normalize("建成市、县、乡、村四级综治中心981个,临泽县综治中心获评全国政法系统“新时代政法楷模”集体。")
    figure = sentence.index("981")
    # 981个 are the city's: its clause names no 临泽县, though the sentence goes on to one
    assert not stated_of_place(analyze("临泽县有多少个综治中心?"), zhangye, sentence, figure)
    assert stated_of_place(analyze("张掖有多少个综治中心?"), zhangye, sentence, figure)
    assert stated_of_place(analyze("临泽县有多少个综治中心?"), zhangye, normalize("临泽县建成综治中心120个。"), 7)


def test_a_figure_of_the_city_is_no_answer_for_its_county(hashing_index):
    assert not ask(Searcher(*hashing_index), "临泽县有多少个综治中心?").answered


def test_a_county_named_by_its_short_form_scopes_a_report_of_its_city():
    from rag.answer.scope import known_scope
    leshan = Subject(("乐山市",), ("四川省", "乐山市"), "政法委", (2022,))
    # 犍为 is 乐山's county: the question asks of it, not of the city whose report was found
    assert known_scope(analyze("犍为有多少个网格?"), [leshan]).places == ("犍为县",)
    # a short form no report's place holds may be no place at all (新北: 常州's district, a city in Taiwan)
    assert known_scope(analyze("新北有多少个网格?"), [leshan]).places == ()


def test_the_citys_figure_is_no_answer_for_its_county_named_short(hashing_index):
    searcher = Searcher(*hashing_index)
    assert not ask(searcher, "犍为有多少个村实现了雪亮工程全覆盖?").answered   # 1370个 are 乐山's
    assert ask(searcher, "乐山有多少个村实现了雪亮工程全覆盖?").answered
