"""Scoring for batch evaluation: one question at a time (``score_question``), then a
summary per mode (``summarize``) and the regression gate (``check_thresholds``).
Pure functions; question files are read in questions.py, reports written in report.py."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from rag.answer.conversation import rewrite
from rag.answer.extract import compose
from rag.answer.retrieve import Searcher, check_question
from rag.answer.scope import names_place
from rag.errors import ConfigError, QueryError
from rag.evaluate.questions import EvalQuestion
from rag.evaluate.spans import span_em, span_f1
from rag.text.normalize import normalize

RETRIEVE_CHUNKS = 30     # chunks retrieved to rank documents for hit@10
ANSWER_CHUNKS = 5        # chunks the answer is composed from (as `rag ask` does)
DEPTHS = (1, 5, 10)


@dataclass(frozen=True)
class QuestionResult:
    """How one question fared in one mode: gold rank, answer, citations, hits, timings."""
    id: str
    mode: str
    question: str
    gold_doc: str | None
    answerable: bool
    rank: int | None                      # gold document's rank among retrieved documents
    retrieved: tuple[tuple[str, int, float], ...]  # (doc, paragraph, score) of the top chunks
    answered: bool
    answer: str
    cited_docs: tuple[str, ...]
    evidence_hit: bool | None
    answer_hit: bool | None
    citation_ok: bool | None
    timings_ms: dict = field(default_factory=dict)
    sentences: int = 0                    # generated sentences (generative answers only)
    verified: int = 0                     # of those, verified against the cited passages
    scope_error: bool | None = None       # answered from a report about another place than the one asked
    error: str = ""                       # why the question could not be asked (it is counted, not scored)
    asked: str = ""                       # the question as rewritten against ``previous``
    span: str = ""                        # the exact answer given (the first sentence when it has no span)
    span_em: float | None = None          # CMRC2018's exact match and F1 of ``span`` (rag.evaluate.spans)
    span_f1: float | None = None
    lead_ok: bool | None = None           # the figure, date or name the answer leads with is a gold answer (None: no lead)


# ------------------------------------------------------------------ scoring

def gold_rank(hits, doc: str | None) -> int | None:
    """1-based rank of ``doc`` among the distinct documents of ranked chunk hits."""
    docs = list(dict.fromkeys(h.chunk.doc for h in hits))
    return docs.index(doc) + 1 if doc in docs else None


def contains_any(text: str, needles) -> bool:
    """Whether a normalized needle occurs in the normalized text (script and width do not matter)."""
    haystack = normalize(text)
    return any(normalize(n) in haystack for n in needles if n)


def score_question(searcher: Searcher, q: EvalQuestion, mode: str, llm=None, scorer=None) -> QuestionResult:
    """``mode`` is a retrieval mode, or ``<mode>+llm`` for a generative answer from ``llm``;
    ``scorer``: the sentence scorer (default: the shipped one; eval/fit_sentence_scorer.py passes
    one fitted without the question's fold). A question that cannot be asked (empty, too long …)
    gives an error row, not an exception."""
    try:
        return _score(searcher, q, mode, llm, scorer)
    except QueryError as exc:
        return QuestionResult(q.id, mode, q.question, q.doc, bool(q.answers), None, (), False, "", (), None, None,
                              None, error=str(exc))


def _score(searcher: Searcher, q: EvalQuestion, mode: str, llm, scorer) -> QuestionResult:
    base_mode = mode.removesuffix("+llm")
    asked = rewrite(check_question(q.question), q.previous)
    retrieval = searcher.search(asked, base_mode, k=RETRIEVE_CHUNKS)
    answer = compose(searcher, replace(retrieval, hits=retrieval.answer_hits(ANSWER_CHUNKS),
                                       timings_ms=dict(retrieval.timings_ms)), scorer)
    if mode.endswith("+llm"):
        from rag.answer.generate import generate_from
        answer = generate_from(searcher, llm, answer)
    rank = gold_rank(retrieval.hits, q.doc)
    answerable = bool(q.answers)
    top_text = "\n".join(h.chunk.text for h in retrieval.hits[:ANSWER_CHUNKS])
    evidence_hit = contains_any(top_text, [q.evidence] if q.evidence else q.answers) if answerable else None
    answer_hit = (answer.answered and contains_any(answer.answer, q.answers)) if answerable else None
    citation_ok = None
    if answerable and q.doc:
        citation_ok = answer_citation_doc(answer, q.answers) == q.doc
    span = predicted_span(answer)
    timings = dict(answer.timings_ms)
    timings["total"] = sum(timings.values())
    return QuestionResult(q.id, mode, q.question, q.doc, answerable, rank,
                          tuple((h.chunk.doc, h.chunk.paragraph_start, round(h.score, 4)) for h in retrieval.hits[:10]),
                          answer.answered, answer.answer, tuple(c.doc for c in answer.citations),
                          evidence_hit, answer_hit, citation_ok, timings,
                          len(answer.generated), sum(g.verified for g in answer.generated),
                          scope_error(searcher, answer), asked=asked if asked != q.question else "", span=span,
                          span_em=span_em(span, q.answers) if answerable else None,
                          span_f1=span_f1(span, q.answers) if answerable else None,
                          lead_ok=lead_right(answer.span.text, q.answers) if answerable and answer.span else None)


def lead_right(lead: str, gold_answers) -> bool:
    """Whether the figure, date or name an answer leads with is a gold answer, or part of one
    (the gold 埃尔南·科尔特斯 for the lead 科尔特斯, 1949年 for 1949)."""
    lead = normalize(lead)
    return any(lead in g or g in lead for g in (normalize(a) for a in gold_answers if a))


def predicted_span(answer) -> str:
    """What a span reader would be scored on: the exact answer, else the first cited sentence."""
    if not answer.answered:
        return ""
    if answer.span:
        return answer.span.text
    c = answer.citations[0] if answer.citations else None
    return c.text[c.sentence[0]:c.sentence[1]] if c else answer.answer


def scope_error(searcher: Searcher, answer) -> bool | None:
    """For an answered question that names a place: whether a citation comes from a report
    about another place without its sentence naming the place asked (None: not applicable)."""
    if not (answer.answered and answer.analysis and answer.analysis.places):
        return None
    for c in answer.citations:
        subject = searcher.store.documents[c.doc].subject
        sentence = normalize(c.text[c.sentence[0]:c.sentence[1]])
        if subject.places and not any(p in subject.places or names_place(sentence, p, subject)
                                      for p in answer.analysis.places):
            return True
    return False


def answer_citation_doc(answer, gold_answers) -> str | None:
    """The document cited by the sentence of the answer that holds a gold answer."""
    if answer.generated:
        for sentence in answer.generated:
            if sentence.markers and contains_any(sentence.text, gold_answers):
                return answer.citations[sentence.markers[0] - 1].doc
        return None
    for c in answer.citations:
        if contains_any(c.text[c.sentence[0]:c.sentence[1]], gold_answers):
            return c.doc
    return None


def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def summarize(results: list[QuestionResult], modes) -> dict:
    """Per mode: hit@k, MRR, nDCG, evidence, answer and citation hits, declines, latency per stage."""
    out = {"n": len({r.id for r in results}), "modes": {}}
    for mode in modes:
        errors = [r for r in results if r.mode == mode and r.error]
        rs = [r for r in results if r.mode == mode and not r.error]
        ranked = [r for r in rs if r.gold_doc]
        m = {f"hit@{k}": _mean(r.rank is not None and r.rank <= k for r in ranked) for k in DEPTHS}
        m["mrr@10"] = _mean((1 / r.rank if r.rank and r.rank <= 10 else 0.0) for r in ranked)
        m["ndcg@10"] = _mean((1 / math.log2(r.rank + 1) if r.rank and r.rank <= 10 else 0.0) for r in ranked)
        m[f"evidence@{ANSWER_CHUNKS}"] = _mean(r.evidence_hit for r in rs)
        m["answer_hit"] = _mean(r.answer_hit for r in rs)
        m["citation_ok"] = _mean(r.citation_ok for r in rs)
        m["span_em"] = _mean(r.span_em for r in rs)
        m["span_f1"] = _mean(r.span_f1 for r in rs)
        # a confident wrong figure is the worst answer: how often an answer leads with one, and how often rightly
        m["leads"] = _mean(r.lead_ok is not None for r in rs if r.answerable and r.answered)
        m["lead_right"] = _mean(r.lead_ok for r in rs)
        m["declined_answerable"] = _mean(not r.answered for r in rs if r.answerable)
        declined_right = sum(not r.answered and not r.answerable for r in rs)
        declined = sum(not r.answered for r in rs)
        unanswerable = sum(not r.answerable for r in rs)
        m["decline_precision"] = round(declined_right / declined, 4) if declined else None
        m["decline_recall"] = round(declined_right / unanswerable, 4) if unanswerable else None
        m["scope_errors"] = sum(bool(r.scope_error) for r in rs)
        m["errors"] = len(errors)
        generated = sum(r.sentences for r in rs)
        m["verified_share"] = round(sum(r.verified for r in rs) / generated, 4) if generated else None
        totals = [r.timings_ms.get("total", 0.0) for r in rs]
        m["latency_ms_p50"] = round(float(np.percentile(totals, 50)), 2) if totals else None
        m["latency_ms_p95"] = round(float(np.percentile(totals, 95)), 2) if totals else None
        stages = sorted({k for r in rs for k in r.timings_ms})
        m["stages_ms"] = {s: {"p50": round(float(np.percentile([r.timings_ms.get(s, 0.0) for r in rs], 50)), 2),
                              "p95": round(float(np.percentile([r.timings_ms.get(s, 0.0) for r in rs], 95)), 2)}
                          for s in stages}
        m["n"] = len(rs)
        out["modes"][mode] = m
    return out


# ------------------------------------------------------------------ gate

def parse_thresholds(specs) -> list[tuple[str, str, float]]:
    """``hybrid.hit@1=0.95`` -> ("hybrid", "hit@1", 0.95)."""
    parsed = []
    for spec in specs or []:
        try:
            key, value = spec.split("=", 1)
            mode, metric = key.split(".", 1)
            parsed.append((mode, metric, float(value)))
        except ValueError:
            raise ConfigError(f"--fail-under '{spec}': expected MODE.METRIC=NUMBER, e.g. hybrid.hit@1=0.95") from None
    return parsed


def check_thresholds(summary: dict, thresholds) -> list[str]:
    """One line per ``--fail-under`` threshold the summary misses (or did not measure)."""
    failures = []
    for mode, metric, floor in thresholds:
        value = summary["modes"].get(mode, {}).get(metric)
        if value is None:
            failures.append(f"{mode}.{metric}: not measured (modes run: {', '.join(summary['modes'])})")
        elif value < floor:
            failures.append(f"{mode}.{metric} = {value:.4f} is under {floor}")
    return failures


