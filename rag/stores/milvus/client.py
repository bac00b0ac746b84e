"""The Milvus store's connection and manifest: the same chunks, vectors and BM25 search in Milvus (2.5+ server or
cluster, or Milvus Lite embedded in this process), for archives that outgrow one machine.

Three collections per store:
- ``<name>``: one row per chunk: its BM25 terms (``search_text``: the local store's tokens of
  the normalized text, space-separated), the original-script text and its spans for display,
  document, content hash, paragraphs, section, the dense vector, and the sparse BM25 vector
  that Milvus's BM25 function derives from ``search_text``;
- ``<name>_documents``: each cleaned document as JSON in parts, for citations (the paragraph,
  the original-file span, the PDF page), and its content hash for incremental updates;
- ``<name>_terms``: how many chunks hold each term, kept by every update, for the
  answer's word weights (Milvus keeps BM25 statistics but does not expose them).
What built the store (embedder, chunking, tokenizer, vector index plan) is recorded in the
chunk collection's description and its ``rag.manifest`` property (Milvus Lite 3 keeps only
properties, milvus-lite 2.5 only the description), and checked when the store is opened.
BM25 sees the same tokens as the local store's, and hybrid mode fuses a BM25 and a dense
search here as the local store does (store.py), so the two stores rank alike.
Engines: Milvus 2.5+ servers, Milvus Lite 3 (Python) and milvus-lite 2.5 (Milvus 2.5's C++ engine).
Searching: rag/stores/milvus/store.py; building and updating: rag/stores/milvus/sync.py.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from contextlib import contextmanager
from pathlib import Path

from rag.errors import ConfigError, IndexError_, IndexLockedError, IndexMismatchError, IndexMissingError
from rag.ingest.chunking import ChunkSettings
from rag.paths import milvus_credentials
from rag.stores.base import BM25Params, IndexSettings, StoreSpec, embedder_problems, records_embedder

FORMAT = "rag-reports milvus store"
FORMAT_VERSION = 3   # 2: documents carry their subject; 3: BM25 over this library's tokens, not Milvus's jieba
MANIFEST_PROPERTY = "rag.manifest"
# Both engines' standard tokenizer keeps a space-separated run of letters and digits (Han
# included) whole, so BM25 sees exactly our tokens (bm25_terms); Milvus Lite 3 has no
# whitespace tokenizer. Milvus's jieba analyzer ranked 2-3 points of hit@1 below the bigrams.
ANALYZER = {"tokenizer": "standard"}
VARCHAR_MAX = 65535            # bytes, Milvus's limit for one VARCHAR value
TERM_MAX = 64                  # longer tokens (URLs, long Latin runs) are not counted: too rare to weigh
DF_CACHE = 100_000             # tokens whose frequency a store object remembers (an update makes a new one)
CHUNK_FIELDS = ["doc", "section", "paragraph_start", "paragraph_end", "start", "end", "orig_start", "orig_end",
                "text"]


def pymilvus_module():
    try:
        import pymilvus
    except ImportError as exc:
        raise ConfigError("the Milvus store needs pymilvus (and milvus-lite for milvus:FILE.db): "
                          "pip install 'rag-reports[milvus]'") from exc
    # pymilvus logs every failed call with a traceback, Milvus Lite a failed start, and its in-process
    # gRPC server each call it does not implement (query iterators ask for a timestamp); the errors
    # we raise say it all
    # (pymilvus 2.5-2.6 give their client's logger its own level, so it is named too)
    for name in ("pymilvus", "pymilvus.milvus_client", "milvus_lite", "grpc._server"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    return pymilvus


@contextmanager
def milvus_errors(spec: StoreSpec, doing: str):
    """pymilvus exceptions -> the library's errors, naming the store and what failed."""
    pymilvus = pymilvus_module()
    try:
        yield
    except pymilvus.MilvusException as exc:
        message = getattr(exc, "message", str(exc))
        raise IndexError_(f"{spec}: Milvus failed while {doing}: {message}") from exc


def connect(spec: StoreSpec):
    """A client for the store at ``spec`` (Milvus Lite in process, or a server); one-line errors."""
    pymilvus = pymilvus_module()
    # asked first: milvus-lite 2.5, failing to start on a held file, deletes the holder's lock file
    if spec.lite and _held_elsewhere(Path(spec.location)):
        raise _locked(spec)
    try:
        if spec.lite:
            Path(spec.location).parent.mkdir(parents=True, exist_ok=True)
            with _root_logger_quiet():
                # pymilvus pings every 10 s; Milvus Lite's in-process server allows one ping per 5 minutes
                # and answers more with GOAWAY ("too_many_pings" on stderr, then a reconnect)
                return pymilvus.MilvusClient(spec.location, grpc_options={"grpc.keepalive_time_ms": 600_000})
        credentials = milvus_credentials()
        return pymilvus.MilvusClient(uri=spec.location, user=credentials.user, password=credentials.password,
                                     token=credentials.token, timeout=30)
    # Milvus Lite failing to start in this process raises OSError or RuntimeError (milvus-lite 2.5)
    except (pymilvus.MilvusException, OSError, RuntimeError, ImportError) as exc:
        if spec.lite and _held_elsewhere(Path(spec.location)):
            raise _locked(spec) from exc
        if isinstance(exc, pymilvus.MilvusException):
            raise IndexError_(f"cannot open the Milvus store {spec}: {getattr(exc, 'message', exc)}. For a server, "
                              "check that it runs (README: docker compose) and MILVUS_USER/MILVUS_PASSWORD or "
                              "MILVUS_TOKEN") from exc
        raise IndexError_(f"cannot open the Milvus store {spec}: {exc}") from exc


def _locked(spec: StoreSpec) -> IndexLockedError:
    return IndexLockedError(f"{spec}: the data folder is open in another process (Milvus Lite allows one process "
                            "per data folder; stop the other one or use a Milvus server)")


@contextmanager
def _root_logger_quiet():
    """milvus-lite 2.5 logs a failed start on the root logger; the error raised says it in one line."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        root.setLevel(level)


def _held_elsewhere(db: Path) -> bool:
    """Whether another process holds Milvus Lite's lock on ``db``: Milvus Lite 3 flocks LOCK in
    its data folder, milvus-lite 2.5 lockfs ``.NAME.lock`` beside its data file. Read from
    /proc/locks rather than by trying the lock: closing any descriptor of a file drops this
    process's own POSIX locks on it, and milvus-lite 2.5's server stops when its lock goes."""
    files = set()
    for lock_file in (db / "LOCK", db.parent / f".{db.name}.lock"):
        try:
            st = lock_file.stat()
        except OSError:   # that engine does not hold this store
            continue
        files.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
    try:
        locks = Path("/proc/locks").read_text().splitlines() if files else []
    except OSError:
        return False
    for line in locks:
        fields = line.split()   # "1: POSIX  ADVISORY  WRITE 4242 fe:00:2171190 0 EOF"; waiters carry "->"
        try:
            pid, (major, minor, inode) = int(fields[4]), fields[5].split(":")
            held = (int(major, 16), int(minor, 16), int(inode))
        except (IndexError, ValueError):
            continue
        if "->" not in fields and held in files and pid != os.getpid():
            return True
    return False


def lite_engine(spec: StoreSpec) -> int | None:
    """The major version of the Milvus Lite engine a ``milvus:FILE.db`` store runs on (None: a
    server): 2 is milvus-lite 2.x, Milvus 2.5's C++ engine; 3 is Milvus Lite 3's Python engine."""
    if not spec.lite:
        return None
    from importlib.metadata import PackageNotFoundError, version
    try:
        return int(version("milvus-lite").split(".")[0])
    except (PackageNotFoundError, ValueError):
        return None


def documents_collection(spec: StoreSpec) -> str:
    return f"{spec.collection}_documents"


def terms_collection(spec: StoreSpec) -> str:
    return f"{spec.collection}_terms"


def bm25_terms(tokens) -> list[str]:
    """Tokens as Milvus's standard tokenizer keeps them, one term each. A token holding other
    characters (3.2, c++) would be split there, so it goes as ``z`` and its UTF-8 in hex, a
    shape no word of a report takes."""
    return [t if t.isalnum() else "z" + t.encode("utf-8").hex() for t in tokens]


def chunk_terms(search_text: str) -> list[str]:
    """The distinct terms of a chunk's ``search_text``: what the terms collection counts."""
    return [t for t in dict.fromkeys(search_text.split()) if len(t) <= TERM_MAX]


def read_manifest(client, spec: StoreSpec) -> dict:
    """What built the collection, checked for format; refused if it was not built by rag."""
    with milvus_errors(spec, "reading the collection"):
        if not client.has_collection(spec.collection):
            raise IndexMissingError(f"no index in {spec}; build one with: rag index [PATHS] --store {spec}")
        info = client.describe_collection(spec.collection)
    for text in ((info.get("properties") or {}).get(MANIFEST_PROPERTY), info.get("description")):
        try:
            manifest = json.loads(text or "")
        except ValueError:
            continue
        if isinstance(manifest, dict) and manifest.get("format") == FORMAT:
            if manifest.get("format_version") != FORMAT_VERSION:
                raise IndexMismatchError(f"{spec} has store format {manifest.get('format_version')}, this version "
                                         f"reads {FORMAT_VERSION}; rebuild it with: rag index --rebuild --store {spec}")
            if not (records_embedder(manifest) and isinstance(manifest.get("vector_index"), dict)):
                raise IndexError_(f"the manifest of {spec} is damaged (embedder or vector_index); rebuild it with: "
                                  f"rag index --rebuild --store {spec}")
            return manifest
    raise IndexError_(f"the collection '{spec.collection}' in {spec} was not built by rag (no {MANIFEST_PROPERTY}); "
                      "use another collection name or rebuild it with: rag index --rebuild --store …")


def read_store_manifest(spec: StoreSpec) -> dict:
    return read_manifest(connect(spec), spec)


def settings_from_manifest(manifest: dict) -> IndexSettings:
    """The chunking, tokenizer and BM25 settings the store was built with."""
    try:
        return IndexSettings(ChunkSettings(**manifest["chunking"]), manifest["tokenizer"],
                             BM25Params(k1=manifest["bm25"]["k1"], b=manifest["bm25"]["b"]))
    except (KeyError, TypeError) as exc:
        raise IndexError_(f"the store manifest is damaged ({exc}); rebuild it with: rag index --rebuild") from exc


def check_manifest(manifest: dict, spec: StoreSpec, embedder=None, settings: IndexSettings | None = None) -> None:
    """IndexMismatchError when the store was built with another embedder, chunking, tokenizer or analyzer."""
    problems = embedder_problems(manifest, embedder)
    built = settings_from_manifest(manifest)
    if settings is not None and built.chunking != settings.chunking:
        problems.append(f"chunking {built.chunking} vs requested {settings.chunking}")
    if settings is not None and built.tokenizer != settings.tokenizer:
        problems.append(f"tokenizer {built.tokenizer} vs requested {settings.tokenizer}")
    if manifest.get("analyzer") != ANALYZER:
        problems.append("the BM25 analyzer differs from this version's")
    if problems:
        raise IndexMismatchError(f"{spec} was built with other settings: {'; '.join(problems)}. Rebuild it with: "
                                 f"rag index --rebuild --store {spec} (or use the settings it was built with)")


def document_key(name: str, part: int) -> str:
    """Primary key of a part of a document's JSON: read by key, not by a filter on ``doc``."""
    return f"{hashlib.blake2b(name.encode('utf-8'), digest_size=16).hexdigest()}:{part}"


def filter_literal(text: str) -> str:
    """A Milvus filter string literal."""
    return json.dumps(text, ensure_ascii=False)


