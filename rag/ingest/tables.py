"""Tables as tables: a grid read from any format (merged cells already spread over the
positions they cover) becomes one self-contained sentence per data row, carrying its row
label and column headers, so BM25, the embedder and the answer extractor see the headers
beside every figure:

    2023年 · 刑事案件·立案数：1234件，刑事案件·结案数：1100件，同比：-5.2%。

Each row sentence is recorded (``TableRow``: the table's caption, the row label, and each
cell's header and span in the document text) so a citation can name the table, row and
column of the figure it cites (answer.extract).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_HEADER_ROWS = 3
MAX_LABEL_COLUMNS = 2
NUMERIC = re.compile(r"^[-+−]?[\d,，.]+\s*[%‰]?$|^[-+−]?\d[\d,，.]*\s*[万亿千百]?[\u3400-\u9fff]{0,3}$")
HEADER_UNIT = re.compile(r"^(?P<name>.+?)\s*[(（](?P<unit>[%‰]|[\u3400-\u9fff]{1,3}|[a-zA-Z²/]{1,6})[)）]$")
BARE_NUMBER = re.compile(r"^[-+−]?\d[\d,，]*(?:\.\d+)?$")
# a row label may be a time: 2023年, 2023年1-6月, 一季度, 2023
TIME_LABEL = re.compile(r"^(?:(?:19|20)\d{2}年?(?:度|\d{1,2}(?:-\d{1,2})?月(?:份)?)?|\d{1,2}月(?:份)?|[一二三四1-4]季度)$")


@dataclass(frozen=True)
class TableCell:
    """One data cell of a row sentence: its column header and its value's span in the document text."""
    header: str
    value: str
    start: int
    end: int


@dataclass(frozen=True)
class TableRow:
    """A row sentence in the document text, and what it came from."""
    table: str                       # the caption, or the heading above the table, or 表N
    label: str                       # the row label (first columns), or 第N行
    start: int                       # the sentence's span in the document text
    end: int
    cells: tuple[TableCell, ...]

    def cell_at(self, offset: int) -> TableCell | None:
        return next((c for c in self.cells if c.start <= offset < c.end), None)


@dataclass(frozen=True)
class RowSentence:
    """A row sentence before it has a place in a document: text, label and cells' spans in it."""
    text: str
    label: str
    cells: tuple[TableCell, ...]     # spans within ``text``

    def placed(self, table: str, offset: int) -> TableRow:
        cells = tuple(TableCell(c.header, c.value, c.start + offset, c.end + offset) for c in self.cells)
        return TableRow(table, self.label, offset, offset + len(self.text), cells)


def clean_cell(cell) -> str:
    text = "" if cell is None else str(cell)
    return re.sub(r"\s+", " ", text).strip()


def is_numeric(text: str) -> bool:
    return bool(NUMERIC.match(text.replace(" ", "")))


def header_rows(grid: list[list[str]]) -> int:
    """How many top rows are headers: up to the first row with a figure outside the label
    column, at most MAX_HEADER_ROWS; a table with no figures at all has one header row."""
    for i, row in enumerate(grid[:MAX_HEADER_ROWS + 1]):
        if any(is_numeric(c) and not TIME_LABEL.match(c) for c in row[1:] if c):
            return i
    return 1 if len(grid) > 1 else 0


def is_sequence(column: list[str]) -> bool:
    """A 序号 column: 1, 2, 3 … down the rows."""
    return len(column) > 1 and column == [str(i) for i in range(1, len(column) + 1)]


def label_columns(body: list[list[str]], first: int) -> int:
    """How many columns from ``first`` on name the row (names or times, no figures), at most
    MAX_LABEL_COLUMNS."""
    n = 0
    width = max((len(r) for r in body), default=0)
    while n < MAX_LABEL_COLUMNS and first + n < width - 1:
        column = [r[first + n] for r in body if r[first + n]]
        if not column or any(is_numeric(c) and not TIME_LABEL.match(c) for c in column):
            break
        n += 1
    return n


def column_headers(head: list[list[str]], width: int) -> list[str]:
    """One header per column: the header rows' texts top to bottom, repeats (a merged cell
    over several columns or rows) said once, joined by ·. A blank in a header row above the
    last, right of a text, is that text merged across (as CSV and some exports write it)."""
    head = [_fill_right(row) for row in head[:-1]] + head[-1:]
    headers = []
    for col in range(width):
        parts = []
        for row in head:
            text = row[col] if col < len(row) else ""
            if text and text not in parts:
                parts.append(text)
        headers.append("·".join(parts))
    return headers


def _fill_right(row: list[str]) -> list[str]:
    filled, last = [], ""
    for i, text in enumerate(row):
        last = text or (last if i > 1 else "")   # never into or out of the label column
        filled.append(last)
    return filled


def _with_unit(header: str, value: str) -> tuple[str, str]:
    """立案数（件） and 1234 -> 立案数 and 1234件: the unit goes with the figure."""
    m = HEADER_UNIT.match(header)
    if m and BARE_NUMBER.match(value):
        return m.group("name"), value + m.group("unit")
    return header, value


def row_sentences(grid) -> list[RowSentence]:
    """A grid (rows of cell values, merged cells repeated over their span) as row sentences."""
    rows = [[clean_cell(c) for c in row] for row in grid]
    rows = [r for r in rows if any(r)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    n_head = header_rows(rows)
    head, body = rows[:n_head], rows[n_head:]
    if not body:   # a single row: say it as it is
        body, head = rows, []
    headers = column_headers(head, width)
    first = 1 if head and is_sequence([r[0] for r in body]) else 0   # row numbers say nothing
    n_label = label_columns(body, first) if head else 0
    out = []
    for number, row in enumerate(body, 1):
        label_parts = []
        for c in row[first:first + n_label]:
            if c and c not in label_parts:
                label_parts.append(c)
        label = " ".join(label_parts) or f"第{number}行"
        text, cells, seen = f"{label} · ", [], set()
        for col in range(first + n_label, width):
            value = row[col]
            if not value or (headers[col], value) in seen:   # a data cell merged over columns: once
                continue
            seen.add((headers[col], value))
            header, shown = _with_unit(headers[col], value)
            if cells:
                text += "，"
            if header:
                text += f"{header}："
            cells.append(TableCell(header, shown, len(text), len(text) + len(shown)))
            text += shown
        if cells:
            out.append(RowSentence(text + "。", label, tuple(cells)))
    return out


def spread_merges(values: list[list[str]], merges) -> list[list[str]]:
    """Fill each merged range (row0, col0, row1, col1: inclusive, 0-based) with its top-left value."""
    grid = [list(r) for r in values]
    for r0, c0, r1, c1 in merges:
        if r0 >= len(grid):
            continue
        value = grid[r0][c0] if c0 < len(grid[r0]) else ""
        for r in range(r0, min(r1, len(grid) - 1) + 1):
            for c in range(c0, c1 + 1):
                if c < len(grid[r]):
                    grid[r][c] = value
    return grid
