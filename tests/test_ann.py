import numpy as np
import pytest

from rag.stores.local.ann import build_vector_search, load_vector_search, save_vector_search
from rag.stores.plan import VectorPlan, plan_for, segment_probe


def _unit(rng, n, dim=32):
    x = rng.normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_plan_by_size():
    assert plan_for(49_999).kind == "flat"
    plan = plan_for(1_000_000)
    assert (plan.kind, plan.lists, plan.probe, plan.rescore) == ("ivf-sq8", 1000, 100, 300)
    assert plan_for(100_000).probe == 64 and plan_for(50_000, flat_below=60_000).kind == "flat"


def test_segments_probe_their_share_of_what_one_index_would():
    whole = plan_for(1_000_000)
    assert segment_probe(whole, 1_000_000) == whole.probe   # one segment: its own plan
    part = plan_for(1_000_000 // 7)
    assert segment_probe(part, 1_000_000) == 38 < part.probe
    assert abs(38 / part.lists - whole.probe / whole.lists) < 0.005   # a tenth of the lists, as one index
    assert segment_probe(plan_for(100_000), 120_000) <= plan_for(100_000).probe


def test_a_probe_count_given_with_a_search_is_used():
    rng = np.random.default_rng(2)
    vectors, query = _unit(rng, 4000), _unit(rng, 1)[0]
    ivf = build_vector_search(vectors, VectorPlan("ivf-sq8", lists=64, probe=2, rescore=100))
    few, every = ivf.candidates(query, 100, probe=1)[1], ivf.candidates(query, 100, probe=64)[1]
    exact = np.argsort(-(vectors @ query))[:10]
    assert len(set(exact) & set(every)) == 10 > len(set(exact) & set(few))


def test_ivf_probing_every_list_is_exact_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    vectors, queries = _unit(rng, 4000), _unit(rng, 20)
    exact = build_vector_search(vectors, VectorPlan())
    ivf = build_vector_search(vectors, VectorPlan("ivf-sq8", lists=16, probe=16, rescore=200))
    for q in queries:
        e_scores, e_ids = exact.search(q, 10)
        a_scores, a_ids = ivf.search(q, 10)
        assert a_ids.tolist() == e_ids.tolist()
        assert np.allclose(a_scores, e_scores, atol=1e-5)   # re-scored exactly, not the 8-bit estimate
    save_vector_search(ivf, tmp_path)
    loaded = load_vector_search(tmp_path, ivf.plan, vectors, 32)
    assert loaded.search(queries[0], 10)[1].tolist() == ivf.search(queries[0], 10)[1].tolist()


def test_few_probes_trade_recall_for_speed_and_damage_is_caught(tmp_path):
    rng = np.random.default_rng(1)
    vectors, queries = _unit(rng, 4000), _unit(rng, 30)
    exact = build_vector_search(vectors, VectorPlan())
    ivf = build_vector_search(vectors, VectorPlan("ivf-sq8", lists=64, probe=2, rescore=100))
    recall = np.mean([len(set(exact.search(q, 10)[1]) & set(ivf.search(q, 10)[1])) / 10 for q in queries])
    assert 0 < recall < 1   # random vectors have no clusters: two of 64 lists miss most neighbours
    save_vector_search(ivf, tmp_path)
    (tmp_path / "vectors.ivf").write_bytes(b"not a faiss index")
    with pytest.raises((RuntimeError, ValueError)):
        load_vector_search(tmp_path, ivf.plan, vectors, 32)
