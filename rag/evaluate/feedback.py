"""Feedback on answers (👍/👎 on the page, POST /api/feedback), kept append-only in the index
folder as ``feedback.jsonl``, and turned into a ``rag eval`` question set: every 👎 with the
right answer written in becomes a regression question (``rag feedback export``)."""
from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rag.errors import QueryError, StorageError

FEEDBACK_FILE = "feedback.jsonl"
VERDICTS = ("up", "down")
MAX_FIELD_CHARS = 4000


@dataclass(frozen=True)
class Feedback:
    """One verdict on one answer, with what it was given on."""
    question: str                       # as answered (after a follow-up was rewritten)
    answer: str
    verdict: str                        # up | down
    citations: tuple[tuple[str, int], ...] = ()   # (document, paragraph) of each citation
    mode: str = "hybrid"
    index_version: str = ""             # the store's commit (rag.stores.uri.store_version)
    note: str = ""
    correction: str = ""                # "the right answer is …"
    asked: str = ""                     # as typed, when it differs from ``question``
    time: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%S%z"))

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise QueryError(f"verdict must be one of {', '.join(VERDICTS)}, got {self.verdict!r}")
        if not self.question.strip():
            raise QueryError("feedback needs the question it is about")
        for name in ("question", "answer", "note", "correction", "asked"):
            if len(getattr(self, name)) > MAX_FIELD_CHARS:
                raise QueryError(f"feedback field '{name}' is over {MAX_FIELD_CHARS} characters")


def record_feedback(folder: Path, feedback: Feedback) -> Path:
    """Append one line to ``folder``/feedback.jsonl in a single write (O_APPEND: lines from
    concurrent writers do not interleave), flushed to disk."""
    path = Path(folder) / FEEDBACK_FILE
    line = (json.dumps(asdict(feedback), ensure_ascii=False) + "\n").encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StorageError(f"反馈未能写入 {path}（{exc.strerror}）：请检查索引文件夹是否可写、磁盘是否已满") from exc
    return path


def read_feedback(folder: Path) -> tuple[list[Feedback], int]:
    """(feedback, lines that could not be read): a torn last line after a crash is skipped."""
    path = Path(folder) / FEEDBACK_FILE
    if not path.is_file():
        return [], 0
    found, bad = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            row["citations"] = tuple((str(d), int(p)) for d, p in row.get("citations", ()))
            found.append(Feedback(**row))
        except (ValueError, TypeError, QueryError):
            bad += 1
    return found, bad


def regression_questions(feedback: list[Feedback]) -> list[dict]:
    """The 👎 verdicts with a correction, as ``rag eval`` JSONL rows (rag.evaluate.questions)."""
    rows, seen = [], set()
    for i, fb in enumerate(feedback, 1):
        if fb.verdict != "down" or not fb.correction.strip() or (fb.question, fb.correction) in seen:
            continue
        seen.add((fb.question, fb.correction))
        rows.append({"id": f"feedback-{i:04d}", "question": fb.question, "answers": [fb.correction.strip()],
                     "doc": None, "evidence": None,
                     "note": f"👎 {fb.time}: 原答案「{fb.answer[:80]}」" + (f"；备注：{fb.note}" if fb.note else "")})
    return rows
