"""The tables of a saved index, read lazily so that a million-chunk index opens in
seconds and stays small in memory.

- ``ArrayFile``: a ``.npy`` file whose rows are read with ``os.pread`` when asked for.
  Memory maps would do the same with less code, but every page they touch stays
  counted as resident, so a long-running server would creep up to the file's size.
- ``DocumentStore``: ``documents.jsonl`` with a byte offset per line; a document is
  parsed when a citation needs it (and kept in a small LRU cache).
- ``ChunkTable``: chunk spans as integer columns; a ``Chunk`` is made on demand,
  its text sliced from its document.
Nothing here unpickles: ``.npy`` headers are parsed with pickles refused.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from rag.errors import IndexError_
from rag.ingest.chunking import Chunk
from rag.ingest.clean import CleanDocument
from rag.stores.documents import LazyDocuments, document_from_row, document_row

# absent where the OS has no posix_fadvise (macOS, Windows): prefetching is then skipped
_WILLNEED = getattr(os, "POSIX_FADV_WILLNEED", None)

CHUNK_COLUMNS = ("doc", "paragraph_start", "paragraph_end", "start", "end", "orig_start", "orig_end", "section")


class ArrayFile:
    """Rows of a C-order ``.npy`` file, read on demand. Slicing and integer-array
    indexing return ordinary arrays, like indexing the loaded array would."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDONLY)  # kept open: a rebuild may delete the folder
        with open(self._fd, "rb", closefd=False) as f:
            version = np.lib.format.read_magic(f)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(f, max_header_size=10_000)
            self._data_start = f.tell()
        if fortran or dtype.hasobject:
            raise ValueError(f"{self.path.name}: not a plain C-order numeric array")
        self.shape, self.dtype = tuple(shape), dtype
        self._row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize
        expected = self._data_start + self._row_bytes * (shape[0] if shape else 1)
        if os.fstat(self._fd).st_size < expected:
            raise ValueError(f"{self.path.name}: truncated ({os.fstat(self._fd).st_size} of {expected} bytes)")

    def __len__(self) -> int:
        return self.shape[0]

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)

    def prefetch(self, start: int, stop: int) -> None:
        """Ask the kernel to read rows [start, stop) ahead (POSIX_FADV_WILLNEED): the reads
        that follow then find them in the page cache instead of waiting on the disk one by one."""
        if _WILLNEED is not None and stop > start:
            try:
                os.posix_fadvise(self._fd, self._data_start + start * self._row_bytes,
                                 (stop - start) * self._row_bytes, _WILLNEED)
            except OSError:   # a hint: a file system that refuses it is read as before
                pass

    def _read(self, start: int, stop: int) -> np.ndarray:
        count = max(stop - start, 0)
        raw = os.pread(self._fd, count * self._row_bytes, self._data_start + start * self._row_bytes)
        return np.frombuffer(raw, dtype=self.dtype).reshape((count,) + self.shape[1:])

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step != 1:
                raise ValueError("ArrayFile slices take step 1")
            return self._read(start, stop)
        if isinstance(key, (int, np.integer)):
            return self._read(int(key), int(key) + 1)[0]
        rows = np.asarray(key, dtype=np.int64)
        if not len(rows):
            return np.empty((0,) + self.shape[1:], dtype=self.dtype)
        # one read per run of consecutive rows, every run asked of the disk before any is read
        runs = [(int(run[0]), int(run[-1]) + 1) for run in np.split(rows, np.flatnonzero(np.diff(rows) != 1) + 1)]
        for start, stop in runs:
            self.prefetch(start, stop)
        return np.concatenate([self._read(start, stop) for start, stop in runs])


def load_array(path: Path) -> np.ndarray:
    return np.load(path, allow_pickle=False)


def write_documents(folder: Path, documents: Mapping[str, CleanDocument]) -> None:
    """documents.jsonl, its line offsets, and every document's origin map (int32) in origins.npy,
    document after document (a document's map is as long as its cleaned text)."""
    offsets, origins = [0], []
    with open(folder / "documents.jsonl", "wb") as f:
        for doc in documents.values():
            f.write((json.dumps(document_row(doc, origin_apart=True), ensure_ascii=False) + "\n").encode("utf-8"))
            offsets.append(f.tell())
            origins.append(np.asarray(doc.origin, dtype=np.int32))
    np.save(folder / "documents.offsets.npy", np.asarray(offsets, dtype=np.int64))
    np.save(folder / "origins.npy", np.concatenate(origins) if origins else np.zeros(0, np.int32))
    np.save(folder / "origins.starts.npy", np.cumsum([0] + [len(o) for o in origins]).astype(np.int64))


class DocumentStore(LazyDocuments):
    """name -> CleanDocument, parsed from ``documents.jsonl`` when first asked for."""

    def __init__(self, folder: Path, names: list[str]):
        super().__init__(names)
        self._rows = {name: i for i, name in enumerate(names)}
        self.offsets = load_array(folder / "documents.offsets.npy")
        self.origin_starts = load_array(folder / "origins.starts.npy")
        self.origins = ArrayFile(folder / "origins.npy")
        self._fd = os.open(folder / "documents.jsonl", os.O_RDONLY)
        if self.offsets.shape != (len(names) + 1,) or os.fstat(self._fd).st_size != self.offsets[-1]:
            raise ValueError("documents.jsonl does not match its offsets")
        if self.origin_starts.shape != (len(names) + 1,) or self.origin_starts[-1] != len(self.origins):
            raise ValueError("origins.npy does not match its starts")

    def __del__(self):
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)

    def raw(self, row: int) -> bytes:
        """Line ``row`` of documents.jsonl as stored (a merge copies it unparsed)."""
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return os.pread(self._fd, end - start, start)

    def _load(self, name: str) -> CleanDocument:
        row = self._rows[name]
        try:
            origin = self.origins[int(self.origin_starts[row]):int(self.origin_starts[row + 1])].astype(np.int64)
            return document_from_row(json.loads(self.raw(row).decode("utf-8")), origin)
        except (ValueError, KeyError, TypeError) as exc:
            raise IndexError_(f"the index entry of document '{name}' is damaged ({exc}); "
                              "rebuild it with: rag index --rebuild") from exc


class ChunkTable(Sequence):
    """Chunks as integer columns (see CHUNK_COLUMNS); ``table[i]`` is a ``Chunk``."""

    def __init__(self, columns: np.ndarray, sections: list[str], doc_names: list[str],
                 documents: Mapping[str, CleanDocument]):
        if columns.ndim != 2 or columns.shape[1] != len(CHUNK_COLUMNS):
            raise ValueError(f"chunk columns have shape {columns.shape}")
        if len(columns) and (columns[:, 0].max() >= len(doc_names) or columns[:, 7].max() >= len(sections)
                             or columns.min() < 0):
            raise ValueError("chunk columns name documents or sections the index lacks")
        self.columns, self.sections, self.doc_names, self.documents = columns, sections, doc_names, documents

    @classmethod
    def from_chunks(cls, chunks: Sequence[Chunk], documents: Mapping[str, CleanDocument]) -> "ChunkTable":
        doc_names = list(documents)
        doc_rows = {name: i for i, name in enumerate(doc_names)}
        section_ids: dict[str, int] = {}
        columns = np.array([(doc_rows[c.doc], c.paragraph_start, c.paragraph_end, c.start, c.end, c.orig_start,
                             c.orig_end, section_ids.setdefault(c.section, len(section_ids))) for c in chunks],
                           dtype=np.int32).reshape(len(chunks), len(CHUNK_COLUMNS))
        return cls(columns, list(section_ids), doc_names, documents)

    def __len__(self) -> int:
        return len(self.columns)

    def __getitem__(self, i):
        row = self.columns[i]
        name = self.doc_names[row[0]]
        start, end = int(row[3]), int(row[4])
        return Chunk(int(i) % len(self), name, self.sections[row[7]], int(row[1]), int(row[2]), start, end,
                     int(row[5]), int(row[6]), self.documents[name].text[start:end])

    def ids_of(self, names) -> np.ndarray:
        """Ids of the chunks of the documents ``names``, ascending."""
        rows = [i for i, name in enumerate(self.doc_names) if name in names]
        return np.flatnonzero(np.isin(self.columns[:, 0], rows))

    def counts_by_doc(self) -> dict[str, int]:
        counts = np.bincount(self.columns[:, 0], minlength=len(self.doc_names))
        return dict(zip(self.doc_names, counts.tolist()))

    def save(self, folder: Path) -> None:
        np.save(folder / "chunks.npy", self.columns)
        (folder / "sections.json").write_text(json.dumps(self.sections, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, documents: DocumentStore) -> "ChunkTable":
        sections = json.loads((folder / "sections.json").read_text(encoding="utf-8"))
        if not (isinstance(sections, list) and all(isinstance(s, str) for s in sections)):
            raise ValueError("sections.json is not a list of strings")
        return cls(load_array(folder / "chunks.npy"), sections, documents.names, documents)
