"""Every write to a local index folder, under its writer lock: adding documents (a new
segment), deleting them (tombstones), making the folder hold exactly a set of files
(streamed into segments of bounded size), and merging segments. Each ends in one atomic
commit (rag/stores/local/folder.py) and returns the store as committed."""
from __future__ import annotations

import shutil
import time
from dataclasses import replace
from pathlib import Path

from rag.embed.base import revision_of
from rag.errors import NothingToIndexError, RagError, storage_error
from rag.stores.base import BuildReport, IndexSettings
from rag.stores.local.folder import (
    begin_segment,
    check_compatible,
    current_build,
    finish_segment,
    index_exists,
    index_lock,
    load_index,
    load_segment,
    publish,
    read_manifest,
    remove_unpublished,
    save_index,
    write_segment,
)
from rag.stores.local.index import add_documents, assemble, embedded_by, with_segment, without_documents
from rag.stores.local.merge import MergePolicy, find_merge, merge_into
from rag.stores.local.segment import build_segment
from rag.stores.local.store import LocalStore

SEGMENT_CHUNKS = 100_000   # about how many chunks a streamed build puts in one segment


def open_local(root: Path, embedder=None) -> LocalStore:
    """The published index in the folder ``root``, checked against ``embedder``."""
    build = current_build(root)   # read first: a commit in between only makes the store look stale
    return LocalStore(load_index(root, embedder=embedder), root, build)


def is_stale(store: LocalStore) -> bool:
    """Whether another process committed to the store's folder since it was read."""
    return store.root is not None and current_build(store.root) != store.build


def _latest(store: LocalStore, embedder) -> LocalStore:
    return open_local(store.root, embedder) if is_stale(store) else store


def add_local(store: LocalStore, documents, embedder, cache_dir=None, progress=None, writer: str = "rag serve",
              wait_s: float = 30.0) -> tuple[LocalStore, BuildReport]:
    """``documents`` indexed too, in one new segment (a same-named one is replaced), committed.
    In a folder the write holds its lock and starts from the latest commit, not from
    ``store``'s copy: a report another process added meanwhile is kept."""
    if store.root is None:
        index, report = add_documents(store.index, documents, embedder, cache_dir, progress)
        return LocalStore(index), report
    with index_lock(store.root, wait_s, writer):
        remove_unpublished(store.root)
        index, report = add_documents(_latest(store, embedder).index, documents, embedder, cache_dir, progress)
        index = save_index(index, store.root)
        return LocalStore(index, store.root, current_build(store.root)), report


def remove_local(store: LocalStore, names, embedder, wait_s: float = 30.0) -> tuple[LocalStore, BuildReport]:
    """The documents ``names`` tombstoned, committed."""
    started = time.perf_counter()
    if store.root is None:
        index = without_documents(store.index, names)
        return LocalStore(index), BuildReport(len(index.documents), index.live_count, 0, (), 0.0)
    with index_lock(store.root, wait_s, "rag remove"):
        remove_unpublished(store.root)
        index = save_index(without_documents(_latest(store, embedder).index, names), store.root)
        return LocalStore(index, store.root, current_build(store.root)), BuildReport(
            len(index.documents), index.live_count, 0, (), time.perf_counter() - started)


def _batches(documents, max_chars: int):
    """Documents in runs of about ``max_chars`` characters of text: one segment each."""
    batch, chars = [], 0
    for doc in documents:
        batch.append(doc)
        chars += len(doc.text)
        if chars >= max_chars:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def sync_local(root: Path, documents, embedder, settings: IndexSettings, rebuild: bool = False, progress=None,
               failures=(), wait_s: float = 0.0, segment_chunks: int = SEGMENT_CHUNKS,
               policy: MergePolicy = MergePolicy(), vectors_for=None, flat_below: int | None = None
               ) -> tuple[LocalStore, BuildReport]:
    """Make the index folder ``root`` hold exactly ``documents`` (an iterable, read once), under
    its writer lock: new and changed files go into new segments written as the documents
    stream in (about ``segment_chunks`` chunks each, so memory holds one segment's worth),
    missing ones are tombstoned, and all of it is committed at once; then segments are merged
    as the merge policy says. ``failures`` may be a list the iterable fills as it reads;
    ``vectors_for`` and ``flat_below`` stand in for embedding and the vector plan's threshold
    (``rag bench search``, see segment.build_segment)."""
    root = Path(root)
    started = time.perf_counter()
    with index_lock(root, wait_s):
        remove_unpublished(root)
        if index_exists(root) and not rebuild:
            _, manifest = read_manifest(root)
            check_compatible(manifest, settings, embedder, root)
            index = load_index(root, embedder)
            old = index.hashes()
            old.update((name, old.get(first)) for name, first in index.duplicates)
        else:
            index, old = assemble(settings, embedder.name, embedder.dim, [], [],
                                  embedder_revision=revision_of(embedder)), None
        previous = old or {}
        seen, processed, stages, embedded = set(), set(), {}, 0
        problems, duplicates = [], []
        vectors_for = vectors_for or embedded_by(embedder, root / "cache", progress)
        try:
            for batch in _batches(documents, segment_chunks * settings.chunking.target_chars):
                seen.update(d.name for d in batch)
                todo = [d for d in batch if previous.get(d.name) != d.sha256]
                if not todo:
                    continue
                names = {d.name for d in todo}
                processed |= names
                indexed = {sha: name for name, sha in index.hashes().items() if name not in names}
                segment, prepared, times, count = build_segment(todo, settings, vectors_for, flat_below=flat_below,
                                                                indexed=indexed)
                problems.extend(prepared.failures)
                duplicates.extend(prepared.duplicates)
                embedded += count
                for stage, seconds in times.items():
                    stages[stage] = stages.get(stage, 0.0) + seconds
                gone = names - set(segment.documents)
                if prepared.documents:
                    name = write_segment(segment, root, embedder.dim)
                    del segment, prepared   # memory holds one segment at a time: the rest is read from disk
                    index = with_segment(index, load_segment(root, name, embedder.dim), replaces=gone)
                elif gone & set(index.documents):
                    index = without_documents(index, gone)
            index = without_documents(index, set(index.documents) - seen) if old is not None else index
            kept = tuple((a, b) for a, b in index.duplicates if a in seen and a not in processed and b in index.documents)
            index = replace(index, built_at=time.strftime("%Y-%m-%dT%H:%M:%S"), duplicates=kept + tuple(duplicates))
            if not index.documents:
                raise NothingToIndexError([*failures, *problems], f"{root} was left unchanged")
            index = save_index(index, root)
        except OSError as exc:
            raise storage_error(exc, f"the index in {root}", "the index there was left as it was") from exc
        finally:
            remove_unpublished(root)   # after a failure: the segments written but not committed
        store = LocalStore(index, root, current_build(root))
    notes = ()
    try:
        store = merge_local(store, embedder, policy) or store
    except RagError as exc:   # the sync is committed; the next write merges again
        notes = (f"merging segments stopped ({exc}); the index is committed and complete, only less compact",)
    new = store.index.hashes()
    new.update((name, new.get(first)) for name, first in store.index.duplicates)
    changes = None if old is None else (sum(n not in previous for n in new),
                                        sum(n in previous and previous[n] != h for n, h in new.items()),
                                        sum(n not in new for n in previous))
    return store, BuildReport(len(store.documents), store.index.live_count, embedded, (*failures, *problems),
                              time.perf_counter() - started, store.index.duplicates, stages, changes, notes)


def merge_local(store: LocalStore, embedder, policy: MergePolicy = MergePolicy(), everything: bool = False,
                wait_s: float = 60.0) -> LocalStore | None:
    """Merge the folder's segments while the policy finds merges (``everything``: into one,
    tombstones dropped, as ``rag index --optimize``); the store as last committed, or None
    when nothing was merged. Each merge is written beside the live commit without the
    writer lock, so queries and other writers go on; only its commit takes the lock, and a
    merge whose segments another merge took meanwhile is dropped."""
    merged = None
    while True:
        snapshot = _latest(merged or store, embedder)
        index = snapshot.index
        if everything:
            positions = tuple(range(len(index.segments))) if len(index.segments) > 1 or any(index.deleted) else ()
        else:
            positions = find_merge([int(len(s) if m is None else m.sum()) for s, m in zip(index.segments, index.live)],
                                   [len(s) for s in index.segments], policy)
        if not positions:
            return merged
        result = _merge_once(snapshot, positions, embedder, wait_s)
        if result is None:
            return merged
        merged = result


def _merge_once(snapshot: LocalStore, positions, embedder, wait_s: float) -> LocalStore | None:
    root, index = snapshot.root, snapshot.index
    folder = None
    try:
        folder = begin_segment(root)
        finish_segment(folder, merge_into(folder, [(index.segments[i], index.deleted[i]) for i in positions],
                                          index.dim))
        merged = load_segment(root, folder.name, index.dim)
    except (OSError, ValueError, RagError) as exc:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, OSError):
            raise storage_error(exc, f"a merge of the index in {root}", "the index there was left as it was") from exc
        raise
    names = [index.segments[i].name for i in positions]
    committed = False
    try:
        with index_lock(root, wait_s, "rag merge"):
            latest = _latest(snapshot, embedder).index
            where = {s.name: i for i, s in enumerate(latest.segments)}
            if not all(n in where for n in names):   # another merge took some of them
                return None
            # documents deleted from the merged segments while the merge ran stay deleted
            since = frozenset().union(*(latest.deleted[where[n]] - index.deleted[i] for n, i in zip(names, positions)))
            first = min(where[n] for n in names)
            segments, deleted = [], []
            for i, (seg, gone) in enumerate(zip(latest.segments, latest.deleted)):
                if i == first:
                    segments.append(merged)
                    deleted.append(since)
                elif seg.name not in names:
                    segments.append(seg)
                    deleted.append(gone)
            new = replace(latest, segments=tuple(segments), deleted=tuple(deleted),
                          last_merge=time.strftime("%Y-%m-%dT%H:%M:%S"))
            publish(new, root)
            committed = True
            remove_unpublished(root)
            return LocalStore(new, root, current_build(root))
    except OSError as exc:
        raise storage_error(exc, f"a merge of the index in {root}", "the index there was left as it was") from exc
    finally:
        if not committed:
            shutil.rmtree(folder, ignore_errors=True)
