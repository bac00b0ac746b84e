"""The Gradio chat page (``rag serve``). It only wires widgets to the library:
retrieval, answers, follow-ups and indexing all live in ``rag``."""
from __future__ import annotations

import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rag.answer.conversation import rewrite
from rag.answer.extract import compose, question_terms
from rag.answer.generate import MARKER, LLMConfig, condense, llm_from_spec, prompt_passages, stream_answer
from rag.answer.retrieve import Searcher, check_question
from rag.errors import RagError, printable
from rag.ingest.documents import SUPPORTED_SUFFIXES, load_documents
from rag.ingest.limits import DEFAULT_LIMITS, ReadLimits
from rag.stores.base import MODES
from rag.stores.uri import add_documents, latest

from .render import CSS, answer_markdown, citations_html, documents_rows, passages_html, streaming_markdown, text_html

SCRIPTS = {"原文": "original", "简体": "simplified", "繁體": "traditional"}
DEFAULT_MAX_UPLOAD_MB = 20


@dataclass
class AppState:
    """The live searcher, swapped whole when uploads change the index."""
    searcher: Searcher
    index_dir: Path
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    llm: LLMConfig | None = None      # generative answers when set
    limits: ReadLimits = DEFAULT_LIMITS
    read_only: bool = False           # no upload on the page
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def upload_dir(self) -> Path:
        return self.index_dir / "uploads"

    def refresh(self) -> Searcher:
        """The searcher over the latest commit: ``rag index`` in another process may have
        written since (a read of CURRENT per question)."""
        with self.lock:
            current = self.searcher
            store = latest(current.store, current.embedder)
            if store is not current.store:
                self.searcher = Searcher(store, current.embedder, current.fusion)
            return self.searcher


def safe_upload_name(name: str) -> str:
    """A plain file name that cannot leave the upload folder ("../x", "/etc/x", "a\\b")."""
    base = re.split(r"[\\/]", name)[-1].strip().lstrip(".")
    base = re.sub(r"[\x00-\x1f]", "", base)
    if not base or base in {".", ".."}:
        raise RagError(f"'{name}': not a usable file name")
    return base[:200]


def chat_turn(state: AppState, question: str, history: list, previous: str | None, mode: str, k: int,
              script: str):
    """One question, as a generator of (history, citations html, cleared box, question to lean on
    next): a generated answer streams in, then is replaced by its checked form."""
    history = list(history or [])
    user = {"role": "user", "content": text_html(question or "")}
    searcher, llm, shown = state.refresh(), state.llm, SCRIPTS[script]
    try:
        resolved = rewrite(check_question(question), previous)
        if llm and resolved != question:
            try:
                resolved = condense(llm, previous, question)
            except RagError:
                pass  # keep the plain combination
        answer = compose(searcher, searcher.search(resolved, mode, int(k)))
        if llm:
            passages = prompt_passages(answer.passages)
            for text, checked in stream_answer(searcher, llm, answer, keep_unverified=True):
                if checked is not None:
                    answer = checked
                    break
                markers = sorted({int(m) for m in MARKER.findall(text) if 1 <= int(m) <= len(passages)})
                yield history + [user, {"role": "assistant", "content": streaming_markdown(text, shown)}], \
                    passages_html(searcher.store, passages, markers, shown), "", previous
    except RagError as exc:
        yield history + [user, {"role": "assistant", "content": text_html(str(exc))}], "", "", previous
        return
    panel = citations_html(searcher.store, answer, question_terms(resolved), shown)
    understood = f"<div class='rewritten'>理解为：{text_html(resolved, shown)}</div>" if resolved != question.strip() else ""
    yield history + [user, {"role": "assistant", "content": understood + answer_markdown(answer, shown)}], panel, "", \
        resolved


def _sha256(path: Path) -> str:
    import hashlib
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while piece := f.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()


def upload_files(state: AppState, paths, replace: bool = False) -> tuple[str, list[list]]:
    """Copy uploads into the index's upload folder and index them; one message per file.
    An upload never silently replaces a report: one with an indexed report's name needs
    ``replace``, and one with an indexed report's content is not indexed twice."""
    if state.read_only:
        return "✗ 此页面为只读：不能上传报告", documents_rows(state.searcher.store)
    messages, accepted = [], []
    state.upload_dir.mkdir(parents=True, exist_ok=True)
    indexed = state.refresh().store.documents   # the latest commit: another process may have added reports
    for path in paths or []:
        path = Path(path)
        try:
            name = safe_upload_name(path.name)
            if not name.lower().endswith(SUPPORTED_SUFFIXES):
                raise RagError(f"{printable(name)}：不支持的文件类型；请上传 {' '.join(SUPPORTED_SUFFIXES)} 文件")
            size = path.stat().st_size
            if size > state.max_upload_bytes:
                raise RagError(f"{printable(name)}：{size / 1e6:.1f} MB，超过上传上限 {state.max_upload_bytes / 1e6:.0f} MB")
            digest = _sha256(path)
            same = next((n for n, d in indexed.items() if d.document.sha256 == digest), None)
            if same is not None:
                raise RagError(f"{printable(name)}：与已索引的 {printable(same)} 内容相同，未重复索引")
            if name in indexed and not replace:
                raise RagError(f"{printable(name)}：已有同名报告（内容不同），未替换。"
                               "如要替换，请勾选「替换同名报告」后重新上传")
            target = state.upload_dir / name
            shutil.copyfile(path, target)
            accepted.append(target)
        except (RagError, OSError) as exc:
            messages.append(f"✗ {exc}")
    if accepted:
        loaded = load_documents(accepted, state.limits)
        messages += [f"✗ {failure}" for failure in loaded.failures]
        if loaded.documents:
            with state.lock:
                current = state.searcher
                store, report = add_documents(current.store, loaded.documents, current.embedder,
                                              state.index_dir / "cache")
                state.searcher = Searcher(store, current.embedder, current.fusion)
            messages += [f"✓ {d.name}" for d in loaded.documents]
            messages.append(f"indexed: {report.documents} documents, {report.chunks} chunks "
                            f"({report.embedded} newly embedded)")
    return "\n".join(messages) or "no files", documents_rows(state.searcher.store)


def build_app(state: AppState):
    """The Gradio Blocks of the page and the launch styling; widgets call the library only."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    try:
        import gradio as gr
    except ImportError as exc:
        raise RagError("the chat page needs gradio: pip install gradio (a dependency of rag-reports; "
                       "reinstall with: pip install -e .)") from exc

    # System fonts only: the default theme would fetch fonts from the internet.
    theme = gr.themes.Default(font=["Noto Sans CJK SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"],
                              font_mono=["monospace"])
    with gr.Blocks(title="工作报告问答", analytics_enabled=False) as app:
        previous = gr.State(None)
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(elem_id="chatbot", label="对话", height=460,
                                         sanitize_html=True, render_markdown=True, buttons=["copy_all"])
                    with gr.Row():
                        question = gr.Textbox(elem_id="question", placeholder="输入问题，例如：张掖市建成了多少个四级综治中心？",
                                              show_label=False, scale=5, max_lines=4)
                        send = gr.Button("发送", elem_id="send", variant="primary", scale=1)
                    with gr.Row():
                        mode = gr.Radio(list(MODES), value="hybrid", label="检索方式")
                        k = gr.Slider(1, 20, value=5, step=1, label="段落数")
                        script = gr.Radio(list(SCRIPTS), value="原文", label="显示字体")
                with gr.Column(scale=2):
                    gr.Markdown("### 引用来源")
                    citations = gr.HTML(elem_id="citations")
        with gr.Tab("文档"):
            documents = gr.Dataframe(headers=["文件", "标题", "地方", "段落", "分块", "清理移除"],
                                     value=documents_rows(state.searcher.store), elem_id="documents",
                                     interactive=False, wrap=True)
            if state.read_only:
                gr.Markdown("此页面为只读：不能上传报告。", elem_id="read-only")
            else:
                upload = gr.File(label="上传报告 (.txt .md .docx .pdf .html)", file_count="multiple",
                                 file_types=list(SUPPORTED_SUFFIXES), elem_id="upload")
                replace = gr.Checkbox(False, label="替换同名报告", elem_id="replace")
                upload_log = gr.Textbox(label="上传结果", elem_id="upload-log", lines=4, interactive=False)

        def on_ask(q, history, prev, m, kk, s):
            yield from chat_turn(state, q, history, prev, m, kk, s)

        def on_upload(files, replace_same, progress=gr.Progress()):
            progress(0, desc="索引中…")
            return upload_files(state, files, bool(replace_same))

        outputs = [chatbot, citations, question, previous]
        inputs = [question, chatbot, previous, mode, k, script]
        send.click(on_ask, inputs, outputs, concurrency_limit=8, api_name="ask")
        question.submit(on_ask, inputs, outputs, concurrency_limit=8, api_name=False)
        # clearing the chat forgets the follow-up context and the sources shown with it
        chatbot.clear(lambda: (None, ""), None, [previous, citations], api_name=False)
        if not state.read_only:
            upload.upload(on_upload, [upload, replace], [upload_log, documents], api_name=False)
    return app, {"theme": theme, "css": CSS}


def parse_auth(spec: str | None) -> tuple[str, str] | None:
    """``user:password`` (from --auth or RAG_AUTH) -> a Gradio login; None: no login."""
    if not spec:
        return None
    user, sep, password = spec.partition(":")
    if not sep or not user or not password:
        raise RagError("--auth / RAG_AUTH must be USER:PASSWORD, both non-empty")
    return user, password


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(index_dir: Path, host: str = "127.0.0.1", port: int = 7860, embedder_spec: str | None = None,
          docs: str = "seeds", max_upload_mb: int = DEFAULT_MAX_UPLOAD_MB, auth: str | None = None,
          llm: str | None = None, store_spec=None, limits: ReadLimits = DEFAULT_LIMITS, read_only: bool = False
          ) -> None:
    """Serve the store at ``store_spec`` (default: the local index in ``index_dir``), building
    it from ``docs`` first if there is none. Uploads are kept in ``index_dir``/uploads;
    ``auth`` is USER:PASSWORD for a login (throttled after failures). Served beyond this
    machine without a login, the page is read-only whatever ``read_only`` says."""
    login = parse_auth(auth)
    llm_config = llm_from_spec(llm)
    from rag.embed.base import DEFAULT_EMBEDDER
    from rag.embed.registry import get_embedder
    from rag.errors import IndexMissingError
    from rag.stores.base import StoreSpec
    from rag.stores.uri import build_store, open_store, store_embedder_name

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
    state = AppState(Searcher(store, embedder), index_dir, max_upload_mb * 1024 * 1024, llm_config, limits, read_only)
    if host not in LOOPBACK:
        print(f"warning: serving on {host}: anyone who can reach this machine can read the indexed reports"
              + ("" if login else " (add --auth USER:PASSWORD to require a login)"), file=sys.stderr)
    app, style = build_app(state)
    app.queue(default_concurrency_limit=8)
    app.launch(server_name=host, server_port=port, share=False, ssr_mode=False, show_error=True,
               max_file_size=f"{max_upload_mb}mb", inbrowser=False, **login_options(login), **style)


def uploads_refused(host: str, login) -> bool:
    """Served beyond this machine without a login, anyone could replace a report: no uploads."""
    return host not in LOOPBACK and not login


def login_options(login: tuple[str, str] | None, throttle=None) -> dict:
    """``launch`` arguments for a login: Gradio's check, with failed attempts throttled per client."""
    if not login:
        return {}
    from starlette.middleware import Middleware

    from .throttle import LoginThrottle, ThrottleLogins
    throttle = throttle if throttle is not None else LoginThrottle()
    return {"auth": login, "app_kwargs": {"middleware": [Middleware(ThrottleLogins, throttle=throttle)]}}
