"""How the IVF settings were chosen: recall@10 against exact search, and dense search latency,
for probe/re-score pairs on the corpora of `rag bench search`.

    python3 eval/ivf_sweep.py --size 100000 --settings 32:1000,48:1000,64:1000,96:1000,64:300
    python3 eval/ivf_sweep.py --size 1000000 --settings 62:1000,62:300,100:300,125:300

The index is built as `rag bench search` builds it (same corpus, seed and questions); its IVF
index is then searched with each "probe:rescore" pair, one thread, as the product does."""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import numpy as np

    from rag.bench.search import setup_work
    from rag.bench.workers import build_worker, exact_neighbours, recall_at_10
    from rag.embed.registry import get_embedder
    from rag.stores.local.ann import VectorSearch
    from rag.stores.plan import VectorPlan

    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000, help="corpus size in chunks")
    parser.add_argument("--settings", default="32:1000,48:1000,64:1000,96:1000,64:300,96:300")
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    seed = 0   # as rag bench search's default
    with tempfile.TemporaryDirectory(prefix="rag-ivf-sweep-") as tmp:
        work = Path(tmp)
        noise = setup_work(work, args.bench_dir, seed=seed, questions=args.questions)["noise"]
        built = build_worker(str(work), args.size, seed, noise["sigma"], None)
        print(f"{built['chunks']} chunks, {built['vector_index']}", file=sys.stderr)
        embedder = get_embedder("e5-small")
        from rag.stores.local.commit import merge_local, open_local
        store = open_local(work / f"index-{args.size}", embedder)
        index = (merge_local(store, embedder, everything=True) or store).index.segments[0]   # one IVF to sweep
        questions = [q["question"] for q in json.loads((work / "questions.json").read_text(encoding="utf-8"))]
        qvecs = np.ascontiguousarray(embedder.embed_queries(questions), dtype=np.float32)
        dim = index.vectors.shape[1]
        _, truth = exact_neighbours(index.vectors, dim, qvecs)
        lists = index.dense.plan.lists
        for setting in args.settings.split(","):
            probe, rescore = (int(x) for x in setting.split(":"))
            search = VectorSearch(VectorPlan("ivf-sq8", lists, probe, rescore), index.vectors, dim, index.dense.ivf)
            recall, times = recall_at_10(search.search, qvecs, truth, pool=50)   # the pool a hybrid ask asks for
            print(f"{built['chunks']} chunks, {lists} lists, probe {probe}, re-score {rescore}: recall@10 "
                  f"{recall:.4f}, dense search p50 {np.percentile(times, 50):.2f} ms "
                  f"p95 {np.percentile(times, 95):.2f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
