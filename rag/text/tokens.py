"""Tokenizers for BM25 over normalized (Simplified, half-width) Chinese text.

``bigram``: every Han character and every pair of adjacent Han characters, plus
Latin words and numbers as whole tokens. ``jieba``: jieba's search-mode words.
Both drop punctuation and a short list of question and function words.
"""
from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Callable

import numpy as np

from rag.errors import ConfigError

_HAN_RANGES = ((0x3400, 0x9FFF), (0xF900, 0xFAFF))
_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z]+|\d+(?:\.\d+)?")
_OTHER = re.compile(r"[a-z]+|\d+(?:\.\d+)?")  # _RUN without Han: these never overlap Han runs
# Question words and particles carry no topic; removing them sharpens BM25.
STOP_CHARS = set("的了是在和与及或吗呢吧啊呀么之其这那此哪谁几个")
STOP_WORDS = {"什么", "多少", "哪些", "哪个", "哪里", "怎么", "怎样", "如何", "是否", "请问", "这个", "那个",
              "我们", "其中", "以及"}
# Question phrases are cut out of a query before tokenizing, so that no bigram
# straddles them ("多少个" must not leave "少个" behind as a rare query term).
QUESTION_PHRASES = re.compile(
    r"为什么|(?:多少|几)(?:[十百千万亿](?!分)){1,2}|多少|什么|哪一年|哪一|哪些|哪个|哪里|哪儿|哪|几个|几|怎么样|怎么|怎样|如何|是否|请问|吗|呢|谁"
    r"|包括|分别|名字|叫做")


def query_text(normalized_question: str) -> str:
    """A normalized question with question phrases cut out, so no token straddles them."""
    return QUESTION_PHRASES.sub(" ", normalized_question)


def bigram_tokens(text: str) -> list[str]:
    """Han characters and adjacent pairs, Latin words and numbers whole; stop words dropped."""
    tokens = []
    for run in _RUN.findall(text):
        if run[0] >= "\u3400":
            tokens.extend(ch for ch in run if ch not in STOP_CHARS)
            tokens.extend(b for b in (run[i:i + 2] for i in range(len(run) - 1)) if b not in STOP_WORDS)
        else:
            tokens.append(run)
    return tokens


# ---------------------------------------------------------------- term keys
# BM25 stores terms as int64 keys, not strings: a million chunks have millions of
# distinct bigrams, and a sorted key array is searched without building a dict.
# One or two Han characters are packed code points (readable back); any other
# token is a 62-bit BLAKE2b hash of its text, flagged by bit 62.
_BIGRAM_FLAG, _HASH_FLAG = 1 << 42, 1 << 62


def _is_han(ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in _HAN_RANGES)


@lru_cache(maxsize=1 << 16)
def term_key(token: str) -> int:
    """A token's int64 key in the BM25 postings (packed code points, or a hash)."""
    if len(token) == 1 and _is_han(token):
        return ord(token)
    if len(token) == 2 and _is_han(token[0]) and _is_han(token[1]):
        return _BIGRAM_FLAG | ord(token[0]) << 21 | ord(token[1])
    digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest()
    return _HASH_FLAG | int.from_bytes(digest, "little") >> 2


def term_keys(tokens) -> np.ndarray:
    return np.fromiter((term_key(t) for t in tokens), dtype=np.int64)


@lru_cache(maxsize=1)
def _stop_keys() -> tuple[np.ndarray, np.ndarray]:
    return (np.array(sorted(ord(c) for c in STOP_CHARS), dtype=np.int64),
            np.array(sorted(term_key(w) for w in STOP_WORDS if len(w) == 2 and all(map(_is_han, w))), dtype=np.int64))


def bigram_keys(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The keys of ``bigram_tokens(text)`` for every text at once, vectorized over code
    points (a million chunks in seconds, not minutes): (text index, key) per token, in
    no particular order (BM25 needs only the counts)."""
    joined = "\n".join(texts)   # a separator that is no token, so no bigram spans two texts
    cps = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    starts = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]]) if texts else np.zeros(0, np.int64)
    owner = np.repeat(np.arange(len(texts), dtype=np.int64), [len(t) + 1 for t in texts])[:len(cps)]
    han = np.zeros(len(cps), dtype=bool)
    for lo, hi in _HAN_RANGES:
        han |= (cps >= lo) & (cps <= hi)
    stop_chars, stop_pairs = _stop_keys()
    unigram = han & ~np.isin(cps, stop_chars)
    pair = han[:-1] & han[1:]
    pair_keys = _BIGRAM_FLAG | cps[:-1][pair] << 21 | cps[1:][pair]
    pair_owner = owner[:-1][pair]
    keep = ~np.isin(pair_keys, stop_pairs)
    other = [(m.start(), term_key(m.group())) for m in _OTHER.finditer(joined)]
    other_pos = np.array([p for p, _ in other], dtype=np.int64)
    other_owner = np.searchsorted(starts, other_pos, side="right") - 1
    return (np.concatenate([owner[unigram], pair_owner[keep], other_owner]),
            np.concatenate([cps[unigram], pair_keys[keep], np.array([k for _, k in other], dtype=np.int64)]))


@lru_cache(maxsize=1)
def _jieba():
    import jieba
    jieba.setLogLevel(60)
    return jieba


def word_boundaries(text: str) -> set[int]:
    """Offsets in ``text`` where jieba's precise-mode words begin or end."""
    offsets, pos = {0}, 0
    for word in _jieba().lcut(text):
        pos += len(word)
        offsets.add(pos)
    return offsets


def jieba_pieces(text: str) -> list[str]:
    """Precise mode, every piece kept (punctuation, function characters, mixed Latin and digits)."""
    return _jieba().lcut(text)


def word_frequency(word: str) -> int:
    """How common a word is in jieba's dictionary (0: not in it)."""
    tokenizer = _jieba().dt
    tokenizer.check_initialized()   # the dictionary loads on first use
    return int(tokenizer.FREQ.get(word) or 0)


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
    """The tokenizer a name stands for; ConfigError listing the valid names otherwise."""
    try:
        return TOKENIZERS[name]
    except KeyError:
        raise ConfigError(f"unknown tokenizer '{name}'; valid names: {', '.join(TOKENIZERS)}") from None
