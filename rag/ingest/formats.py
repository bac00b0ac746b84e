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
from rag.ingest.limits import DEFAULT_LIMITS, ReadLimits, check_pages, check_zip

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

def extract_docx(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Extracted:
    """Paragraphs in order with headings from styles and numbered titles; tables row by row."""
    docx = _require("docx", "python-docx")
    check_zip(path, limits)   # python-docx unpacks every part into memory
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises zip, XML and key errors for damaged files
        raise DocumentError(path, f"not a readable Word .docx file ({exc.__class__.__name__}); "
                            "re-save it from Word as .docx") from exc
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    # style names looked up once: Paragraph.style resolves through the styles part each time,
    # which made a 3 MB document take a minute
    style_names = {style.style_id: style.name or "" for style in document.styles}
    out: list[tuple[str, bool]] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(block, document)
            style = style_names.get(block.style, "") if block.style else ""
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


def extract_pdf(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Extracted:
    """pdfplumber (measured against pypdf: it keeps visual reading order, see README)."""
    pdfplumber = _require("pdfplumber", "pdfplumber")
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises many types for damaged files
        if _is_encrypted(exc):
            raise DocumentError(path, "password-protected PDF: open it with its password and save or print "
                                "it as a PDF without one, then add that file") from exc
        raise DocumentError(path, f"not a readable PDF ({exc.__class__.__name__})") from exc
    with pdf:
        check_pages(path, len(pdf.pages), limits)
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


def _is_encrypted(exc: BaseException) -> bool:
    """pdfminer's password errors, possibly wrapped (pdfplumber's PdfminerException)."""
    seen = exc
    while seen is not None:
        if "Password" in type(seen).__name__ or "Encrypt" in type(seen).__name__ \
                or any("Password" in type(a).__name__ for a in getattr(seen, "args", ()) if isinstance(a, BaseException)):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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
        return _plain_html(path, raw)
    title = (getattr(result, "title", "") or "").strip()
    date = (getattr(result, "date", "") or "").strip()
    lines = [l.strip() for l in text.split("\n") if l.strip()]
    if title and (not lines or lines[0] != title):
        lines.insert(0, title)
    return Extracted("\n".join(lines) + "\n", (0,) if title else (), title=title, date=date)


BLOCK_TAGS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "table",
              "blockquote", "pre", "td", "th", "title"}
SKIPPED_TAGS = {"script", "style", "nav", "header", "footer", "aside", "noscript", "form", "select", "button"}


def _html_text(raw: bytes) -> str:
    """Decoded as the page declares (Chinese sites often use GBK), else as UTF-8."""
    declared = re.search(rb"""charset=["']?([A-Za-z0-9_-]+)""", raw[:4096])
    codec = declared.group(1).decode("ascii").lower() if declared else "utf-8-sig"
    if codec in ("gb2312", "gbk"):
        codec = "gb18030"
    try:
        return raw.decode(codec, errors="replace")
    except LookupError:
        return raw.decode("utf-8-sig", errors="replace")


def _plain_html(path: Path, raw: bytes) -> Extracted:
    """The page's text by a streaming parse, when trafilatura found no article: its tree
    parser gives up on pages nested deeper than lxml allows (thousands of <div>s). Only
    lines that read as sentences count as article text; cleaning then drops furniture."""
    from html.parser import HTMLParser

    class Text(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.lines, self.current, self.skipping, self.title = [], [], 0, ""
            self.in_title = False

        def _break(self):
            line = "".join(self.current).strip()
            if line:
                self.lines.append(line)
            self.current = []

        def handle_starttag(self, tag, attrs):
            if tag in SKIPPED_TAGS:
                self.skipping += 1
            self.in_title = tag == "title"
            if tag in BLOCK_TAGS:
                self._break()

        def handle_endtag(self, tag):
            if tag in SKIPPED_TAGS and self.skipping:
                self.skipping -= 1
            if tag in BLOCK_TAGS:
                self._break()
            self.in_title = False

        def handle_data(self, data):
            if self.in_title:
                self.title += data.strip()
            elif not self.skipping:
                self.current.append(data)

    parser = Text()
    parser.feed(_html_text(raw))
    parser.close()
    parser._break()
    lines = [re.sub(r"\s+", " ", l) for l in parser.lines]
    if not any(len(l) >= 10 and re.search(r"[。！？；]", l) for l in lines):
        raise DocumentError(path, "no article text found in the web page")
    title = parser.title
    if title and lines[0] != title:
        lines.insert(0, title)
    return Extracted("\n".join(lines) + "\n", (0,) if title else (), title=title)


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
