import json

import numpy as np
import pytest

from rag.bench.corpus import make_corpus, noise_sigma, perturb, synthesize_vectors
from rag.ingest.chunking import SENTENCE_END
from rag.ingest.documents import Document
from rag.ingest.prepare import prepare
from rag.stores.base import IndexSettings

from helpers import BENCH

TEXT = "张掖市建成四级综治中心981个，“雪亮工程”监控探头4.2万余个。矛盾纠纷化解率达到98%！全市平安建设满意度持续提升；"


def test_perturbation_replaces_a_tenth_of_han_and_keeps_sentence_ends():
    rng = np.random.default_rng(0)
    alphabet = np.array([ord(c) for c in "国家人民政法"], dtype=np.uint32)
    copies = [perturb(TEXT * 20, rng, alphabet, np.full(6, 1 / 6)) for _ in range(5)]
    for copy in copies:
        assert len(copy) == len(TEXT * 20)
        changed = [a != b for a, b in zip(copy, TEXT * 20)]
        assert all(a == b for a, b in zip(copy, TEXT * 20) if not ("\u4e00" <= b <= "\u9fff"))
        assert 0.04 < sum(changed) / len(changed) < 0.12
        assert [c for c in copy if c in SENTENCE_END] == [c for c in TEXT * 20 if c in SENTENCE_END]


def test_noise_sigma_gives_the_target_cosine():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(2000, 384))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    noisy = v + rng.normal(0, noise_sigma(0.978, 384), v.shape)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    assert abs(np.sum(v * noisy, axis=1).mean() - 0.978) < 0.002


def test_corpus_reaches_the_size_and_copies_chunk_like_their_sources(seed_documents):
    # sources like the bench's: one paragraph each (a copy of a whole report may lose a furniture
    # line's pattern, 编辑： -> 编X：, and keep it as text)
    lines = [line for doc in seed_documents.values() for line in doc.text.splitlines() if len(line) > 80]
    sources = [Document(f"p{i}", "", line, "utf-8", str(i)) for i, line in enumerate(lines[:40])]
    settings = IndexSettings()
    base = prepare(sources, settings.chunking)
    base_counts = base.chunk_counts()
    per_source = np.array([base_counts[d.name] for d in sources])
    docs, origin, is_copy = make_corpus(sources, per_source, 600, seed=3)
    corpus = prepare(docs, settings.chunking)
    assert len(corpus.chunks) >= 600 and len(corpus.documents) == len(docs)
    assert sorted(d.name for d, c in zip(docs, is_copy) if not c) == sorted(d.name for d in sources)
    assert not all(is_copy[len(sources):]) and is_copy.sum() == len(docs) - len(sources)   # shuffled
    counts = corpus.chunk_counts()
    assert all(counts[d.name] == per_source[o] for d, o in zip(docs, origin))
    vectors = [np.eye(per_source[i], 8, dtype=np.float32) for i in range(len(sources))]
    synth = synthesize_vectors(vectors, {d.name: i for i, d in enumerate(sources)}, corpus, 0.01,
                               np.random.default_rng(3))
    assert np.allclose(np.linalg.norm(synth, axis=1), 1, atol=1e-5)
    copy_chunk = np.repeat(is_copy, [counts[d.name] for d in docs])
    expected = np.concatenate([vectors[o] for o in origin])
    assert np.array_equal(synth[~copy_chunk], expected[~copy_chunk])    # sources keep real vectors
    assert (np.sum(synth * expected, axis=1)[copy_chunk] > 0.9).all()   # copies stay near them


@pytest.mark.model
@pytest.mark.skipif(not (BENCH / "drcd_dev.json").is_file(), reason="bench sets not found")
def test_bench_search_end_to_end_with_the_real_embedder_and_peer(tmp_path, e5_small, capsys):
    """Both sizes cross the flat/IVF threshold (lowered here) and both sides answer."""
    import rag.bench.peer as peer
    import rag.bench.peer_bm25s as peer_bm25s
    from rag.cli import main
    if not (peer.available() and peer_bm25s.available()):
        pytest.skip(peer.INSTALL_HINT)
    code = main(["bench", "search", "--sizes", "1000,4000", "--flat-below", "3000", "--sources", "60",
                 "--questions", "12", "--peer-questions", "6", "--out", str(tmp_path), "--json"])
    assert code == 0
    result = json.loads((tmp_path / "bench-search.json").read_text())
    assert json.loads(capsys.readouterr().out) == result
    assert set(result["peers"]) == {"langchain", "bm25s_hnsw"}
    assert set(result["sizes"]) == set(result["peers"]["langchain"]) == set(result["peers"]["bm25s_hnsw"]) == \
        {"1000", "4000"}
    for size, ours in result["sizes"].items():
        assert ours["chunks"] >= int(size) and ours["ask_ms_p50"] > 0 and ours["rss_mb"] > 0
        assert {"normalize", "tokenize", "bm25", "embed_query", "dense", "fusion", "answer"} <= set(ours["stage_ms_p50"])
        for again in (ours["asked_again"], ours["optimized"]["asked_again"]):   # the second pass is timed alike
            assert 0 < again["retrieve_ms_p50"] < again["ask_ms_p50"] <= again["ask_ms_p95"]
            assert set(again["stage_ms_p50"]) == set(ours["stage_ms_p50"])
        assert 0.5 <= ours["hit@5"] <= ours["hit@5_any_copy"] and 0.9 <= ours["recall@10"] <= 1
        assert [v["kind"] for v in ours["vector_index"]] == ["flat" if size == "1000" else "ivf-sq8"]
        assert ours["segments"] == ours["optimized"]["segments"] == 1 and ours["build_rss_mb"] > 0
        assert ours["build_rss_curve"] and max(mb for _, mb in ours["build_rss_curve"]) <= ours["build_rss_mb"]
        assert 0 < ours["add_s"] and 0 < ours["delete_s"] and 30 <= ours["added_chunks"] <= 120
        for theirs in (result["peers"]["langchain"][size], result["peers"]["bm25s_hnsw"][size]):
            # the ratio is rounded to two decimals
            assert theirs["ratio"] == pytest.approx(theirs["ask_ms_p50"] / ours["ask_ms_p50"], abs=0.005 + 1e-9)
        assert 0.9 <= result["peers"]["bm25s_hnsw"][size]["recall@10"] <= 1
    assert (tmp_path / "bench-search.png").read_bytes()[:4] == b"\x89PNG"


def test_gold_counts_itself_and_its_copies():
    from rag.bench.common import gold_ranks, hit_rates
    assert gold_ranks("drcd-0001-02", ["drcd-0001-02~3", "x"]) == (False, True)
    assert gold_ranks("drcd-0001-02", ["drcd-0001-02", "x"]) == (True, True)
    assert gold_ranks("drcd-0001-02", ["drcd-0001-021", "drcd-0001-0"]) == (False, False)
    assert hit_rates([(True, True), (False, True), (False, False), (False, False)]) == \
        {"hit@5": 0.25, "hit@5_any_copy": 0.5}


@pytest.mark.model
@pytest.mark.skipif(not (BENCH / "drcd_dev.json").is_file(), reason="bench sets not found")
def test_bench_search_builds_the_segments_asked_for(tmp_path, e5_small):
    """--segment-chunks sizes the streamed build's segments: a 4,000-chunk corpus in segments of
    about 1,000 is asked over several live segments, then merged into one."""
    from rag.cli import main
    code = main(["bench", "search", "--sizes", "4000", "--segment-chunks", "1000", "--sources", "60", "--no-peer",
                 "--questions", "6", "--out", str(tmp_path)])
    assert code == 0
    ours = json.loads((tmp_path / "bench-search.json").read_text())["sizes"]["4000"]
    assert ours["segments"] >= 3 and ours["optimized"]["segments"] == 1
    assert ours["ask_ms_p50"] > 0 and ours["hit@5"] >= 0.5
