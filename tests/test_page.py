"""The page for daily work, in Chromium: answers that keep their own citations, copy and export,
a real reset with earlier conversations reopenable, documents to choose, preview and delete,
Chinese everywhere, feedback into feedback.jsonl, and a phone-width layout. The seeds indexed
with the hashing embedder, served by rag.ui.server as `rag serve` serves them."""
import io
import json
import os
import re

import pytest

from helpers import ROOT, SEEDS, Running

ARTIFACTS = __import__("pathlib").Path(os.environ.get("RAG_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))
ZHANGYE_Q = "张掖市建成了多少个四级综治中心?"
DAZHOU_Q = "达州建成了多少个雪亮工程监控探头?"

pytestmark = [pytest.mark.browser, pytest.mark.server]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from rag.answer.retrieve import Searcher
    from rag.embed.backends import HashingEmbedder
    from rag.stores.local.folder import save_index
    from rag.stores.local.index import build_index
    from rag.stores.local.commit import open_local
    from rag.ui.server import create_server
    from rag.ui.state import AppState
    root = tmp_path_factory.mktemp("ix")
    embedder = HashingEmbedder(256)
    save_index(build_index([SEEDS], embedder, cache_dir=root / "cache")[0], root)
    state = AppState(Searcher(open_local(root, embedder), embedder), root)
    with Running(create_server(state)) as url:
        yield url, state


@pytest.fixture
def page(browser, site):
    url, _ = site
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url.rstrip("/"))
    page = context.new_page()
    outside = []
    page.on("request", lambda r: None if r.url.startswith((url, "data:", "blob:")) else outside.append(r.url))
    page.goto(url)
    page.wait_for_selector("#question textarea")
    yield page
    assert outside == [], "the page must not reach beyond its own server"
    context.close()


def ask(page, question: str, turn: int) -> None:
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function("n => document.querySelectorAll('#chatbot .meta').length >= n", arg=turn, timeout=60000)
    page.wait_for_timeout(200)


def bubbles(page) -> list[str]:
    return page.locator("#chatbot .message-row").all_inner_texts()


def test_each_answer_keeps_its_own_citations(page):
    ask(page, ZHANGYE_Q, 1)
    ask(page, DAZHOU_Q, 2)
    first, second = page.locator("#chatbot a.cite-ref").all()[:2]
    assert first.get_attribute("href") == "#cite-1-1" and second.get_attribute("href") == "#cite-2-1"
    assert page.locator("#cite-1-1").count() == 0   # the panel holds the latest answer's cards ...
    first.click()                                    # ... and fetches an older one's when its [n] is clicked
    page.wait_for_function("() => location.hash === '#cite-1-1'", timeout=15000)   # the card :target flashes
    card = page.locator("#cite-1-1")
    assert card.is_visible() and "003_609a4863e0b5e6ba.txt" in card.inner_text()     # 张掖's, not the latest
    assert "000_e33b01bdb0cac963.txt" in page.locator("#cite-2-1").inner_text()
    second.click()
    page.wait_for_function("() => location.hash === '#cite-2-1'")
    sections = page.locator("#citations .turn-q").all_inner_texts()
    assert sections == [f"问题 2：{DAZHOU_Q}", f"问题 1：{ZHANGYE_Q}"]   # grouped under their question, latest first
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "two-answers.png"), full_page=True)


def test_copy_gives_plain_text_with_numbered_sources(page):
    ask(page, DAZHOU_Q, 1)
    page.locator("#chatbot .copy-answer").first.click()
    page.wait_for_function("() => document.querySelector('#chatbot .copy-answer').textContent === '已复制'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "4.2万余个" in copied and "<" not in copied and "assistant" not in copied
    assert "[1] 达州市政法委工作报告（000_e33b01bdb0cac963.txt），推进“治理+改革”融合 提升业务能力，第10段" in copied


def test_the_conversation_exports_as_markdown_and_word(page):
    from docx import Document
    ask(page, DAZHOU_Q, 1)
    ask(page, "那张掖呢?", 2)
    texts = {}
    for button, kind in (("#export-md", "md"), ("#export-docx", "docx")):
        page.locator(button).click()
        link = page.locator("#exported a").first
        link.wait_for(timeout=15000)
        with page.expect_download() as download:
            link.click()
        texts[kind] = open(download.value.path(), "rb").read()
        page.wait_for_timeout(300)
    md = texts["md"].decode("utf-8")
    assert md.startswith("# 工作报告问答记录") and "## 2. 那张掖呢?（理解为：张掖建成了多少个雪亮工程监控探头?）" in md
    assert "000\\_e33b01bdb0cac963.txt" in md and "  > 累计投入经费3.2亿元" in md
    paragraphs = [p.text for p in Document(io.BytesIO(texts["docx"])).paragraphs]
    assert any(p.startswith("[1] 达州市政法委工作报告（000_e33b01bdb0cac963.txt）") for p in paragraphs)
    shown = page.context.new_page()
    shown.set_content(f"<pre style='font-family: WenQuanYi Micro Hei; white-space: pre-wrap'>{_escape(md)}</pre>")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shown.screenshot(path=str(ARTIFACTS / "export-markdown.png"), full_page=True)
    shown.close()


def _escape(text: str) -> str:
    import html
    return html.escape(text)


def test_new_conversation_resets_and_the_old_one_reopens(page):
    ask(page, DAZHOU_Q, 1)
    ask(page, "那张掖呢?", 2)
    page.locator("#new-chat").click()
    page.wait_for_function("() => document.querySelectorAll('#chatbot .message-row').length === 0")
    assert page.locator("#citations").inner_text().strip() == ""
    ask(page, "那张掖呢?", 1)                    # no context left: not rewritten against 达州's question
    assert page.locator("#chatbot .rewritten").count() == 0 and "4.2万" not in " ".join(bubbles(page))
    assert "**" not in " ".join(bubbles(page))   # a decline is bold, not Markdown left as text
    page.locator("#history input").click()
    page.get_by_role("option").first.click()
    page.wait_for_function("() => document.querySelectorAll('#chatbot .meta').length === 2")
    assert DAZHOU_Q in " ".join(bubbles(page)) and "张掖建成了多少个雪亮工程监控探头" in page.locator("#citations").inner_text()


def test_chinese_labels_heading_examples_and_the_mode_recorded(page):
    assert "正在检索 5 份报告" in page.locator("#heading").inner_text()
    page.locator("#settings").click()
    for label in ("混合", "关键词", "语义", "段落数", "显示字体"):
        # the accordion renders its contents after the click: wait for each label before counting
        page.get_by_text(label, exact=True).first.wait_for(state="attached", timeout=10000)
        assert page.get_by_text(label, exact=True).count() >= 1, label
    example = page.locator("#examples button, #examples td").first
    asked = example.inner_text().strip()
    example.click()
    page.wait_for_function("q => document.querySelector('#question textarea').value === q", arg=asked)
    page.get_by_label("关键词").check()
    page.locator("#send").click()
    page.wait_for_selector("#chatbot .meta", timeout=60000)
    # the mode recorded; the passages are the 5 asked for, and any other place's they displaced after them
    shown = re.search(r"关键词检索 · (\d+) 个段落", page.locator("#chatbot .meta").first.inner_text())
    assert shown and int(shown.group(1)) >= 5
    assert "资料中没有找到可靠答案" not in " ".join(bubbles(page))   # examples are questions it answers


def test_an_empty_question_is_refused_in_chinese_without_a_bubble(page):
    page.locator("#question textarea").fill(" \u200b ")
    page.locator("#send").click()
    toast = page.wait_for_selector(".toast-body, [data-testid='toast-body']", timeout=10000)
    assert "问题为空：请输入一个问题" in toast.inner_text() and bubbles(page) == []


def test_switching_the_script_re_renders_what_is_shown(page):
    ask(page, ZHANGYE_Q, 1)
    assert "981個" in " ".join(bubbles(page))
    page.locator("#settings").click()
    page.get_by_label("简体").check()
    page.wait_for_function("() => document.querySelector('#chatbot').innerText.includes('981个')")
    assert "981个" in page.locator("#citations").inner_text()


def test_filters_choose_which_reports_are_searched(page):
    page.locator("#settings").click()
    page.locator("#only-place input").click()
    page.get_by_role("option", name="张掖市").click()
    ask(page, "建成了多少个四级综治中心?", 1)
    assert all("003_609a4863e0b5e6ba.txt" in c for c in page.locator("#citations .cite-head").all_inner_texts())


def test_preview_scrolls_to_the_cited_paragraph(page):
    ask(page, DAZHOU_Q, 1)
    page.locator("#cite-1-1 .preview-link").click()
    page.wait_for_selector("#preview .para.focus", timeout=15000)
    focus = page.locator("#preview .para.focus")
    assert focus.get_attribute("id") == "para-10" and "4.2万余个" in focus.inner_text()
    page.wait_for_timeout(600)
    assert focus.is_visible() and page.evaluate(
        "() => { const b = document.querySelector('#preview .preview-body').getBoundingClientRect();"
        " const f = document.querySelector('#preview .focus').getBoundingClientRect();"
        " return f.top >= b.top - 1 && f.top < b.bottom; }")


def test_feedback_goes_into_the_index_folder_and_becomes_a_question(page, site, tmp_path):
    from rag.cli import main
    _, state = site
    ask(page, ZHANGYE_Q, 1)
    page.locator("#chatbot button[aria-label='Dislike']").first.click()
    page.wait_for_function("() => document.querySelector('#feedback-log').innerText.includes('👎')")
    page.locator("#feedback-fix textarea").fill("981个")
    page.locator("#feedback-note textarea").fill("应引用第4段")
    page.locator("#feedback-send").click()
    page.wait_for_function("() => document.querySelector('#feedback-log').innerText.includes('回归测试')")
    rows = [json.loads(line) for line in (state.index_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[-2]["verdict"] == "down" and rows[-2]["question"] == ZHANGYE_Q and rows[-2]["citations"]
    assert rows[-1]["correction"] == "981个" and rows[-1]["note"] == "应引用第4段"
    assert rows[-1]["index_version"].startswith("commit-") and rows[-1]["mode"] == "hybrid"
    out = tmp_path / "regressions.jsonl"
    assert main(["feedback", "export", "--index", str(state.index_dir), "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8").splitlines()[-1])["answers"] == ["981个"]


def test_phone_width_has_no_sideways_scroll_and_answers_come_before_settings(browser, site):
    url, _ = site
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(url)
    page.wait_for_selector("#question textarea")
    ask(page, DAZHOU_Q, 1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    answer = page.locator("#chatbot").bounding_box()
    sources = page.locator("#citations").bounding_box()
    settings = page.locator("#settings").bounding_box()
    assert answer["y"] < sources["y"] < settings["y"]   # answer, then sources, then the settings
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
    page.close()


def test_delete_and_preview_a_report_on_the_documents_tab(page, site):
    _, state = site
    page.get_by_role("tab", name="文档").click()
    assert "达州市政法委工作报告" in page.locator("#documents").inner_text()
    page.locator("#chosen-doc input").click()
    page.get_by_role("option", name="荣昌区政法委工作报告（2017年）（004_4876da0bb4d70e24.txt）").click()
    page.locator("#show-doc").click()
    page.wait_for_selector("#doc-preview .para")
    assert "荣昌区政法委工作报告（2017年）" in page.locator("#doc-preview .preview-head").inner_text()
    page.locator("#delete-doc").click()
    page.wait_for_function("() => document.querySelector('#upload-log textarea').value.includes('确认删除')")
    assert "004_4876da0bb4d70e24.txt" in state.searcher.store.documents   # not without the confirmation
    page.get_by_label("确认删除所选报告").check()
    page.locator("#delete-doc").click()
    page.wait_for_function("() => document.querySelector('#upload-log textarea').value.includes('已删除')")
    assert "004_4876da0bb4d70e24.txt" not in state.searcher.store.documents
    assert "正在检索 4 份报告" in page.locator("#heading").inner_text()
    assert "004_4876da0bb4d70e24.txt" not in page.locator("#documents").inner_text()


def test_a_figure_from_a_table_shows_its_table_row_and_column(browser, tmp_path):
    """A spreadsheet among the reports: the answer leads with the cell, the card names the
    table, row and column and marks the cell in the row (screenshot: table-cell.png)."""
    import shutil

    from rag.answer.retrieve import Searcher
    from rag.embed.backends import HashingEmbedder
    from rag.stores.local.folder import save_index
    from rag.stores.local.index import build_index
    from rag.stores.local.commit import open_local
    from rag.ui.server import create_server
    from rag.ui.state import AppState
    from test_tables import ROWS, _workbook

    docs, root = tmp_path / "docs", tmp_path / "ix"
    shutil.copytree(SEEDS, docs)
    _workbook(docs / "2023年张掖市案件统计.xlsx", ROWS)
    embedder = HashingEmbedder(256)
    save_index(build_index([docs], embedder, cache_dir=root / "cache")[0], root)
    with Running(create_server(AppState(Searcher(open_local(root, embedder), embedder), root))) as url:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(url)
        page.wait_for_selector("#question textarea")
        ask(page, "张掖2023年刑事案件立案数是多少?", 1)
        assert bubbles(page)[-1].startswith("1234件。")
        card = page.locator(".citation").first
        assert "表：2023年张掖市各类案件统计表，行：刑事案件，列：立案数·2023年" in card.inner_text()
        assert card.locator("b.span").inner_text() == "1234件"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "table-cell.png"), full_page=True)
        page.close()
