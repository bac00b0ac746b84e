"""Taiwan's words for the mainland's (影片 for 视频, 簡訊 for 短信, 資訊 for 信息): a question asked in
them of mainland reports finds no such word there. OpenCC's Taiwan-phrase table (TWPhrasesRev, what
its tw2sp conversion reads) maps them; but some of its Taiwan words are the mainland's too (序列,
通道, 互动), so a word is read in the mainland's only for reports that never write it and do write the
mainland's word (mainland_words)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from rag.text.normalize import convert_script, normalize


@lru_cache(maxsize=1)
def taiwan_phrases() -> tuple[tuple[str, str], ...]:
    """(Taiwan's word, the mainland's first word for it), both normalized (Simplified), longest
    first; words the same in both scripts left out."""
    import opencc   # opencc-python-reimplemented ships the table its tw2sp conversion reads
    table = Path(opencc.__file__).parent / "dictionary" / "TWPhrasesRev.txt"
    pairs = set()
    for line in table.read_text(encoding="utf-8").splitlines():
        taiwan, _, mainland = line.partition("\t")
        taiwan, mainland = normalize(taiwan.strip()), normalize(mainland.split(" ")[0].strip())
        if taiwan and mainland and taiwan != mainland:
            pairs.add((taiwan, mainland))
    return tuple(sorted(pairs, key=lambda pair: (-len(pair[0]), pair)))


def mainland_words(texts) -> tuple[tuple[str, str], ...]:
    """The pairs of taiwan_phrases that ``texts`` (normalized) call the mainland's way only."""
    joined = "\n".join(texts)
    return tuple((taiwan, mainland) for taiwan, mainland in taiwan_phrases()
                 if mainland in joined and taiwan not in joined)


def in_mainland_words(question: str, pairs) -> str:
    """``question`` with each Taiwan word of ``pairs`` found in it written the mainland's way, in
    Traditional characters as the asker writes (影片監控 → 視頻監控); the question itself when none is."""
    norm, out, at = normalize(question), [], 0
    pairs = [p for p in pairs if p[0] in norm]
    if not pairs:
        return question
    while at < len(norm):
        pair = next((p for p in pairs if norm.startswith(p[0], at)), None)
        if pair:
            out.append(convert_script(pair[1], "traditional"))
            at += len(pair[0])
        else:
            out.append(question[at])
            at += 1
    return "".join(out)
