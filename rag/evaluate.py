"""Batch evaluation: question sets in, retrieval and answer metrics out.

Pure functions score one question at a time (``score_question``) and summarize
(``summarize``); I/O (question files, the report folder, plots) is at the edges.
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .answer import compose
from .errors import ConfigError, DocumentError
from .normalize import normalize
from .retrieve import Retrieval, Searcher

RETRIEVE_CHUNKS = 30     # chunks retrieved to rank documents for hit@10
ANSWER_CHUNKS = 5        # chunks the answer is composed from (as `rag ask` does)
DEPTHS = (1, 5, 10)


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    answers: tuple[str, ...]      # empty: unanswerable, the right behaviour is to decline
    doc: str | None = None        # gold document (file name), when there is one
    evidence: str | None = None   # a passage of the gold document that answers it


@dataclass(frozen=True)
class QuestionResult:
    id: str
    mode: str
    question: str
    gold_doc: str | None
    answerable: bool
    rank: int | None                      # gold document's rank among retrieved documents
    retrieved: tuple[tuple[str, int, float], ...]  # (doc, paragraph, score) of the top chunks
    answered: bool
    answer: str
    cited_docs: tuple[str, ...]
    evidence_hit: bool | None
    answer_hit: bool | None
    citation_ok: bool | None
    timings_ms: dict = field(default_factory=dict)
    sentences: int = 0                    # generated sentences (generative answers only)
    verified: int = 0                     # of those, verified against the cited passages


# ------------------------------------------------------------------ loading

def load_jsonl_questions(path: Path) -> list[EvalQuestion]:
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
            for key in ("doc", "evidence"):
                if row.get(key) is not None and not isinstance(row[key], str):
                    raise DocumentError(path, f"line {n}: field '{key}' must be a string or null")
            questions.append(EvalQuestion(row["id"], row["question"], tuple(map(str, row["answers"])),
                                          row.get("doc"), row.get("evidence")))
    return questions


def load_question_set(path: Path):
    """(questions, documents or None): SQuAD files bring their own paragraphs as documents."""
    path = Path(path)
    if path.suffix == ".json":
        from .squad import load_squad
        documents, bench = load_squad(path)
        return [EvalQuestion(q.id, q.question, q.answers, q.doc, None) for q in bench], documents
    if path.suffix == ".jsonl":
        return load_jsonl_questions(path), None
    raise DocumentError(path, "question sets are .jsonl (one question per line) or SQuAD-format .json")


def choose(questions: list, limit: int = 0, sample: int = 0, seed: int = 0) -> list:
    if sample:
        questions = random.Random(seed).sample(questions, min(sample, len(questions)))
    return questions[:limit] if limit else questions


# ------------------------------------------------------------------ scoring

def gold_rank(hits, doc: str | None) -> int | None:
    """1-based rank of ``doc`` among the distinct documents of ranked chunk hits."""
    docs = list(dict.fromkeys(h.chunk.doc for h in hits))
    return docs.index(doc) + 1 if doc in docs else None


def contains_any(text: str, needles) -> bool:
    haystack = normalize(text)
    return any(normalize(n) in haystack for n in needles if n)


def score_question(searcher: Searcher, q: EvalQuestion, mode: str, llm=None) -> QuestionResult:
    """``mode`` is a retrieval mode, or ``<mode>+llm`` for a generative answer from ``llm``."""
    base_mode = mode.removesuffix("+llm")
    retrieval = searcher.search(q.question, base_mode, k=RETRIEVE_CHUNKS)
    answer = compose(searcher, Retrieval(retrieval.question, base_mode, retrieval.hits[:ANSWER_CHUNKS],
                                         retrieval.query_tokens, dict(retrieval.timings_ms)))
    if mode.endswith("+llm"):
        from .generate import generate_from
        answer = generate_from(searcher, llm, answer)
    rank = gold_rank(retrieval.hits, q.doc)
    answerable = bool(q.answers)
    top_text = "\n".join(h.chunk.text for h in retrieval.hits[:ANSWER_CHUNKS])
    evidence_hit = contains_any(top_text, [q.evidence] if q.evidence else q.answers) if answerable else None
    answer_hit = (answer.answered and contains_any(answer.answer, q.answers)) if answerable else None
    citation_ok = None
    if answerable and q.doc:
        citation_ok = answer_citation_doc(answer, q.answers) == q.doc
    timings = dict(answer.timings_ms)
    timings["total"] = sum(timings.values())
    return QuestionResult(q.id, mode, q.question, q.doc, answerable, rank,
                          tuple((h.chunk.doc, h.chunk.paragraph_start, round(h.score, 4)) for h in retrieval.hits[:10]),
                          answer.answered, answer.answer, tuple(c.doc for c in answer.citations),
                          evidence_hit, answer_hit, citation_ok, timings,
                          len(answer.generated), sum(g.verified for g in answer.generated))


def answer_citation_doc(answer, gold_answers) -> str | None:
    """The document cited by the sentence of the answer that holds a gold answer."""
    if answer.generated:
        for sentence in answer.generated:
            if sentence.markers and contains_any(sentence.text, gold_answers):
                return answer.citations[sentence.markers[0] - 1].doc
        return None
    for c in answer.citations:
        if contains_any(c.text[c.sentence[0]:c.sentence[1]], gold_answers):
            return c.doc
    return None


def _mean(values) -> float | None:
    values = [float(v) for v in values if v is not None]
    return round(sum(values) / len(values), 4) if values else None


def summarize(results: list[QuestionResult], modes) -> dict:
    out = {"n": len({r.id for r in results}), "modes": {}}
    for mode in modes:
        rs = [r for r in results if r.mode == mode]
        ranked = [r for r in rs if r.gold_doc]
        m = {f"hit@{k}": _mean(r.rank is not None and r.rank <= k for r in ranked) for k in DEPTHS}
        m["mrr@10"] = _mean((1 / r.rank if r.rank and r.rank <= 10 else 0.0) for r in ranked)
        m["ndcg@10"] = _mean((1 / math.log2(r.rank + 1) if r.rank and r.rank <= 10 else 0.0) for r in ranked)
        m[f"evidence@{ANSWER_CHUNKS}"] = _mean(r.evidence_hit for r in rs)
        m["answer_hit"] = _mean(r.answer_hit for r in rs)
        m["citation_ok"] = _mean(r.citation_ok for r in rs)
        declined_right = sum(not r.answered and not r.answerable for r in rs)
        declined = sum(not r.answered for r in rs)
        unanswerable = sum(not r.answerable for r in rs)
        m["decline_precision"] = round(declined_right / declined, 4) if declined else None
        m["decline_recall"] = round(declined_right / unanswerable, 4) if unanswerable else None
        generated = sum(r.sentences for r in rs)
        m["verified_share"] = round(sum(r.verified for r in rs) / generated, 4) if generated else None
        totals = [r.timings_ms.get("total", 0.0) for r in rs]
        m["latency_ms_p50"] = round(float(np.percentile(totals, 50)), 2) if totals else None
        m["latency_ms_p95"] = round(float(np.percentile(totals, 95)), 2) if totals else None
        stages = sorted({k for r in rs for k in r.timings_ms})
        m["stages_ms"] = {s: {"p50": round(float(np.percentile([r.timings_ms.get(s, 0.0) for r in rs], 50)), 2),
                              "p95": round(float(np.percentile([r.timings_ms.get(s, 0.0) for r in rs], 95)), 2)}
                          for s in stages}
        m["n"] = len(rs)
        out["modes"][mode] = m
    return out


# ------------------------------------------------------------------ gate

def parse_thresholds(specs) -> list[tuple[str, str, float]]:
    """``hybrid.hit@1=0.95`` -> ("hybrid", "hit@1", 0.95)."""
    parsed = []
    for spec in specs or []:
        try:
            key, value = spec.split("=", 1)
            mode, metric = key.split(".", 1)
            parsed.append((mode, metric, float(value)))
        except ValueError:
            raise ConfigError(f"--fail-under '{spec}': expected MODE.METRIC=NUMBER, e.g. hybrid.hit@1=0.95") from None
    return parsed


def check_thresholds(summary: dict, thresholds) -> list[str]:
    failures = []
    for mode, metric, floor in thresholds:
        value = summary["modes"].get(mode, {}).get(metric)
        if value is None:
            failures.append(f"{mode}.{metric}: not measured (modes run: {', '.join(summary['modes'])})")
        elif value < floor:
            failures.append(f"{mode}.{metric} = {value:.4f} is under {floor}")
    return failures


# ------------------------------------------------------------------ reports

TABLE_KEYS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", f"evidence@{ANSWER_CHUNKS}", "answer_hit",
              "citation_ok", "verified_share", "decline_precision", "decline_recall", "latency_ms_p50",
              "latency_ms_p95")


def summary_table(summary: dict) -> str:
    modes = list(summary["modes"])
    lines = ["| metric | " + " | ".join(modes) + " |", "|---|" + "---|" * len(modes)]
    for key in TABLE_KEYS:
        cells = [summary["modes"][m].get(key) for m in modes]
        lines.append(f"| {key} | " + " | ".join("—" if v is None else f"{v:g}" for v in cells) + " |")
    return "\n".join(lines)


def worst_misses(results: list[QuestionResult], mode: str, n: int = 10) -> list[QuestionResult]:
    def badness(r):
        return (r.answer_hit is False) + (r.rank is None and r.gold_doc is not None) + \
            (r.answerable and not r.answered) + (not r.answerable and r.answered) + (r.rank or 0) / 100
    missed = [r for r in results if r.mode == mode and badness(r) >= 1]
    return sorted(missed, key=badness, reverse=True)[:n]


def write_report(folder: Path, results: list[QuestionResult], summary: dict, title: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    md = [f"# {title}", "", f"{summary['n']} questions" + (" (interrupted)" if summary.get("interrupted") else ""),
          "", summary_table(summary), ""]
    for mode in summary["modes"]:
        misses = worst_misses(results, mode)
        if misses:
            md += [f"## Worst misses ({mode})", "", "| id | question | gold | retrieved | answer |", "|---|---|---|---|---|"]
            for r in misses:
                got = ", ".join(f"{d}#{p}" for d, p, _ in r.retrieved[:3])
                md.append(f"| {r.id} | {r.question} | {r.gold_doc or ('(unanswerable)' if not r.answerable else '—')} "
                          f"| {got} | {r.answer[:80].replace('|', '/')} |")
            md.append("")
    (folder / "summary.md").write_text("\n".join(md), encoding="utf-8")
    plot(folder, results, summary)


def plot(folder: Path, results: list[QuestionResult], summary: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for mode in summary["modes"]:
        ranked = [r for r in results if r.mode == mode and r.gold_doc]
        if ranked:
            ks = range(1, 11)
            ax.plot(ks, [sum(r.rank is not None and r.rank <= k for r in ranked) / len(ranked) for k in ks],
                    marker="o", label=mode)
    ax.set(xlabel="k", ylabel="Hit@k (gold document in top k)", title="Hit@k by retrieval mode")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(folder / "hit_at_k.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4))
    for mode in summary["modes"]:
        totals = [r.timings_ms.get("total", 0.0) for r in results if r.mode == mode]
        if totals:
            ax.hist(totals, bins=30, alpha=0.5, label=mode)
    ax.set(xlabel="latency per question (ms)", ylabel="questions", title="Latency")
    ax.legend()
    fig.tight_layout()
    fig.savefig(folder / "latency.png", dpi=120)
    plt.close(fig)


def result_row(r: QuestionResult) -> dict:
    return asdict(r)
