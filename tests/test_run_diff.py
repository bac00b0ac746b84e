"""What changed between two rag eval runs (eval/run_diff.py), answer by answer."""
import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("run_diff", ROOT / "eval" / "run_diff.py")
run_diff = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(run_diff)


def _row(qid, answer, answered=True, hit=True):
    return {"id": qid, "question": "荣昌一共有几个司法所?", "answer": answer, "answered": answered, "answer_hit": hit}


def test_each_kind_of_change():
    lead = "21个。实现了21个司法所小所2人、大所3人目标;[1]"
    assert run_diff.change(_row("a", lead), _row("a", lead)) == ""
    assert run_diff.change(_row("a", "资料中没有找到可靠答案", False, False), _row("a", lead)) == "answered"
    assert run_diff.change(_row("a", lead), _row("a", "资料中没有找到可靠答案", False, False)) == "declined"
    assert run_diff.change(_row("a", "3个。按照年度规划…司法所3个。[1]"), _row("a", lead)) == "first"
    assert run_diff.change(_row("a", lead), _row("a", lead + "新改建司法所5个。[2]")) == "more"
    assert run_diff.change(_row("a", lead + "新改建司法所5个。[2]"), _row("a", lead)) == "fewer"


def test_two_report_folders_are_compared(tmp_path, capsys, monkeypatch):
    for name, answer in (("before", "3个。司法所3个。[1]"), ("after", "21个。21个司法所。[1]")):
        (tmp_path / name).mkdir()
        rows = [_row("a", answer, hit=name == "after"), _row("b", "同一个回答。[1]")]
        (tmp_path / name / "results.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows),
                                                       encoding="utf-8")
    monkeypatch.setattr("sys.argv", ["run_diff.py", str(tmp_path / "before"), str(tmp_path / "after")])
    assert run_diff.main() == 0
    out = capsys.readouterr().out
    assert "answers differing: 1 of 2" in out and "'first': 1" in out and "'now hit': 1" in out
