"""Taiwan's words for the mainland's, read the reports' way (rag.text.regional)."""
import opencc

from rag.answer.retrieve import Searcher
from rag.text.normalize import convert_script, normalize
from rag.text.regional import in_mainland_words, mainland_words, taiwan_phrases


def test_the_table_is_opencc_tw2sp_on_its_words():
    pairs = dict(taiwan_phrases())
    assert pairs["影片"] == "视频" and pairs["简讯"] == "短信" and pairs["透过"] == "通过"
    tw2sp = opencc.OpenCC("tw2sp")   # the oracle: OpenCC's own Taiwan-to-mainland conversion
    for taiwan in ("影片", "简讯", "资讯", "透过", "网际网路"):
        assert normalize(tw2sp.convert(convert_script(taiwan, "traditional"))) == pairs[taiwan]


def test_only_words_the_reports_never_write_and_whose_mainland_word_they_do():
    texts = [normalize("建成视频监控16535个,协调通信营运商推送平安建设公益短信800余万条。"),
             normalize("按序列号登记,开通绿色通道。")]
    pairs = dict(mainland_words(texts))
    assert pairs["影片"] == "视频" and pairs["简讯"] == "短信"
    assert "序列" not in pairs and "通道" not in pairs   # the reports write them: mainland words too
    assert "网际网路" not in pairs                         # nor do they write 互联网


def test_a_question_keeps_its_script():
    pairs = (("影片", "视频"), ("简讯", "短信"))
    assert in_mainland_words("榮昌建成了多少個影片監控?", pairs) == "榮昌建成了多少個視頻監控?"
    assert in_mainland_words("達州推送了多少條公益簡訊?", pairs) == "達州推送了多少條公益短信?"
    assert in_mainland_words("張掖建成了多少個綜治中心?", pairs) == "張掖建成了多少個綜治中心?"


def test_a_traditional_question_of_mainland_reports_is_asked_in_their_words(hashing_index):
    searcher = Searcher(*hashing_index)
    retrieval = searcher.search("榮昌建成了多少個影片監控?", "bm25")
    assert retrieval.question == "榮昌建成了多少個視頻監控?"
    assert "16535" in retrieval.hits[0].chunk.text
    # a Simplified question is the asker's own words, whatever they are
    assert searcher.search("荣昌建成了多少个影片监控?", "bm25").question == "荣昌建成了多少个影片监控?"


def test_a_store_of_traditional_reports_reads_the_question_as_asked(hashing_index, tmp_path):
    import shutil

    from helpers import SEEDS
    from rag.stores.local.index import build_index
    folder = tmp_path / "zhangye"
    folder.mkdir()
    shutil.copy(SEEDS / "003_609a4863e0b5e6ba.txt", folder)
    traditional, _ = build_index([folder], hashing_index[1], cache_dir=tmp_path / "cache")
    assert Searcher(traditional, hashing_index[1]).search("張掖匯聚聯網影片資源多少路?", "bm25").question == \
        "張掖匯聚聯網影片資源多少路?"
