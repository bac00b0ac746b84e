"""Text out of web pages: the article body by trafilatura, or by a streaming parse when it
finds none; data tables read as tables (ingest/grids.py, ingest/tables.py)."""
from __future__ import annotations

import re
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.formats import Extracted, TableBlock, assemble, require
from rag.ingest.grids import html_tables
from rag.ingest.tables import row_sentences


def extract_html(path: Path, raw: bytes) -> Extracted:
    """The article body of a web page (no menus or footers), with its title and date; its
    data tables read as tables, after the text, each under its caption."""
    trafilatura = require("trafilatura", "trafilatura")
    page, tables = _without_data_tables(raw)
    result = trafilatura.bare_extraction(page, include_comments=False, include_tables=True, favor_precision=True,
                                         with_metadata=True)
    text = getattr(result, "text", None) if result is not None else None
    if not text or not text.strip():
        if tables:   # a page that is only its tables
            return assemble(_table_blocks(tables))
        return _plain_html(path, raw)
    title = (getattr(result, "title", "") or "").strip()
    date = (getattr(result, "date", "") or "").strip()
    lines = [l.strip() for l in text.split("\n") if l.strip()]
    if title and (not lines or lines[0] != title):
        lines.insert(0, title)
    blocks = [(line, i == 0 and bool(title)) for i, line in enumerate(lines)]
    return assemble(blocks + _table_blocks(tables), title=title, date=date)


def _without_data_tables(raw: bytes):
    """The page with its data tables taken out (trafilatura flattens them), and those tables
    as (caption, grid); the page as it was when it has none or does not parse."""
    if b"<table" not in raw.lower():
        return raw, []
    import lxml.html
    from lxml import etree
    try:
        root = lxml.html.document_fromstring(_html_text(raw))
    except (ValueError, etree.ParserError):
        return raw, []
    found = html_tables(root)
    for table, _, _ in found:
        table.drop_tree()   # keeps the text after it
    return (lxml.html.tostring(root, encoding="unicode") if found else raw), [(c, g) for _, c, g in found]


def _table_blocks(tables) -> list:
    blocks = []
    for number, (caption, grid) in enumerate(tables, 1):
        rows = row_sentences(grid)
        if rows:
            caption = caption or f"表{number}"
            blocks += [(caption, True), TableBlock(caption, tuple(rows))]
    return blocks


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
