"""Speed-ups of the torch path that were tried and rejected: speed and DRCD dense hit@1.

    python3 eval/embed_variants.py [--limit 0]

Variants of the converted e5-small run by sentence-transformers/torch: fp32 (as shipped as
e5-small-torch), int8 dynamic quantization of the feed-forward Linear layers, and
torch.compile. Speed on the `rag bench embed` sample; quality = dense hit@1 on DRCD-dev."""
from __future__ import annotations

import argparse
import copy
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    import numpy as np
    import torch

    from rag.answer.retrieve import Searcher
    from rag.bench.quality import ranks_of_gold, retrieval_metrics, token_counts
    from rag.embed.base import embed_in_batches
    from rag.embed.registry import get_embedder
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import build_from_documents

    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="DRCD questions (0 = all)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    docs, questions = load_squad(ROOT.parent / "shared" / "bench" / "drcd_dev.json")
    questions = questions[:args.limit] if args.limit else questions
    rng = np.random.default_rng(0)
    shuffled = [docs[i].text for i in rng.permutation(len(docs))]
    sample = [t for t, n in zip(shuffled, token_counts(shuffled)) if n <= 512][:64]
    tokens = sum(token_counts(sample))

    def ffn_int8(embedder):
        bert = embedder._model[0].auto_model
        names = {n for n, m in bert.named_modules() if isinstance(m, torch.nn.Linear)
                 and ("intermediate" in n or ("output.dense" in n and "attention" not in n))}
        torch.ao.quantization.quantize_dynamic(bert, names, dtype=torch.qint8, inplace=True)

    def compiled(embedder):
        embedder._model[0].auto_model = torch.compile(embedder._model[0].auto_model, dynamic=True)

    base = get_embedder("e5-small-torch")
    for label, change in (("fp32", None), ("int8 FFN", ffn_int8), ("torch.compile", compiled)):
        embedder = copy.deepcopy(base)
        if change:
            change(embedder)
        embedder.name = f"e5-small-torch/{label}"  # its own vectors: no cache sharing
        embedder.embed_passages(sample[:4])
        t0 = time.perf_counter()
        embedder.embed_passages(sample)
        speed = tokens / (time.perf_counter() - t0)
        index, _ = build_from_documents(docs, embedder, IndexSettings())
        qvecs = embed_in_batches(embedder.embed_queries, [q.question for q in questions], embedder.dim)
        hit1 = retrieval_metrics(ranks_of_gold(Searcher(index, embedder), questions, "dense", qvecs))["R@1"]
        print(f"{label:<14} {speed:7.0f} tokens/s   DRCD dense hit@1 {hit1:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
