"""``rag serve``: one server for the page and the API. A FastAPI app carries the API routes
(rag.ui.api) and its documentation at ``/docs`` (rendered here from the OpenAPI schema, so it
needs nothing from the internet), with the Gradio page mounted under it at ``/``.

Who may call what: the page asks for its login when ``--auth`` is set (Gradio checks it, for
Gradio's own routes too; failed logins are throttled). The API asks for a bearer token when
``--api-key`` / RAG_API_KEY is set and refuses a wrong or missing one with 401; without a key
it answers only when served on this machine (127.0.0.1)."""
from __future__ import annotations

import hmac
import html
import json
import sys
from pathlib import Path

from rag.errors import RagError

from .state import AppState

LOOPBACK = ("127.0.0.1", "localhost", "::1")
API_PREFIXES = ("/api/", "/v1/")
UPLOAD_FILES_AT_ONCE = 10   # an API upload's body may hold this many files of the page's size limit


class RequireApiKey:
    """ASGI middleware: ``/api/…`` and ``/v1/…`` need ``Authorization: Bearer <key>`` (any key
    when ``key`` is None and ``open`` is set; none at all when neither)."""

    def __init__(self, app, key: str | None, open_without_key: bool):
        self.app, self.key, self.open = app, key, open_without_key

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(API_PREFIXES):
            return await self.app(scope, receive, send)
        if self.key is None:
            if self.open:
                return await self.app(scope, receive, send)
            return await _error(send, 403, "此服务没有设置 API 密钥，API 只在本机（127.0.0.1）开放；"
                                           "请用 --api-key 或 RAG_API_KEY 设置密钥", "api_closed")
        headers = dict(scope.get("headers") or [])
        given = headers.get(b"authorization", b"").decode("latin-1")
        if not (given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip(), self.key)):
            return await _error(send, 401, "API 密钥错误或缺失：请在 Authorization 头中提供 Bearer <密钥>",
                                "invalid_api_key")
        return await self.app(scope, receive, send)


class LimitUploads:
    """ASGI middleware: a request body to ``/api/documents`` larger than ``limit`` bytes is cut
    off with 413 while it arrives (by Content-Length first), so an oversize upload is never
    spooled whole to disk before the route refuses it."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "POST" \
                or not scope.get("path", "").startswith("/api/documents"):
            return await self.app(scope, receive, send)
        declared = int(dict(scope.get("headers") or []).get(b"content-length", b"0") or 0)
        if declared > self.limit:
            return await _error(send, 413, f"上传内容 {declared / 1e6:.1f} MB，超过上限 {self.limit / 1e6:.0f} MB",
                                "too_large")
        received, refused = 0, False

        async def counted():
            nonlocal received, refused
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit and not refused:
                refused = True
                await _error(send, 413, f"上传内容超过上限 {self.limit / 1e6:.1f} MB", "too_large")
            return {"type": "http.disconnect"} if refused else message   # the route stops reading

        async def unless_refused(message):
            if not refused:   # the route's own answer to a cut-off body is not sent
                await send(message)

        await self.app(scope, counted, unless_refused)


async def _error(send, status: int, message: str, code: str) -> None:
    body = json.dumps({"error": {"message": message, "type": code, "code": code}, "detail": message},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json; charset=utf-8"),
                            *([(b"www-authenticate", b"Bearer")] if status == 401 else [])]})
    await send({"type": "http.response.body", "body": body})


def model_name(state: AppState) -> str:
    """The model name the OpenAI-compatible routes give: the index it answers from."""
    return f"reports-{Path(state.index_dir).resolve().name}"


def create_server(state: AppState, login: tuple[str, str] | None = None, api_key: str | None = None,
                  host: str = "127.0.0.1", throttle=None, max_upload_mb: int = 20):
    """The FastAPI app: API routes, /docs, and the page at /."""
    import gradio as gr
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    from .api import api_router
    from .app import build_app
    from .throttle import LoginThrottle, ThrottleLogins

    model = model_name(state)
    server = FastAPI(title="工作报告问答 API", version="1", docs_url=None, redoc_url=None,
                     description=f"模型名（/v1）：{model}。认证：" + ("Bearer 密钥" if api_key else "仅本机"))
    server.include_router(api_router(state, model))

    @server.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(docs_html(server.openapi()))

    server.add_middleware(LimitUploads, limit=UPLOAD_FILES_AT_ONCE * state.max_upload_bytes + 65536)
    server.add_middleware(RequireApiKey, key=api_key, open_without_key=host in LOOPBACK)
    if login:
        server.add_middleware(ThrottleLogins, throttle=throttle if throttle is not None else LoginThrottle())
    blocks, style = build_app(state)
    blocks.queue(default_concurrency_limit=8)
    return gr.mount_gradio_app(server, blocks, path="", auth=login, ssr_mode=False, show_error=True,
                               max_file_size=f"{max_upload_mb}mb", **style)


def docs_html(schema: dict) -> str:
    """The API's documentation as one self-contained page: each route, what it takes and returns."""
    rows = []
    for path, methods in schema.get("paths", {}).items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {})
            kinds = ", ".join(body) or "—"
            params = ", ".join(p["name"] for p in op.get("parameters", [])) or "—"
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{html.escape(path)}</code></td>"
                        f"<td>{html.escape(op.get('summary', ''))}</td><td>{html.escape(params)}</td>"
                        f"<td>{html.escape(kinds)}</td></tr>")
    models = "".join(f"<h3>{html.escape(name)}</h3><pre>{html.escape(json.dumps(s, ensure_ascii=False, indent=2))}</pre>"
                     for name, s in schema.get("components", {}).get("schemas", {}).items())
    info = schema.get("info", {})
    return (f"<!doctype html><html lang='zh'><meta charset='utf-8'><title>{html.escape(info.get('title', ''))}</title>"
            "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}td,th{border:1px solid #ccc;"
            "padding:4px 8px}table{border-collapse:collapse}pre{background:#f6f8fa;padding:8px}</style>"
            f"<h1>{html.escape(info.get('title', ''))}</h1><p>{html.escape(info.get('description', ''))}</p>"
            "<p>机器可读的说明：<a href='/openapi.json'>/openapi.json</a></p>"
            "<table><tr><th>方法</th><th>路径</th><th>作用</th><th>参数</th><th>请求体</th></tr>"
            + "".join(rows) + "</table><h2>数据结构</h2>" + models + "</html>")


def parse_auth(spec: str | None) -> tuple[str, str] | None:
    """``user:password`` (from --auth or RAG_AUTH) -> a Gradio login; None: no login."""
    if not spec:
        return None
    user, sep, password = spec.partition(":")
    if not sep or not user or not password:
        raise RagError("--auth / RAG_AUTH must be USER:PASSWORD, both non-empty")
    return user, password


def uploads_refused(host: str, login) -> bool:
    """Served beyond this machine without a login, anyone could replace a report: no uploads."""
    return host not in LOOPBACK and not login


def serve(index_dir: Path, host: str = "127.0.0.1", port: int = 7860, embedder_spec: str | None = None,
          docs: str = "seeds", max_upload_mb: int = 20, auth: str | None = None, llm: str | None = None,
          store_spec=None, limits=None, read_only: bool = False, api_key: str | None = None) -> None:
    """Serve the store at ``store_spec`` (default: the local index in ``index_dir``), building
    it from ``docs`` first if there is none. Uploads are kept in ``index_dir``/uploads;
    ``auth`` is USER:PASSWORD for a login (throttled after failures). Served beyond this
    machine without a login, the page is read-only whatever ``read_only`` says."""
    import uvicorn

    from rag.answer.generate import llm_from_spec
    from rag.answer.retrieve import Searcher
    from rag.embed.base import DEFAULT_EMBEDDER
    from rag.embed.registry import get_embedder
    from rag.errors import IndexMissingError
    from rag.ingest.limits import DEFAULT_LIMITS
    from rag.stores.base import StoreSpec
    from rag.stores.uri import build_store, open_store, store_embedder_name

    login = parse_auth(auth)
    llm_config = llm_from_spec(llm)
    spec = store_spec or StoreSpec("local", str(index_dir))
    try:
        embedder = get_embedder(embedder_spec or store_embedder_name(spec))
        store = open_store(spec, embedder)
    except IndexMissingError:
        print(f"no index in {spec}: building one from {docs}/ …", file=sys.stderr, flush=True)
        embedder = get_embedder(embedder_spec or DEFAULT_EMBEDDER)
        store, report = build_store(spec, [docs], embedder, progress=True)
        print(f"indexed {report.documents} documents, {report.chunks} chunks in {report.seconds:.1f}s",
              file=sys.stderr, flush=True)
    if uploads_refused(host, login) and not read_only:
        read_only = True
        print(f"note: serving on {host} without --auth: the page is read-only (no uploads); "
              "add --auth USER:PASSWORD to allow them", file=sys.stderr)
    if host not in LOOPBACK:
        print(f"warning: serving on {host}: anyone who can reach this machine can read the indexed reports"
              + ("" if login else " (add --auth USER:PASSWORD to require a login)")
              + ("" if api_key else "; the API is closed without --api-key"), file=sys.stderr)
    state = AppState(Searcher(store, embedder), Path(index_dir), max_upload_mb * 1024 * 1024, llm_config,
                     limits or DEFAULT_LIMITS, read_only)
    app = create_server(state, login, api_key, host, max_upload_mb=max_upload_mb)
    print(f"page: http://{host}:{port}/   API: http://{host}:{port}/docs   model: {model_name(state)}", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
