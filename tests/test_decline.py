import pytest

from rag.answer.decline import DENSE_CONFIDENT, Signals, answers, apart_share, unwritten_words
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
