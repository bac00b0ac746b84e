import math

import numpy as np
from rank_bm25 import BM25Okapi

from rag.stores.base import BM25Params
from rag.stores.local.bm25 import build_bm25, score, top_k
from rag.text.normalize import normalize
from rag.text.tokens import bigram_tokens


def test_hand_worked_two_documents():
    docs = [["a", "b"], ["b", "b", "c", "d"], ["e"]]
    index = build_bm25(docs, BM25Params(k1=1.5, b=0.75, epsilon=0.25))
    # idf(a) = ln((3 - 1 + .5) / (1 + .5)); doc 0 has length 2, avgdl = 7/3
    idf_a = math.log(2.5 / 1.5)
    expected = idf_a * 1 * 2.5 / (1 + 1.5 * (1 - 0.75 + 0.75 * 2 / (7 / 3)))
    assert np.isclose(score(index, ["a"])[0], expected, rtol=1e-6)
    assert score(index, ["zzz"]).tolist() == [0, 0, 0]


def test_matches_rank_bm25_on_seed_chunks(hashing_index):
    index, _ = hashing_index
    corpus = [bigram_tokens(normalize(c.search_text)) for c in index.chunks]
    reference = BM25Okapi(corpus)
    ours = build_bm25(corpus)
    for question in ["雪亮工程监控探头", "张掖市综治中心981个", "乐山 平安建设 满意度", "社区矫正 再犯罪率 0.07%",
                     "政法队伍教育整顿", "矛盾纠纷化解率98%", "视频监控16535个", "扫黑除恶"]:
        q = bigram_tokens(normalize(question))
        expected = reference.get_scores(q)
        got = score(ours, q)
        assert np.allclose(got, expected, rtol=1e-5, atol=1e-5)
        # identical top-10: same scores in the same order (ties may swap equal-scored chunks)
        assert np.allclose(np.sort(expected)[::-1][:10], got[top_k(got, 10)], rtol=1e-5)


def test_top_k_orders_best_first_with_stable_ties():
    assert top_k(np.array([0.1, 0.5, 0.5, 0.9]), 3).tolist() == [3, 1, 2]
    assert top_k(np.array([]), 3).tolist() == []


def test_vectorized_build_equals_the_generic_one(hashing_index):
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import build_lexical
    index, _ = hashing_index
    chunks = list(index.chunks)
    generic = build_bm25([bigram_tokens(normalize(c.search_text)) for c in chunks])
    vectorized = build_lexical(chunks, IndexSettings(), batch=37)   # many batches, uneven last one
    for name in ("terms", "indptr", "doc_ids", "weights"):
        assert np.array_equal(getattr(generic, name), getattr(vectorized, name)), name


def test_matches_rank_bm25_on_thousands_of_bench_chunks():
    """The oracle at a size where rank-bm25's own statistics (idf floor, avgdl) matter."""
    import pytest

    from rag.ingest.prepare import prepare
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import build_lexical

    from helpers import BENCH
    if not (BENCH / "cmrc2018_dev.json").is_file():
        pytest.skip("bench sets not found")
    docs, questions = load_squad(BENCH / "cmrc2018_dev.json")
    chunks = prepare(docs, IndexSettings().chunking).chunks
    assert len(chunks) > 3000
    reference = BM25Okapi([bigram_tokens(normalize(c.search_text)) for c in chunks])
    ours = build_lexical(chunks, IndexSettings())
    for q in questions[::80][:40]:
        tokens = bigram_tokens(normalize(q.question))
        expected, got = reference.get_scores(tokens), score(ours, tokens)
        assert np.allclose(got, expected, rtol=1e-4, atol=1e-4)
        top = top_k(got, 10)
        assert set(top) == set(np.argsort(-expected, kind="stable")[:10]) or \
            np.allclose(np.sort(expected)[::-1][:10], expected[top], rtol=1e-5)
