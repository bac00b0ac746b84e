"""Spreadsheets and CSV files as tables, titled by their file name (a workbook has no title
line; 2023年张掖市案件统计.xlsx names itself): each sheet a section under its name, each block of
rows (blank rows apart) a table whose row sentences come from ingest/tables.py; a block of
one value (a title merged across the columns) is the caption of the table below it."""
from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.formats import Extracted, TableBlock, assemble, require
from rag.ingest.limits import DEFAULT_LIMITS, ReadLimits, check_rows, check_zip
from rag.ingest.tables import clean_cell, row_sentences, spread_merges


def extract_xlsx(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> Extracted:
    """Every sheet's tables, with merged cells spread and formulas read as the values Excel
    or WPS saved with them (a formula with no saved value is refused, naming its sheet)."""
    openpyxl = require("openpyxl", "openpyxl")
    check_zip(path, limits, "Excel .xlsx")
    try:
        # a streaming pass first, stopping past the row limit (a declared size may lie): a sheet
        # too large is refused before the workbook is loaded, and formula cells are found
        formulas = {}
        streamed = openpyxl.load_workbook(path, read_only=True, data_only=False)
        for sheet in streamed.worksheets:
            rows = list(itertools.islice(sheet.iter_rows(), limits.max_rows + 1))
            check_rows(path, f"sheet '{sheet.title}': ", len(rows), limits, counted_to_limit=True)
            formulas[sheet.title] = [(c.row, c.column) for row in rows for c in row if c.data_type == "f"]
        streamed.close()
        values = openpyxl.load_workbook(path, data_only=True)
    except DocumentError:
        raise
    except Exception as exc:   # openpyxl raises zip, XML, key and value errors for damaged files
        raise DocumentError(path, f"not a readable Excel .xlsx file ({exc.__class__.__name__}); "
                            "re-save it from Excel or WPS as .xlsx") from exc
    blocks = []
    for sheet in values.worksheets:
        grid = [[_value(c) for c in row] for row in sheet.iter_rows()]
        unsaved = [sheet.cell(r, c).coordinate for r, c in formulas.get(sheet.title, ())
                   if sheet.cell(r, c).value is None]
        if unsaved:
            raise DocumentError(path, f"sheet '{sheet.title}': {len(unsaved)} formula cells have no saved value "
                                f"(e.g. {unsaved[0]}); open the file in Excel or WPS and save it, so the "
                                "values are stored with the formulas")
        merges = [(r.min_row - 1, r.min_col - 1, r.max_row - 1, r.max_col - 1) for r in sheet.merged_cells.ranges]
        blocks += [(sheet.title, True)] + _grid_blocks(spread_merges(grid, merges), sheet.title)
    if not any(isinstance(b, TableBlock) for b in blocks):
        raise DocumentError(path, "the workbook holds no table with values")
    title = title_from_name(path)
    return assemble([(title, True)] + blocks, title=title)


def title_from_name(path: Path) -> str:
    """A file name as a title: 05_绵阳市2021年统计.csv -> 绵阳市2021年统计."""
    return re.sub(r"^\d+[_\-\s.]+", "", path.stem).replace("_", " ").strip() or path.stem


def _value(cell) -> str:
    """A cell as the sheet shows it: whole numbers without .0, thousands separated where the
    format says so, percentages as percentages (with their + where the format has one)."""
    value, shown = cell.value, cell.number_format or ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        sign = "+" if shown.startswith("+") and value > 0 else ""
        if "%" in shown:
            return f"{sign}{value * 100:.{_decimals(shown)}f}%"
        if float(value).is_integer():
            return sign + (f"{int(value):,}" if "," in shown else str(int(value)))
        return f"{sign}{value:.10g}"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return clean_cell(value)


def _decimals(number_format: str) -> int:
    """Decimal places of a percentage format such as 0.0%."""
    head = number_format.split("%")[0]
    return len(head.split(".")[1]) if "." in head else 0


def extract_csv(path: Path, text: str, limits: ReadLimits = DEFAULT_LIMITS) -> Extracted:
    """A CSV file (decoded already) as one table under the file's name."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    check_rows(path, "", len(rows), limits)
    title = title_from_name(path)
    blocks = _grid_blocks(rows, title)
    if not blocks:
        raise DocumentError(path, "the CSV file holds no table with values")
    return assemble([(title, True)] + blocks, title=title)


def _grid_blocks(grid: list[list[str]], name: str) -> list:
    """A sheet's rows cut at blank rows into tables; a lone value above a table is its caption."""
    blocks, caption, part = [], "", []
    for row in grid + [[]]:
        cells = [clean_cell(c) for c in row]
        if any(cells):
            part.append(cells)
            continue
        # title lines (one value, often merged across the columns) caption the table below
        while part and len(titles := {c for c in part[0] if c}) == 1:
            caption = titles.pop()
            blocks.append((caption, True))
            part = part[1:]
        if part and (rows := row_sentences(part)):
            blocks.append(TableBlock(caption or name, tuple(rows)))
            caption = ""
        part = []
    return blocks
