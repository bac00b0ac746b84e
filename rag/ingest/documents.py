"""Read report files: find them, detect their encoding, decode them.

A file that cannot be read becomes a ``DocumentError`` in the result's failures;
it never stops the other files from loading.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.limits import DEFAULT_LIMITS, ReadLimits, check_file_size, check_text_size
from rag.ingest.subject import DocumentMeta, read_sidecar, sidecar_path
from rag.ingest.tables import TableRow

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")   # scanned pages, recognized (ingest/ocr.py)
SUPPORTED_SUFFIXES = (".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".xlsx", ".csv") + IMAGE_SUFFIXES
SIDECAR_SUFFIX = ".meta.json"   # a report's sidecar (rag.ingest.subject), read with it
MAX_REPLACEMENT_SHARE = 0.002  # UTF-8 with a few stray bytes is still UTF-8
TEXT_SUFFIXES = (".txt", ".md", ".csv")
# control characters other than tab and line breaks: never text, and raw on a terminal they can rewrite it
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Document:
    """A report file read into text, with what its format told us (headings, pages, title)."""
    name: str       # the file name, unique within an index; citations use it
    path: str
    text: str       # plain text: as decoded, or as extracted from Word/PDF/HTML/Markdown
    encoding: str   # the text encoding, or the format the text was extracted from
    sha256: str     # of the raw bytes
    heading_lines: tuple[int, ...] = ()   # lines the format marks as headings
    page_starts: tuple[int, ...] = ()     # PDF: offset in ``text`` where each page begins
    title: str = ""
    date: str = ""
    dropped: tuple[str, ...] = ()         # what extraction removed (running headers, page numbers)
    meta: DocumentMeta | None = None      # a sidecar NAME.meta.json's title, place and year
    table_rows: tuple[TableRow, ...] = ()  # the lines that are table row sentences, with their cells
    ocr_pages: tuple[int, ...] = ()       # pages whose text was recognized from a scan (1-based)
    unsure: tuple[str, ...] = ()          # recognized lines kept although recognition was unsure of them


@dataclass(frozen=True)
class LoadResult:
    """The documents read, and a DocumentError naming each file that could not be."""
    documents: tuple[Document, ...]
    failures: tuple[DocumentError, ...] = field(default_factory=tuple)


def find_files(paths) -> tuple[list[Path], list[DocumentError]]:
    """Expand folders (recursively, links to folders not followed) into supported files."""
    files, failures, seen = [], [], set()
    for raw in paths:
        path = Path(raw)
        try:
            path.stat()
        except OSError as exc:  # missing, a dangling link, or a symlink loop
            failures.append(DocumentError(path, "no such file or folder" if isinstance(exc, FileNotFoundError)
                                          else f"cannot open ({exc.strerror or exc})"))
            continue
        if path.is_dir():
            # every file in a folder is indexed or named with the reason it is not
            for root, dirs, names in os.walk(path, followlinks=False):
                failures += [DocumentError(Path(root) / d, "hidden folder (its name starts with a dot): not searched; "
                                           "rename it to index the reports in it") for d in dirs if d.startswith(".")]
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    file = Path(root) / name
                    if name.startswith("."):
                        failures.append(DocumentError(file, "hidden file (its name starts with a dot): not indexed; "
                                                      "rename it to index it"))
                    elif name.lower().endswith(SIDECAR_SUFFIX):
                        continue   # read with its report
                    elif name.lower().endswith(SUPPORTED_SUFFIXES):
                        files.append(file)
                    else:
                        failures.append(_unsupported(file))
        elif path.suffix.lower() in SUPPORTED_SUFFIXES:
            files.append(path)
        else:
            failures.append(_unsupported(path))
    unique = []
    for f in files:
        key = os.path.abspath(f)
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, failures


def _unsupported(path: Path) -> DocumentError:
    return DocumentError(path, f"unsupported file type '{path.suffix or '(none)'}'; "
                         f"use one of {', '.join(SUPPORTED_SUFFIXES)}")


def _is_common_cjk(ch: str) -> bool:
    """True for the ~5,400 everyday Hanzi: GB2312 level 1 or Big5 common characters.
    A wrong decoding produces mostly rare characters, so their share picks the codec."""
    try:
        lead = ch.encode("gb2312")[0]
        if 0xB0 <= lead <= 0xD7:
            return True
    except UnicodeEncodeError:
        pass
    try:
        lead = ch.encode("big5")[0]
        return 0xA4 <= lead <= 0xC6
    except UnicodeEncodeError:
        return False


def _plausibility(text: str) -> float:
    cjk = [ch for ch in text[:20000] if "\u3400" <= ch <= "\u9fff"]
    if not cjk:
        return 0.0
    return sum(_is_common_cjk(ch) for ch in cjk) / len(cjk)


def decode_bytes(raw: bytes, path) -> tuple[str, str]:
    """Return (text, encoding name) or raise DocumentError naming the file."""
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                       (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec.replace("-sig", "")), codec
            except UnicodeDecodeError as exc:
                raise DocumentError(path, f"starts with a {codec} byte-order mark but is not valid {codec} "
                                    f"(byte {exc.start}); re-save it as UTF-8") from exc
    if raw.startswith(b"\x89PNG") or raw.startswith(b"%PDF") or raw.startswith(b"PK\x03\x04"):
        raise DocumentError(path, "binary file (image, PDF or archive) with a text extension; "
                            "convert it to plain text first")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if raw.count(b"\x00") > len(raw) // 8:
        # UTF-16 without a byte-order mark: ASCII-range code units leave NULs on one side.
        codec = "utf-16-le" if raw[1::2].count(b"\x00") > raw[0::2].count(b"\x00") else "utf-16-be"
        try:
            return raw.decode(codec), codec
        except UnicodeDecodeError:
            raise DocumentError(path, "binary file (contains NUL bytes); only text reports can be indexed")
    candidates = []
    for codec in ("gb18030", "big5"):
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((_plausibility(text), codec, text))
    lenient = raw.decode("utf-8", errors="replace")
    bad = lenient.count("\ufffd")
    if bad <= max(4, int(len(lenient) * MAX_REPLACEMENT_SHARE)):
        candidates.append((_plausibility(lenient) - 0.01, "utf-8 (invalid bytes replaced)", lenient))
    if candidates:
        score, codec, text = max(candidates, key=lambda c: c[0])
        if score >= 0.6:
            return text, codec
    raise DocumentError(path, "cannot detect the encoding (tried UTF-8, UTF-16, GB18030, Big5); "
                        "re-save the file as UTF-8")


def read_document(path, limits: ReadLimits = DEFAULT_LIMITS) -> Document:
    """One report file as a Document; DocumentError naming the file if it cannot be read or
    is over one of ``limits``."""
    import rag.ingest.formats as formats
    import rag.ingest.sheets as sheets
    import rag.ingest.web as web

    path = Path(path)
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
        if suffix in TEXT_SUFFIXES:
            check_text_size(path, size, limits)   # refused before it is read: memory stays bounded
        check_file_size(path, size, limits)
        raw = path.read_bytes()
    except PermissionError as exc:
        raise DocumentError(path, "permission denied; make the file readable") from exc
    except OSError as exc:
        raise DocumentError(path, f"cannot read ({exc.strerror or exc})") from exc
    if not raw.strip():
        raise DocumentError(path, "empty file: nothing to index")
    if suffix == ".docx":
        extracted, encoding = formats.extract_docx(path, limits), "docx"
    elif suffix == ".pdf":
        extracted, encoding = formats.extract_pdf(path, limits), "pdf"
    elif suffix in (".html", ".htm"):
        extracted, encoding = web.extract_html(path, raw), "html"
    elif suffix in IMAGE_SUFFIXES:
        extracted, encoding = formats.extract_image(path, limits), "image"
    elif suffix == ".xlsx":
        extracted, encoding = sheets.extract_xlsx(path, limits), "xlsx"
    else:
        text, encoding = decode_bytes(raw, path)
        text = CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
        if suffix == ".csv":
            extracted = sheets.extract_csv(path, text, limits)
        else:
            extracted = formats.extract_markdown(text) if suffix == ".md" else formats.Extracted(text)
    if not extracted.text.strip():
        raise DocumentError(path, "empty file: nothing to index")
    check_text_size(path, len(extracted.text.encode("utf-8")), limits)
    meta, digest = None, hashlib.sha256(raw)
    sidecar = sidecar_path(path)
    if sidecar is not None:
        meta, sidecar_raw = read_sidecar(sidecar)
        digest.update(b"\0sidecar\0" + sidecar_raw)   # editing the sidecar re-indexes the report
    return Document(path.name, str(path), extracted.text, encoding, digest.hexdigest(),
                    extracted.heading_lines, extracted.page_starts, (meta.title if meta and meta.title else
                                                                     extracted.title), extracted.date,
                    extracted.dropped, meta, extracted.table_rows, extracted.ocr_pages, extracted.unsure)


def iter_documents(paths, failures: list, limits: ReadLimits = DEFAULT_LIMITS):
    """Every supported file in ``paths`` (files and folders), read and decoded one at a time
    as it is asked for (a large folder never sits in memory at once); a file that cannot be
    read, or is over ``limits``, is appended to ``failures`` and never stops the others."""
    files, found_failures = find_files(paths)
    failures.extend(found_failures)
    names = set()
    for f in files:
        try:
            doc = read_document(f, limits)
        except DocumentError as exc:
            failures.append(exc)
            continue
        if doc.name in names:
            failures.append(DocumentError(f, f"another file named '{doc.name}' is already loaded; "
                                          "file names must be unique within an index"))
            continue
        names.add(doc.name)
        yield doc


def load_documents(paths, limits: ReadLimits = DEFAULT_LIMITS) -> LoadResult:
    """Every supported file in ``paths``, read (see iter_documents), with the failures."""
    failures = []
    documents = tuple(iter_documents(paths, failures, limits))
    return LoadResult(documents, tuple(failures))
