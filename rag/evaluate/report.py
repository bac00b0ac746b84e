"""``rag eval``'s report folder: the summary as a table, the worst misses, and plots."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from rag.evaluate.scoring import ANSWER_CHUNKS, QuestionResult

TABLE_KEYS = ("hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", f"evidence@{ANSWER_CHUNKS}", "answer_hit",
              "citation_ok", "span_em", "span_f1", "leads", "lead_right", "verified_share", "declined_answerable",
              "decline_precision", "decline_recall", "scope_errors", "errors", "latency_ms_p50", "latency_ms_p95")


def summary_table(summary: dict) -> str:
    """The summary as a Markdown table, one column per mode."""
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
    """summary.json, summary.md (with the worst misses) and the plots in ``folder``."""
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
    if ax.get_legend_handles_labels()[0]:   # a set without gold documents plots no lines
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
