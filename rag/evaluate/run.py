"""The ``rag eval`` run: every question asked of every (store, mode) target, each result
written to ``results.jsonl`` as it finishes (so Ctrl-C keeps what finished), then the
summary and the report folder."""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from rag.answer.retrieve import Searcher
from rag.embed.base import DEFAULT_EMBEDDER
from rag.embed.registry import get_embedder
from rag.errors import ConfigError
from rag.evaluate import scoring
from rag.evaluate.questions import EvalQuestion
from rag.evaluate.report import result_row, write_report
from rag.ingest.chunking import ChunkSettings
from rag.stores.base import MODES, FusionSettings, IndexSettings, StoreSpec
from rag.stores.uri import open_store, store_embedder_name, temporary_store
from rag.text.tokens import DEFAULT_TOKENIZER


@dataclass(frozen=True)
class EvalTarget:
    """One column of a run: a mode asked of one store's searcher."""
    label: str           # the summary's name for it: "hybrid", "hybrid@milvus", "bm25+llm"
    mode: str            # a retrieval mode, or "<mode>+llm" for a generative answer
    searcher: Searcher


@dataclass(frozen=True)
class EvalRun:
    """A finished (or interrupted) run: every result, the summary, and the report folder."""
    results: tuple[scoring.QuestionResult, ...]
    summary: dict
    folder: Path
    interrupted: bool


def parse_modes(text: str, with_llm: bool = False) -> list[str]:
    """``hybrid,bm25`` -> modes; with a model, each also as ``<mode>+llm`` (same retrieval)."""
    modes = [m.strip() for m in text.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
        raise ConfigError(f"unknown mode(s) {', '.join(unknown) or '(none given)'}; valid modes: {', '.join(MODES)}")
    return modes + [f"{m}+llm" for m in modes] if with_llm else modes


def eval_searchers(specs: list[StoreSpec], embedder_spec: str | None, chunking: ChunkSettings,
                   tokenizer: str | None, fusion: FusionSettings, documents=None) -> dict[str, Searcher]:
    """A searcher per store, keyed by label suffix ("" for one store, "@local"/"@milvus" when
    comparing): over ``documents`` (a store built for this run with ``chunking`` and
    ``tokenizer``, default bigram) or over the store as it is."""
    if len({spec.kind for spec in specs}) != len(specs):
        raise ConfigError("give each kind of store once (e.g. --store local --store milvus:./eval.db)")
    searchers = {}
    for spec in specs:
        if documents is not None:
            embedder = get_embedder(embedder_spec or DEFAULT_EMBEDDER)
            store = temporary_store(spec, documents, embedder, IndexSettings(chunking, tokenizer or DEFAULT_TOKENIZER))
        else:
            embedder = get_embedder(embedder_spec or store_embedder_name(spec))
            store = open_store(spec, embedder)
        searchers[f"@{spec.kind}" if len(specs) > 1 else ""] = Searcher(store, embedder, fusion)
    return searchers


def targets(searchers: dict[str, Searcher], modes: list[str]) -> list[EvalTarget]:
    """Every mode of every searcher, labelled for the summary."""
    return [EvalTarget(f"{mode}{suffix}", mode, searcher) for suffix, searcher in searchers.items() for mode in modes]


def run_eval(questions: list[EvalQuestion], eval_targets: list[EvalTarget], reports: Path, set_name: str,
             llm=None, stores: tuple[str, ...] = ()) -> EvalRun:
    """Ask every question of every target; write ``reports/<set>-<time>/`` as it goes."""
    folder = Path(reports) / f"{set_name}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    results, interrupted = [], False
    from tqdm import tqdm
    bar = tqdm(total=len(questions) * len(eval_targets), desc="evaluating", unit="q", file=sys.stderr,
               disable=not sys.stderr.isatty())
    try:
        with open(folder / "results.jsonl", "w", encoding="utf-8") as out:
            for q in questions:
                for target in eval_targets:
                    result = replace(scoring.score_question(target.searcher, q, target.mode, llm), mode=target.label)
                    results.append(result)
                    out.write(json.dumps(result_row(result), ensure_ascii=False) + "\n")
                    out.flush()  # Ctrl-C leaves every finished question readable
                    bar.update()
    except KeyboardInterrupt:
        interrupted = True
    bar.close()
    summary = scoring.summarize(results, [t.label for t in eval_targets])
    summary.update(set=set_name, embedder=eval_targets[-1].searcher.embedder.name if eval_targets else "",
                   stores=list(stores), report=str(folder), interrupted=interrupted)
    write_report(folder, results, summary, f"rag eval: {set_name}")
    return EvalRun(tuple(results), summary, folder, interrupted)
