"""Per-file limits: zip bombs, oversized text and PDFs are refused by name, with the limit."""
import struct
import tempfile
import zipfile
from pathlib import Path

import pytest

from rag.cli import main
from rag.errors import ConfigError, DocumentError
from rag.ingest.documents import load_documents, read_document
from rag.ingest.limits import ReadLimits

from formats_fixtures import make_docx, make_pdf, require_cjk_font
from helpers import SEEDS

PARAGRAPH = "<w:p><w:r><w:t>达州市累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个。</w:t></w:r></w:p>"


def _bomb(tmp_path, inner_mb: float, name: str = "炸弹.docx"):
    """A real .docx whose document.xml holds ``inner_mb`` MB of one repeated paragraph."""
    source = zipfile.ZipFile(make_docx(Path(tempfile.mkdtemp()) / "src.docx"))
    head, tail = source.read("word/document.xml").decode().split("<w:body>")
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for part in source.namelist():
            if part == "word/document.xml":
                with out.open(part, "w") as f:
                    f.write((head + "<w:body>").encode())
                    block = (PARAGRAPH * 1000).encode()
                    for _ in range(int(inner_mb * 1024 * 1024 / len(block)) + 1):
                        f.write(block)
                    f.write(tail.encode())
            else:
                out.writestr(part, source.read(part))
    return path


def _lie_about_sizes(path, claimed: int = 1000) -> None:
    """Rewrite every header's uncompressed size (local and central) to ``claimed``."""
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := raw.find(signature, start)) >= 0:
            raw[start + offset:start + offset + 4] = struct.pack("<I", claimed)
            start += 4
    path.write_bytes(bytes(raw))


def test_a_zip_bomb_is_refused_by_name_with_the_limit(tmp_path):
    bomb = _bomb(tmp_path, 12)
    assert bomb.stat().st_size < 200_000
    with pytest.raises(DocumentError, match=r"炸弹\.docx: unzips to 12\.\d MB, over the limit of 8 MB.*--max-unzipped-mb"):
        read_document(bomb, ReadLimits(max_unzipped_mb=8))
    assert "4.2万余个" in read_document(_bomb(tmp_path, 0.05, "小.docx")).text


def test_a_zip_whose_headers_lie_is_unpacked_only_as_far_as_they_say(tmp_path):
    bomb = _bomb(tmp_path, 12)
    _lie_about_sizes(bomb)
    assert sum(p.file_size for p in zipfile.ZipFile(bomb).infolist()) < 100_000
    with pytest.raises(DocumentError, match=r"炸弹\.docx: not a readable Word \.docx file"):
        read_document(bomb, ReadLimits(max_unzipped_mb=8))


def test_too_much_xml_inside_is_refused_before_parsing(tmp_path):
    with pytest.raises(DocumentError, match=r"炸弹\.docx: 12\.\d MB of XML inside, over the limit of 4 MB.*--max-xml-mb"):
        read_document(_bomb(tmp_path, 12), ReadLimits(max_xml_mb=4))


def test_too_many_parts_and_too_many_pages(tmp_path):
    docx = make_docx(tmp_path / "报告.docx")
    with pytest.raises(DocumentError, match=r"parts inside.*--max-zip-entries"):
        read_document(docx, ReadLimits(max_zip_entries=3))
    require_cjk_font()
    pdf = make_pdf(tmp_path / "报告.pdf")
    with pytest.raises(DocumentError, match=r"2 pages, over the limit of 1 pages.*--max-pages"):
        read_document(pdf, ReadLimits(max_pages=1))


def test_large_text_is_refused_before_it_is_read(tmp_path, monkeypatch):
    big = tmp_path / "大文件.txt"
    big.write_text("张掖市建成四级综治中心981个。\n" * 50_000, encoding="utf-8")   # 2.2 MB
    monkeypatch.setattr("pathlib.Path.read_bytes", lambda self: pytest.fail("read although over the limit"))
    with pytest.raises(DocumentError, match=r"大文件\.txt: 2\.\d MB of text, over the limit of 1 MB.*--max-text-mb"):
        read_document(big, ReadLimits(max_text_mb=1))


def test_extracted_text_over_the_limit_is_refused(tmp_path):
    with pytest.raises(DocumentError, match="MB of text"):
        read_document(_bomb(tmp_path, 3), ReadLimits(max_text_mb=1))


def test_limits_must_be_positive():
    with pytest.raises(ConfigError, match="--max-pages must be a positive number"):
        ReadLimits(max_pages=0)


def test_a_bomb_in_a_folder_is_skipped_and_the_rest_indexed(tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    for seed in SEEDS.glob("*.txt"):
        (docs / seed.name).write_bytes(seed.read_bytes())
    _bomb(docs, 12)
    code = main(["index", str(docs), "--index", str(tmp_path / "ix"), "--embedder", "hashing",
                 "--max-unzipped-mb", "8"])
    err = capsys.readouterr().err
    assert code == 1 and "skipped" in err and "炸弹.docx" in err and "--max-unzipped-mb" in err
    assert len(load_documents([docs], ReadLimits(max_unzipped_mb=8)).documents) == 5


def test_encrypted_pdf_is_named_as_password_protected(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    require_cjk_font()
    source = pypdf.PdfReader(str(make_pdf(tmp_path / "src.pdf")))
    writer = pypdf.PdfWriter()
    for page in source.pages:
        writer.add_page(page)
    writer.encrypt("口令")
    with open(tmp_path / "加密.pdf", "wb") as f:
        writer.write(f)
    with pytest.raises(DocumentError, match=r"加密\.pdf: password-protected PDF"):
        read_document(tmp_path / "加密.pdf")


def test_deeply_nested_html_still_gives_its_text(tmp_path):
    body = "<p>达州市累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个。</p>"
    page = "<html><head><title>报告</title></head><body>" + "<div>" * 100_000 + body + "</div>" * 100_000 + "</body></html>"
    (tmp_path / "深.html").write_text(page, encoding="utf-8")
    doc = read_document(tmp_path / "深.html")
    assert doc.text.splitlines() == ["报告", "达州市累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个。"]
    (tmp_path / "菜单.html").write_text("<html><body>" + "<div>" * 5000 + "<a>首页</a><a>新闻</a>" + "</div>" * 5000,
                                      encoding="utf-8")
    with pytest.raises(DocumentError, match="no article text"):
        read_document(tmp_path / "菜单.html")


def test_control_characters_are_removed_from_text(tmp_path):
    (tmp_path / "报告.md").write_bytes("# 标题\n张掖市建成\x00四级综治中心\x1b[2K981个。\n".encode())
    doc = read_document(tmp_path / "报告.md")
    assert "\x00" not in doc.text and "\x1b" not in doc.text and "四级综治中心[2K981个" in doc.text
