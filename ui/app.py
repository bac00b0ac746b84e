"""The Gradio chat page, mounted by rag.ui.server. It only wires widgets to rag.ui.state and
rag.ui.render: retrieval, answers, follow-ups, uploads and feedback all live in the library.

A conversation is a list of ``Turn`` (what was typed, its Answer) kept per browser tab; the
chat and the sources panel are rendered from it, so each answer keeps its own citations,
switching the display script re-renders everything, and 新对话 starts an empty list (the
old one stays reopenable in 历史对话)."""
import json
import os
import tempfile
import time
from pathlib import Path

from rag.answer.examples import example_questions
from rag.answer.export import Turn, answer_text, conversation_docx, conversation_markdown, near_places
from rag.answer.extract import question_terms
from rag.answer.generate import MARKER, prompt_passages, stream_answer
from rag.answer.retrieve import DocFilter
from rag.errors import QueryError, RagError
from rag.ingest.documents import SUPPORTED_SUFFIXES
from rag.stores.base import MODES

from .render import (
    CSS,
    MODE_LABELS,
    documents_rows,
    index_layout,
    passages_html,
    preview_html,
    streaming_markdown,
    text_html,
    turn_bubble,
    turn_section,
)
from .state import (
    AppState,
    add_uploads,
    ask_question,
    extractive_answer,
    give_feedback,
    remove_report,
    resolve_question,
)

SCRIPTS = {"原文": "original", "简体": "simplified", "繁體": "traditional"}
ALL = "全部"
FULL_TURNS = 1   # the latest answers whose cards the sources panel holds; older ones come when asked for

# Copy buttons and "查看全文" links, handled once for the whole page (the chat's HTML is sanitized).
PAGE_JS = """
() => {
  const copy = (text, button) => {
    const done = () => { button.textContent = '已复制'; setTimeout(() => button.textContent = '复制', 1500); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {   // plain http on an intranet address: no clipboard API
      const area = document.createElement('textarea');
      area.value = text; document.body.appendChild(area); area.select();
      document.execCommand('copy'); area.remove(); done();
    }
  };
  const request = (boxId, value, buttonId) => {   // a hidden textbox and button carry a request to the server
    const box = document.querySelector(boxId + ' textarea');
    box.value = value;
    box.dispatchEvent(new Event('input', { bubbles: true }));
    setTimeout(() => document.querySelector(buttonId).click(), 50);
  };
  document.addEventListener('click', (event) => {
    const button = event.target.closest('.copy-answer');
    if (button) {
      const turn = [...button.classList].find(c => c.startsWith('turn-'));
      const texts = JSON.parse(document.querySelector('#copy-texts textarea').value || '{}');
      if (turn && texts[turn.slice(5)]) copy(texts[turn.slice(5)], button);
      event.preventDefault();
      return;
    }
    const ref = event.target.closest('a.cite-ref');
    if (ref) {   // an older answer's [n]: its cards are fetched into the panel first
      const id = ref.getAttribute('href').slice(1);
      if (!document.getElementById(id)) {
        event.preventDefault();
        window.ragPendingCard = id;
        request('#panel-request', id.split('-')[1], '#panel-go');
      }
      return;
    }
    const link = event.target.closest('.preview-link');
    if (link) {
      event.preventDefault();
      request('#preview-request', link.dataset.doc + '\\t' + link.dataset.para, '#preview-go');
    }
  });
}
"""
SHOW_PENDING_CARD = ("() => { setTimeout(() => { const id = window.ragPendingCard; window.ragPendingCard = null;"
                     " if (id && document.getElementById(id)) location.hash = id; }, 300); }")
SCROLL_TO_FOCUS = "() => { setTimeout(() => document.querySelector('#preview .focus')?.scrollIntoView({block: 'center'}), 300); }"


def render_turns(state: AppState, turns: list[Turn], script: str, also: int | None = None
                 ) -> tuple[list[dict], str, str]:
    """(chat messages, sources panel, what each copy button copies as JSON) for a conversation.
    The panel holds the cards of the latest FULL_TURNS answers, plus those of answer ``also``
    when an older [n] asked for them (PAGE_JS): the panel is re-sent whole with every answer,
    and all of a long conversation's cards made each answer a quarter slower
    (eval/browser_latency.py)."""
    shown, store = SCRIPTS[script], state.searcher.store
    messages, sections, plain = [], [], {}
    for i, turn in enumerate(turns, 1):
        messages.append({"role": "user", "content": text_html(turn.asked, shown)})
        messages.append({"role": "assistant", "content": turn_bubble(i, turn.asked, turn.answer, shown)})
        plain[i] = answer_text(turn.answer, near_places(store, turn.answer))
        if len(turns) - i < FULL_TURNS or i == also:
            sections.append(turn_section(store, i, turn.answer, question_terms(turn.answer.question), shown))
    # the copy texts ride in a hidden textbox: in the chat they would be sanitized or rendered as
    # Markdown, and in the panel they too slowed every answer
    return messages, "".join(reversed(sections)), json.dumps(plain, ensure_ascii=False)


def chat_turn(state: AppState, question: str, turns: list[Turn], mode: str, k: int, script: str,
              where: DocFilter | None = None):
    """One question, as a generator of (chat, sources panel, cleared box, turns, copy texts): a generated
    answer streams in, then is replaced by its checked form. A bad question adds no turn; it
    raises QueryError for the page to show."""
    turns = list(turns or [])
    previous = turns[-1].answer.question if turns else None
    shown, n = SCRIPTS[script], len(turns) + 1
    if not state.llm:
        answer = ask_question(state, question, previous, mode, int(k), where)
    else:   # the extractive answer first, then the model's, streamed and checked
        extractive = extractive_answer(state, resolve_question(state, question, previous), mode, int(k), where)
        answer, passages = extractive, prompt_passages(extractive.passages)
        messages, panel, copies = render_turns(state, turns, script)
        for text, checked in stream_answer(state.searcher, state.llm, extractive, keep_unverified=True):
            if checked is not None:
                answer = checked
                break
            markers = sorted({int(m) for m in MARKER.findall(text) if 1 <= int(m) <= len(passages)})
            yield messages + [{"role": "user", "content": text_html(question, shown)},
                              {"role": "assistant", "content": streaming_markdown(text, shown, n)}], \
                passages_html(state.searcher.store, passages, markers, shown, n) + panel, "", turns, copies
    turns.append(Turn(question, answer))
    messages, panel, copies = render_turns(state, turns, script)
    yield messages, panel, "", turns, copies


def upload_files(state: AppState, paths, replace: bool = False) -> tuple[str, list[list]]:
    """Uploads indexed one by one (rag.ui.state.add_uploads): a log line per file, and the table."""
    try:
        results, summary = add_uploads(state, [(Path(p).name, p) for p in paths or []], replace)
    except QueryError as exc:
        return f"✗ {exc}", documents_rows(state.searcher.store)
    lines = [f"{'✓' if r.ok else '✗'} {r.message}" for r in results] + ([summary] if summary else [])
    return "\n".join(lines) or "没有选择文件", documents_rows(state.searcher.store)


SHOWN_DOCUMENTS = 2000   # reports the heading counts paragraphs of and the filters offer; rag docs lists all


def heading(state: AppState) -> str:
    store = state.searcher.store
    paragraphs = sum(len(store.documents[n].paragraphs) for n in list(store.documents)[:SHOWN_DOCUMENTS])
    more = "" if len(store.documents) <= SHOWN_DOCUMENTS else " 以上"
    return f"## 工作报告问答\n正在检索 **{len(store.documents)}** 份报告、**{paragraphs:,}**{more} 个段落；每句回答都注明出处。"


def filter_choices(state: AppState) -> tuple[list, list, list]:
    """The filters' choices: (title, name) of each report, the places and the years they are about."""
    store = state.searcher.store
    shown = [(name, store.documents[name]) for name in list(store.documents)[:SHOWN_DOCUMENTS]]
    places = sorted({p for _, doc in shown for p in doc.subject.path})
    years = sorted({y for _, doc in shown for y in doc.subject.years}, reverse=True)
    return [(f"{doc.display_title}（{name}）", name) for name, doc in shown], [ALL, *places], [ALL, *map(str, years)]


def build_app(state: AppState):
    """The Gradio Blocks of the page and its styling (for rag.ui.server to mount)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    try:
        import gradio as gr
    except ImportError as exc:
        raise RagError("the chat page needs gradio: pip install gradio (a dependency of rag-reports; "
                       "reinstall with: pip install -e .)") from exc

    # System fonts only: the default theme would fetch fonts from the internet.
    theme = gr.themes.Default(font=["Noto Sans CJK SC", "WenQuanYi Micro Hei", "system-ui", "sans-serif"],
                              font_mono=["monospace"])
    docs, places, years = filter_choices(state)
    with gr.Blocks(title="工作报告问答", analytics_enabled=False) as app:
        turns = gr.State([])
        saved = gr.State([])          # earlier conversations of this tab: (title, turns)
        title = gr.Markdown(heading(state), elem_id="heading")
        with gr.Tab("问答"):
            with gr.Row():
                with gr.Column(scale=3, min_width=320):
                    chatbot = gr.Chatbot(elem_id="chatbot", label="对话", height=460, sanitize_html=True,
                                         render_markdown=True, buttons=[], feedback_options=("Like", "Dislike"))
                    with gr.Row():
                        question = gr.Textbox(elem_id="question", placeholder="输入问题，例如：张掖市建成了多少个四级综治中心？",
                                              show_label=False, scale=5, max_lines=4)
                        send = gr.Button("发送", elem_id="send", variant="primary", scale=1, min_width=80)
                    examples = example_questions(state.searcher)
                    if examples:
                        gr.Examples([[q] for q in examples], [question], label="示例问题（点击填入）",
                                    elem_id="examples")
                    with gr.Row():
                        new_chat = gr.Button("新对话", elem_id="new-chat", size="sm")
                        history = gr.Dropdown([], label="历史对话", elem_id="history", scale=3)
                        export_md = gr.Button("导出 Markdown", elem_id="export-md", size="sm")
                        export_docx = gr.Button("导出 Word", elem_id="export-docx", size="sm")
                    exported = gr.File(label="导出的文件", elem_id="exported", visible=False, interactive=False)
                    feedback_log = gr.Markdown("", elem_id="feedback-log")
                    with gr.Accordion("反馈", open=False, elem_id="feedback-form") as feedback_box:
                        feedback_note = gr.Textbox(label="对最近一次 👎 补充说明（可选）", elem_id="feedback-note")
                        feedback_fix = gr.Textbox(label="正确答案是……（可选）", elem_id="feedback-fix")
                        feedback_send = gr.Button("提交反馈", elem_id="feedback-send", size="sm")
                with gr.Column(scale=2, min_width=300):
                    gr.Markdown("### 引用来源")
                    citations = gr.HTML(elem_id="citations")
                    with gr.Accordion("全文预览", open=False, elem_id="preview-box") as preview_box:
                        preview = gr.HTML(elem_id="preview")
                    preview_request = gr.Textbox(elem_id="preview-request", elem_classes="hidden-control",
                                                 show_label=False)
                    preview_go = gr.Button("预览", elem_id="preview-go", elem_classes="hidden-control")
                    panel_request = gr.Textbox(elem_id="panel-request", elem_classes="hidden-control",
                                               show_label=False)
                    panel_go = gr.Button("来源", elem_id="panel-go", elem_classes="hidden-control")
                    copy_texts = gr.Textbox("{}", elem_id="copy-texts", elem_classes="hidden-control",
                                            show_label=False)
            with gr.Accordion("检索设置", open=False, elem_id="settings"):
                with gr.Row():
                    mode = gr.Radio([(MODE_LABELS[m], m) for m in MODES], value="hybrid", label="检索方式",
                                    elem_id="mode")
                    k = gr.Slider(1, 20, value=5, step=1, label="段落数", elem_id="k")
                    script = gr.Radio(list(SCRIPTS), value="原文", label="显示字体", elem_id="script")
                with gr.Row():
                    only_docs = gr.Dropdown(docs, multiselect=True, label="只检索这些报告（不选：全部）",
                                            elem_id="only-docs")
                    only_place = gr.Dropdown(places, value=ALL, label="地方", elem_id="only-place")
                    only_year = gr.Dropdown(years, value=ALL, label="年份", elem_id="only-year")
        with gr.Tab("文档"):
            documents = gr.Dataframe(headers=["文件", "标题", "地方", "段落", "分块", "清理移除"],
                                     value=documents_rows(state.searcher.store), elem_id="documents",
                                     interactive=False, wrap=True)
            layout = gr.Markdown(index_layout(state.searcher.store), elem_id="index-layout")
            with gr.Row():
                chosen = gr.Dropdown(docs, label="选择报告", elem_id="chosen-doc", scale=3)
                show_doc = gr.Button("预览全文", elem_id="show-doc", size="sm")
            doc_preview = gr.HTML(elem_id="doc-preview")
            if state.read_only:
                gr.Markdown("此页面为只读：不能上传或删除报告。", elem_id="read-only")
            else:
                with gr.Row():
                    confirm = gr.Checkbox(False, label="确认删除所选报告", elem_id="confirm-delete")
                    delete = gr.Button("删除所选报告", elem_id="delete-doc", variant="stop", size="sm")
                upload = gr.File(label="上传报告 (.txt .md .docx .pdf .html)", file_count="multiple",
                                 file_types=list(SUPPORTED_SUFFIXES), elem_id="upload")
                replace = gr.Checkbox(False, label="替换同名报告", elem_id="replace")
            upload_log = gr.Textbox(label="结果", elem_id="upload-log", lines=4, interactive=False)

        def where(docs_, place_, year_) -> DocFilter:
            return DocFilter(tuple(docs_ or ()), () if place_ in (None, ALL) else (place_,),
                             () if year_ in (None, ALL) else (int(year_),))

        def on_ask(q, turns_, m, kk, s, docs_, place_, year_):
            try:   # a refused question (empty, too long, a filter matching nothing) adds no bubble
                yield from chat_turn(state, q, turns_, m, kk, s, where(docs_, place_, year_))
            except RagError as exc:
                gr.Warning(str(exc))
                yield *render_turns(state, turns_, s)[:2], q, turns_, gr.skip()

        def on_new(turns_, saved_):
            saved_ = list(saved_)
            if turns_:
                saved_.append((f"{time.strftime('%H:%M')} {turns_[0].asked[:20]}", list(turns_)))
            return [], "", [], saved_, gr.update(choices=[(t, i) for i, (t, _) in enumerate(saved_)], value=None), "", \
                "{}"

        def on_reopen(i, turns_, saved_, s):
            if i is None or not 0 <= int(i) < len(saved_):
                return gr.update(), gr.update(), turns_, gr.update()
            chosen_turns = list(saved_[int(i)][1])
            messages, panel, copies = render_turns(state, chosen_turns, s)
            return messages, panel, chosen_turns, copies

        def on_script(turns_, s):
            return render_turns(state, turns_, s)

        def on_like(turns_, data: gr.LikeData):
            index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
            i = int(index) // 2
            if not 0 <= i < len(turns_):
                return "", gr.update()
            answer = turns_[i].answer
            verdict = "up" if data.liked is True or data.liked == "Like" else "down"
            try:
                give_feedback(state, answer.question, answer.answer, verdict,
                              [(c.doc, c.paragraph) for c in answer.citations], answer.mode, asked=turns_[i].asked)
            except RagError as exc:
                return f"✗ {exc}", gr.update()
            if verdict == "up":
                return "已记录 👍，谢谢", gr.update()
            return "已记录 👎；可在此补充说明或写下正确答案后提交", gr.update(open=True)

        def on_feedback(note, fix, turns_):
            if not turns_:
                return "还没有回答可以评价", note, fix
            if not (note or "").strip() and not (fix or "").strip():
                return "请写下说明或正确答案", note, fix
            turn = turns_[-1]
            try:
                give_feedback(state, turn.answer.question, turn.answer.answer, "down",
                              [(c.doc, c.paragraph) for c in turn.answer.citations], turn.answer.mode, note, fix,
                              turn.asked)
            except RagError as exc:
                return f"✗ {exc}", note, fix
            return "已记录反馈（将作为回归测试问题：rag feedback export）", "", ""

        def on_export(turns_, kind):
            if not turns_:
                gr.Warning("还没有可以导出的对话")
                return gr.update()
            folder = Path(tempfile.mkdtemp(prefix="rag-export-"))
            path = folder / f"问答记录-{time.strftime('%Y%m%d-%H%M%S')}.{kind}"
            if kind == "md":
                path.write_text(conversation_markdown(turns_), encoding="utf-8")
            else:
                path.write_bytes(conversation_docx(turns_))
            return gr.update(value=str(path), visible=True)

        def on_preview(request, s):
            name, _, para = (request or "").partition("\t")
            store = state.searcher.store
            if name not in store.documents:
                return "", gr.update()
            return preview_html(store.documents[name], int(para) if para.isdigit() else None, SCRIPTS[s]), \
                gr.update(open=True)

        def on_panel(request, turns_, s):
            wanted = int(request) if (request or "").isdigit() else None
            return render_turns(state, turns_, s, also=wanted)[1]

        def on_show_doc(name, s):
            store = state.searcher.store
            return preview_html(store.documents[name], None, SCRIPTS[s]) if name in store.documents else ""

        def refreshed(rows=None):
            docs_, places_, years_ = filter_choices(state)
            return (heading(state), rows if rows is not None else documents_rows(state.searcher.store),
                    index_layout(state.searcher.store), gr.update(choices=docs_, value=[]),
                    gr.update(choices=places_, value=ALL), gr.update(choices=years_, value=ALL),
                    gr.update(choices=docs_, value=None))

        def on_upload(files, replace_same, progress=gr.Progress()):
            progress(0, desc="索引中…")
            log, rows = upload_files(state, files, bool(replace_same))
            return (log, *refreshed(rows))

        def on_delete(name, sure):
            unchanged = tuple(gr.update() for _ in range(7))
            if not name:
                return ("请先选择要删除的报告", *unchanged)
            if not sure:
                return ("请勾选「确认删除所选报告」后再删除", *unchanged)
            try:
                message = "✓ " + remove_report(state, name)
            except RagError as exc:
                message = f"✗ {exc}"
            return (message, *refreshed())

        inputs = [question, turns, mode, k, script, only_docs, only_place, only_year]
        outputs = [chatbot, citations, question, turns, copy_texts]
        send.click(on_ask, inputs, outputs, concurrency_limit=8, api_name="ask")
        question.submit(on_ask, inputs, outputs, concurrency_limit=8, api_name=False)
        new_chat.click(on_new, [turns, saved], [chatbot, citations, turns, saved, history, feedback_log, copy_texts],
                       api_name=False)
        history.input(on_reopen, [history, turns, saved, script], [chatbot, citations, turns, copy_texts],
                      api_name=False)
        script.change(on_script, [turns, script], [chatbot, citations, copy_texts], api_name=False)
        chatbot.like(on_like, [turns], [feedback_log, feedback_box], api_name=False)
        # Gradio's own clear button: the same reset as 新对话
        chatbot.clear(on_new, [turns, saved], [chatbot, citations, turns, saved, history, feedback_log, copy_texts],
                      api_name=False)
        feedback_send.click(on_feedback, [feedback_note, feedback_fix, turns],
                            [feedback_log, feedback_note, feedback_fix], api_name=False)
        export_md.click(lambda t: on_export(t, "md"), [turns], [exported], api_name=False)
        export_docx.click(lambda t: on_export(t, "docx"), [turns], [exported], api_name=False)
        preview_go.click(on_preview, [preview_request, script], [preview, preview_box], api_name=False) \
            .then(None, None, None, js=SCROLL_TO_FOCUS)
        panel_go.click(on_panel, [panel_request, turns, script], [citations], api_name=False) \
            .then(None, None, None, js=SHOW_PENDING_CARD)
        show_doc.click(on_show_doc, [chosen, script], [doc_preview], api_name=False)
        changed = [upload_log, title, documents, layout, only_docs, only_place, only_year, chosen]
        if not state.read_only:
            upload.upload(on_upload, [upload, replace], changed, api_name=False)
            delete.click(on_delete, [chosen, confirm], changed, api_name=False)
    return app, {"theme": theme, "css": CSS, "js": PAGE_JS}
