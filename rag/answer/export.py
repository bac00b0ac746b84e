"""Answers in the forms people paste into their own documents: plain text and Markdown with
numbered sources, and a whole conversation as Markdown or Word (.docx). Each source names
the report (its title or what it is about), the file, the section and the paragraph, so a
figure pasted elsewhere can be found again; the cited sentence is quoted in Markdown and Word."""
from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.extract import NOT_FOUND, Answer, Citation
from rag.answer.retrieve import check_question
from rag.errors import QueryError

NEAR = 3   # passages listed under a declined answer


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation: what was typed, and the answer (to its rewritten form)."""
    asked: str
    answer: Answer


def rewritten(asked: str, answer: Answer) -> bool:
    """Whether the question answered is another than the one typed (a follow-up rewritten), not
    only the typed one without its greeting or thanks (rag.answer.retrieve.check_question)."""
    try:
        return answer.question != check_question(asked)
    except QueryError:
        return True


def answer_json(answer: Answer, asked: str) -> dict:
    """What ``rag ask --json`` prints and POST /api/ask returns: the answer without the
    retrieved passages' texts and the citations' display fields; ``asked`` when a follow-up
    was rewritten."""
    out = answer.to_json()
    if rewritten(asked, answer):
        out["asked"] = asked
    out.pop("passages")
    for c in out["citations"]:
        for key in ("title", "sentence", "highlights"):
            c.pop(key)
    return out


def source_line(c: Citation) -> str:
    """[1] 达州市政法委工作报告（000_e33b….txt），推进“治理+改革”融合 提升业务能力，第10段"""
    where = "，".join(x for x in (c.section, c.table.label() if c.table else "", f"第{c.page}页" + ("（识别文字）" if c.ocr else "") if c.page else "",
                                 f"第{c.paragraph}段") if x)
    title = c.title or c.place
    return f"[{c.n}] {title}（{c.doc}），{where}" if title else f"[{c.n}] {c.doc}，{where}"


def cited_sentence(c: Citation) -> str:
    return c.text[c.sentence[0]:c.sentence[1]]


def near_places(store, answer: Answer) -> dict[str, str]:
    """The place of each report a declined answer lists as near (what answer_text labels)."""
    return {h.chunk.doc: store.documents[h.chunk.doc].subject.place for h in answer.passages[:NEAR]
            if h.chunk.doc in store.documents}


def near_lines(answer: Answer, places: dict[str, str]) -> list[str]:
    """For a declined answer: the passages that came nearest, each labelled with its report's place."""
    return [f"{'[' + places[h.chunk.doc] + '] ' if places.get(h.chunk.doc) else ''}{h.chunk.doc} "
            f"第{h.chunk.paragraph_start}段：{h.chunk.text[:80]}…" for h in answer.passages[:NEAR]]


def answer_text(answer: Answer, places: dict[str, str] | None = None) -> str:
    """Plain text: the answer with [n] markers, a blank line, then one numbered source a line.
    ``places``: document name -> place, to label what a declined answer found nearby."""
    head = f"（{answer.notice}）\n" if answer.notice else ""
    if not answer.answered:
        near = near_lines(answer, places or {})
        return head + NOT_FOUND + ("\n\n可能相关：\n" + "\n".join(f"- {x}" for x in near) if near else "")
    return head + answer.answer + "\n\n" + "\n".join(source_line(c) for c in answer.citations)


def answer_markdown(answer: Answer, places: dict[str, str] | None = None) -> str:
    """Markdown: the answer, then its sources as a list, each with the cited sentence quoted."""
    head = f"*{_md(answer.notice)}*\n\n" if answer.notice else ""
    if not answer.answered:
        near = near_lines(answer, places or {})
        return head + f"**{NOT_FOUND}**" + ("\n\n可能相关：\n\n" + "\n".join(f"- {_md(x)}" for x in near) if near else "")
    sources = "\n".join(f"- {_md(source_line(c))}\n  > {_md(cited_sentence(c))}" for c in answer.citations)
    return head + _md(answer.answer) + "\n\n来源：\n\n" + sources


def conversation_markdown(turns: Sequence[Turn], title: str = "工作报告问答记录") -> str:
    parts = [f"# {title}"]
    for i, turn in enumerate(turns, 1):
        asked = f"{turn.asked}（理解为：{turn.answer.question}）" if rewritten(turn.asked, turn.answer) else turn.asked
        parts.append(f"## {i}. {_md(asked)}\n\n{answer_markdown(turn.answer)}\n\n"
                     f"<small>检索方式 {turn.answer.mode}，段落 {len(turn.answer.passages)}</small>")
    return "\n\n".join(parts) + "\n"


NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")   # python-docx refuses them


def conversation_docx(turns: Sequence[Turn], title: str = "工作报告问答记录") -> bytes:
    """A Word file: each question as a heading, its answer, and its numbered sources with the
    cited sentence quoted. Characters XML cannot hold (a form feed from a PDF) are dropped."""
    from docx import Document

    def xml(text: str) -> str:
        return NOT_IN_XML.sub("", text)

    doc = Document()
    doc.add_heading(xml(title), level=1)
    for i, turn in enumerate(turns, 1):
        answer = turn.answer
        asked = f"{turn.asked}（理解为：{answer.question}）" if rewritten(turn.asked, answer) else turn.asked
        doc.add_heading(xml(f"{i}. {asked}"), level=2)
        if answer.notice:
            doc.add_paragraph(xml(answer.notice)).runs[0].italic = True
        doc.add_paragraph(xml(answer.answer if answer.answered else NOT_FOUND))
        for c in answer.citations:
            doc.add_paragraph(xml(source_line(c)))
            doc.add_paragraph(xml(f"“{cited_sentence(c)}”"), style="Quote")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _md(text: str) -> str:
    """Text with Markdown's active characters escaped, so a report's * or # stays literal."""
    return "".join("\\" + ch if ch in "\\`*_[]#<>|" else ch for ch in text).replace("\n", " ")
