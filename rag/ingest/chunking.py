"""Split cleaned documents into retrieval chunks by paragraph and sentence.

A chunk never crosses a section heading and never cuts inside a sentence, so a
number ("4.2万余个") or a quoted name ("“雪亮工程”") is never split. Long
paragraphs become overlapping sentence windows; very short neighbouring
paragraphs of one section are merged so each chunk carries enough context.
"""
from __future__ import annotations

from dataclasses import dataclass

from rag.errors import ConfigError
from rag.ingest.clean import CleanDocument

SENTENCE_END = set("。！？；!?;")
CLOSERS = set("”’」』)）\"'")
OPEN_QUOTES = {"“": "”", "「": "」", "『": "』", "‘": "’"}


@dataclass(frozen=True)
class ChunkSettings:
    """How documents are cut into chunks (defaults chosen by measurement, README)."""
    target_chars: int = 200   # chunk size; 150-600 measured on the bench sets, see README
    overlap_sentences: int = 1
    min_chars: int = 60       # shorter paragraphs merge with the next one of their section

    def __post_init__(self):
        if self.target_chars < 50:
            raise ConfigError(f"chunk target_chars must be at least 50, got {self.target_chars}")
        if not 0 <= self.overlap_sentences <= 5:
            raise ConfigError(f"chunk overlap_sentences must be 0..5, got {self.overlap_sentences}")
        if self.min_chars < 0 or self.min_chars >= self.target_chars:
            raise ConfigError("chunk min_chars must be >= 0 and below target_chars")


@dataclass(frozen=True)
class Chunk:
    """A retrieval unit: a span of one section of one document, never cut inside a sentence."""
    id: int
    doc: str               # document file name
    section: str           # nearest heading(s) above; searched, not displayed
    paragraph_start: int   # 1-based paragraph numbers covered
    paragraph_end: int
    start: int             # span in the cleaned text
    end: int
    orig_start: int        # span in the original file
    orig_end: int
    text: str              # cleaned text of the span, original script

    @property
    def search_text(self) -> str:
        """What BM25 and the embedder see: the heading, then the text."""
        return f"{self.section}\n{self.text}" if self.section else self.text


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans in text[start:end]; a sentence end inside “quotes” does not split."""
    end = len(text) if end is None else end
    spans, begin, stack, i = [], start, [], start
    while i < end:
        ch = text[i]
        if ch in OPEN_QUOTES:
            stack.append(OPEN_QUOTES[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
        elif ch in SENTENCE_END and not stack:
            j = i + 1
            while j < end and (text[j] in CLOSERS or text[j] in SENTENCE_END):
                j += 1
            spans.append((begin, j))
            begin, i = j, j
            continue
        i += 1
    if begin < end and text[begin:end].strip():
        spans.append((begin, end))
    # strip surrounding white space so spans start and end on text
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _cut_ok(text: str, start: int, cut: int) -> bool:
    """No cut between two digits or Latin letters, nor inside “quotes”."""
    if text[cut - 1].isascii() and text[cut - 1].isalnum() and text[cut].isascii() and text[cut].isalnum():
        return False
    depth = 0
    for ch in text[start:cut]:
        if ch in OPEN_QUOTES:
            depth += 1
        elif ch in OPEN_QUOTES.values() and depth:
            depth -= 1
    return depth == 0


def split_long(text: str, spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Cut sentences longer than ``limit`` (a line with no punctuation at all) into pieces,
    keeping numbers, Latin words and quoted names whole where the text allows."""
    out = []
    for s, e in spans:
        while e - s > limit:
            cut = next((c for c in range(s + limit, s + limit // 2, -1) if _cut_ok(text, s, c)), s + limit)
            out.append((s, cut))
            s = cut
        out.append((s, e))
    return out


def _windows(sentences: list[tuple[int, int]], settings: ChunkSettings) -> list[tuple[int, int]]:
    if not sentences:
        return []
    windows, i = [], 0
    while i < len(sentences):
        j = i + 1
        while j < len(sentences) and sentences[j][1] - sentences[i][0] <= settings.target_chars:
            j += 1
        windows.append((sentences[i][0], sentences[j - 1][1]))
        if j >= len(sentences):
            break
        i = max(i + 1, j - settings.overlap_sentences)
    return windows


def chunk_document(doc: CleanDocument, settings: ChunkSettings, first_id: int = 0) -> list[Chunk]:
    """The chunks of a cleaned document: short paragraphs of a section merged, long ones cut into sentence windows."""
    text = doc.text
    groups: list[tuple[str, list]] = []  # (section, paragraphs) runs of body paragraphs
    heading_run: list[str] = []
    section = ""
    for para in doc.paragraphs:
        if para.heading:
            heading_run.append(text[para.start:para.end])
            continue
        if heading_run:
            section = " ".join(heading_run)
            heading_run = []
            groups.append((section, []))
        elif not groups:
            groups.append((section, []))
        groups[-1][1].append(para)
    if heading_run:  # headings with no body after them (a closing byline) still get searched
        for para in doc.paragraphs[-len(heading_run):]:
            groups.append((section, [para]))

    spans: list[tuple[str, int, int, int, int]] = []  # section, p_start, p_end, start, end
    for section, paras in groups:
        pending = None
        for para in paras:
            if pending and (pending[4] - pending[3] >= settings.min_chars
                            or para.end - pending[3] > settings.target_chars):
                spans.append(pending)
                pending = None
            if para.end - para.start > settings.target_chars:
                if pending:
                    spans.append(pending)
                    pending = None
                sentences = split_long(text, sentence_spans(text, para.start, para.end), settings.target_chars)
                for s, e in _windows(sentences, settings):
                    spans.append((section, para.number, para.number, s, e))
                continue
            pending = (section, pending[1], para.number, pending[3], para.end) if pending else \
                (section, para.number, para.number, para.start, para.end)
        if pending:
            spans.append(pending)

    chunks = []
    for section, p0, p1, s, e in spans:
        o0, o1 = doc.original_span(s, e)
        chunks.append(Chunk(first_id + len(chunks), doc.document.name, section, p0, p1, s, e, o0, o1, text[s:e]))
    return chunks
