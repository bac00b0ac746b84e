import numpy as np
import pytest

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
        with pytest.raises(QueryError, match="empty"):
            searcher.search(bad)
    with pytest.raises(QueryError, match="limit"):
        searcher.search("问" * 5000)
    assert searcher.search("😀😀", "bm25").hits  # no terms: still answers, with zero scores


def test_every_stage_of_a_query_is_timed(hashing_index):
    result = Searcher(*hashing_index).search("张掖市建成了多少个四级综治中心?", "hybrid", k=5)
    assert set(result.timings_ms) == {"normalize", "tokenize", "bm25", "bm25_top_k", "embed_query", "dense", "fusion"}
    assert all(ms >= 0 for ms in result.timings_ms.values())
