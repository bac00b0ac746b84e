"""Faster embedding, measured against quality: every variant's speed beside today's default in
the same run, and its retrieval on both bench sets.

    python3 eval/embed_variants.py [--runtime onnx|torch|both] [--limit 0] [--rounds 3] [--speed-only]

ONNX variants of the converted e5-small, against the default graph before fusion (SDPA
attention traced, unfused; the ratios are to it):
- the fused graph (eager attention traced, then ONNX Runtime's transformer optimizer:
  rag.embed.e5_convert.fuse_layers), the default ``e5-small``, in batches of 4 and 16;
- int8: ONNX Runtime dynamic quantization, per output channel, of the fused graph's MatMul and
  Attention weights with each layer's feed-forward output MatMul left in fp32 (what
  ``e5-small-int8`` ships) and of all of them; and of the unfused graph's MatMuls (what
  ``e5-small-int8`` was before).
torch variants (the ``e5-small-torch`` path): fp32, int8 dynamic quantization of the feed-forward
Linear layers, torch.compile.
Speed: tokens/s on the `rag bench embed` sample (64 DRCD paragraphs that fit 512 tokens), best
of ``--rounds`` rounds that visit the variants in turn, and the ratio to ``fp32 b4`` in this run.
Quality: cosine to the fp32 vectors on that sample, and dense and hybrid hit@1 on CMRC2018-dev
and DRCD-dev (each variant embeds both sets once; the embedding cache keeps them by variant)."""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SETS = ("cmrc2018_dev", "drcd_dev")


def onnx_variants() -> list[tuple[str, object]]:
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from rag.embed.backends import OnnxEmbedder
    from rag.embed.base import DEFAULT_EMBEDDER
    from rag.embed.e5_convert import ensure_converted, ensure_int8, export_onnx, ffn_output_matmuls

    folder = ensure_converted()
    fused = folder / "onnx" / "model.onnx"
    unfused = folder / "onnx" / "variant-unfused-sdpa.onnx"   # the default graph before fusion
    if not unfused.is_file():
        export_onnx(folder, unfused, attention="sdpa")

    def quantized(label: str, source: Path, ops: list[str], per_channel: bool, exclude=()) -> Path:
        target = folder / "onnx" / f"variant-{label}.onnx"
        if not target.is_file():
            quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=per_channel,
                             op_types_to_quantize=ops, nodes_to_exclude=list(exclude),
                             extra_options={"DefaultTensorType": TensorProto.FLOAT})
        return target

    return [
        ("fp32 unfused (the default before)", OnnxEmbedder(folder, "variant/unfused", model_file=unfused)),
        ("fp32 fused b4 (e5-small)", OnnxEmbedder(folder, DEFAULT_EMBEDDER)),   # its cache holds both sets
        ("fp32 fused b16", OnnxEmbedder(folder, DEFAULT_EMBEDDER, batch_size=16)),
        ("int8 fused, FFN outputs fp32 (e5-small-int8)", OnnxEmbedder(folder, "e5-small-int8",
                                                                       model_file=ensure_int8(folder))),
        ("int8 fused, every MatMul", OnnxEmbedder(folder, "variant/int8-fused-all", model_file=quantized(
            "int8-fused-all", fused, ["MatMul", "Attention"], True))),
        ("int8 unfused, FFN outputs fp32", OnnxEmbedder(folder, "variant/int8-unfused", model_file=quantized(
            "int8-unfused", unfused, ["MatMul"], True, ffn_output_matmuls(unfused)))),
    ]


def torch_variants() -> list[tuple[str, object]]:
    import copy

    import torch

    from rag.embed.registry import get_embedder

    def ffn_int8(embedder):
        bert = embedder._model[0].auto_model
        names = {n for n, m in bert.named_modules() if isinstance(m, torch.nn.Linear)
                 and ("intermediate" in n or ("output.dense" in n and "attention" not in n))}
        torch.ao.quantization.quantize_dynamic(bert, names, dtype=torch.qint8, inplace=True)

    def compiled(embedder):
        embedder._model[0].auto_model = torch.compile(embedder._model[0].auto_model, dynamic=True)

    base = get_embedder("e5-small-torch")
    variants = []
    for label, change in (("torch fp32", None), ("torch int8 FFN", ffn_int8), ("torch.compile", compiled)):
        embedder = copy.deepcopy(base)
        if change:
            change(embedder)
        embedder.name = f"e5-small-torch/{label}"   # its own vectors: no cache sharing
        variants.append((label, embedder))
    return variants


def main() -> int:
    import numpy as np

    from rag.answer.retrieve import Searcher
    from rag.bench.quality import ranks_of_gold, retrieval_metrics, token_counts
    from rag.embed.base import embed_in_batches
    from rag.embed.cache import shared_cache_dir
    from rag.ingest.squad import load_squad
    from rag.stores.base import IndexSettings
    from rag.stores.local.index import build_from_documents

    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", choices=("onnx", "torch", "both"), default="onnx")
    parser.add_argument("--limit", type=int, default=0, help="questions per bench set (0 = all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--speed-only", action="store_true", help="skip the bench sets (speed needs a quiet machine, "
                        "quality does not)")
    parser.add_argument("--bench-dir", default=str(ROOT.parent / "shared" / "bench"))
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    import logging
    logging.getLogger().setLevel(logging.ERROR)   # onnxruntime.quantization's pre-processing advice

    docs, _ = load_squad(Path(args.bench_dir) / "drcd_dev.json")
    rng = np.random.default_rng(0)
    shuffled = [docs[i].text for i in rng.permutation(len(docs))]
    sample = [t for t, n in zip(shuffled, token_counts(shuffled)) if n <= 512][:64]
    tokens = sum(token_counts(sample))
    variants = (onnx_variants() if args.runtime != "torch" else []) + \
               (torch_variants() if args.runtime != "onnx" else [])

    speed = {label: 0.0 for label, _ in variants}
    vectors = {}
    for embedder in dict.fromkeys(e for _, e in variants):
        embedder.embed_passages(sample[:4])   # warm-up: sessions, thread pools
    for _ in range(args.rounds):
        for label, embedder in variants:
            t0 = time.perf_counter()
            vectors[label] = embedder.embed_passages(sample)
            speed[label] = max(speed[label], tokens / (time.perf_counter() - t0))
    base_label = variants[0][0]
    sets = {} if args.speed_only else {name: load_squad(Path(args.bench_dir) / f"{name}.json") for name in SETS}
    labels = dict(variants)
    # one whose vectors are another's (cosine >= 0.99999 on every passage) has its retrieval too:
    # the unfused graph is measured through the fused default, whose cache holds both sets
    twin_of = {label: next((other for other in labels if other != label and labels[other].name != embedder.name
                            and np.sum(vectors[label] * vectors[other], axis=1).min() >= 0.99999), label)
               for label, embedder in variants}
    quality_of: dict[str, str] = {}
    for label in dict.fromkeys(twin_of.values()):
        embedder = labels[label]
        if sets and embedder.name not in quality_of:   # batch size changes speed, not vectors
            cells = []
            for name, (set_docs, questions) in sets.items():
                questions = questions[:args.limit] if args.limit else questions
                index, _ = build_from_documents(set_docs, embedder, IndexSettings(), cache_dir=shared_cache_dir())
                qvecs = embed_in_batches(embedder.embed_queries, [q.question for q in questions], embedder.dim)
                searcher = Searcher(index, embedder)
                hit1 = [retrieval_metrics(ranks_of_gold(searcher, questions, mode, qvecs))["R@1"]
                        for mode in ("dense", "hybrid")]
                cells.append(f"{hit1[0]:.4f} / {hit1[1]:.4f}")
            quality_of[embedder.name] = "  ".join(f"{c:>28}" for c in cells)
    print(f"{'variant':<46} {'tokens/s':>9} {'ratio':>6} {'cos mean/min':>14}  " +
          "  ".join(f"{name} dense/hybrid hit@1" for name in SETS), flush=True)
    for label, embedder in variants:
        cos = np.sum(vectors[label] * vectors[base_label], axis=1)
        print(f"{label:<46} {speed[label]:9.0f} {speed[label] / speed[base_label]:5.2f}x "
              f"{cos.mean():.5f}/{cos.min():.4f}  {quality_of.get(labels[twin_of[label]].name, '')}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
