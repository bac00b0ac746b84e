"""Report files made from known tables, to measure how tables are read (eval/table_accuracy.py)
and to test it: each table written as Word, PDF (ruled and unruled), Excel, web page, CSV or
Markdown, with a two-row header whose top cells are merged across columns, figures with
units in the header or the cell, and percentages."""
from __future__ import annotations

import csv
import html
import random
from dataclasses import dataclass
from pathlib import Path

FORMATS = ("docx", "pdf", "pdf-unruled", "xlsx", "html", "csv", "md")
PLACES = ("达州市", "乐山市", "张掖市", "荣昌区", "广元市", "绵阳市", "宜宾市", "南充市", "眉山市", "遂宁市",
          "酒泉市", "武威市", "永川区", "合川区")
CATEGORIES = ("刑事案件", "治安案件", "民商事案件", "行政案件", "矛盾纠纷", "信访事项", "电信诈骗案件",
              "毒品案件", "交通事故", "执行案件")
MEASURES = (("立案数", "件"), ("结案数", "件"), ("涉案人数", "人"), ("挽回损失", "万元"))
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


@dataclass(frozen=True)
class KnownTable:
    """A table as its author meant it: a group header over two year columns, a change column."""
    place: str
    year: int
    measure: str                        # the group header, merged over the year columns
    unit: str                           # said in the year columns' headers: 2022年（件）
    labels: tuple[str, ...]             # row labels, under 类别
    values: tuple[tuple[int, int, float], ...]   # per row: last year, this year, change in %

    @property
    def caption(self) -> str:
        return f"{self.year}年{self.place}各类案件{self.measure}统计表"

    @property
    def title(self) -> str:
        return f"{self.place}{self.year}年政法工作统计"

    def header_rows(self) -> list[list[str]]:
        """The header as drawn: 类别 spans both rows, the measure both year columns, 同比 both rows."""
        return [["类别", self.measure, self.measure, "同比"],
                ["类别", f"{self.year - 1}年（{self.unit}）", f"{self.year}年（{self.unit}）", "同比"]]

    def body_rows(self) -> list[list[str]]:
        return [[label, f"{a:,}" if a >= 10_000 else str(a), f"{b:,}" if b >= 10_000 else str(b), f"{c:+.1f}%"]
                for label, (a, b, c) in zip(self.labels, self.values)]

    def cells(self) -> list[tuple[str, str, str]]:
        """Every data cell as it should read: (row label, column header, value with its unit)."""
        out = []
        for label, row in zip(self.labels, self.body_rows()):
            out += [(label, f"{self.measure}·{self.year - 1}年", row[1] + self.unit),
                    (label, f"{self.measure}·{self.year}年", row[2] + self.unit), (label, "同比", row[3])]
        return out

    def questions(self, doc: str, rng: random.Random, n: int = 3) -> list[dict]:
        """Questions asking for one cell each, with the cell's value as the answer."""
        picked = rng.sample(range(len(self.labels)), min(n, len(self.labels)))
        out = []
        for k, i in enumerate(picked):
            label = self.labels[i]
            asks = [(f"{self.place}{self.year}年{label}{self.measure}是多少？", self.body_rows()[i][2] + self.unit),
                    (f"{self.place}{self.year - 1}年{label}{self.measure}是多少？", self.body_rows()[i][1] + self.unit),
                    (f"{self.place}{label}{self.measure}同比变化了多少？", self.body_rows()[i][3])]
            question, answer = asks[k % 3]
            out.append({"question": question, "answers": [answer], "doc": doc,
                        "evidence": f"{label} · {self.measure}"})
        return out


def known_tables(seed: int = 7, count: int = 21) -> list[KnownTable]:
    rng = random.Random(seed)
    tables = []
    for i in range(count):
        measure, unit = MEASURES[i % len(MEASURES)]
        labels = tuple(rng.sample(CATEGORIES, 4))
        values = tuple((a, max(1, int(a * (1 + c / 100))), c)
                       for a, c in ((rng.randint(80, 30_000), round(rng.uniform(-30, 30), 1)) for _ in labels))
        tables.append(KnownTable(PLACES[i % len(PLACES)], 2020 + i % 4, measure, unit, labels, values))
    return tables


def intro(table: KnownTable) -> str:
    return (f"{table.year}年，{table.place}政法机关坚持以人民为中心，依法打击各类违法犯罪，"
            f"全年各类案件{table.measure}情况见下表。")


def write(table: KnownTable, fmt: str, folder: Path, number: int) -> Path:
    """The table as a report file of format ``fmt`` in ``folder``."""
    stem = f"{number:02d}_{table.place}{table.year}年统计"
    path = folder / f"{stem}.{fmt.split('-')[0]}"
    writer = {"docx": _docx, "pdf": _pdf, "pdf-unruled": _pdf, "xlsx": _xlsx, "html": _html, "csv": _csv,
              "md": _md}[fmt]
    writer(table, path, ruled=fmt != "pdf-unruled")
    return path


def _docx(table: KnownTable, path: Path, ruled: bool) -> None:
    import docx
    d = docx.Document()
    d.add_heading(table.title, level=0)
    d.add_paragraph(intro(table))
    d.add_paragraph(table.caption)
    rows = table.header_rows() + table.body_rows()
    grid = d.add_table(rows=len(rows), cols=4)
    grid.style = "Table Grid"
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if r < 2 and ((r == 1 and c in (0, 3)) or (r == 0 and c == 2)):
                continue   # covered by a merged cell
            grid.cell(r, c).text = text
    grid.cell(0, 0).merge(grid.cell(1, 0))
    grid.cell(0, 1).merge(grid.cell(0, 2))
    grid.cell(0, 3).merge(grid.cell(1, 3))
    d.add_paragraph("以上数据由市委政法委汇总。")
    d.save(str(path))


def _pdf(table: KnownTable, path: Path, ruled: bool) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(TTFont("wqy", CJK_FONT, subfontIndex=0))
    style = ParagraphStyle("body", fontName="wqy", fontSize=11, leading=18, wordWrap="CJK")
    rows = table.header_rows() + table.body_rows()
    if ruled:
        rows[1][0] = rows[1][3] = rows[0][2] = ""   # covered by the spans below
        commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("SPAN", (0, 0), (0, 1)),
                    ("SPAN", (1, 0), (2, 0)), ("SPAN", (3, 0), (3, 1))]
    else:   # no lines: one header row, the measure said in each column
        rows = [["类别", f"{table.measure}{table.year - 1}年（{table.unit}）",
                 f"{table.measure}{table.year}年（{table.unit}）", "同比"]] + table.body_rows()
        commands = []
    grid = Table(rows, colWidths=[110, 120, 120, 80])
    grid.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "wqy"), ("FONTSIZE", (0, 0), (-1, -1), 10),
                              ("VALIGN", (0, 0), (-1, -1), "MIDDLE")] + commands))
    story = [Paragraph(table.title, ParagraphStyle("title", parent=style, fontSize=16, leading=24)),
             Paragraph(intro(table), style), Spacer(1, 10), Paragraph(table.caption, style), Spacer(1, 6), grid,
             Spacer(1, 10), Paragraph("以上数据由市委政法委汇总。", style)]
    SimpleDocTemplate(str(path), pagesize=A4).build(story)


def _xlsx(table: KnownTable, path: Path, ruled: bool) -> None:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"{table.year}年"
    ws.append([table.caption])
    ws.merge_cells("A1:D1")
    ws.append(["类别", table.measure, None, "同比"])
    ws.append([None, f"{table.year - 1}年（{table.unit}）", f"{table.year}年（{table.unit}）", None])
    for label, (a, b, c) in zip(table.labels, table.values):
        ws.append([label, a, b, c / 100])
        for column, value in ((2, a), (3, b)):
            ws.cell(ws.max_row, column).number_format = "#,##0" if value >= 10_000 else "0"
        ws.cell(ws.max_row, 4).number_format = "+0.0%;-0.0%"
    for cells in ("A2:A3", "B2:C2", "D2:D3"):
        ws.merge_cells(cells)
    wb.save(str(path))


def _html(table: KnownTable, path: Path, ruled: bool) -> None:
    e = html.escape
    body = "".join(f"<tr>{''.join(f'<td>{e(c)}</td>' for c in row)}</tr>" for row in table.body_rows())
    page = (f"<html><head><meta charset='utf-8'><title>{e(table.title)}</title></head><body>"
            f"<div class='nav'><a href='/'>首页</a></div><article><h1>{e(table.title)}</h1><p>{e(intro(table))}</p>"
            f"<table border='1'><caption>{e(table.caption)}</caption>"
            f"<tr><th rowspan='2'>类别</th><th colspan='2'>{e(table.measure)}</th><th rowspan='2'>同比</th></tr>"
            f"<tr><th>{table.year - 1}年（{e(table.unit)}）</th><th>{table.year}年（{e(table.unit)}）</th></tr>"
            f"{body}</table><p>以上数据由市委政法委汇总。</p></article></body></html>")
    path.write_text(page, encoding="utf-8")


def _csv(table: KnownTable, path: Path, ruled: bool) -> None:
    rows = [[table.caption, "", "", ""], ["类别", table.measure, "", "同比"], ["", *table.header_rows()[1][1:3], ""]] \
        + table.body_rows()
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        csv.writer(f).writerows(rows)


def _md(table: KnownTable, path: Path, ruled: bool) -> None:
    head = ["类别", f"{table.measure}{table.year - 1}年（{table.unit}）", f"{table.measure}{table.year}年（{table.unit}）",
            "同比"]
    lines = [f"# {table.title}", "", intro(table), "", f"## {table.caption}", "", "| " + " | ".join(head) + " |",
             "|---|---|---|---|"] + ["| " + " | ".join(row) + " |" for row in table.body_rows()]
    path.write_text("\n".join(lines) + "\n\n以上数据由市委政法委汇总。\n", encoding="utf-8")


def expected_cells(table: KnownTable, fmt: str) -> list[tuple[str, str, str]]:
    """The cells as they should read from ``fmt``: a one-row header says the measure and year
    together (no ·), as it is written."""
    if fmt in ("pdf-unruled", "md"):
        return [(label, header.replace("·", ""), value) for label, header, value in table.cells()]
    return table.cells()
