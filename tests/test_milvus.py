"""The Milvus store against the real engine: Milvus Lite, embedded in the test process."""
import json
import shutil
from collections import Counter

import numpy as np
import pytest

from rag.cli import main
from rag.errors import IndexMismatchError
from rag.stores.base import IndexSettings
from rag.stores.milvus.client import lite_engine
from rag.stores.uri import parse_store

from helpers import ROOT, SEEDS, Running

pytestmark = pytest.mark.milvus


@pytest.fixture()
def corpus(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, folder)
    return folder


def _index(corpus, store, *extra):
    return main(["index", str(corpus), "--store", store, "--embedder", "hashing", *extra])


def test_index_ask_docs_on_milvus_lite(tmp_path, corpus, capsys):
    store = f"milvus:{tmp_path / 'reports.db'}"
    assert _index(corpus, store) == 0
    assert "indexed 5 documents into 119 chunks" in capsys.readouterr().out
    assert main(["ask", "乐山市排查整治顽瘴痼疾多少个?", "--store", store, "--json", "--mode", "bm25"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["answered"] and "4821" in out["answer"] and out["citations"][0]["doc"] == "001_bc630deb026c9c02.txt"
    assert main(["docs", "--store", store, "--json"]) == 0
    docs = {d["doc"][:3]: d for d in json.loads(capsys.readouterr().out)}
    assert sum(r["kind"] == "pinyin" for r in docs["003"]["removed"]) == 153
    assert sum(d["chunks"] for d in docs.values()) == 119


def test_documents_and_citations_match_the_local_store(tmp_path, corpus, hashing_index):
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    from rag.ingest.documents import load_documents
    from rag.stores.local.store import LocalStore
    from rag.stores.uri import sync
    index, embedder = hashing_index
    spec = parse_store(f"milvus:{tmp_path / 'r.db'}", "")
    store, report = sync(spec, load_documents([corpus]).documents, embedder,
                         IndexSettings(), tmp_path / "cache")
    assert report.changes == (5, 0, 0) and len(store.chunks) == len(index.chunks)
    assert store.chunk_counts() == LocalStore(index).chunk_counts()
    for name, local in index.documents.items():
        remote = store.documents[name]
        assert remote.text == local.text and remote.paragraphs == local.paragraphs
        assert remote.removals == local.removals and np.array_equal(remote.origin, local.origin)
        assert remote.document.text == local.document.text
    local_answer = ask(Searcher(index, embedder), "雪亮工程监控探头建成多少个?", "bm25")
    milvus_answer = ask(Searcher(store, embedder), "雪亮工程监控探头建成多少个?", "bm25")
    assert "4.2万" in milvus_answer.answer and milvus_answer.citations[0] == local_answer.citations[0]
    assert set(milvus_answer.timings_ms) >= {"normalize", "tokenize", "milvus", "fusion", "answer"}


def test_bm25_ranks_as_the_local_store_does(tmp_path, corpus, hashing_index):
    """Milvus's BM25 sees the local store's tokens; only its idf differs (Lucene's log(1 + …)
    against Okapi's), so the best chunk is the same for nearly every seed question."""
    from rag.answer.retrieve import Searcher
    from rag.ingest.documents import load_documents
    from rag.stores.uri import sync
    index, embedder = hashing_index
    store, _ = sync(parse_store(f"milvus:{tmp_path / 'r.db'}", ""), load_documents([corpus]).documents, embedder,
                    IndexSettings())
    questions = [json.loads(line)["question"] for line in (ROOT / "eval/questions/seeds.jsonl").open(encoding="utf-8")]
    same = 0
    for question in questions:
        local, milvus = (Searcher(s, embedder).search(question, "bm25", k=3).hits for s in (index, store))
        same += [(h.chunk.doc, h.chunk.start) for h in local[:1]] == [(h.chunk.doc, h.chunk.start) for h in milvus[:1]]
    assert len(questions) >= 80 and same >= 0.95 * len(questions)


def test_hybrid_mode_fuses_both_scores_on_this_engine(tmp_path, corpus):
    """Hybrid ranking is fused here, as on the local store: on Milvus 2.5's C++ engine Milvus's
    own WeightedRanker ranked a better BM25 match lower and squeezed every score together."""
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    from rag.embed.backends import HashingEmbedder
    from rag.ingest.documents import load_documents
    from rag.stores.uri import sync

    embedder = HashingEmbedder(256)
    spec = parse_store(f"milvus:{tmp_path / 'r.db'}", "")
    store, _ = sync(spec, load_documents([corpus]).documents, embedder, IndexSettings())
    searcher = Searcher(store, embedder)
    # no place named: the fused ranking as the store returns it (a place's reports would go first)
    hybrid = searcher.search("建成了多少个四级综治中心", "hybrid", k=10).hits
    bm25 = searcher.search("建成了多少个四级综治中心", "bm25", k=10).hits
    assert hybrid[0].chunk.id == bm25[0].chunk.id and "981" in hybrid[0].chunk.text
    assert all(np.isfinite(h.bm25) and h.bm25 >= 0 for h in hybrid)
    assert [h.score for h in hybrid] == sorted((h.score for h in hybrid), reverse=True)
    assert hybrid[0].score > hybrid[-1].score + 0.3   # min-max fusion spreads the pool over [0, 1]
    by_id = {h.chunk.id: h.bm25 for h in bm25}   # the BM25 a hybrid hit carries is Milvus's own
    assert all(abs(h.bm25 - by_id[h.chunk.id]) < 1e-4 for h in hybrid if h.chunk.id in by_id)
    answer = ask(searcher, "张掖市建成了多少个四级综治中心?", "hybrid")
    assert answer.answered and "981" in answer.answer


def test_incremental_add_change_delete_by_content_hash(tmp_path, corpus, capsys):
    store = f"milvus:{tmp_path / 'reports.db'}"
    assert _index(corpus, store) == 0
    capsys.readouterr()
    assert _index(corpus, store) == 0
    assert "0 added, 0 changed, 0 removed; 0 chunks embedded" in capsys.readouterr().out
    (corpus / "000_e33b01bdb0cac963.txt").unlink()
    changed = corpus / "001_bc630deb026c9c02.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("4821", "4999"), encoding="utf-8")
    (corpus / "新报告.txt").write_text("青岛市建成社区警务室88个，覆盖全部城市社区。", encoding="utf-8")
    assert _index(corpus, store) == 0
    assert "1 added, 1 changed, 1 removed" in capsys.readouterr().out
    assert main(["docs", "--store", store, "--json"]) == 0
    names = {d["doc"] for d in json.loads(capsys.readouterr().out)}
    assert "新报告.txt" in names and "000_e33b01bdb0cac963.txt" not in names and len(names) == 5
    assert main(["ask", "乐山市排查整治顽瘴痼疾多少个?", "--store", store, "--json", "--mode", "bm25"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "4999" in out["answer"] and "4821" not in out["answer"]
    assert main(["ask", "青岛市建成社区警务室多少个?", "--store", store, "--json", "--mode", "bm25"]) == 0
    assert "88" in json.loads(capsys.readouterr().out)["answer"]
    # only the new and the changed document's chunks were embedded
    assert _index(corpus, store) == 0 and "0 added, 0 changed, 0 removed" in capsys.readouterr().out


def test_store_records_what_built_it_and_refuses_a_mismatch(tmp_path, corpus, capsys):
    from rag.embed.backends import HashingEmbedder
    from rag.stores.milvus.client import MANIFEST_PROPERTY, connect, read_store_manifest
    from rag.stores.uri import open_store

    store = f"milvus:{tmp_path / 'reports.db'}"
    assert _index(corpus, store) == 0
    spec = parse_store(store, "")
    info = connect(spec).describe_collection(spec.collection)
    manifest = read_store_manifest(spec)   # from the description (a server) or the property (Milvus Lite 3)
    assert manifest in [json.loads(text) for text in (info["description"], info["properties"].get(MANIFEST_PROPERTY))
                        if text]
    assert manifest["embedder"] == {"name": "hashing:256", "dim": 256}
    assert manifest["tokenizer"] == "bigram" and manifest["vector_index"]["kind"] == "flat"
    fields = {f["name"] for f in info["fields"]}
    assert fields >= {"search_text", "text", "doc", "section", "content_hash", "paragraph_start", "start",
                      "orig_start", "dense", "sparse"}
    with pytest.raises(IndexMismatchError, match="hashing:256 .dim 256. vs requested hashing:128"):
        open_store(spec, HashingEmbedder(128))
    assert _index(corpus, store, "--chunk-size", "333") == 2
    assert "rag index --rebuild --store" in capsys.readouterr().err
    assert _index(corpus, store, "--tokenizer", "jieba") == 2
    assert "tokenizer bigram vs requested jieba" in capsys.readouterr().err
    assert _index(corpus, store, "--chunk-size", "333", "--rebuild") == 0


def test_missing_store_and_unreachable_server_give_one_line_errors(tmp_path, capsys):
    assert main(["ask", "雪亮工程", "--store", f"milvus:{tmp_path / 'none.db'}"]) == 2
    assert "no index in milvus:" in capsys.readouterr().err
    assert main(["docs", "--store", "milvus://127.0.0.1:1/reports"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot open the Milvus store milvus://127.0.0.1:1/reports") and len(err.splitlines()) == 1
    assert main(["docs", "--store", "solr://x"]) == 2
    assert "valid stores" in capsys.readouterr().err


def test_vector_index_follows_the_collection_size(tmp_path, corpus, monkeypatch):
    import rag.stores.plan
    from rag.embed.backends import HashingEmbedder
    from rag.ingest.documents import load_documents
    from rag.stores.milvus.client import read_store_manifest
    from rag.stores.uri import sync

    monkeypatch.setattr(rag.stores.plan, "FLAT_BELOW", 100)   # the seeds' 119 chunks then call for IVF
    spec = parse_store(f"milvus:{tmp_path / 'r.db'}", "")
    store, _ = sync(spec, load_documents([corpus]).documents, HashingEmbedder(256), IndexSettings())
    if lite_engine(spec) == 2:   # milvus-lite 2.5 builds no IVF_SQ8: its search stays exact
        assert store.plan.kind == "flat" and read_store_manifest(spec)["vector_index"]["kind"] == "flat"
        assert store.client.describe_index(spec.collection, "dense")["index_type"] == "FLAT"
    else:
        assert store.plan.kind == "ivf-sq8" and store.plan.lists == 11
        assert store.client.describe_index(spec.collection, "dense")["index_type"] == "IVF_SQ8"
        assert read_store_manifest(spec)["vector_index"]["kind"] == "ivf-sq8"
    from rag.answer.retrieve import Searcher
    hits = Searcher(store, HashingEmbedder(256)).search("雪亮工程监控探头", "dense", k=5).hits
    assert len(hits) == 5


def test_upload_on_the_page_goes_into_milvus(tmp_path, corpus):
    from rag.answer.retrieve import Searcher
    from rag.embed.backends import HashingEmbedder
    from rag.ingest.documents import load_documents
    from rag.stores.uri import sync
    from rag.ui.app import upload_files
    from rag.ui.state import AppState

    spec = parse_store(f"milvus:{tmp_path / 'r.db'}", "")
    store, _ = sync(spec, load_documents([corpus]).documents, HashingEmbedder(256), IndexSettings())
    state = AppState(Searcher(store, HashingEmbedder(256)), tmp_path / "ix")
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "新报告.txt").write_text("青岛市建成社区警务室88个。", encoding="utf-8")
    log, rows = upload_files(state, [incoming / "新报告.txt"])
    assert "✓ 新报告.txt" in log and len(rows) == 6
    assert "新报告.txt" in state.searcher.store.documents and len(state.searcher.store.documents) == 6


@pytest.mark.model
def test_seed_questions_pass_on_both_stores(tmp_path, e5_small, capsys):
    """The CI gate's seed thresholds, on the local store and Milvus Lite in one run."""
    gates = [f"{mode}.{metric}={value}" for mode in ("hybrid@local", "hybrid@milvus")
             for metric, value in (("hit@1", 0.97), ("answer_hit", 0.93), ("citation_ok", 0.93),
                                   ("decline_recall", 0.9), ("decline_precision", 0.75))]
    code = main(["eval", str(ROOT / "eval" / "questions" / "seeds.jsonl"), "--docs", str(SEEDS), "--modes", "hybrid",
                 "--store", "local", "--store", f"milvus:{tmp_path / 'seeds.db'}", "--reports", str(tmp_path / "r"),
                 "--json"] + [arg for gate in gates for arg in ("--fail-under", gate)])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0, summary["modes"]
    assert set(summary["modes"]) == {"hybrid@local", "hybrid@milvus"}


@pytest.mark.model
def test_milvus_declines_what_the_reports_do_not_cover(tmp_path, e5_small):
    from rag.answer.extract import ask
    from rag.answer.retrieve import Searcher
    from rag.ingest.documents import load_documents
    from rag.stores.uri import sync

    spec = parse_store(f"milvus:{tmp_path / 'r.db'}", "")
    store, _ = sync(spec, load_documents([SEEDS]).documents, e5_small, IndexSettings())
    searcher = Searcher(store, e5_small)
    assert not ask(searcher, "成都市2023年GDP是多少?").answered
    assert not ask(searcher, "北京冬奥会的吉祥物叫什么名字?").answered
    answer = ask(searcher, "雪亮工程建成了多少监控探头?")
    assert answer.answered and "4.2万" in answer.answer
    weights = store.word_weights(["雪亮", "吉祥物"])
    assert weights[1] > weights[0]   # absent from every report: weighs most


def test_the_page_answers_from_a_milvus_store(tmp_path):
    import html

    from gradio_client import Client

    from rag.answer.retrieve import Searcher
    from rag.embed.backends import HashingEmbedder
    from rag.stores.uri import build_store
    from rag.ui.server import create_server
    from rag.ui.state import AppState

    embedder = HashingEmbedder(256)
    store, report = build_store(parse_store(f"milvus:{tmp_path / 'r.db'}", ""), [SEEDS], embedder)
    assert report.documents == 5 and store.kind == "milvus"
    state = AppState(Searcher(store, embedder), tmp_path / "ix")
    with Running(create_server(state)) as url:
        history, citations, *_ = Client(url, verbose=False).predict(
            "荣昌区建成视频监控多少个?", "bm25", 5, "原文", [], "全部", "全部", api_name="/ask")
        assert "16535" in html.unescape(str(history[-1]["content"]))
        assert "cite-1-1" in citations and "16535" in html.unescape(citations)
        # the filter reaches Milvus: only 达州's reports are searched
        answer = state.searcher.search("视频监控", "bm25", 5, only=frozenset({"000_e33b01bdb0cac963.txt"}))
        assert answer.hits and {h.chunk.doc for h in answer.hits} == {"000_e33b01bdb0cac963.txt"}


def test_document_frequencies_stay_exact_through_updates(tmp_path, corpus):
    from rag.embed.backends import HashingEmbedder
    from rag.ingest.documents import load_documents
    from rag.stores.milvus.client import bm25_terms, chunk_terms, terms_collection
    from rag.stores.uri import sync
    from rag.text.normalize import normalize
    from rag.text.tokens import bigram_tokens

    embedder = HashingEmbedder(256)
    updated = parse_store(f"milvus:{tmp_path / 'a.db'}", "")
    sync(updated, load_documents([corpus]).documents, embedder, IndexSettings())
    (corpus / "000_e33b01bdb0cac963.txt").unlink()
    changed = corpus / "001_bc630deb026c9c02.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("顽瘴痼疾", "陈年积弊"), encoding="utf-8")
    (corpus / "新报告.txt").write_text("青岛市建成社区警务室88个，雪亮工程覆盖全部城市社区。", encoding="utf-8")
    store, _ = sync(updated, load_documents([corpus]).documents, embedder, IndexSettings())
    fresh, _ = sync(parse_store(f"milvus:{tmp_path / 'b.db'}", ""), load_documents([corpus]).documents, embedder,
                    IndexSettings())

    def table(s):
        return {r["term"]: r["df"] for r in s.iterate(terms_collection(s.spec), "df > 0", ["term", "df"])}

    texts = [row["search_text"] for row in store.iterate(store.spec.collection, "", ["search_text"])]
    assert len(texts) == len(store.chunks)
    assert table(store) == table(fresh) == Counter(t for text in texts for t in chunk_terms(text))
    assert "陈年" in table(store)
    expected = sum("雪亮" in chunk_terms(t) for t in texts)
    assert store.term_frequencies(["雪亮", "没有这个词"]) == {"雪亮": expected} and expected >= 3
    # the local store's tokens, a figure's point kept inside its one term
    assert bm25_terms(bigram_tokens(normalize("監控3.2萬"))) == ["监", "控", "监控", "z332e32", "万"]


def test_a_damaged_or_foreign_manifest_is_refused(tmp_path, corpus, capsys):
    from rag.errors import IndexError_
    from rag.stores.milvus.client import MANIFEST_PROPERTY, connect
    from rag.stores.uri import open_store

    store = f"milvus:{tmp_path / 'reports.db'}"
    spec = parse_store(store, "")
    if lite_engine(spec) == 2:
        pytest.skip("milvus-lite 2.5 cannot alter a collection (AlterCollection is unimplemented), so its "
                    "manifest, in the description, cannot be changed after it is written")
    assert _index(corpus, store) == 0
    client = connect(spec)
    manifest = json.loads(client.describe_collection(spec.collection)["properties"][MANIFEST_PROPERTY])
    client.alter_collection_properties(spec.collection, properties={MANIFEST_PROPERTY: json.dumps(
        dict(manifest, embedder="e5"))})
    with pytest.raises(IndexError_, match="damaged .embedder or vector_index.*--rebuild"):
        open_store(spec)
    client.alter_collection_properties(spec.collection, properties={MANIFEST_PROPERTY: "{not json"})
    with pytest.raises(IndexError_, match="not built by rag"):
        open_store(spec)
    client.alter_collection_properties(spec.collection, properties={MANIFEST_PROPERTY: json.dumps(
        dict(manifest, format_version=99))})
    with pytest.raises(IndexMismatchError, match="store format 99"):
        open_store(spec)


def test_a_second_process_on_the_same_lite_folder_is_told_why(tmp_path, corpus):
    import subprocess
    import sys

    store = f"milvus:{tmp_path / 'reports.db'}"
    assert _index(corpus, store) == 0   # this process now holds the folder, as `rag serve` would
    other = subprocess.run([sys.executable, "-m", "rag.cli", "docs", "--store", store], capture_output=True,
                           text=True, timeout=120)
    assert other.returncode == 2, other.stderr
    assert "open in another process" in other.stderr and len(other.stderr.strip().splitlines()) == 1


def test_another_holder_is_seen_without_touching_our_own_lock(tmp_path):
    """milvus-lite 2.5's lock (lockf on .NAME.lock) held by another process counts; held by this
    process it does not, and asking must not release it (its server stops when the lock goes)."""
    import fcntl
    import subprocess
    import sys

    from rag.stores.milvus.client import _held_elsewhere

    db = tmp_path / "reports.db"
    assert not _held_elsewhere(db)   # no lock file: nobody holds it
    lock_file = tmp_path / ".reports.db.lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time; f = open(sys.argv[1], 'a'); fcntl.lockf(f, fcntl.LOCK_EX); "
        "print('held', flush=True); time.sleep(60)"), str(lock_file)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert _held_elsewhere(db)
    finally:
        holder.kill()
        holder.wait()
    with open(lock_file, "a") as ours:
        fcntl.lockf(ours, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert not _held_elsewhere(db)
        still_ours = subprocess.run([sys.executable, "-c", (
            "import fcntl, sys; f = open(sys.argv[1], 'a')\n"
            "try:\n    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    print('busy')"),
            str(lock_file)], capture_output=True, text=True)
        assert still_ours.stdout.strip() == "busy"   # asking left our lock in place
