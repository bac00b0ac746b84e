"""HTML for the chat page. Every piece of document or user text goes through
``text_html``, which turns HTML and Markdown syntax into character references,
so nothing from a report or a question can run or link in the browser."""
from __future__ import annotations

import html
import re

from rag.answer.export import rewritten
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
MODE_LABELS = {"hybrid": "混合", "bm25": "关键词", "dense": "语义"}


def _ref(turn: int, n: int | str) -> str:
    """A marker that names its own answer's card: [1] of answer 3 links to #cite-3-1."""
    return f"<a href='#cite-{turn}-{n}' class='cite-ref'>[{n}]</a>"


def _with_links(text: str, script: str, turn: int) -> str:
    """Generated text with each [n] as a link to its citation card."""
    out, pos = [], 0
    for m in MARKER.finditer(text):
        out.append(text_html(text[pos:m.start()], script))
        out.append(_ref(turn, m.group(1)))
        pos = m.end()
    out.append(text_html(text[pos:], script))
    return "".join(out)


def answer_markdown(answer: Answer, script: str = "original", turn: int = 1) -> str:
    """The chat bubble of answer ``turn``: cited sentences, each followed by a link to its citation."""
    notice = f"<em class='notice'>{text_html(answer.notice, script)}</em><br>" if answer.notice else ""
    if not answer.answered:
        return f"{notice}<b class='not-found'>{NOT_FOUND}</b>"
    if answer.generated:
        return notice + "".join(_with_links(g.text, script, turn) + ("" if g.verified else
                                "<span class='unverified'>（未核实）</span>") for g in answer.generated)
    if answer.rows:   # a question across reports: one line per place
        return notice + "<br>".join(
            f"{text_html(place, script)}：" + (f"{text_html(text, script)}{_ref(turn, n)}"
                                              if n else "<span class='notice'>未提及</span>")
            for place, text, n in answer.rows)
    parts = [f"<b class='span'>{text_html(answer.span.text, script)}</b>。"] if answer.span else []
    for c in answer.citations:
        sentence = c.text[c.sentence[0]:c.sentence[1]]
        parts.append(f"{text_html(sentence, script)}{_ref(turn, c.n)}")
    return notice + "".join(parts)


def turn_bubble(turn: int, asked: str, answer: Answer, script: str = "original") -> str:
    """Answer ``turn`` as its bubble: the rewritten question (if it was), the answer, a grey line
    with how it was found, and its copy button (turn_section holds what it copies)."""
    understood = (f"<div class='rewritten'>理解为：{text_html(answer.question, script)}</div>"
                  if rewritten(asked, answer) else "")
    meta = (f"<div class='meta'>{MODE_LABELS.get(answer.mode, answer.mode)}检索 · {len(answer.passages)} 个段落"
            + (f" · {answer.timings_ms.get('total', sum(answer.timings_ms.values())):.0f} ms"
               if answer.timings_ms else "") + "</div>")
    # the button names its answer by class; what it copies is in a hidden textbox (app.render_turns)
    copy = f"<button class='copy-answer turn-{turn}' type='button' title='复制回答（纯文本，带编号来源）'>复制</button>"
    return understood + answer_markdown(answer, script, turn) + meta + copy


def streaming_markdown(text: str, script: str = "original", turn: int = 1) -> str:
    """A generated answer while it streams in (checked once it is complete)."""
    return _with_links(text, script, turn) + " ▌"


def _neighbours(store, c: Citation, script: str) -> str:
    doc = store.documents[c.doc]
    rows = [p for p in doc.paragraphs if abs(p.number - c.paragraph) == 1]
    if not rows:
        return ""
    body = "".join(f"<p><span class='para-no'>第{p.number}段</span> {text_html(doc.text[p.start:p.end], script)}</p>"
                   for p in rows)
    return f"<details><summary>上下文</summary>{body}</details>"


def _preview_link(doc: str, paragraph: int) -> str:
    return (f"<a class='preview-link' href='#preview' data-doc='{html.escape(doc, quote=True)}' "
            f"data-para='{paragraph}'>查看全文</a>")


def citation_html(store, c: Citation, script: str, span: tuple[int, int] | None = None, turn: int = 1) -> str:
    """Card n of answer ``turn``: the paragraph, the cited sentence emphasized, the question's
    words marked, and the paragraphs around it."""
    section = "" if c.table else c.section   # a table row's card names its table instead
    head = " · ".join(text_html(x, script) for x in (c.place, printable(c.doc), c.title, section) if x)
    page = (f" · 第{c.page}页" + (" · <span class='ocr'>识别文字</span>" if c.ocr else "")) if c.page else ""
    if c.table:   # a table row: which table, row and column, and the cell marked apart from the words
        page = f" · <span class='table-cell'>{text_html(c.table.label(), script)}</span>{page}"
        span = span or c.table.cell
    return (f"<div class='citation' id='cite-{turn}-{c.n}'><div class='cite-head'><b>[{c.n}]</b> {head}{page} · "
            f"第{c.paragraph}段 · {_preview_link(c.doc, c.paragraph)}"
            f"</div><p>{_spans_html(c.text, script, c.highlights, c.sentence, span)}</p>"
            f"{_neighbours(store, c, script)}</div>")


def citations_html(store, answer: Answer, terms, script: str = "original", turn: int = 1) -> str:
    """The cards of one answer: its citations, or for a decline the passages that came nearest."""
    if answer.answered:
        span = answer.span
        return "".join(citation_html(store, c, script, span.in_text if span and span.citation == c.n else None, turn)
                       for c in answer.citations)
    rows = []
    for hit in answer.passages[:3]:
        chunk = hit.chunk
        place = store.documents[chunk.doc].subject.place if chunk.doc in store.documents else ""
        where = " · ".join(text_html(x, script) for x in (place, printable(chunk.doc)) if x)
        rows.append(f"<div class='citation maybe'><div class='cite-head'>可能相关 · {where} · "
                    f"第{chunk.paragraph_start}段 · {_preview_link(chunk.doc, chunk.paragraph_start)}</div>"
                    f"<p>{_spans_html(chunk.text, script, highlight_spans(chunk.text, terms))}</p></div>")
    return f"<p class='not-found'>{NOT_FOUND}</p>" + "".join(rows)


def turn_section(store, turn: int, answer: Answer, terms, script: str = "original") -> str:
    """The sources panel's part for answer ``turn``: its question, then its cards."""
    return (f"<section class='turn' id='turn-{turn}'><div class='turn-q'>问题 {turn}：{text_html(answer.question, script)}"
            f"</div>{citations_html(store, answer, terms, script, turn)}</section>")


def passages_html(store, hits, numbers, script: str = "original", turn: int = 1) -> str:
    """While an answer streams: the passages its markers name so far, as citation cards."""
    cards = []
    for n in numbers:
        chunk = hits[n - 1].chunk
        cards.append(f"<div class='citation' id='cite-{turn}-{n}'><div class='cite-head'><b>[{n}]</b> "
                     f"{text_html(chunk.doc, script)} · 第{chunk.paragraph_start}段</div>"
                     f"<p>{text_html(chunk.text, script)}</p></div>")
    return "".join(cards)


def preview_html(doc, paragraph: int | None, script: str = "original") -> str:
    """A whole cleaned report, paragraph by paragraph, the one cited marked and scrolled to."""
    rows = []
    for p in doc.paragraphs:
        focus = " focus" if p.number == paragraph else ""
        tag = "h4" if p.heading else "p"
        rows.append(f"<{tag} class='para{focus}' id='para-{p.number}'><span class='para-no'>第{p.number}段</span> "
                    f"{text_html(doc.text[p.start:p.end], script)}</{tag}>")
    return (f"<div class='preview-head'>{text_html(doc.display_title, script)} · {printable(doc.document.name)} · "
            f"{len(doc.paragraphs)} 段</div><div class='preview-body'>{''.join(rows)}</div>")


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
        rows.append([printable(name), doc.display_title, about.strip() or "—", len(doc.paragraphs), chunk_counts[name],
                     removed or "—"])
    if len(store.documents) > limit:
        rows.append(["…", f"共 {len(store.documents):,} 个文档，此处列出前 {limit} 个；全部文档：rag docs", "", "", "", ""])
    return rows


def index_layout(store) -> str:
    """How the local index is stored: its segments and its last merge (a Milvus store: its documents)."""
    index = getattr(store, "index", None)
    if index is None:
        return f"索引：{printable(store.describe())}"
    merged = f"，上次合并 {index.last_merge}" if index.last_merge else "，尚未合并"
    return f"索引：{len(store.documents):,} 个报告、{len(store.chunks):,} 个分块，存于 {len(index.segments)} 个分段{merged}"


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
.meta { color: #8c959f; font-size: 0.8em; margin-top: 6px; }
.copy-answer { font-size: 0.8em; color: #0b5cad; background: none; border: 1px solid #d0d7de; border-radius: 4px;
  padding: 0 6px; margin-top: 4px; cursor: pointer; }
#citations .turn { border-top: 2px solid #d0d7de; padding-top: 6px; margin-top: 10px; }
#citations .turn-q { font-weight: 600; color: #24292f; }
#citations .citation:target { animation: flash 1.6s ease-out; }
@keyframes flash { 0% { background: #fff3a3; } 100% { background: transparent; } }
.preview-link { font-size: 0.9em; }
#preview .preview-body { max-height: 420px; overflow-y: auto; }
#preview .para.focus { background: #e6f4ea; }
#preview .para-no, #citations .para-no { color: #8c959f; font-size: 0.85em; }
.hidden-control { display: none !important; }
#chatbot .message-wrap { padding-right: 36px; }
"""
