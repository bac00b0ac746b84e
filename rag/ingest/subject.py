"""What a report is about: its place(s), the body that reports, and its year(s).

Detected at index time from the cleaned text (the title and opening paragraphs weigh
most, then how often each place is named), with the report's self-references (我市, 全区,
本县) telling which level it speaks for; or given in a sidecar file ``NAME.meta.json``
beside the report (``{"title": …, "place": "荣昌区" or [...], "year": 2016 or [...]}``),
which wins. Answers check a question's place against it (rag.answer.scope).
"""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.errors import DocumentError
from rag.text.normalize import normalize
from rag.text.places import COMMON_WORD_FREQ, SELF_REFERENCE, gazetteer
from rag.text.tokens import word_frequency

# Full division names that are everyday words in reports ("城区" is a district of 阳泉 and 晋城).
GENERIC_NAMES = frozenset({"城区", "郊区", "矿区", "新区", "市中区", "市辖区", "开发区"})
BODIES = ("市委政法委", "区委政法委", "县委政法委", "省委政法委", "政法委", "中级人民法院", "人民法院", "人民检察院",
          "公安局", "司法局", "综治办", "信访局")
HEADER_PARAGRAPHS = 3      # title and opening paragraphs: where a report names its subject
HEADER_WEIGHT = 3
SECOND_PLACE_SHARE = 0.5   # another place is a subject too when named at least half as often
YEAR = re.compile(r"((?:19|20)\d\d)(?:年|-\d{1,2}-\d{1,2})")
SELF = re.compile(r"(?:我|全|本)(市|区|县|省|州)")


@dataclass(frozen=True)
class Subject:
    places: tuple[str, ...] = ()     # full names, the main one first (达州市)
    path: tuple[str, ...] = ()       # the main place's divisions, province first (四川省, 达州市)
    body: str = ""                   # who reports (市委政法委, 人民法院 …), when the report says
    years: tuple[int, ...] = ()      # years it reports on, the main one first
    source: str = "detected"         # detected | sidecar

    @property
    def place(self) -> str:
        return self.places[0] if self.places else ""

    def report_name(self) -> str:
        """What to call an untitled report: 张掖市委政法委工作报告（2022年）, or "" when nothing is known."""
        if not (self.place or self.body):
            return ""
        who = self.place[:-1] + self.body if self.body and self.place.endswith(self.body[0]) else self.place + self.body
        return f"{who}工作报告" + (f"（{self.years[0]}年）" if self.years else "")

    def label(self) -> str:
        """For citation headers: 达州市, or 达州市 2022."""
        return " ".join(x for x in (self.place, str(self.years[0]) if self.years else "") if x)


@dataclass(frozen=True)
class DocumentMeta:
    """A sidecar's override of what a report is about."""
    title: str = ""
    places: tuple[str, ...] = ()
    years: tuple[int, ...] = ()


def sidecar_path(report: Path) -> Path | None:
    """``NAME.meta.json`` beside ``NAME.txt`` (or ``NAME.txt.meta.json``), if there is one."""
    for candidate in (report.with_name(report.stem + ".meta.json"), report.with_name(report.name + ".meta.json")):
        if candidate.is_file():
            return candidate
    return None


def read_sidecar(path: Path) -> tuple[DocumentMeta, bytes]:
    """The sidecar's fields, checked, and its bytes (they count in the report's content hash)."""
    raw = path.read_bytes()
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DocumentError(path, f"not valid JSON ({exc}); write it as {{\"place\": \"荣昌区\", \"year\": 2016}}") \
            from exc
    if not isinstance(data, dict):
        raise DocumentError(path, "must be a JSON object with title, place and year")
    unknown = set(data) - {"title", "place", "year"}
    if unknown:
        raise DocumentError(path, f"unknown field(s) {', '.join(sorted(unknown))}; valid fields: title, place, year")
    title = data.get("title", "")
    places = data.get("place", [])
    years = data.get("year", [])
    places = [places] if isinstance(places, str) else places
    years = [years] if isinstance(years, int) else years
    if not isinstance(title, str):
        raise DocumentError(path, "field 'title' must be a string")
    if not (isinstance(places, list) and all(isinstance(p, str) and p.strip() for p in places)):
        raise DocumentError(path, "field 'place' must be a place name or a list of them, e.g. \"荣昌区\"")
    if not (isinstance(years, list) and all(isinstance(y, int) and 1900 <= y <= 2100 for y in years)):
        raise DocumentError(path, "field 'year' must be a year like 2023 or a list of years")
    return DocumentMeta(title.strip(), tuple(p.strip() for p in places), tuple(years)), raw


@lru_cache(maxsize=None)
def _trusted_short_names(speaks_as: str) -> frozenset:
    """County names a report that says 全区 (``speaks_as`` 区) vouches for when written
    without 区 (荣昌 for 荣昌区); the same for every report that speaks so, so computed once."""
    return frozenset(p.short for p in gazetteer().places if p.level == "county" and speaks_as
                     and p.kind.endswith(speaks_as) and word_frequency(p.short) < COMMON_WORD_FREQ)


def detect_subject(text: str, paragraph_starts: list[int], date: str = "", meta: DocumentMeta | None = None
                   ) -> Subject:
    """The subject of a cleaned report (``paragraph_starts``: where its paragraphs begin)."""
    norm = normalize(text)
    header_end = paragraph_starts[HEADER_PARAGRAPHS] if len(paragraph_starts) > HEADER_PARAGRAPHS else len(norm)
    years = _years(norm, date)
    body = _body(norm[:header_end]) or _body(norm)
    if meta is not None and (meta.places or meta.years):
        places = meta.places
        path = ()
        if places:
            known = gazetteer().lookup(places[0])
            places = tuple(known[0].name if known else p for p in places[:1]) + places[1:]
            path = tuple(p.name for p in gazetteer().path(known[0])) if known else (places[0],)
        return Subject(places, path, body, meta.years or years, "sidecar")
    g = gazetteer()
    self_refs = Counter(SELF.findall(norm))
    speaks_as = self_refs.most_common(1)[0][0] if self_refs and self_refs.most_common(1)[0][1] >= 2 else ""
    trusted = _trusted_short_names(speaks_as)
    scores: Counter = Counter()
    for m in g.find(norm, trusted):
        if m.place.name not in GENERIC_NAMES:
            scores[m.place] += HEADER_WEIGHT if m.start < header_end else 1
    if not scores:
        return Subject((), (), body, years)
    level = SELF_REFERENCE.get(speaks_as, "")
    ranked = sorted(scores, key=lambda p: (-scores[p], p.level != level, -["province", "city", "county"].index(p.level)))
    main = ranked[0]
    path = g.path(main)
    others = [p for p in ranked[1:] if scores[p] >= SECOND_PLACE_SHARE * scores[main]
              and p not in path and main not in g.path(p)]
    return Subject((main.name, *(p.name for p in others)), tuple(p.name for p in path), body, years)


def _years(norm: str, date: str) -> tuple[int, ...]:
    counts = Counter(int(y) for y in YEAR.findall(norm))
    dated = [int(m.group(1)) for m in YEAR.finditer(date or "")]
    ordered = dated + [y for y, _ in sorted(counts.items(), key=lambda kv: (-kv[1], -kv[0])) if y not in dated]
    return tuple(ordered)


def _body(norm: str) -> str:
    """The most specific reporting body named (BODIES lists specific names first)."""
    return next((b for b in BODIES if b in norm), "")
