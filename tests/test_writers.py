"""One writer, whoever writes: the page and the CLI write through the same lock and commit
point, each from the latest commit, and a served page reads what the CLI committed."""
import errno
import hashlib
import re
import shutil

import numpy as np
import pytest

from rag.answer.retrieve import Searcher
from rag.cli import main
from rag.embed.backends import HashingEmbedder
from rag.errors import IndexLockedError
from rag.stores.local.folder import current_build, index_lock, load_index
from rag.stores.local.commit import open_local
from rag.ui.app import chat_turn, upload_files
from rag.ui.state import AppState

from helpers import SEEDS, index_debris

ADDED = "今年以来，绿洲市建成防汛指挥中心17个，覆盖全部乡镇。\n"
UPLOADED = "今年以来，青川县化解矛盾纠纷2376件，调解成功率98%。\n"


def test_cli_add_page_upload_cli_delete_keep_every_report(tmp_path, capsys):
    docs, root = tmp_path / "docs", tmp_path / "ix"
    shutil.copytree(SEEDS, docs)
    assert main(["index", str(docs), "--index", str(root), "--embedder", "hashing"]) == 0
    embedder = HashingEmbedder(256)
    state = AppState(Searcher(open_local(root, embedder), embedder), root)   # the page, serving

    (docs / "绿洲市报告.txt").write_text(ADDED, encoding="utf-8")           # the CLI adds one meanwhile
    assert main(["index", str(docs), "--index", str(root)]) == 0
    upload = tmp_path / "青川县报告.txt"
    upload.write_text(UPLOADED, encoding="utf-8")
    upload_files(state, [upload])                                           # then the page uploads one
    assert {"绿洲市报告.txt", "青川县报告.txt"} <= set(load_index(root).documents)
    with state.merging:   # the upload's background merge commits under the lock; a CLI run meanwhile
        pass              # is refused (without --wait), which a loaded machine made this test hit

    (docs / "绿洲市报告.txt").unlink()                                        # the CLI deletes its report
    assert main(["index", str(docs), "--index", str(root)]) == 0
    assert "keeping the reports uploaded on the page" in capsys.readouterr().err
    names = set(load_index(root).documents)
    assert "绿洲市报告.txt" not in names and "青川县报告.txt" in names and len(names) == 6

    *_, (history, *_) = chat_turn(state, "青川县化解了多少件矛盾纠纷?", [], "bm25", 5, "原文")
    assert "2376件" in history[-1]["content"]                                # the page reads the latest commit
    assert "绿洲市报告.txt" not in state.searcher.store.documents


def test_an_upload_never_silently_replaces_a_report(tmp_path):
    root = tmp_path / "ix"
    assert main(["index", str(SEEDS), "--index", str(root), "--embedder", "hashing"]) == 0
    embedder = HashingEmbedder(256)
    state = AppState(Searcher(open_local(root, embedder), embedder), root)
    seed = sorted(SEEDS.glob("*.txt"))[3]                       # 张掖's report
    forged = tmp_path / "forged" / seed.name
    forged.parent.mkdir()
    forged.write_text("张掖市建成四级综治中心1个。\n", encoding="utf-8")
    copy = tmp_path / "副本.txt"
    shutil.copy(seed, copy)

    log, _ = upload_files(state, [forged, copy])
    assert "已有同名报告" in log and "替换同名报告" in log and "与已索引的" in log
    kept = load_index(root).documents
    assert kept[seed.name].document.sha256 == hashlib.sha256(seed.read_bytes()).hexdigest() and "副本.txt" not in kept
    *_, (history, *_) = chat_turn(state, "张掖市建成了多少个四级综治中心?", [], "bm25", 5, "原文")
    assert "981" in history[-1]["content"]                      # the seed's figure still answers

    log, _ = upload_files(state, [forged], replace=True)        # asked for: replaced
    assert f"✓ {seed.name}" in log
    assert "四级综治中心1个" in load_index(root).documents[seed.name].document.text

    read_only = AppState(Searcher(open_local(root, embedder), embedder), root, read_only=True)
    log, _ = upload_files(read_only, [copy])
    assert "只读" in log and "副本.txt" not in load_index(root).documents


def test_a_page_upload_waits_for_the_cli_and_names_it(tmp_path):
    root = tmp_path / "ix"
    assert main(["index", str(SEEDS), "--index", str(root), "--embedder", "hashing"]) == 0
    embedder = HashingEmbedder(256)
    store = open_local(root, embedder)
    from rag.ingest.documents import load_documents
    from rag.stores.local.commit import add_local
    (tmp_path / "u.txt").write_text(UPLOADED, encoding="utf-8")
    with index_lock(root, writer="rag index"), pytest.raises(IndexLockedError, match=r"rag index \(pid"):
        add_local(store, load_documents([tmp_path / "u.txt"]).documents, embedder, wait_s=0.2)


@pytest.mark.parametrize("failing_save", [1, 3])   # 1: the embedding cache, 3: the new build's arrays
def test_a_full_disk_is_one_line_and_leaves_nothing_behind(tmp_path, capsys, monkeypatch, failing_save):
    docs, root = tmp_path / "docs", tmp_path / "ix"
    shutil.copytree(SEEDS, docs)
    assert main(["index", str(docs), "--index", str(root), "--embedder", "hashing"]) == 0
    live = current_build(root)
    (docs / "绿洲市报告.txt").write_text(ADDED, encoding="utf-8")
    real, calls = np.save, []

    def full_disk(*args, **kwargs):
        calls.append(1)
        if len(calls) == failing_save:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(np, "save", full_disk)
    capsys.readouterr()
    assert main(["index", str(docs), "--index", str(root)]) == 2
    err = capsys.readouterr().err
    monkeypatch.undo()
    assert "error: no space left on the device while writing" in err and "Traceback" not in err
    assert str(root) in err and (failing_save == 1 or re.search(r"it needs about \d+\.\d MB", err)), err
    assert current_build(root) == live and not index_debris(root)
    assert not list(root.rglob("*.tmp*"))
    assert "绿洲市报告.txt" not in load_index(root).documents and len(load_index(root).documents) == 5
    assert main(["index", str(docs), "--index", str(root)]) == 0   # with space again, the next run works
    assert "绿洲市报告.txt" in load_index(root).documents


def test_a_reader_during_a_publish_reads_the_new_build(tmp_path, monkeypatch):
    """The writer removes the old build right after its commit; a reader that had read CURRENT
    just before must not fail with 'no index' or 'damaged' (a cause of the SIGKILL-test flake)."""
    from rag.stores.local import folder
    docs, root = tmp_path / "docs", tmp_path / "ix"
    shutil.copytree(SEEDS, docs)
    assert main(["index", str(docs), "--index", str(root), "--embedder", "hashing"]) == 0
    old = current_build(root)
    real_load, published = folder.ChunkTable.load, []

    def load_while_a_writer_publishes(folder_path, documents):
        if not published:   # between this reader's CURRENT read and its first array, a writer commits
            published.append(1)
            monkeypatch.setattr(folder.ChunkTable, "load", real_load)
            (docs / "绿洲市报告.txt").write_text(ADDED, encoding="utf-8")
            assert main(["index", str(docs), "--index", str(root)]) == 0
            assert not (root / old).exists()
        return real_load(folder_path, documents)

    monkeypatch.setattr(folder.ChunkTable, "load", staticmethod(load_while_a_writer_publishes))
    index = load_index(root)
    assert published and current_build(root) != old and "绿洲市报告.txt" in index.documents
