"""Text out of Word, PDF, HTML and Markdown reports.

Each extractor returns ``Extracted``: the text as one line per paragraph (what is
indexed and what citations show), the lines that are headings, page start
offsets (PDF), title and date (HTML), and what extraction itself dropped
(running headers, page numbers, menus). Cleaning and normalization then apply
exactly as to plain text.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rag.errors import DocumentError

NUMBERED_TITLE = re.compile(r"^([一二三四五六七八九十百]+、|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十百零\d]+[章节条部分])")


@dataclass(frozen=True)
class Extracted:
    """What an extractor found: one line per paragraph, heading lines, page starts, title, date."""
    text: str
    heading_lines: tuple[int, ...] = ()   # 0-based line numbers that are headings
    page_starts: tuple[int, ...] = ()      # offset in ``text`` where each page begins (PDF)
    title: str = ""
    date: str = ""
    dropped: tuple[str, ...] = ()          # removed by extraction (running headers, page numbers)


def _lines(paragraphs: list[tuple[str, bool]]) -> Extracted:
    lines = [(t.strip(), h) for t, h in paragraphs if t and t.strip()]
    return Extracted("\n".join(t for t, _ in lines) + "\n", tuple(i for i, (_, h) in enumerate(lines) if h))


def _require(module: str, package: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise DocumentError(module, f"reading this format needs {package}: pip install {package}") from exc


# ------------------------------------------------------------------ Word

def extract_docx(path: Path) -> Extracted:
    """Paragraphs in order with headings from styles and numbered titles; tables row by row."""
    docx = _require("docx", "python-docx")
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zip, XML and key errors for damaged files
        raise DocumentError(path, f"not a readable Word .docx file ({exc.__class__.__name__}); "
                            "re-save it from Word as .docx") from exc
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[tuple[str, bool]] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(block, document)
            style = (para.style.name if para.style is not None else "") or ""
            text = para.text
            heading = style.lower().startswith(("heading", "title")) or style.startswith(("标题", "標題")) \
                or bool(NUMBERED_TITLE.match(text.strip()) and len(text.strip()) <= 40)
            out.append((text, heading))
        elif tag == "tbl":
            out.extend((row, False) for row in _table_rows(Table(block, document)))
    return _lines(out)


def _table_rows(table) -> list[str]:
    """Each body row as "header：cell；header：cell", so a row reads on its own."""
    rows = [[cell.text.strip() for cell in row.cells] for row in table.rows]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if not body:
        return ["；".join(header)]
    return ["；".join(f"{h}：{c}" if h else c for h, c in zip(header, row) if c) for row in body]


# ------------------------------------------------------------------ PDF

PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d+\s*(页|頁)?[-—–\s]*(/\s*\d+\s*(页|頁)?)?$|^-\s*\d+\s*-$")
SENTENCE_END = tuple("。！？；：!?;:”」")


def extract_pdf(path: Path) -> Extracted:
    """pdfplumber (measured against pypdf: it keeps visual reading order, see README)."""
    pdfplumber = _require("pdfplumber", "pdfplumber")
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises many types for damaged files
        raise DocumentError(path, f"not a readable PDF ({exc.__class__.__name__})") from exc
    with pdf:
        pages = [(page.height, page.extract_text_lines(), bool(page.images)) for page in pdf.pages]
    if not any(lines for _, lines, _ in pages):
        if any(images for _, _, images in pages):
            raise DocumentError(path, "needs OCR: the PDF has images but no text layer (a scan); "
                                "run it through OCR first")
        raise DocumentError(path, "the PDF contains no text")
    furniture = _running_lines(pages)
    paragraphs, page_starts, dropped, offset = [], [], [], 0
    for height, lines, _ in pages:
        page_starts.append(offset)
        body = []
        for line in lines:
            text = line["text"].strip()
            edge = line["top"] < 0.1 * height or line["bottom"] > 0.9 * height
            if edge and (PAGE_NUMBER.match(text) or _shape(text) in furniture):
                dropped.append(text)
            else:
                body.append(line)
        for para in _join_lines(body):
            paragraphs.append(para)
            offset += len(para) + 1
    text = "\n".join(paragraphs) + "\n"
    headings = tuple(i for i, p in enumerate(paragraphs) if len(p) <= 30 and not p.endswith(SENTENCE_END))
    return Extracted(text, headings, tuple(page_starts), dropped=tuple(dict.fromkeys(dropped)))


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", text)


def _running_lines(pages) -> set[str]:
    """Lines near the top or bottom edge that repeat on most pages: running headers/footers."""
    if len(pages) < 2:
        return set()
    seen = Counter()
    for height, lines, _ in pages:
        seen.update({_shape(l["text"].strip()) for l in lines if l["top"] < 0.1 * height or l["bottom"] > 0.9 * height})
    return {shape for shape, n in seen.items() if n >= max(2, len(pages) // 2)}


def _join_lines(lines) -> list[str]:
    """Wrapped lines back into paragraphs: a new one starts after a short line that ends a
    sentence, at an indented line, or after a wide vertical gap. Chinese lines are joined
    without a space; Latin words across a break keep one."""
    if not lines:
        return []
    left = min(l["x0"] for l in lines)
    right = max(l["x1"] for l in lines)
    char_w = max(1.0, sum((l["x1"] - l["x0"]) / max(len(l["text"]), 1) for l in lines) / len(lines))
    gaps = sorted(b["top"] - a["bottom"] for a, b in zip(lines, lines[1:]))
    usual_gap = gaps[len(gaps) // 2] if gaps else 0
    paragraphs, current, prev = [], "", None
    for line in lines:
        text = line["text"].strip()
        starts_new = prev is None or line["x0"] - left > 1.5 * char_w \
            or (prev["x1"] < right - 2 * char_w and prev["text"].strip().endswith(SENTENCE_END)) \
            or line["top"] - prev["bottom"] > usual_gap + 0.8 * char_w \
            or prev["x1"] < right - 6 * char_w
        if starts_new and current:
            paragraphs.append(current)
            current = ""
        if current and re.match(r"[A-Za-z0-9]", text[:1]) and re.search(r"[A-Za-z0-9]$", current):
            current += " "
        current += text
        prev = line
    if current:
        paragraphs.append(current)
    return paragraphs


# ------------------------------------------------------------------ HTML

def extract_html(path: Path, raw: bytes) -> Extracted:
    """The article body of a web page (no menus or footers), with its title and date."""
    trafilatura = _require("trafilatura", "trafilatura")
    result = trafilatura.bare_extraction(raw, include_comments=False, include_tables=True, favor_precision=True,
                                         with_metadata=True)
    text = getattr(result, "text", None) if result is not None else None
    if not text or not text.strip():
        raise DocumentError(path, "no article text found in the web page")
    title = (getattr(result, "title", "") or "").strip()
    date = (getattr(result, "date", "") or "").strip()
    lines = [l.strip() for l in text.split("\n") if l.strip()]
    if title and (not lines or lines[0] != title):
        lines.insert(0, title)
    return Extracted("\n".join(lines) + "\n", (0,) if title else (), title=title, date=date)


# ------------------------------------------------------------------ Markdown

_MD_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),            # images -> alt text
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),              # links -> link text
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),                   # bold
    (re.compile(r"(?<!\*)\*(?![\s*])([^*\n]+?)(?<!\s)\*(?!\*)"), r"\1"),  # *italics*
    (re.compile(r"`([^`]*)`"), r"\1"),                          # inline code
    (re.compile(r"<[^>]+>"), ""),                               # inline HTML tags
]


def extract_markdown(text: str) -> Extracted:
    """Markdown reduced to paragraphs: headings kept as headings, markup, code and rules dropped."""
    out: list[tuple[str, bool]] = []
    in_fence = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or re.fullmatch(r"[-*_=\s]{3,}|\|?[\s:|-]+\|?", stripped or "x"):
            continue  # code blocks, rules, table separators
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*$", stripped)
        if heading:
            stripped = heading.group(1)
        else:
            stripped = re.sub(r"^(>\s*)+", "", stripped)
            stripped = re.sub(r"^([-*+]|\d+[.)])\s+", "", stripped)
            if stripped.startswith("|"):
                stripped = "；".join(c.strip() for c in stripped.strip("|").split("|") if c.strip())
        for pattern, repl in _MD_INLINE:
            stripped = pattern.sub(repl, stripped)
        out.append((stripped, bool(heading)))
    return _lines(out)
