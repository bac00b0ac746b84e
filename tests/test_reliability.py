"""Bad files, kills mid-build, concurrent writers, hostile queries, tampered indexes."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.cli import main
from rag.errors import IndexError_, IndexLockedError, QueryError
from rag.stores.local.folder import current_build, index_lock, load_index, save_index

from helpers import ROOT, SEEDS, index_debris

GOOD = "今年以来，我市政法机关创新“三融合三提升”机制，建成“雪亮工程”监控探头4.2万余个。\n"
TRAD = "張掖市建成市、縣、鄉、村四級綜治中心981個，全市優化整合網格1807個。\n"


def make_zoo(folder: Path) -> dict[str, str]:
    """Writes the bad-input zoo; returns {file name: expected outcome word}."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "empty.txt": b"",
        "whitespace.txt": b"  \n\t \n",
        "picture.txt": b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "gbk.txt": GOOD.encode("gbk"),
        "big5.txt": TRAD.encode("big5"),
        "utf16le.txt": b"\xff\xfe" + TRAD.encode("utf-16-le"),
        "utf16be.txt": b"\xfe\xff" + GOOD.encode("utf-16-be"),
        "stray.txt": (GOOD * 40).encode("utf-8")[:900] + b"\xfe" + (GOOD * 40).encode("utf-8")[900:],
        "furniture.txt": "网上有害信息举报\n法治号 手机版| 站内搜索\n编辑:赵婕\n审核:\n相关文章推荐\n".encode("utf-8"),
        "one line.txt": ("荣昌区建成视频监控16535个实现重点地区全覆盖" * 120_000).encode("utf-8")[:5_000_000],
        "报告 副本.txt": GOOD.encode("utf-8"),
        "报告.txt": GOOD.encode("utf-8"),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    os.symlink("loop.txt", folder / "loop.txt")
    (folder / "locked.txt").write_text(GOOD, encoding="utf-8")
    return {"empty.txt": "empty", "whitespace.txt": "empty", "picture.txt": "binary",
            "furniture.txt": "nothing left", "loop.txt": "cannot read", "locked.txt": "permission denied"}


def test_bad_input_zoo(tmp_path, capsys, monkeypatch):
    skipped = make_zoo(tmp_path / "zoo")
    real_read = Path.read_bytes

    def read_bytes(self):  # tests run as root, who can read a chmod 000 file: simulate the denial
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code = main(["index", str(tmp_path / "zoo"), "--index", str(tmp_path / "ix"), "--embedder", "hashing"])
    err = capsys.readouterr().err
    assert code == 1  # something was skipped
    for name, reason in skipped.items():
        line = next(l for l in err.splitlines() if name in l)
        assert line.startswith("skipped") and reason in line, line
    assert "报告.txt has the same content as 报告 副本.txt" in err or "报告 副本.txt has the same content" in err
    index = load_index(tmp_path / "ix")
    assert {"gbk.txt", "big5.txt", "utf16le.txt", "utf16be.txt", "stray.txt", "one line.txt"} <= set(index.documents)
    assert "981個" in index.documents["big5.txt"].text and "4.2万余个" in index.documents["gbk.txt"].text
    from rag.ingest.chunking import ChunkSettings
    assert max(len(c.text) for c in index.chunks) <= ChunkSettings().target_chars


@pytest.mark.slow
def test_fifty_megabyte_report(tmp_path):
    body = (GOOD + TRAD) * (50_000_000 // len((GOOD + TRAD).encode("utf-8")))
    (tmp_path / "big.txt").write_text(body, encoding="utf-8")
    assert main(["index", str(tmp_path / "big.txt"), "--index", str(tmp_path / "ix"), "--embedder", "hashing"]) == 0
    assert load_index(tmp_path / "ix").documents["big.txt"].document.sha256


def _snapshot(root: Path):
    index = load_index(root)
    return sorted((d.document.name, d.document.sha256) for d in index.documents.values()), \
        [c.text for c in index.chunks]


CHILD = r"""
import os, shutil, signal, sys, pathlib
import numpy as np
kill_at, calls = int(sys.argv[1]), [0]
def point():
    calls[0] += 1
    if calls[0] == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
def wrap(owner, name):
    original = getattr(owner, name)
    def wrapped(*a, **k):
        point()
        return original(*a, **k)
    setattr(owner, name, wrapped)
import rag.embed.backends
for owner, name in [(pathlib.Path, "read_bytes"), (pathlib.Path, "write_text"), (pathlib.Path, "mkdir"),
                    (np, "save"), (os, "replace"), (os, "fsync"), (shutil, "rmtree"),
                    (rag.embed.backends.HashingEmbedder, "embed_passages")]:
    wrap(owner, name)
import rag.stores.local.commit as commit
merge_once = commit._merge_once
def announced(*a, **k):
    print("MERGE_AT", calls[0], flush=True)
    return merge_once(*a, **k)
commit._merge_once = announced
from rag.cli import main
code = main(sys.argv[2:])
print("POINTS", calls[0])
sys.exit(code)
"""


@pytest.mark.faults
def test_sigkill_at_twenty_points_leaves_old_or_new_index(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    base = tmp_path / "base"
    assert main(["index", str(docs), "--index", str(base), "--embedder", "hashing"]) == 0
    before = _snapshot(base)
    (docs / "新增.txt").write_text(GOOD + TRAD, encoding="utf-8")             # added
    (docs / "000_e33b01bdb0cac963.txt").unlink()                                # deleted
    (docs / "004_4876da0bb4d70e24.txt").write_text(TRAD * 3, encoding="utf-8")  # changed
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    args = ["index", str(docs), "--index"]

    def run(kill_at: int, root: Path):
        return subprocess.run([sys.executable, "-c", CHILD, str(kill_at), *args, str(root)],
                              env=env, capture_output=True, text=True, timeout=120)

    shutil.copytree(base, tmp_path / "after")
    clean_run = run(0, tmp_path / "after")  # no kill: the new index, and how many points there are
    assert clean_run.returncode == 0, clean_run.stderr
    after = _snapshot(tmp_path / "after")
    points = int(clean_run.stdout.split("POINTS")[1])
    assert points >= 20
    chosen = sorted(set(np.linspace(1, points, 22).astype(int)))
    survived, outcomes = 0, []
    for kill_at in chosen:
        root = tmp_path / f"kill{kill_at}"
        shutil.copytree(base, root)
        result = run(kill_at, root)
        assert result.returncode == -9, (kill_at, result.stderr[-500:])
        state = _snapshot(root)
        assert state in (before, after), kill_at
        outcomes.append("old" if state == before else "new")
        survived += 1
    assert survived >= 20
    assert "old" in outcomes and "new" in outcomes  # kills landed both before and after publishing


@pytest.mark.faults
def test_sigkill_at_ten_points_of_a_merge_leaves_the_old_or_the_new_commit(tmp_path):
    """``rag index --optimize`` over an index of three segments, one with a tombstone, killed
    at points inside the merge: the index loads with the same documents and chunks, in one
    segment or the old three; the next writer removes what the kill left."""
    from rag.embed.backends import HashingEmbedder
    from rag.ingest.documents import load_documents
    from rag.stores.base import IndexSettings
    from rag.stores.local.commit import sync_local
    from rag.stores.local.merge import MergePolicy
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    (docs / "000_e33b01bdb0cac963.txt").unlink()
    seeds = list(load_documents([SEEDS]).documents)
    base, embedder = tmp_path / "base", HashingEmbedder(256)
    keep = MergePolicy(segments_per_tier=100, floor_chunks=1, deletes_allowed=1.0)
    for part in (seeds[:2], seeds[:4], seeds[1:]):
        sync_local(base, part, embedder, IndexSettings(), policy=keep)
    assert len(load_index(base).segments) == 3 and any(load_index(base).deleted)
    names, texts = _snapshot(base)
    before = (names, sorted(texts))
    env = dict(os.environ, PYTHONPATH=str(ROOT))

    def run(kill_at: int, root: Path):
        return subprocess.run([sys.executable, "-c", CHILD, str(kill_at), "index", str(docs), "--index", str(root),
                               "--optimize"], env=env, capture_output=True, text=True, timeout=120)

    shutil.copytree(base, tmp_path / "after")
    clean_run = run(0, tmp_path / "after")
    assert clean_run.returncode == 0, clean_run.stderr
    assert len(load_index(tmp_path / "after").segments) == 1
    merge_at = int(clean_run.stdout.split("MERGE_AT")[1].split()[0])
    points = int(clean_run.stdout.split("POINTS")[1])
    chosen = sorted(set(np.linspace(merge_at + 1, points, 12).astype(int)))
    assert len(chosen) >= 10, (merge_at, points)
    outcomes = []
    for kill_at in chosen:
        root = tmp_path / f"kill{kill_at}"
        shutil.copytree(base, root)
        result = run(kill_at, root)
        assert result.returncode == -9, (kill_at, result.stderr[-500:])
        names, texts = _snapshot(root)
        assert (names, sorted(texts)) == before, kill_at
        outcomes.append("new" if len(load_index(root).segments) == 1 else "old")
        assert main(["index", str(docs), "--index", str(root)]) == 0
        assert not index_debris(root), (kill_at, index_debris(root))
    assert "old" in outcomes and "new" in outcomes, outcomes
    print(f"\nSIGKILL during a merge at {len(chosen)} points: {outcomes}")


def test_a_second_writer_stops_with_a_message(tmp_path, capsys):
    with index_lock(tmp_path / "ix"):
        code = main(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--embedder", "hashing", "--wait", "0.3"])
        assert code == 2 and "is being written by rag index (pid" in capsys.readouterr().err
        with pytest.raises(IndexLockedError):
            with index_lock(tmp_path / "ix"):
                pass
    assert main(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--embedder", "hashing"]) == 0


HOSTILE = ["", "   \t\n ", "问" * 100_000, "\x00\x07\x1b[31m雪亮工程\x1b[0m", "😀🎉🔥", "？！。，、；：",
           "'; DROP TABLE chunks; --", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>",
           "[点我](javascript:alert(1))", "1 OR 1=1 UNION SELECT *"]


@pytest.mark.parametrize("question", HOSTILE)
def test_hostile_queries_are_answered_or_refused_cleanly(hashing_index, question, tmp_path, capsys):
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    searcher = Searcher(*hashing_index)
    try:
        answer = ask(searcher, question)
        assert isinstance(answer.answered, bool)
    except QueryError as exc:
        assert str(exc).startswith("问题")
    save_index(hashing_index[0], tmp_path / "ix")
    code = main(["ask", question, "--index", str(tmp_path / "ix"), "--json"])
    out, err = capsys.readouterr()
    assert code in (0, 2)
    if code == 0:
        assert json.loads(out)["answer"]
    else:
        assert err.startswith("error: ") and err.count("\n") == 1

    from rag.ui.app import chat_turn
    from rag.ui.state import AppState
    try:
        *_, (history, panel, box, _, _) = chat_turn(AppState(searcher, tmp_path / "ix"), question, [], "hybrid", 5,
                                                 "原文")
    except QueryError:   # refused (empty, too long): the page shows the message and adds no turn
        return
    assert len(history) == 2 and "<script" not in history[0]["content"] + history[1]["content"] + panel


def test_tampered_manifests_and_truncated_arrays_are_clear_errors(tmp_path, hashing_index):
    index = hashing_index[0]
    tampering = [
        lambda m: m.update(format_version="1; import os"),
        lambda m: m.update(embedder={"name": "hashing:256", "dim": "256"}),
        lambda m: m.pop("chunking"),
        lambda m: m.update(chunking={"target_chars": "__import__('os')"}),
        lambda m: m.update(tokenizer="eval"),
    ]
    for n, tamper in enumerate(tampering):
        root = tmp_path / f"m{n}"
        save_index(index, root)
        commit = root / current_build(root)
        manifest = json.loads(commit.read_text(encoding="utf-8"))
        tamper(manifest)
        commit.write_text(json.dumps(manifest), encoding="utf-8")
        with pytest.raises(IndexError_):
            load_index(root)
    root = tmp_path / "list"
    save_index(index, root)
    (root / current_build(root)).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(IndexError_, match="not a JSON object"):
        load_index(root)
    for name in ("vectors.npy", "bm25_indptr.npy", "bm25_doc_ids.npy", "origins.npy", "chunks.npy",
                 "documents.jsonl"):
        root = tmp_path / f"trunc-{name}"
        build = root / save_index(index, root).segments[0].name
        data = (build / name).read_bytes()
        (build / name).write_bytes(data[:len(data) // 2])
        with pytest.raises(IndexError_, match="damaged"):
            load_index(root)
    root = tmp_path / "pickled"
    build = root / save_index(index, root).segments[0].name
    np.save(build / "vectors.npy", np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(IndexError_, match="damaged"):
        load_index(root)


def test_postings_naming_missing_chunks_are_a_clear_error(tmp_path, hashing_index):
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    build = tmp_path / save_index(hashing_index[0], tmp_path).segments[0].name
    doc_ids = np.load(build / "bm25_doc_ids.npy")
    np.save(build / "bm25_doc_ids.npy", doc_ids + 10_000)
    with pytest.raises(IndexError_, match="damaged.*rebuild"):
        ask(Searcher(load_index(tmp_path), hashing_index[1]), "雪亮工程")
    (build / "documents.jsonl").write_bytes(b"x" * (build / "documents.jsonl").stat().st_size)
    np.save(build / "bm25_doc_ids.npy", doc_ids)
    with pytest.raises(IndexError_, match="damaged"):
        ask(Searcher(load_index(tmp_path), hashing_index[1]), "雪亮工程")


def test_names_are_data_and_every_file_in_a_folder_is_accounted_for(tmp_path, capsys):
    folder = tmp_path / "docs"
    folder.mkdir()
    forged = "x\x1b[2K\rindexed 999 documents.txt"
    (folder / forged).write_text(GOOD, encoding="utf-8")
    (folder / "..\\evil.txt").write_text(TRAD, encoding="utf-8")
    (folder / "统计表.xlsx").write_bytes(b"PK\x03\x04")   # a damaged spreadsheet
    (folder / "幻灯片.pptx").write_bytes(b"PK\x03\x04")
    (folder / "报告.txt").write_text(TRAD, encoding="utf-8")
    (folder / "报告.meta.json").write_text('{"place": "张掖市"}', encoding="utf-8")   # a sidecar, read with its report
    (folder / ".git").mkdir()
    assert main(["index", str(folder), "--index", str(tmp_path / "ix"), "--embedder", "hashing"]) == 1
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err and forged not in captured.out + captured.err
    lines = captured.err.splitlines()
    assert any("..\\evil.txt" in line and "hidden file" in line for line in lines)
    assert any("统计表.xlsx" in line and "not a readable Excel .xlsx file" in line for line in lines)
    assert any("幻灯片.pptx" in line and "unsupported file type '.pptx'" in line for line in lines)
    assert any(".git" in line and "hidden folder" in line for line in lines)
    assert not any("报告.meta.json" in line for line in lines)
    assert "indexed 2 documents" in captured.out
    assert main(["docs", "--index", str(tmp_path / "ix")]) == 0
    listed = capsys.readouterr().out
    assert "\x1b" not in listed and "x\\x1b[2K\\rindexed 999 documents.txt" in listed   # shown, escaped
