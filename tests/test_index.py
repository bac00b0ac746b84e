import json

import numpy as np
import pytest

from rag.embed.backends import HashingEmbedder
from rag.errors import IndexError_, IndexMismatchError
from rag.ingest.chunking import ChunkSettings
from rag.stores.base import IndexSettings
from rag.stores.local.folder import committed_documents, load_index, read_manifest, save_index
from rag.stores.local.index import build_index

from helpers import SEEDS


def test_round_trip(tmp_path, hashing_index):
    index, embedder = hashing_index
    save_index(index, tmp_path)
    loaded = load_index(tmp_path, embedder=embedder, settings=IndexSettings())
    assert list(loaded.chunks) == list(index.chunks)
    (stored_segment,), (built_segment,) = loaded.segments, index.segments
    assert np.array_equal(stored_segment.vectors[0:len(stored_segment)], built_segment.vectors)
    for name in ("terms", "indptr", "doc_ids", "tfs", "lengths"):
        stored, built = getattr(stored_segment.postings, name), getattr(built_segment.postings, name)
        assert np.array_equal(stored[0:len(stored)], built)
    assert np.array_equal(loaded.stats.df, index.stats.df) and loaded.stats.mean_idf == index.stats.mean_idf
    for name, doc in index.documents.items():
        assert loaded.documents[name].text == doc.text
        assert np.array_equal(loaded.documents[name].origin, doc.origin)
        assert loaded.documents[name].removals == doc.removals
    _, manifest = read_manifest(tmp_path)
    assert manifest["embedder"] == {"name": "hashing:256", "dim": 256}
    assert manifest["tokenizer"] == "bigram" and manifest["chunking"]["target_chars"] == ChunkSettings().target_chars
    documents = committed_documents(tmp_path, manifest)
    assert len(documents) == 5 and all(len(sha) == 64 for sha in documents.values())
    assert [s["deleted"] for s in manifest["segments"]] == [[]] and manifest["counts"]["segments"] == 1
    assert not list(tmp_path.rglob("*.pkl"))


def test_mismatched_setup_is_refused_with_the_fix(tmp_path, hashing_index):
    index, _ = hashing_index
    save_index(index, tmp_path)
    with pytest.raises(IndexMismatchError, match="rag index --rebuild"):
        load_index(tmp_path, embedder=HashingEmbedder(128))
    with pytest.raises(IndexMismatchError, match="rebuild"):
        load_index(tmp_path, settings=IndexSettings(ChunkSettings(target_chars=333)))


def test_missing_and_damaged_indexes(tmp_path, hashing_index):
    with pytest.raises(IndexError_, match="no index"):
        load_index(tmp_path / "nothing")
    index, _ = hashing_index
    build = tmp_path / save_index(index, tmp_path).segments[0].name
    (build / "chunks.npy").write_bytes(b"\x93NUMPY not an array")
    with pytest.raises(IndexError_, match="damaged"):
        load_index(tmp_path)


def test_an_interrupted_build_leaves_the_previous_index_live(tmp_path, hashing_index):
    index, _ = hashing_index
    save_index(index, tmp_path)
    half = tmp_path / "seg-unfinished"
    half.mkdir()
    (half / "manifest.json").write_text(json.dumps({"format_version": 2}), encoding="utf-8")
    assert len(load_index(tmp_path).chunks) == len(index.chunks)


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__(64)
        self.calls = 0

    def embed_passages(self, texts):
        self.calls += len(texts)
        return super().embed_passages(texts)


def test_embedding_cache_makes_rebuilds_free(tmp_path):
    embedder = CountingEmbedder()
    _, first = build_index([SEEDS], embedder, cache_dir=tmp_path)
    _, second = build_index([SEEDS], embedder, cache_dir=tmp_path)
    assert first.embedded == first.chunks == embedder.calls
    assert second.embedded == 0 and embedder.calls == first.chunks



def test_a_model_rebuilt_under_the_same_name_embeds_again(tmp_path):
    # e5-small-int8 was quantized again from a fused graph: its cached vectors were another model's
    embedder = CountingEmbedder()
    _, first = build_index([SEEDS], embedder, cache_dir=tmp_path)
    embedder.revision = "model-fused/model_int8.onnx"
    _, rebuilt = build_index([SEEDS], embedder, cache_dir=tmp_path)
    _, again = build_index([SEEDS], embedder, cache_dir=tmp_path)
    assert rebuilt.embedded == first.chunks and again.embedded == 0
    assert embedder.calls == 2 * first.chunks


def test_an_index_records_the_embedders_revision_and_refuses_another(tmp_path):
    from rag.cli import main
    embedder = HashingEmbedder(64)
    embedder.revision = "model-fused/model_int8.onnx"
    index, _ = build_index([SEEDS], embedder)
    save_index(index, tmp_path)
    assert read_manifest(tmp_path)[1]["embedder"] == {"name": "hashing:64", "dim": 64,
                                                      "revision": "model-fused/model_int8.onnx"}
    assert load_index(tmp_path, embedder=embedder).embedder_revision == "model-fused/model_int8.onnx"
    rebuilt = HashingEmbedder(64)
    rebuilt.revision = "model-unfused/model_int8.onnx"
    with pytest.raises(IndexMismatchError, match="model-unfused/model_int8.onnx"):
        load_index(tmp_path, embedder=rebuilt)
    # the revision survives adds and deletes (one commit after another)
    assert main(["remove", "000_e33b01bdb0cac963.txt", "--index", str(tmp_path)]) == 0
    assert read_manifest(tmp_path)[1]["embedder"]["revision"] == "model-fused/model_int8.onnx"

def test_large_indexes_get_an_approximate_vector_index_recorded_in_the_manifest(tmp_path, hashing_index,
                                                                                monkeypatch):
    import rag.stores.plan
    from rag.answer.retrieve import Searcher
    monkeypatch.setattr(rag.stores.plan, "FLAT_BELOW", 10)   # the seeds' 119 chunks count as large here
    embedder = HashingEmbedder(256)
    index, _ = build_index([SEEDS], embedder)
    assert index.segments[0].dense.plan.kind == "ivf-sq8"
    saved = save_index(index, tmp_path)
    manifest = json.loads((tmp_path / saved.segments[0].name / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["vector_index"] == {"kind": "ivf-sq8", "lists": 11, "probe": 64, "rescore": 300}
    loaded = load_index(tmp_path, embedder=embedder)
    question = "雪亮工程监控探头"
    assert [h.chunk.id for h in Searcher(loaded, embedder).search(question, "dense").hits] == \
        [h.chunk.id for h in Searcher(hashing_index[0], embedder).search(question, "dense").hits]


def test_damaged_arrays_are_reported_with_the_fix(tmp_path, hashing_index):
    index, _ = hashing_index
    build = tmp_path / save_index(index, tmp_path).segments[0].name
    raw = (build / "vectors.npy").read_bytes()
    (build / "vectors.npy").write_bytes(raw[:len(raw) // 2])
    with pytest.raises(IndexError_, match="damaged.*rebuild"):
        load_index(tmp_path)


def test_a_loaded_index_keeps_answering_after_a_rebuild_deletes_its_folder(tmp_path, hashing_index):
    """The page holds a loaded index while rag index replaces it: every file read lazily
    (documents, origins, postings, vectors) is opened at load, so deleting it is harmless."""
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    index, embedder = hashing_index
    first = tmp_path / save_index(index, tmp_path).segments[0].name
    searcher = Searcher(load_index(tmp_path, embedder=embedder), embedder)
    save_index(index, tmp_path)
    assert not first.exists()
    answer = ask(searcher, "张掖市建成了多少个四级综治中心?")
    assert answer.answered and "981" in answer.answer and answer.citations[0].doc.startswith("003")
