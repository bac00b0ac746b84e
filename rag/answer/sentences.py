"""Which sentence answers: every sentence of the retrieved chunks in scope is a candidate,
described by a few features, and ranked by a logistic scorer over those features and their
pairwise products, whose weights are a small JSON file (``sentence_weights.json``) fitted
under cross-validation on both bench dev sets by ``python3 eval/fit_sentence_scorer.py``
(README, Figures).

The features say how much of the question a sentence and its context cover (also with each
word weighed by how few retrieved sentences hold it, and by the characters of the words and
one-character words asked about: 胞弟 for 弟弟, 杀 of 谁杀了司马晏), where it
sits (chunk rank, first in its line), whether it holds an answer of the asked kind (a span:
rag.answer.span) or what that kind of question is answered with (因为 for 为什么, 是指 for
什么是: rag.answer.cues), how much it says beyond the question's own words, and how much its
neighbours cover: the answer often sits in the sentence after the one that repeats the
question, which refers back to it (該線, 这一, 它).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.answer.against import loose
from rag.answer.context import PRONOUNS, sentences_with_lead
from rag.answer.counts import ASKED_MEASURE, DEED_OF
from rag.answer.cues import asked_cue
from rag.answer.question import (CALENDAR_ASKED, QUOTED, SLOT_GLUE, QuestionAnalysis, around_asked, asked_post,
                                  holds_answer, lone_characters)
from rag.answer.scope import in_scope, stated_of_place
from rag.answer.span import answer_span, cited_span
from rag.ingest.chunking import sentence_spans
from rag.text.normalize import normalize

WEIGHTS_FILE = Path(__file__).with_name("sentence_weights.json")
HOW_LONG = re.compile(r"多久|多长时间|(?:多少|几)个?(?:年|月|天|周|小时)")
DATED_COVERAGE = 0.5       # share of the question's words a report's sentence giving a date must state
PARAGRAPH_REACH = 800      # characters the best chunk in scope grows by, either side, within its paragraphs
REFERS_BACK = re.compile(rf"^[“「（(]?({PRONOUNS}|前者|后者|当时|同年|次年|随后|之后|此后|因此|所以|但|而"
                         r"|本[\u4e00-\u9fff])")
CONTENT_CHAR = re.compile(r"[\u3400-\u9fff0-9a-zA-Z]")
FEATURES = ("in_context", "own", "rank", "retrieval", "line_first", "prev_own", "next_own", "refers_back",
            "novelty", "typed_form", "log_length", "beyond_lead", "lead_share", "bigrams", "pool_share",
            "pool_rarest", "unretrieved", "slot_before", "slot_after", "cue", "content_chars")
FIGURES = ("quantity", "amount", "percentage", "date")
SLOT_REACH = 6             # characters either side of the question word that slot_match counts
SLOT_MIN = 2               # characters of them that admit a sentence sharing no word with the question
# characters that say nothing of a question's content: the question words and the commonest function characters
ASKING_CHARS = set("的了是在和与及或什么哪里谁几多少为何如怎样个吗呢么一有这那其之也被把将对于从到")


def _run(piece: str, sentence: str, backwards: bool) -> int:
    """How many characters of ``piece``, from its end (``backwards``) or its start, the
    sentence holds as one run, up to SLOT_REACH."""
    held = 0
    for k in range(1, min(SLOT_REACH, len(piece)) + 1):
        if (piece[-k:] if backwards else piece[:k]) not in sentence:
            break
        held = k
    return held


def slot_match(around: tuple[str, str], sentence: str) -> tuple[float, float]:
    """The share of SLOT_REACH characters right before and right after the question word
    (rag.answer.question.around_asked) that a normalized sentence holds: the sentence that
    answers puts the answer where the question word was (栖息于沿岸碎波带 for 栖息在哪里)."""
    before, after = around
    held_before = max(_run(before, sentence, True), _run(before.rstrip(SLOT_GLUE), sentence, True))
    return held_before / SLOT_REACH, _run(after.lstrip(SLOT_GLUE), sentence, False) / SLOT_REACH


PLAN_PERIOD, PLAN_NAMED = re.compile(r"[一二三四五六七八九十]+五"), re.compile(r"十[一二三四五]五")   # quoted; unquoted (not 十五个)
# a body of a named kind asked (哪个法院, 哪家营运商): a report's sentence answering names one of that kind
BODY_KIND_ASKED = re.compile(r"(?:哪个|哪家|哪所|哪一家|哪一个)(法院|检察院|公安局|派出所|司法所|大学|学院|学校|医院|银行|公司"
                             r"|营运商|运营商|报社|电视台|媒体)")


def _names_body(kind: str, sentence: str) -> bool:
    """Whether a sentence names a body of the ``kind`` asked by its name (乐山市中级人民法院, 中国移动
    for 营运商), not the kind alone (协调通信营运商推送…)."""
    kinds = BODY_NAMES.get(kind, re.escape(kind))
    return any(m.start() >= 2 and not sentence[m.start() - 2:m.start()] in GENERIC_BEFORE_BODY
               for m in re.finditer(kinds, sentence))


BODY_NAMES = {"营运商": "营运商|运营商|移动|联通|电信", "运营商": "营运商|运营商|移动|联通|电信",
              "学校": "学校|大学|学院|中学|小学|学堂", "大学": "大学|学院", "学院": "学院|大学", "法院": "法院|法庭",
              "公司": "公司|集团|企业", "媒体": "媒体|报|电视台|网|社"}   # what names a body of the kind asked
GENERIC_BEFORE_BODY = {"通信", "网络", "各级", "相关", "有关", "各类", "基层", "全市", "全省", "全区", "全县"}


def _states_about(quoted: list[str], context: str) -> bool:
    """A figure is stated of the quoted thing asked about (“八大工程”) when the sentence, its
    headings or the sentence before it name it. Held only in work reports, which repeat their
    programme names; an encyclopedic text refers back to its subject (该仪器, 它)."""
    return all(re.search(loose(q), context) for q in quoted)   # 民辅警 is written 民(辅)警


def _counted(analysis: QuestionAnalysis) -> list[str]:
    """A count is stated of the thing asked about (探头) too: 电子卡口320余个 does not answer
    多少个监控探头. Unless the thing's last character is the counter asked: 批捕24件 counts 案件
    (多少件案件), and a figure counting something else is written against it (rag.answer.against)."""
    measure = ASKED_MEASURE.search(normalize(analysis.question))
    if not analysis.counted or measure and len(measure.group(1)) == 1 and analysis.counted.endswith(measure.group(1)):
        return []
    return [analysis.counted]


@dataclass(frozen=True)
class Candidate:
    """A sentence that may answer, with where it is and what the scorer weighs."""
    doc: str
    section: str
    start: int               # span in the cleaned document text
    end: int
    rank: int                # of its chunk in retrieval
    in_context: float        # coverage of the sentence with its headings (what decline signals report)
    features: tuple[float, ...]


def coverage(terms, weights: np.ndarray, normalized_text: str) -> float:
    """The idf-weighted share of ``terms`` in a text; a deed in any of its forms (批捕: 批准逮捕; counts.DEEDS)."""
    total = weights.sum()
    if total <= 0:
        return 0.0
    held = (w for t, w in zip(terms, weights) if any(f in normalized_text for f in DEED_OF.get(t, (t,))))
    return float(sum(held) / total)


def pool_weights(terms, weights: np.ndarray, pool: list[str]) -> np.ndarray:
    """``weights`` times each term's rarity among the sentences of the retrieved chunks: the
    name every sentence of an article repeats (刘德一) tells them apart less than the word
    only the answering one holds (拜 … 为师)."""
    if not terms:
        return weights
    df = np.asarray([sum(t in s for s in pool) for t in terms], dtype=np.float64)
    return weights * np.log((len(pool) + 1) / (df + 0.5))


def widened(hit, doc, hits):
    """``hit`` with its chunk grown to the whole sentences of its paragraphs up to
    PARAGRAPH_REACH characters either side, short of the other retrieved chunks of ``doc``:
    an article is found by the sentence naming its subject (浪花鱼为…的一种) while the answer
    sits in the paragraph's next chunk (本鱼栖息于…), which other articles' chunks outranked."""
    chunk = hit.chunk
    first, last = doc.paragraphs[chunk.paragraph_start - 1], doc.paragraphs[chunk.paragraph_end - 1]
    others = [h.chunk for h in hits if h.chunk.doc == chunk.doc and h.chunk.id != chunk.id]
    floor = max([first.start, chunk.start - PARAGRAPH_REACH]
                + [min(c.end, chunk.start) for c in others if c.start < chunk.start])
    ceiling = min([last.end, chunk.end + PARAGRAPH_REACH]
                  + [max(c.start, chunk.end) for c in others if c.end > chunk.end])
    start = next((s for s, _ in sentence_spans(doc.text, first.start, chunk.start) if s >= floor), chunk.start)
    end = max((e for _, e in sentence_spans(doc.text, chunk.end, last.end) if e <= ceiling), default=chunk.end)
    if (start, end) == (chunk.start, chunk.end):
        return hit
    orig_start, orig_end = doc.original_span(start, end)
    return replace(hit, chunk=replace(chunk, start=start, end=end, orig_start=orig_start, orig_end=orig_end,
                                      text=doc.text[start:end]))


def candidates(analysis: QuestionAnalysis, hits, subjects, allowed, scoring, documents=None) -> list[Candidate]:
    """Every sentence of ``hits`` whose chunk is ``allowed`` (in scope), that names no other
    scope and can hold an answer of the asked kind, with its features. ``scoring`` is
    (terms, weights) per document: what coverage counts there. With ``documents`` (name ->
    cleaned document) the first chunk allowed is widened to its paragraph (``widened``)."""
    hits, retrieved = list(hits), [(h.chunk.start, h.chunk.end) for h in hits]
    best = next((i for i, ok in enumerate(allowed[:len(hits)]) if ok), None)
    if documents is not None and best is not None:
        hits[best] = widened(hits[best], documents[hits[best].chunk.doc], hits)
    question = normalize(analysis.question)
    question_chars = set(CONTENT_CHAR.findall(question))
    # character pairs of the question's words: they match where word segmentation differs
    pairs, asked_pairs = _char_pairs(analysis.words), _char_pairs(analysis.terms)   # asked: not the place's
    listing = analysis.answer_type == "list"
    body_kind = (BODY_KIND_ASKED.search(question) or [None, ""])[1]
    figure = analysis.answer_type in FIGURES and (analysis.answer_type != "date"
                                                  or bool(CALENDAR_ASKED.search(question)))
    # a five-year plan's period (“十二五”期间) dates the question: the report must cover it, not the
    # sentence's neighbours name it (the report's list of records opens with it)
    quoted = [normalize(q) for q in QUOTED.findall(analysis.question)]
    periods = list(dict.fromkeys([q for q in quoted if PLAN_PERIOD.fullmatch(q)] + PLAN_NAMED.findall(question)))
    quoted = [q for q in quoted if q not in periods]
    covers_periods = {doc: _states_about(periods, normalize(documents[doc].text))
                      for doc in {h.chunk.doc for h in hits}} if periods and documents is not None else {}
    holder = asked_post(question) if analysis.answer_type == "person" else None
    counted = _counted(analysis)
    asks_place = analysis.answer_type == "place"   # a report about a place answers "where" with its subject
    around = around_asked(question)
    cues = asked_cue(question), asked_cue(question, report=True)   # in an article, in a report
    # the characters of what the question asks about (its words and one-character words, not
    # its frame: 担任什么职务): they match where words differ (胞弟 for 弟弟, 始于 for 开始)
    content_chars = {c for w in (*analysis.words, *lone_characters(question)) for c in w if c not in ASKING_CHARS}
    out = []
    split = []
    for hit in hits:
        spans = sentences_with_lead(hit.chunk.text)
        split.append((spans, [normalize(hit.chunk.text[s:e]) for s, e, _, _ in spans]))
    pool = [t for _, texts in split for t in texts]
    # a programme asked by its quoted name (“五大行动”) is answered where it is named, when a passage names it
    named_quoted = bool(quoted) and not figure and any(_states_about(quoted, t) for t in pool)
    # a lone hit is the best there is: min-max scaling over one score gives it 0
    retrieval = [float(h.score) for h in hits] if len(hits) > 1 else [1.0] * len(hits)
    for rank, (hit, (spans, texts)) in enumerate(zip(hits, split)):
        if not allowed[rank]:
            continue
        chunk, subject = hit.chunk, subjects[hit.chunk.doc]
        terms, weights = scoring[chunk.doc]
        local = pool_weights(terms, weights, pool)
        rarest = terms[int(np.argmax(local))] if terms else None
        heading = normalize(chunk.section)
        own = [coverage(terms, weights, t) for t in texts]
        # what the chunk opens with (its heading and first sentence) is its topic; a later
        # sentence about the topic need not repeat it ("本鱼分布于…" after "浪花鱼为…的一种")
        opening = f"{heading}\n{texts[0]}" if texts else heading
        beyond = [t not in opening for t in terms]
        rest = ([t for t, b in zip(terms, beyond) if b], weights[np.asarray(beyond, dtype=bool)] if terms else weights)
        lead_share = 1.0 - (rest[1].sum() / weights.sum() if weights.sum() > 0 else 0.0)
        for i, ((s, e, lead, first), sentence) in enumerate(zip(spans, texts)):
            if not (in_scope(analysis, subject, sentence) and holds_answer(analysis, sentence)) \
                    or subject.body and (sentence.rstrip().endswith("?") or _asked_by_interviewer(chunk.text, s)):
                continue   # an interviewer's question answers nothing (记者:请您简要介绍一下…。)
            if listing and first and len(spans) > i + 1 and spans[i + 1][2]:
                continue   # a run-in heading ("实施“八大工程”。") names the list; the sentences after it are its items
            span = answer_span(analysis, sentence, report=bool(subject.body))
            context = f"{heading}\n{lead}\n{texts[i - 1] if i else ''}\n{sentence}"
            dated = subject.body and analysis.answer_type == "date"   # 什么时候建成: a report states when, or not at all
            if (figure or dated) and (span is None or subject.body and not _states_about(quoted + counted, context)
                           or subject.body and not stated_of_place(analysis, subject, sentence, span[0])
                           or periods and not covers_periods.get(chunk.doc, _states_about(periods, context))):
                continue   # a figure asked for needs a figure the question does not hold, stated of what it asks
            if named_quoted and subject.body and not _states_about(quoted, context):
                continue
            if subject.body and body_kind and not _names_body(body_kind, sentence):
                continue   # 哪个法院创立的: a sentence naming no court does not say
            if subject.body and holder is not None and (cited_span(analysis, sentence, True) is None
                                                        or holder not in context):
                continue   # a post's holder is named where it is asked, beside the post (组长: not 政法委书记廖全军)
            in_context = coverage(terms, weights, f"{heading}\n{normalize(lead)}\n{sentence}")
            if subject.body and (analysis.answer_type == "date" or HOW_LONG.search(question)) \
                    and in_context < DATED_COVERAGE:
                continue   # a report's year (or length of time) is that of what its sentence says (not 2021年 of 满意度排名)
            shared_pairs = sum(p in sentence for p in pairs) / len(pairs) if pairs else 0.0
            if figure and subject.body and not in_context and not any(p in sentence for p in asked_pairs):
                continue   # a report states a figure beside what it is of: 100余人的普法讲师团 did no 公诉
            slots = slot_match(around, sentence)
            if not in_context and not shared_pairs and max(slots) * SLOT_REACH < SLOT_MIN \
                    and (figure or rank != best):
                # shares nothing with the question, not even the characters around what it asks
                # (卒于 of 卒于哪年, a single-character word): nothing would show it answers it.
                # Unless it is of the passage found first, which speaks of what is asked without
                # naming it again (本鱼栖息于…, 以藻类为食 in the article on the fish asked about);
                # never for a figure: a number tied to nothing asked would lead the answer
                continue
            chars = CONTENT_CHAR.findall(sentence)
            novelty = sum(c not in question_chars for c in chars) / len(chars) if chars else 0.0
            features = (in_context, own[i], float(rank), retrieval[rank], float(first),
                        own[i - 1] if i else 0.0, own[i + 1] if i + 1 < len(own) else 0.0,
                        float(bool(REFERS_BACK.match(sentence))), novelty,
                        float(span is not None or asks_place and bool(subject.places)),
                        math.log1p(len(sentence)),
                        coverage(*rest, sentence), lead_share, shared_pairs, coverage(terms, local, sentence),
                        float(rarest is not None and rarest in sentence),
                        float(not retrieved[rank][0] <= chunk.start + s < retrieved[rank][1]),
                        *slots, float(bool((cue := cues[bool(subject.body)]) and cue.search(sentence))),
                        sum(c in sentence for c in content_chars) / len(content_chars) if content_chars else 0.0)
            out.append(Candidate(chunk.doc, chunk.section, chunk.start + s, chunk.start + e, rank, in_context,
                                 features))
    return out


INTERVIEWER = re.compile(r"\s*(?:记者|主持人|问)\s*[:：]")


def _asked_by_interviewer(text: str, at: int) -> bool:
    """Whether the line of ``text`` holding offset ``at`` is an interviewer's turn (记者:…)."""
    return bool(INTERVIEWER.match(normalize(text[text.rfind("\n", 0, at) + 1:at + 8])))


def _char_pairs(words) -> set[str]:
    return {w[i:i + 2] for w in words for i in range(len(w) - 1)}


INTERACTION_CLIP = 3.0     # standard deviations: a value far outside the fitted ones (one chunk, one score) stays bounded


def interactions(x: np.ndarray, mean, scale) -> np.ndarray:
    """Products of every pair of standardized features, squares included (upper triangle, row
    by row): they let the scorer weigh one feature by another (a figure of the asked kind counts
    for more in a sentence that covers the question)."""
    z = np.clip((x - np.asarray(mean)) / np.asarray(scale), -INTERACTION_CLIP, INTERACTION_CLIP)
    i, j = np.triu_indices(x.shape[1])
    return z[:, i] * z[:, j]


@dataclass(frozen=True)
class SecondLook:
    """When the scorer's two best sentences are close (the second's probability at least
    ``ratio`` of the first's), the embedder reads both, and the one whose log-probability plus
    ``weight`` times its cosine to the question is higher goes first: the cosine finds
    琅邪王司马伷三子 for 司马繇是谁的儿子, which shares no word with it beyond the name. Only for
    the embedders it was fitted for: another model's cosines lie on another scale."""
    embedders: tuple[str, ...]
    ratio: float
    weight: float

    def close(self, best: float, second: float) -> bool:
        return second >= self.ratio * best

    def prefers_second(self, probabilities, cosines) -> bool:
        first, second = (math.log(max(p, 1e-12)) + self.weight * float(c) for p, c in zip(probabilities, cosines))
        return second > first

    def puts_second_first(self, probabilities, read) -> bool:
        """Whether the second of the two best candidates (``probabilities``, best first) goes
        first; ``read()`` gives their cosines to the question, asked only when the two are close."""
        return self.close(*probabilities) and self.prefers_second(probabilities, read())

    def to_json(self) -> dict:
        return {"embedders": list(self.embedders), "ratio": self.ratio, "weight": round(self.weight, 4)}


@dataclass(frozen=True)
class SentenceScorer:
    """A logistic model over FEATURES and their pairwise products: the log-odds that a sentence
    holds the answer. Without ``pairs`` it is linear; without ``second_look`` the embedder
    never reads a candidate."""
    weights: tuple[float, ...]
    bias: float
    extra_ratio: float   # a further sentence is shown when its probability is this share of the best's
    mean: tuple[float, ...] = ()    # standardization of the features before their products
    scale: tuple[float, ...] = ()
    pairs: tuple[float, ...] = ()   # one weight per product, in interactions' order
    second_look: SecondLook | None = None

    def probability(self, x: np.ndarray) -> np.ndarray:
        """Of each row of features [n, len(FEATURES)]."""
        score = x @ np.asarray(self.weights) + self.bias
        if self.pairs:
            score = score + interactions(x, self.mean, self.scale) @ np.asarray(self.pairs)
        return 1 / (1 + np.exp(-score))

    def probabilities(self, found: list[Candidate]) -> np.ndarray:
        if not found:
            return np.zeros(0)
        return self.probability(np.asarray([c.features for c in found]))

    def ranked(self, found: list[Candidate], documents=None, embedder=None, query_vector=None) -> list:
        """(probability, candidate) pairs, best first; the two best after the second look when
        ``embedder`` is one it was fitted for and the question's vector is given (``documents``:
        name -> cleaned document, whose text the embedder reads)."""
        probability = self.probabilities(found)
        out = [(float(probability[i]), found[i]) for i in sorted(range(len(found)), key=lambda i: -probability[i])]
        look = self.second_look
        if look is None or query_vector is None or embedder is None or embedder.name not in look.embedders \
                or len(out) < 2:
            return out
        texts = [documents[c.doc].text[c.start:c.end] for _, c in out[:2]]
        if look.puts_second_first([p for p, _ in out[:2]], lambda: embedder.embed_passages(texts) @ query_vector):
            out[0], out[1] = out[1], out[0]
        return out

    def to_json(self) -> dict:
        i, j = np.triu_indices(len(FEATURES))
        return {"features": list(FEATURES), "weights": [round(w, 4) for w in self.weights], "bias": round(self.bias, 4),
                "extra_ratio": self.extra_ratio, "mean": [round(m, 6) for m in self.mean],
                "scale": [round(v, 6) for v in self.scale],
                **({"second_look": self.second_look.to_json()} if self.second_look else {}),
                "pairs": [[FEATURES[a], FEATURES[b], round(w, 4)] for a, b, w in zip(i, j, self.pairs)]}


@lru_cache(maxsize=1)
def default_scorer() -> SentenceScorer:
    """The fitted weights shipped with the package."""
    stored = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    i, j = np.triu_indices(len(FEATURES))
    expected = [[FEATURES[a], FEATURES[b]] for a, b in zip(i, j)]
    if tuple(stored["features"]) != FEATURES or [p[:2] for p in stored.get("pairs", expected)] != expected:
        raise ValueError(f"{WEIGHTS_FILE} was fitted for features {stored['features']}; refit it with "
                         "python3 eval/fit_sentence_scorer.py")
    look = stored.get("second_look")
    return SentenceScorer(tuple(stored["weights"]), float(stored["bias"]), float(stored["extra_ratio"]),
                          tuple(stored.get("mean", ())), tuple(stored.get("scale", ())),
                          tuple(p[2] for p in stored.get("pairs", ())),
                          SecondLook(tuple(look["embedders"]), float(look["ratio"]), float(look["weight"]))
                          if look else None)
