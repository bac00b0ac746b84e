import json

import pytest

from rag.errors import DocumentError
from rag.ingest.squad import load_squad


def test_each_paragraph_is_a_document_titled_with_its_article(tmp_path):
    path = tmp_path / "drcd_mini.json"
    path.write_text(json.dumps({"data": [{"title": "蘇伊士運河", "paragraphs": [
        {"context": "運河全長193.3公里，連通地中海與紅海。",
         "qas": [{"id": "1-1", "question": "蘇伊士運河全長多少公里？", "answers": [{"text": "193.3公里", "answer_start": 4}]}]},
        {"context": "1869年11月17日，運河通航。", "qas": []}]}]}, ensure_ascii=False), encoding="utf-8")
    documents, questions = load_squad(path)
    assert [(d.name, d.title) for d in documents] == [("drcd_mini-0000-00", "蘇伊士運河"), ("drcd_mini-0000-01", "蘇伊士運河")]
    assert questions[0].doc == "drcd_mini-0000-00" and questions[0].answers == ("193.3公里",)


def test_a_file_that_is_not_squad_names_itself(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"版本": 1}', encoding="utf-8")
    with pytest.raises(DocumentError, match="broken.json"):
        load_squad(path)
