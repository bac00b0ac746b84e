import json

from rag.cli import main

from helpers import SEEDS


def _index(tmp_path, *extra):
    return main(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--embedder", "hashing", *extra])


def test_index_ask_docs(tmp_path, capsys):
    assert _index(tmp_path) == 0
    assert "indexed 5 documents" in capsys.readouterr().out
    assert main(["ask", "乐山市排查整治顽瘴痼疾多少个?", "--index", str(tmp_path / "ix"), "--json", "--mode", "bm25"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"question", "answered", "answer", "citations", "mode", "timings_ms", "confidence", "scope",
                        "signals", "span"}
    assert out["scope"] == {"answer_type": "quantity", "places": ["乐山市"], "years": []}
    assert out["answered"] and out["answer"].startswith("4821个。")
    span = out["span"]
    assert span["text"] == "4821个" and span["citation"] == 1
    assert (SEEDS / out["citations"][0]["doc"]).read_text(encoding="utf-8")[span["start"]:span["end"]] == "4821个"
    assert set(out["citations"][0]) == {"n", "doc", "place", "section", "paragraph", "page", "text", "start", "end"}
    assert out["citations"][0]["place"] == "乐山市 2022"
    assert out["citations"][0]["doc"] == "001_bc630deb026c9c02.txt"
    assert main(["docs", "--index", str(tmp_path / "ix"), "--json"]) == 0
    docs = {d["doc"][:3]: d for d in json.loads(capsys.readouterr().out)}
    assert sum(r["kind"] == "pinyin" for r in docs["003"]["removed"]) == 153
    assert main(["docs", "--index", str(tmp_path / "ix")]) == 0
    assert "office365" in capsys.readouterr().out


def test_reindex_reports_changes_and_keeps_settings(tmp_path, capsys):
    assert _index(tmp_path) == 0
    capsys.readouterr()
    assert main(["index", str(SEEDS), "--index", str(tmp_path / "ix")]) == 0  # embedder taken from the index
    assert "0 added, 0 changed, 0 removed; 0 chunks embedded" in capsys.readouterr().out
    assert main(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--chunk-size", "333"]) == 2
    assert "rag index --rebuild" in capsys.readouterr().err
    assert main(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--chunk-size", "333", "--rebuild"]) == 0


def test_errors_are_one_line_with_exit_codes(tmp_path, capsys):
    assert main(["ask", "雪亮工程", "--index", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: no index") and err.count("\n") == 1
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n\x00")
    assert main(["index", str(SEEDS), str(bad), "--index", str(tmp_path / "ix"), "--embedder", "hashing"]) == 1
    err = capsys.readouterr().err
    assert "skipped" in err and "bad.txt" in err
    assert main(["index", str(bad), "--index", str(tmp_path / "ix2"), "--embedder", "hashing"]) == 2
    assert main(["index", str(SEEDS), "--index", str(tmp_path / "ix3"), "--embedder", "word2vec"]) == 2
    assert "valid names" in capsys.readouterr().err
