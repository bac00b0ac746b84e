from dataclasses import replace

import pytest

from rag.answer.decline import DENSE_CONFIDENT, DENSE_FLOORS, Signals, answers, apart_share, unwritten_words
from rag.text.normalize import normalize

# 荣昌's report: 李大姐和其余490名民工……就要回了劳务公司拖欠的55.23万元
PASSAGE = normalize("家住万灵镇玉鼎村的李大姐和其余490名民工,在潘朗的建议和帮助下,就要回了劳务公司拖欠的55.23万元。")


def signals(**changed) -> Signals:
    fields = dict(coverage=0.15, sentence=0.15, dense=0.0, rarest_found=0.0, place_subject=1.0, place_named=0.0,
                  year_missing=0.0, elsewhere=0.0, entities_missing=0.0, name_missing=0.0, answer_probability=0.4,
                  sentence_apart=0.15, candidates=1)
    return Signals(**{**fields, **changed})


def test_words_no_passage_writes_are_the_askers_own():
    words, weights = ["民工", "讨回", "欠薪", "潘朗", "2015年"], [3.9, 11.0, 11.0, 9.0, 5.0]
    # 潘朗 is a name (checked whole), 2015年 no Han word
    assert unwritten_words(words, weights, [PASSAGE], names=["潘朗"]) == {"讨回": 11.0, "欠薪": 11.0}
    assert unwritten_words(words, weights, [PASSAGE, "为民工讨回欠薪"], names=[]) == {}


def test_a_word_counts_by_the_share_of_its_characters_a_text_holds():
    unwritten = {"讨回": 11.0, "欠薪": 11.0}
    # 回 of 要回 and 欠 of 拖欠: half of each
    assert apart_share(unwritten, 25.8, PASSAGE) == pytest.approx(11.0 / 25.8)
    assert apart_share(unwritten, 25.8, normalize("为民工讨回欠薪")) == pytest.approx(22.0 / 25.8)
    assert apart_share(unwritten, 25.8, normalize("建成监控探头4.2万余个")) == 0.0
    assert apart_share(unwritten, 0.0, PASSAGE) == 0.0


def test_the_embedders_confidence_needs_words_shared_even_apart():
    assert not answers(signals(dense=0.0, sentence_apart=0.58))            # no passage shares enough
    assert answers(signals(dense=DENSE_CONFIDENT + 0.01, sentence_apart=0.58))
    assert not answers(signals(dense=DENSE_CONFIDENT + 0.01, sentence_apart=0.15))
    assert not answers(signals(dense=DENSE_CONFIDENT - 0.01, sentence_apart=0.58))
    assert answers(signals(coverage=0.6))                                   # the coverage rule alone
    assert not answers(signals(coverage=0.6, name_missing=1.0))
    assert not answers(signals(coverage=0.6, candidates=0))


def test_a_reports_figure_comes_from_a_sentence_stating_the_words_asked():
    # 涉疫违法犯罪案件231起619人 shares 0.27 of 达州侦办的黑社会性质组织案件涉及多少人: another's people
    assert answers(signals(coverage=0.61, sentence=0.07, sentence_apart=0.27))
    assert not answers(signals(coverage=0.61, sentence=0.07, sentence_apart=0.27), report_figure=True)
    # 要回了…拖欠的55.23万元 shares 0.58 of 荣昌为民工讨回了多少欠薪 by the characters of 讨回 and 欠薪
    assert answers(signals(coverage=0.6, sentence=0.15, sentence_apart=0.58), report_figure=True)


def test_under_the_embedders_floor_the_scorer_and_the_words_must_agree():
    # 西铜锣湾站拥有几个出入口? of 西土城站's paragraph: words shared, the embedder and scorer unsure
    floor = DENSE_FLOORS["e5-small"]
    doubtful = signals(coverage=0.57, sentence=0.57, sentence_apart=0.57, dense=floor - 0.005, answer_probability=0.75)
    assert answers(doubtful)                                   # an embedder with no floor: the coverage rule
    assert not answers(doubtful, floor=floor)
    assert answers(replace(doubtful, coverage=0.8), floor=floor)                             # the words agree
    assert not answers(replace(doubtful, coverage=0.8, answer_probability=0.1), floor=floor)   # the scorer does not
    assert answers(replace(doubtful, dense=floor), floor=floor)
    # a Traditional question embedded as written is measured against a lower floor
    assert answers(doubtful, floor=floor, traditional=True)
    assert not answers(replace(doubtful, dense=floor - 0.025), floor=floor, traditional=True)
    assert "hashing:256" not in DENSE_FLOORS and "e5-small-int8" not in DENSE_FLOORS   # floors are measured per embedder


@pytest.mark.model
def test_e5_smalls_floor_declines_a_swapped_subject_the_words_still_cover(e5_small, monkeypatch):
    from rag.answer import decline
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    from rag.ingest.documents import Document
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import build_from_documents
    texts = ["长鳍新平鲉，又称新石狗公，俗名石狗公，为辐鳍鱼纲鲉形目鲉科的其中一种。本鱼体长可达30公分，栖息在沿岸岩礁区。",
             "北京体育大学专精于竞技体育，截至2015年，已培养奥运、世界锦标赛冠军运动员及教练312人，其中奥运冠军73人。",
             "西土城站是北京地铁10号线的一座车站。西土城站拥有4个出入口，分别位于学知桥四角。该站于2008年7月19日启用。"]
    documents = [Document(f"p{i}.txt", "", text, "utf-8", str(i)) for i, text in enumerate(texts)]
    searcher = Searcher(build_from_documents(documents, e5_small, IndexSettings())[0], e5_small)
    assert ask(searcher, "长鳍新平鲉的体长是多少？").answer.startswith("30公分")
    swapped = ask(searcher, "车站的体长是多少？")   # the fish's 体长 asked of a 车站: the words cover half
    assert not swapped.answered
    assert swapped.signals.dense < decline.DENSE_FLOORS["e5-small"] and swapped.signals.coverage >= decline.COVERAGE_RULE
    monkeypatch.setitem(decline.DENSE_FLOORS, "e5-small", 0.0)   # without the floor the coverage rule answers it
    assert ask(searcher, "车站的体长是多少？").answered
