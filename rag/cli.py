"""The ``rag`` command: argparse, dispatch to the library, and errors turned into one-line
messages and exit codes (0 ok, 1 some files skipped or a threshold missed, 2 error,
130 interrupted). The work itself is done by the library."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rag import paths
from rag.embed.base import DEFAULT_EMBEDDER
from rag.embed.registry import EMBEDDER_HELP
from rag.errors import NothingToIndexError, RagError, printable
from rag.ingest.chunking import ChunkSettings
from rag.ingest.limits import DEFAULT_LIMITS, ReadLimits
from rag.stores.base import MODES, STORE_KINDS, FusionSettings, IndexSettings
from rag.text.tokens import TOKENIZERS

DEFAULT_INDEX = "index"
DEFAULT_DOCS = "seeds"
CHUNKING = ChunkSettings()  # defaults, chosen by measurement (README)
STORE_HELP = ("where the index lives: local:PATH (default: --index), milvus:FILE.db (Milvus Lite) or "
              "milvus://HOST:PORT/COLLECTION (a server; MILVUS_USER, MILVUS_PASSWORD or MILVUS_TOKEN); "
              f"default ${paths.STORE}")


def _print_json(obj) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2))


def _spec(args, uri=None):
    from rag.stores.uri import parse_store
    return parse_store(uri if uri is not None else args.store, args.index)


def _open_searcher(spec, embedder_spec: str | None):
    from rag.answer.retrieve import Searcher
    from rag.embed.registry import get_embedder
    from rag.stores.uri import open_store, store_embedder_name

    embedder = get_embedder(embedder_spec or store_embedder_name(spec))
    return Searcher(open_store(spec, embedder), embedder)


def _settings(args, store_kind: str) -> IndexSettings:
    from rag.stores.uri import settings_for
    return settings_for(store_kind, ChunkSettings(args.chunk_size, args.chunk_overlap), args.tokenizer)


def _limits(args) -> ReadLimits:
    return ReadLimits(**{field: getattr(args, field) for field in vars(DEFAULT_LIMITS)})


def _skipped(failures) -> None:
    for failure in failures:
        print(f"skipped {failure}", file=sys.stderr)


def cmd_index(args) -> int:
    from rag.embed.registry import get_embedder
    from rag.ingest.documents import load_documents
    from rag.stores.uri import embedder_for, sync

    spec = _spec(args)
    embedder = get_embedder(embedder_for(spec, args.embedder, args.rebuild, DEFAULT_EMBEDDER))
    sources = args.paths or [DEFAULT_DOCS]
    uploads = Path(args.index) / "uploads"   # reports uploaded on the page stay indexed
    if uploads.is_dir() and any(uploads.iterdir()) and str(uploads) not in sources:
        sources = [*sources, str(uploads)]
        print(f"note: keeping the reports uploaded on the page ({uploads})", file=sys.stderr)
    loaded = load_documents(sources, _limits(args))
    try:
        store, report = sync(spec, loaded.documents, embedder, _settings(args, spec.kind), rebuild=args.rebuild,
                             progress=True, failures=loaded.failures, wait_s=args.wait)
    except NothingToIndexError as exc:
        _skipped(exc.failures)
        print(f"error: no documents could be indexed from {printable(' '.join(sources))}; {printable(spec)} was "
              "left unchanged",
              file=sys.stderr)
        return 2
    _skipped(report.failures)
    for name, first in report.duplicates:
        print(f"note: {printable(name)} has the same content as {printable(first)}; indexed once, cited as "
              f"{printable(first)}", file=sys.stderr)
    changes = "{} added, {} changed, {} removed; ".format(*report.changes) if report.changes else ""
    print(f"indexed {report.documents} documents into {report.chunks} chunks in {printable(spec)} "
          f"({changes}{report.embedded} chunks embedded, {report.seconds:.1f}s, embedder {store.embedder_name})")
    if report.failures:
        print(f"{len(report.failures)} file(s) skipped", file=sys.stderr)
        return 1
    return 0


def cmd_ask(args) -> int:
    from rag.answer.conversation import rewrite
    from rag.answer.extract import ask
    from rag.answer.generate import generate, llm_from_spec
    from rag.answer.retrieve import check_question

    llm = llm_from_spec(args.llm)
    searcher = _open_searcher(_spec(args), args.embedder)
    question = rewrite(check_question(args.question), args.previous)
    answer = generate(searcher, llm, question, args.mode, args.k) if llm else \
        ask(searcher, question, args.mode, args.k)
    if args.json:
        out = answer.to_json()
        if question != args.question:
            out["asked"] = args.question
        out.pop("passages")
        for c in out["citations"]:
            for key in ("title", "sentence", "highlights"):
                c.pop(key)
        _print_json(out)
        return 0
    if question != args.question:
        print(f"（理解为：{question}）")
    if answer.notice:
        print(f"（{answer.notice}）")
    print(answer.answer)
    if answer.answered:
        for c in answer.citations:
            where = " / ".join(x for x in (printable(c.doc), c.section) if x)
            place = f"{c.place} · " if c.place else ""
            page = f"第{c.page}页, " if c.page else ""
            print(f"\n[{c.n}] {place}{where}, {page}第{c.paragraph}段 (字符 {c.start}-{c.end})\n    {c.text}")
    else:
        print("\n可能相关:")
        for h in answer.passages[:3]:
            place = searcher.store.documents[h.chunk.doc].subject.place
            print(f"  - {f'[{place}] ' if place else ''}{printable(h.chunk.doc)} 第{h.chunk.paragraph_start}段: "
                  f"{h.chunk.text[:80]}…")
    return 0


def cmd_docs(args) -> int:
    from rag.stores.uri import open_store

    store = open_store(_spec(args))
    chunk_counts = store.chunk_counts()
    rows = []
    for name, doc in store.documents.items():
        subject = doc.subject
        rows.append({
            "doc": name, "title": doc.title, "encoding": doc.document.encoding,
            "subject": {"places": list(subject.places), "path": list(subject.path), "body": subject.body,
                        "years": list(subject.years), "source": subject.source},
            "paragraphs": len(doc.paragraphs), "chunks": chunk_counts[name],
            "removed": [{"kind": r.kind, "start": r.start, "end": r.end, "text": r.text} for r in doc.removals]
            + [{"kind": "extraction", "start": None, "end": None, "text": t} for t in doc.document.dropped],
        })
    if args.json:
        _print_json(rows)
        return 0
    for row in rows:
        s = row["subject"]
        about = " › ".join(s["path"]) or "（地方未知）"
        about += (f" {s['body']}" if s["body"] else "") + (f" {'、'.join(map(str, s['years']))}年" if s["years"] else "")
        print(f"{printable(row['doc'])}  {row['title'] or '(无标题)'}  {about}{' (sidecar)' if s['source'] == 'sidecar' else ''}  "
              f"[{row['encoding']}] "
              f"{row['paragraphs']} paragraphs, {row['chunks']} chunks, {len(row['removed'])} removed")
        for r in row["removed"]:
            where = f"@{r['start']}-{r['end']}" if r["start"] is not None else "@extraction"
            print(f"    - {r['kind']:<10} {where}: {r['text']}")
    return 0


def cmd_eval(args) -> int:
    from rag.answer.generate import llm_from_spec
    from rag.evaluate.questions import choose, load_question_set
    from rag.evaluate.report import summary_table
    from rag.evaluate.run import eval_searchers, parse_modes, run_eval, targets
    from rag.evaluate.scoring import check_thresholds, parse_thresholds
    from rag.ingest.documents import load_documents

    thresholds = parse_thresholds(args.fail_under)
    llm = llm_from_spec(args.llm)
    modes = parse_modes(args.modes, with_llm=llm is not None)
    questions, documents = load_question_set(Path(args.questions))
    questions = choose(questions, args.limit, args.sample, args.seed)
    if args.docs:
        loaded = load_documents(args.docs, _limits(args))
        _skipped(loaded.failures)
        documents = loaded.documents
    fusion = FusionSettings(dense_weight=args.dense_weight) if args.dense_weight is not None else FusionSettings()
    specs = [_spec(args, uri) for uri in (args.store or [paths.env(paths.STORE, "")])]
    searchers = eval_searchers(specs, args.embedder, ChunkSettings(args.chunk_size, args.chunk_overlap),
                               args.tokenizer, fusion, documents)
    run = run_eval(questions, targets(searchers, modes), Path(args.reports), Path(args.questions).stem, llm,
                   tuple(str(spec) for spec in specs))
    if args.json:
        _print_json(run.summary)
    else:
        print(summary_table(run.summary))
        print(f"\nreport: {run.folder}")
    if run.interrupted:
        print("interrupted: the report holds the questions finished so far", file=sys.stderr)
        return 130
    failures = check_thresholds(run.summary, thresholds)
    for failure in failures:
        print(f"below threshold: {failure}", file=sys.stderr)
    return 1 if failures else 0


def cmd_serve(args) -> int:
    from rag.ui.app import serve

    serve(Path(args.index), args.host, args.port, args.embedder, DEFAULT_DOCS, args.max_upload_mb,
          args.auth or paths.env(paths.AUTH), args.llm, _spec(args), limits=_limits(args), read_only=args.read_only)
    return 0


def cmd_bench_retrieval(args) -> int:
    from rag.bench.quality import run_retrieval
    result = run_retrieval(args.bench_dir, _names(args.sets), args.embedder, args.tokenizer, args.chunk_size,
                           [float(w) for w in _names(args.weights)], args.limit)
    return _bench_done(args, result)


def cmd_bench_embed(args) -> int:
    from rag.bench.quality import run_embed
    return _bench_done(args, run_embed(args.bench_dir, _names(args.backends), args.sample))


def cmd_bench_search(args) -> int:
    from rag.bench.search import run
    result = run(args.bench_dir, [int(s) for s in _names(args.sizes)], args.questions, args.peer_questions,
                 not args.no_peer, args.seed, args.flat_below, args.sources, args.out or None, args.work or None)
    return _bench_done(args, result)


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _bench_done(args, result: dict) -> int:
    if args.json:
        _print_json(result)
    return 0


# ---------------------------------------------------------------- the parser

def _parents() -> dict[str, argparse.ArgumentParser]:
    """Option groups shared by several commands (argparse ``parents=``)."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--index", default=DEFAULT_INDEX, help="index folder (default: index/)")
    store.add_argument("--store", default=paths.env(paths.STORE), help=STORE_HELP)
    embedder = argparse.ArgumentParser(add_help=False)
    embedder.add_argument("--embedder", help=f"{EMBEDDER_HELP}; must match an existing index")
    chunking = argparse.ArgumentParser(add_help=False)
    chunking.add_argument("--tokenizer", choices=list(TOKENIZERS),
                          help="BM25 tokens (default: bigram; the Milvus store: jieba only)")
    chunking.add_argument("--chunk-size", type=int, default=CHUNKING.target_chars, help="target characters per chunk")
    chunking.add_argument("--chunk-overlap", type=int, default=CHUNKING.overlap_sentences,
                          help="sentences shared by adjacent windows")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON")
    llm = argparse.ArgumentParser(add_help=False)
    llm.add_argument("--llm", help="openai:<model> for generative answers "
                                   f"(${paths.OPENAI_BASE_URL}, ${paths.OPENAI_API_KEY}, or {paths.config_path()})")
    limits = argparse.ArgumentParser(add_help=False)
    group = limits.add_argument_group("per-file limits (a file over one is skipped, named with the limit)")
    for field, value in vars(DEFAULT_LIMITS).items():
        group.add_argument("--" + field.replace("_", "-"), type=type(value), default=value,
                           help=f"default {value:g}")
    bench = argparse.ArgumentParser(add_help=False)
    bench.add_argument("--bench-dir", default=paths.bench_dir(), help=f"the bench sets (default ${paths.BENCH_DIR} "
                                                                      f"or {paths.DEFAULT_BENCH_DIR})")
    return {"store": store, "embedder": embedder, "chunking": chunking, "json": as_json, "llm": llm, "bench": bench,
            "limits": limits}


def build_parser() -> argparse.ArgumentParser:
    """The ``rag`` argument parser, with shared option groups as argparse parents."""
    parser = argparse.ArgumentParser(prog="rag", description="Cited question answering over Chinese work reports.")
    sub = parser.add_subparsers(dest="command", required=True)
    common = _parents()

    p = sub.add_parser("index", help="build or update the index from report files",
                       parents=[common["store"], common["embedder"], common["chunking"], common["limits"]])
    p.add_argument("paths", nargs="*", help=f"files or folders (default: {DEFAULT_DOCS}/)")
    p.add_argument("--rebuild", action="store_true", help="ignore the existing index's settings")
    p.add_argument("--wait", type=float, default=0, help="seconds to wait if another rag index holds the index")
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question with citations",
                       parents=[common["store"], common["embedder"], common["json"], common["llm"]])
    p.add_argument("question")
    p.add_argument("--previous", help="the question before it: a follow-up (那张掖呢?) is rewritten against it")
    p.add_argument("--mode", default="hybrid", choices=list(MODES))
    p.add_argument("-k", type=int, default=5, help="passages to retrieve")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("docs", help="list indexed documents and what cleaning removed",
                       parents=[common["store"], common["json"]])
    p.set_defaults(func=cmd_docs)

    p = sub.add_parser("eval", help="evaluate on a question set (JSONL or SQuAD-format JSON)",
                       parents=[common["embedder"], common["chunking"], common["json"], common["llm"],
                                common["limits"]])
    p.add_argument("questions", help="eval/questions/seeds.jsonl, ../shared/bench/drcd_dev.json, ...")
    p.add_argument("--index", default=DEFAULT_INDEX, help="evaluate this index (default: index/)")
    p.add_argument("--docs", nargs="+", help="build a temporary index from these files instead")
    p.add_argument("--store", action="append", default=None,
                   help=STORE_HELP + f"; give one of each kind ({', '.join(STORE_KINDS)}) to compare them in one run")
    p.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    p.add_argument("--limit", type=int, default=0, help="first N questions")
    p.add_argument("--sample", type=int, default=0, help="N random questions (with --seed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dense-weight", type=float,
                   help=f"hybrid fusion weight of the dense score (default {FusionSettings().dense_weight})")
    p.add_argument("--fail-under", action="append", default=[], metavar="MODE.METRIC=VALUE",
                   help="exit 1 if a metric is below VALUE, e.g. hybrid.hit@1=0.95 (repeatable)")
    p.add_argument("--reports", default="eval/reports", help="where report folders go")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("serve", help="open the chat page (builds the index from seeds/ first if there is none)",
                       parents=[common["store"], common["embedder"], common["llm"], common["limits"]])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--max-upload-mb", type=int, default=20, help="largest report file accepted by upload")
    p.add_argument("--auth", help=f"USER:PASSWORD to require a login (or set ${paths.AUTH})")
    p.add_argument("--read-only", action="store_true",
                   help="no uploads on the page (always so when --host is not this machine and there is no --auth)")
    p.set_defaults(func=cmd_serve)

    _bench_parser(sub, common)
    return parser


def _bench_parser(sub, common) -> None:
    from rag.bench.quality import EMBED_BACKENDS, SETS

    bench = sub.add_parser("bench", help="benchmarks on the bench sets: retrieval quality, embedder speed, "
                                         "search at scale")
    what = bench.add_subparsers(dest="what", required=True)
    p = what.add_parser("retrieval", help="R@1/R@5/MRR@10 per mode on the bench sets",
                        parents=[common["bench"], common["json"]])
    p.add_argument("--embedder", default=DEFAULT_EMBEDDER, help=EMBEDDER_HELP)
    p.add_argument("--sets", default=",".join(SETS))
    p.add_argument("--limit", type=int, default=0, help="questions per set (0 = all)")
    p.add_argument("--tokenizer", default="bigram", choices=list(TOKENIZERS), help="BM25 tokenizer")
    p.add_argument("--chunk-size", type=int, default=CHUNKING.target_chars)
    p.add_argument("--weights", default="", help="dense weights to compare, e.g. 0.2,0.3,0.5")
    p.set_defaults(func=cmd_bench_retrieval)

    p = what.add_parser("embed", help="embedder throughput and parity", parents=[common["bench"], common["json"]])
    p.add_argument("--backends", default=",".join(EMBED_BACKENDS), help=f"of: {EMBEDDER_HELP}")
    p.add_argument("--sample", type=int, default=64, help="paragraphs to embed")
    p.set_defaults(func=cmd_bench_embed)

    p = what.add_parser("search", help="hybrid search from 10k to 1M chunks beside LangChain",
                        parents=[common["bench"], common["json"]])
    p.add_argument("--sizes", default="10000,100000,1000000", help="corpus sizes in chunks")
    p.add_argument("--questions", type=int, default=200, help="bench questions asked per size")
    p.add_argument("--peer-questions", type=int, default=50, help="of those, asked of the peer")
    p.add_argument("--no-peer", action="store_true", help="skip the LangChain peer")
    p.add_argument("--seed", type=int, default=0, help="corpus and question sampling")
    p.add_argument("--flat-below", type=int, default=None,
                   help="exact vector search below this many chunks (default: the product's)")
    p.add_argument("--sources", type=int, default=0, help="bench paragraphs per set to build corpora from (0 = all)")
    p.add_argument("--out", default="", help="folder for bench-search.json and .png")
    p.add_argument("--work", default="", help="keep the built corpora and indexes here")
    p.set_defaults(func=cmd_bench_search)


def main(argv=None) -> int:
    """Run the ``rag`` command; the exit code."""
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
    except BrokenPipeError:   # rag ask … | head: the reader has what it wanted
        sys.stderr = open(os.devnull, "w")
        return 0


if __name__ == "__main__":
    sys.exit(main())
