"""Feedback kept append-only in the index folder, and 👎 with a correction exported as a
question set that ``rag eval`` loads."""
import json

import pytest

from rag.cli import main
from rag.errors import QueryError
from rag.evaluate.feedback import FEEDBACK_FILE, Feedback, read_feedback, record_feedback, regression_questions
from rag.evaluate.questions import load_jsonl_questions


def test_feedback_round_trip_and_export(tmp_path, capsys):
    record_feedback(tmp_path, Feedback("荣昌区建成视频监控多少个?", "16535个[1]", "up", (("004.txt", 12),)))
    record_feedback(tmp_path, Feedback("张掖市建成了多少个四级综治中心?", "9个[1]", "down", (("003.txt", 4),),
                                       note="数字不对", correction="981个"))
    record_feedback(tmp_path, Feedback("达州市有多少网格员?", "资料中没有找到可靠答案", "down"))   # no correction
    with open(tmp_path / FEEDBACK_FILE, "a", encoding="utf-8") as f:
        f.write('{"question": "torn')   # a crash mid-line
    feedback, bad = read_feedback(tmp_path)
    assert [f.verdict for f in feedback] == ["up", "down", "down"] and bad == 1
    assert feedback[1].citations == (("003.txt", 4),) and feedback[1].time
    rows = regression_questions(feedback)
    assert [(r["question"], r["answers"]) for r in rows] == [("张掖市建成了多少个四级综治中心?", ["981个"])]
    out = tmp_path / "regressions.jsonl"
    assert main(["feedback", "export", "--index", str(tmp_path), "--out", str(out)]) == 0
    assert "1 question(s) from 3 feedback entries (2 👎); 1 unreadable" in capsys.readouterr().err
    questions = load_jsonl_questions(out)
    assert questions[0].answers == ("981个",) and "数字不对" in json.loads(out.read_text(encoding="utf-8"))["note"]


def test_bad_feedback_is_refused():
    with pytest.raises(QueryError, match="verdict must be one of up, down"):
        Feedback("q", "a", "meh")
    with pytest.raises(QueryError, match="needs the question"):
        Feedback(" ", "a", "up")
    with pytest.raises(QueryError, match="'note' is over"):
        Feedback("q", "a", "up", note="长" * 5000)


def test_feedback_that_cannot_be_written_is_a_clear_error(tmp_path):
    from rag.errors import StorageError
    with pytest.raises(StorageError, match="反馈未能写入 .*feedback.jsonl.*请检查索引文件夹是否可写"):
        record_feedback(tmp_path / "no-such-folder", Feedback("q", "a", "up"))
