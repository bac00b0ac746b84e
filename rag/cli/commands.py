"""The ``rag`` commands: each parses nothing itself (rag.cli.parser), calls the library, and
prints; the library raises, rag.cli.main turns errors into messages and exit codes."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from rag import paths
from rag.embed.base import DEFAULT_EMBEDDER
from rag.errors import NothingToIndexError, printable
from rag.ingest.chunking import ChunkSettings
from rag.ingest.formats import OCR_FAILED
from rag.ingest.limits import DEFAULT_LIMITS, ReadLimits
from rag.stores.base import FusionSettings, IndexSettings
from rag.text.tokens import DEFAULT_TOKENIZER

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


def _settings(args) -> IndexSettings:
    return IndexSettings(ChunkSettings(args.chunk_size, args.chunk_overlap), args.tokenizer or DEFAULT_TOKENIZER)


def _limits(args) -> ReadLimits:
    return ReadLimits(**{field: getattr(args, field) for field in vars(DEFAULT_LIMITS)})


def _skipped(failures) -> None:
    for failure in failures:
        print(f"skipped {failure}", file=sys.stderr)


def cmd_index(args) -> int:
    from rag.embed.registry import get_embedder
    from rag.ingest.documents import iter_documents
    from rag.stores.uri import embedder_for, optimize, sync

    spec = _spec(args)
    embedder = get_embedder(embedder_for(spec, args.embedder, args.rebuild, DEFAULT_EMBEDDER))
    sources = args.paths or [DEFAULT_DOCS]
    uploads = Path(args.index) / "uploads"   # reports uploaded on the page stay indexed
    if uploads.is_dir() and any(uploads.iterdir()) and str(uploads) not in sources:
        sources = [*sources, str(uploads)]
        print(f"note: keeping the reports uploaded on the page ({uploads})", file=sys.stderr)
    failures: list = []

    def documents():   # read as the index asks for them: a large folder streams into segments
        for doc in iter_documents(sources, failures, _limits(args)):
            for note in (d for d in doc.dropped if OCR_FAILED in d):   # indexed without the unread scanned pages
                print(f"warning: {printable(doc.name)}: {note}; the other pages are indexed", file=sys.stderr)
            yield doc
    try:
        store, report = sync(spec, documents(), embedder, _settings(args), rebuild=args.rebuild,
                             progress=True, failures=failures, wait_s=args.wait)
        if args.optimize:
            store = optimize(store, embedder)
    except NothingToIndexError as exc:
        _skipped(exc.failures)
        print(f"error: no documents could be indexed from {printable(' '.join(sources))}; {printable(spec)} was "
              "left unchanged",
              file=sys.stderr)
        return 2
    _skipped(report.failures)
    for note in report.notes:
        print(f"note: {printable(note)}", file=sys.stderr)
    for name, first in report.duplicates:
        print(f"note: {printable(name)} has the same content as {printable(first)}; indexed once, cited as "
              f"{printable(first)}", file=sys.stderr)
    changes = "{} added, {} changed, {} removed; ".format(*report.changes) if report.changes else ""
    print(f"indexed {report.documents} documents into {report.chunks} chunks in {printable(spec)} "
          f"({changes}{report.embedded} chunks embedded, {report.seconds:.1f}s, embedder {store.embedder_name})")
    print(store.describe())
    if report.failures:
        print(f"{len(report.failures)} file(s) skipped", file=sys.stderr)
        return 1
    return 0


def _filter(args):
    from rag.answer.retrieve import DocFilter
    return DocFilter(tuple(args.doc or ()), tuple(args.place or ()), tuple(args.year or ()))


def cmd_ask(args) -> int:
    from rag.answer.conversation import rewrite
    from rag.answer.export import answer_json, answer_markdown, answer_text, near_places, rewritten
    from rag.answer.extract import ask
    from rag.answer.generate import generate, llm_from_spec
    from rag.answer.retrieve import check_question, filter_documents

    llm = llm_from_spec(args.llm)
    searcher = _open_searcher(_spec(args), args.embedder)
    only = filter_documents(searcher.store, _filter(args))
    question = rewrite(check_question(args.question), args.previous)
    answer = generate(searcher, llm, question, args.mode, args.k, only=only) if llm else \
        ask(searcher, question, args.mode, args.k, only)
    form = "json" if args.json else args.format
    places = near_places(searcher.store, answer)
    if form == "json":
        _print_json(answer_json(answer, args.question))
        return 0
    if rewritten(args.question, answer):
        print(f"（理解为：{answer.question}）")
    if form == "markdown":
        print(answer_markdown(answer, places))
        return 0
    if form == "text":
        print(answer_text(answer, places))
        return 0
    if answer.notice:
        print(f"（{answer.notice}）")
    print(answer.answer)
    if answer.answered:
        for c in answer.citations:
            where = " / ".join(x for x in (printable(c.doc), c.section) if x)
            place = f"{c.place} · " if c.place else ""
            page = (f"第{c.page}页{'（识别文字）' if c.ocr else ''}, " if c.page else "")
            table = f"{c.table.label()}, " if c.table else ""
            print(f"\n[{c.n}] {place}{where}, {table}{page}第{c.paragraph}段 (字符 {c.start}-{c.end})\n    {c.text}")
    else:
        print("\n可能相关:")
        for h in answer.passages[:3]:
            place = places.get(h.chunk.doc, "")
            print(f"  - {f'[{place}] ' if place else ''}{printable(h.chunk.doc)} 第{h.chunk.paragraph_start}段: "
                  f"{h.chunk.text[:80]}…")
    return 0


def cmd_remove(args) -> int:
    from rag.embed.registry import get_embedder
    from rag.stores.uri import open_store, remove_documents, store_embedder_name

    spec = _spec(args)
    embedder = get_embedder(store_embedder_name(spec))
    store, report = remove_documents(open_store(spec, embedder), args.names, embedder, Path(args.index) / "uploads")
    print(f"removed {len(args.names)} document(s) from {printable(spec)}: {report.documents} documents, "
          f"{report.chunks} chunks left")
    print("note: a removed report still in the folders given to rag index is indexed again by the next rag index",
          file=sys.stderr)
    return 0


def cmd_feedback_export(args) -> int:
    from rag.evaluate.feedback import read_feedback, regression_questions

    feedback, unreadable = read_feedback(Path(args.index))
    rows = regression_questions(feedback)
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    print(f"{len(rows)} question(s) from {len(feedback)} feedback entries ({sum(f.verdict == 'down' for f in feedback)} "
          f"👎){f'; {unreadable} unreadable line(s) skipped' if unreadable else ''}", file=sys.stderr)
    return 0


def cmd_docs(args) -> int:
    from rag.stores.uri import open_store

    store = open_store(_spec(args))
    chunk_counts = store.chunk_counts()
    rows = []
    for name, doc in store.documents.items():
        subject = doc.subject
        rows.append({
            "doc": name, "title": doc.title, "display_title": doc.display_title, "encoding": doc.document.encoding,
            "subject": {"places": list(subject.places), "path": list(subject.path), "body": subject.body,
                        "years": list(subject.years), "source": subject.source},
            "paragraphs": len(doc.paragraphs), "chunks": chunk_counts[name], "table_rows": len(doc.document.table_rows),
            "ocr_pages": list(doc.document.ocr_pages), "unsure_lines": list(doc.document.unsure),
            "removed": [{"kind": r.kind, "start": r.start, "end": r.end, "text": r.text} for r in doc.removals]
            + [{"kind": "extraction", "start": None, "end": None, "text": t} for t in doc.document.dropped],
        })
    if args.json:
        _print_json(rows)
        return 0
    print(store.describe())
    for row in rows:
        s = row["subject"]
        about = " › ".join(s["path"]) or "（地方未知）"
        about += (f" {s['body']}" if s["body"] else "") + (f" {'、'.join(map(str, s['years']))}年" if s["years"] else "")
        untitled = "(无标题)" if row["display_title"] == row["doc"] else f"(无标题: {printable(row['display_title'])})"
        print(f"{printable(row['doc'])}  {row['title'] or untitled}  {about}{' (sidecar)' if s['source'] == 'sidecar' else ''}  "
              f"[{row['encoding']}] "
              f"{row['paragraphs']} paragraphs, {row['chunks']} chunks, {len(row['removed'])} removed"
              + (f", {row['table_rows']} table rows" if row["table_rows"] else "")
              + (f", 识别文字 {len(row['ocr_pages'])} 页 ({len(row['unsure_lines'])} 行识别不确定)" if row["ocr_pages"] else ""))
        for line in row["unsure_lines"]:
            print(f"    ? 识别不确定: {printable(line)}")
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
    from rag.ui.server import serve

    serve(Path(args.index), args.host, args.port, args.embedder, DEFAULT_DOCS, args.max_upload_mb,
          args.auth or paths.env(paths.AUTH), args.llm, _spec(args), limits=_limits(args), read_only=args.read_only,
          api_key=args.api_key or paths.env(paths.API_KEY))
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
                 () if args.no_peer else _names(args.peers), args.seed, args.flat_below, args.sources, args.out or None,
                 args.work or None, args.segment_chunks)
    return _bench_done(args, result)


def _names(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _bench_done(args, result: dict) -> int:
    if args.json:
        _print_json(result)
    return 0
