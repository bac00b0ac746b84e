"""Cleaned documents as stored by both stores: a JSON row per document (its origin map as
runs, or apart in an array), and the lazy name -> document mapping each store's
documents are (loaded when a citation needs one, kept in a small LRU cache)."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

import numpy as np

from rag.ingest.clean import CleanDocument, Paragraph, Removal
from rag.ingest.documents import Document
from rag.ingest.subject import Subject
from rag.ingest.tables import TableCell, TableRow


def document_row(doc: CleanDocument, origin_apart: bool = False) -> dict:
    """A document as JSON. Its origin map goes into the row as runs, (cleaned offset, original
    offset) where a jump starts, unless it is stored apart (the local store's origins.npy)."""
    d = doc.document
    row = {
        "name": d.name, "path": d.path, "encoding": d.encoding, "sha256": d.sha256, "text": d.text,
        "clean_text": doc.text, "heading_lines": list(d.heading_lines), "page_starts": list(d.page_starts),
        "title": d.title, "date": d.date, "dropped": list(d.dropped),
        "paragraphs": [[p.number, p.start, p.end, p.heading] for p in doc.paragraphs],
        "removals": [[r.kind, r.start, r.end, r.text] for r in doc.removals],
        "table_rows": [[t.table, t.label, t.start, t.end, [[c.header, c.value, c.start, c.end] for c in t.cells]]
                       for t in d.table_rows],
        "ocr_pages": list(d.ocr_pages), "unsure": list(d.unsure),
        "subject": {"places": list(doc.subject.places), "path": list(doc.subject.path), "body": doc.subject.body,
                    "years": list(doc.subject.years), "source": doc.subject.source},
    }
    if not origin_apart:
        origin = np.asarray(doc.origin, dtype=np.int64)
        starts = np.flatnonzero(np.diff(origin, prepend=-2) != 1)
        row["origin_runs"] = np.stack([starts, origin[starts]], axis=1).tolist()
    return row


def origin_from_runs(runs, n: int) -> np.ndarray:
    runs = np.asarray(runs, dtype=np.int64).reshape(-1, 2)
    if n and (len(runs) == 0 or runs[0, 0] != 0 or (np.diff(runs[:, 0]) <= 0).any() or runs[-1, 0] >= n):
        raise ValueError("origin runs do not cover the document")
    lengths = np.diff(np.append(runs[:, 0], n))
    return np.repeat(runs[:, 1] - runs[:, 0], lengths) + np.arange(n, dtype=np.int64)


def document_from_row(row: dict, origin: np.ndarray | None = None) -> CleanDocument:
    """The inverse of ``document_row``; ``origin`` when it was stored apart from the row."""
    doc = Document(row["name"], row["path"], row["text"], row["encoding"], row["sha256"],
                   tuple(row["heading_lines"]), tuple(row["page_starts"]), row["title"], row["date"],
                   tuple(row["dropped"]), table_rows=tuple(
                       TableRow(t, label, start, end, tuple(TableCell(*c) for c in cells))
                       for t, label, start, end, cells in row.get("table_rows", ())),   # none before tables were read
                   ocr_pages=tuple(row.get("ocr_pages", ())), unsure=tuple(row.get("unsure", ())))
    n = len(row["clean_text"])
    if origin is None:
        origin = origin_from_runs(row["origin_runs"], n)
    if len(origin) != n:
        raise ValueError("origin map shorter than the document")
    s = row["subject"]
    subject = Subject(tuple(s["places"]), tuple(s["path"]), s["body"], tuple(s["years"]), s["source"])
    return CleanDocument(doc, row["clean_text"], origin, tuple(Paragraph(*p) for p in row["paragraphs"]),
                         tuple(Removal(*r) for r in row["removals"]), subject)


class LazyDocuments(Mapping):
    """name -> CleanDocument, loaded (``_load``) when first asked for and kept in a small LRU
    cache; ``names`` lists them in index order. Both stores' documents are one of these."""

    CACHE = 512

    def __init__(self, names: list[str]):
        self.names = names
        self._known = set(names)
        self._cache: OrderedDict[str, CleanDocument] = OrderedDict()

    def _load(self, name: str) -> CleanDocument:
        raise NotImplementedError

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self):
        return iter(self.names)

    def __contains__(self, name) -> bool:
        return name in self._known

    def __getitem__(self, name: str) -> CleanDocument:
        if name not in self._known:
            raise KeyError(name)
        if name in self._cache:
            self._cache.move_to_end(name)
            return self._cache[name]
        doc = self._cache[name] = self._load(name)
        if len(self._cache) > self.CACHE:
            self._cache.popitem(last=False)
        return doc
