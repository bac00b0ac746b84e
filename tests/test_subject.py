"""What each report is about: detected for the five seeds, overridden by a sidecar file,
kept through saving and loading the index, shown by rag docs."""
import json

import pytest

from rag.cli import main
from rag.errors import DocumentError
from rag.ingest.chunking import ChunkSettings
from rag.ingest.documents import load_documents, read_document
from rag.ingest.prepare import prepare

from helpers import SEEDS

EXPECTED = {"000": ("达州市", ("四川省", "达州市")), "001": ("乐山市", ("四川省", "乐山市")),
            "002": ("达州市", ("四川省", "达州市")), "003": ("张掖市", ("甘肃省", "张掖市")),
            "004": ("荣昌区", ("重庆市", "荣昌区"))}


@pytest.fixture(scope="module")
def seed_subjects():
    prepared = prepare(load_documents([SEEDS]).documents, ChunkSettings())
    return {name[:3]: doc.subject for name, doc in prepared.documents.items()}


def test_seed_subjects(seed_subjects):
    assert {k: (s.place, s.path) for k, s in seed_subjects.items()} == EXPECTED
    assert all(s.source == "detected" for s in seed_subjects.values())
    assert seed_subjects["003"].years[0] == 2022 and seed_subjects["003"].body == "市委政法委"
    # 002 states no year of its own; the dateline cleaning removes (2020-10-27 13:20:05 来源:…) dates it
    assert seed_subjects["002"].years == (2020,) and seed_subjects["000"].years == ()


def test_a_sidecar_overrides_title_place_and_year(tmp_path):
    report = tmp_path / "青川县报告.txt"
    report.write_text("今年以来，我县政法机关化解矛盾纠纷2376件。\n", encoding="utf-8")
    (tmp_path / "青川县报告.meta.json").write_text(json.dumps({"title": "青川县2024年政法工作报告", "place": "青川县",
                                                              "year": 2024}, ensure_ascii=False), encoding="utf-8")
    doc = read_document(report)
    subject = prepare([doc], ChunkSettings()).documents[doc.name].subject
    assert doc.title == "青川县2024年政法工作报告"
    assert (subject.places, subject.path, subject.years, subject.source) == \
        (("青川县",), ("四川省", "广元市", "青川县"), (2024,), "sidecar")
    without = tmp_path / "b" / "青川县报告.txt"
    without.parent.mkdir()
    without.write_bytes(report.read_bytes())
    assert read_document(without).sha256 != doc.sha256   # editing the sidecar re-indexes the report


@pytest.mark.parametrize("content, message", [("{", "not valid JSON"), ('{"place": 3}', "field 'place'"),
                                              ('{"year": "去年"}', "field 'year'"), ('{"city": "x"}', "unknown field")])
def test_a_bad_sidecar_names_the_file_and_field(tmp_path, content, message):
    (tmp_path / "r.txt").write_text("今年以来，我县化解矛盾纠纷2376件。\n", encoding="utf-8")
    (tmp_path / "r.meta.json").write_text(content, encoding="utf-8")
    with pytest.raises(DocumentError, match=f"r.meta.json.*{message}"):
        read_document(tmp_path / "r.txt")


def test_subjects_survive_the_index_and_rag_docs_shows_them(tmp_path, capsys):
    assert main(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--embedder", "hashing"]) == 0
    capsys.readouterr()
    assert main(["docs", "--index", str(tmp_path / "ix"), "--json"]) == 0
    rows = {r["doc"][:3]: r["subject"] for r in json.loads(capsys.readouterr().out)}
    assert {k: (s["places"][0], tuple(s["path"])) for k, s in rows.items()} == EXPECTED
    assert main(["docs", "--index", str(tmp_path / "ix")]) == 0
    assert "重庆市 › 荣昌区" in capsys.readouterr().out
