import json
import math
from pathlib import Path

import pytest

from rag.cli import main
from rag.errors import ConfigError, DocumentError
from rag.evaluate.questions import load_jsonl_questions, load_question_set
from rag.evaluate.scoring import QuestionResult, check_thresholds, parse_thresholds, summarize
from rag.text.normalize import normalize

from helpers import ROOT, SEEDS

SEED_SET = ROOT / "eval" / "questions" / "seeds.jsonl"


def test_seed_question_set_evidence_is_in_the_cleaned_reports(cleaned_seeds):
    docs = {d.document.name: d for d in cleaned_seeds.values()}
    questions = load_jsonl_questions(SEED_SET)
    for q in questions:
        if q.evidence:
            assert q.evidence in docs[q.doc].text, q.id
            assert any(normalize(a) in normalize(q.evidence) for a in q.answers), q.id
    assert len(questions) >= 60
    assert sum(not q.answers for q in questions) >= 8
    assert sum(q.doc is None and bool(q.answers) for q in questions) >= 2  # answers spanning reports
    traditional = [q for q in questions if normalize(q.question) != q.question.replace("，", ",")]
    assert len(traditional) >= 5 and len({q.doc for q in questions if q.doc}) == 5


def _result(id, rank, answerable=True, answered=True, answer_hit=True, doc="a.txt"):
    return QuestionResult(id, "hybrid", "q", doc, answerable, rank, (), answered, "", (), None,
                          answer_hit if answerable else None, None, {"total": 10.0})


def test_metrics_hand_worked():
    results = [_result("1", 1), _result("2", 3), _result("3", None, answer_hit=False),
               _result("4", None, answerable=False, answered=False, doc=None),
               _result("5", 2, answered=False, answer_hit=False)]
    m = summarize(results, ["hybrid"])["modes"]["hybrid"]
    assert m["hit@1"] == 0.25 and m["hit@5"] == 0.75
    assert m["mrr@10"] == round((1 + 1 / 3 + 0 + 1 / 2) / 4, 4)
    assert m["ndcg@10"] == round((1 + 1 / math.log2(4) + 1 / math.log2(3)) / 4, 4)
    assert m["answer_hit"] == 0.5  # 2 of the 4 answerable
    assert m["decline_precision"] == 0.5 and m["decline_recall"] == 1.0  # one right, one wrong decline


def test_leads_and_how_often_they_are_right():
    from dataclasses import replace
    from rag.evaluate.scoring import lead_right
    assert lead_right("科尔特斯", ["埃尔南·科尔特斯"]) and lead_right("1949年", ["1949"])
    assert lead_right("4.2萬余個", ["4.2万余个"])   # script and width do not matter
    assert not lead_right("明世宗", ["卢靖妃"])
    results = [replace(_result("1", 1), lead_ok=True), replace(_result("2", 1), lead_ok=False), _result("3", 1),
               _result("4", 1, answered=False, answer_hit=False)]
    m = summarize(results, ["hybrid"])["modes"]["hybrid"]
    assert m["leads"] == round(2 / 3, 4)   # of the 3 answered, 2 lead with a figure, date or name
    assert m["lead_right"] == 0.5


def test_thresholds():
    summary = {"modes": {"hybrid": {"hit@1": 0.9}}}
    assert check_thresholds(summary, parse_thresholds(["hybrid.hit@1=0.85"])) == []
    assert "under" in check_thresholds(summary, parse_thresholds(["hybrid.hit@1=0.95"]))[0]
    assert "not measured" in check_thresholds(summary, parse_thresholds(["dense.hit@1=0.5"]))[0]
    with pytest.raises(ConfigError, match="MODE.METRIC=NUMBER"):
        parse_thresholds(["hit@1>0.9"])


def test_bad_question_files_name_line_and_field(tmp_path):
    bad = tmp_path / "q.jsonl"
    bad.write_text('{"id": "1", "question": "雪亮工程?", "answers": []}\n{"id": 2, "question": "x", "answers": []}\n',
                   encoding="utf-8")
    with pytest.raises(DocumentError, match="q.jsonl: line 2: field 'id'"):
        load_jsonl_questions(bad)
    with pytest.raises(DocumentError, match=".jsonl"):
        load_question_set(tmp_path / "q.csv")


def test_squad_files_become_documents_and_questions(tmp_path):
    squad = {"data": [{"paragraphs": [{"context": "張掖市建成綜治中心981個。", "qas": [
        {"id": "q1", "question": "張掖建成多少綜治中心？", "answers": [{"text": "981個", "answer_start": 9}]}]}]}]}
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(squad, ensure_ascii=False), encoding="utf-8")
    questions, documents = load_question_set(path)
    assert questions[0].doc == documents[0].name and questions[0].answers == ("981個",)


def test_rag_eval_writes_a_report_and_gates(tmp_path, capsys):
    args = ["eval", str(SEED_SET), "--docs", str(SEEDS), "--embedder", "hashing", "--limit", "12",
            "--reports", str(tmp_path), "--json"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["n"] == 12 and set(summary["modes"]) == {"hybrid", "bm25", "dense"}
    assert {"hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10", "answer_hit", "citation_ok", "decline_precision",
            "decline_recall", "latency_ms_p50", "latency_ms_p95"} <= set(summary["modes"]["bm25"])
    folder = Path(summary["report"])
    for name in ("results.jsonl", "summary.json", "summary.md", "hit_at_k.png", "latency.png"):
        assert (folder / name).stat().st_size > 0
    assert len((folder / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 36
    assert main(args[:-1] + ["--modes", "bm25", "--fail-under", "bm25.hit@1=1.01"]) == 1
    assert "below threshold: bm25.hit@1" in capsys.readouterr().err


def test_ctrl_c_leaves_partial_results(tmp_path, capsys, monkeypatch):
    import rag.evaluate.scoring
    real, calls = rag.evaluate.scoring.score_question, []

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(rag.evaluate.scoring, "score_question", interrupted)
    code = main(["eval", str(SEED_SET), "--docs", str(SEEDS), "--embedder", "hashing", "--modes", "bm25",
                 "--reports", str(tmp_path), "--json", "--chunk-size", "300", "--dense-weight", "0.5"])
    assert code == 130
    summary = json.loads(capsys.readouterr().out)
    assert summary["interrupted"] is True and summary["n"] == 4
    folder = Path(summary["report"])
    assert len((folder / "results.jsonl").read_text(encoding="utf-8").splitlines()) == 4
    assert "(interrupted)" in (folder / "summary.md").read_text(encoding="utf-8")


def test_a_bad_question_is_an_error_row_not_the_end_of_the_batch(tmp_path, capsys):
    questions = tmp_path / "q.jsonl"
    rows = [{"id": "a", "question": "张掖市建成了多少个四级综治中心?", "answers": ["981"]},
            {"id": "b", "question": "   ", "answers": []},
            {"id": "c", "question": "那达州呢?", "previous": "张掖市建成了多少个四级综治中心?", "answers": []}]
    questions.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert main(["eval", str(questions), "--docs", str(SEEDS), "--embedder", "hashing", "--modes", "bm25",
                 "--reports", str(tmp_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    m = summary["modes"]["bm25"]
    assert m["errors"] == 1 and m["n"] == 2 and m["answer_hit"] == 1.0 and m["scope_errors"] == 0
    results = [json.loads(line) for line in (Path(summary["report"]) / "results.jsonl").open(encoding="utf-8")]
    assert "问题为空" in results[1]["error"] and results[2]["asked"] == "达州建成了多少个四级综治中心?"



def test_a_question_is_scored_with_the_sentence_scorer_given(hashing_index):
    # eval/fit_sentence_scorer.py --answer-hit answers each question with a scorer fitted without its fold
    from rag.answer.retrieve import Searcher
    from rag.answer.sentences import default_scorer
    from rag.evaluate.questions import EvalQuestion
    from rag.evaluate.scoring import score_question

    class Recording:
        def __init__(self):
            self.shipped, self.asked = default_scorer(), []
            self.extra_ratio = self.shipped.extra_ratio

        def ranked(self, candidates, *args):
            self.asked.append(len(candidates))
            return self.shipped.ranked(candidates, *args)

    scorer = Recording()
    q = EvalQuestion("a", "张掖市建成了多少个四级综治中心?", ("981",))
    assert score_question(Searcher(*hashing_index), q, "bm25", scorer=scorer).answer_hit
    assert scorer.asked and scorer.asked[0] >= 1
