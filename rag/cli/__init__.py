"""The ``rag`` command: argparse (rag.cli.parser), dispatch to the library (rag.cli.commands),
and errors turned into one-line messages and exit codes (0 ok, 1 some files skipped or a
threshold missed, 2 error, 130 interrupted). The work itself is done by the library."""
from __future__ import annotations

import os
import sys

from rag.errors import RagError


def main(argv=None) -> int:
    """Run the ``rag`` command; the exit code."""
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from rag.cli.parser import build_parser
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

