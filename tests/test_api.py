"""The HTTP API on the page's server (rag.ui.api, rag.ui.server): each route over plain HTTP,
wrong and missing keys, oversize uploads, and the OpenAI-compatible routes through the
official ``openai`` client, streaming included. The seeds, indexed with the hashing embedder."""
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from helpers import SEEDS, Running

pytestmark = pytest.mark.server
KEY = "测试密钥-k1".encode().hex()
DAZHOU = "000_e33b01bdb0cac963.txt"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    from rag.embed.backends import HashingEmbedder
    from rag.stores.local.folder import save_index
    from rag.stores.local.index import build_index
    root = tmp_path_factory.mktemp("ix")
    index, _ = build_index([SEEDS], HashingEmbedder(256), cache_dir=root / "cache")
    save_index(index, root)
    return root


def _state(root, **options):
    from rag.answer.retrieve import Searcher
    from rag.embed.backends import HashingEmbedder
    from rag.stores.local.commit import open_local
    from rag.ui.state import AppState
    embedder = HashingEmbedder(256)
    return AppState(Searcher(open_local(root, embedder), embedder), root, **options)


@pytest.fixture(scope="module")
def api(index_dir):
    from rag.ui.server import create_server
    state = _state(index_dir, max_upload_bytes=4000)
    with Running(create_server(state, api_key=KEY)) as url:
        yield url, state


def call(url: str, path: str, body=None, method: str | None = None, key: str | None = KEY, raw: bytes | None = None,
         content_type: str = "application/json"):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url.rstrip("/") + urllib.parse.quote(path), data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def multipart(files: dict[str, bytes], replace: bool = False) -> tuple[bytes, str]:
    boundary = "----rag-test-boundary"
    parts = []
    for name, content in files.items():
        parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
                     "Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}\r\nContent-Disposition: form-data; name=\"replace\"\r\n\r\n"
                 f"{str(replace).lower()}\r\n--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def test_ask_gives_what_rag_ask_json_gives(api):
    url, _ = api
    status, out = call(url, "/api/ask", {"question": "荣昌区建成视频监控多少个?", "mode": "bm25"})
    assert status == 200 and out["answered"] and "16535" in out["answer"]
    assert out["citations"][0]["doc"].startswith("004_") and out["span"]["text"] and "passages" not in out
    status, out = call(url, "/api/ask", {"question": "那张掖呢?", "previous": "达州建成了多少个雪亮工程监控探头?"})
    assert status == 200 and out["asked"] == "那张掖呢?" and out["question"].startswith("张掖")
    assert "4.2万" not in out["answer"]   # 达州's figure is never 张掖's


def test_ask_filters_and_bad_fields_are_named(api):
    url, _ = api
    status, out = call(url, "/api/ask", {"question": "视频监控建成了多少个?", "mode": "bm25", "place": ["达州"]})
    assert status == 200 and all(c["doc"] in (DAZHOU, "002_20c1160605c0dde7.txt") for c in out["citations"])
    status, out = call(url, "/api/ask", {"question": "视频监控建成了多少个?", "place": ["北京"]})
    assert status == 400 and "北京" in out["detail"] and "达州市" in out["detail"]
    status, out = call(url, "/api/ask", {"question": "  \u200b "})
    assert status == 400 and "问题为空" in out["detail"]
    status, out = call(url, "/api/ask", {"question": "x", "mode": "fuzzy"})
    assert status == 422 and "hybrid" in out["detail"]
    status, out = call(url, "/api/ask", {"question": "x", "k": 0})
    assert status == 422 and out["detail"][0]["loc"][-1] == "k"


def test_documents_are_listed_read_uploaded_and_deleted(api):
    url, state = api
    status, docs = call(url, "/api/documents")
    assert status == 200 and len(docs) == 5
    dazhou = next(d for d in docs if d["name"] == DAZHOU)
    assert dazhou["title"] == "达州市政法委工作报告" and dazhou["places"] == ["达州市"] and dazhou["chunks"] > 0
    status, whole = call(url, f"/api/documents/{DAZHOU}")
    assert status == 200 and len(whole["paragraphs"]) == dazhou["paragraphs"] and "4.2万余个" in json.dumps(
        whole, ensure_ascii=False)
    assert call(url, "/api/documents/nope.txt")[0] == 404

    body, kind = multipart({"青川县报告.txt": "青川县2024年化解矛盾纠纷2376件。".encode(), "notes.pptx": b"PK"})
    status, out = call(url, "/api/documents", raw=body, content_type=kind)
    assert status == 200 and [r["ok"] for r in out["results"]] == [False, True]
    assert "不支持的文件类型" in out["results"][0]["message"] and "已索引" in out["summary"]
    assert "青川县报告.txt" in state.searcher.store.documents
    again, kind = multipart({"青川县报告.txt": "青川县2024年化解矛盾纠纷9999件。".encode()})
    status, out = call(url, "/api/documents", raw=again, content_type=kind)
    assert status == 400 and "已有同名报告" in out["results"][0]["message"]
    status, out = call(url, "/api/documents", raw=multipart({"青川县报告.txt": "青川县化解矛盾纠纷9999件。".encode()},
                                                            replace=True)[0], content_type=kind)
    assert status == 200 and out["results"][0]["ok"]

    huge, kind = multipart({"huge.txt": "很长的报告。".encode() * 1000})
    status, out = call(url, "/api/documents", raw=huge, content_type=kind)
    assert status == 413 and "上限" in out["detail"]                      # one file over the page's limit
    flood, kind = multipart({f"f{i}.txt": b"x" * 3900 for i in range(30)})   # 117 KB: over the body's limit
    status, out = call(url, "/api/documents", raw=flood, content_type=kind)
    assert status == 413 and "上传内容" in out["error"]["message"]
    assert len(state.searcher.store.documents) == 6   # nothing indexed lost

    status, out = call(url, "/api/documents/青川县报告.txt", method="DELETE")
    assert status == 200 and "已删除" in out["message"] and "青川县报告.txt" not in state.searcher.store.documents
    assert not (state.upload_dir / "青川县报告.txt").exists()
    assert call(url, "/api/documents/青川县报告.txt", method="DELETE")[0] == 404
    assert len(call(url, "/api/documents")[1]) == 5


def test_feedback_is_appended_and_checked(api):
    from rag.evaluate.feedback import read_feedback
    url, state = api
    status, out = call(url, "/api/feedback", {"question": "荣昌区建成视频监控多少个?", "answer": "16535个[1]",
                                              "verdict": "down", "citations": [["004_4876da0bb4d70e24.txt", 12]],
                                              "correction": "16535个"})
    assert status == 200 and out["recorded"] and out["index_version"].startswith("commit-")
    assert call(url, "/api/feedback", {"question": "q", "answer": "a", "verdict": "meh"})[0] == 422
    feedback, bad = read_feedback(state.index_dir)
    assert bad == 0 and feedback[-1].correction == "16535个" and feedback[-1].citations[0][1] == 12


def test_openai_client_asks_with_and_without_streaming(api):
    from openai import AuthenticationError, OpenAI
    url, _ = api
    client = OpenAI(base_url=url + "v1", api_key=KEY)
    models = client.models.list()
    assert [m.id for m in models.data] == [models.data[0].id] and models.data[0].id.startswith("reports-")
    done = client.chat.completions.create(model=models.data[0].id,
                                          messages=[{"role": "user", "content": "荣昌区建成视频监控多少个?"}])
    content = done.choices[0].message.content
    assert "16535" in content and "[1]" in content and "\n[1] " in content   # markers, then the sources list
    assert done.model_extra["citations"][0]["doc"].startswith("004_")
    stream = client.chat.completions.create(
        model=models.data[0].id, stream=True,
        messages=[{"role": "user", "content": "达州建成了多少个雪亮工程监控探头?"}, {"role": "assistant", "content": "…"},
                  {"role": "user", "content": [{"type": "text", "text": "那张掖呢?"}]}])
    pieces, extra = [], None
    for event in stream:
        if event.choices and event.choices[0].delta.content:
            pieces.append(event.choices[0].delta.content)
        if event.choices and event.choices[0].finish_reason == "stop":
            extra = event.model_extra.get("citations")
    text = "".join(pieces)
    assert len(pieces) > 1 and "4.2万" not in text.split("可能相关")[0] and extra is not None
    with pytest.raises(AuthenticationError):
        OpenAI(base_url=url + "v1", api_key="wrong").models.list()


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/ask", {"question": "x"}), ("GET", "/api/documents", None), ("GET", f"/api/documents/{DAZHOU}", None),
    ("POST", "/api/documents", None), ("DELETE", f"/api/documents/{DAZHOU}", None),
    ("POST", "/api/feedback", {"question": "q", "answer": "a", "verdict": "up"}), ("GET", "/v1/models", None),
    ("POST", "/v1/chat/completions", {"messages": [{"role": "user", "content": "x"}]}),
])
def test_every_api_route_refuses_a_wrong_or_missing_key(api, method, path, body):
    url, state = api
    for key in (None, "wrong", KEY[:-1]):
        status, out = call(url, path, body, method=method, key=key)
        assert status == 401 and "密钥" in out["error"]["message"]
    assert len(state.searcher.store.documents) >= 5


def test_without_a_key_the_api_is_open_on_this_machine_only(index_dir):
    from rag.ui.server import create_server
    with Running(create_server(_state(index_dir))) as url:
        assert call(url, "/api/documents", key=None)[0] == 200
    with Running(create_server(_state(index_dir), host="0.0.0.0")) as url:   # served beyond: closed
        status, out = call(url, "/api/documents", key=None)
        assert status == 403 and "--api-key" in out["error"]["message"]


def test_the_page_login_guards_gradios_routes_and_the_api_its_key(index_dir):
    from rag.ui.server import create_server
    with Running(create_server(_state(index_dir, read_only=True), login=("admin", "pw"), api_key=KEY)) as url:
        for path in ("gradio_api/info", "config"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url + path, timeout=10)
            assert refused.value.code == 401
        assert call(url, "/api/documents")[0] == 200
        status, out = call(url, f"/api/documents/{DAZHOU}", method="DELETE")   # read-only: refused, kept
        assert status == 403 and "只读" in out["detail"]
        with urllib.request.urlopen(url + "docs", timeout=10) as response:
            page = response.read().decode()
        assert "/v1/chat/completions" in page and "/api/ask" in page and "cdn" not in page.lower()


def test_an_oversize_upload_without_a_length_is_cut_off_while_it_arrives(api):
    import http.client
    url, state = api
    host, port = url.split("//")[1].rstrip("/").split(":")
    body, kind = multipart({"big.txt": b"x" * 200_000})
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("POST", "/api/documents", body=iter([body[i:i + 8192] for i in range(0, len(body), 8192)]),
                       headers={"Content-Type": kind, "Authorization": f"Bearer {KEY}"}, encode_chunked=True)
    response = connection.getresponse()
    assert response.status == 413 and "超过上限" in json.loads(response.read())["error"]["message"]
    assert "big.txt" not in state.searcher.store.documents
