"""Segments: after adds, changes and deletes, and after merging, the local index ranks
exactly as a fresh one-segment build of the same documents (bench paragraphs and questions)."""
import dataclasses

import numpy as np
import pytest

from rag.answer.retrieve import Searcher
from rag.embed.backends import HashingEmbedder
from rag.ingest.squad import load_squad
from rag.stores.base import IndexSettings
from rag.stores.local.commit import add_local, merge_local, open_local, remove_local, sync_local
from rag.stores.local.index import build_from_documents
from rag.stores.local.merge import MergePolicy, allowed_segments, find_merge
from rag.stores.local.store import LocalStore

from helpers import BENCH, index_debris


@pytest.fixture(scope="module")
def bench_sample():
    if not (BENCH / "cmrc2018_dev.json").is_file():
        pytest.skip("bench sets not found")
    docs, questions = load_squad(BENCH / "cmrc2018_dev.json")
    docs = docs[:320]
    names = {d.name for d in docs}
    return docs, [q for q in questions if q.doc in names][::4][:60]


def _ranking(store, embedder, questions, mode):
    searcher = Searcher(store, embedder)
    return [[(h.chunk.doc, h.chunk.start, round(h.score, 5)) for h in searcher.search(q.question, mode, k=10).hits]
            for q in questions]


def _assert_ranks_as_fresh(store, embedder, questions):
    live = [store.documents[name].document for name in store.documents]
    fresh = LocalStore(build_from_documents(live, embedder)[0])
    assert len(fresh.chunks) == len(store.chunks)
    for mode in ("hybrid", "bm25", "dense"):
        assert _ranking(store, embedder, questions, mode) == _ranking(fresh, embedder, questions, mode), mode


def _changed(doc):
    text = doc.text.replace("的", "之", 3) + "\n本段经过修订。"
    return dataclasses.replace(doc, text=text, sha256=f"{int(doc.sha256, 16) ^ 1:064x}")


def test_adds_changes_and_deletes_rank_as_a_fresh_build(tmp_path, bench_sample):
    docs, questions = bench_sample
    embedder, root = HashingEmbedder(256), tmp_path / "ix"
    keep_all = MergePolicy(segments_per_tier=100, floor_chunks=1)
    store, report = sync_local(root, docs[:150], embedder, IndexSettings(), segment_chunks=40, policy=keep_all)
    assert len(store.index.segments) > 1 and report.changes is None
    store, _ = add_local(store, docs[150:250], embedder)                     # a new segment
    store, _ = add_local(store, [_changed(d) for d in docs[5:15]], embedder)  # tombstone + new segment
    store, _ = remove_local(store, [d.name for d in docs[100:120] + docs[160:170]], embedder)
    store, _ = add_local(store, docs[250:320], embedder)
    store = open_local(root, embedder)   # as another process reads it
    assert any(store.index.deleted) and len(store.index.segments) >= 3
    assert "本段经过修订" in store.documents[docs[7].name].text
    _assert_ranks_as_fresh(store, embedder, questions)

    merged = merge_local(store, embedder, everything=True)
    assert len(merged.index.segments) == 1 and not any(merged.index.deleted)
    assert not index_debris(root)
    merged = open_local(root, embedder)
    _assert_ranks_as_fresh(merged, embedder, questions)
    # the merge wrote what a fresh build of the live documents writes
    fresh = build_from_documents([merged.documents[n].document for n in merged.documents], embedder)[0]
    for name in ("terms", "indptr", "doc_ids", "tfs", "lengths"):
        ours, theirs = getattr(merged.index.segments[0].postings, name), getattr(fresh.segments[0].postings, name)
        assert np.array_equal(ours[0:len(ours)], theirs), name
    assert list(merged.chunks) == list(fresh.chunks)
    for name in list(merged.documents)[::25]:
        assert np.array_equal(merged.documents[name].origin, fresh.documents[name].origin)


def test_sync_adds_only_what_changed_and_tombstones_what_is_gone(tmp_path, bench_sample):
    docs, _ = bench_sample
    embedder, root = HashingEmbedder(64), tmp_path / "ix"
    keep_all = MergePolicy(segments_per_tier=100, floor_chunks=1)
    store, first = sync_local(root, docs[:60], embedder, IndexSettings(), policy=keep_all)
    segments = {s.name for s in store.index.segments}
    store, report = sync_local(root, docs[5:59] + [_changed(docs[59])] + docs[60:70], embedder, IndexSettings(),
                               policy=keep_all)
    assert report.changes == (10, 1, 5)
    assert report.embedded < first.embedded / 3   # only the new and the changed documents' chunks
    assert segments & {s.name for s in store.index.segments}   # the first segment is kept, not rewritten
    assert set(store.documents) == {d.name for d in docs[5:70]}


def test_the_tiered_policy_merges_small_even_segments_and_keeps_large_ones():
    policy = MergePolicy(segments_per_tier=4, max_merge_at_once=4, floor_chunks=100, max_segment_chunks=100_000)
    assert allowed_segments([1000] * 4, policy) == 4 and find_merge([1000] * 4, [1000] * 4, policy) == ()
    # more even segments than two tiers hold (4 of 1000, 1 of 4000): the policy merges four of them
    assert allowed_segments([1000] * 8, policy) == 5 and len(find_merge([1000] * 8, [1000] * 8, policy)) == 4
    # one large segment and small uploads: the small ones merge, the large one is left alone
    live = [60_000] + [50] * 30
    merge = find_merge(live, live, policy)
    assert merge and 0 not in merge
    # many tombstones: the segment is rewritten alone
    assert find_merge([1000, 500], [1000, 1000], policy) == (1,)


def test_a_served_index_keeps_answering_through_a_background_merge(tmp_path, bench_sample):
    """The page merges after an upload in a thread; questions are answered from the live
    commit meanwhile, and the merged store replaces it when it is committed."""
    from rag.answer.extract import ask
    from rag.ui.state import AppState, merge_in_background
    docs, questions = bench_sample
    embedder, root = HashingEmbedder(64), tmp_path / "ix"
    keep_all = MergePolicy(segments_per_tier=100, floor_chunks=1)
    store, _ = sync_local(root, docs, embedder, IndexSettings(), segment_chunks=15, policy=keep_all)
    assert len(store.index.segments) >= 10
    state = AppState(Searcher(store, embedder), root)
    merging = merge_in_background(state)
    answered = []
    while merging.is_alive():
        answered.append(ask(state.refresh(), questions[len(answered) % len(questions)].question).answered)
    merging.join()
    assert answered and len(state.refresh().store.index.segments) == 1 and not index_debris(root)
    assert merge_in_background(state).join() is None   # nothing left to merge: the thread ends at once
    assert sorted(state.refresh().store.documents) == sorted(d.name for d in docs)


def test_ivf_segments_pool_their_candidates_and_find_the_exact_neighbours(tmp_path, bench_sample, monkeypatch):
    """Segments large enough for IVF each propose candidates; the best of all are re-scored
    once, and the result is (nearly always) the exact nearest neighbours."""
    import rag.stores.plan
    from rag.stores.local.store import nearest
    monkeypatch.setattr(rag.stores.plan, "FLAT_BELOW", 10)
    docs, questions = bench_sample
    embedder, keep_all = HashingEmbedder(256), MergePolicy(segments_per_tier=100, floor_chunks=1)
    store, _ = sync_local(tmp_path / "ix", docs, embedder, IndexSettings(), segment_chunks=100, policy=keep_all)
    index = store.index
    assert len(index.segments) >= 3 and all(s.dense.plan.kind == "ivf-sq8" for s in index.segments)
    everything = index.vector(np.arange(sum(len(s) for s in index.segments)))
    found = []
    for q in questions:
        vector = embedder.embed_queries([q.question])[0].astype(np.float32)
        ids, cosines = nearest(index, vector, 10)
        truth = np.argsort(-(everything @ vector), kind="stable")[:10]
        assert np.allclose(cosines, everything[ids] @ vector, atol=1e-5)   # exact cosines, best first
        assert (np.diff(cosines) <= 1e-6).all()
        found.append(len(set(ids.tolist()) & set(truth.tolist())) / 10)
    assert np.mean(found) >= 0.9, np.mean(found)
