"""Why the Milvus store fuses hybrid scores itself: what Milvus's own ``WeightedRanker`` makes of
BM25 and cosine scores on the installed engine.

    python3 eval/milvus_weighted_ranker.py [--store milvus:/tmp/ranker/seeds.db]

Indexes the seed reports (if the store is empty), then for one question prints the top-5 BM25
and cosine scores and the scores ``hybrid_search`` gives with the weights (0, 1) (BM25 only) and
(1, 0) (cosine only), beside 2/π·arctan(bm25) and 1 − 2/π·arctan(bm25). Run it with Milvus Lite 3
and from a venv with milvus-lite 2.5.1 (README: Milvus engines and clients tested)."""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTION = "张掖市建成了多少个四级综治中心"


def main() -> int:
    from importlib.metadata import version

    from rag.embed.registry import get_embedder
    from rag.errors import IndexMissingError
    from rag.ingest.documents import load_documents
    from rag.stores.milvus.client import bm25_terms, pymilvus_module
    from rag.stores.base import IndexSettings
    from rag.stores.uri import open_store, parse_store, sync
    from rag.text.normalize import normalize
    from rag.text.tokens import get_tokenizer, query_text

    parser = argparse.ArgumentParser()
    parser.add_argument("--store", default="milvus:/tmp/ranker/seeds.db")
    args = parser.parse_args()
    pymilvus = pymilvus_module()
    embedder = get_embedder()
    spec = parse_store(args.store, "")
    try:
        store = open_store(spec, embedder)
    except IndexMissingError:
        store, _ = sync(spec, load_documents([ROOT / "seeds"]).documents, embedder, IndexSettings())
    vector = embedder.embed_queries([QUESTION])[0].tolist()
    # what the store sends Milvus's BM25: the question's tokens, as its chunks' (client.bm25_terms)
    terms = " ".join(bm25_terms(get_tokenizer(store.settings.tokenizer)(query_text(normalize(QUESTION)))))
    client, name = store.client, spec.collection
    dense = dict(data=[vector], anns_field="dense", param={"metric_type": "COSINE", "params": {}}, limit=5)
    sparse = dict(data=[terms], anns_field="sparse", param={"metric_type": "BM25"}, limit=5)
    print(f"milvus-lite {version('milvus-lite')}, pymilvus {version('pymilvus')}; question {QUESTION}")
    bm25 = client.search(name, data=[terms], anns_field="sparse", search_params={"metric_type": "BM25"}, limit=5)[0]
    print("BM25 (magnitude)   ", [round(abs(h["distance"]), 3) for h in bm25])
    print("2/π·arctan(BM25)   ", [round(2 / math.pi * math.atan(abs(h["distance"])), 4) for h in bm25])
    print("1 − 2/π·arctan(BM25)", [round(1 - 2 / math.pi * math.atan(abs(h["distance"])), 4) for h in bm25])
    cosine = client.search(name, data=[vector], anns_field="dense", search_params={"metric_type": "COSINE"}, limit=5)[0]
    print("cosine             ", [round(h["distance"], 4) for h in cosine])
    bm25_rank = {h["id"]: i + 1 for i, h in enumerate(bm25)}
    for weights in ((0.0, 1.0), (1.0, 0.0), (0.4, 0.6)):
        fused = client.hybrid_search(name, [pymilvus.AnnSearchRequest(**dense), pymilvus.AnnSearchRequest(**sparse)],
                                     pymilvus.WeightedRanker(*weights, norm_score=True), limit=5)[0]
        print(f"WeightedRanker{weights}", [round(float(h["distance"]), 4) for h in fused],
              "their BM25 ranks", [bm25_rank.get(h["id"], "-") for h in fused])
    return 0


if __name__ == "__main__":
    sys.exit(main())
