import math

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from rag.stores.base import BM25Params
from rag.stores.local.bm25 import build_bm25, score, top_k
from rag.text.normalize import normalize
from rag.text.tokens import bigram_tokens


def test_hand_worked_two_documents():
    docs = [["a", "b"], ["b", "b", "c", "d"], ["e"]]
    params = BM25Params(k1=1.5, b=0.75, epsilon=0.25)
    index = build_bm25(docs)
    # idf(a) = ln((3 - 1 + .5) / (1 + .5)); doc 0 has length 2, avgdl = 7/3
    idf_a = math.log(2.5 / 1.5)
    expected = idf_a * 1 * 2.5 / (1 + 1.5 * (1 - 0.75 + 0.75 * 2 / (7 / 3)))
    assert np.isclose(score(index, ["a"], params=params)[0], expected, rtol=1e-6)
    assert score(index, ["zzz"], params=params).tolist() == [0, 0, 0]


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
    # ties at the k-th place: the lowest indices, whatever argpartition picked
    assert top_k(np.array([1.0] * 50 + [2.0]), 3).tolist() == [50, 0, 1]


@pytest.mark.parametrize("prune_from", [0, None])
def test_pruned_best_chunks_equal_scoring_every_posting(monkeypatch, prune_from):
    """MaxScore over several segments with tombstones gives the exact k best, ties and scores
    to the bit, and the ids fusion asks for; and it does prune on bench questions (made to
    prune at this size; by default it does not, the postings being short)."""
    from rag.stores.local import bm25

    from rag.ingest.prepare import prepare
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.local.bm25 import CorpusStats, best_chunks, length_norm, query_terms, score_terms
    from rag.stores.local.segment import build_lexical

    from helpers import BENCH
    if not (BENCH / "cmrc2018_dev.json").is_file():
        pytest.skip("bench sets not found")
    if prune_from is not None:
        monkeypatch.setattr(bm25, "PRUNE_FROM", prune_from)
    docs, questions = load_squad(BENCH / "cmrc2018_dev.json")
    chunks = prepare(docs, IndexSettings().chunking).chunks
    cuts = [0, len(chunks) // 2, len(chunks) * 5 // 6, len(chunks)]
    parts = [build_lexical(chunks[a:b], IndexSettings()) for a, b in zip(cuts, cuts[1:])]
    stats = CorpusStats.summed([(p.terms, p.doc_freq(), p.n_docs, int(p.lengths.sum()), 1) for p in parts])
    params = BM25Params()
    rng = np.random.default_rng(0)
    lives = [None, rng.random(parts[1].n_docs) > 0.2, rng.random(parts[2].n_docs) > 0.5]
    norm = length_norm(np.concatenate([p.lengths for p in parts]), stats, params)
    live = np.concatenate([np.ones(p.n_docs, bool) if m is None else m for p, m in zip(parts, lives)])
    pruned = 0
    for q in questions[::40][:60]:
        keys, counts = query_terms(bigram_tokens(normalize(q.question)))
        weights = stats.idf(keys, params.epsilon) * counts
        everything = np.concatenate([score_terms(p, keys, weights, params, norm[a:b])
                                     for p, a, b in zip(parts, cuts, cuts[1:])])
        everything[~live] = -np.inf
        for k in (10, 50):
            keep = np.sort(rng.choice(np.flatnonzero(live), 15, replace=False))
            ids, scores = best_chunks(list(zip(parts, cuts)), norm, live, keys, weights, params, k, keep)
            expected = top_k(everything, k)
            assert ids[top_k(scores, k)].tolist() == expected.tolist()
            assert np.array_equal(scores[top_k(scores, k)], everything[expected])   # bit for bit
            assert np.array_equal(scores[np.searchsorted(ids, keep)], everything[keep])
            assert live[ids].all()
            pruned += len(ids) < int((everything > 0).sum())
    if prune_from is None:
        assert pruned == 0
    else:
        assert pruned > 30   # most questions leave chunks unscored


def test_vectorized_build_equals_the_generic_one(hashing_index):
    from rag.stores.base import IndexSettings
    from rag.stores.local.segment import build_lexical
    index, _ = hashing_index
    chunks = list(index.chunks)
    generic = build_bm25([bigram_tokens(normalize(c.search_text)) for c in chunks])
    vectorized = build_lexical(chunks, IndexSettings(), batch=37)   # many batches, uneven last one
    for name in ("terms", "indptr", "doc_ids", "tfs", "lengths"):
        assert np.array_equal(getattr(generic, name), getattr(vectorized, name)), name


def test_matches_rank_bm25_on_thousands_of_bench_chunks():
    """The oracle at a size where rank-bm25's own statistics (idf floor, avgdl) matter."""
    import pytest

    from rag.ingest.prepare import prepare
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.local.segment import build_lexical

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


def test_statistics_summed_over_segments_equal_one_corpus(hashing_index):
    """Segments scored with summed statistics, less a tombstoned part, give rank-bm25's scores
    over the live chunks (the oracle), segment by segment."""
    from rag.stores.local.bm25 import CorpusStats, length_norm, query_terms, score_terms
    index, _ = hashing_index
    corpus = [bigram_tokens(normalize(c.search_text)) for c in index.chunks]
    first, second, dropped = corpus[:50], corpus[50:], corpus[10:20]
    live = first[:10] + first[20:] + second
    parts = [build_bm25(first), build_bm25(second)]
    gone = build_bm25(dropped)
    stats = CorpusStats.summed([(p.terms, p.doc_freq(), p.n_docs, int(p.lengths.sum()), 1) for p in parts]
                               + [(gone.terms, gone.doc_freq(), gone.n_docs, int(gone.lengths.sum()), -1)])
    incremental = CorpusStats.summed([(parts[0].terms, parts[0].doc_freq(), parts[0].n_docs,
                                       int(parts[0].lengths.sum()), 1)])
    incremental = incremental.changed(parts[1].terms, parts[1].doc_freq(), parts[1].n_docs,
                                      int(parts[1].lengths.sum()), 1)
    incremental = incremental.changed(gone.terms, gone.doc_freq(), gone.n_docs, int(gone.lengths.sum()), -1)
    for a, b in ((stats.terms, incremental.terms), (stats.df, incremental.df)):
        assert np.array_equal(a, b)
    assert (stats.n_docs, stats.total_length, stats.mean_idf) == \
        (incremental.n_docs, incremental.total_length, incremental.mean_idf)
    reference = BM25Okapi(live)
    params = BM25Params()
    for question in ["雪亮工程监控探头", "张掖市综治中心981个", "社区矫正 再犯罪率 0.07%", "的"]:
        keys, counts = query_terms(bigram_tokens(normalize(question)))
        weights = stats.idf(keys, params.epsilon) * counts
        got = [score_terms(p, keys, weights, params, length_norm(p.lengths, stats, params)) for p in parts]
        got = np.concatenate([got[0][:10], got[0][20:], got[1]])
        assert np.allclose(got, reference.get_scores(bigram_tokens(normalize(question))), rtol=1e-5, atol=1e-5)
