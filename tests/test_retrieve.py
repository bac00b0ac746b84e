import numpy as np
import pytest

from helpers import SEEDS
from rag.answer.retrieve import Searcher
from rag.errors import ConfigError, QueryError
from rag.stores.base import FusionSettings, fuse, minmax


def test_minmax_and_fuse_hand_worked():
    assert minmax(np.array([2.0, 4.0, 3.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([5.0, 5.0])).tolist() == [0.0, 0.0]
    bm25 = np.array([10.0, 0.0, 5.0])     # -> 1, 0, .5
    dense = np.array([0.80, 0.90, 0.85])  # -> 0, 1, .5
    assert np.allclose(fuse(bm25, dense, 0.3), [0.7, 0.3, 0.5])


def test_modes_return_ranked_hits(hashing_index):
    index, embedder = hashing_index
    searcher = Searcher(index, embedder)
    for mode in ("hybrid", "bm25", "dense"):
        result = searcher.search("雪亮工程监控探头", mode, k=5)
        assert len(result.hits) == 5
        scores = [h.score for h in result.hits]
        assert scores == sorted(scores, reverse=True)
    assert searcher.search("雪亮工程监控探头4.2万余个", "bm25", k=1).hits[0].chunk.doc.startswith("000")


def test_hybrid_uses_the_weight(hashing_index):
    index, embedder = hashing_index
    only_bm25 = Searcher(index, embedder, FusionSettings(dense_weight=0.0)).search("综治中心", "hybrid", k=5)
    bm25 = Searcher(index, embedder).search("综治中心", "bm25", k=5)
    assert [h.chunk.id for h in only_bm25.hits] == [h.chunk.id for h in bm25.hits]


def test_bad_queries_and_options_are_refused(hashing_index):
    searcher = Searcher(*hashing_index)
    with pytest.raises(ConfigError, match="hybrid, bm25, dense"):
        searcher.search("雪亮工程", "sparse")
    for bad in ["", "   \n", "\x00\x01"]:
        with pytest.raises(QueryError, match="问题为空"):
            searcher.search(bad)
    with pytest.raises(QueryError, match="超过上限 2000 字"):
        searcher.search("问" * 5000)
    assert searcher.search("😀😀", "bm25").hits  # no terms: still answers, with zero scores


def test_a_question_is_read_as_asked_without_greeting_and_spaces(hashing_index):
    searcher = Searcher(*hashing_index)
    for typed in ("您好，我想问一下，达州 防范化解风险点 多少个？谢谢", "达州防范化解风险点多少个？"):
        assert searcher.search(typed, "bm25").question == "达州防范化解风险点多少个？"


def test_every_stage_of_a_query_is_timed(hashing_index):
    result = Searcher(*hashing_index).search("张掖市建成了多少个四级综治中心?", "hybrid", k=5)
    assert set(result.timings_ms) == {"normalize", "tokenize", "bm25", "bm25_top_k", "embed_query", "dense", "fusion"}
    assert all(ms >= 0 for ms in result.timings_ms.values())


def test_a_filter_ranks_the_chosen_documents_as_the_whole_index_would(hashing_index):
    """Oracle: BM25 and dense scores are corpus-wide, so a filtered ranking is the full
    ranking with the other documents' chunks left out."""
    from rag.answer.retrieve import DocFilter, filter_documents
    index, embedder = hashing_index
    searcher = Searcher(index, embedder)
    only = filter_documents(searcher.store, DocFilter(places=("达州",)))
    assert only == {"000_e33b01bdb0cac963.txt", "002_20c1160605c0dde7.txt"}
    for mode in ("bm25", "dense"):
        full = searcher.search("雪亮工程建成了多少监控探头?", mode, 100).hits
        kept = [h.chunk.id for h in full if h.chunk.doc in only][:10]
        filtered = searcher.search("雪亮工程建成了多少监控探头?", mode, 10, only=only).hits
        assert [h.chunk.id for h in filtered] == kept, mode
        assert [round(h.score, 6) for h in filtered] == [round(h.score, 6) for h in full if h.chunk.id in kept]
    hybrid = searcher.search("雪亮工程建成了多少监控探头?", "hybrid", 5, only=only).hits
    assert hybrid and all(h.chunk.doc in only for h in hybrid)


def test_filters_by_place_level_year_and_name_and_what_they_refuse(hashing_index):
    from rag.answer.retrieve import DocFilter, filter_documents
    store = Searcher(*hashing_index).store
    assert filter_documents(store, DocFilter()) is None
    assert filter_documents(store, DocFilter(places=("重庆",))) == {"004_4876da0bb4d70e24.txt"}   # 荣昌区 is in 重庆
    assert filter_documents(store, DocFilter(places=("四川省",))) == {
        "000_e33b01bdb0cac963.txt", "001_bc630deb026c9c02.txt", "002_20c1160605c0dde7.txt"}
    assert filter_documents(store, DocFilter(places=("張掖",))) == {"003_609a4863e0b5e6ba.txt"}   # Traditional
    assert filter_documents(store, DocFilter(years=(2022,), places=("乐山",))) == {"001_bc630deb026c9c02.txt"}
    with pytest.raises(QueryError, match="没有关于 北京 的报告；报告涉及的地方：乐山市、张掖市、荣昌区、达州市"):
        filter_documents(store, DocFilter(places=("北京",)))
    with pytest.raises(QueryError, match="没有 2017 年的报告.*2022"):
        filter_documents(store, DocFilter(places=("乐山",), years=(2017,)))
    with pytest.raises(QueryError, match="没有名为 x.txt 的报告；已索引的报告：000_"):
        filter_documents(store, DocFilter(docs=("x.txt",)))


def test_a_passage_naming_the_quoted_term_joins_the_answer_pool(hashing_index):
    from rag.answer.retrieve import ANSWER_POOL, QUOTED_REACH
    searcher = Searcher(*hashing_index)
    # BM25 ranks the passages naming “三基” 6th and below for this question (no place named, so no
    # report's chunks go first); quoted, the first of them is brought into the last place of the
    # answer's pool, the others keeping their order
    plain = searcher.search("政法队伍建设三基取得了哪些成效?", "bm25", k=QUOTED_REACH).hits
    quoted = searcher.search("政法队伍建设“三基”取得了哪些成效?", "bm25", k=QUOTED_REACH).hits
    naming = [i for i, h in enumerate(plain) if "三基" in h.chunk.search_text]
    assert naming and naming[0] >= ANSWER_POOL
    assert quoted[ANSWER_POOL - 1] == plain[naming[0]]
    assert quoted[:ANSWER_POOL - 1] == plain[:ANSWER_POOL - 1]
    assert [h for h in quoted if h != plain[naming[0]]] == [h for h in plain if h != plain[naming[0]]]
    assert len(searcher.search("政法队伍建设“三基”取得了哪些成效?", "bm25", k=3).hits) == 3


def test_the_asked_places_report_fills_the_answer_pool(hashing_index):
    from rag.answer.retrieve import ANSWER_POOL
    searcher = Searcher(*hashing_index)
    # 张掖's paragraph on its 1807 grids ranks below 荣昌's grid paragraph; asked of 张掖, the pool
    # is 张掖's five best chunks, and 荣昌's, displaced, comes right after them
    wide = searcher.search("张掖有多少个网格?", "hybrid", k=20)
    asked = searcher.search("张掖有多少个网格?", "hybrid", k=5)
    zhangye = [h for h in wide.hits if h.chunk.doc.startswith("003")]
    assert list(asked.hits[:ANSWER_POOL]) == zhangye[:ANSWER_POOL]
    assert any("1807" in h.chunk.text for h in asked.hits[:ANSWER_POOL])
    others = [h for h in asked.hits[ANSWER_POOL:]]
    assert asked.displaced == len(others) and all(not h.chunk.doc.startswith("003") for h in others)
    # rag eval retrieves 10 and composes from the pool: the chunks it answers from are those rag ask gets
    assert searcher.search("张掖有多少个网格?", "hybrid", k=10).answer_hits(ANSWER_POOL) == asked.hits
    # a question naming no place is ranked as it was
    plain = searcher.search("有多少个网格?", "hybrid", k=5)
    assert plain.displaced == 0 and len(plain.hits) == 5


def test_the_place_asked_is_a_scope_not_a_word_to_find(hashing_index):
    # every chunk of 达州's reports is about 达州: the ones repeating its name (讲堂, 385模式) outranked
    # the one paragraph on its 探头 when 达州 was searched as a word
    hits = Searcher(*hashing_index).search("达州有多少个探头?", "bm25", k=5).hits
    assert "探头" in hits[0].chunk.text
    # where no report is about the place named, it is searched as a word: the paragraph naming it first
    assert "达川区" in Searcher(*hashing_index).search("达川区有多少个探头?", "bm25", k=5).hits[0].chunk.text


def test_a_traditional_question_is_embedded_in_the_script_of_most_reports(hashing_index, tmp_path):
    # the seeds: four reports in Simplified, 张掖's in Traditional; the embedder reads characters,
    # and 榮昌司法所小所配幾個人? fell under the decline's cosine where 荣昌…几个人? did not
    index, embedder = hashing_index
    asked = []

    class Recording:
        name, dim = embedder.name, embedder.dim
        embed_passages = embedder.embed_passages

        def embed_queries(self, texts):
            asked.extend(texts)
            return embedder.embed_queries(texts)

    searcher = Searcher(index, Recording())
    for question in ("榮昌司法所小所配幾個人?", "荣昌司法所小所配几个人?", "黄霑有哪些著名填词作品?"):
        searcher.search(question, "dense")
    assert asked == ["荣昌司法所小所配几个人?", "荣昌司法所小所配几个人?", "黄霑有哪些著名填词作品?"]
    # a store of Traditional reports (张掖's alone) reads the question as asked
    import shutil
    from rag.stores.local.index import build_index
    folder = tmp_path / "zhangye"
    folder.mkdir()
    shutil.copy(SEEDS / "003_609a4863e0b5e6ba.txt", folder)
    traditional, _ = build_index([folder], embedder, cache_dir=tmp_path / "cache")
    asked.clear()
    Searcher(traditional, Recording()).search("張掖建成了多少個綜治中心?", "dense")
    assert asked == ["張掖建成了多少個綜治中心?"]


def test_an_index_without_documents_declines(tmp_path):
    from rag.answer.extract import ask
    from rag.embed.backends import HashingEmbedder
    from rag.stores.local.index import build_index
    (tmp_path / "empty").mkdir()
    embedder = HashingEmbedder(64)
    index, _ = build_index([tmp_path / "empty"], embedder, cache_dir=tmp_path / "cache")
    answer = ask(Searcher(index, embedder), "达州建成了多少个雪亮工程监控探头?")   # raised IndexError in word_weights
    assert not answer.answered and not answer.citations
