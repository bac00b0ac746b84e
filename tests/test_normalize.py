import opencc
import pytest

from rag.text.normalize import convert_script, is_traditional, normalize, normalize_with_opencc


def test_traditional_full_width_and_punctuation_are_unified():
    assert normalize("張掖市建成綜治中心９８１個，“雪亮工程”") == '张掖市建成综治中心981个,"雪亮工程"'
    assert normalize("ＡＢＣ　Ｘ") == "abc x"


def test_normalize_keeps_length_so_offsets_stay_valid(seed_documents):
    for doc in seed_documents.values():
        assert len(normalize(doc.text)) == len(doc.text)


def test_display_conversion_both_ways():
    assert convert_script("綜治中心", "simplified") == "综治中心"
    assert convert_script("综治中心", "traditional") == "綜治中心"
    assert convert_script("綜治中心", "original") == "綜治中心"


def test_context_dependent_phrases_still_go_through_opencc():
    # 乾 is 干 in 乾燥 but stays 乾 in 乾隆; 瞭 is 了 in 瞭解 but stays in 瞭望; 覆 is 复 in 回覆
    assert normalize("乾隆年間，天氣乾燥。") == "乾隆年间,天气干燥。"
    assert normalize("瞭解情況，登高瞭望，回覆來函") == "了解情况,登高瞭望,回复来函"
    for text in ("乾隆年間，天氣乾燥。", "瞭解情況，登高瞭望，回覆來函", "於是樊於期"):
        assert normalize(text) == normalize_with_opencc(text)


def test_fast_path_equals_opencc_on_reports_and_bench_text(seed_documents):
    from helpers import BENCH
    texts = [doc.text for doc in seed_documents.values()]
    if (BENCH / "drcd_dev.json").is_file():
        from rag.ingest.squad import load_squad
        docs, questions = load_squad(BENCH / "drcd_dev.json")
        texts += [d.text for d in docs[:300]] + [q.question for q in questions[:300]]
    assert [normalize(t) for t in texts] == [normalize_with_opencc(t) for t in texts]


@pytest.mark.parametrize("simplified", [
    "荣昌民工讨回的欠薪涉及多少名民工?", "张掖有多少人?", "达州建成了多少个雪亮工程监控探头?",
    "生濑胜久跃於戏剧圈时候的艺名叫什么？",   # 於: one Traditional character in a Simplified question
    "黄霑有哪些著名填词作品？",                # 霑: a name t2s would change
])
def test_the_script_a_text_is_written_in(simplified):
    assert not is_traditional(simplified)
    for config in ("s2t", "s2tw", "s2hk"):   # OpenCC's Traditional forms of it, as the oracle
        traditional = opencc.OpenCC(config).convert(simplified)
        assert is_traditional(traditional), (config, traditional)
    assert not is_traditional("今年呢?") and not is_traditional("2021")   # nothing telling
