"""What reading one file may cost, and the checks that hold a hostile file to it.

A work report is tens of kilobytes of text; the defaults leave room for a yearbook of a few
thousand pages while refusing what would exhaust a server: a .docx that unzips to gigabytes
(a zip bomb), a text file of hundreds of megabytes, a PDF of tens of thousands of pages. Each
refusal names the file and the limit, and says which option raises it.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from rag.errors import ConfigError, DocumentError

MB = 1024 * 1024


@dataclass(frozen=True)
class ReadLimits:
    """Per-file limits (``rag index`` / ``rag serve`` options of the same names)."""
    max_file_mb: float = 200        # the file as stored (it is read into memory once)
    max_unzipped_mb: float = 200    # everything inside a .docx, decompressed (images included)
    max_xml_mb: float = 32          # the XML inside a .docx, which is parsed (a 1,000-page report has ~15 MB)
    max_zip_entries: int = 5_000    # parts inside a .docx
    max_text_mb: float = 32         # text taken from one file (UTF-8)
    max_pages: int = 5_000          # pages of a PDF
    max_rows: int = 20_000          # rows of one spreadsheet sheet or CSV file (a report's tables have tens)
    max_ocr_pages: int = 100        # scanned pages recognized in one file (about 10 s a page on 2 cores)

    def __post_init__(self):
        for name, value in self.__dict__.items():
            if not value > 0:
                raise ConfigError(f"--{name.replace('_', '-')} must be a positive number, not {value}")


DEFAULT_LIMITS = ReadLimits()


def _over(path, what: str, limit: str, option: str) -> DocumentError:
    return DocumentError(path, f"{what}, over the limit of {limit}: not indexed (a hostile or damaged file?); "
                         f"check the file, or raise the limit with {option}")


def check_file_size(path: Path, size: int, limits: ReadLimits) -> None:
    if size > limits.max_file_mb * MB:
        raise _over(path, f"{size / MB:.1f} MB", f"{limits.max_file_mb:g} MB", "--max-file-mb")


def check_text_size(path, n_bytes: int, limits: ReadLimits) -> None:
    if n_bytes > limits.max_text_mb * MB:
        raise _over(path, f"{n_bytes / MB:.1f} MB of text", f"{limits.max_text_mb:g} MB", "--max-text-mb")


def check_pages(path, pages: int, limits: ReadLimits) -> None:
    if pages > limits.max_pages:
        raise _over(path, f"{pages} pages", f"{limits.max_pages} pages", "--max-pages")


def check_ocr_pages(path, pages: int, limits: ReadLimits) -> None:
    if pages > limits.max_ocr_pages:
        raise _over(path, f"{pages} scanned pages to recognize (about {pages * 10 // 60 + 1} minutes)",
                    f"{limits.max_ocr_pages} pages", "--max-ocr-pages")


def check_rows(path, where: str, rows: int, limits: ReadLimits, counted_to_limit: bool = False) -> None:
    """``counted_to_limit``: ``rows`` were counted only up to one past the limit."""
    if rows > limits.max_rows:
        raise _over(path, f"{where}{'more than ' if counted_to_limit else ''}{limits.max_rows if counted_to_limit else rows}"
                    " rows", f"{limits.max_rows} rows", "--max-rows")


def check_zip(path: Path, limits: ReadLimits, kind: str = "Word .docx") -> None:
    """Refuse a zip-based file (.docx, .xlsx) with too many parts or too much inside, before any
    library unpacks it. The sizes declared in the zip bound what is unpacked: Python's zipfile
    stops each part at its declared size, so a part that lies fails its CRC check instead."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise DocumentError(path, f"not a readable {kind} file ({exc.__class__.__name__}); "
                            f"re-save it as {kind.split()[-1]}") from exc
    if len(parts) > limits.max_zip_entries:
        raise _over(path, f"{len(parts)} parts inside", f"{limits.max_zip_entries} parts", "--max-zip-entries")
    unzipped = sum(p.file_size for p in parts)
    if unzipped > limits.max_unzipped_mb * MB:
        raise _over(path, f"unzips to {unzipped / MB:.1f} MB", f"{limits.max_unzipped_mb:g} MB", "--max-unzipped-mb")
    xml = sum(p.file_size for p in parts if p.filename.endswith((".xml", ".rels")))
    if xml > limits.max_xml_mb * MB:
        raise _over(path, f"{xml / MB:.1f} MB of XML inside", f"{limits.max_xml_mb:g} MB", "--max-xml-mb")
