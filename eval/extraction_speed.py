"""Extraction time per MB for each format, what looking for tables costs a PDF, and the PDF
extractor choice (pdfplumber vs pypdf).

    python3 eval/extraction_speed.py [--paragraphs 600]

Builds real files of each format from the seed reports' paragraphs (the builders the
tests use), times `read_document`, and compares the two PDF libraries on text fidelity in
visual reading order (running header, body, page number per page)."""
from __future__ import annotations

import argparse
import difflib
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from rag.ingest.documents import read_document  # noqa: E402

from formats_fixtures import make_pdf  # noqa: E402


def seed_paragraphs(n: int) -> list[str]:
    from rag.ingest.clean import clean
    from rag.ingest.documents import load_documents
    paras = []
    for doc in load_documents([ROOT / "seeds"]).documents:
        c = clean(doc)
        paras += [c.text[p.start:p.end] for p in c.paragraphs if not p.heading]
    return (paras * (n // len(paras) + 1))[:n]


def build(folder: Path, paras: list[str]) -> dict[str, Path]:
    import docx
    files = {}
    (folder / "r.txt").write_text("\n".join(paras), encoding="utf-8")
    files["txt"] = folder / "r.txt"
    (folder / "r.md").write_text("\n\n".join(f"## 第{i}节\n\n{p}" if i % 10 == 0 else p for i, p in enumerate(paras)),
                                 encoding="utf-8")
    files["md"] = folder / "r.md"
    d = docx.Document()
    for i, p in enumerate(paras):
        if i % 10 == 0:
            d.add_heading(f"第{i}节", level=1)
        d.add_paragraph(p)
    d.save(str(folder / "r.docx"))
    files["docx"] = folder / "r.docx"
    body = "".join(f"<p>{p}</p>" for p in paras)
    (folder / "r.html").write_text(f"<html><head><title>报告</title></head><body><nav>首页 新闻</nav><article>"
                                   f"<h1>报告</h1>{body}</article><footer>版权所有</footer></body></html>",
                                   encoding="utf-8")
    files["html"] = folder / "r.html"
    pages = [paras[i:i + 4] for i in range(0, len(paras), 4)]
    files["pdf"] = make_pdf(folder / "r.pdf", pages, chars_per_line=30)
    return files, pages


def pdf_fidelity(path: Path, pages, header: str = "达州市政法工作报告（内部资料）") -> dict[str, tuple[float, float]]:
    import pdfplumber
    import pypdf
    expected = "".join(f"{header}{''.join(p)}-{n}-" for n, p in enumerate(pages, 1))
    squash = lambda s: re.sub(r"\s+", "", s)  # noqa: E731
    out = {}
    t0 = time.perf_counter()
    with pdfplumber.open(str(path)) as pdf:
        got = "".join(page.extract_text() or "" for page in pdf.pages)
    out["pdfplumber"] = (time.perf_counter() - t0, difflib.SequenceMatcher(None, squash(got), expected).ratio())
    t0 = time.perf_counter()
    got = "".join(page.extract_text() or "" for page in pypdf.PdfReader(str(path)).pages)
    out["pypdf"] = (time.perf_counter() - t0, difflib.SequenceMatcher(None, squash(got), expected).ratio())
    return out


def table_finding_cost(pdf: Path, rounds: int = 2) -> None:
    """The PDF read with and without looking for tables on every page, alternating."""
    import rag.ingest.formats as formats
    finder = formats.pdf_tables
    for _ in range(rounds):
        seconds = {}
        for label, find in (("without", lambda page: []), ("with", finder)):
            formats.pdf_tables = find
            t0 = time.perf_counter()
            read_document(pdf)
            seconds[label] = time.perf_counter() - t0
        formats.pdf_tables = finder
        print(f"PDF tables: read without looking for them {seconds['without']:.2f} s, with {seconds['with']:.2f} s "
              f"({seconds['with'] / seconds['without']:.2f}x)")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--paragraphs", type=int, default=600)
    args = parser.parse_args()
    paras = seed_paragraphs(args.paragraphs)
    with tempfile.TemporaryDirectory() as tmp:
        files, pages = build(Path(tmp), paras)
        print(f"{'format':<6} {'file MB':>8} {'text MB':>8} {'seconds':>8} {'s per file MB':>14} {'s per text MB':>14}")
        for fmt, path in files.items():
            t0 = time.perf_counter()
            doc = read_document(path)
            seconds = time.perf_counter() - t0
            file_mb = path.stat().st_size / 1e6
            text_mb = len(doc.text.encode("utf-8")) / 1e6
            print(f"{fmt:<6} {file_mb:8.2f} {text_mb:8.2f} {seconds:8.2f} {seconds / file_mb:14.2f} "
                  f"{seconds / text_mb:14.2f}")
        table_finding_cost(files["pdf"])
        sample = pages[:10]
        small = make_pdf(Path(tmp) / "sample.pdf", sample, chars_per_line=30)
        for lib, (seconds, ratio) in pdf_fidelity(small, sample).items():
            print(f"PDF {lib:<10}: text fidelity in reading order {ratio:.4f}, {seconds:.2f} s for {len(sample)} pages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
