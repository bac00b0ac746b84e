import pytest

from rag.errors import ConfigError
from rag.text.tokens import bigram_tokens, get_tokenizer, jieba_tokens, query_text


def test_bigram_tokens_hand_worked():
    assert bigram_tokens("雪亮工程4.2万") == ["雪", "亮", "工", "程", "雪亮", "亮工", "工程", "4.2", "万"]
    assert bigram_tokens("office365的") == ["office", "365"]  # 的 is a stop character


def test_question_words_do_not_leave_straddling_bigrams():
    tokens = bigram_tokens(query_text("四级综治中心有多少个"))
    assert "少个" not in tokens and "多少" not in tokens and "综治" in tokens


def test_jieba_tokens_drop_punctuation():
    assert "雪亮工程" in jieba_tokens("建成雪亮工程监控探头。") or "雪亮" in jieba_tokens("建成雪亮工程监控探头。")
    assert "。" not in jieba_tokens("建成雪亮工程监控探头。")


def test_unknown_tokenizer_lists_valid_names():
    with pytest.raises(ConfigError, match="bigram, jieba"):
        get_tokenizer("words")


def test_term_keys_pack_han_and_hash_the_rest():
    from rag.text.tokens import term_key
    assert term_key("雪") == ord("雪")
    assert term_key("雪亮") == (1 << 42) | ord("雪") << 21 | ord("亮")
    assert term_key("office") >> 62 == 1 and term_key("office") != term_key("365")
    assert len({term_key(t) for t in ["雪", "亮", "雪亮", "亮雪", "4.2", "42", "office"]}) == 7


def test_vectorized_keys_equal_the_tokenizer_text_by_text(seed_documents):
    from collections import Counter

    from rag.text.normalize import normalize
    from rag.text.tokens import bigram_keys, term_key
    texts = [normalize(line) for doc in seed_documents.values() for line in doc.text.splitlines()]
    texts += ["", "office365的4.2万", "什么多少的", "𠀀雪亮"]   # stop words, Latin, digits, CJK Ext. B
    owner, keys = bigram_keys(texts)
    for i, text in enumerate(texts):
        assert Counter(keys[owner == i].tolist()) == Counter(term_key(t) for t in bigram_tokens(text)), text
