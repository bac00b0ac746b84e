"""Remove web-scrape noise from a report while keeping offsets into the original.

Four kinds of noise, each logged as a ``Removal`` with its span in the original:
- ``pinyin``: readings a site inserted after characters, ``發(fā)揮`` -> ``發揮``;
- ``furniture``: site menus, report buttons, editor/reviewer lines, bylines with a
  time or source, "related articles" footers;
- ``unrelated``: a line that shares (almost) no vocabulary with the document and
  reads like advertising (e.g. a gambling-site line pasted into a report);
- ``repeated``: later copies of a paragraph the file holds three or more times (a scrape
  that repeats its article, or a file built to flood the index with identical chunks).
Nothing else is removed: every distinct body sentence survives.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np

from rag.ingest.documents import Document
from rag.ingest.formats import BYLINE
from rag.ingest.subject import Subject
from rag.text.normalize import normalize

_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
PINYIN_READING = re.compile(
    rf"(?<=[\u3400-\u9fff])[(（](?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,7}}[)）]")

# a web page's dateline: when it was published, where from ("2020-10-27 13:20:05 来源:法治日报")
DATELINE = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s+\d{1,2}:\d{2}(:\d{2})?\s*(来源|來源|作者)")
FURNITURE_LINE = re.compile("|".join([
    r"^(网上有害信息举报|網上有害信息舉報)",
    r"手机版\s*\|?\s*站内搜索|手機版\s*\|?\s*站內搜索",
    r"^(责任)?编辑\s*[:：]", r"^(責任)?編輯\s*[:：]", r"^审核\s*[:：]", r"^審核\s*[:：]",
    r"^(热点|相关|熱點|相關)文章推荐$", r"^(热点|相关|熱點|相關)文章推薦$",
    r"^(首页|首頁)(\s*[|/>]\s*\S{1,6})+$",
    DATELINE.pattern,
    r"^(来源|來源)\s*[:：].{0,40}$", r"-?标准\+$", r"^(分享到|打印|关闭|關閉|返回顶部)\s*[:：]?$",
]))
SPAM_WORDS = re.compile(r"\d*bet|博彩|彩票|赌场|賭場|娱乐城|娛樂城|体育在线|體育在線|足球外围|真人视讯|棋牌")
SENTENCE_PUNCT = re.compile(r"[。！？；，、!?;]")
REPEATED_COPIES = 3   # a paragraph held this many times or more is kept once ...
REPEATED_CHARS = 20   # ... when it is at least this long (short headings may legitimately repeat)


@dataclass(frozen=True)
class Removal:
    """Something cleaning removed, with its span in the original text (``rag docs`` lists them)."""
    kind: str    # pinyin | furniture | unrelated | repeated
    start: int   # span in the original text
    end: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the cleaned text; citations number paragraphs this way."""
    number: int   # 1-based, counting the paragraphs of the cleaned text
    start: int    # span in the cleaned text
    end: int
    heading: bool


@dataclass(frozen=True, eq=False)
class CleanDocument:
    """A document with web-scrape noise removed, and a map from each cleaned character to the original."""
    document: Document
    text: str                      # cleaned text: paragraphs joined by "\n"
    origin: np.ndarray             # origin[i] = offset in document.text of cleaned char i
    paragraphs: tuple[Paragraph, ...]
    removals: tuple[Removal, ...]
    subject: Subject = Subject()   # what the report is about (set by ingest.prepare)

    @property
    def title(self) -> str:
        if self.document.title:
            return self.document.title
        first = self.paragraphs[0] if self.paragraphs else None
        return self.text[first.start:first.end] if first and first.heading else ""

    @property
    def display_title(self) -> str:
        """A human title: the report's own, else what it is about (Subject.report_name), else its file name."""
        return self.title or self.subject.report_name() or self.document.name

    @property
    def dateline(self) -> str:
        """The date of the dateline cleaning removed as page furniture ("2020-10-27"), or "":
        it dates a scraped report that states no year of its own."""
        return next((m.group(1) for r in self.removals if r.kind == "furniture"
                     for m in [DATELINE.search(r.text)] if m), "")

    def page_at(self, original_offset: int) -> int | None:
        """1-based PDF page holding an offset of the original text; None for other formats."""
        starts = self.document.page_starts
        return bisect.bisect_right(starts, original_offset) if starts else None

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Cleaned-text span -> span in the original file."""
        if end <= start:
            pos = int(self.origin[start]) if start < len(self.origin) else len(self.document.text)
            return pos, pos
        return int(self.origin[start]), int(self.origin[end - 1]) + 1


def _bigrams(text: str) -> set[str]:
    han = re.sub(r"[^\u3400-\u9fff]", " ", normalize(text))
    return {w[i:i + 2] for w in han.split() for i in range(len(w) - 1)}


def is_heading(line: str) -> bool:
    """Short title lines ("推进“治理+普法”融合", "一、编制任务书，构建…新格局"); not a byline."""
    s = line.strip()
    if not s or len(s) > 40 or re.search(r"[。！？；?!;:：]$", s) or BYLINE.match(s):
        return False
    if re.match(r"^([一二三四五六七八九十]+、|[(（][一二三四五六七八九十]+[)）]|第[一二三四五六七八九十百]+[章节条部分])", s):
        return "。" not in s
    return not re.search(r"[。！？；]", s) and len(s) <= 30 and re.search(r"[\u3400-\u9fff]", s) is not None


def _may_be_unrelated(line: str) -> bool:
    s = line.strip()
    return len(s) >= 6 and not SENTENCE_PUNCT.search(s)


def _doc_bigrams(text: str) -> dict[str, int]:
    """In how many lines each Han bigram occurs."""
    counts: dict[str, int] = {}
    for line in text.split("\n"):
        for g in _bigrams(line):
            counts[g] = counts.get(g, 0) + 1
    return counts


def _line_verdict(line: str, doc_bigrams) -> str | None:
    s = line.strip()
    if not s:
        return None
    if FURNITURE_LINE.search(s):
        return "furniture"
    if not _may_be_unrelated(s):
        return None
    own = _bigrams(s)
    if not own:
        return None
    shared = sum(1 for g in own if doc_bigrams.get(g, 0) > 1) / len(own)  # >1: seen outside this line
    if SPAM_WORDS.search(s.lower()) and shared < 0.5 or shared < 0.1 and re.search(r"[_|]", s):
        return "unrelated"
    return None


def clean(document: Document) -> CleanDocument:
    """Remove inserted pinyin, page furniture and unrelated lines; body sentences always survive."""
    text = document.text
    # the vocabulary check needs the whole document's bigrams; most documents have no line it applies to
    doc_bigrams = _doc_bigrams(text) if any(map(_may_be_unrelated, text.split("\n"))) else {}

    removals: list[Removal] = []
    kept: list[tuple[int, int, bool]] = []  # original spans that survive, in order, and heading flags
    marked = set(document.heading_lines)
    lines = text.split("\n")
    copies = Counter(s for s in map(str.strip, lines) if len(s) >= REPEATED_CHARS)
    flooded = {s for s, n in copies.items() if n >= REPEATED_COPIES}
    seen: set[str] = set()
    pos = 0
    for line_no, line in enumerate(lines):
        start, end = pos, pos + len(line)
        pos = end + 1
        verdict = _line_verdict(line, doc_bigrams)
        if not verdict and flooded and line.strip() in flooded:
            verdict = "repeated" if line.strip() in seen else None
            seen.add(line.strip())
        if verdict:
            removals.append(Removal(verdict, start, end, line))
            continue
        cursor = start
        for m in PINYIN_READING.finditer(line):
            removals.append(Removal("pinyin", start + m.start(), start + m.end(), m.group()))
            kept.append((cursor, start + m.start(), False))
            cursor = start + m.end()
        kept.append((cursor, end, False))
        kept.append((-1, -1, line_no in marked))  # paragraph break marker

    pieces, spans, paragraphs = [], [], []   # spans: each piece's original span; None for a joining "\n"
    para_start, cleaned_len, para_has_text = 0, 0, False
    for s, e, marked_heading in kept:
        if s == -1:
            if para_has_text:
                body = "".join(pieces[para_start:])
                lead = len(body) - len(body.lstrip())
                stripped = body.strip()
                p_start = cleaned_len - len(body) + lead
                paragraphs.append(Paragraph(len(paragraphs) + 1, p_start, p_start + len(stripped),
                                            marked_heading or is_heading(stripped)))
                pieces.append("\n")
                spans.append(None)
                cleaned_len += 1
            else:
                cleaned_len -= sum(len(p) for p in pieces[para_start:])
                del pieces[para_start:], spans[para_start:]
            para_start, para_has_text = len(pieces), False
            continue
        chunk = text[s:e]
        pieces.append(chunk)
        spans.append((s, e))
        cleaned_len += len(chunk)
        para_has_text = para_has_text or bool(chunk.strip())
    cleaned = "".join(pieces)
    return CleanDocument(document, cleaned, _origin_map(spans),
                         tuple(paragraphs), tuple(sorted(removals, key=lambda r: r.start)))


def _origin_map(spans) -> np.ndarray:
    """Original offset of every cleaned character; a joining "\n" maps just after the character before it."""
    parts, last = [], -1
    for span in spans:
        if span is None:
            last += 1
            parts.append(np.array([last], dtype=np.int64))
        elif span[1] > span[0]:
            parts.append(np.arange(span[0], span[1], dtype=np.int64))
            last = span[1] - 1
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
