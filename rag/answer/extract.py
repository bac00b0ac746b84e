"""Extractive answers: the sentences of the retrieved chunks that best cover the
question, each cited with its source paragraph, or a plain decline.

Coverage is the idf-weighted share of the question's terms found in a text.
Terms the reports lack weigh most, so a question about something the reports
never mention (成都's GDP) has low coverage everywhere and is declined. A
paraphrase that shares few words is still answered when the embedder is very
sure of a chunk (cosine >= 0.89: out-of-domain bench questions peaked at 0.867
against the seeds, the seed set's unanswerable ones at 0.886; eval/decline_calibration.py).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from rag.answer.question import FILLER_WORDS, QuestionAnalysis, analyze, holds_answer
from rag.answer.retrieve import Retrieval, Searcher
from rag.answer.scope import in_scope, not_found_notice
from rag.ingest.chunking import sentence_spans
from rag.ingest.clean import CleanDocument
from rag.stores.base import Hit
from rag.text.normalize import normalize
from rag.text.tokens import jieba_words, query_text

NOT_FOUND = "资料中没有找到可靠答案"
# Best-chunk coverage under this -> decline. Calibrated per store, since the word weights (bigrams
# vs the analyzer's jieba words) and the chunks ranked first differ: eval/decline_calibration.py
# [--store milvus:…]. On both stores every threshold in 0.45-0.55 answers none of the seed set's
# unanswerable questions, 94.4% of its answerable ones and 0.4-0.8% of 500 out-of-scope bench
# questions; 0.5 is the middle of that band ...
DECLINE_BELOW = {"local": 0.5, "milvus": 0.5}
DENSE_CONFIDENT = 0.89     # ... unless the embedder is this sure of a chunk (a paraphrase) ...
DENSE_MIN_COVERAGE = 0.2   # ... and it still shares some of the question's words
EXTRA_SENTENCE_RATIO = 0.8  # further sentences must score this share of the best one
RUN_IN_HEADING = 24        # a paragraph's first sentence up to this long heads the rest ("强化科技支撑体系。")
MAX_SENTENCES = 3
SENTENCE_POOL = 5          # chunks whose sentences compete


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

    def to_json(self) -> dict:
        return {
            "question": self.question, "answered": self.answered, "answer": self.answer,
            "citations": [{"n": c.n, "doc": c.doc, "place": c.place, "title": c.title, "section": c.section,
                           "paragraph": c.paragraph, "page": c.page, "text": c.text, "start": c.start, "end": c.end,
                           "sentence": list(c.sentence), "highlights": [list(h) for h in c.highlights]}
                          for c in self.citations],
            "mode": self.mode, "confidence": round(self.confidence, 4),
            **({"scope": {"answer_type": self.analysis.answer_type, "places": list(self.analysis.places),
                          "years": list(self.analysis.years)}} if self.analysis else {}),
            **({"sentences": [{"text": g.text, "citations": list(g.markers), "verified": g.verified,
                               "reason": g.reason} for g in self.generated]} if self.generated else {}),
            **({"notice": self.notice} if self.notice else {}),
            "passages": [{"doc": h.chunk.doc, "paragraph": h.chunk.paragraph_start, "score": round(h.score, 4),
                          "text": h.chunk.text} for h in self.passages],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


def question_terms(question: str) -> list[str]:
    """Content words of the question (jieba precise mode on the normalized text), unique.
    Words rather than the BM25 bigrams: a bigram straddling two words ("市建" in
    "张掖市建成") is absent from the answer and would wrongly lower coverage."""
    words = [w for w in jieba_words(query_text(normalize(question)))
             if (len(w) > 1 or w.isdigit()) and w not in FILLER_WORDS]
    return list(dict.fromkeys(words))


def coverage(terms: list[str], weights: np.ndarray, normalized_text: str) -> float:
    total = weights.sum()
    if total <= 0:
        return 0.0
    return float(sum(w for t, w in zip(terms, weights) if t in normalized_text) / total)


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
    """Citation n of the cleaned-text span [start, end) of ``doc``."""
    # The title is shown on its own; the section is the heading under it.
    if doc.title and section.startswith(doc.title + " "):
        section = section[len(doc.title) + 1:]
    para = paragraph_at(doc, start)
    text = doc.text[para.start:para.end]
    o_start, o_end = doc.original_span(start, end)
    return Citation(n, doc.document.name, doc.title, section, para.number, text, o_start, o_end,
                    (start - para.start, min(end, para.end) - para.start), highlight_spans(text, terms),
                    doc.page_at(o_start), doc.subject.label())


def compose(searcher: Searcher, retrieval: Retrieval) -> Answer:
    """The extractive answer from retrieved chunks: the sentences that best cover the question,
    each cited, or a decline when no chunk covers enough of it. When the question names a
    place or year, only passages in that scope may answer (rag.answer.scope); if none holds
    the fact the question is declined, saying so, whatever other reports say."""
    t0 = time.perf_counter()
    store = searcher.store
    analysis = analyze(retrieval.question)
    terms = question_terms(retrieval.question)
    weights = store.word_weights(terms)
    # the place and year words are checked by scope; in a report about that place they are met
    content = np.asarray([t in analysis.terms for t in terms], dtype=bool)
    hits = retrieval.hits
    subjects = {h.chunk.doc: store.documents[h.chunk.doc].subject for h in hits[:SENTENCE_POOL]}
    in_scope_hits, chunk_cov = [], []
    for rank, h in enumerate(hits):
        text = normalize(h.chunk.search_text)
        subject = subjects.get(h.chunk.doc) if rank < SENTENCE_POOL else None
        scoped = bool(analysis.places) and subject is not None and bool(subject.places)
        chunk_cov.append(coverage([t for t, c in zip(terms, content) if c], weights[content], text) if scoped
                         and content.any() else coverage(terms, weights, text))
        in_scope_hits.append(subject is None or in_scope(analysis, subject, text))
    confidence = max((c for c, ok in zip(chunk_cov, in_scope_hits) if ok), default=0.0)
    outside = max((c for c, ok in zip(chunk_cov, in_scope_hits) if not ok), default=0.0)
    paraphrase = any(h.dense >= DENSE_CONFIDENT and c >= DENSE_MIN_COVERAGE and ok
                     for h, c, ok in zip(hits, chunk_cov, in_scope_hits))

    candidates = []  # (score, doc, section, start, end)
    if confidence >= DECLINE_BELOW[store.kind] or paraphrase:
        for rank, hit in enumerate(hits[:SENTENCE_POOL]):
            if not in_scope_hits[rank]:
                continue
            chunk, subject = hit.chunk, subjects[hit.chunk.doc]
            # in a report about the asked place, sentences compete on what else they say
            scoring = (([t for t, c in zip(terms, content) if c], weights[content])
                       if analysis.places and subject.places and content.any() else (terms, weights))
            heading = normalize(chunk.section)
            for s, e, lead in _sentences_with_lead(chunk.text):
                sentence = normalize(chunk.text[s:e])
                if not (in_scope(analysis, subject, sentence) and holds_answer(analysis, sentence)):
                    continue
                # the section heading and a run-in heading count for their sentences; earlier hits win ties
                in_context = coverage(*scoring, f"{heading}\n{normalize(lead)}\n{sentence}")
                if confidence < DECLINE_BELOW[store.kind] and in_context < DENSE_MIN_COVERAGE:
                    continue   # answering on similarity alone: the sentence must still share the question's words
                score = in_context + 0.5 * coverage(*scoring, sentence) - 0.02 * rank
                candidates.append((score, chunk.doc, chunk.section, chunk.start + s, chunk.start + e))
    candidates.sort(key=lambda c: -c[0])
    chosen, seen = [], set()
    for cand in candidates:
        if len(chosen) == MAX_SENTENCES or (chosen and cand[0] < EXTRA_SENTENCE_RATIO * chosen[0][0]):
            break
        if (cand[1], cand[3]) not in seen:
            seen.add((cand[1], cand[3]))
            chosen.append(cand)

    citations, parts = [], []
    for n, (_, doc_name, section, start, end) in enumerate(chosen, 1):
        doc = store.documents[doc_name]
        citations.append(make_citation(n, doc, section, start, end, terms))
        parts.append(f"{doc.text[start:end]}[{n}]")
    answered = bool(citations)
    notice = ""
    if not answered and analysis.scoped and outside >= DECLINE_BELOW[store.kind]:
        notice = not_found_notice(analysis)   # the fact is there, for another place or year
    elif answered and not analysis.places:
        places = list(dict.fromkeys(s.place for s in subjects.values() if s.place))
        cited = list(dict.fromkeys(store.documents[c.doc].subject.place for c in citations if c.place))
        if len(places) > 1 and cited:
            notice = f"答案出自{'、'.join(cited)}的报告（问题没有指明地方）。"
    timings = dict(retrieval.timings_ms)
    timings["answer"] = (time.perf_counter() - t0) * 1000
    return Answer(retrieval.question, answered, "".join(parts) if answered else NOT_FOUND,
                  tuple(citations), retrieval.mode, confidence, hits, timings, notice=notice, analysis=analysis)


def _sentences_with_lead(text: str):
    """(start, end, run-in heading) of each sentence of a chunk: the heading is the first
    sentence of its line when that is short, for the line's other sentences."""
    out, line_start = [], 0
    for line in text.split("\n"):
        spans = sentence_spans(line)
        lead = line[spans[0][0]:spans[0][1]] if len(spans) > 1 and spans[0][1] - spans[0][0] <= RUN_IN_HEADING else ""
        out += [(line_start + s, line_start + e, lead if i else "") for i, (s, e) in enumerate(spans)]
        line_start += len(line) + 1
    return out


def ask(searcher: Searcher, question: str, mode: str = "hybrid", k: int = 5) -> Answer:
    """Retrieve ``k`` chunks for ``question`` in ``mode`` and compose the cited extractive answer."""
    t0 = time.perf_counter()
    answer = compose(searcher, searcher.search(question, mode, k))
    answer.timings_ms["total"] = (time.perf_counter() - t0) * 1000
    return answer
