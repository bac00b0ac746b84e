"""What a rank asked ranks (排第几, 排名第几, 处于第几位): a place in a ranking written as one (第6名,
排名第一), of the thing the question ranks and in the measure it asks, in a work report's sentence."""
from __future__ import annotations

import re
from functools import lru_cache

from rag.answer.against import clause_at, loose
from rag.answer.question import QuestionAnalysis

RANKED_BEFORE = re.compile(r"(?:排名|排在|排|位列|位居|居|名列)[^,，;；。]{0,6}$")
RANK_ASKED = re.compile(r"第(?:几|多少)|排名|排第|名列|位列|位居|名次")
RANK_MEASURE = re.compile(r"第(?:几|多少)([名位期批届次])")   # 第几名 is a place in a ranking, not 第一期 of a programme
# what stands between the thing ranked and the rank asked (考核中排第几, 满意度在全省排名第几)
_TO_RANK = re.compile(r"(?:[在于]?(?:全省|全市|全国|全区|全县|全州|省内|市内|区内|县内)|中|里|内|的|排名?|处于|位于|位居|居于?|位列|名列|列)+$")


_WHEN = re.compile(r"去年|今年|前年|上年|本年|当年|上半年|下半年|\d{2,4}年?")


@lru_cache(maxsize=1024)
def _ranked_thing(question: str, rank_at: int, scope: tuple[str, ...]) -> str:
    """The last word before the rank asked at ``rank_at``, the places (``scope``) left out: what is
    ranked (考核 of 乐山在全省平安建设考核中排第几); "" when none."""
    import jieba
    words = [w for w in jieba.lcut(_TO_RANK.sub("", question[:rank_at]))
             if len(w) >= 2 and w not in scope and not _WHEN.fullmatch(w)]   # 满意度去年排第几: 满意度 is ranked
    return words[-1] if words else ""


def _other_measure(figure: str, asked: str) -> bool:
    """Whether a rank is counted in another measure than the one asked (第一期 for 第几名; 名 and 位 alike)."""
    same = "名位" if asked in "名位" else asked
    return bool(re.search(r"[名位期批届次]$", figure)) and figure[-1] not in same


def _ranks_another(norm: str, figure: tuple[int, int], thing: str) -> bool:
    """Whether the clause of a rank lacks the thing asked ranked (平安建设群众满意度排名居全省第6名 ranks
    no 考核), or the clause before where its own names nothing (…考核,排名第一)."""
    start = clause_at(norm, figure[0])[0]
    if start and not _TO_RANK.sub("", norm[start:figure[0]]):
        start = clause_at(norm, start - 1)[0]
    return bool(thing) and not re.search(loose(thing), norm[start:figure[0]])


def ranks_asked(norm: str, found: list[tuple[int, int]], analysis: QuestionAnalysis, question: str,
                report: bool) -> list[tuple[int, int]]:
    """Of the figures ``found`` in a report's sentence, the ranks (第6名, 排名第一; not 90%以上) in the
    measure asked, of the thing the (normalized) ``question`` ranks. Elsewhere, the ranks where the
    sentence states one (排名全国第6, not the 47.3万平方公里 before it), else all."""
    if not report:
        return [f for f in found if norm[f[0]] == "第" or RANKED_BEFORE.search(norm, 0, f[0])] or found
    measure = RANK_MEASURE.search(question)
    ranked = _ranked_thing(question, RANK_ASKED.search(question).start(), analysis.place_forms + analysis.places)
    return [f for f in found if (norm[f[0]] == "第" or RANKED_BEFORE.search(norm, 0, f[0]))
            and not (measure and _other_measure(norm[f[0]:f[1]], measure.group(1)))
            and not _ranks_another(norm, f, ranked)]
