"""Extractive answers: the sentences of the retrieved chunks that answer the question, each
cited with its source paragraph, led by the exact figure, date or name, or a decline.

Only sentences in the scope asked (rag.answer.scope) that hold an answer of the asked kind compete,
ranked by the fitted scorer (rag.answer.sentences; one pointing back is shown with the sentence
before it); whether to answer at all is rag.answer.decline's rule. Lists get a report's matching
items (rag.answer.lists), questions across reports one row per place (rag.answer.compare).
"""
from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from rag.answer.byline import asks_author, byline, names_title
from rag.answer.cells import TableCite, asked_cell, cell_in_text, row_at, table_cite, with_cell
from rag.answer.compare import asks_difference_or_sum, is_comparison, questions_per_place
from rag.answer.counts import FIGURE_TYPES
from rag.answer.decline import COVERAGE_RULE, DENSE_FLOORS, Signals, answers
from rag.answer.evidence import Evidence, decision_signals, gather_evidence, names_missing_in_scope
from rag.answer.lists import LIST_REPORTS, list_answer
from rag.answer.premise import premise, same_figure
from rag.answer.question import QuestionAnalysis, analyze, question_words
from rag.answer.retrieve import Retrieval, Searcher, embedded_in_traditional
from rag.answer.scope import not_found_notice, scope_phrase
from rag.answer.context import with_antecedent, with_body
from rag.answer.sentences import SentenceScorer, default_scorer
from rag.answer.span import cited_span, disagreeing
from rag.ingest.clean import CleanDocument
from rag.stores.base import Hit
from rag.text.normalize import normalize
from rag.text.places import gazetteer

NOT_FOUND = "资料中没有找到可靠答案"
MAX_SENTENCES = 3
SHOWN_SPANS = ("quantity", "amount", "percentage", "date", "person")
# eval/cross_report.py (README, twelfth session): at 0.5, 0.3 and 0.2 no row is wrong; at 0 two are (1个 for
# 荣昌's 综治中心); 0.3 lets 荣昌 (0.31, 0.42) and 张掖 (0.43) answer "网格有多少个" as the single question does
ROW_PROBABILITY = 0.3
LIST_CHUNKS = 10           # chunks a list answer's reports are looked for in when no place is named


@dataclass(frozen=True)
class Citation:
    """One source of an answer: the paragraph in its original wording, the cited sentence's
    span in it and in the original file, and the question's words found there."""
    n: int
    doc: str
    title: str
    section: str
    paragraph: int
    text: str                            # the whole paragraph, cleaned, original script
    start: int                           # cited sentence's span in the original file
    end: int
    sentence: tuple[int, int]            # cited sentence's span within ``text``
    highlights: tuple[tuple[int, int], ...]  # matched query terms within ``text``
    page: int | None = None              # PDF page of the cited sentence
    place: str = ""                      # what the report is about (its subject), e.g. 达州市
    table: TableCite | None = None       # the table, row and column, when the sentence is a table row
    ocr: bool = False                    # the sentence was recognized from a scan (识别文字), not read as text


@dataclass(frozen=True)
class Span:
    """The exact answer (a figure with its unit, a date, a name) inside a cited sentence."""
    text: str                    # as the report writes it
    citation: int                # the n of the citation it sits in
    start: int                   # its span in the original file
    end: int
    in_text: tuple[int, int]     # its span within that citation's paragraph text


@dataclass(frozen=True)
class Answer:
    """What a question gets: the answer text with [n] markers and their citations, or a
    decline (``answered`` False, NOT_FOUND) with the passages that came nearest."""
    question: str
    answered: bool
    answer: str
    citations: tuple[Citation, ...]
    mode: str
    confidence: float
    passages: tuple[Hit, ...]            # what retrieval returned, for "可能相关" when declined
    timings_ms: dict = field(default_factory=dict)
    generated: tuple = ()                # generate.CheckedSentence per model sentence, when a model wrote it
    notice: str = ""                     # e.g. whose figure it is, or why a generated answer fell back
    analysis: QuestionAnalysis | None = None   # the answer type and scope the question asked for
    signals: Signals | None = None       # what the decision to answer weighed (rag.answer.decline)
    span: Span | None = None             # the exact answer in the first citation, for the kinds that have one
    rows: tuple[tuple[str, str, int], ...] = ()   # a question across reports: (place, its answer or 未提及, citation n or 0)

    def to_json(self) -> dict:
        return {
            "question": self.question, "answered": self.answered, "answer": self.answer,
            "citations": [{"n": c.n, "doc": c.doc, "place": c.place, "title": c.title, "section": c.section,
                           "paragraph": c.paragraph, "page": c.page, "text": c.text, "start": c.start, "end": c.end,
                           "sentence": list(c.sentence), "highlights": [list(h) for h in c.highlights],
                           **({"table": c.table.to_json()} if c.table else {}), **({"ocr": True} if c.ocr else {})}
                          for c in self.citations],
            "mode": self.mode, "confidence": round(self.confidence, 4),
            **({"scope": {"answer_type": self.analysis.answer_type, "places": list(self.analysis.places),
                          "years": list(self.analysis.years)}} if self.analysis else {}),
            **({"signals": {k: round(v, 4) for k, v in asdict(self.signals).items()}} if self.signals else {}),
            **({"sentences": [{"text": g.text, "citations": list(g.markers), "verified": g.verified,
                               "reason": g.reason} for g in self.generated]} if self.generated else {}),
            **({"notice": self.notice} if self.notice else {}),
            **({"span": {"text": self.span.text, "citation": self.span.citation, "start": self.span.start,
                         "end": self.span.end}} if self.span else {}),
            **({"rows": [{"place": p, "answer": a, "citation": n or None} for p, a, n in self.rows]}
               if self.rows else {}),
            "passages": [{"doc": h.chunk.doc, "paragraph": h.chunk.paragraph_start, "score": round(h.score, 4),
                          "text": h.chunk.text} for h in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


def question_terms(question: str) -> list[str]:
    """The words of a question that coverage weighs and highlights mark (question_words)."""
    return list(question_words(normalize(question)))


def highlight_spans(text: str, terms: list[str]) -> tuple[tuple[int, int], ...]:
    """Spans of ``text`` where a query term occurs (matched on normalized text, merged)."""
    norm = normalize(text)
    marked = np.zeros(len(text) + 1, dtype=bool)
    for term in terms:
        for m in re.finditer(re.escape(term), norm):
            marked[m.start():m.end()] = True
    spans, start = [], None
    for i, flag in enumerate(marked):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            spans.append((start, i))
            start = None
    return tuple(spans)


def paragraph_at(doc: CleanDocument, offset: int):
    for p in doc.paragraphs:
        if p.start <= offset < p.end:
            return p
    return doc.paragraphs[-1]


def make_citation(n: int, doc: CleanDocument, section: str, start: int, end: int, terms) -> Citation:
    """Citation n of the cleaned-text span [start, end) of ``doc`` (its title shown apart from the section)."""
    if doc.title and section.startswith(doc.title + " "):
        section = section[len(doc.title) + 1:]
    para = paragraph_at(doc, start)
    text = doc.text[para.start:para.end]
    o_start, o_end = doc.original_span(start, end)
    page = doc.page_at(o_start)
    return Citation(n, doc.document.name, doc.title or doc.subject.report_name(), section, para.number, text, o_start, o_end,
                    (start - para.start, min(end, para.end) - para.start), highlight_spans(text, terms),
                    page, doc.subject.label(), table_cite(doc, o_start), page in doc.document.ocr_pages)


def compose(searcher: Searcher, retrieval: Retrieval, scorer: SentenceScorer | None = None,
            across: bool = True) -> Answer:
    """The extractive answer from retrieved chunks: the sentences the scorer ranks first
    (rag.answer.sentences), each cited, or a decline; only passages in the scope asked, and
    sentences holding an answer of the asked kind, compete (module docstring)."""
    t0 = time.perf_counter()
    store = searcher.store
    if across and is_comparison(retrieval.question):
        rows = _compare(searcher, retrieval, scorer, t0)
        if rows is not None:
            return rows
    if across and asks_author(retrieval.question):
        signed = _signed(searcher, retrieval, t0)
        if signed is not None:
            return signed
    evidence = gather_evidence(searcher, retrieval)
    analysis, subjects = evidence.analysis, evidence.subjects
    scorer = scorer or default_scorer()
    ranked = scorer.ranked(evidence.candidates, store.documents, searcher.embedder, retrieval.query_vector)
    missing_names = names_missing_in_scope(evidence, store.documents)
    signals = decision_signals(evidence, [c for _, c in ranked], ranked[0][0] if ranked else 0.0, missing_names,
                       store.documents)
    report_figure = bool(ranked) and analysis.answer_type in FIGURE_TYPES and bool(subjects[ranked[0][1].doc].body)
    # a report's figure asked of nothing but its place (荣昌抓了多少人?: no word a sentence could state) is none
    vague = report_figure and not analysis.terms
    chosen, seen = [], set()
    # a figure a yes/no question states (达州建成了5万个监控探头吗?) is a claim to check, which no passage need write
    claim = premise(retrieval.question)
    floor = None if claim else DENSE_FLOORS.get(searcher.embedder.name)
    for p, cand in ranked if answers(signals, report_figure, floor, embedded_in_traditional(retrieval.question, store)) \
            and not vague else ():
        if len(chosen) == MAX_SENTENCES or (chosen and p < scorer.extra_ratio * chosen[0][0]):
            break
        if (cand.doc, cand.start) not in seen:
            seen.add((cand.doc, cand.start))
            chosen.append((p, cand))

    # in a report, a run-in heading (创建平安景区。) comes with the sentence saying what was done, unless
    # a figure, date or name is asked; the sentence it brings along is not cited again on its own
    pieces = []
    for _, c in chosen:
        doc = store.documents[c.doc]
        end = with_body(doc.text, c.start, c.end) if doc.subject.body and analysis.answer_type not in SHOWN_SPANS \
            else c.end
        pieces.append((c.doc, c.section, with_antecedent(doc.text, c.start, c.end, seen, c.doc), end))
    pieces = [p for i, p in enumerate(pieces) if not any(q[0] == p[0] and q[2] <= p[2] and p[3] <= q[3]
                                                         for q in pieces[:i])]
    if chosen and analysis.answer_type == "list":
        pieces = _list_pieces(searcher, retrieval, evidence, [c for _, c in ranked]) or pieces
    citations, parts = [], []
    for n, (doc_name, section, start, end) in enumerate(pieces, 1):
        doc = store.documents[doc_name]
        citations.append(make_citation(n, doc, section, start, end, evidence.terms))
        parts.append(f"{doc.text[start:end]}[{n}]")
    answered = bool(citations)
    span = _span(analysis, store.documents[citations[0].doc], citations[0]) if answered else None
    if answered and citations[0].table:   # a table row: the cell under the header the question names
        doc, first = store.documents[citations[0].doc], citations[0]
        span = _table_span(analysis, doc, first, span)
        if span:
            citations[0] = replace(first, table=with_cell(first.table, doc, doc.paragraphs[first.paragraph - 1].start,
                                                          span.start))
    stated = claim if answered and analysis.answer_type == "yesno" else None
    if stated:   # 达州建成了5万个监控探头吗?: the figure the sentence states for that count, and whether it is the one asked
        count = analyze(stated.count)
        span = next((s for c in citations if (s := _span(count, store.documents[c.doc], c))), None)
    # the answer leads with the figure, date or name asked; where the cited sentences state different ones, it says so
    rivals = disagreeing(analysis, span.text, [c.text[slice(*c.sentence)] for c in citations[1:]],
                         bool(subjects[citations[0].doc].body)) if span and not citations[0].table else []
    parts = [f"{span.text}。", *parts] if span else parts
    notice = "引用的句子给出不同的答案：" + "、".join(f"{t}[{n}]" for t, n in rivals) + "，请核对哪一个回答问题。" if rivals else ""
    if stated and span:
        notice = f"报告写的是{span.text}" + ("。" if same_figure(stated.figure, span.text) else f"，不是问题中的{stated.figure}。")
    passages = evidence.hits
    if not answered and analysis.scoped and evidence.outside >= COVERAGE_RULE:
        # the fact is there, for another place or year (or a report of no year): shown first, even where
        # the passages in scope name nothing asked
        notice = not_found_notice(analysis)
        passages = [h for h, ok in zip(evidence.hits, evidence.in_scope) if not ok]
        passages += [h for h in evidence.hits if h not in passages]
    elif not answered and missing_names:
        notice = f"检索到的段落都没有提到{'、'.join(missing_names)}：它们说的可能是别的人或事。"
    elif answered and analysis.places and not store.documents[citations[0].doc].subject.places:
        # a report that says of no place may answer, but never silently as the place asked
        notice = f"答案出自未写明地方的报告，请核对是否为{'、'.join(analysis.places)}的数字。"
    elif answered and not analysis.places:
        places = list(dict.fromkeys(s.place for s in subjects.values() if s.place))
        cited = list(dict.fromkeys(store.documents[c.doc].subject.place for c in citations if c.place))
        if len(places) > 1 and cited:
            # a place no report is about (犍为, 沙湾: counties of 乐山) is named, yet scopes nothing
            unscoped = "" if gazetteer().find(normalize(retrieval.question), rare_short_forms=True) else "（问题没有指明地方）"
            notice = f"答案出自{'、'.join(cited)}的报告{unscoped}。"
    timings = dict(retrieval.timings_ms)
    timings["answer"] = (time.perf_counter() - t0) * 1000
    return Answer(retrieval.question, answered, "".join(parts) if answered else NOT_FOUND,
                  tuple(citations), retrieval.mode, evidence.confidence, tuple(passages), timings, notice=notice,
                  analysis=analysis, signals=signals, span=span)


def _compare(searcher: Searcher, retrieval: Retrieval, scorer, t0: float) -> Answer | None:
    """A question across reports or between the places it names, answered place by place
    (rag.answer.compare); None when it has fewer than two places to compare."""
    analysis = analyze(retrieval.question)
    asked = questions_per_place(retrieval.question, analysis, searcher.store, retrieval.hits)
    if len(asked) < 2:
        return None
    rows, citations, missing, surest = [], [], [], None   # rows: (place, answer, citation n)
    for place, question in asked:
        sub = compose(searcher, searcher.search(question, retrieval.mode, len(retrieval.hits), only=retrieval.only), scorer,
                      across=False)
        # a row is one figure among several read side by side: only a sentence the scorer is sure of gives
        # it, or a figure of the asked kind in a sentence holding every word asked (网格1761个 for 网格有多少)
        if not sub.answered or sub.signals.answer_probability < ROW_PROBABILITY \
                and not (sub.span and sub.signals.sentence >= 1.0):
            rows.append((place, "未提及", 0))
            missing.append(place)
            continue
        if surest is None or sub.signals.answer_probability > surest.answer_probability:
            surest = sub.signals
        first = replace(sub.citations[0], n=len(citations) + 1)
        citations.append(first)
        figure = sub.span.text if sub.span else first.text[first.sentence[0]:first.sentence[1]]
        rows.append((place, figure, first.n))
    timings = dict(retrieval.timings_ms)
    timings["answer"] = (time.perf_counter() - t0) * 1000
    # a difference or sum asked is computed by no one: the rows are what the reports write
    lead = "按地方逐一列出（报告没有写出差值或合计，请自行核算）" if asks_difference_or_sum(retrieval.question) else "按地方逐一回答"
    notice = f"{lead}；{'、'.join(missing)}的报告中未提及。" if missing else f"{lead}。"
    text = "；".join(f"{p}：{a}" + (f"[{n}]" if n else "") for p, a, n in rows)
    return Answer(retrieval.question, bool(citations), text if citations else NOT_FOUND, tuple(citations),
                  retrieval.mode, 1.0 if citations else 0.0, retrieval.hits, timings, notice=notice,
                  analysis=analysis, signals=surest, rows=tuple(rows) if citations else ())


def _signed(searcher: Searcher, retrieval: Retrieval, t0: float) -> Answer | None:
    """Who wrote the reports found (rag.answer.byline): the signature of each work report found about
    the place asked (or of any, when none is asked), cited, titled when there are several; None when
    none signs."""
    analysis, documents = analyze(retrieval.question), searcher.store.documents
    found = list(dict.fromkeys(h.chunk.doc for h in retrieval.hits if documents[h.chunk.doc].subject.body))
    if analysis.places:
        found = [d for d in found if set(analysis.places) & set(documents[d].subject.places + documents[d].subject.path)]
    if analysis.years:   # 2019年达州的报告: a report of that year
        found = [d for d in found if set(analysis.years) & set(documents[d].subject.years)]
    found = [d for d in found if names_title(retrieval.question, documents[d].display_title)] or found
    signed = [(d, b) for d in found if (b := byline(documents[d].text, documents[d].paragraphs))][:MAX_SENTENCES]
    timings = dict(retrieval.timings_ms)
    if not signed:   # the reports asked about sign nothing: no name their sentences mention is the author
        timings["answer"] = (time.perf_counter() - t0) * 1000
        return Answer(retrieval.question, False, NOT_FOUND, (), retrieval.mode, 0.0, retrieval.hits, timings,
                      notice=f"{scope_phrase(analysis) or '检索到'}的报告没有署名，无法回答作者是谁。",
                      analysis=analysis) if found else None
    citations, parts = [], []
    titled = len(signed) > 1 or not analysis.places
    for n, (d, (start, end, names_start, names_end)) in enumerate(signed, 1):
        doc = documents[d]
        citations.append(make_citation(n, doc, "", start, end, []))
        parts.append((f"《{doc.display_title}》：" if titled else "") + f"{doc.text[names_start:names_end]}[{n}]")
    doc, names_start, names_end = documents[signed[0][0]], signed[0][1][2], signed[0][1][3]
    para_start = doc.paragraphs[citations[0].paragraph - 1].start
    span = _span_in(doc, citations[0], names_start - para_start, names_end - para_start)
    timings["answer"] = (time.perf_counter() - t0) * 1000
    return Answer(retrieval.question, True, "；".join(parts) + "。", tuple(citations), retrieval.mode, 1.0,
                  retrieval.hits, timings, notice="按报告的署名回答。", analysis=analysis, span=span)


def _list_pieces(searcher: Searcher, retrieval: Retrieval, evidence: Evidence,
                 ranked) -> list[tuple[str, str, int, int]]:
    """The items of a list answer (rag.answer.lists.list_answer): from the best sentences'
    reports, and for a question naming no place also from the reports of the LIST_CHUNKS best
    chunks (one report's passages can fill the five, another's list be the sixth)."""
    content = evidence.content
    terms = [t for t, c in zip(evidence.terms, content) if c] if content.any() else evidence.terms
    weights = evidence.weights[content] if content.any() else evidence.weights
    anchors = [(c.doc, c.section, c.start) for c in ranked]
    if not evidence.analysis.places:
        wide = searcher.search(retrieval.question, retrieval.mode, max(LIST_CHUNKS, len(retrieval.hits)),
                               query_vector=retrieval.query_vector, only=retrieval.only)
        anchors += [(h.chunk.doc, h.chunk.section, h.chunk.start) for h in wide.hits]
    return list_answer(searcher.store.documents, anchors, terms, weights,
                       1 if evidence.analysis.places else LIST_REPORTS)


def _span(analysis: QuestionAnalysis, doc: CleanDocument, citation: Citation) -> Span | None:
    """The exact answer to lead with: figures, dates and people only. Places and bodies found
    by jieba are too often a neighbour of the answer to be shown as the answer, and a question
    asking for several (哪些) has no single span."""
    if analysis.answer_type not in SHOWN_SPANS or "哪些" in normalize(analysis.question):
        return None
    a, b = citation.sentence
    found = cited_span(analysis, citation.text[a:b], bool(doc.subject.body))
    if found is None:
        return None
    return _span_in(doc, citation, a + found[0], a + found[1])


def _span_in(doc: CleanDocument, citation: Citation, start: int, end: int) -> Span:
    """The Span of ``citation``'s paragraph text from ``start`` to ``end``, with its place in the original file."""
    offset = doc.paragraphs[citation.paragraph - 1].start   # the paragraph in the cleaned text
    o_start, o_end = doc.original_span(offset + start, offset + end)
    return Span(citation.text[start:end], citation.n, o_start, o_end, (start, end))


def _table_span(analysis: QuestionAnalysis, doc: CleanDocument, citation: Citation, span: Span | None) -> Span | None:
    """In a table row, the figure asked is the cell whose column the question names
    (cells.asked_cell); the sentence's own span when no column header matches."""
    row = row_at(doc, citation.start)
    cell = asked_cell(analysis, row) if row and analysis.answer_type in SHOWN_SPANS else None
    if cell is None:
        return span
    in_text = cell_in_text(doc, doc.paragraphs[citation.paragraph - 1].start, cell)
    return Span(cell.value, citation.n, cell.start, cell.end, in_text)


def ask(searcher: Searcher, question: str, mode: str = "hybrid", k: int = 5,
        only: frozenset[str] | None = None) -> Answer:
    """Retrieve ``k`` chunks for ``question`` in ``mode`` (of the documents ``only``; None: all)
    and compose the cited extractive answer."""
    t0 = time.perf_counter()
    answer = compose(searcher, searcher.search(question, mode, k, only=only))
    answer.timings_ms["total"] = (time.perf_counter() - t0) * 1000
    return answer
