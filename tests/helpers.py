"""Paths and small helpers the tests share (imported as ``from helpers import …``; fixtures
live in conftest.py)."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BENCH = Path(os.environ.get("RAG_BENCH_DIR", ROOT.parent / "shared" / "bench"))
