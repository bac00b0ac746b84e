from rag.answer.conversation import is_follow_up, retrieval_question


def test_follow_ups_are_combined_with_the_previous_question():
    previous = "达州建成了多少个雪亮工程监控探头?"
    assert retrieval_question("那乐山呢?", previous) == f"{previous} 那乐山呢?"
    assert is_follow_up("这个数字是哪一年的?")
    assert retrieval_question("那乐山呢?", None) == "那乐山呢?"


def test_standalone_questions_are_left_alone():
    assert not is_follow_up("张掖市建成了多少个四级综治中心?")
    assert retrieval_question("荣昌区建成视频监控多少个?", "达州建成了多少探头?") == "荣昌区建成视频监控多少个?"
