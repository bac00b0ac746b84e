import pytest

from rag.errors import DocumentError
from rag.ingest.documents import decode_bytes, load_documents, read_document

TEXT = "張掖市平安建設工作全省考核排名第一，連續四年被評為“平安甘肅建設優秀市州”。建成綜治中心981個。"
SIMPLIFIED = "今年以来，我市政法机关创新“三融合三提升”机制，建成“雪亮工程”监控探头4.2万余个。"


@pytest.mark.parametrize("raw, encoding", [
    (SIMPLIFIED.encode("utf-8"), "utf-8"),
    (b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"), "utf-8-sig"),
    (SIMPLIFIED.encode("gbk"), "gb18030"),
    (SIMPLIFIED.encode("gb18030"), "gb18030"),
    (TEXT.encode("big5"), "big5"),
    (b"\xff\xfe" + TEXT.encode("utf-16-le"), "utf-16-le"),
    (b"\xfe\xff" + TEXT.encode("utf-16-be"), "utf-16-be"),
])
def test_decode_detects_encoding(raw, encoding):
    text, detected = decode_bytes(raw, "x.txt")
    assert detected == encoding
    assert text in (SIMPLIFIED, TEXT)


def test_utf8_with_a_stray_byte_is_still_read():
    raw = SIMPLIFIED.encode("utf-8") * 20
    raw = raw[:50] + b"\xff" + raw[50:]
    text, encoding = decode_bytes(raw, "x.txt")
    assert encoding.startswith("utf-8") and "雪亮工程" in text


def test_binary_and_undecodable_files_name_the_file(tmp_path):
    png = tmp_path / "scan.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with pytest.raises(DocumentError, match="scan.txt.*binary"):
        read_document(png)
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\t\n", encoding="utf-8")
    with pytest.raises(DocumentError, match="empty.txt.*empty"):
        read_document(empty)


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    (tmp_path / "good.txt").write_text(SIMPLIFIED, encoding="utf-8")
    (tmp_path / "big5.txt").write_bytes(TEXT.encode("big5"))
    (tmp_path / "bad.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4")  # not a supported suffix: not even tried
    result = load_documents([tmp_path, tmp_path / "missing.txt"])
    assert sorted(d.name for d in result.documents) == ["big5.txt", "good.txt"]
    messages = [str(f) for f in result.failures]
    assert any("bad.txt" in m for m in messages) and any("missing.txt" in m for m in messages)


def test_seed_reports_load_unchanged(seed_documents):
    assert len(seed_documents) == 5
    assert all(d.encoding == "utf-8" for d in seed_documents.values())
    assert "發(fā)揮" in seed_documents["003"].text  # the noise is still in the original
