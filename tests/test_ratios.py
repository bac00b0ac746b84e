"""Figures asked relative to something (rag/answer/ratios.py): per unit, and a share of what is named."""
from rag.answer.ratios import other_rates_dropped, per_unit_stated, relative_as_asked, share_of
from rag.text.normalize import normalize


def _figures(sentence, *figures):
    norm = normalize(sentence)
    return norm, [(norm.index(f), norm.index(f) + len(f)) for f in figures]


def test_a_figure_per_unit_is_one_the_sentence_states_per_unit():
    norm, found = _figures("全区共划分网格1761个,配备1823名专兼职网格服务管理人员。", "1761个", "1823名")
    assert per_unit_stated(norm, found, "荣昌网格员人均管理几个网格?") == []
    norm, found = _figures("全区人均管理网格3个,共划分网格1761个。", "3个", "1761个")
    assert per_unit_stated(norm, found, "荣昌网格员人均管理几个网格?") == found[:1]
    norm, found = _figures("每名网格员管理网格2个。", "2个")
    assert per_unit_stated(norm, found, "荣昌平均每名网格员管理几个网格?") == found
    assert per_unit_stated(norm, found, "荣昌有多少个网格?") == found   # no figure per unit asked: all stay


def test_a_share_asked_is_not_a_rate_of_another_thing():
    norm, found = _figures("获得法学专业本科以上文凭的409人,实现培训率达100%,结案率为94.7%。", "100%", "94.7%")
    assert other_rates_dropped(norm, found, normalize("荣昌政法干警法学本科以上文凭的比例是多少?")) == []
    assert other_rates_dropped(norm, found, normalize("荣昌政法干警的培训比例是多少?")) == found[:1]
    norm, found = _figures("群众安全感保持在90%以上。", "90%以上")
    assert other_rates_dropped(norm, found, "荣昌群众安全感是多少?") == found   # no rate named before it


def test_both_checks_in_one_call():
    norm, found = _figures("人均培训率达100%。", "100%")
    assert relative_as_asked(norm, found, "荣昌人均文凭比例是多少?", share_unnamed=True) == []
    assert relative_as_asked(norm, found, "荣昌人均文凭比例是多少?", share_unnamed=False) == found


def test_the_thing_a_share_of_a_deed_is_of():
    assert share_of(normalize("张掖现实矛盾问题化解了百分之多少?")) == "问题"
    assert share_of(normalize("张掖化解的矛盾纠纷占摸排的比例是多少?")) == "纠纷"
    assert share_of(normalize("荣昌政法干警法学本科以上文凭的比例是多少?")) == ""   # no deed: a share of people
    norm, found = _figures("全市共摸排各类矛盾纠纷4156件、化解4082件,化解率达到98%以上。", "98%以上")
    assert relative_as_asked(norm, found, normalize("张掖现实矛盾问题化解了百分之多少?"), share_unnamed=True) == []
    assert relative_as_asked(norm, found, normalize("张掖矛盾纠纷化解了百分之多少?"), share_unnamed=True) == found
