"""The HTTP API, on the same server as the page (rag.ui.server mounts the page under it):
``/api/…`` for this product's own JSON (the same as ``rag ask --json``), and an
OpenAI-compatible ``/v1/chat/completions`` and ``/v1/models``, so OpenAI clients, Open WebUI,
Dify or Chatbox can use the reports as a model. Routes call rag.ui.state; errors from the
library become JSON errors naming the field and what to do."""
import json
import tempfile
import time
import uuid
from pathlib import Path

from fastapi import APIRouter, File, Form, HTTPException, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from rag.answer.export import answer_json, answer_text, near_places
from rag.answer.retrieve import DocFilter
from rag.errors import ConfigError, QueryError, RagError
from rag.stores.base import MODES

from .state import AppState, add_uploads, ask_question, give_feedback, remove_report

CHUNK_BYTES = 1 << 20


class AskRequest(BaseModel):
    question: str = Field(description="问题，简体或繁体", examples=["达州建成了多少个雪亮工程监控探头?"])
    previous: str | None = Field(None, description="上一个问题：追问（那张掖呢?）据此改写")
    mode: str = Field("hybrid", description=f"检索方式：{' | '.join(MODES)}")
    k: int = Field(5, ge=1, le=100, description="检索的段落数")
    doc: list[str] = Field(default_factory=list, description="只检索这些报告（文件名）")
    place: list[str] = Field(default_factory=list, description="只检索关于这些地方的报告，如 达州")
    year: list[int] = Field(default_factory=list, description="只检索关于这些年份的报告")


class FeedbackRequest(BaseModel):
    question: str
    answer: str
    verdict: str = Field(description="up | down")
    citations: list[tuple[str, int]] = Field(default_factory=list, description="[文件名, 段落] 每条引用")
    mode: str = "hybrid"
    note: str = ""
    correction: str = Field("", description="正确答案是……")


class Message(BaseModel):
    role: str
    content: str | list | None = None


class ChatRequest(BaseModel):
    model: str = ""
    messages: list[Message]
    stream: bool = False


def api_router(state: AppState, model: str):
    """The routes, as a FastAPI router over ``state``; ``model`` is the name /v1/models gives."""
    router = APIRouter()

    def failed(exc: RagError, status: int = 400):
        raise HTTPException(status, str(exc))

    @router.post("/api/ask", summary="回答一个问题（与 rag ask --json 相同）")
    def api_ask(body: AskRequest) -> dict:
        try:
            answer = ask_question(state, body.question, body.previous, body.mode, body.k,
                                  DocFilter(tuple(body.doc), tuple(body.place), tuple(body.year)))
        except ConfigError as exc:   # a field with a value the library does not know (mode)
            failed(exc, 422)
        except RagError as exc:
            failed(exc)
        return answer_json(answer, body.question)

    @router.get("/api/documents", summary="已索引的报告")
    def api_documents() -> list[dict]:
        store = state.refresh().store
        counts = store.chunk_counts()
        return [document_json(name, doc, counts.get(name, 0)) for name, doc in store.documents.items()]

    @router.get("/api/documents/{name}", summary="一份报告的全部段落（清理后，原文字体）")
    def api_document(name: str) -> dict:
        store = state.refresh().store
        if name not in store.documents:
            raise HTTPException(404, f"没有名为 {name} 的报告")
        doc = store.documents[name]
        return {**document_json(name, doc, store.chunk_counts().get(name, 0)),
                "paragraphs": [{"n": p.number, "text": doc.text[p.start:p.end], "heading": p.heading}
                               for p in doc.paragraphs]}

    @router.post("/api/documents", summary="上传报告（multipart，字段 files；replace=true 替换同名报告）")
    async def api_upload(files: list[UploadFile] = File(...), replace: bool = Form(False)):
        # the whole body is bounded before this runs (rag.ui.server.LimitUploads); each file here
        with tempfile.TemporaryDirectory() as tmp:
            saved = []
            for i, upload in enumerate(files):
                path = Path(tmp) / f"{i}"
                if not await _save_bounded(upload, path, state.max_upload_bytes):
                    raise HTTPException(413, f"{upload.filename}：超过上传上限 {state.max_upload_bytes / 1e6:.0f} MB")
                saved.append((upload.filename or f"file{i}", path))
            try:
                results, summary = add_uploads(state, saved, replace)
            except QueryError as exc:
                failed(exc, 403)
        status = 200 if any(r.ok for r in results) else 400
        return JSONResponse({"results": [{"name": r.name, "ok": r.ok, "message": r.message} for r in results],
                             "summary": summary}, status_code=status)

    @router.delete("/api/documents/{name}", summary="删除一份报告（其余保留）")
    def api_remove(name: str) -> dict:
        if name not in state.refresh().store.documents:
            raise HTTPException(404, f"没有名为 {name} 的报告")
        try:
            return {"message": remove_report(state, name)}
        except QueryError as exc:
            failed(exc, 403 if state.read_only else 400)

    @router.post("/api/feedback", summary="对一个回答的评价（👍 up / 👎 down，可附正确答案）")
    def api_feedback(body: FeedbackRequest) -> dict:
        try:
            fb = give_feedback(state, body.question, body.answer, body.verdict, body.citations, body.mode,
                               body.note, body.correction)
        except QueryError as exc:
            failed(exc, 422)
        except RagError as exc:   # the feedback file could not be written
            failed(exc, 503)
        return {"recorded": True, "time": fb.time, "index_version": fb.index_version}

    @router.get("/v1/models", summary="OpenAI 兼容：模型列表（模型名即索引）")
    def v1_models() -> dict:
        return {"object": "list", "data": [{"id": model, "object": "model", "created": 0, "owned_by": "rag-reports"}]}

    @router.post("/v1/chat/completions", summary="OpenAI 兼容：对话（stream 可选）")
    def v1_chat(body: ChatRequest):
        asked = [_text(m.content) for m in body.messages if m.role == "user"]
        if not asked:
            raise HTTPException(400, "messages: 至少需要一条 role 为 user 的消息")
        try:
            answer = ask_question(state, asked[-1], asked[-2] if len(asked) > 1 else None)
        except RagError as exc:
            failed(exc)
        content = answer_text(answer, near_places(state.searcher.store, answer))
        citations = answer_json(answer, asked[-1])["citations"]
        made, ident = int(time.time()), f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if not body.stream:
            return {"id": ident, "object": "chat.completion", "created": made, "model": model,
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
                    "citations": citations, "answered": answer.answered, "question": answer.question}

        def events():
            def chunk(delta: dict, finish=None, **extra) -> str:
                return "data: " + json.dumps({"id": ident, "object": "chat.completion.chunk", "created": made,
                                              "model": model, "choices": [{"index": 0, "delta": delta,
                                                                           "finish_reason": finish}], **extra},
                                             ensure_ascii=False) + "\n\n"
            yield chunk({"role": "assistant", "content": ""})
            for piece in _pieces(content):
                yield chunk({"content": piece})
            yield chunk({}, "stop", citations=citations)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    return router


def document_json(name: str, doc, chunks: int) -> dict:
    s = doc.subject
    return {"name": name, "title": doc.display_title, "own_title": doc.title, "places": list(s.places),
            "path": list(s.path), "body": s.body, "years": list(s.years), "paragraphs": len(doc.paragraphs),
            "chunks": chunks}


async def _save_bounded(upload, path: Path, limit: int) -> bool:
    """Write an upload to ``path`` a megabyte at a time; False (and nothing kept) past ``limit``."""
    size = 0
    with open(path, "wb") as out:
        while piece := await upload.read(CHUNK_BYTES):
            size += len(piece)
            if size > limit:
                break
            out.write(piece)
    if size > limit:
        path.unlink()
        return False
    return True


def _text(content) -> str:
    """A message's text: a string, or the text parts of an OpenAI content list."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return content or ""


def _pieces(text: str, size: int = 24):
    """The answer in short pieces, as a stream of deltas."""
    for start in range(0, len(text), size):
        yield text[start:start + size]
