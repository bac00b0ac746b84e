"""Which table, row and column a cited sentence or figure comes from, for the sentences that
are table rows (ingest/tables.py)."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

import numpy as np

from rag.answer.counts import FIGURE_TYPES
from rag.answer.question import QuestionAnalysis
from rag.ingest.clean import CleanDocument
from rag.ingest.tables import TableCell, TableRow
from rag.text.normalize import normalize


@dataclass(frozen=True)
class TableCite:
    """A citation's place in a table: the table's caption, the row label, and, once the
    figure is known, the column header and the cell's span in the citation's paragraph text."""
    table: str
    row: str
    column: str = ""
    cell: tuple[int, int] | None = None

    def label(self) -> str:
        """表：各类案件统计表，行：2023年，列：刑事案件·立案数"""
        parts = [f"表：{self.table}", f"行：{self.row}"] + ([f"列：{self.column}"] if self.column else [])
        return "，".join(parts)

    def to_json(self) -> dict:
        return {"table": self.table, "row": self.row, "column": self.column or None,
                "cell": list(self.cell) if self.cell else None}


def row_at(doc: CleanDocument, original_offset: int) -> TableRow | None:
    """The table row whose sentence holds an offset of the original text, if any."""
    rows = doc.document.table_rows
    i = bisect.bisect_right(rows, original_offset, key=lambda r: r.start) - 1
    return rows[i] if i >= 0 and original_offset < rows[i].end else None


def table_cite(doc: CleanDocument, original_start: int) -> TableCite | None:
    row = row_at(doc, original_start)
    return TableCite(row.table, row.label) if row else None


def cell_in_text(doc: CleanDocument, paragraph_start: int, cell: TableCell) -> tuple[int, int]:
    """A cell's span in its paragraph's cleaned text (cells are recorded in the original text)."""
    start, end = (int(np.searchsorted(doc.origin, x)) - paragraph_start for x in (cell.start, cell.end))
    return start, end


def with_cell(cite: TableCite, doc: CleanDocument, paragraph_start: int, original_offset: int) -> TableCite:
    """``cite`` with the column and span of the cell holding ``original_offset`` (the figure's
    start); unchanged when the figure is not in a cell (the row label, say)."""
    row = row_at(doc, original_offset)
    cell = row.cell_at(original_offset) if row else None
    if cell is None:
        return cite
    return TableCite(cite.table, cite.row, cell.header, cell_in_text(doc, paragraph_start, cell))


def _header_tokens(header: str) -> set[str]:
    """A header's Han character pairs (a lone character when it has one) and its numbers."""
    tokens = set(re.findall(r"\d+(?:\.\d+)?", header))
    for run in re.findall(r"[\u3400-\u9fff]+", header):
        tokens.update(run[i:i + 2] for i in range(len(run) - 1)) if len(run) > 1 else tokens.add(run)
    return tokens


def asked_cell(analysis: QuestionAnalysis, row: TableRow) -> TableCell | None:
    """The cell of a table row a question asks for: the one whose column header the question
    says most completely (its share of the header's character pairs and numbers, then how many),
    a figure for a figure question. None when no header shares a word with the question."""
    question = normalize(analysis.question)
    best, best_key = None, (0.0, 0)
    for cell in row.cells:
        if analysis.answer_type in FIGURE_TYPES and not re.search(r"\d", cell.value):
            continue
        tokens = _header_tokens(normalize(cell.header))
        found = sum(t in question for t in tokens)
        key = (found / len(tokens), found) if tokens else (0.0, 0)
        if found and key > best_key:
            best, best_key = cell, key
    return best
