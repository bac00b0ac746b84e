"""Text out of Word, PDF and Markdown reports (web pages: ingest/web.py; spreadsheets: ingest/sheets.py).

Each extractor returns ``Extracted``: the text as one line per paragraph (what is
indexed and what citations show), the lines that are headings, page start
offsets (PDF), title and date (HTML), each table row's sentence (ingest/tables.py)
and what extraction itself dropped (running headers, page numbers, menus).
Cleaning and normalization then apply exactly as to plain text.
"""
from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.grids import aligned_tables, inside, is_markdown_rule, markdown_row, pdf_tables
from rag.ingest.limits import DEFAULT_LIMITS, ReadLimits, check_ocr_pages, check_pages, check_zip
from rag.ingest.ocr import OCR_DPI, UNSURE_BELOW, image_pages, ocr_lines, page_image
from rag.ingest.tables import RowSentence, TableRow, row_sentences

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
    table_rows: tuple[TableRow, ...] = ()  # the row sentences among the lines, with their cells
    ocr_pages: tuple[int, ...] = ()        # 1-based pages whose text was recognized from an image
    unsure: tuple[str, ...] = ()           # recognized lines kept although recognition was unsure of them


@dataclass(frozen=True)
class TableBlock:
    """A table among a document's paragraphs: its caption and row sentences."""
    caption: str
    rows: tuple[RowSentence, ...]


PAGE_BREAK = object()   # in a block list: a PDF page starts here
OCR_FAILED = "文字识别失败"   # in Extracted.dropped, after the page: a scanned page that could not be recognized


def assemble(blocks, **fields) -> Extracted:
    """Blocks in order, each a (text, is_heading) paragraph, a TableBlock or PAGE_BREAK, as
    one line per paragraph and per table row, with the row sentences' spans recorded."""
    lines, headings, table_rows, page_starts, offset = [], [], [], [], 0
    for block in blocks:
        if block is PAGE_BREAK:
            page_starts.append(offset)
            continue
        if isinstance(block, TableBlock):
            for row in block.rows:
                table_rows.append(row.placed(block.caption, offset))
                lines.append(row.text)
                offset += len(row.text) + 1
            continue
        text, heading = block[0].strip(), block[1]
        if text:
            headings.extend([len(lines)] if heading else [])
            lines.append(text)
            offset += len(text) + 1
    return Extracted("\n".join(lines) + "\n", tuple(headings), tuple(page_starts), table_rows=tuple(table_rows),
                     **fields)


def caption_before(blocks: list, tables_so_far: int, heading: str) -> str:
    """A table's caption: the short line just above it (made a heading, so the rows sit under
    it), else the last heading, else 表N."""
    if blocks and isinstance(blocks[-1], tuple):
        text = blocks[-1][0].strip()
        if 0 < len(text) <= 40 and not text.endswith(SENTENCE_END):
            blocks[-1] = (text, True)
            return text
    return heading or f"表{tables_so_far + 1}"


def require(module: str, package: str):
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise DocumentError(module, f"reading this format needs {package}: pip install {package}") from exc


# ------------------------------------------------------------------ Word

def extract_docx(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Extracted:
    """Paragraphs in order with headings from styles and numbered titles; tables row by row."""
    docx = require("docx", "python-docx")
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
    blocks: list = []
    heading, tables = "", 0
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(block, document)
            style = style_names.get(block.style, "") if block.style else ""
            text = para.text
            is_heading = style.lower().startswith(("heading", "title")) or style.startswith(("标题", "標題")) \
                or bool(NUMBERED_TITLE.match(text.strip()) and len(text.strip()) <= 40)
            heading = text.strip() if is_heading and text.strip() else heading
            blocks.append((text, is_heading))
        elif tag == "tbl":
            # python-docx repeats a merged cell at every grid position it covers, across and down
            grid = [[cell.text for cell in row.cells] for row in Table(block, document).rows]
            rows = row_sentences(grid)
            if rows:
                blocks.append(TableBlock(caption_before(blocks, tables, heading), tuple(rows)))
                tables += 1
    return assemble(blocks)


# ------------------------------------------------------------------ PDF

PAGE_NUMBER = re.compile(r"^[-—–\s]*(第\s*)?\d+\s*(页|頁)?[-—–\s]*(/\s*\d+\s*(页|頁)?)?$|^-\s*\d+\s*-$")
SENTENCE_END = tuple("。！？；：!?;:”」")


def extract_pdf(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Extracted:
    """pdfplumber (measured against pypdf: it keeps visual reading order, see README)."""
    pdfplumber = require("pdfplumber", "pdfplumber")
    try:
        pdf = pdfplumber.open(str(path))
    except Exception as exc:  # pdfminer raises many types for damaged files
        if _is_encrypted(exc):
            raise DocumentError(path, "password-protected PDF: open it with its password and save or print "
                                "it as a PDF without one, then add that file") from exc
        raise DocumentError(path, f"not a readable PDF ({exc.__class__.__name__})") from exc
    dropped: list[str] = []
    with pdf:
        check_pages(path, len(pdf.pages), limits)
        pages = [_read_page(page) for page in pdf.pages]
        # pages with images and no text layer are scans: recognized, the others read as text
        scanned = [i for i, (_, lines, images, tables) in enumerate(pages) if images and not lines and not tables]
        recognized = _recognize(path, pdf.pages, scanned, limits, dropped)
    for i, lines in recognized.items():
        pages[i] = (pages[i][0], *_recognized_tables(lines))
    if not any(lines or tables for _, lines, _, tables in pages):
        raise DocumentError(path, "no text recognized on its scanned pages" if scanned else "the PDF contains no text")
    furniture = _running_lines(pages)
    blocks, tables = [], 0
    for height, lines, _, page_tables in pages:
        blocks.append(PAGE_BREAK)
        body = []
        for line in lines:
            text = line["text"].strip()
            edge = line["top"] < 0.1 * height or line["bottom"] > 0.9 * height
            if edge and (PAGE_NUMBER.match(text) or _shape(text) in furniture):
                dropped.append(text)
            else:
                body.append(line)
        tables = _page_blocks(blocks, body, page_tables, tables)
    unsure = tuple(l["text"] for lines in recognized.values() for l in lines if l["confidence"] < UNSURE_BELOW)
    return assemble(blocks, dropped=tuple(dict.fromkeys(dropped)), ocr_pages=tuple(i + 1 for i in sorted(recognized)),
                    unsure=unsure)


# an author's byline, 何政 四川省达州市委常委、政法委书记: a statement of who holds which post, so
# text that answers (担任什么职务), not a heading over the paragraphs below it
# (OCR may drop the space after the name; the post then names its place or body)
# ... and an interview's subtitle, ——专访乐山市委常委、政法委书记廖全军, the same statement
_POSTS = r"(?:书记|主任|局长|院长|检察长|厅长|部长|市长|区长|县长|委员|常委|書記|局長|院長|檢察長|廳長|市長|區長|縣長|委員)"
BYLINE = re.compile(rf"^[\u4e00-\u9fff]{{2,4}}(?:\s+\S*|[\u4e00-\u9fff]*[省市县区縣區委][\u4e00-\u9fff、]*){_POSTS}$"
                    rf"|^[—－\-\s]*(?:专访|專訪|访谈|訪談|对话|對話)[\u4e00-\u9fff、]*{_POSTS}[\u4e00-\u9fff]{{2,3}}$")


def _heading_shape(paragraph: str) -> bool:
    """A PDF or scanned paragraph that reads as a heading: short, no sentence end, no byline."""
    return len(paragraph) <= 30 and not paragraph.endswith(SENTENCE_END) and not BYLINE.match(paragraph)


def _page_blocks(blocks: list, body: list[dict], page_tables, tables: int) -> int:
    """A page's text between its tables joined into paragraphs, each table where it stands,
    appended to ``blocks``; returns the tables counted so far."""
    for bbox, grid in sorted(page_tables, key=lambda t: t[0][1]) + [(None, None)]:
        above = [l for l in body if bbox is None or l["bottom"] <= bbox[1] + 1]
        body = body[len(above):]
        blocks.extend((p, _heading_shape(p)) for p in _join_lines(above))
        if bbox is not None and (rows := row_sentences(grid)):
            blocks.append(TableBlock(caption_before(blocks, tables, ""), tuple(rows)))
            tables += 1
    return tables


def _recognize(path: Path, pages, scanned: list[int], limits: ReadLimits, dropped: list[str]) -> dict[int, list]:
    """Page index -> its recognized text lines (in PDF points, as pdfplumber gives them), a
    progress bar per page; a page that fails is named in ``dropped`` and the others go on."""
    if not scanned:
        return {}
    check_ocr_pages(path, len(scanned), limits)
    from tqdm import tqdm
    recognized = {}
    for i in tqdm(scanned, desc=f"OCR {path.name}", unit="页", file=sys.stderr, disable=None, leave=False):
        try:
            lines = ocr_lines(page_image(pages[i]), path, i + 1)
        except DocumentError:
            raise   # no OCR models: the whole file waits for them
        except Exception as exc:   # a page the renderer or the models cannot take
            dropped.append(f"第{i + 1}页：{OCR_FAILED}（{exc.__class__.__name__}）")
            continue
        recognized[i] = [_scaled(l, 72 / OCR_DPI) for l in lines]
    return recognized


def _scaled(line: dict, scale: float) -> dict:
    """A recognized line (and its boxes) from pixels to PDF points."""
    keys = ("x0", "x1", "top", "bottom")
    return dict(line, **{k: line[k] * scale for k in keys},
                boxes=[dict(b, **{k: b[k] * scale for k in keys}) for b in line["boxes"]])


def _recognized_tables(lines: list[dict]):
    """(text lines outside tables, True, tables) of a recognized page: its tables found from the
    boxes' alignment, as on a digital page without rulings."""
    tables = aligned_tables([line["boxes"] for line in lines])
    return [l for l in lines if not inside(l, [bbox for bbox, _ in tables])], True, tables


def extract_image(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Extracted:
    """A scanned page saved as an image (.png, .jpg, .tif; a TIFF may hold several pages), recognized."""
    images = image_pages(path)
    check_ocr_pages(path, len(images), limits)
    blocks, unsure, tables = [], [], 0
    for number, image in enumerate(images, 1):
        lines = ocr_lines(image, path, number if len(images) > 1 else None)
        blocks.append(PAGE_BREAK)
        body, _, page_tables = _recognized_tables(lines)
        tables = _page_blocks(blocks, body, page_tables, tables)
        unsure += [l["text"] for l in lines if l["confidence"] < UNSURE_BELOW]
    return assemble(blocks, ocr_pages=tuple(range(1, len(images) + 1)), unsure=tuple(unsure))


def _read_page(page):
    """(height, text lines outside tables, has images, [(bbox, grid)] of its tables)."""
    tables = pdf_tables(page)
    lines = [l for l in page.extract_text_lines() if not inside(l, [bbox for bbox, _ in tables])]
    return page.height, lines, bool(page.images), tables


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
    for height, lines, *_ in pages:
        seen.update({_shape(l["text"].strip()) for l in lines if l["top"] < 0.1 * height or l["bottom"] > 0.9 * height})
    return {shape for shape, n in seen.items() if n >= max(2, len(pages) // 2)}


def _join_lines(lines) -> list[str]:
    """Wrapped lines back into paragraphs: a new one starts after a short line that ends a
    sentence, at an indented line, or after a wide vertical gap. Chinese lines are joined
    without a space, and so are the digits of a figure; Latin words across a break keep one."""
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
        if current and (re.match(r"[A-Za-z]", text[:1]) and re.search(r"[A-Za-z0-9]$", current)
                        or re.match(r"[0-9]", text[:1]) and re.search(r"[A-Za-z]$", current)):
            current += " "   # Latin words keep their space; a figure broken over two lines (1|0个) does not
        current += text
        prev = line
    if current:
        paragraphs.append(current)
    return paragraphs


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
    """Markdown reduced to paragraphs: headings kept as headings, markup, code and rules
    dropped, pipe tables read as tables."""
    out: list = []
    in_fence, grid, heading_text = False, [], ""
    for line in text.split("\n") + [""]:
        cells = None if in_fence else markdown_row(line)
        if cells is not None:
            if not is_markdown_rule(cells):
                grid.append([_markdown_inline(c) for c in cells])
            continue
        if grid:
            rows = row_sentences(grid)
            if rows:
                out.append(TableBlock(caption_before(out, sum(isinstance(b, TableBlock) for b in out), heading_text),
                                      tuple(rows)))
            grid = []
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
        stripped = _markdown_inline(stripped)
        heading_text = stripped if heading else heading_text
        out.append((stripped, bool(heading)))
    return assemble(out)


def _markdown_inline(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return text
