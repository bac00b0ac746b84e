"""The ``rag`` argument parser: one subcommand per command of rag.cli.commands, with the option
groups several commands share as argparse parents."""
from __future__ import annotations

import argparse

from rag import paths
from rag.cli import commands as cmd
from rag.embed.base import DEFAULT_EMBEDDER
from rag.embed.registry import EMBEDDER_HELP
from rag.ingest.limits import DEFAULT_LIMITS
from rag.stores.base import MODES, STORE_KINDS, FusionSettings
from rag.text.tokens import TOKENIZERS

def _parents() -> dict[str, argparse.ArgumentParser]:
    """Option groups shared by several commands (argparse ``parents=``)."""
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--index", default=cmd.DEFAULT_INDEX, help="index folder (default: index/)")
    store.add_argument("--store", default=paths.env(paths.STORE), help=cmd.STORE_HELP)
    embedder = argparse.ArgumentParser(add_help=False)
    embedder.add_argument("--embedder", help=f"{EMBEDDER_HELP}; must match an existing index")
    chunking = argparse.ArgumentParser(add_help=False)
    chunking.add_argument("--tokenizer", choices=list(TOKENIZERS),
                          help="BM25 tokens (default: bigram)")
    chunking.add_argument("--chunk-size", type=int, default=cmd.CHUNKING.target_chars, help="target characters per chunk")
    chunking.add_argument("--chunk-overlap", type=int, default=cmd.CHUNKING.overlap_sentences,
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
    p.add_argument("paths", nargs="*", help=f"files or folders (default: {cmd.DEFAULT_DOCS}/)")
    p.add_argument("--rebuild", action="store_true", help="ignore the existing index's settings")
    p.add_argument("--optimize", action="store_true",
                   help="then merge the local index into one segment, dropping deleted reports' chunks")
    p.add_argument("--wait", type=float, default=0, help="seconds to wait if another rag index holds the index")
    p.set_defaults(func=cmd.cmd_index)

    p = sub.add_parser("ask", help="answer a question with citations",
                       parents=[common["store"], common["embedder"], common["json"], common["llm"]])
    p.add_argument("question")
    p.add_argument("--previous", help="the question before it: a follow-up (那张掖呢?) is rewritten against it")
    p.add_argument("--mode", default="hybrid", choices=list(MODES))
    p.add_argument("-k", type=int, default=5, help="passages to retrieve")
    p.add_argument("--format", default="full", choices=["full", "text", "markdown", "json"],
                   help="full: the paragraphs cited; text and markdown: what to paste into a document (numbered "
                        "sources); json: as --json")
    p.add_argument("--doc", action="append", help="search only this report (file name; repeatable)")
    p.add_argument("--place", action="append", help="search only reports about this place, e.g. 达州 (repeatable)")
    p.add_argument("--year", action="append", type=int, help="search only reports about this year (repeatable)")
    p.set_defaults(func=cmd.cmd_ask)

    p = sub.add_parser("remove", help="delete reports from the index (the rest is kept, committed at once)",
                       parents=[common["store"]])
    p.add_argument("names", nargs="+", help="document names as rag docs lists them")
    p.set_defaults(func=cmd.cmd_remove)

    p = sub.add_parser("feedback", help="feedback given on the page or the API")
    what = p.add_subparsers(dest="what", required=True)
    p = what.add_parser("export", help="the 👎 answers with a correction, as a rag eval question set (JSONL)")
    p.add_argument("--index", default=cmd.DEFAULT_INDEX, help="the index folder holding feedback.jsonl")
    p.add_argument("--out", help="write the set here (default: standard output)")
    p.set_defaults(func=cmd.cmd_feedback_export)

    p = sub.add_parser("docs", help="list indexed documents and what cleaning removed",
                       parents=[common["store"], common["json"]])
    p.set_defaults(func=cmd.cmd_docs)

    p = sub.add_parser("eval", help="evaluate on a question set (JSONL or SQuAD-format JSON)",
                       parents=[common["embedder"], common["chunking"], common["json"], common["llm"],
                                common["limits"]])
    p.add_argument("questions", help="eval/questions/seeds.jsonl, ../shared/bench/drcd_dev.json, ...")
    p.add_argument("--index", default=cmd.DEFAULT_INDEX, help="evaluate this index (default: index/)")
    p.add_argument("--docs", nargs="+", help="build a temporary index from these files instead")
    p.add_argument("--store", action="append", default=None,
                   help=cmd.STORE_HELP + f"; give one of each kind ({', '.join(STORE_KINDS)}) to compare them in one run")
    p.add_argument("--modes", default=",".join(MODES), help=f"comma-separated, of {', '.join(MODES)}")
    p.add_argument("--limit", type=int, default=0, help="first N questions")
    p.add_argument("--sample", type=int, default=0, help="N random questions (with --seed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dense-weight", type=float,
                   help=f"hybrid fusion weight of the dense score (default {FusionSettings().dense_weight})")
    p.add_argument("--fail-under", action="append", default=[], metavar="MODE.METRIC=VALUE",
                   help="exit 1 if a metric is below VALUE, e.g. hybrid.hit@1=0.95 (repeatable)")
    p.add_argument("--reports", default="eval/reports", help="where report folders go")
    p.set_defaults(func=cmd.cmd_eval)

    p = sub.add_parser("serve", help="open the chat page (builds the index from seeds/ first if there is none)",
                       parents=[common["store"], common["embedder"], common["llm"], common["limits"]])
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: this machine only)")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--max-upload-mb", type=int, default=20, help="largest report file accepted by upload")
    p.add_argument("--auth", help=f"USER:PASSWORD to require a login (or set ${paths.AUTH})")
    p.add_argument("--api-key", help=f"bearer token the HTTP API (/api, /v1) requires (or set ${paths.API_KEY}); "
                                     "without one the API answers only on 127.0.0.1")
    p.add_argument("--read-only", action="store_true",
                   help="no uploads on the page (always so when --host is not this machine and there is no --auth)")
    p.set_defaults(func=cmd.cmd_serve)

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
    p.add_argument("--chunk-size", type=int, default=cmd.CHUNKING.target_chars)
    p.add_argument("--weights", default="", help="dense weights to compare, e.g. 0.2,0.3,0.5")
    p.set_defaults(func=cmd.cmd_bench_retrieval)

    p = what.add_parser("embed", help="embedder throughput and parity", parents=[common["bench"], common["json"]])
    p.add_argument("--backends", default=",".join(EMBED_BACKENDS), help=f"of: {EMBEDDER_HELP}")
    p.add_argument("--sample", type=int, default=64, help="paragraphs to embed")
    p.set_defaults(func=cmd.cmd_bench_embed)

    p = what.add_parser("search", help="hybrid search from 10k to 1M chunks beside LangChain and bm25s + HNSW",
                        parents=[common["bench"], common["json"]])
    p.add_argument("--sizes", default="10000,100000,1000000", help="corpus sizes in chunks")
    p.add_argument("--questions", type=int, default=200, help="bench questions asked per size")
    p.add_argument("--peer-questions", type=int, default=50, help="of those, asked of the peer")
    p.add_argument("--peers", default="langchain,bm25s_hnsw",
                   help="peers to run beside ours: langchain, bm25s_hnsw (comma-separated; NAME:N runs it up to N "
                        "chunks only)")
    p.add_argument("--no-peer", action="store_true", help="run no peer")
    p.add_argument("--seed", type=int, default=0, help="corpus and question sampling")
    p.add_argument("--flat-below", type=int, default=None,
                   help="exact vector search below this many chunks (default: the product's)")
    p.add_argument("--sources", type=int, default=0, help="bench paragraphs per set to build corpora from (0 = all)")
    p.add_argument("--segment-chunks", type=int, default=None,
                   help="about how many chunks the build puts in a segment (default: rag index's, 100000)")
    p.add_argument("--out", default="", help="folder for bench-search.json and .png")
    p.add_argument("--work", default="", help="keep the built corpora and indexes here")
    p.set_defaults(func=cmd.cmd_bench_search)


