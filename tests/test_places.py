"""The gazetteer: China's divisions with their hierarchy, found in text without mistaking
common words for places."""
from rag.text.normalize import normalize
from rag.text.places import gazetteer, short_form


def names(text, **kwargs):
    return [(m.place.name, m.full) for m in gazetteer().find(normalize(text), **kwargs)]


def test_hierarchy_of_the_seed_places():
    g = gazetteer()
    path = lambda name: [p.name for p in g.path(g.lookup(name)[0])]   # noqa: E731
    assert path("荣昌区") == ["重庆市", "荣昌区"]          # a district of a municipality
    assert path("通川区") == ["四川省", "达州市", "通川区"]  # a county belongs to its city
    assert path("张掖市") == ["甘肃省", "张掖市"]
    assert g.within(g.lookup("通川区")[0], g.lookup("四川省")[0])
    assert not g.within(g.lookup("荣昌区")[0], g.lookup("四川省")[0])


def test_short_forms():
    assert short_form("达州市") == "达州" and short_form("凉山彝族自治州") == "凉山"
    assert short_form("香港特别行政区") == "香港" and short_form("县") == "县"


def test_full_and_short_names_in_text_traditional_too():
    assert names("四川省达州市通川区的情况") == [("四川省", True), ("达州市", True), ("通川区", True)]
    assert names("張掖建成了多少個雪亮工程監控探頭?") == [("张掖市", False)]
    assert names("乐山和张掖分别有多少?") == [("乐山市", False), ("张掖市", False)]
    # jieba glues 比 to the short name after it (比达/州): a character comparing or joining, not a word
    assert names("荣昌比达州多多少名派出所所长?", rare_short_forms=True) == [("荣昌区", False), ("达州市", False)]


def test_common_words_are_not_places():
    assert names("重大安保工作") == []                  # 大安 (大安区) inside two words
    assert names("平安建设和新建项目", rare_short_forms=True) == []   # 平安区, 新建区: common words
    assert names("荣昌法治建设") == []                   # a county's short form needs a reason ...
    assert names("荣昌法治建设", rare_short_forms=True) == [("荣昌区", False)]   # ... a rare word is one
    assert names("荣昌区和荣昌的情况") == [("荣昌区", True), ("荣昌区", False)]   # ... its full name nearby another


def test_a_body_named_after_a_place_is_no_mention_of_it():
    assert names("四川法治报记者近日专访了乐山市委常委") == [("乐山市", True)]
    assert names("达州日报社和乐山师范学院的报道") == []
    assert names("甘肃省委政法委") == [("甘肃省", True)]   # the province's own committee is its


def test_a_city_written_before_its_district_of_the_same_character():
    # 乐山市中区 is 乐山's 市中区, not 乐山市 and 中区; written in full it is found the same
    g = gazetteer()
    assert [m.place.name for m in g.find("乐山市中区的满意度")] == ["乐山市", "市中区"]
    assert [m.place.name for m in g.find("乐山市市中区的满意度")] == ["乐山市", "市中区"]

