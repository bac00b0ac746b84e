"""Tokenizers for BM25 over normalized (Simplified, half-width) Chinese text.

``bigram``: every Han character and every pair of adjacent Han characters, plus
Latin words and numbers as whole tokens. ``jieba``: jieba's search-mode words.
Both drop punctuation and a short list of question and function words.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from .errors import ConfigError

_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z]+|\d+(?:\.\d+)?")
# Question words and particles carry no topic; removing them sharpens BM25.
STOP_CHARS = set("的了是在和与及或吗呢吧啊呀么之其这那此哪谁几个")
STOP_WORDS = {"什么", "多少", "哪些", "哪个", "哪里", "怎么", "怎样", "如何", "是否", "请问", "这个", "那个",
              "我们", "其中", "以及"}
# Question phrases are cut out of a query before tokenizing, so that no bigram
# straddles them ("多少个" must not leave "少个" behind as a rare query term).
QUESTION_PHRASES = re.compile(
    r"为什么|多少|什么|哪一年|哪一|哪些|哪个|哪里|哪儿|哪|几个|几|怎么样|怎么|怎样|如何|是否|请问|吗|呢|谁"
    r"|包括|分别|名字|叫做")


def query_text(normalized_question: str) -> str:
    return QUESTION_PHRASES.sub(" ", normalized_question)


def bigram_tokens(text: str) -> list[str]:
    tokens = []
    for run in _RUN.findall(text):
        if run[0] >= "\u3400":
            tokens.extend(ch for ch in run if ch not in STOP_CHARS)
            tokens.extend(b for b in (run[i:i + 2] for i in range(len(run) - 1)) if b not in STOP_WORDS)
        else:
            tokens.append(run)
    return tokens


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    jieba.setLogLevel(60)
    return jieba


def _content(words) -> list[str]:
    return [w for w in words if _RUN.fullmatch(w) and w not in STOP_WORDS and w not in STOP_CHARS]


def jieba_tokens(text: str) -> list[str]:
    """Search mode: a long word and its sub-words, for recall in BM25."""
    return _content(_jieba().lcut_for_search(text))


def jieba_words(text: str) -> list[str]:
    """Precise mode: non-overlapping words, so no word is counted twice."""
    return _content(_jieba().lcut(text))


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {"bigram": bigram_tokens, "jieba": jieba_tokens}
DEFAULT_TOKENIZER = "bigram"


def get_tokenizer(name: str) -> Callable[[str], list[str]]:
    try:
        return TOKENIZERS[name]
    except KeyError:
        raise ConfigError(f"unknown tokenizer '{name}'; valid names: {', '.join(TOKENIZERS)}") from None
