import re

import pytest

from rag.errors import ConfigError
from rag.ingest.chunking import ChunkSettings, chunk_document, sentence_spans


def _without_removals(doc, start, end):
    """original[start:end] with the logged removals cut out and blank lines dropped."""
    text, pos, out = doc.document.text, start, []
    for r in doc.removals:
        if r.end <= start or r.start >= end:
            continue
        out.append(text[pos:max(pos, r.start)])
        pos = max(pos, r.end)
    out.append(text[pos:end])
    return re.sub(r"\n\s*\n", "\n", "".join(out))


def test_chunk_spans_reproduce_the_original_text(cleaned_seeds):
    for doc in cleaned_seeds.values():
        for chunk in chunk_document(doc, ChunkSettings()):
            assert doc.text[chunk.start:chunk.end] == chunk.text
            assert _without_removals(doc, chunk.orig_start, chunk.orig_end) == chunk.text
            if not doc.removals:
                assert doc.document.text[chunk.orig_start:chunk.orig_end] == chunk.text


def test_chunks_know_paragraph_and_section(cleaned_seeds):
    chunks = chunk_document(cleaned_seeds["000"], ChunkSettings())
    hit = next(c for c in chunks if "4.2万余个" in c.text)
    assert hit.section == "推进“治理+改革”融合 提升业务能力"
    assert hit.section not in hit.text and hit.search_text.startswith(hit.section)
    assert hit.paragraph_start <= 10 <= hit.paragraph_end


def test_long_paragraphs_split_at_sentences_never_inside_numbers_or_quotes(cleaned_seeds):
    settings = ChunkSettings(target_chars=120, overlap_sentences=1, min_chars=40)
    for doc in cleaned_seeds.values():
        for chunk in chunk_document(doc, settings):
            assert chunk.text.count("“") == chunk.text.count("”")
            before = doc.text[chunk.start - 1:chunk.start]
            assert not (before.isdigit() and chunk.text[:1].isdigit())


def test_sentence_spans_respect_quotes():
    text = "他说：“好。走吧！”然后离开。共4.2万余个；完成。"
    spans = [text[s:e] for s, e in sentence_spans(text)]
    assert spans == ["他说：“好。走吧！”然后离开。", "共4.2万余个；", "完成。"]


def test_windows_overlap_by_one_sentence(cleaned_seeds):
    chunks = chunk_document(cleaned_seeds["001"], ChunkSettings(target_chars=80, overlap_sentences=1, min_chars=20))
    windows = [(a, b) for a, b in zip(chunks, chunks[1:]) if a.paragraph_start == b.paragraph_start
               and a.paragraph_end == b.paragraph_end and len(sentence_spans(a.text)) > 1]
    assert windows and all(b.start < a.end for a, b in windows)  # a one-sentence window cannot overlap


def test_invalid_settings_name_the_field():
    with pytest.raises(ConfigError, match="target_chars"):
        ChunkSettings(target_chars=10)
