"""Documents cleaned and chunked: what every store is built from."""
from __future__ import annotations

from dataclasses import dataclass, replace

from rag.errors import DocumentError
from rag.ingest.chunking import Chunk, ChunkSettings, chunk_document
from rag.ingest.clean import CleanDocument, clean
from rag.ingest.subject import detect_subject


@dataclass(frozen=True)
class Prepared:
    """Cleaned documents and their chunks, with the files that failed and the duplicates skipped."""
    documents: dict[str, CleanDocument]
    chunks: list[Chunk]
    failures: tuple[DocumentError, ...]
    duplicates: tuple[tuple[str, str], ...]   # (name not indexed, name indexed) of identical files

    def chunk_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.documents, 0)
        for chunk in self.chunks:
            counts[chunk.doc] += 1
        return counts


def prepare(documents, chunking: ChunkSettings, failures=(), indexed=None) -> Prepared:
    """Clean and chunk ``documents``. Identical files are indexed once, under the first name
    (``indexed``: sha256 -> name of files an index already holds); a file with nothing left
    after cleaning becomes a failure naming it."""
    cleaned, chunks, failures, first_by_hash, duplicates = {}, [], list(failures), dict(indexed or {}), []
    for doc in documents:
        if doc.sha256 in first_by_hash:
            duplicates.append((doc.name, first_by_hash[doc.sha256]))
            continue
        cdoc = clean(doc)
        if not cdoc.paragraphs:
            failures.append(DocumentError(doc.path, "nothing left after cleaning: the file holds only page "
                                          "furniture or advertising"))
            continue
        first_by_hash[doc.sha256] = doc.name
        cdoc = replace(cdoc, subject=detect_subject(cdoc.text, [p.start for p in cdoc.paragraphs],
                                                    doc.date or cdoc.dateline, doc.meta))
        cleaned[doc.name] = cdoc
        chunks.extend(chunk_document(cdoc, chunking, first_id=len(chunks)))
    return Prepared(cleaned, chunks, tuple(failures), tuple(duplicates))
