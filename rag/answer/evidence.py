"""What the retrieved chunks offer a question, and the signals the decision to answer is made
from: which chunks are in the scope asked and how well each covers the question
(rag.answer.scope), the candidate sentences (rag.answer.sentences), and the rule's signals
(rag.answer.decline.Signals). rag.answer.extract composes the answer from them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from rag.answer.decline import DENSE_MIN_COVERAGE, Signals, apart_share, names_missing, unwritten_words
from rag.answer.glued import written_apart
from rag.answer.question import QuestionAnalysis, analyze
from rag.answer.retrieve import Retrieval, Searcher
from rag.answer.scope import in_scope, known_scope
from rag.answer.sentences import candidates, coverage
from rag.text.normalize import normalize
from rag.text.tokens import word_frequency

FUTURE_ASKED = re.compile(r"未来|今后|下一步|明年|将来|计划|打算|规划")
PLAN_STATED = re.compile(r"力争|争取|确保|计划|预计|规划|将|未来|今后|下一步")

SENTENCE_POOL = 5          # chunks whose sentences compete
# where a word no passage writes counts by its characters (decline.apart_share): on the bench sets'
# articles it answered about two negatives per question it saved (eval/decline_names.py --apart-everywhere)
APART_ONLY_IN_REPORTS = True
# a name jieba's dictionary counts this often is as often one of the common words it tags as a
# place or person (都市, 海港, 敬仰): it keeps out a document not writing it only when rarer
NAMING_FREQUENCY = 300


@dataclass(frozen=True, eq=False)
class Evidence:
    """What the retrieved chunks offer a question: its analysis, which chunks are in scope and
    how well each covers it, and the candidate sentences (rag.answer.sentences)."""
    analysis: QuestionAnalysis
    terms: list
    weights: np.ndarray
    content: np.ndarray          # which of ``terms`` are content words (not the place or year)
    hits: tuple
    texts: list                  # each hit's normalized search text
    subjects: dict               # doc name -> Subject, for the sentence pool
    in_scope: list               # per hit: may it answer
    chunk_coverage: list
    confidence: float            # coverage of the best chunk in scope
    outside: float               # coverage of the best chunk out of scope
    candidates: list             # Candidate, in retrieval order


def gather_evidence(searcher: Searcher, retrieval: Retrieval) -> Evidence:
    """Scope, coverage and candidate sentences of the retrieved chunks (what compose weighs)."""
    store = searcher.store
    hits = retrieval.hits
    pool = SENTENCE_POOL + retrieval.displaced   # with the other places' chunks moved behind the pool
    subjects = {h.chunk.doc: store.documents[h.chunk.doc].subject for h in hits[:pool]}
    analysis = known_scope(analyze(retrieval.question), subjects.values())
    texts = [normalize(h.chunk.search_text) for h in hits]
    # scope checks the place and year words; a word no passage writes whole but one writes apart weighs as its pieces
    weighed = dict.fromkeys((p, t in analysis.terms) for t in analysis.words
                            for p in written_apart(t, texts[:SENTENCE_POOL]) or (t,))
    terms = [t for t, _ in weighed]
    weights = store.word_weights(terms)
    content = np.asarray([c for _, c in weighed], dtype=bool)
    content_terms = ([t for t, c in zip(terms, content) if c], weights[content])
    in_scope_hits, chunk_cov = [], []
    for rank, (h, text) in enumerate(zip(hits, texts)):
        subject = subjects.get(h.chunk.doc) if rank < pool else None
        scoped = bool(analysis.places) and subject is not None and bool(subject.places) and content.any()
        # a report about the place need not repeat its name; a paragraph about it does
        full = coverage(terms, weights, text)
        chunk_cov.append(max(full, coverage(*content_terms, text)) if scoped else full)
        in_scope_hits.append(subject is None or in_scope(analysis, subject, text))
    # 何政在哪个单位工作: an answer about someone comes from a document naming them, if one does, not from
    # another document beside a passage naming them (README "A name held by the answer's document")
    identifying = [(n, j) for n, j in zip(analysis.names, analysis.name_joins) if word_frequency(n) < NAMING_FREQUENCY]
    if identifying:
        names, joins = zip(*identifying)
        naming = {doc: not names_missing(names, [], document_texts(store.documents[doc]), joins) for doc in subjects}
        if any(naming.values()):
            in_scope_hits = [ok and naming.get(h.chunk.doc, True) for h, ok in zip(hits, in_scope_hits)]
    best = max((i for i, ok in enumerate(in_scope_hits) if ok), key=lambda i: chunk_cov[i], default=None)
    # in a report about the asked place, sentences compete on what else they say
    scoring = {doc: content_terms if analysis.places and subject.places and content.any() else (terms, weights)
               for doc, subject in subjects.items()}
    found = candidates(analysis, hits[:SENTENCE_POOL], subjects, in_scope_hits, scoring, store.documents)
    # 荣昌在2017年要实现什么目标: in a report, a sentence naming the year asked, where one does, not one
    # speaking for the report's years (实现了…目标 of the 十二五)
    dated = [c for c in found if subjects[c.doc].body
             and any(f"{y}年" in store.documents[c.doc].text[c.start:c.end] for y in analysis.years)]
    found = dated or found
    # 未来五年群众安全感要保持在多少: the plan a report states (确保…90%以上), not its past (连续5年…90%以上)
    if FUTURE_ASKED.search(normalize(analysis.question)):
        found = [c for c in found if subjects[c.doc].body
                 and PLAN_STATED.search(normalize(store.documents[c.doc].text[c.start:c.end]))] or found
    return Evidence(analysis, terms, weights, content, hits, texts, subjects, in_scope_hits, chunk_cov,
                    chunk_cov[best] if best is not None else 0.0,
                    max((c for c, ok in zip(chunk_cov, in_scope_hits) if not ok), default=0.0), found)


def decision_signals(evidence: Evidence, ranked, best_probability: float, missing_names, documents) -> Signals:
    """What the decision to answer weighs (rag.answer.decline.Signals), from ``ranked``, the candidates best
    first (the first with ``best_probability`` of holding the answer), and the names no passage in scope names."""
    analysis, terms, weights, content = evidence.analysis, evidence.terms, evidence.weights, evidence.content
    if ranked:
        top = ranked[0]
        sentence, passage, subject = top.in_context, evidence.texts[top.rank], evidence.subjects[top.doc]
    else:
        sentence, passage, subject = 0.0, "", None
    pool = [t for t, c in zip(terms, content) if c] or terms
    pool_weights = weights[content] if content.any() else weights
    rarest = pool[int(np.argmax(pool_weights))] if pool else ""
    place_subject = bool(analysis.places and subject and set(analysis.places) & set(subject.places))
    year_missing = bool(analysis.years) and not any(str(y) in passage for y in analysis.years)
    # retrieved, a passage of any place writing a word comes up: none did, so it is the asker's own wording
    unwritten = unwritten_words(pool, pool_weights, evidence.texts, analysis.names)
    total = float(pool_weights.sum())

    def apart(doc: str, text: str) -> float:
        reported = not APART_ONLY_IN_REPORTS or doc in evidence.subjects and bool(evidence.subjects[doc].body)
        return apart_share(unwritten, total, text) if reported and unwritten else 0.0

    dense = max((h.dense for h, ok, c, text in zip(evidence.hits, evidence.in_scope, evidence.chunk_coverage, evidence.texts)
                 if ok and c + apart(h.chunk.doc, text) >= DENSE_MIN_COVERAGE and not np.isnan(h.dense)), default=0.0)
    sentence_apart = sentence + apart(top.doc, f"{normalize(top.section)}\n{normalize(documents[top.doc].text[top.start:top.end])}") \
        if ranked and unwritten else sentence
    missing = [e for e in analysis.entities if e not in passage]
    return Signals(evidence.confidence, sentence, float(dense), float(bool(rarest) and rarest in passage),
                   float(place_subject), float(bool(analysis.places and ranked) and not place_subject),
                   float(year_missing), max(0.0, evidence.outside - evidence.confidence),
                   len(missing) / len(analysis.entities) if analysis.entities else 0.0,
                   float(bool(missing_names)), best_probability, sentence_apart,
                   len(ranked))


def names_missing_in_scope(evidence: Evidence, documents) -> list[str]:
    """The rare names the question asks about that no passage in scope, nor its document (text or title), names;
    where none is in scope (a year asked that no report covers), that none of those found names."""
    in_scope = evidence.in_scope[:SENTENCE_POOL]
    scoped = [i for i, ok in enumerate(in_scope) if ok or not any(in_scope)]
    return names_missing(evidence.analysis.names, [evidence.texts[i] for i in scoped],
                         [t for d in dict.fromkeys(evidence.hits[i].chunk.doc for i in scoped)
                          for t in document_texts(documents[d])], evidence.analysis.name_joins)


def document_texts(doc) -> list[str]:
    """Where a document names whom or what it is about: its text, and its title when the format
    gives one apart (an encyclopedia paragraph's article: 蘇伊士運河 over a paragraph saying 運河)."""
    return [doc.text, doc.document.title] if doc.document.title else [doc.text]
