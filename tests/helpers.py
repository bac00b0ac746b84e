"""Paths and small helpers the tests share (imported as ``from helpers import …``; fixtures
live in conftest.py)."""
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BENCH = Path(os.environ.get("RAG_BENCH_DIR", ROOT.parent / "shared" / "bench"))
# Debian chromium's flags for tests: no sandbox (root in CI), nothing fetched from the network
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]
