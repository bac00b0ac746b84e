"""Follow-up questions: "那乐山呢?" or "这个数字是哪一年的?" lean on the previous turn.
For retrieval such a question is combined with the previous question; the answer
still shows the question as the user typed it."""
from __future__ import annotations

import re

from rag.text.normalize import normalize

# Openers and references that only make sense after an earlier question.
FOLLOW_UP = re.compile(r"^(那|那么|还有|另外|而|其中|它|他们|她们|该|此)|这个|这些|那个|那些|上述|其|呢[?？]?$")
SHORT_QUESTION = 8  # characters; shorter questions rarely stand alone


def is_follow_up(question: str) -> bool:
    """Whether a question leans on the previous turn (a referring opener or word, 呢, or very short)."""
    q = normalize(question).strip()
    return bool(FOLLOW_UP.search(q)) or len(re.sub(r"[\W_]", "", q)) < SHORT_QUESTION


def retrieval_question(question: str, previous: str | None) -> str:
    """The text to retrieve with: the question itself, or previous + question for a follow-up."""
    if previous and is_follow_up(question):
        return f"{previous.strip()} {question.strip()}"
    return question
