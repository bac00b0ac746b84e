"""HTML for the chat page. Every piece of document or user text goes through
``text_html``, which turns HTML and Markdown syntax into character references,
so nothing from a report or a question can run or link in the browser."""
from __future__ import annotations

import re

from rag.answer.extract import NOT_FOUND, Answer, Citation, highlight_spans
from rag.errors import printable
from rag.text.normalize import convert_script

# Characters that mean something to HTML or to Markdown are written as &#N;.
_SPECIAL = set("&<>\"'`*_{}[]()#+-.!|~\\:=$")


def text_html(text: str, script: str = "original") -> str:
    """Text as inert HTML: every character that means something to HTML or Markdown as a reference."""
    shown = convert_script(text, script)
    return "".join(f"&#{ord(ch)};" if ch in _SPECIAL else ch for ch in shown).replace("\n", "<br>")


def _spans_html(text: str, script: str, marks, strong: tuple[int, int] | None = None,
                answer: tuple[int, int] | None = None) -> str:
    """``text`` with ``marks`` in <mark>, the ``strong`` span in <strong> and the exact
    ``answer`` in <b class='span'>; each piece is converted separately, so a script
    conversion that changes length cannot shift them."""
    cuts = {0, len(text)}
    for s, e in marks:
        cuts.update((s, e))
    for span in (strong, answer):
        if span:
            cuts.update(span)
    cuts = sorted(c for c in cuts if 0 <= c <= len(text))
    out = []
    for s, e in zip(cuts, cuts[1:]):
        piece = text_html(text[s:e], script)
        if any(ms <= s and e <= me for ms, me in marks):
            piece = f"<mark>{piece}</mark>"
        if answer and answer[0] <= s and e <= answer[1]:
            piece = f"<b class='span'>{piece}</b>"
        if strong and strong[0] <= s and e <= strong[1]:
            piece = f"<strong class='cited'>{piece}</strong>"
        out.append(piece)
    return "".join(out)


MARKER = re.compile(r"\[(\d{1,2})\]")


def _with_links(text: str, script: str) -> str:
    """Generated text with each [n] as a link to its citation card."""
    out, pos = [], 0
    for m in MARKER.finditer(text):
        out.append(text_html(text[pos:m.start()], script))
        out.append(f"<a href='#cite-{m.group(1)}' class='cite-ref'>[{m.group(1)}]</a>")
        pos = m.end()
    out.append(text_html(text[pos:], script))
    return "".join(out)


def answer_markdown(answer: Answer, script: str = "original") -> str:
    """The chat bubble: cited sentences, each followed by a link to its citation."""
    notice = f"<em class='notice'>{text_html(answer.notice)}</em><br>" if answer.notice else ""
    if not answer.answered:
        return f"{notice}**{NOT_FOUND}**"
    if answer.generated:
        return notice + "".join(_with_links(g.text, script) + ("" if g.verified else
                                "<span class='unverified'>（未核实）</span>") for g in answer.generated)
    if answer.rows:   # a question across reports: one line per place
        return notice + "<br>".join(
            f"{text_html(place, script)}：" + (f"{text_html(text, script)}<a href='#cite-{n}' class='cite-ref'>[{n}]</a>"
                                              if n else "<span class='notice'>未提及</span>")
            for place, text, n in answer.rows)
    parts = [f"<b class='span'>{text_html(answer.span.text, script)}</b>。"] if answer.span else []
    for c in answer.citations:
        sentence = c.text[c.sentence[0]:c.sentence[1]]
        parts.append(f"{text_html(sentence, script)}<a href='#cite-{c.n}' class='cite-ref'>[{c.n}]</a>")
    return notice + "".join(parts)


def streaming_markdown(text: str, script: str = "original") -> str:
    """A generated answer while it streams in (checked once it is complete)."""
    return _with_links(text, script) + " ▌"


def _neighbours(store, c: Citation, script: str) -> str:
    doc = store.documents[c.doc]
    rows = [p for p in doc.paragraphs if abs(p.number - c.paragraph) == 1]
    if not rows:
        return ""
    body = "".join(f"<p><span class='para-no'>第{p.number}段</span> {text_html(doc.text[p.start:p.end], script)}</p>"
                   for p in rows)
    return f"<details><summary>上下文</summary>{body}</details>"


def citation_html(store, c: Citation, script: str, span: tuple[int, int] | None = None) -> str:
    head = " · ".join(text_html(x, script) for x in (c.place, printable(c.doc), c.title, c.section) if x)
    page = f" · 第{c.page}页" if c.page else ""
    return (f"<div class='citation' id='cite-{c.n}'><div class='cite-head'><b>[{c.n}]</b> {head}{page} · 第{c.paragraph}段"
            f"</div><p>{_spans_html(c.text, script, c.highlights, c.sentence, span)}</p>"
            f"{_neighbours(store, c, script)}</div>")


def citations_html(store, answer: Answer, terms, script: str = "original") -> str:
    if answer.answered:
        span = answer.span
        return "".join(citation_html(store, c, script, span.in_text if span and span.citation == c.n else None)
                       for c in answer.citations)
    rows = []
    for hit in answer.passages[:3]:
        chunk = hit.chunk
        place = store.documents[chunk.doc].subject.place
        where = " · ".join(text_html(x, script) for x in (place, printable(chunk.doc)) if x)
        rows.append(f"<div class='citation maybe'><div class='cite-head'>可能相关 · {where} · "
                    f"第{chunk.paragraph_start}段</div><p>{_spans_html(chunk.text, script, highlight_spans(chunk.text, terms))}"
                    f"</p></div>")
    return f"<p class='not-found'>{NOT_FOUND}</p>" + "".join(rows)


def passages_html(store, hits, numbers, script: str = "original") -> str:
    """While an answer streams: the passages its markers name so far, as citation cards."""
    cards = []
    for n in numbers:
        chunk = hits[n - 1].chunk
        cards.append(f"<div class='citation' id='cite-{n}'><div class='cite-head'><b>[{n}]</b> "
                     f"{text_html(chunk.doc, script)} · 第{chunk.paragraph_start}段</div>"
                     f"<p>{text_html(chunk.text, script)}</p></div>")
    return "".join(cards)


DOCUMENT_ROWS = 500   # a city's archive has far more; the table lists the first ones, rag docs all


def documents_rows(store, limit: int = DOCUMENT_ROWS) -> list[list]:
    rows, chunk_counts = [], store.chunk_counts()
    for name in list(store.documents)[:limit]:
        doc = store.documents[name]
        removed = "；".join(f"{r.kind}: {r.text[:30]}" for r in doc.removals if r.kind != "pinyin")
        pinyin = sum(r.kind == "pinyin" for r in doc.removals)
        if pinyin:
            removed = f"pinyin ×{pinyin}" + (f"；{removed}" if removed else "")
        about = " › ".join(doc.subject.path) + (f" {doc.subject.years[0]}" if doc.subject.years else "")
        rows.append([printable(name), doc.title, about.strip() or "—", len(doc.paragraphs), chunk_counts[name],
                     removed or "—"])
    if len(store.documents) > limit:
        rows.append(["…", f"共 {len(store.documents):,} 个文档，此处列出前 {limit} 个；全部文档：rag docs", "", "", "", ""])
    return rows


CSS = """
#citations .citation { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
#citations .citation.maybe { border-style: dashed; }
#citations .cite-head { color: #57606a; font-size: 0.9em; margin-bottom: 4px; }
#citations mark { background: #fff3a3; padding: 0; }
#citations strong.cited { background: #e6f4ea; font-weight: 600; }
b.span { color: #0b5cad; border-bottom: 2px solid #0b5cad; }
#citations .not-found, .not-found { font-weight: 600; }
.cite-ref { text-decoration: none; font-weight: 600; margin-left: 1px; }
.unverified { color: #9a6700; font-size: 0.9em; }
.notice { color: #57606a; }
.rewritten { color: #8c959f; font-size: 0.85em; margin-bottom: 4px; }
"""
