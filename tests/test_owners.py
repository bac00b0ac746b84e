"""Whose a figure is, where a report writes several of one kind in a row."""
import re

from rag.answer.owners import labelled_as_asked, owned_as_asked, owner_after, owner_asked
from rag.answer.question import analyze
from rag.text.normalize import normalize

# 乐山's report: two bodies set up, each with its 事业编制 before its 的
POSTS = normalize("增设配备10名事业编制的市综治中心和配备6名事业编制的市法学会,配齐配强132个乡镇(街道)政法委员。")


def figures(text: str, *written: str) -> list[tuple[int, int]]:
    return [re.search(re.escape(w), text).span() for w in written]


def test_the_owner_after_the_figures_de_is_the_one_the_question_names():
    found = figures(POSTS, "10名", "6名")
    asked = analyze("乐山市综治中心有多少事业编制?")
    assert owner_after(POSTS, found[0], asked.count_words) == "市综治中心"
    assert owned_as_asked(POSTS, found, asked) == [found[0]]
    assert owned_as_asked(POSTS, found, analyze("乐山的市法学会配备了几名事业编制?")) == [found[1]]


def test_asked_for_the_people_of_an_owner_its_words_name_the_owner():
    found = figures(POSTS, "10名", "6名")
    for question in ("乐山的市综治中心有多少人?", "乐山的综治中心有几个人?"):
        asked = analyze(question)
        assert owner_asked(POSTS, found[0], asked) == "市综治中心"
        assert owned_as_asked(POSTS, found, asked) == [found[0]]
    assert owned_as_asked(POSTS, found, analyze("乐山市法学会有多少人?")) == [found[1]]


def test_a_de_saying_which_things_names_no_owner():
    text = normalize("在全市率先恢复6个撤并的基层派出所,新(扩)建3个派出所;")
    found = figures(text, "6个", "3个")
    assert owner_after(text, found[0], analyze("荣昌恢复了几个派出所?").count_words) == ""
    assert owned_as_asked(text, found, analyze("荣昌恢复了几个派出所?")) == found


def test_of_labelled_items_the_label_the_question_writes():
    text = normalize("新改建司法所5个,实现了21个司法所小所2人、大所3人目标;")
    found = figures(text, "5个", "21个", "2人", "3人")
    assert labelled_as_asked(text, found, normalize("荣昌司法所大所配几个人?")) == [found[0], found[1], found[3]]
    assert labelled_as_asked(text, found, normalize("荣昌的司法所有几个?")) == found
