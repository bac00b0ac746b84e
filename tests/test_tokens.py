import pytest

from rag.errors import ConfigError
from rag.tokens import bigram_tokens, get_tokenizer, jieba_tokens, query_text


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
