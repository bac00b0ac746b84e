"""Normalization for matching only: Traditional -> Simplified, full -> half width,
one form per punctuation mark. Output has the same length as input, so offsets in
the normalized text are offsets in the original text too."""
from __future__ import annotations

import re
from functools import lru_cache

_PUNCT = str.maketrans({
    "“": '"', "”": '"', "„": '"', "「": '"', "」": '"', "『": '"', "』": '"', "〝": '"', "〞": '"',
    "‘": "'", "’": "'", "—": "-", "–": "-", "－": "-", "～": "~", "〔": "(", "〕": ")",
    "【": "[", "】": "]", "《": "<", "》": ">", "〈": "<", "〉": ">", "\u3000": " ", "·": "·",
    "•": "·", "．": ".", "｡": "。",
    **{chr(c): chr(c + 32) for c in range(ord("A"), ord("Z") + 1)},  # ASCII only: str.lower() can change length
})


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # opencc-python-reimplemented
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _s2t():
    import opencc
    converter = opencc.OpenCC("s2t")   # reads its dictionaries: ~27 ms, once, not per call
    converter.convert("")
    return converter


_HALF_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}


@lru_cache(maxsize=1)
def _fast_t2s():
    """OpenCC t2s as a character table plus the phrases where it is not enough.

    OpenCC (pure Python, ~2.4 us a character) converts each separator-delimited
    segment by longest match over phrase then character dictionaries. A segment
    holding none of the phrases whose conversion differs from converting their
    characters one by one converts exactly like ``str.translate`` with the
    character table (rag/tests check this on the bench sets); the rare segment
    holding one still goes through OpenCC."""
    converter = _t2s()
    converter.convert("")  # loads the dictionaries
    chars, phrases = {}, {}
    for group in converter._dict_chain_data:  # [(max_len, min_len, {source: "target [alternatives]"})]
        for _, _, table in group:
            for source, targets in table.items():
                (chars if len(source) == 1 else phrases).setdefault(source, targets.split(" ")[0])
    table = {ord(s): t for s, t in chars.items() if len(t) == 1}
    special = [s for s, t in chars.items() if len(t) != 1]
    special += [s for s, t in phrases.items() if t != s.translate(table)]
    firsts = "".join(sorted({re.escape(s[0]) for s in special}))  # fails fast at most positions
    pattern = re.compile(f"(?=[{firsts}])(?:" + "|".join(re.escape(s) for s in sorted(special, key=len, reverse=True)) + ")")
    return table, pattern, converter.split_chars_re


def to_half_width(text: str) -> str:
    """Full-width ASCII forms to half width (same length)."""
    return text.translate(_HALF_WIDTH)


def _convert_segment(segment: str) -> str:
    converted = _t2s().convert(segment)
    if len(converted) == len(segment):
        return converted
    # A phrase rule changed the length; per-character conversion keeps offsets aligned.
    return "".join(ch if len(c := _t2s().convert(ch)) != 1 else c for ch in segment)


def to_simplified(text: str) -> str:
    """OpenCC t2s, same length as ``text`` (exactly OpenCC's output wherever that keeps the length)."""
    table, special, separators = _fast_t2s()
    if not special.search(text):
        return text.translate(table)
    return "".join(part if i % 2 else _convert_segment(part) if special.search(part) else part.translate(table)
                   for i, part in enumerate(separators.split(text)))  # odd parts are separators


@lru_cache(maxsize=1)
def _normalize_table() -> dict:
    """Half width, then t2s, then punctuation, composed into one character table."""
    table, _, _ = _fast_t2s()
    punct = {k: (v if isinstance(v, str) else chr(v)) for k, v in _PUNCT.items()}
    composed = {}
    for code in set(_HALF_WIDTH) | set(table) | set(punct):
        ch = chr(_HALF_WIDTH.get(code, code))
        ch = table.get(ord(ch), ch)
        ch = punct.get(ord(ch), ch)
        if ch != chr(code):
            composed[code] = ch
    return composed


def normalize_with_opencc(text: str) -> str:
    """What ``normalize`` computes, the slow way: OpenCC phrase by phrase on the whole text (the
    reference the tests and eval/normalize_speed.py compare against)."""
    half = to_half_width(text)
    converted = _t2s().convert(half)
    if len(converted) != len(half):
        converted = "".join(ch if len(c := _t2s().convert(ch)) != 1 else c for ch in half)
    return converted.translate(_PUNCT)


def normalize(text: str) -> str:
    """Same-length matching form of ``text``: simplified, half width, unified punctuation, lower case."""
    if not _fast_t2s()[1].search(text):  # no context-dependent phrase: one table does it all
        return text.translate(_normalize_table())
    return to_simplified(to_half_width(text)).translate(_PUNCT)


HAN = re.compile(r"[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _simplified_only() -> frozenset[str]:
    """The characters only Simplified text writes: s2t changes them, t2s leaves them."""
    changed = {source for group in _s2t()._dict_chain_data for _, _, table in group
               for source, targets in table.items() if len(source) == 1 and targets.split(" ")[0] != source}
    return frozenset(c for c in changed if to_simplified(c) == c)


def is_traditional(text: str) -> bool:
    """Whether ``text`` writes more characters only Traditional writes than only Simplified
    does (a short question may hold one or two: 榮昌民工討回…; a Simplified one a name: 黄霑)."""
    han = "".join(HAN.findall(text))
    simplified_only = _simplified_only()
    return sum(a != b for a, b in zip(han, to_simplified(han))) > sum(c in simplified_only for c in han)


def convert_script(text: str, script: str) -> str:
    """For display: 'original', 'simplified' (t2s) or 'traditional' (s2t)."""
    if script == "original":
        return text
    if script == "simplified":
        return _t2s().convert(text)
    if script == "traditional":
        return _s2t().convert(text)
    from rag.errors import ConfigError
    raise ConfigError(f"unknown script '{script}'; use original, simplified or traditional")
