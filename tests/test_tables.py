"""Tables read as tables: grids to row sentences, every format's tables, cell citations, and
spreadsheets that cannot be read."""
import json
import shutil
from pathlib import Path

import pytest

from rag.cli import main
from rag.errors import DocumentError
from rag.ingest.documents import load_documents, read_document
from rag.ingest.limits import ReadLimits
from rag.ingest.tables import row_sentences

from formats_fixtures import require_cjk_font
from helpers import SEEDS


def _texts(grid):
    return [r.text for r in row_sentences(grid)]


def test_a_row_sentence_carries_its_label_and_merged_headers():
    grid = [["序号", "地区", "刑事案件", "刑事案件", "同比"],
            ["序号", "地区", "立案数（件）", "结案数（件）", "同比"],
            ["1", "达州市", "1,234", "1100", "-5.2%"],
            ["2", "乐山市", "987", "900", "+3.1%"]]
    rows = row_sentences(grid)
    # the merged group header said once per column, the unit moved to the figure, row numbers dropped
    assert rows[0].text == "达州市 · 刑事案件·立案数：1,234件，刑事案件·结案数：1100件，同比：-5.2%。"
    assert [(c.header, rows[1].text[c.start:c.end]) for c in rows[1].cells] == [
        ("刑事案件·立案数", "987件"), ("刑事案件·结案数", "900件"), ("同比", "+3.1%")]
    # years label rows, and head columns; a blank right of a group header is that group (CSV)
    assert _texts([["年份", "立案数", "破案率"], ["2023年", "1234件", "96.5%"]]) == ["2023年 · 立案数：1234件，破案率：96.5%。"]
    assert _texts([["指标", "2022年", "2023年"], ["刑事案件", "1200", "1234"]]) == ["刑事案件 · 2022年：1200，2023年：1234。"]
    assert _texts([["类别", "立案数", "", "同比"], ["", "2022年（件）", "2023年（件）", ""], ["治安案件", "300", "280", "-6.7%"]]) \
        == ["治安案件 · 立案数·2022年：300件，立案数·2023年：280件，同比：-6.7%。"]


def test_every_format_reads_the_known_tables(tmp_path):
    """Word, ruled and unruled PDF, Excel, web page, CSV and Markdown: every data cell is read
    with its row label and column header (eval/table_accuracy.py measures the same at scale)."""
    require_cjk_font()
    from rag.evaluate.table_docs import FORMATS, expected_cells, known_tables, write
    for number, (table, fmt) in enumerate(zip(known_tables(count=len(FORMATS)), FORMATS)):
        doc = read_document(write(table, fmt, tmp_path, number))
        read = {(r.label, c.header, c.value) for r in doc.table_rows for c in r.cells}
        assert set(expected_cells(table, fmt)) <= read, fmt
        assert {r.table for r in doc.table_rows} == {table.caption}, fmt
        if fmt not in ("xlsx", "csv"):   # the text around the table kept
            assert "以上数据由市委政法委汇总。" in doc.text and table.title in doc.text, fmt


def test_a_page_layout_table_is_text_not_a_table(tmp_path):
    page = ("<html><body><table><tr><td><h1>达州市政法工作报告</h1><p>今年以来，我市政法机关创新“三融合三提升”机制，"
            "全面助力依法治市，促进了干部群众法治意识大提升，成效明显，群众满意。</p>"
            "<table><tr><th>项目</th><th>数量</th></tr><tr><td>综治中心</td><td>981个</td></tr>"
            "<tr><td>网格</td><td>1807个</td></tr></table></td></tr></table></body></html>")
    (tmp_path / "报告.html").write_text(page, encoding="utf-8")
    doc = read_document(tmp_path / "报告.html")
    assert "三融合三提升" in doc.text
    assert [doc.text[r.start:r.end] for r in doc.table_rows] == ["综治中心 · 数量：981个。", "网格 · 数量：1807个。"]


def _workbook(path, rows, formula=False):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "案件统计"
    ws.append(["2023年张掖市各类案件统计表"])
    ws.merge_cells("A1:D1")
    ws.append(["类别", "立案数", None, "同比"])
    ws.append([None, "2022年（件）", "2023年（件）", None])
    ws.merge_cells("B2:C2")
    ws.merge_cells("A2:A3")
    ws.merge_cells("D2:D3")
    for label, a, b, change in rows:
        ws.append([label, a, b, change])
        ws.cell(ws.max_row, 4).number_format = "0.0%"
    if formula:
        ws.append(["合计", "=SUM(B4:B5)", "=SUM(C4:C5)", None])   # openpyxl saves no value with a formula
    wb.save(str(path))
    return path


ROWS = [("刑事案件", 1200, 1234, 0.028), ("治安案件", 300, 280, -0.067)]


def test_a_figure_from_a_table_cites_its_table_row_and_column(tmp_path, capsys):
    folder = tmp_path / "docs"
    shutil.copytree(SEEDS, folder)
    _workbook(folder / "2023年张掖市案件统计.xlsx", ROWS)
    index = str(tmp_path / "ix")
    assert main(["index", str(folder), "--index", index, "--embedder", "hashing"]) == 0
    capsys.readouterr()
    assert main(["ask", "张掖2023年刑事案件立案数是多少?", "--index", index, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answer"].startswith("1234件。") and out["span"]["text"] == "1234件"
    cited = out["citations"][0]
    assert cited["doc"] == "2023年张掖市案件统计.xlsx" and cited["place"].startswith("张掖市")
    assert cited["table"]["table"] == "2023年张掖市各类案件统计表" and cited["table"]["row"] == "刑事案件"
    assert cited["table"]["column"] == "立案数·2023年"
    start, end = cited["table"]["cell"]
    assert cited["text"][start:end] == "1234件"   # the cell, marked within the row as shown
    assert main(["ask", "张掖市治安案件立案数同比是多少?", "--index", index]) == 0
    text = capsys.readouterr().out
    assert text.startswith("-6.7%。") and "表：2023年张掖市各类案件统计表，行：治安案件，列：同比" in text


def test_the_page_card_names_the_cell_and_marks_it(tmp_path):
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    from rag.embed.backends import HashingEmbedder
    from rag.stores.local.index import build_index
    from rag.ui.render import citation_html

    _workbook(tmp_path / "2023年张掖市案件统计.xlsx", ROWS)
    shutil.copy(SEEDS / "003_609a4863e0b5e6ba.txt", tmp_path)
    embedder = HashingEmbedder(256)
    index, _ = build_index([tmp_path], embedder, cache_dir=tmp_path / "cache")
    answer = ask(Searcher(index, embedder), "张掖2022年刑事案件立案数是多少?", "hybrid")
    card = citation_html(index, answer.citations[0], "original", answer.span.in_text)
    assert "表：2023年张掖市各类案件统计表，行：刑事案件，列：立案数·2022年" in card
    assert "<b class='span'>1200件</b>" in card


def test_spreadsheets_that_cannot_be_read_are_named_and_the_rest_indexed(tmp_path):
    import openpyxl
    _workbook(tmp_path / "公式.xlsx", ROWS, formula=True)
    with pytest.raises(DocumentError, match="sheet '案件统计': 2 formula cells have no saved value.*save it"):
        read_document(tmp_path / "公式.xlsx")
    wb = openpyxl.Workbook(write_only=True)
    sheet = wb.create_sheet("明细")
    for i in range(100_001):
        sheet.append([f"案件{i}", i])
    wb.save(str(tmp_path / "明细.xlsx"))
    with pytest.raises(DocumentError, match="sheet '明细': more than 20000 rows, over the limit of 20000 rows.*--max-rows"):
        read_document(tmp_path / "明细.xlsx")
    (tmp_path / "损坏.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    (tmp_path / "统计.csv").write_text("类别,立案数（件）\n刑事案件,1234\n治安案件,280\n", encoding="gbk")
    result = load_documents([tmp_path], ReadLimits())
    assert {d.name for d in result.documents} == {"统计.csv"}
    assert {Path(str(f).split(":")[0]).name for f in result.failures} == {"公式.xlsx", "明细.xlsx", "损坏.xlsx"}
    csv_doc = result.documents[0]
    assert [csv_doc.text[r.start:r.end] for r in csv_doc.table_rows] == ["刑事案件 · 立案数：1234件。",
                                                                         "治安案件 · 立案数：280件。"]
