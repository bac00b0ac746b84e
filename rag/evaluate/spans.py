"""Span metrics as CMRC2018's official evaluation computes them: exact match and F1 over
characters (Chinese characters one by one, Latin words and numbers whole), punctuation
removed, the best over the gold answers; F1 from the longest common substring."""
from __future__ import annotations

import re
import unicodedata

from rag.text.normalize import normalize

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[.,][0-9]+)*|[^\sA-Za-z0-9]")


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch).startswith(("P", "S")) and ch not in "%"


def segments(text: str) -> list[str]:
    """Characters and Latin/number words of ``text`` (normalized: script and width do not count)."""
    return [t for t in _TOKEN.findall(normalize(text).lower()) if not (len(t) == 1 and _is_punctuation(t))]


def _longest_common_substring(a: list[str], b: list[str]) -> int:
    best, previous = 0, [0] * (len(b) + 1)
    for x in a:
        current = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best


def span_f1(prediction: str, golds) -> float:
    predicted = segments(prediction)
    best = 0.0
    for gold in golds:
        expected = segments(gold)
        common = _longest_common_substring(expected, predicted)
        if common:
            precision, recall = common / len(predicted), common / len(expected)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def span_em(prediction: str, golds) -> float:
    predicted = "".join(segments(prediction))
    return float(any(predicted == "".join(segments(g)) for g in golds if g))
