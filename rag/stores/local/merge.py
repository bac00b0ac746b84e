"""Merging segments: which to merge (a size-tiered policy after Lucene's TieredMergePolicy)
and the merge itself, streamed from the old segments' files into a new one so that memory
holds a block of postings or vectors at a time, never a whole segment. Tombstoned
documents are dropped on the way; the merged segment ranks exactly as its parts did.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.stores.local.ann import build_vector_search, save_vector_search
from rag.stores.local.segment import Segment
from rag.stores.local.storage import ArrayFile, CHUNK_COLUMNS
from rag.stores.plan import plan_for

POSTINGS_BLOCK = 4_000_000   # postings held at once while merging (~90 MB of temporaries)
VECTOR_BLOCK = 50_000


@dataclass(frozen=True)
class MergePolicy:
    """Lucene's TieredMergePolicy in chunks instead of bytes: the index may hold
    ``segments_per_tier`` segments per size tier (tiers ``max_merge_at_once`` times apart,
    from ``floor_chunks`` up); beyond that the most even-sized run of up to
    ``max_merge_at_once`` segments is merged. A segment past half of
    ``max_segment_chunks`` is merged no further, except alone to drop its tombstones once
    over ``deletes_allowed`` of its chunks are deleted."""
    segments_per_tier: int = 10
    max_merge_at_once: int = 10
    floor_chunks: int = 2_000
    max_segment_chunks: int = 5_000_000
    deletes_allowed: float = 0.2


def allowed_segments(live: list[int], policy: MergePolicy) -> int:
    """How many segments an index of these live sizes may hold (Lucene's allowedSegCount)."""
    total = sum(live)
    level = max(min(live, default=0), policy.floor_chunks)
    allowed = 0
    while True:
        at_level = total / level
        if at_level < policy.segments_per_tier or level >= policy.max_segment_chunks:
            return allowed + math.ceil(at_level)
        allowed += policy.segments_per_tier
        total -= policy.segments_per_tier * level
        level = min(policy.max_segment_chunks, level * policy.max_merge_at_once)


def find_merge(live: list[int], sizes: list[int], policy: MergePolicy = MergePolicy()) -> tuple[int, ...]:
    """Positions of the segments to merge next (empty: none). ``live``: each segment's live
    chunks; ``sizes``: its chunks, tombstoned ones included."""
    if len(live) > allowed_segments(live, policy):
        eligible = sorted((i for i, n in enumerate(live) if n <= policy.max_segment_chunks // 2),
                          key=lambda i: (-live[i], i))
        best, best_score = (), math.inf
        for start in range(len(eligible)):
            run, total = [], 0
            for i in eligible[start:start + policy.max_merge_at_once]:
                if total + live[i] > policy.max_segment_chunks:
                    break
                run.append(i)
                total += live[i]
            if len(run) < 2:
                continue
            floored = [max(live[i], policy.floor_chunks) for i in run]
            skew = max(floored) / sum(floored)   # 1/len(run) for equal sizes: lower is better
            score = skew * total ** 0.05
            if score < best_score:
                best, best_score = tuple(sorted(run)), score
        if best:
            return best
    for i, (n, size) in enumerate(zip(live, sizes)):
        if size and (size - n) / size > policy.deletes_allowed:
            return (i,)
    return ()


def _npy_writer(path: Path, dtype, shape: tuple):
    """An open .npy file whose header says ``shape``; the caller writes the rows in order."""
    f = open(path, "wb")
    np.lib.format.write_array_header_1_0(f, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                             "fortran_order": False, "shape": shape})
    return f


def merge_into(folder: Path, parts: list[tuple[Segment, frozenset]], dim: int) -> dict:
    """Write the live documents of ``parts`` (segments with their tombstones), in order, as
    the segment in ``folder`` (made by folder.begin_segment); its manifest."""
    lives = [np.ones(len(s), bool) if not gone else ~np.isin(np.arange(len(s)), s.chunks.ids_of(gone))
             for s, gone in parts]
    new_ids, start = [], 0
    for live in lives:
        new_ids.append(np.where(live, start + np.cumsum(live) - 1, -1))
        start += int(live.sum())
    n_chunks = start
    hashes, built = _merge_documents(folder, parts), max(s.built_at for s, _ in parts)
    _merge_chunks(folder, parts, lives)
    n_terms, nnz = _merge_postings(folder, [s for s, _ in parts], lives, new_ids, n_chunks)
    plan = _merge_vectors(folder, [s for s, _ in parts], lives, n_chunks, dim)
    from rag.stores.local.folder import FORMAT_VERSION
    return {"format_version": FORMAT_VERSION, "built_at": built, "dim": dim, "vector_index": plan.to_json(),
            "counts": {"documents": len(hashes), "chunks": n_chunks, "terms": n_terms, "postings": nnz},
            "documents": [{"name": n, "sha256": h} for n, h in hashes.items()]}


def _merge_documents(folder: Path, parts) -> dict[str, str]:
    """documents.jsonl and origins copied line by line, unparsed; name -> sha256 of those kept."""
    hashes, offsets, starts = {}, [0], [0]
    with open(folder / "documents.jsonl", "wb") as docs, open(folder / "origins.raw", "wb") as origins:
        for segment, gone in parts:
            store = segment.documents
            for row, name in enumerate(store.names):
                if name in gone:
                    continue
                docs.write(store.raw(row))
                offsets.append(docs.tell())
                a, b = int(store.origin_starts[row]), int(store.origin_starts[row + 1])
                origins.write(store.origins[a:b].astype(np.int32).tobytes())
                starts.append(starts[-1] + b - a)
                hashes[name] = segment.hashes[name]
    np.save(folder / "documents.offsets.npy", np.asarray(offsets, dtype=np.int64))
    np.save(folder / "origins.starts.npy", np.asarray(starts, dtype=np.int64))
    with open(folder / "origins.raw", "rb") as raw, _npy_writer(folder / "origins.npy", np.int32, (starts[-1],)) as out:
        while block := raw.read(1 << 24):
            out.write(block)
    (folder / "origins.raw").unlink()
    return hashes


def _merge_chunks(folder: Path, parts, lives) -> None:
    sections: dict[str, int] = {}
    columns, doc_base = [], 0
    for (segment, gone), live in zip(parts, lives):
        table = segment.chunks
        kept_docs = np.array([name not in gone for name in table.doc_names], bool)
        doc_map = np.cumsum(kept_docs) - 1 + doc_base
        section_map = np.array([sections.setdefault(s, len(sections)) for s in table.sections], np.int32)
        rows = table.columns[live].copy()
        rows[:, 0] = doc_map[rows[:, 0]]
        rows[:, CHUNK_COLUMNS.index("section")] = section_map[rows[:, CHUNK_COLUMNS.index("section")]]
        columns.append(rows)
        doc_base += int(kept_docs.sum())
    np.save(folder / "chunks.npy", np.concatenate(columns).astype(np.int32))
    (folder / "sections.json").write_text(json.dumps(list(sections), ensure_ascii=False), encoding="utf-8")


def _merge_postings(folder: Path, segments, lives, new_ids, n_chunks: int) -> tuple[int, int]:
    """Postings term by term over the union of the segments' terms, a block of terms at a time."""
    terms = np.unique(np.concatenate([s.postings.terms for s in segments]))
    where = [np.searchsorted(terms, s.postings.terms) for s in segments]   # each segment's terms in the union
    estimate = np.zeros(len(terms), np.int64)
    for s, w in zip(segments, where):
        estimate[w] += s.postings.doc_freq()
    cuts = np.searchsorted(np.cumsum(estimate), np.arange(POSTINGS_BLOCK, int(estimate.sum()), POSTINGS_BLOCK))
    bounds = np.unique(np.concatenate([[0], cuts + 1, [len(terms)]]).clip(0, len(terms)))
    counts = np.zeros(len(terms), np.int64)
    docs_path, tfs_path = folder / "doc_ids.raw", folder / "tfs.raw"
    tf_dtype = np.result_type(*[s.postings.tfs.dtype for s in segments])
    with open(docs_path, "wb") as docs_out, open(tfs_path, "wb") as tfs_out:
        for g0, g1 in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            term_parts, doc_parts, tf_parts = [], [], []
            for s, w, live, ids in zip(segments, where, lives, new_ids):
                ra, rb = np.searchsorted(w, g0), np.searchsorted(w, g1)
                a, b = int(s.postings.indptr[ra]), int(s.postings.indptr[rb])
                if a == b:
                    continue
                docs, tfs = np.asarray(s.postings.doc_ids[a:b]), np.asarray(s.postings.tfs[a:b])
                term = np.repeat(w[ra:rb], np.diff(s.postings.indptr[ra:rb + 1]))
                keep = live[docs]
                term_parts.append(term[keep])
                doc_parts.append(ids[docs[keep]].astype(np.int32))
                tf_parts.append(tfs[keep])
            if not term_parts:
                continue
            term = np.concatenate(term_parts)
            order = np.argsort(term, kind="stable")   # segments in order: chunk ids stay ascending per term
            counts += np.bincount(term, minlength=len(terms))
            docs_out.write(np.concatenate(doc_parts)[order].tobytes())
            tfs_out.write(np.concatenate(tf_parts)[order].astype(tf_dtype).tobytes())
    keep = counts > 0   # a term only tombstoned chunks held
    nnz = int(counts.sum())
    np.save(folder / "bm25_terms.npy", terms[keep])
    np.save(folder / "bm25_indptr.npy", np.concatenate([[0], np.cumsum(counts[keep])]).astype(np.int64))
    for raw, name, dtype in ((docs_path, "doc_ids", np.int32), (tfs_path, "tfs", tf_dtype)):
        with open(raw, "rb") as f, _npy_writer(folder / f"bm25_{name}.npy", dtype, (nnz,)) as out:
            while block := f.read(1 << 24):
                out.write(block)
        raw.unlink()
    lengths = np.concatenate([s.postings.lengths[live] for s, live in zip(segments, lives)]).astype(np.int32)
    if len(lengths) != n_chunks:
        raise ValueError("merged lengths do not match the merged chunks")
    np.save(folder / "bm25_lengths.npy", lengths)
    return int(keep.sum()), nnz


def _merge_vectors(folder: Path, segments, lives, n_chunks: int, dim: int):
    with _npy_writer(folder / "vectors.npy", np.float32, (n_chunks, dim)) as out:
        for s, live in zip(segments, lives):
            for a in range(0, len(s), VECTOR_BLOCK):
                block = np.asarray(s.vectors[a:a + VECTOR_BLOCK], dtype=np.float32)
                out.write(np.ascontiguousarray(block[live[a:a + VECTOR_BLOCK]]).tobytes())
    plan = plan_for(n_chunks)
    if plan.kind != "flat":
        save_vector_search(build_vector_search(ArrayFile(folder / "vectors.npy"), plan), folder)
    return plan
