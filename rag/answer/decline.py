"""Whether to answer or decline, and the signals the decision is made from.

The decision is the coverage rule: answer when the best passage in scope covers at least
half of the question's (idf-weighted) content words, or when the embedder is very sure of a
passage (cosine >= 0.88) that still shares some of them and a sentence that does (in a report,
a word no retrieved passage writes shares by its characters: 讨回欠薪 in 要回…拖欠); but never
when the question names someone or something rare (a person, place or body: 刘德一,
靖江王府) that no passage in scope names: those passages speak of someone else, and their
figure would be another's (``python3 eval/decline_names.py``, README Figures). Where a
document retrieved names it (in its text or title), only that document's passages may answer,
for a name jieba counts under NAMING_FREQUENCY times (rag.answer.evidence: 牡丹园站培养了多少名冠军? is not
answered with a university's 73人 because a passage elsewhere names 牡丹园). Scope and
the answer's kind act before it: passages outside the asked place or year, and sentences
without an answer of the asked kind, never compete (rag.answer.extract).

A logistic model over all the signals below was fitted under 5-fold cross-validation on
held-out kinds of questions (``python3 eval/decline_calibration.py``) and not adopted: it
declines fewer answerable bench questions (2.3% / 1.7% against 2.3% / 3.0%) and no
answerable seed question, but answers a third more of the questions whose answering
paragraph is missing (65% / 59% declined against 82% / 83%; README, Figures). Nor was a rescue
by the embedder's similarity to the best sentences (``eval/decline_sentence_similarity.py``):
about one wrong answer per question it rescued. The signals are kept on every answer, for
those scripts and for readers of ``--json``.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from rag.text.normalize import normalize

COVERAGE_RULE = 0.5        # answer when the best passage in scope covers this share of the question ...
DENSE_CONFIDENT = 0.88     # ... or the embedder is this sure of a passage (a paraphrase) ...
DENSE_MIN_COVERAGE = 0.2   # ... that, and the chosen sentence, still share this much of its words
# Calibration of the coverage rule (eval/decline_calibration.py, before scope existed): every
# threshold in 0.45-0.55 answered none of the seed set's unanswerable questions and 94.4% of its
# answerable ones; out-of-domain bench questions peaked at cosine 0.867 against the seeds.
# A report's figure is written against what it counts: a sentence sharing under a third of the
# question's weighted words holds another's (涉疫…案件231起619人 for 黑社会性质组织案件涉及多少人). Every
# figure the seed sets answer right comes from a sentence sharing 0.40 or more (python3 eval/report_figure_floor.py).
REPORT_FIGURE_SENTENCE = 0.35
# Under its floor, an embedder's cosine to every passage in scope doubts them all: a question
# about something else whose words a passage still shares (西铜锣湾站 for 西土城站's paragraph, a
# year or name swapped). An answer then needs the sentence scorer and the words to agree as well.
# Per embedder, as each scales its cosines its own way: e5-small's (and its torch run's, the same
# weights) declines the most held-out topical negatives for at most 0.15 points of answer_hit on
# either bench set, so that #17's 0.90 holds (python3 eval/decline_floor.py; README "Asked an
# eighteenth time"); other embedders have none. e5-small's cosines for a Traditional question
# embedded as written run lower: its floor cuts off about as many answerable DRCD questions as
# 0.87 does of CMRC's (a shift of 0.013 and 0.020 on the two held-out draws; the larger, which
# declines fewer of them, is kept).
DENSE_FLOORS = {"e5-small": 0.87, "e5-small-torch": 0.87}
FLOOR_PROBABILITY = 0.2
FLOOR_COVERAGE = 0.6
TRADITIONAL_FLOOR_SHIFT = 0.02
HAN_WORD = re.compile(r"[\u4e00-\u9fff]{2,}")


@dataclass(frozen=True)
class Signals:
    coverage: float           # idf-weighted share of the question's content words in the best passage in scope
    sentence: float           # the same share for the chosen sentence with its headings
    dense: float              # the embedder's highest cosine to a passage in scope sharing >= 0.2 of the words
                              # (the words no passage writes counted by their characters there: apart_share)
    rarest_found: float       # 1 if the question's rarest content word is in that passage
    place_subject: float      # 1 if the place asked is the subject of the report answering
    place_named: float        # 1 if the place asked is only named in the sentence (another place's report)
    year_missing: float       # 1 if the question names a year the answering passage does not
    elsewhere: float          # how much better a passage out of scope covered the question
    entities_missing: float   # share of the names, numbers and quoted terms asked about that the passage lacks
    name_missing: float       # 1 if a rare name asked about (刘德一) is in no passage in scope (names_missing)
    answer_probability: float  # the sentence scorer's probability that its best sentence holds the answer
    sentence_apart: float     # ``sentence``, a word no passage writes counted by its characters there (apart_share)
    candidates: int           # sentences in scope that hold an answer of the asked kind

    def vector(self) -> list[float]:
        return [float(v) for k, v in asdict(self).items() if k != "candidates"]


FEATURES = tuple(f for f in Signals.__dataclass_fields__ if f != "candidates")


def names_missing(names, passages, documents=(), joins=()) -> list[str]:
    """The names neither the (normalized) passages nor their documents' texts hold; the
    documents are read only for a name the passages lack (an article names its subject once,
    then says 他 or 该校). A name of three characters or more counts as held when one of its
    character pairs is there: jieba glues or splits unknown names differently in a question
    and a text (雷克雅未克 and 雷克雅维克, 中兴大学 and 中兴), while a name put in place of the
    one a passage speaks of shares none. A name whose join (rare_names: 张静美 for 美的) is
    there is held too: it is the end of the name before it, glued to the next word."""
    def held(name: str, join: str, texts) -> bool:
        pairs = [name] if len(name) <= 2 else [name[i:i + 2] for i in range(len(name) - 1)]
        return any(p in text for p in pairs for text in texts) or bool(join) and any(join in text for text in texts)
    joined = dict(zip(names, joins))
    missing = [n for n in names if not held(n, joined.get(n, ""), passages)]
    if missing:
        texts = [normalize(t) for t in documents]
        missing = [n for n in missing if not held(n, joined.get(n, ""), texts)]
    return missing


def unwritten_words(words, weights, texts, names) -> dict[str, float]:
    """The question's words of two Han characters or more that none of the (normalized) texts
    writes, with their weights; not the names asked about, which are checked whole (names_missing)."""
    return {w: float(x) for w, x in zip(words, weights)
            if HAN_WORD.fullmatch(w) and w not in names and not any(w in text for text in texts)}


def apart_share(unwritten: dict[str, float], total: float, text: str) -> float:
    """The share of the question's weight ``total`` that the words no passage writes
    (``unwritten``: word -> weight) have in ``text`` by their characters: an asker's own wording
    keeps the report's morphemes (讨回 for 要回, 欠薪 for 拖欠的工资). Loose, so it only backs the
    embedder's confidence (answers), never makes a passage cover a question."""
    if total <= 0:
        return 0.0
    return sum(w * sum(c in text for c in word) / len(word) for word, w in unwritten.items()) / total


def doubted(signals: Signals, floor: float | None, traditional: bool = False) -> bool:
    """Under the embedder's ``floor`` (DENSE_FLOORS; lower for a question embedded in Traditional
    script), with the sentence scorer or the words unsure too; never without a floor."""
    if floor is None:
        return False
    floor -= TRADITIONAL_FLOOR_SHIFT if traditional else 0.0
    return signals.dense < floor and (signals.answer_probability < FLOOR_PROBABILITY or signals.coverage < FLOOR_COVERAGE)


def answers(signals: Signals, report_figure: bool = False, floor: float | None = None, traditional: bool = False) -> bool:
    """The coverage rule (module docstring), unless the passages are doubted (``doubted``); for a
    figure from a work report (``report_figure``) the chosen sentence must also state the words
    asked (REPORT_FIGURE_SENTENCE)."""
    if not signals.candidates or signals.name_missing or doubted(signals, floor, traditional):
        return False
    if report_figure and max(signals.sentence, signals.sentence_apart) < REPORT_FIGURE_SENTENCE:
        return False
    if signals.coverage >= COVERAGE_RULE:
        return True
    # dense is that of a passage sharing DENSE_MIN_COVERAGE of the words, those no passage writes by their characters
    return signals.dense >= DENSE_CONFIDENT and signals.sentence_apart >= DENSE_MIN_COVERAGE
