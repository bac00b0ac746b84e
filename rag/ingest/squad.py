"""SQuAD-format reading-comprehension sets (CMRC2018, DRCD) as retrieval benchmarks:
every paragraph becomes a document titled with its article, each question's gold is its paragraph."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rag.errors import DocumentError
from rag.ingest.documents import Document


@dataclass(frozen=True)
class BenchQuestion:
    """A bench question with its gold answers and the document (paragraph) that holds them."""
    id: str
    question: str
    answers: tuple[str, ...]
    doc: str          # gold paragraph's document name


def load_squad(path: Path, prefix: str | None = None) -> tuple[list[Document], list[BenchQuestion]]:
    """A SQuAD-format file as (documents, questions): each paragraph a document."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError) as exc:
        raise DocumentError(path, f"not a readable SQuAD-format JSON file ({exc})") from exc
    prefix = prefix or path.stem
    documents, questions = [], []
    for a, article in enumerate(data):
        for p, para in enumerate(article.get("paragraphs", [])):
            name = f"{prefix}-{a:04d}-{p:02d}"
            text = para["context"]
            documents.append(Document(name, f"{path}#{name}", text, "utf-8",
                                      hashlib.sha256(text.encode()).hexdigest(), title=article.get("title", "")))
            for qa in para.get("qas", []):
                answers = tuple(dict.fromkeys(x["text"] for x in qa.get("answers", [])))
                questions.append(BenchQuestion(str(qa["id"]), qa["question"], answers, name))
    return documents, questions
