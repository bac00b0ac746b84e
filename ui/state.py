"""What the page and the HTTP API share: the live searcher (swapped whole when uploads or
deletions change the index), and the operations both offer — ask, upload, delete, feedback —
as plain functions returning the library's results. Widgets and routes only format them."""
from __future__ import annotations

import hashlib
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rag.answer.conversation import rewrite
from rag.answer.extract import Answer, ask
from rag.answer.generate import LLMConfig, condense, generate
from rag.answer.retrieve import DocFilter, Searcher, check_question, filter_documents
from rag.errors import QueryError, RagError, printable
from rag.evaluate.feedback import Feedback, record_feedback
from rag.ingest.documents import SUPPORTED_SUFFIXES, load_documents
from rag.ingest.limits import DEFAULT_LIMITS, ReadLimits
from rag.stores.uri import add_documents, document_hashes, latest, merge_segments, remove_documents, store_version

DEFAULT_MAX_UPLOAD_MB = 20


@dataclass
class AppState:
    """The live searcher, swapped whole when uploads change the index."""
    searcher: Searcher
    index_dir: Path
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 1024 * 1024
    llm: LLMConfig | None = None      # generative answers when set
    limits: ReadLimits = DEFAULT_LIMITS
    read_only: bool = False           # no uploads or deletions
    lock: threading.Lock = field(default_factory=threading.Lock)
    merging: threading.Lock = field(default_factory=threading.Lock)   # one background merge at a time

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


def resolve_question(state: AppState, question: str, previous: str | None) -> str:
    """The standalone question a follow-up stands for (condensed by the model when there is one)."""
    resolved = rewrite(check_question(question), previous)
    if state.llm and resolved != question and previous:
        try:
            resolved = condense(state.llm, previous, question)
        except RagError:
            pass  # keep the rule-based rewrite
    return resolved


def extractive_answer(state: AppState, resolved: str, mode: str = "hybrid", k: int = 5,
                      where: DocFilter | None = None) -> Answer:
    """The cited extractive answer to a standalone question, from the reports ``where`` selects."""
    searcher = state.refresh()
    return ask(searcher, resolved, mode, k, filter_documents(searcher.store, where))


def ask_question(state: AppState, question: str, previous: str | None = None, mode: str = "hybrid", k: int = 5,
                 where: DocFilter | None = None) -> Answer:
    """The answer to ``question`` (a follow-up rewritten against ``previous``; the rewritten
    form is ``answer.question``), generated when a model is configured."""
    resolved = resolve_question(state, question, previous)
    if state.llm:
        searcher = state.refresh()
        return generate(searcher, state.llm, resolved, mode, k, only=filter_documents(searcher.store, where))
    return extractive_answer(state, resolved, mode, k, where)


def safe_upload_name(name: str) -> str:
    """A plain file name that cannot leave the upload folder ("../x", "/etc/x", "a\\b")."""
    base = re.split(r"[\\/]", name)[-1].strip().lstrip(".")
    base = re.sub(r"[\x00-\x1f]", "", base)
    if not base or base in {".", ".."}:
        raise RagError(f"'{name}': not a usable file name")
    return base[:200]


@dataclass(frozen=True)
class UploadResult:
    name: str
    ok: bool
    message: str      # in Chinese, naming the file: what happened, or what was wrong and what to do


def add_uploads(state: AppState, files, replace: bool = False) -> tuple[list[UploadResult], str]:
    """Copy uploads (pairs of display name and local path) into the index's upload folder and
    index them; one result per file and a summary line. An upload never silently replaces a
    report: one with an indexed report's name needs ``replace``, and one with an indexed
    report's content is not indexed twice."""
    if state.read_only:
        raise QueryError("此服务为只读：不能上传或删除报告")
    results, accepted = [], []
    state.upload_dir.mkdir(parents=True, exist_ok=True)
    indexed = state.refresh().store.documents   # the latest commit: another process may have added reports
    hashes = document_hashes(state.searcher.store)
    for shown, path in files:
        path = Path(path)
        try:
            name = safe_upload_name(shown)
            if not name.lower().endswith(SUPPORTED_SUFFIXES):
                raise RagError(f"{printable(name)}：不支持的文件类型；请上传 {' '.join(SUPPORTED_SUFFIXES)} 文件")
            size = path.stat().st_size
            if size > state.max_upload_bytes:
                raise RagError(f"{printable(name)}：{size / 1e6:.1f} MB，超过上传上限 {state.max_upload_bytes / 1e6:.0f} MB")
            digest = _sha256(path)
            same = next((n for n, h in hashes.items() if h == digest), None)
            if same is not None:
                raise RagError(f"{printable(name)}：与已索引的 {printable(same)} 内容相同，未重复索引")
            if name in indexed and not replace:
                raise RagError(f"{printable(name)}：已有同名报告（内容不同），未替换。"
                               "如要替换，请勾选「替换同名报告」后重新上传")
            target = state.upload_dir / name
            shutil.copyfile(path, target)
            accepted.append(target)
        except (RagError, OSError) as exc:
            results.append(UploadResult(Path(shown).name, False, str(exc)))
    summary = ""
    if accepted:
        loaded = load_documents(accepted, state.limits)
        results += [UploadResult(Path(f.path).name, False,
                                 f"{printable(Path(f.path).name)}：无法读取，未索引（{f.reason}）") for f in loaded.failures]
        if loaded.documents:
            with state.lock:
                current = state.searcher
                store, report = add_documents(current.store, loaded.documents, current.embedder,
                                              state.index_dir / "cache")
                state.searcher = Searcher(store, current.embedder, current.fusion)
            merge_in_background(state)
            results += [UploadResult(d.name, True, f"{d.name}：已索引") for d in loaded.documents]
            summary = (f"已索引：共 {report.documents} 个报告、{report.chunks} 个分块"
                       f"（新嵌入 {report.embedded} 个）")
    return results, summary


def merge_in_background(state: AppState) -> threading.Thread | None:
    """Merge the index's segments as its policy says, in a thread: questions keep being answered
    from the live commit meanwhile, and the merged store replaces it when it is committed
    (unless another write came first: then the next question reads the latest commit)."""
    if not state.merging.acquire(blocking=False):
        return None   # a merge is running; it looks for further merges when it ends

    def run():
        try:
            store = state.searcher.store
            merged = merge_segments(store, state.searcher.embedder)
            if merged is not None:
                with state.lock:
                    current = state.searcher
                    if current.store is store:
                        state.searcher = Searcher(merged, current.embedder, current.fusion)
        except RagError as exc:   # the live commit is untouched; the next write tries again
            print(f"background merge of {state.index_dir} stopped: {exc}", file=sys.stderr)
        finally:
            state.merging.release()

    thread = threading.Thread(target=run, name="rag-merge", daemon=True)
    thread.start()
    return thread


def remove_report(state: AppState, name: str) -> str:
    """Delete one report from the index (and its uploaded copy); a message in Chinese."""
    if state.read_only:
        raise QueryError("此服务为只读：不能上传或删除报告")
    with state.lock:
        current = state.searcher
        store, report = remove_documents(current.store, [name], current.embedder, state.upload_dir)
        state.searcher = Searcher(store, current.embedder, current.fusion)
    merge_in_background(state)   # a segment left mostly deleted is rewritten
    return f"已删除 {printable(name)}；索引中还有 {report.documents} 个报告、{report.chunks} 个分块"


def give_feedback(state: AppState, question: str, answer: str, verdict: str, citations=(), mode: str = "hybrid",
                  note: str = "", correction: str = "", asked: str = "") -> Feedback:
    """Record a verdict on an answer in the index folder's feedback.jsonl, with the commit it came from."""
    feedback = Feedback(question, answer, verdict, tuple((str(d), int(p)) for d, p in citations), mode,
                        store_version(state.searcher.store), note.strip(), correction.strip(),
                        asked if asked and asked != question else "")
    record_feedback(state.index_dir, feedback)
    return feedback


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while piece := f.read(1 << 20):
            digest.update(piece)
    return digest.hexdigest()
