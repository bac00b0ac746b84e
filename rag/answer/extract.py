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

from rag.answer.retrieve import Retrieval, Searcher
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
    notice: str = ""                     # e.g. why a generated answer fell back to the extractive one

    def to_json(self) -> dict:
        return {
            "question": self.question, "answered": self.answered, "answer": self.answer,
            "citations": [{"n": c.n, "doc": c.doc, "title": c.title, "section": c.section,
                           "paragraph": c.paragraph, "page": c.page, "text": c.text, "start": c.start, "end": c.end,
                           "sentence": list(c.sentence), "highlights": [list(h) for h in c.highlights]}
                          for c in self.citations],
            "mode": self.mode, "confidence": round(self.confidence, 4),
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
    words = [w for w in jieba_words(query_text(normalize(question))) if len(w) > 1 or w.isdigit()]
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
                    doc.page_at(o_start))


def compose(searcher: Searcher, retrieval: Retrieval) -> Answer:
    """The extractive answer from retrieved chunks: the sentences that best cover the question,
    each cited, or a decline when no chunk covers enough of it."""
    t0 = time.perf_counter()
    store = searcher.store
    terms = question_terms(retrieval.question)
    weights = store.word_weights(terms)
    hits = retrieval.hits
    chunk_cov = [coverage(terms, weights, normalize(h.chunk.search_text)) for h in hits]
    confidence = max(chunk_cov, default=0.0)
    paraphrase = any(h.dense >= DENSE_CONFIDENT and c >= DENSE_MIN_COVERAGE for h, c in zip(hits, chunk_cov))

    candidates = []  # (score, doc, section, start, end)
    if confidence >= DECLINE_BELOW[store.kind] or paraphrase:
        for rank, hit in enumerate(hits[:SENTENCE_POOL]):
            chunk, section = hit.chunk, normalize(hit.chunk.section)
            for s, e in sentence_spans(chunk.text):
                sentence = normalize(chunk.text[s:e])
                # the section heading counts for its sentences; earlier hits win ties
                score = coverage(terms, weights, f"{section}\n{sentence}") + \
                    0.5 * coverage(terms, weights, sentence) - 0.02 * rank
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
    timings = dict(retrieval.timings_ms)
    timings["answer"] = (time.perf_counter() - t0) * 1000
    answered = bool(citations)
    return Answer(retrieval.question, answered, "".join(parts) if answered else NOT_FOUND,
                  tuple(citations), retrieval.mode, confidence, hits, timings)


def ask(searcher: Searcher, question: str, mode: str = "hybrid", k: int = 5) -> Answer:
    """Retrieve ``k`` chunks for ``question`` in ``mode`` and compose the cited extractive answer."""
    t0 = time.perf_counter()
    answer = compose(searcher, searcher.search(question, mode, k))
    answer.timings_ms["total"] = (time.perf_counter() - t0) * 1000
    return answer
