"""Hybrid retrieval: BM25 and dense search over a store (rag.stores), fused by weight.

Plain reciprocal-rank fusion lost 7 points of R@1 to BM25 alone on DRCD in our
measurements; a weighted sum of normalized scores keeps the stronger signal in
charge (weight tuned on the bench sets, see README). Both stores normalize by
min-max over the candidate pool (stores.base.fuse)."""
from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field

import numpy as np

from rag.answer.question import QUOTED, TITLE
from rag.embed.base import Embedder
from rag.errors import ConfigError, QueryError, listing
from rag.stores.base import MODES, FusionSettings, Hit, RankQuery
from rag.stores.uri import as_store
from rag.text.asked import plain_question
from rag.text.normalize import is_traditional, normalize, to_simplified
from rag.text.places import gazetteer
from rag.text.regional import in_mainland_words, mainland_words
from rag.text.tokens import get_tokenizer, jieba_words, query_text

MAX_QUESTION_CHARS = 2000
# The chunks an answer is composed from (rag.answer.extract); one naming a quoted term asked
# (“五大行动”, 《光辉岁月》) is brought among them from this far down when none of them names it.
ANSWER_POOL = 5
QUOTED_REACH = 20
# ... and, when the question names a place some reports are about, the chunks of those reports
# come first among them from this far down (another place's paragraph can only be declined)
PLACE_REACH = 20


@dataclass(frozen=True)
class Retrieval:
    """The chunks retrieved for one question, best first (where the question names a place some
    reports are about, their chunks first: _about_first), with per-stage timings."""
    question: str
    mode: str
    hits: tuple[Hit, ...]
    query_tokens: tuple[str, ...]
    timings_ms: dict = field(default_factory=dict)
    only: frozenset[str] | None = None   # the documents it was restricted to (None: all)
    query_vector: np.ndarray | None = field(default=None, compare=False, repr=False)   # None in bm25 mode
    displaced: int = 0   # other places' chunks moved behind the answer pool (_about_first), kept after it

    def answer_hits(self, pool: int) -> tuple[Hit, ...]:
        """The first ``pool`` hits, with the other places' chunks moved behind them."""
        return self.hits[:pool + self.displaced]


@dataclass(frozen=True)
class DocFilter:
    """Which reports to search: by file name, by place (a county's report is also its city's
    and province's) and by year; each given part must hold. Empty: every report."""
    docs: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    years: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.docs or self.places or self.years)


def filter_documents(store, where: DocFilter | None) -> frozenset[str] | None:
    """The names of the documents ``where`` selects (None: no filter). QueryError naming what
    matched nothing, with the names, places or years there are to choose from."""
    if not where:
        return None
    subjects = _subjects(store)
    names = set(subjects)
    if where.docs:
        unknown = [d for d in where.docs if d not in names]
        if unknown:
            raise QueryError(f"没有名为 {'、'.join(unknown)} 的报告；已索引的报告：{listing(names)}")
        names = set(where.docs)
    if where.places:
        wanted = [normalize(p.strip()) for p in where.places]
        names = {n for n in names if any(_names_place(subjects[n], w) for w in wanted)}
        if not names:
            known = {p for subject in subjects.values() for p in subject.places}
            raise QueryError(f"没有关于 {'、'.join(where.places)} 的报告；报告涉及的地方：{listing(known)}")
    if where.years:
        names = {n for n in names if set(subjects[n].years) & set(where.years)}
        if not names:
            known = {str(y) for subject in subjects.values() for y in subject.years}
            raise QueryError(f"没有 {'、'.join(map(str, where.years))} 年的报告（在所选范围内）；"
                             f"报告涉及的年份：{listing(known)}")
    return frozenset(names)


_SUBJECTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _subjects(store) -> dict:
    """Each document's subject, read once per store (a store is immutable; a commit is a new one)."""
    if store not in _SUBJECTS:
        _SUBJECTS[store] = {name: doc.subject for name, doc in store.documents.items()}
    return _SUBJECTS[store]


_REPORTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _of_reports(store) -> bool:
    """Whether most of a store's documents are work reports (they name their reporting body); an
    encyclopedia with the odd article naming a court or a police bureau is not."""
    if store not in _REPORTS:
        subjects = _subjects(store).values()
        _REPORTS[store] = 2 * sum(bool(subject.body) for subject in subjects) > len(subjects)
    return _REPORTS[store]


_SIMPLIFIED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_MAINLAND: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _sample(store) -> list[str]:
    """Up to 50 of the store's documents, spread over it: what its reports are like."""
    names = list(store.documents)
    return names[::max(1, len(names) // 50)][:50]


def _mostly_simplified(store) -> bool:
    if store not in _SIMPLIFIED:
        sample = _sample(store)
        _SIMPLIFIED[store] = 2 * sum(not is_traditional(store.documents[n].text[:2000]) for n in sample) > len(sample)
    return _SIMPLIFIED[store]


def embedded_in_traditional(question: str, store) -> bool:
    """Whether ``question`` is embedded as written in Traditional script: not one of mainland
    reports, which is embedded in Simplified (Searcher.search)."""
    return is_traditional(question) and not _mostly_simplified(store)


def in_store_words(question: str, store) -> str:
    """A Traditional question asked of mainland reports, in their words for what Taiwan calls
    otherwise (張掖匯聚聯網影片資源多少路? → …視頻資源…; rag.text.regional)."""
    if store not in _MAINLAND:
        _MAINLAND[store] = mainland_words(normalize(store.documents[n].text) for n in _sample(store))
    return in_mainland_words(question, _MAINLAND[store])


def _names_place(subject, wanted: str) -> bool:
    """达州 and 达州市 name 达州市; 重庆 names 荣昌区's report (荣昌区 is in 重庆市)."""
    return any(p == wanted or (len(wanted) >= 2 and p.startswith(wanted)) for p in subject.places + subject.path)


def check_question(question) -> str:
    """The question with control characters, spaces between Chinese words and the asker's
    greeting and thanks (rag.text.asked) dropped; QueryError if empty or too long."""
    if not isinstance(question, str):
        raise QueryError("问题必须是文字")
    cleaned = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not cleaned:
        raise QueryError("问题为空：请输入一个问题，例如：雪亮工程建成了多少监控探头？")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise QueryError(f"问题有 {len(cleaned)} 个字，超过上限 {MAX_QUESTION_CHARS} 字；请缩短后再问")
    return plain_question(cleaned)


class Searcher:
    """A store plus the embedder that built it, ready to answer queries. Every stage of
    a query is timed (``Retrieval.timings_ms``); only the searches grow with the corpus."""

    def __init__(self, store, embedder: Embedder, fusion: FusionSettings = FusionSettings()):
        self.store, self.embedder, self.fusion = as_store(store), embedder, fusion
        jieba_words("预热")  # jieba loads its dictionary on first use; pay that here, not on a question
        is_traditional("预热")  # so do OpenCC's s2t tables

    def search(self, question: str, mode: str = "hybrid", k: int = 5,
               query_vector: np.ndarray | None = None, only: frozenset[str] | None = None) -> Retrieval:
        """Top-k chunks for the question, of the documents ``only`` (None: all; see
        filter_documents); ``query_vector`` skips embedding it (batch runs)."""
        if mode not in MODES:
            raise ConfigError(f"unknown retrieval mode '{mode}'; valid modes: {', '.join(MODES)}")
        if not 1 <= k <= 100:
            raise ConfigError(f"k must be between 1 and 100, got {k}")
        question = check_question(question)
        # a Traditional question of reports mostly in Simplified is read in their words, and embedded in
        # their script: 荣昌司法所小所配幾個人? is as close to a Simplified passage as its Simplified form
        # only by characters, and the embedder's cosine fell from 0.89 to 0.86, under the decline's 0.88
        # (matching words is script-blind already: rag.text.normalize)
        of_mainland = is_traditional(question) and _mostly_simplified(self.store)
        if of_mainland:
            question = in_store_words(question, self.store)
        timings: dict[str, float] = {}
        clock = _Clock(timings)
        norm = normalize(question)
        # places matter in a store of work reports (_of_reports): an encyclopedia's articles are about
        # their topics, not a place, and keep their ranking
        mentions = gazetteer().find(norm, rare_short_forms=True) if _of_reports(self.store) else []
        about = _reports_about(self.store, {m.place.name for m in mentions})
        # the place of the reports asked about is their scope, not a word to find: every chunk of
        # them is about it, and those repeating its name would outrank the one answering (达州…探头)
        query = query_text(_blanked(norm, mentions) if about else norm)
        clock("normalize")
        tokens = get_tokenizer(self.store.settings.tokenizer)(query)
        clock("tokenize")
        if len(self.store.chunks) == 0:
            return Retrieval(question, mode, (), tuple(tokens), timings, only)
        qvec = None
        if mode in ("hybrid", "dense"):
            as_written = to_simplified(question) if of_mainland else question
            qvec = (self.embedder.embed_queries([as_written])[0] if query_vector is None
                    else query_vector).astype(np.float32)
            clock("embed_query")
        quoted = QUOTED.findall(norm) + [title[1:-1] for title in TITLE.findall(norm)]
        reach = max(k, QUOTED_REACH if quoted else 0, PLACE_REACH if about else 0)
        hits = self.store.rank(RankQuery(query, tuple(tokens), qvec, mode, reach, max(reach, self.fusion.candidates),
                                         self.fusion.dense_weight, only), clock)
        hits, displaced = _about_first(list(hits), about, min(k, ANSWER_POOL)) if about else (hits, 0)
        hits = (_naming_first(list(hits), quoted, min(k, ANSWER_POOL)) if quoted else hits)[:k + displaced]
        return Retrieval(question, mode, tuple(hits), tuple(tokens), timings, only, qvec, displaced)


def _reports_about(store, places: set[str]) -> frozenset[str]:
    """The documents about one of the ``places`` a question names (a table of the place's figures
    is about it too)."""
    return frozenset(name for name, subject in _subjects(store).items()
                     if places and any(_names_place(subject, p) for p in places))


def _blanked(normalized_question: str, mentions) -> str:
    """The question with the place ``mentions`` (gazetteer.find's) blanked out."""
    text = normalized_question
    for m in mentions:
        text = text[:m.start] + " " * (m.end - m.start) + text[m.end:]
    return text


def _about_first(hits: list, about: frozenset[str], pool: int) -> tuple[list, int]:
    """``hits`` with the first ``pool`` places given to chunks of the reports ``about`` the place
    asked, in their order: 张掖有多少个网格 is answered by 张掖's paragraph ranked sixth, not 荣昌's
    ranked second. The other places' chunks they displace from the pool come right after it, so a
    decline can still say what was found elsewhere; their count is returned with the hits.
    Unchanged when no chunk of those reports was found."""
    own = [h for h in hits if h.chunk.doc in about][:pool]
    if not own:
        return hits, 0
    others = [h for h in hits[:pool] if h.chunk.doc not in about]
    first = own + others
    return first + [h for h in hits if h not in first], max(0, len(first) - pool)


def _naming_first(hits: list, quoted: list[str], pool: int) -> list:
    """``hits`` with the best one naming every quoted term moved to the ``pool``-th place when
    none of the first ``pool`` names them: a report names its programmes exactly (“五大行动”),
    and a passage about one that never names it rarely answers what it is."""
    def names(hit) -> bool:
        text = normalize(hit.chunk.search_text)
        return all(q in text for q in quoted)
    if any(names(h) for h in hits[:pool]):
        return hits
    found = next((i for i in range(pool, len(hits)) if names(hits[i])), None)
    return hits if found is None else hits[:pool - 1] + [hits[found]] + hits[pool - 1:found] + hits[found + 1:]


class _Clock:
    """Adds the milliseconds since the previous call to ``timings[stage]``."""

    def __init__(self, timings: dict):
        self.timings, self.last = timings, time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + (now - self.last) * 1000
        self.last = now
