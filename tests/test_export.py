"""Answers as people paste them: plain text and Markdown with numbered sources, a conversation
as Markdown and as a Word file (read back with python-docx), and the CLI's --format."""
import io

from rag.answer.export import Turn, answer_markdown, answer_text, conversation_docx, conversation_markdown
from rag.answer.extract import ask
from rag.answer.retrieve import Searcher
from rag.cli import main
from rag.stores.local.folder import save_index


def _answers(hashing_index):
    searcher = Searcher(*hashing_index)
    return searcher, ask(searcher, "达州建成了多少个雪亮工程监控探头?", "bm25"), ask(searcher, "张掖建成了多少个雪亮工程监控探头?", "bm25")


def test_text_and_markdown_carry_numbered_sources(hashing_index):
    searcher, found, declined = _answers(hashing_index)
    text = answer_text(found)
    answer, sources = text.split("\n\n")
    assert answer.startswith("4.2万余个。") and answer.endswith("[1]")
    assert sources == "[1] 达州市政法委工作报告（000_e33b01bdb0cac963.txt），推进“治理+改革”融合 提升业务能力，第10段"
    places = {n: d.subject.place for n, d in searcher.store.documents.items()}
    near = answer_text(declined, places)
    assert near.startswith("（张掖市的报告中没有找到") and "资料中没有找到可靠答案\n\n可能相关：\n- [" in near
    md = answer_markdown(found)
    assert "来源：" in md and "  > 累计投入经费3.2亿元" in md and "\\[1\\]" in md   # Markdown's [ kept literal


def test_a_conversation_exports_to_markdown_and_word(hashing_index):
    from docx import Document
    _, found, declined = _answers(hashing_index)
    # a greeting dropped is no other question (no 理解为); a follow-up rewritten is
    turns = [Turn("您好，请问达州建成了多少个雪亮工程监控探头?", found), Turn("那张掖呢?", declined)]
    md = conversation_markdown(turns)
    assert md.startswith("# 工作报告问答记录") and "## 2. 那张掖呢?（理解为：张掖建成了多少个雪亮工程监控探头?）" in md
    assert "## 1. 您好，请问达州建成了多少个雪亮工程监控探头?\n" in md
    doc = Document(io.BytesIO(conversation_docx(turns)))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "1. 您好，请问达州建成了多少个雪亮工程监控探头?" in paragraphs
    assert any(p.startswith("[1] 达州市政法委工作报告（000_e33b01bdb0cac963.txt）") for p in paragraphs)
    assert any(p.startswith("“累计投入经费3.2亿元") for p in paragraphs) and "资料中没有找到可靠答案" in paragraphs


def test_rag_ask_formats_and_filters(hashing_index, tmp_path, capsys):
    save_index(hashing_index[0], tmp_path / "ix")
    common = ["--index", str(tmp_path / "ix"), "--mode", "bm25"]
    assert main(["ask", "建成了多少个雪亮工程监控探头?", "--format", "text", "--place", "达州", *common]) == 0
    out = capsys.readouterr().out
    assert "4.2万余个" in out and "\n[1] 达州市政法委工作报告（000_e33b01bdb0cac963.txt）" in out
    assert main(["ask", "建成了多少个雪亮工程监控探头?", "--format", "markdown", "--place", "张掖", *common]) == 0
    assert "4.2万" not in capsys.readouterr().out.split("可能相关")[0]
    assert main(["ask", "视频监控", "--year", "1999", *common]) == 2
    err = capsys.readouterr().err
    assert "1999" in err and "2022" in err and err.count("\n") == 1


def test_word_export_drops_characters_xml_cannot_hold(hashing_index):
    from dataclasses import replace

    from docx import Document
    _, found, _ = _answers(hashing_index)
    odd = replace(found, answer="4.2万余个\x0c（第3页）\x00[1]", notice="提示\x0b")
    paragraphs = [p.text for p in Document(io.BytesIO(conversation_docx([Turn("问\x1f", odd)]))).paragraphs]
    assert "4.2万余个（第3页）[1]" in paragraphs and "1. 问（理解为：达州建成了多少个雪亮工程监控探头?）" in paragraphs
