import json

import numpy as np
import pytest

from rag.stores.local.storage import ArrayFile, ChunkTable, DocumentStore, write_documents


def test_array_file_reads_like_the_loaded_array(tmp_path):
    data = np.arange(60, dtype=np.float32).reshape(20, 3)
    np.save(tmp_path / "a.npy", data)
    f = ArrayFile(tmp_path / "a.npy")
    assert f.shape == (20, 3) and len(f) == 20
    assert np.array_equal(f[5:9], data[5:9]) and np.array_equal(f[0:20], data)
    assert np.array_equal(f[[7, 2, 19]], data[[7, 2, 19]]) and np.array_equal(f[3], data[3])
    for rows in ([3, 3, 4, 9, 8, 0], [], [19]):   # repeated, descending, empty: as numpy indexes
        assert np.array_equal(f[rows], data[rows])
    assert len(f[25:30]) == 0


def test_prefetching_asks_the_kernel_for_the_rows_about_to_be_read(tmp_path, monkeypatch):
    """ArrayFile.prefetch is POSIX_FADV_WILLNEED over the rows' bytes (a cold-cache 1M ask took
    0.6x the time, README); BM25 asks it for every query term's postings in each segment, once."""
    import os

    from rag.stores.local import bm25, storage
    if storage._WILLNEED is None:
        pytest.skip("no posix_fadvise here")
    data = np.arange(60, dtype=np.float32).reshape(20, 3)
    np.save(tmp_path / "a.npy", data)
    f = ArrayFile(tmp_path / "a.npy")
    asked = []
    monkeypatch.setattr(os, "posix_fadvise", lambda fd, offset, length, advice: asked.append((offset, length, advice)))
    f.prefetch(4, 9)
    f.prefetch(9, 9)   # nothing to ask
    start = f._data_start
    assert asked == [(start + 4 * 12, 5 * 12, os.POSIX_FADV_WILLNEED)]
    asked.clear()
    assert np.array_equal(f[[7, 2]], data[[7, 2]])   # scattered rows: each asked before any is read
    assert asked == [(start + 7 * 12, 12, os.POSIX_FADV_WILLNEED), (start + 2 * 12, 12, os.POSIX_FADV_WILLNEED)]
    asked.clear()
    assert np.array_equal(f[np.arange(3, 8)], data[3:8])   # consecutive rows: one run, asked and read once
    assert asked == [(start + 3 * 12, 5 * 12, os.POSIX_FADV_WILLNEED)]

    def refused(*_):
        raise OSError(22, "Invalid argument")

    monkeypatch.setattr(os, "posix_fadvise", refused)   # a file system that refuses the hint reads as before
    assert np.array_equal(f[[7, 2]], data[[7, 2]])

    ranges = []

    class Recording:
        def __init__(self, name):
            self.name = name

        def prefetch(self, a, b):
            ranges.append((self.name, a, b))

    postings = bm25.Postings(np.array([3, 8, 11]), np.array([0, 2, 7, 9]), Recording("docs"), Recording("tfs"),
                             np.zeros(4, np.int32))
    bm25._prefetch(postings, np.array([2, -1, 0]))   # terms 11 and 3; -1: a query term the segment lacks
    assert ranges == [("docs", 7, 9), ("tfs", 7, 9), ("docs", 0, 2), ("tfs", 0, 2)]


def test_array_file_refuses_pickles_and_truncation(tmp_path):
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match="numeric"):
        ArrayFile(tmp_path / "objects.npy")
    np.save(tmp_path / "t.npy", np.zeros(1000, np.int32))
    raw = (tmp_path / "t.npy").read_bytes()
    (tmp_path / "t.npy").write_bytes(raw[:-100])
    with pytest.raises(ValueError, match="truncated"):
        ArrayFile(tmp_path / "t.npy")


def test_documents_and_chunks_round_trip(tmp_path, hashing_index):
    index, _ = hashing_index
    index = index.segments[0]
    write_documents(tmp_path, index.documents)
    index.chunks.save(tmp_path)
    store = DocumentStore(tmp_path, list(index.documents))
    assert list(store) == list(index.documents) and len(store) == 5 and "nope.txt" not in store
    for name, doc in index.documents.items():
        loaded = store[name]
        assert loaded.text == doc.text and loaded.paragraphs == doc.paragraphs
        assert np.array_equal(loaded.origin, doc.origin) and loaded.document == doc.document
    table = ChunkTable.load(tmp_path, store)
    assert list(table) == list(index.chunks)
    assert table.counts_by_doc() == {name: sum(c.doc == name for c in index.chunks) for name in index.documents}
    # each chunk's text is its document's, and lies inside the paragraphs it names
    for chunk in table:
        doc = store[chunk.doc]
        paras = [p for p in doc.paragraphs if chunk.paragraph_start <= p.number <= chunk.paragraph_end]
        assert paras[0].start <= chunk.start and chunk.end <= paras[-1].end


def test_chunk_columns_naming_missing_documents_are_refused(hashing_index):
    index = hashing_index[0].segments[0]
    columns = index.chunks.columns.copy()
    columns[0, 0] = 99
    with pytest.raises(ValueError, match="lacks"):
        ChunkTable(columns, index.chunks.sections, index.chunks.doc_names, index.documents)


def test_origin_runs_round_trip():
    from rag.stores.documents import origin_from_runs

    assert origin_from_runs([[0, 0], [3, 5], [5, 10]], 6).tolist() == [0, 1, 2, 5, 6, 10]
    with pytest.raises(ValueError):
        origin_from_runs([[1, 0]], 3)   # runs must start at the first character


def test_documents_round_trip_through_json_rows(cleaned_seeds):
    from rag.stores.documents import document_from_row, document_row

    for doc in cleaned_seeds.values():
        row = json.loads(json.dumps(document_row(doc), ensure_ascii=False))
        back = document_from_row(row)
        assert back.text == doc.text and np.array_equal(back.origin, doc.origin)
        assert back.paragraphs == doc.paragraphs and back.removals == doc.removals
        assert len(row["origin_runs"]) < len(doc.origin) / 10   # a run per jump, not an offset per character
