"""Table grids read from each format, merged cells spread over the positions they cover:
HTML ``<table>`` (rowspan, colspan), PDF tables by pdfplumber's finder (ruled, and unruled
by text alignment), Markdown pipe tables. Spreadsheets: ingest/sheets.py. What a grid
becomes: ingest/tables.py."""
from __future__ import annotations

import re

from rag.ingest.tables import is_numeric

MAX_CELL_CHARS = 80   # a "table" whose cells are paragraphs is page layout, not data


def data_table(grid: list[list[str]]) -> bool:
    """Whether a grid reads as a data table: 2+ rows and columns, short cells, some figures."""
    cells = [c for row in grid for c in row if c]
    if len(grid) < 2 or max((len(r) for r in grid), default=0) < 2 or not cells:
        return False
    if sum(len(c) for c in cells) / len(cells) > MAX_CELL_CHARS / 2 or max(len(c) for c in cells) > 4 * MAX_CELL_CHARS:
        return False
    return any(is_numeric(c) for c in cells)


# ------------------------------------------------------------------ HTML

def html_tables(root) -> list[tuple[object, str, list[list[str]]]]:
    """(element, caption, grid) for each data table in an lxml tree, innermost tables only."""
    found = []
    for table in root.iter("table"):
        if next(table.iterdescendants("table"), None) is not None:
            continue   # holds another table: layout
        grid = _html_grid(table)
        if data_table(grid):
            caption = table.find("caption")
            text = _text(caption) if caption is not None else _heading_before(table)
            found.append((table, text, grid))
    return found


def _text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def _heading_before(table) -> str:
    """The short text just above a table (a caption paragraph or a heading)."""
    node = table.getprevious()
    for _ in range(3):
        if node is None:
            return ""
        text = _text(node) if isinstance(node.tag, str) else ""
        if text:
            return text if len(text) <= 40 else ""
        node = node.getprevious()
    return ""


def _html_grid(table) -> list[list[str]]:
    """Rows of cell texts with rowspan/colspan cells repeated where they reach."""
    grid: list[list[str | None]] = []
    pending: dict[tuple[int, int], str] = {}   # (row, col) filled by a rowspan from above
    rows = [tr for tr in table.iter("tr")]
    for r, tr in enumerate(rows):
        row: list[str | None] = []
        col = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while (r, col) in pending:
                row.append(pending.pop((r, col)))
                col += 1
            text = _text(cell)
            span_c = _span(cell.get("colspan"))
            span_r = _span(cell.get("rowspan"))
            for dc in range(span_c):
                row.append(text)
                for dr in range(1, span_r):
                    pending[(r + dr, col + dc)] = text
            col += span_c
        while (r, col) in pending:
            row.append(pending.pop((r, col)))
            col += 1
        grid.append([c or "" for c in row])
    return grid


def _span(value) -> int:
    try:
        return max(1, min(int(value or 1), 100))
    except ValueError:
        return 1


# ------------------------------------------------------------------ PDF

def pdf_tables(page) -> list[tuple[tuple[float, float, float, float], list[list[str]]]]:
    """(bbox, grid) for the tables on a pdfplumber page: ruled ones by their lines, else
    unruled ones by the alignment of the text (unruled_tables)."""
    found = [(t.bbox, _pdf_grid(page, t)) for t in page.find_tables()]
    found = [(bbox, grid) for bbox, grid in found if data_table(grid)]
    return found or unruled_tables(page)


def unruled_tables(page) -> list[tuple[tuple[float, float, float, float], list[list[str]]]]:
    """Tables drawn without lines: 3+ consecutive text lines each cut by wide gaps into 2+
    pieces, the pieces of all those lines falling into the same columns. (pdfplumber's text
    strategy takes the prose around such a table for one more column.)"""
    words = page.extract_words(x_tolerance=1.5)
    lines: list[list[dict]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - word["top"]) <= 2:
            lines[-1].append(word)
        else:
            lines.append([word])
    return aligned_tables([sorted(line, key=lambda w: w["x0"]) for line in lines])


def aligned_tables(lines: list[list[dict]]) -> list[tuple[tuple[float, float, float, float], list[list[str]]]]:
    """Tables among text lines given as their words or boxes (dicts with text, x0, x1, top,
    bottom; left to right), from a PDF's text layer or from OCR."""
    found, run = [], []
    for line in lines + [[]]:
        pieces = _pieces(line)
        if len(pieces) >= 2:
            run.append(pieces)
            continue
        if len(run) >= 3 and (table := _aligned(run)) is not None:
            found.append(table)
        run = []
    return found


def _pieces(line: list[dict]) -> list[tuple[float, float, str, float, float]]:
    """A line's words joined where they stand closer than a character's height: (x0, x1, text, top, bottom)."""
    pieces = []
    for w in line:
        size = w["bottom"] - w["top"]
        if pieces and w["x0"] - pieces[-1][1] < size:
            x0, _, text, top, bottom = pieces[-1]
            pieces[-1] = (x0, w["x1"], text + w["text"], min(top, w["top"]), max(bottom, w["bottom"]))
        else:
            pieces.append((w["x0"], w["x1"], w["text"], w["top"], w["bottom"]))
    return pieces


def _aligned(run):
    """The grid of a run of cut lines when their pieces fall into common columns (the union of
    overlapping x ranges), and it reads as a data table; else None."""
    spans = sorted((p[0], p[1]) for pieces in run for p in pieces)
    columns = [list(spans[0])]
    for x0, x1 in spans[1:]:
        if x0 <= columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], x1)
        else:
            columns.append([x0, x1])
    if len(columns) < 2:
        return None
    grid = []
    for pieces in run:
        row = [""] * len(columns)
        for x0, x1, text, _, _ in pieces:
            col = next(i for i, (a, b) in enumerate(columns) if a <= x0 <= b)
            row[col] = (row[col] + text) if row[col] else text
        grid.append(row)
    # aligned text also cuts prose; a table has figures in most of its rows
    with_figures = sum(any(is_numeric(c) for c in row[1:] if c) for row in grid)
    if not data_table(grid) or with_figures < max(2, len(grid) // 2):
        return None
    bbox = (columns[0][0], min(p[3] for p in run[0]), columns[-1][1], max(p[4] for p in run[-1]))
    return bbox, grid


def _pdf_grid(page, table) -> list[list[str]]:
    """The table's cells on the grid of all their edges; a merged cell fills every position it covers."""
    cells = [c for c in table.cells if c]
    if not cells:
        return []
    xs = sorted({round(c[0], 1) for c in cells} | {round(max(c[2] for c in cells), 1)})
    ys = sorted({round(c[1], 1) for c in cells} | {round(max(c[3] for c in cells), 1)})
    grid = [["" for _ in xs[:-1]] for _ in ys[:-1]]
    for x0, top, x1, bottom in cells:
        text = re.sub(r"\s+", "", page.crop((x0, top, x1, bottom), strict=False).extract_text() or "")
        for r, (a, b) in enumerate(zip(ys, ys[1:])):
            if a >= round(top, 1) - 0.5 and b <= round(bottom, 1) + 0.5:
                for c, (u, v) in enumerate(zip(xs, xs[1:])):
                    if u >= round(x0, 1) - 0.5 and v <= round(x1, 1) + 0.5:
                        grid[r][c] = text
    return grid


def inside(line: dict, boxes) -> bool:
    """Whether a text line's middle lies in one of the boxes (x0, top, x1, bottom)."""
    y = (line["top"] + line["bottom"]) / 2
    x = (line["x0"] + line["x1"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


# ------------------------------------------------------------------ Markdown

def markdown_row(line: str) -> list[str] | None:
    """The cells of a pipe-table line; None for a line that is not one."""
    s = line.strip()
    if not (s.startswith("|") and s.endswith("|") and len(s) > 2):
        return None
    return [c.strip() for c in s[1:-1].split("|")]


def is_markdown_rule(cells: list[str]) -> bool:
    return all(re.fullmatch(r":?-{2,}:?", c) for c in cells)
