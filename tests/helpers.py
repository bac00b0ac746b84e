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


def free_port() -> int:
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """A served app (rag.ui.server.create_server) on 127.0.0.1 in a thread, stopped on exit:
    ``with Running(app) as url: …``."""

    def __init__(self, app):
        import threading

        import uvicorn
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        import time
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        if not self.server.started:
            raise RuntimeError("the test server did not start")
        return f"http://127.0.0.1:{self.port}/"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(15)


def index_debris(root) -> list[str]:
    """What a writer left in an index folder that its live commit does not name: segment
    folders, other commit files, temporary files."""
    import json
    root = Path(root)
    live = (root / "CURRENT").read_text(encoding="utf-8").strip() if (root / "CURRENT").is_file() else ""
    named = {s["name"] for s in json.loads((root / live).read_text(encoding="utf-8"))["segments"]} if live else set()
    return ([p.name for p in root.glob("seg-*") if p.name not in named]
            + [p.name for p in root.glob("commit-*") if p.name != live] + [str(p) for p in root.rglob("*.tmp*")])
