"""Question sets for ``rag eval``: JSONL written by people, or SQuAD-format JSON whose
paragraphs become the documents."""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from rag.errors import DocumentError


@dataclass(frozen=True)
class EvalQuestion:
    """One question of a set; no answers means the right behaviour is to decline."""
    id: str
    question: str
    answers: tuple[str, ...]      # empty: unanswerable, the right behaviour is to decline
    doc: str | None = None        # gold document (file name), when there is one
    evidence: str | None = None   # a passage of the gold document that answers it
    previous: str | None = None   # the question before it, for a follow-up (那张掖呢?)


def load_jsonl_questions(path: Path) -> list[EvalQuestion]:
    """One question per line: {"id", "question", "answers": [...], "doc", "evidence", "previous"}."""
    questions = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise DocumentError(path, f"line {n}: not valid JSON ({exc.msg})") from exc
            for key, kinds in (("id", (str,)), ("question", (str,)), ("answers", (list,))):
                if not isinstance(row.get(key), kinds):
                    raise DocumentError(path, f"line {n}: field '{key}' must be a {kinds[0].__name__}")
            for key in ("doc", "evidence", "previous"):
                if row.get(key) is not None and not isinstance(row[key], str):
                    raise DocumentError(path, f"line {n}: field '{key}' must be a string or null")
            questions.append(EvalQuestion(row["id"], row["question"], tuple(map(str, row["answers"])),
                                          row.get("doc"), row.get("evidence"), row.get("previous")))
    return questions


def load_question_set(path: Path):
    """(questions, documents or None): SQuAD files bring their own paragraphs as documents."""
    path = Path(path)
    if path.suffix == ".json":
        from rag.ingest.squad import load_squad
        documents, bench = load_squad(path)
        return [EvalQuestion(q.id, q.question, q.answers, q.doc, None) for q in bench], documents
    if path.suffix == ".jsonl":
        return load_jsonl_questions(path), None
    raise DocumentError(path, "question sets are .jsonl (one question per line) or SQuAD-format .json")


def choose(questions: list, limit: int = 0, sample: int = 0, seed: int = 0) -> list:
    """``sample`` questions drawn with ``seed``, then the first ``limit``."""
    if sample:
        questions = random.Random(seed).sample(questions, min(sample, len(questions)))
    return questions[:limit] if limit else questions
