"""The chat page in a real browser (Debian chromium driven by Playwright) and through
gradio_client. CI installs chromium and fonts-wqy-microhei; these tests do not skip there."""
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import ROOT, SEEDS, Running

ARTIFACTS = Path(os.environ.get("RAG_TEST_ARTIFACTS", ROOT / "tests" / "artifacts"))
XSS = ("恶意测试报告\n本报告测试安全渲染。<script>alert(1)</script>绿洲市建成<img src=x onerror=alert(1)>"
       "防汛指挥中心17个。详情见[点我](javascript:alert(1))。\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory, e5_small):
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from rag.answer.retrieve import Searcher
    from rag.stores.local.folder import save_index
    from rag.stores.local.index import build_index
    from rag.ui.server import create_server
    from rag.ui.state import AppState

    folder = tmp_path_factory.mktemp("docs")
    for f in SEEDS.glob("*.txt"):
        shutil.copy(f, folder)
    (folder / "xss.txt").write_text(XSS, encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("index")
    index, _ = build_index([folder], e5_small, cache_dir=index_dir / "cache")
    save_index(index, index_dir)
    with Running(create_server(AppState(Searcher(index, e5_small), index_dir))) as url:
        yield url


@pytest.fixture
def page(browser, server):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.dialogs, page.outside = [], []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda r: None if r.url.startswith((server, "data:", "blob:")) else page.outside.append(r.url))
    page.goto(server)
    page.wait_for_selector("#question textarea")
    yield page
    assert page.outside == [], "the page must not reach beyond its own server (fonts, assets, analytics)"
    page.close()


def ask(page, question: str, turn: int, enter: bool = False) -> str:
    box = page.locator("#question textarea")
    box.fill(question)
    if enter:
        box.press("Enter")
    else:
        page.locator("#send").click()
    page.wait_for_function("n => document.querySelectorAll('#chatbot .message-row, #chatbot [data-testid=bot]')"
                           ".length >= n", arg=turn * 2, timeout=60000)
    page.wait_for_timeout(300)
    return page.locator("#chatbot").inner_text()


@pytest.mark.browser
@pytest.mark.model
def test_seed_question_shows_figure_and_citation(page):
    chat = ask(page, "张掖市建成了多少个四级综治中心?", 1)
    assert "981個" in chat
    panel = page.locator("#citations")
    assert "003_609a4863e0b5e6ba.txt" in panel.inner_text()
    assert panel.locator("strong.cited").count() >= 1 and panel.locator("mark").count() >= 1
    page.locator("#chatbot a.cite-ref").first.click()  # [1] brings its citation into view
    page.wait_for_timeout(300)
    assert page.locator("#cite-1-1").is_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "answer.png"), full_page=True)


@pytest.mark.browser
@pytest.mark.model
def test_traditional_question_and_display_script(page):
    page.locator("#settings").click()   # 检索设置 opens below the answer and sources
    page.get_by_label("简体").check()
    chat = ask(page, "達州建成了多少個「雪亮工程」監控探頭？", 1, enter=True)
    assert "4.2万余个" in chat
    assert "000_e33b01bdb0cac963.txt" in page.locator("#citations").inner_text()


@pytest.mark.browser
@pytest.mark.model
def test_declined_question_shows_nearest_passages_as_maybe(page):
    chat = ask(page, "成都市2023年的地区生产总值是多少?", 1)
    assert "资料中没有找到可靠答案" in chat
    assert "可能相关" in page.locator("#citations").inner_text()


@pytest.mark.browser
@pytest.mark.model
def test_hostile_document_text_is_shown_not_run(page):
    chat = ask(page, "绿洲市建成防汛指挥中心多少个?", 1)
    assert "17个" in chat
    page.wait_for_timeout(500)
    assert page.dialogs == []
    text = page.locator("#citations").inner_text() + chat
    assert "<script>alert(1)</script>" in text or "<img src=x onerror=alert(1)>" in text
    assert page.locator("#chatbot img[src='x'], #citations img[src='x'], a[href^='javascript']").count() == 0


@pytest.mark.browser
@pytest.mark.model
def test_follow_up_question_uses_the_previous_turn(page):
    ask(page, "达州建成了多少个雪亮工程监控探头?", 1)
    chat = ask(page, "那张掖呢?", 2).split("那张掖呢?")[-1]
    # 张掖's report counts 电子卡口 and 视频资源, not 探头: declined, never 达州's 4.2万余个
    assert "张掖建成了多少个雪亮工程监控探头" in chat and "资料中没有找到可靠答案" in chat and "4.2万" not in chat


@pytest.mark.browser
@pytest.mark.model
def test_overlong_question_is_refused(page):
    page.locator("#question textarea").fill("问" * 2100)
    page.locator("#send").click()
    toast = page.wait_for_selector(".toast-body, [data-testid='toast-body']", timeout=10000)
    assert "超过上限 2000 字" in toast.inner_text()
    assert page.locator("#chatbot .message-row").count() == 0   # refused: no bubble


def _unescape(text: str) -> str:
    import html
    return html.unescape(text)


@pytest.mark.model
def test_twenty_concurrent_api_questions(server):
    from gradio_client import Client
    questions = {"张掖市建成了多少个四级综治中心?": "981個", "荣昌区建成视频监控多少个?": "16535个",
                 "乐山市排查整治顽瘴痼疾多少个?": "4821个", "社区矫正期间再犯罪率是多少?": "0.07%"}
    jobs = list(questions.items()) * 5

    def one(item):
        client = Client(server, verbose=False)
        history, panel, *_ = client.predict(item[0], "hybrid", 5, "原文", [], "全部", "全部", api_name="/ask")
        content = history[-1]["content"]
        text = content if isinstance(content, str) else "".join(part.get("text", "") for part in content)
        return item[1], _unescape(text)

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(one, jobs))
    assert len(results) == 20
    assert all(figure in content for figure, content in results)


@pytest.mark.model
def test_uploads_are_checked_one_by_one_and_keep_the_index(tmp_path, e5_small):
    from rag.answer.retrieve import Searcher
    from rag.stores.local.folder import load_index, save_index
    from rag.stores.local.index import build_index
    from rag.stores.local.store import LocalStore
    from rag.ui.app import upload_files
    from rag.ui.state import AppState, safe_upload_name

    index, _ = build_index([SEEDS], e5_small, cache_dir=tmp_path / "ix" / "cache")
    save_index(index, tmp_path / "ix")
    state = AppState(Searcher(LocalStore(index, tmp_path / "ix"), e5_small), tmp_path / "ix", max_upload_bytes=2000)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "新报告 2024.txt").write_text("青岛市建成社区警务室88个。", encoding="utf-8")
    (incoming / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (incoming / "huge.txt").write_text("很长的报告。" * 1000, encoding="utf-8")
    (incoming / "notes.pptx").write_bytes(b"PK")
    (incoming / "统计.xlsx").write_bytes(b"PK")   # a spreadsheet, damaged
    (incoming / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    log, rows = upload_files(state, sorted(incoming.iterdir()))
    lines = log.splitlines()
    assert any(l.startswith("✓ 新报告 2024.txt") for l in lines)
    assert any("scan.txt" in l and l.startswith("✗") for l in lines)
    assert any("huge.txt" in l and "上传上限" in l for l in lines)
    assert any("notes.pptx" in l and "不支持的文件类型" in l for l in lines)
    assert any("统计.xlsx" in l and "not a readable Excel" in l for l in lines)
    assert any("broken.docx" in l and "not a readable Word" in l for l in lines)
    assert len(rows) == 6 and len(load_index(tmp_path / "ix").documents) == 6  # 5 seeds kept + 1 new
    assert (tmp_path / "ix" / "uploads" / "新报告 2024.txt").exists()
    for hostile in ["../../etc/passwd.txt", "/abs/evil.txt", "..\\..\\win.txt"]:
        assert "/" not in safe_upload_name(hostile) and "\\" not in safe_upload_name(hostile)
        assert (state.upload_dir / safe_upload_name(hostile)).resolve().parent == state.upload_dir.resolve()


@pytest.mark.server
def test_login_is_required_when_auth_is_set(hashing_index, tmp_path):
    from gradio_client import Client

    from rag.answer.retrieve import Searcher
    from rag.ui.server import create_server, parse_auth
    from rag.ui.state import AppState
    from rag.ui.throttle import LoginThrottle

    assert parse_auth("admin:秘密") == ("admin", "秘密") and parse_auth(None) is None
    with pytest.raises(Exception, match="USER:PASSWORD"):
        parse_auth("admin")
    throttle = LoginThrottle(free=3)
    app = create_server(AppState(Searcher(*hashing_index), tmp_path), login=("admin", "pw"), throttle=throttle)
    with Running(app) as url:
        with pytest.raises(Exception):
            Client(url, verbose=False).predict("荣昌区建成视频监控多少个?", "bm25", 5, "原文", [], "全部", "全部",
                                               api_name="/ask")
        history, *_ = Client(url, auth=("admin", "pw"), verbose=False).predict(
            "荣昌区建成视频监控多少个?", "bm25", 5, "原文", [], "全部", "全部", api_name="/ask")
        assert "16535" in _unescape(str(history[-1]["content"]))
        # guessing: three wrong passwords are answered, the next attempts are refused unchecked, even the right one
        codes = [_login(url, "admin", f"guess{i}") for i in range(6)]
        assert codes[:3] == [400, 400, 400] and codes[3] == 400 and codes[4:] == [429, 429], codes
        assert _login(url, "admin", "pw") == 429
        assert _login(url, "admin", "pw", client_wait=throttle.wait_s("127.0.0.1") + 0.2) == 200
        assert throttle.wait_s("127.0.0.1") == 0 and _login(url, "admin", "wrong") == 400   # success forgot them


def _login(url: str, user: str, password: str, client_wait: float = 0) -> int:
    import time
    import urllib.error
    import urllib.parse
    import urllib.request
    time.sleep(client_wait)
    data = urllib.parse.urlencode({"username": user, "password": password}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url + "login", data=data), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_documents_table_lists_the_first_documents_of_a_large_archive(hashing_index):
    from rag.stores.local.store import LocalStore
    from rag.ui.render import documents_rows
    index, _ = hashing_index
    rows = documents_rows(LocalStore(index))
    assert [r[0] for r in rows] == list(index.documents) and all(r[4] > 0 for r in rows)
    assert [r[2] for r in rows] == ["四川省 › 达州市", "四川省 › 乐山市 2022", "四川省 › 达州市 2020", "甘肃省 › 张掖市 2022",
                                    "重庆市 › 荣昌区 2017"]
    short = documents_rows(LocalStore(index), limit=2)
    assert len(short) == 3 and short[:2] == rows[:2] and "共 5 个文档" in short[2][1] and "rag docs" in short[2][1]


@pytest.mark.browser
@pytest.mark.model
def test_follow_up_shows_the_rewritten_question_and_clearing_forgets_it(page):
    ask(page, "达州建成了多少个雪亮工程监控探头?", 1)
    ask(page, "那张掖呢?", 2)
    rewritten = page.locator("#chatbot .rewritten")
    assert rewritten.count() == 1 and "张掖建成了多少个雪亮工程监控探头" in rewritten.inner_text()
    page.locator("#chatbot button[aria-label='Clear'], #chatbot button[title='Clear']").first.click()
    page.wait_for_function("() => document.querySelectorAll('#chatbot .message-row, #chatbot [data-testid=bot]')"
                           ".length == 0", timeout=10000)
    page.wait_for_timeout(500)
    cleared_panel = page.locator("#citations").inner_text().strip()
    chat = ask(page, "那张掖呢?", 1)
    assert page.locator("#chatbot .rewritten").count() == 0 and "4.2万余个" not in chat
    assert cleared_panel == "", cleared_panel[:80]
