"""Normalization for matching only: Traditional -> Simplified, full -> half width,
one form per punctuation mark. Output has the same length as input, so offsets in
the normalized text are offsets in the original text too."""
from __future__ import annotations

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


def to_half_width(text: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)


def to_simplified(text: str) -> str:
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    # A phrase rule changed the length; per-character conversion keeps offsets aligned.
    return "".join(ch if len(c := _t2s().convert(ch)) != 1 else c for ch in text)


def normalize(text: str) -> str:
    """Same-length matching form of ``text``: simplified, half width, unified punctuation, lower case."""
    return to_simplified(to_half_width(text)).translate(_PUNCT)


def convert_script(text: str, script: str) -> str:
    """For display: 'original', 'simplified' (t2s) or 'traditional' (s2t)."""
    if script == "original":
        return text
    if script == "simplified":
        return _t2s().convert(text)
    if script == "traditional":
        import opencc
        return opencc.OpenCC("s2t").convert(text)
    from .errors import ConfigError
    raise ConfigError(f"unknown script '{script}'; use original, simplified or traditional")
